//! Sliding-window rate limits: at most `max` accepted requests per key in any `window`.
//! Keys are hashed so the table keeps no address in clear.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// How many requests a key may make in a window.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub max: u32,
    pub window: Duration,
}

#[derive(Debug)]
pub struct RateLimiter {
    limit: Limit,
    hits: HashMap<[u8; 32], VecDeque<Instant>>,
}

impl RateLimiter {
    pub fn new(limit: Limit) -> Self {
        RateLimiter {
            limit,
            hits: HashMap::new(),
        }
    }

    /// Whether `key` may make another request now; an allowed request is counted.
    pub fn allow(&mut self, key: &str) -> bool {
        let now = Instant::now();
        let window = self.limit.window;
        let fresh = |t: &Instant| now.duration_since(*t) < window;
        if self.hits.len() > 10_000 {
            self.hits.retain(|_, q| q.back().is_some_and(fresh));
        }
        let q = self
            .hits
            .entry(Sha256::digest(key.as_bytes()).into())
            .or_default();
        while q.front().is_some_and(|t| !fresh(t)) {
            q.pop_front();
        }
        if q.len() >= self.limit.max as usize {
            return false;
        }
        q.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_holds_per_key_and_frees_up_after_the_window() {
        let mut r = RateLimiter::new(Limit {
            max: 2,
            window: Duration::from_millis(200),
        });
        assert!(r.allow("a") && r.allow("a"));
        assert!(!r.allow("a"));
        assert!(r.allow("b"));
        std::thread::sleep(Duration::from_millis(250));
        assert!(r.allow("a"));
    }
}
