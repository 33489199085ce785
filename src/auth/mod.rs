//! Authentication and authorisation primitives: the role policy (who may call each
//! operation), password hashing, access and integration tokens, access codes and rate limits.
//! Nothing here reaches the database or the request: `caller` resolves who is calling, and the
//! `sessions` feature signs people in.

pub mod access_code;
pub mod password;
pub mod policy;
pub mod ratelimit;
pub mod tokens;

pub use policy::{Action, Decision, Role, Scope};
