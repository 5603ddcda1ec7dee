//! Rate limits on sign-in (and later intake), per client address: a sliding window of
//! recent attempts kept in memory. They slow down guessing from one place; the lockout kept
//! in the store (five failures in a row lock an account for 15 minutes) stops guessing at
//! one account from many places.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Throttle {
    max: usize,
    window: Duration,
    seen: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl Throttle {
    pub fn new(max: usize, window: Duration) -> Throttle {
        Throttle {
            max,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Sign-in attempts: 20 a minute from one address.
    pub fn sign_in() -> Throttle {
        Throttle::new(20, Duration::from_secs(60))
    }

    /// Counts an attempt from `ip`; Err(wait) if it is one too many.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut seen = match self.seen.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        // Keep the map from growing without bound under a spray of addresses.
        if seen.len() > 100_000 {
            let window = self.window;
            seen.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        let q = seen.entry(ip).or_default();
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            q.pop_front();
        }
        if q.len() >= self.max {
            let oldest = q.front().copied().unwrap_or(now);
            return Err(self.window.saturating_sub(now.duration_since(oldest)));
        }
        q.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_slides() {
        let t = Throttle::new(2, Duration::from_secs(10));
        let ip: IpAddr = [127, 0, 0, 1].into();
        let start = Instant::now();
        assert!(t.check(ip, start).is_ok());
        assert!(t.check(ip, start + Duration::from_secs(1)).is_ok());
        let wait = t
            .check(ip, start + Duration::from_secs(2))
            .expect_err("third in the window");
        assert_eq!(wait, Duration::from_secs(8));
        let other: IpAddr = [127, 0, 0, 2].into();
        assert!(t.check(other, start).is_ok(), "limits are per address");
        assert!(t.check(ip, start + Duration::from_secs(10)).is_ok());
    }
}
