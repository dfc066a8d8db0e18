//! The rules run on a thread of their own, so that no regular expression ever stands
//! between a key and its echo: the app hands over a pane's snapshot when its screen
//! changed (at most every [`SNAPSHOT_INTERVAL`] per pane), the thread evaluates the
//! newest snapshot of each pane (older ones waiting are dropped) and wakes the app with
//! the verdict.
//!
//! ```
//! use perdix::ring::EventCount;
//! use perdix::tui::agent_rules::{Classifier, RuleBook, Snapshot, VerdictKind};
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! let waker = Arc::new(EventCount::new());
//! let classifier = Classifier::start(Arc::new(RuleBook::builtin()), Arc::clone(&waker)).unwrap();
//! let screen = Snapshot { rows: vec!["> ".into()], cursor_row: 0, title: None };
//! assert!(classifier.submit(7, "aider", screen));
//! let mut outcomes = Vec::new();
//! while outcomes.is_empty() {
//!     let key = waker.prepare_wait();
//!     if classifier.has_outcomes() {
//!         waker.cancel_wait();
//!         outcomes = classifier.take();
//!     } else {
//!         waker.wait_until(key, std::time::Instant::now() + Duration::from_millis(100));
//!     }
//! }
//! assert_eq!(outcomes[0].pane, 7);
//! assert_eq!(outcomes[0].verdict.as_ref().unwrap().kind, VerdictKind::Ready);
//! ```

use super::{RuleBook, Snapshot, Verdict};
use crate::ring::EventCount;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// The shortest time between two snapshots of one pane: a flood of output costs at most
/// this many evaluations a second per pane.
pub const SNAPSHOT_INTERVAL: Duration = Duration::from_millis(100);

/// A verdict for one pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The pane (its stable id).
    pub pane: u64,
    /// What the rules say; `None` when no rule matched.
    pub verdict: Option<Verdict>,
}

struct Job {
    pane: u64,
    agent: String,
    snapshot: Snapshot,
}

/// The rules' thread and the channels to it.
pub struct Classifier {
    jobs: Option<Sender<Job>>,
    outcomes: Receiver<Outcome>,
    /// Outcomes sent and not yet taken: what a sleeping app checks after announcing its
    /// sleep.
    waiting: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl Classifier {
    /// Starts the thread (`perdix-rules`) with `book`; `waker` is notified after each
    /// outcome.
    pub fn start(book: Arc<RuleBook>, waker: Arc<EventCount>) -> std::io::Result<Classifier> {
        let (jobs, job_rx) = channel::<Job>();
        let (outcome_tx, outcomes) = channel();
        let waiting = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&waiting);
        let thread = std::thread::Builder::new()
            .name("perdix-rules".into())
            .spawn(move || {
                // Ends when the app drops its sender.
                while let Ok(first) = job_rx.recv() {
                    // Only the newest snapshot of each pane is worth evaluating.
                    let mut newest = BTreeMap::new();
                    newest.insert(first.pane, first);
                    while let Ok(job) = job_rx.try_recv() {
                        newest.insert(job.pane, job);
                    }
                    for job in newest.into_values() {
                        let verdict = book.classify(&job.agent, &job.snapshot);
                        // Counted before it is sent, so that taking it can never bring the
                        // count below zero (a sleeper may see the count a moment early,
                        // and look again). Release: pairs with `has_outcomes`.
                        counter.fetch_add(1, Ordering::Release);
                        if outcome_tx
                            .send(Outcome {
                                pane: job.pane,
                                verdict,
                            })
                            .is_err()
                        {
                            return;
                        }
                        waker.notify();
                    }
                }
            })?;
        Ok(Classifier {
            jobs: Some(jobs),
            outcomes,
            waiting,
            thread: Some(thread),
        })
    }

    /// Hands pane `pane`'s `snapshot` over for `agent`'s rules; false when the thread is
    /// gone.
    pub fn submit(&self, pane: u64, agent: &str, snapshot: Snapshot) -> bool {
        let job = Job {
            pane,
            agent: agent.to_owned(),
            snapshot,
        };
        self.jobs.as_ref().is_some_and(|jobs| jobs.send(job).is_ok())
    }

    /// Whether verdicts wait to be taken.
    pub fn has_outcomes(&self) -> bool {
        // Acquire: pairs with the thread's Release increment.
        self.waiting.load(Ordering::Acquire) > 0
    }

    /// The verdicts that arrived, oldest first.
    pub fn take(&self) -> Vec<Outcome> {
        let taken: Vec<Outcome> = self.outcomes.try_iter().collect();
        // Relaxed: only the count changes; the outcomes came through the channel.
        self.waiting.fetch_sub(taken.len(), Ordering::Relaxed);
        taken
    }
}

impl Drop for Classifier {
    fn drop(&mut self) {
        // Closing the channel ends the thread after the evaluation in hand.
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
