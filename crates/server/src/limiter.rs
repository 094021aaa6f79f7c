//! Sign-in attempts: failures are counted per name and overall within a
//! window; beyond the limit the password is not even checked.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Failures allowed per name in [`NAME_WINDOW`].
pub const PER_NAME: usize = 5;
/// The window per name.
pub const NAME_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures allowed overall per minute.
pub const OVERALL: usize = 60;

/// Failure times.
#[derive(Debug, Default)]
pub struct Limiter {
    by_name: HashMap<String, VecDeque<Instant>>,
    overall: VecDeque<Instant>,
}

fn prune(q: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while q.front().is_some_and(|t| now.duration_since(*t) > window) {
        q.pop_front();
    }
}

impl Limiter {
    /// True when another attempt for `name` may be checked now.
    pub fn allowed(&mut self, name: &str, now: Instant) -> bool {
        prune(&mut self.overall, now, Duration::from_secs(60));
        let key = name.to_lowercase();
        let q = self.by_name.entry(key.clone()).or_default();
        prune(q, now, NAME_WINDOW);
        let ok = q.len() < PER_NAME && self.overall.len() < OVERALL;
        if q.is_empty() {
            self.by_name.remove(&key);
        }
        ok
    }

    /// Counts a failure.
    pub fn failed(&mut self, name: &str, now: Instant) {
        // Names are bounded by the overall limit: at most OVERALL new keys a minute.
        self.by_name.entry(name.to_lowercase()).or_default().push_back(now);
        self.overall.push_back(now);
    }

    /// Forgets a name's failures after a success.
    pub fn succeeded(&mut self, name: &str) {
        self.by_name.remove(&name.to_lowercase());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_failure_in_a_window_is_not_checked_and_the_window_passes() {
        let mut l = Limiter::default();
        let t = Instant::now();
        for _ in 0..PER_NAME {
            assert!(l.allowed("Ann", t));
            l.failed("ann", t);
        }
        assert!(!l.allowed("ANN", t));
        assert!(l.allowed("bob", t));
        assert!(l.allowed("ann", t + NAME_WINDOW + Duration::from_secs(1)));
    }
}
