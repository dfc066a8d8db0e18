//! Waiting for the other half without burning a core: spin a little (the other side is
//! usually microseconds away), then yield, then sleep with growing pauses up to 1 ms.

use std::time::{Duration, Instant};

const SPIN_STEPS: u32 = 6;
const YIELD_STEPS: u32 = 10;
const FIRST_SLEEP: Duration = Duration::from_micros(10);
const LONGEST_SLEEP: Duration = Duration::from_millis(1);

/// Exponential backoff bounded by an optional deadline.
#[derive(Debug)]
pub(crate) struct Backoff {
    step: u32,
    deadline: Option<Instant>,
}

impl Backoff {
    /// A backoff that gives up after `timeout` (never, if the deadline overflows).
    pub(crate) fn with_timeout(timeout: Duration) -> Backoff {
        Backoff {
            step: 0,
            deadline: Instant::now().checked_add(timeout),
        }
    }

    /// Waits one step; returns false once the deadline has passed.
    pub(crate) fn snooze(&mut self) -> bool {
        let step = self.step;
        self.step = self.step.saturating_add(1);
        if step < SPIN_STEPS {
            for _ in 0..(1u32 << step) {
                std::hint::spin_loop();
            }
        } else if step < YIELD_STEPS {
            std::thread::yield_now();
        } else {
            let doublings = (step - YIELD_STEPS).min(7);
            let pause = (FIRST_SLEEP * (1 << doublings)).min(LONGEST_SLEEP);
            let pause = match self.deadline {
                Some(deadline) => pause.min(deadline.saturating_duration_since(Instant::now())),
                None => pause,
            };
            std::thread::sleep(pause);
        }
        self.deadline.is_none_or(|deadline| Instant::now() < deadline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_timeout_expires_at_once() {
        let mut backoff = Backoff::with_timeout(Duration::ZERO);
        assert!(!backoff.snooze());
    }

    #[test]
    fn backoff_honours_its_deadline() {
        let start = Instant::now();
        let mut backoff = Backoff::with_timeout(Duration::from_millis(20));
        while backoff.snooze() {}
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(20));
        assert!(waited < Duration::from_secs(2), "waited {waited:?}");
    }

    #[test]
    fn endless_timeout_does_not_overflow() {
        let mut backoff = Backoff::with_timeout(Duration::MAX);
        assert!(backoff.snooze());
    }
}
