//! gongkai (公开): the government-information-disclosure backend of a town government.

#[macro_use]
mod text_enum;

// The translations under `locales/`, compiled in; `tr!` picks the request's language.
rust_i18n::i18n!("locales", fallback = "zh-CN");

pub mod applications;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod caller;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod feedback;
pub mod guide;
pub mod http;
pub mod i18n;
pub mod items;
pub mod markup;
pub mod openapi;
pub mod pagination;
pub mod reports;
pub mod sessions;
pub mod startup;
pub mod state;
pub mod stats;
pub mod system;
pub mod telemetry;
pub mod tokens;
pub mod users;
pub mod values;
pub mod workflow;
