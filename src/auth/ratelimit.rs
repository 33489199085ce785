//! Per-key rate limits (client address, username) with `Retry-After`, on `governor`.

use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;

/// A limit of `per_minute` events per key, with bursts up to the same number.
pub struct KeyedLimit<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    calls: AtomicU64,
}

impl<K: Hash + Eq + Clone> KeyedLimit<K> {
    pub fn per_minute(per_minute: u32) -> Self {
        let n = NonZeroU32::new(per_minute.max(1)).expect("at least 1");
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(n)),
            calls: AtomicU64::new(0),
        }
    }

    /// Counts one event for `key`; 429 with the seconds to wait when over the limit.
    pub fn check(&self, key: &K) -> Result<(), AppError> {
        // Forget keys that are back to a full allowance, now and then, so memory stays bounded.
        if self.calls.fetch_add(1, Ordering::Relaxed) % 1024 == 1023 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AppError::TooManyRequests {
                retry_after_secs: wait.as_secs().max(1),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_quota_then_refuses_with_retry_after() {
        let l = KeyedLimit::per_minute(3);
        for _ in 0..3 {
            l.check(&"a").unwrap();
        }
        match l.check(&"a") {
            Err(AppError::TooManyRequests { retry_after_secs }) => {
                assert!((1..=60).contains(&retry_after_secs))
            }
            other => panic!("{other:?}"),
        }
        l.check(&"b").unwrap();
    }
}
