//! When to draw: a change is drawn as soon as it is applied when the last frame is older
//! than the frame interval; under a flood, frames come at most once per interval, with
//! everything ready applied first. Shared by the app and its headless benchmark.

use std::time::{Duration, Instant};

/// The longest the interval between two frames grows under load (about 60 frames a
/// second): a flood is drawn at this rate, with everything ready applied first.
pub const FRAME_INTERVAL: Duration = Duration::from_millis(16);
/// The shortest interval between two frames: frames cheap to draw follow changes this
/// closely, so that output shows within a few milliseconds.
pub const MIN_FRAME_INTERVAL: Duration = Duration::from_millis(4);
/// Frames take at most about this share of the drawing thread: the interval is this many
/// times the last frame's drawing time, between the two bounds above.
const INTERVAL_PER_FRAME_TIME: u32 = 4;

/// Whether a frame is owed, and when it may be drawn. The interval adapts to what frames
/// cost: four times the last frame's drawing time, from [`MIN_FRAME_INTERVAL`] to
/// [`FRAME_INTERVAL`].
///
/// ```
/// use perdix::tui::frame_clock::{FrameClock, FRAME_INTERVAL, MIN_FRAME_INTERVAL};
/// use std::time::{Duration, Instant};
/// let ms = Duration::from_millis;
/// let start = Instant::now();
/// let mut clock = FrameClock::new();
/// clock.changed(start);
/// assert!(clock.due(start)); // nothing drawn yet: at once
/// clock.drawn(start, ms(1)); // a cheap frame: the next may follow soon
/// clock.changed(start + ms(1));
/// assert!(!clock.due(start + ms(1))); // but not at once
/// assert_eq!(clock.next_due(), Some(start + MIN_FRAME_INTERVAL));
/// clock.drawn(start + ms(4), ms(10)); // an expensive frame: the next waits longer
/// clock.changed(start + ms(5));
/// assert_eq!(clock.next_due(), Some(start + ms(4) + FRAME_INTERVAL));
/// clock.drawn(start + ms(20), ms(1));
/// assert_eq!(clock.next_due(), None); // nothing owed: no deadline
/// ```
#[derive(Debug, Clone)]
pub struct FrameClock {
    /// The interval after the last frame.
    interval: Duration,
    last_frame: Option<Instant>,
    /// When the oldest change not yet drawn was applied.
    changed_since: Option<Instant>,
}

impl FrameClock {
    /// A clock that owes nothing yet and has drawn nothing.
    pub fn new() -> FrameClock {
        FrameClock {
            interval: MIN_FRAME_INTERVAL,
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

    /// Notes a frame started at `now` that took `drawing` to draw and write, showing every
    /// change so far.
    pub fn drawn(&mut self, now: Instant, drawing: Duration) {
        self.last_frame = Some(now);
        self.changed_since = None;
        self.interval = (drawing * INTERVAL_PER_FRAME_TIME).clamp(MIN_FRAME_INTERVAL, FRAME_INTERVAL);
    }

    /// True while a change is owed.
    pub fn is_owed(&self) -> bool {
        self.changed_since.is_some()
    }

    fn next_allowed(&self) -> Option<Instant> {
        self.last_frame.map(|at| at + self.interval)
    }
}

impl Default for FrameClock {
    fn default() -> FrameClock {
        FrameClock::new()
    }
}
