//! gongkai (公开): the government-information-disclosure backend of a town government.

pub mod app;
pub mod applications;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod config;
pub mod db;
pub mod error;
pub mod feedback;
pub mod http;
pub mod openapi;
pub mod pagination;
pub mod system;
pub mod telemetry;
pub mod tokens;
pub mod users;
