//! Which cores the two racing threads run on.

use core_affinity::CoreId;

/// The cores for the producing and consuming threads: two different ones when the machine
/// has at least two, none (the scheduler decides) otherwise.
///
/// ```
/// use perdix::bench::ring_race::CorePlan;
/// let plan = CorePlan::detect(true);
/// if let Some((producer, consumer)) = plan.cores() {
///     assert_ne!(producer, consumer);
/// }
/// assert_eq!(CorePlan::detect(false).cores(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorePlan {
    cores: Option<(CoreId, CoreId)>,
}

impl CorePlan {
    /// Two distinct cores when `pin` is asked for and the machine has them.
    pub fn detect(pin: bool) -> CorePlan {
        // Miri cannot change thread affinity.
        if !pin || cfg!(miri) {
            return CorePlan { cores: None };
        }
        let cores = core_affinity::get_core_ids().and_then(|ids| match ids.as_slice() {
            [first, second, ..] => Some((*first, *second)),
            _ => None,
        });
        CorePlan { cores }
    }

    /// The producer's and the consumer's core ids, when pinned.
    pub fn cores(&self) -> Option<(usize, usize)> {
        self.cores.map(|(producer, consumer)| (producer.id, consumer.id))
    }

    /// A one-line description for reports.
    pub fn describe(&self) -> String {
        match self.cores() {
            Some((producer, consumer)) => format!("producer on core {producer}, consumer on core {consumer}"),
            None => "threads not pinned".to_owned(),
        }
    }

    /// Pins the calling thread to the producer's core (if any).
    pub(super) fn pin_producer(&self) {
        if let Some((core, _)) = self.cores {
            // A refused pin only makes the numbers noisier; the race stays correct.
            core_affinity::set_for_current(core);
        }
    }

    /// Pins the calling thread to the consumer's core (if any).
    pub(super) fn pin_consumer(&self) {
        if let Some((_, core)) = self.cores {
            core_affinity::set_for_current(core);
        }
    }
}
