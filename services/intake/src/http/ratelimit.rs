//! A per-client fixed-window rate limit for the public endpoints, so one address cannot flood
//! intake or walk the tracking-code space. Per replica; limits are documented in the README.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

/// Per (client address, bucket): when the current window started and how many it counted.
type Windows = HashMap<(IpAddr, &'static str), (Instant, u32)>;

pub struct RateLimiter {
    windows: Mutex<Windows>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl RateLimiter {
    pub fn new() -> Self {
        Self {
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request of `bucket` from `ip`; `Err(seconds)` when over `per_minute`
    /// (0 = unlimited).
    pub fn check(&self, ip: IpAddr, bucket: &'static str, per_minute: u32) -> Result<(), u64> {
        if per_minute == 0 {
            return Ok(());
        }
        let now = Instant::now();
        let Ok(mut map) = self.windows.lock() else {
            return Ok(());
        };
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = map.entry((ip, bucket)).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= per_minute {
            let wait = WINDOW
                .saturating_sub(now.duration_since(entry.0))
                .as_secs()
                .max(1);
            return Err(wait);
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_over_the_limit_are_refused_per_address_and_bucket() {
        let rl = RateLimiter::new();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..3 {
            assert!(rl.check(a, "submit", 3).is_ok());
        }
        assert!(rl.check(a, "submit", 3).is_err());
        assert!(rl.check(a, "lookup", 3).is_ok());
        assert!(rl.check(b, "submit", 3).is_ok());
        assert!(rl.check(a, "submit", 0).is_ok());
    }
}
