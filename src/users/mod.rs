//! Accounts: the office's staff and leaders, and registered members of the public.

pub mod model;
pub mod repo;
pub mod routes;
pub mod rules;
pub mod service;

pub use model::{NewUser, User};
pub use service::{create, insert};
