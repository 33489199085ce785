//! The context every handler reaches (`web::Data<AppState>`): settings, the database pool, the
//! token keys, the password hasher and the rate limits. It sits below the features, which
//! take what they need from it; `startup` builds it.

use std::net::IpAddr;
use std::sync::Arc;

use actix_web::web;
use futures_util::future::BoxFuture;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::auth::password::Hasher;
use crate::auth::ratelimit::KeyedLimit;
use crate::auth::tokens::JwtKeys;
use crate::config::Config;
use crate::db::DbPool;
use crate::error::AppResult;

/// Recomputes, in the caller's transaction, the deadlines of one feature's open cases after a
/// year of the working-day calendar changed; returns how many moved. Features with deadlines
/// provide one (`startup` lists them), so the calendar does not know who depends on it.
pub type DeadlineRecompute =
    for<'c> fn(&'c mut diesel_async::AsyncPgConnection, i32) -> BoxFuture<'c, AppResult<u64>>;

/// What every handler can reach.
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: DbPool,
    pub metrics: PrometheusHandle,
    /// The OpenAPI document, serialised once at start.
    pub openapi_json: web::Bytes,
    pub jwt: JwtKeys,
    pub hasher: Hasher,
    pub login_by_ip: KeyedLimit<IpAddr>,
    pub login_by_name: KeyedLimit<String>,
    /// Feedback submissions from the public, per client address.
    pub feedback_by_ip: KeyedLimit<IpAddr>,
    /// Applications submitted per client address by anonymous and `public` callers.
    pub submit_by_ip: KeyedLimit<IpAddr>,
    /// Every feature whose deadlines follow the working-day calendar.
    pub deadline_holders: &'static [DeadlineRecompute],
}
