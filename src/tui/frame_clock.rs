//! When to draw: a change is drawn as soon as it is applied when the last frame is older
//! than the frame interval; under a flood, frames come at most once per interval, with
//! everything ready applied first. Shared by the app and its headless benchmark.

use std::time::{Duration, Instant};

/// The shortest time between two frames (about 60 per second).
pub const FRAME_INTERVAL: Duration = Duration::from_millis(16);

/// Whether a frame is owed, and when it may be drawn.
///
/// ```
/// use perdix::tui::frame_clock::{FrameClock, FRAME_INTERVAL};
/// use std::time::{Duration, Instant};
/// let start = Instant::now();
/// let mut clock = FrameClock::new(FRAME_INTERVAL);
/// clock.changed(start);
/// assert!(clock.due(start)); // nothing drawn yet: at once
/// clock.drawn(start);
/// clock.changed(start + Duration::from_millis(1));
/// assert!(!clock.due(start + Duration::from_millis(1))); // the last frame is too recent
/// assert_eq!(clock.next_due(), Some(start + FRAME_INTERVAL));
/// clock.drawn(start + FRAME_INTERVAL);
/// assert_eq!(clock.next_due(), None); // nothing owed: no deadline
/// ```
#[derive(Debug, Clone)]
pub struct FrameClock {
    interval: Duration,
    last_frame: Option<Instant>,
    /// When the oldest change not yet drawn was applied.
    changed_since: Option<Instant>,
}

impl FrameClock {
    /// A clock drawing at most once per `interval`; owes the first frame.
    pub fn new(interval: Duration) -> FrameClock {
        FrameClock {
            interval,
            last_frame: None,
            changed_since: None,
        }
    }

    /// Notes a change applied at `now`.
    pub fn changed(&mut self, now: Instant) {
        self.changed_since.get_or_insert(now);
    }

    /// True when a change is owed and the last frame is at least an interval old.
    pub fn due(&self, now: Instant) -> bool {
        self.changed_since.is_some() && self.next_allowed().is_none_or(|at| now >= at)
    }

    /// When the owed frame may be drawn; `None` when nothing is owed.
    pub fn next_due(&self) -> Option<Instant> {
        let changed = self.changed_since?;
        Some(self.next_allowed().map_or(changed, |at| at.max(changed)))
    }

    /// How late the owed frame starts at `now`: since the change, or since the moment the
    /// interval allowed it, whichever is later.
    pub fn delay(&self, now: Instant) -> Duration {
        self.next_due()
            .map_or(Duration::ZERO, |due| now.saturating_duration_since(due))
    }

    /// Notes a frame drawn at `now`, showing every change so far.
    pub fn drawn(&mut self, now: Instant) {
        self.last_frame = Some(now);
        self.changed_since = None;
    }

    /// True while a change is owed.
    pub fn is_owed(&self) -> bool {
        self.changed_since.is_some()
    }

    fn next_allowed(&self) -> Option<Instant> {
        self.last_frame.map(|at| at + self.interval)
    }
}
