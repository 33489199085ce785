//! Liveness, readiness, metrics and the OpenAPI document.

pub mod repo;
pub mod routes;
pub mod service;
pub mod views;
