//! Per-key rate limits (client address, username) with `Retry-After`.
//!
//! With `GONGKAI_REDIS_URL` every server counts in Redis, so a limit holds for the whole
//! cluster: one GCRA cell per key, updated by a script that reads Redis's own clock (the
//! servers' clocks may disagree). Without it, or while Redis does not answer, each server
//! counts for itself with `governor`: limits then hold per server — never switched off, never
//! blocking a request on Redis.

use std::fmt::Display;
use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::error::AppError;

/// How long a check waits for Redis before it counts locally instead.
const ANSWER_WITHIN: Duration = Duration::from_millis(100);
/// After Redis failed to answer, how long checks count locally before trying Redis again (so
/// that a Redis outage does not add [`ANSWER_WITHIN`] to every limited request).
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);

/// GCRA: one "theoretical arrival time" per key, in Redis milliseconds. An event is allowed
/// when the cell is at most `tolerance` ahead of now; the cell then moves one `interval`
/// further and expires when it is back to a full allowance. Returns 0 when allowed, else the
/// milliseconds to wait.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
if tat - now > tolerance then return tat - now - tolerance end
local next = tat + interval
redis.call('SET', KEYS[1], next, 'PX', next - now)
return 0
";

/// Rate limits shared by the servers of a cluster, in Redis.
#[derive(Clone)]
pub struct SharedLimits {
    conn: ConnectionManager,
    script: Arc<redis::Script>,
    /// Set while checks count locally because Redis did not answer.
    degraded: Arc<AtomicBool>,
    /// When Redis failed last, in milliseconds since `epoch`.
    failed_at_ms: Arc<AtomicU64>,
    epoch: Instant,
}

impl SharedLimits {
    /// A client for `url`; connects on first use and reconnects by itself, so a Redis that is
    /// down at start only means local limits until it answers.
    pub fn connect(url: &str) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(ANSWER_WITHIN))
            .set_response_timeout(Some(ANSWER_WITHIN))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        Ok(Self {
            conn: ConnectionManager::new_lazy_with_config(client, config)?,
            script: Arc::new(redis::Script::new(GCRA)),
            degraded: Arc::new(AtomicBool::new(false)),
            failed_at_ms: Arc::new(AtomicU64::new(0)),
            epoch: Instant::now(),
        })
    }

    fn recently_failed(&self) -> bool {
        self.degraded.load(Ordering::Relaxed)
            && (self.epoch.elapsed().as_millis() as u64)
                .saturating_sub(self.failed_at_ms.load(Ordering::Relaxed))
                < RETRY_AFTER_FAILURE.as_millis() as u64
    }

    /// One event for `key` under `per_minute` (at least 1): `Some(Ok)` allowed,
    /// `Some(Err(wait))` refused, `None` when Redis did not answer.
    async fn check(&self, key: &str, per_minute: NonZeroU32) -> Option<Result<(), Duration>> {
        if self.recently_failed() {
            return None;
        }
        let interval_ms = 60_000 / u64::from(per_minute.get());
        let tolerance_ms = interval_ms * u64::from(per_minute.get() - 1);
        let mut conn = self.conn.clone();
        let mut call = self.script.key(key);
        call.arg(interval_ms).arg(tolerance_ms);
        let answer = tokio::time::timeout(ANSWER_WITHIN, call.invoke_async::<u64>(&mut conn)).await;
        match answer {
            Ok(Ok(wait_ms)) => {
                if self.degraded.swap(false, Ordering::Relaxed) {
                    tracing::info!("Redis answers again: rate limits are shared again");
                }
                Some(if wait_ms == 0 {
                    Ok(())
                } else {
                    Err(Duration::from_millis(wait_ms))
                })
            }
            failed => {
                let cause = match failed {
                    Ok(Err(e)) => format!("{:?}", e.kind()),
                    _ => "timeout".to_owned(),
                };
                self.failed_at_ms
                    .store(self.epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
                if !self.degraded.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        %cause,
                        "Redis does not answer: rate limits count per server until it does"
                    );
                }
                metrics::counter!("ratelimit_fallbacks_total").increment(1);
                None
            }
        }
    }
}

