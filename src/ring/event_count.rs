//! Sleeping until something happens, without polling and without a system call on the
//! busy path: an event count.
//!
//! A consumer that finds nothing to do announces that it is about to sleep
//! ([`prepare_wait`](EventCount::prepare_wait)), checks its sources once more, and only
//! then sleeps ([`wait`](EventCount::wait)) — or cancels the announcement when the second
//! look found work. A producer publishes its data first and then calls
//! [`notify`](EventCount::notify), which costs one fence and one atomic load when nobody
//! announced, and takes the lock and wakes the sleepers only when someone did. One event
//! count can stand for any number of sources (every pane's ring, input events, signals):
//! each producer notifies the same count.
//!
//! No wake-up is lost: the announcement (an increment of the waiter count) and the
//! producer's publish are each followed by a sequentially consistent fence, and of two
//! such fences one comes first in their single total order. If the consumer's comes first,
//! the producer's load of the count sees the announcement and wakes it; if the producer's
//! comes first, the consumer's second look sees the published data and does not sleep.
//! The sleep itself checks the epoch under the mutex that `notify` takes to advance it, so
//! a notify between the consumer's last look and its sleep is seen too.
//!
//! ```
//! use perdix::ring::EventCount;
//! use std::sync::atomic::{AtomicBool, Ordering};
//! use std::sync::Arc;
//! let events = Arc::new(EventCount::new());
//! let ready = Arc::new(AtomicBool::new(false));
//! let (producer_events, producer_ready) = (Arc::clone(&events), Arc::clone(&ready));
//! let producer = std::thread::spawn(move || {
//!     producer_ready.store(true, Ordering::Release); // publish first,
//!     producer_events.notify(); // then notify
//! });
//! // The consumer's loop: look, announce, look again, sleep.
//! while !ready.load(Ordering::Acquire) {
//!     let key = events.prepare_wait();
//!     if ready.load(Ordering::Acquire) {
//!         events.cancel_wait();
//!         break;
//!     }
//!     events.wait(key);
//! }
//! producer.join().unwrap();
//! ```

