//! No lost wake-up: pairs of threads hand a token back and forth through an event count
//! a million times each, every hand-over a publish then a notify, every wait the
//! announce, look again, sleep protocol, with random pauses on both sides. A lost wake-up
//! leaves a thread asleep for good; the watchdog turns that into a failure instead of a
//! hang.

use perdix::ring::EventCount;
use rand::{Rng, SeedableRng};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Hand-overs per pair.
const ROUNDS: u64 = 1_000_000;
/// Pairs racing at once.
const PAIRS: usize = 2;
/// How long no hand-over may happen anywhere before the test fails.
const STUCK: Duration = Duration::from_secs(20);

/// One side of a pair: waits for the token to reach `mine`, then passes it on.
fn play(token: &AtomicU64, events: &EventCount, first: u64, progress: &AtomicU64, seed: u64) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut mine = first;
    while mine < 2 * ROUNDS {
        // Acquire: pairs with the other side's Release store of the token.
        while token.load(Ordering::Acquire) != mine {
            let key = events.prepare_wait();
            if rng.random_ratio(1, 8) {
                // A pause between the announcement and the second look.
                for _ in 0..rng.random_range(0..200) {
                    std::hint::spin_loop();
                }
            }
            if token.load(Ordering::Acquire) == mine {
                events.cancel_wait();
                break;
            }
            events.wait(key);
        }
        if rng.random_ratio(1, 8) {
            // A pause before publishing.
            for _ in 0..rng.random_range(0..200) {
                std::hint::spin_loop();
            }
        }
        // Release: the hand-over is published before the notify looks for sleepers.
        token.store(mine + 1, Ordering::Release);
        events.notify();
        // Relaxed: a counter the watchdog reads.
        progress.fetch_add(1, Ordering::Relaxed);
        mine += 2;
    }
}

#[test]
fn a_million_hand_overs_per_pair_lose_no_wake_up() {
    let progress = Arc::new(AtomicU64::new(0));
    let mut threads = Vec::new();
    for pair in 0..PAIRS {
        let token = Arc::new(AtomicU64::new(0));
        let events = Arc::new(EventCount::new());
        for side in 0..2u64 {
            let (token, events, progress) = (Arc::clone(&token), Arc::clone(&events), Arc::clone(&progress));
            let seed = (pair as u64) << 8 | side;
            threads.push(std::thread::spawn(move || {
                play(&token, &events, side, &progress, seed)
            }));
        }
    }
    let mut last = (0, Instant::now());
    while !threads.iter().all(|thread| thread.is_finished()) {
        std::thread::sleep(Duration::from_millis(50));
        // Relaxed: only progress is read.
        let done = progress.load(Ordering::Relaxed);
        if done != last.0 {
            last = (done, Instant::now());
        }
        assert!(
            last.1.elapsed() < STUCK,
            "no hand-over for {STUCK:?} after {done} of {}: a wake-up was lost",
            2 * ROUNDS * PAIRS as u64
        );
    }
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(progress.load(Ordering::Relaxed), 2 * ROUNDS * PAIRS as u64);
}
