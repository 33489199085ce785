//! Black-box API tests: the real app over HTTP, against a real PostgreSQL.

mod applications;
mod auth;
mod calendar;
mod cli;
mod corpus;
mod counters;
mod docs;
mod errors;
mod feedback;
#[allow(dead_code)] // a shared harness: not every helper is used by every build
mod helpers;
mod i18n;
mod items;
mod openapi;
mod permissions;
mod privacy;
mod proxies;
mod replica;
mod robustness;
mod shared_limits;
mod stats;
mod system;
