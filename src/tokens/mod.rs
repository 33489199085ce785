//! Integration tokens for scripts and other systems: scoped, optionally expiring, revocable,
//! shown once and stored only as a hash.

pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
pub mod views;