/// A limit of `per_minute` events per key, with bursts up to the same number: in Redis when
/// shared, else (and while Redis does not answer) in this process.
pub struct KeyedLimit<K: Hash + Eq + Clone> {
    /// The limit's name in Redis keys.
    name: &'static str,
    per_minute: NonZeroU32,
    shared: Option<SharedLimits>,
    local: DefaultKeyedRateLimiter<K>,
    calls: AtomicU64,
}

impl<K: Hash + Eq + Clone + Display> KeyedLimit<K> {
    /// A limit called `name`, shared through `shared` when given.
    pub fn named(name: &'static str, per_minute: u32, shared: Option<SharedLimits>) -> Self {
        let n = NonZeroU32::new(per_minute.max(1)).expect("at least 1");
        Self {
            name,
            per_minute: n,
            shared,
            local: RateLimiter::keyed(Quota::per_minute(n)),
            calls: AtomicU64::new(0),
        }
    }

    /// Counts one event for `key`; 429 with the seconds to wait when over the limit.
    pub async fn check(&self, key: &K) -> Result<(), AppError> {
        if let Some(shared) = &self.shared {
            let redis_key = format!("gongkai:ratelimit:{}:{}", self.name, key);
            if let Some(answer) = shared.check(&redis_key, self.per_minute).await {
                return answer.map_err(too_many);
            }
        }
        self.check_locally(key)
    }

    fn check_locally(&self, key: &K) -> Result<(), AppError> {
        // Forget keys that are back to a full allowance, now and then, so memory stays bounded.
        if self.calls.fetch_add(1, Ordering::Relaxed) % 1024 == 1023 {
            self.local.retain_recent();
        }
        self.local
            .check_key(key)
            .map_err(|not_until| too_many(not_until.wait_time_from(DefaultClock::default().now())))
    }
}

fn too_many(wait: Duration) -> AppError {
    AppError::TooManyRequests {
        retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(r: Result<(), AppError>) -> u64 {
        match r {
            Err(AppError::TooManyRequests { retry_after_secs }) => retry_after_secs,
            other => panic!("expected 429, got {other:?}"),
        }
    }

    #[actix_web::test]
    async fn allows_the_quota_then_refuses_with_retry_after() {
        let l = KeyedLimit::named("test", 3, None);
        for _ in 0..3 {
            l.check(&"a").await.unwrap();
        }
        assert!((1..=60).contains(&refused(l.check(&"a").await)));
        l.check(&"b").await.unwrap();
    }

    /// Two limits on one Redis (two servers): together they allow the quota once.
    #[actix_web::test]
    async fn servers_sharing_redis_share_the_quota() {
        let url = std::env::var("GONGKAI_TEST_REDIS_URL")
            .unwrap_or_else(|_| "redis://127.0.0.1:6379/15".into());
        let name: &'static str = Box::leak(format!("test-{}", uuid::Uuid::new_v4()).into());
        let a = KeyedLimit::named(name, 4, Some(SharedLimits::connect(&url).unwrap()));
        let b = KeyedLimit::named(name, 4, Some(SharedLimits::connect(&url).unwrap()));
        for l in [&a, &b, &a, &b] {
            l.check(&"10.0.0.1").await.unwrap();
        }
        // 4 a minute: the next is allowed in 15 s.
        let wait = refused(b.check(&"10.0.0.1").await);
        assert!((14..=15).contains(&wait), "{wait}");
        refused(a.check(&"10.0.0.1").await);
        a.check(&"10.0.0.2").await.unwrap();
    }

    /// Redis that does not answer: limits hold per server and no check waits long.
    #[actix_web::test]
    async fn without_redis_limits_count_locally() {
        // Nothing listens on port 1.
        let shared = SharedLimits::connect("redis://127.0.0.1:1/0").unwrap();
        let l = KeyedLimit::named("down", 2, Some(shared));
        let started = Instant::now();
        l.check(&"k").await.unwrap();
        l.check(&"k").await.unwrap();
        refused(l.check(&"k").await);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }
}
