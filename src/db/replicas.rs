//! Read replicas (`DATABASE_READ_URL`): reads that may lag slightly go to a streaming replica
//! that is up and close enough behind the primary; everything else, and every read when no
//! replica qualifies, goes to the primary.
//!
//! How far behind a replica is, is measured, not guessed from timestamps (an idle primary
//! writes nothing, so "time of the last replayed transaction" would call a perfect replica
//! stale): a monitor samples the primary's WAL position every [`SAMPLE_EVERY`] and each
//! replica's replayed position; a replica that has replayed what the primary had written at
//! time *t* is at most `now − t` behind. A replica that does not answer is skipped until it
//! does.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diesel::QueryableByName;

use super::DbPool;

/// How often the monitor samples the primary and the replicas.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(200);
/// How long a sample waits for an answer before the replica counts as down.
const ANSWER_WITHIN: Duration = Duration::from_millis(500);
/// How long samples of the primary are kept: a replica further behind is "far behind".
const HISTORY: Duration = Duration::from_secs(60);

/// One replica: its pool and what the monitor last saw of it.
pub struct Replica {
    /// For metrics and logs: the replica's host and port.
    pub name: String,
    pub pool: DbPool,
    up: AtomicBool,
    lag_ms: AtomicU64,
}

impl Replica {
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    /// How far behind the primary it was at the last sample.
    pub fn lag(&self) -> Duration {
        Duration::from_millis(self.lag_ms.load(Ordering::Relaxed))
    }

    /// Takes the replica out of rotation until the monitor sees it answer again (a read on it
    /// failed).
    pub fn mark_down(&self) {
        self.up.store(false, Ordering::Relaxed);
    }
}

/// The replicas of this server, and the most lag a read may accept.
pub struct Replicas {
    list: Vec<Replica>,
    max_lag: Duration,
    next: AtomicUsize,
}

impl Replicas {
    /// No replica: every read goes to the primary.
    pub fn none() -> Self {
        Self::new(Vec::new(), Duration::ZERO)
    }

    /// Replicas that start out of rotation, until the monitor has sampled them.
    pub fn new(pools: Vec<(String, DbPool)>, max_lag: Duration) -> Self {
        Self {
            list: pools
                .into_iter()
                .map(|(name, pool)| Replica {
                    name,
                    pool,
                    up: AtomicBool::new(false),
                    lag_ms: AtomicU64::new(u64::MAX),
                })
                .collect(),
            max_lag,
            next: AtomicUsize::new(0),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn all(&self) -> &[Replica] {
        &self.list
    }

    /// A replica for a read that may lag: up and within the allowed lag, in turn; `None` when
    /// none qualifies.
    pub fn pick(&self) -> Option<&Replica> {
        let n = self.list.len();
        if n == 0 {
            return None;
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..n)
            .map(|i| &self.list[(start + i) % n])
            .find(|r| r.is_up() && r.lag() <= self.max_lag)
    }

    /// Samples the primary and the replicas every [`SAMPLE_EVERY`], for as long as the server
    /// runs.
    pub async fn monitor(self: Arc<Self>, primary: DbPool) {
        let mut history: VecDeque<(Instant, u64)> = VecDeque::new();
        let mut ticker = tokio::time::interval(SAMPLE_EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Some(lsn) = position(&primary, PRIMARY_POSITION).await {
                history.push_back((Instant::now(), lsn));
            }
            while history
                .front()
                .is_some_and(|(at, _)| at.elapsed() > HISTORY)
            {
                history.pop_front();
            }
            for r in &self.list {
                let (up, lag) = match position(&r.pool, REPLAYED_POSITION).await {
                    None => (false, None),
                    Some(replayed) => (true, lag_of(&history, replayed)),
                };
                let was_up = r.up.swap(up, Ordering::Relaxed);
                let lag_ms = lag.map_or(u64::MAX, |l| l.as_millis() as u64);
                r.lag_ms.store(lag_ms, Ordering::Relaxed);
                if was_up != up {
                    if up {
                        tracing::info!(replica = %r.name, "read replica answers again");
                    } else {
                        tracing::warn!(replica = %r.name, "read replica does not answer: reads go to the primary");
                    }
                }
                metrics::gauge!("db_replica_up", "replica" => r.name.clone()).set(if up {
                    1.0
                } else {
                    0.0
                });
                if let Some(l) = lag {
                    metrics::gauge!("db_replica_lag_seconds", "replica" => r.name.clone())
                        .set(l.as_secs_f64());
                }
            }
        }
    }
}

/// How far behind a replica that has replayed up to `replayed` is: the time since the newest
/// sample of the primary it has caught up with (`None`: behind every sample kept).
fn lag_of(history: &VecDeque<(Instant, u64)>, replayed: u64) -> Option<Duration> {
    history
        .iter()
        .rev()
        .find(|(_, lsn)| *lsn <= replayed)
        .map(|(at, _)| at.elapsed())
}

const PRIMARY_POSITION: &str = "SELECT (pg_current_wal_lsn() - '0/0')::bigint AS lsn";
const REPLAYED_POSITION: &str = "SELECT (pg_last_wal_replay_lsn() - '0/0')::bigint AS lsn";

#[derive(QueryableByName)]
struct Position {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    lsn: Option<i64>,
}

/// A WAL position, or `None` when the server does not answer in time.
async fn position(pool: &DbPool, sql: &'static str) -> Option<u64> {
    use diesel_async::RunQueryDsl;
    let read = async {
        let mut conn = pool.get().await.ok()?;
        let p: Position = diesel::sql_query(sql).get_result(&mut conn).await.ok()?;
        p.lsn.map(|l| l as u64)
    };
    tokio::time::timeout(ANSWER_WITHIN, read)
        .await
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_is_the_age_of_the_newest_primary_position_replayed() {
        let now = Instant::now();
        let history: VecDeque<(Instant, u64)> = [
            (now - Duration::from_millis(600), 100),
            (now - Duration::from_millis(400), 200),
            (now - Duration::from_millis(200), 300),
        ]
        .into();
        let lag = |replayed| lag_of(&history, replayed).map(|d| d.as_millis() / 100);
        assert_eq!(lag(300), Some(2), "caught up with the last sample");
        assert_eq!(lag(250), Some(4));
        assert_eq!(lag(100), Some(6));
        assert_eq!(lag(99), None, "behind everything kept");
    }
}
