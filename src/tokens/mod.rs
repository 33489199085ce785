//! Integration tokens for scripts and other systems: scoped, optionally expiring, revocable,
//! shown once and stored only as a hash.

pub mod routes;
