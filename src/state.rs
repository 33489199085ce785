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
use crate::db::replicas::Replicas;
use crate::error::{AppError, AppResult};
use diesel_async::AsyncPgConnection;

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
    /// Streaming replicas for reads that may lag (`DATABASE_READ_URL`).
    pub replicas: Arc<Replicas>,
}

/// Whether a read may see data slightly behind the primary (by at most
/// `GONGKAI_REPLICA_MAX_LAG_MS`).
///
/// Only public data read by anonymous callers may: they cannot have written what they read
/// (their own submissions are read back through access codes, which are not public reads), so
/// nobody misses their own write. Signed-in callers, who publish, edit and answer, always read
/// the primary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// From a replica if one is up and close enough, else the primary.
    MayLag,
    /// From the primary.
    Primary,
}

impl AppState {
    /// Runs a read on a replica when `freshness` allows and one qualifies, else on the primary.
    /// A read that fails on a replica for a reason of the replica (it went away, a recovery
    /// conflict cancelled the query) takes the replica out of rotation and runs again on the
    /// primary, so a replica going down fails no request.
    pub async fn read<T>(
        &self,
        freshness: Freshness,
        read: impl AsyncFn(&mut AsyncPgConnection) -> AppResult<T>,
    ) -> AppResult<T> {
        if freshness == Freshness::MayLag
            && let Some(replica) = self.replicas.pick()
        {
            let checkout = tokio::time::timeout(REPLICA_CHECKOUT, replica.pool.get());
            let answer = match checkout.await {
                Ok(Ok(mut conn)) => Some(read(&mut conn).await),
                _ => None,
            };
            match answer {
                // No connection in time, or a failure of the replica: the primary answers.
                None
                | Some(Err(
                    AppError::Unavailable(_) | AppError::Conflict { .. } | AppError::Internal(_),
                )) => {
                    replica.mark_down();
                    metrics::counter!("db_replica_fallbacks_total").increment(1);
                }
                Some(answer) => {
                    metrics::counter!("db_reads_total", "target" => "replica").increment(1);
                    return answer;
                }
            }
        }
        let mut conn = self.pool.get().await?;
        metrics::counter!("db_reads_total", "target" => "primary").increment(1);
        read(&mut conn).await
    }
}

/// How long a read waits for a replica's connection before it goes to the primary.
const REPLICA_CHECKOUT: std::time::Duration = std::time::Duration::from_millis(200);
