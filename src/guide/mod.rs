//! The guide to government information disclosure (政府信息公开指南): how the public reaches
//! the office and obtains information. One per agency.
//!
//! - `model`: the guide's fields as value types, and the update a leader sends.
//! - `views`: the guide as everyone reads it.
//! - `repo`: its one row; `service`: reading it (with defaults before it is first written) and
//!   replacing it.
//! - `routes`: the HTTP handlers.

pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
pub mod views;