use std::sync::atomic::{fence, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

/// The low half of the state counts announced waiters, the high half is the epoch.
const WAITER: u64 = 1;
const WAITERS: u64 = (1 << 32) - 1;
const EPOCH: u64 = 1 << 32;

/// What a waiter saw when it announced itself: it sleeps until the epoch moves past it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "pass the key to wait, or call cancel_wait"]
pub struct WaitKey(u32);

/// An event count: see the [module docs](self).
#[derive(Debug, Default)]
pub struct EventCount {
    state: AtomicU64,
    lock: Mutex<()>,
    wake: Condvar,
}

impl EventCount {
    /// An event count with no waiter.
    pub fn new() -> EventCount {
        EventCount::default()
    }

    /// Announces that the caller is about to sleep; it must then look at its sources once
    /// more and either [`wait`](Self::wait) with the key or [`cancel_wait`](Self::cancel_wait).
    pub fn prepare_wait(&self) -> WaitKey {
        // SeqCst, and the fence after it: the announcement is ordered before the caller's
        // second look at its sources, against the producer's publish-then-fence (module docs).
        let previous = self.state.fetch_add(WAITER, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        WaitKey((previous >> 32) as u32)
    }

    /// Withdraws an announcement: the second look found something to do.
    pub fn cancel_wait(&self) {
        // Relaxed: withdrawing only makes a later notify skip the lock; a notify that
        // still sees the waiter just wakes nobody.
        self.state.fetch_sub(WAITER, Ordering::Relaxed);
    }

    /// Sleeps until a [`notify`](Self::notify) after the announcement that gave `key`.
    pub fn wait(&self, key: WaitKey) {
        let mut guard = self.lock();
        while self.epoch() == key.0 {
            guard = self
                .wake
                .wait(guard)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        drop(guard);
        self.cancel_wait();
    }

    /// [`wait`](Self::wait), but only until `deadline`; returns whether it was woken by a
    /// notify (false: the deadline passed first).
    pub fn wait_until(&self, key: WaitKey, deadline: Instant) -> bool {
        let mut guard = self.lock();
        let mut woken = true;
        while self.epoch() == key.0 {
            let now = Instant::now();
            if now >= deadline {
                woken = false;
                break;
            }
            guard = self
                .wake
                .wait_timeout(guard, deadline - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
        drop(guard);
        self.cancel_wait();
        woken
    }

    /// Wakes every announced waiter. Call it after publishing what they wait for; with no
    /// waiter it costs a fence and a load.
    pub fn notify(&self) {
        // SeqCst fence: the caller's publish is ordered before the look at the waiter
        // count, against the waiter's announce-then-fence (module docs).
        fence(Ordering::SeqCst);
        // Relaxed: the fence above orders this load; it only decides whether to wake.
        if self.state.load(Ordering::Relaxed) & WAITERS == 0 {
            return;
        }
        {
            let _guard = self.lock();
            // Advanced under the lock, where sleepers check it, so none misses it.
            // Relaxed: the mutex orders it against the sleepers' checks.
            self.state.fetch_add(EPOCH, Ordering::Relaxed);
        }
        self.wake.notify_all();
    }

    fn epoch(&self) -> u32 {
        // Relaxed: read under the lock, which orders it against notify's increment.
        (self.state.load(Ordering::Relaxed) >> 32) as u32
    }

    fn lock(&self) -> MutexGuard<'_, ()> {
        // The mutex guards no data of its own; a panic while holding it leaves nothing
        // inconsistent.
        self.lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Notifies an event count when dropped: a handle whose end the sleeper must see. As a
/// struct's field it runs after the fields declared before it were dropped, so that a
/// sleeper it wakes finds them gone (a channel's sender closed, say).
///
/// ```
/// use perdix::ring::{EventCount, NotifyOnDrop};
/// use std::sync::Arc;
///
/// let events = Arc::new(EventCount::new());
/// let key = events.prepare_wait();
/// drop(NotifyOnDrop(Arc::clone(&events)));
/// // The wait announced before the drop is over at once, woken.
/// let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
/// assert!(events.wait_until(key, deadline));
/// ```
#[derive(Debug, Clone)]
pub struct NotifyOnDrop(pub Arc<EventCount>);

impl Drop for NotifyOnDrop {
    fn drop(&mut self) {
        self.0.notify();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn a_notify_without_waiters_changes_nothing() {
        let events = EventCount::new();
        events.notify();
        assert_eq!(events.state.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_notify_after_the_announcement_ends_the_wait() {
        let events = EventCount::new();
        let key = events.prepare_wait();
        events.notify();
        events.wait(key); // returns at once: the epoch has moved
        assert_eq!(events.state.load(Ordering::Relaxed) & WAITERS, 0);
    }

    #[test]
    fn a_cancelled_announcement_leaves_no_waiter() {
        let events = EventCount::new();
        let _key = events.prepare_wait();
        events.cancel_wait();
        assert_eq!(events.state.load(Ordering::Relaxed) & WAITERS, 0);
        events.notify();
        assert_eq!(events.state.load(Ordering::Relaxed) >> 32, 0, "nobody to wake");
    }

    #[test]
    fn wait_until_gives_up_at_the_deadline() {
        let events = EventCount::new();
        let key = events.prepare_wait();
        let start = Instant::now();
        assert!(!events.wait_until(key, start + Duration::from_millis(20)));
        assert!(start.elapsed() >= Duration::from_millis(20));
        assert_eq!(events.state.load(Ordering::Relaxed) & WAITERS, 0);
    }

    #[test]
    fn a_sleeper_is_woken_by_a_notify_from_another_thread() {
        let events = Arc::new(EventCount::new());
        let flag = Arc::new(AtomicUsize::new(0));
        let (events2, flag2) = (Arc::clone(&events), Arc::clone(&flag));
        let sleeper = std::thread::spawn(move || loop {
            if flag2.load(Ordering::Acquire) == 1 {
                return;
            }
            let key = events2.prepare_wait();
            if flag2.load(Ordering::Acquire) == 1 {
                events2.cancel_wait();
                return;
            }
            events2.wait(key);
        });
        std::thread::sleep(Duration::from_millis(if cfg!(miri) { 1 } else { 20 }));
        flag.store(1, Ordering::Release);
        events.notify();
        sleeper.join().unwrap();
    }
}
