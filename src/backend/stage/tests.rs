//! The stage's tests: nothing lost in a small record ring, records of any length, ended
//! panes, and panes isolated from each other's failures.

use super::*;
use crate::backend::MIN_RECORD_SLOTS;
use crate::parse::{decode_records, ActionDump};
use crate::ring::{AgentType, Tag};
use crate::Buffer;
use std::collections::BTreeMap;

fn drain_dump(rx: &mut Consumer<'static>, dumps: &mut std::collections::BTreeMap<u16, ActionDump>) {
    while let Some(message) = rx.try_consume() {
        let dump = dumps.entry(message.stream()).or_default();
        for action in decode_records(message.as_bytes()) {
            dump.push(&action.unwrap());
        }
    }
}

#[test]
fn panes_in_the_smallest_record_ring_lose_nothing_and_keep_their_streams_apart() {
    // Far more records than the ring holds: the stage waits for room again and again.
    const ROUNDS: usize = 5000;
    let (record_tx, mut record_rx) = Buffer::new(MIN_RECORD_SLOTS).unwrap().split();
    let mut stage = ParseStage::new(BackendKind::Cpu, record_tx).unwrap();
    let mut producers = Vec::new();
    for stream in [5u16, 9] {
        let (tx, rx) = Buffer::new(8).unwrap().split();
        stage.add_input(stream, rx);
        producers.push((stream, tx));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let handle = stage.spawn(Arc::clone(&stop)).unwrap();
    let writer = std::thread::spawn(move || {
        for round in 0..ROUNDS {
            for (stream, tx) in &mut producers {
                let line = format!("\x1b[3{}m{stream}:{round}\r\n", round % 8);
                tx.produce_timeout(
                    line.as_bytes(),
                    Tag::new(AgentType::Assistant),
                    Duration::from_secs(10),
                )
                .unwrap();
            }
        }
    });
    let mut dumps = std::collections::BTreeMap::new();
    // Nothing is taken at first, so the stage finds the record ring full.
    std::thread::sleep(Duration::from_millis(300));
    loop {
        drain_dump(&mut record_rx, &mut dumps);
        if !record_rx.is_producer_connected() {
            drain_dump(&mut record_rx, &mut dumps);
            break;
        }
        std::thread::sleep(Duration::from_micros(50));
    }
    writer.join().unwrap();
    handle.join().unwrap().unwrap();
    for stream in [5u16, 9] {
        let dump = dumps.get_mut(&stream).unwrap().take();
        for round in 0..ROUNDS {
            assert!(
                dump.contains(&format!("print \"{stream}:{round}\"")),
                "stream {stream} round {round}"
            );
        }
        assert_eq!(dump.matches("csi ").count(), ROUNDS);
    }
}

#[test]
fn an_ended_pane_is_finished_and_removed() {
    for kind in [BackendKind::Cpu, BackendKind::CpuScan] {
        let (record_tx, mut record_rx) = Buffer::new(MIN_RECORD_SLOTS).unwrap().split();
        let mut stage = ParseStage::new(kind, record_tx).unwrap();
        let (mut tx, rx) = Buffer::new(8).unwrap().split();
        stage.add_input(1, rx);
        // A partial character at the very end prints nothing, as with vte on the whole input.
        tx.try_produce(b"o\xe2\x82\xack\xe2\x82", AgentType::Assistant)
            .unwrap();
        drop(tx);
        stage.run(&AtomicBool::new(false)).unwrap();
        assert!(!stage.has_inputs());
        let mut dumps = std::collections::BTreeMap::new();
        drain_dump(&mut record_rx, &mut dumps);
        assert_eq!(
            dumps.get_mut(&1).unwrap().take(),
            "print \"o\u{20ac}k\"\n",
            "{kind:?}"
        );
    }
}

/// A running stage's handle, its panes' input producers, its record ring, its notices
/// and its thread.
type Running = (
    StageInputs,
    Vec<Producer<'static>>,
    Consumer<'static>,
    Receiver<StageNotice>,
    JoinHandle<Result<(), ParseError>>,
);

/// A running stage over panes `streams` on `kind`.
fn running_stage(kind: BackendKind, streams: &[u16]) -> Running {
    let (record_tx, record_rx) = Buffer::new(MIN_RECORD_SLOTS).unwrap().split();
    let mut stage = ParseStage::new(kind, record_tx).unwrap();
    let notices = stage.notices().unwrap();
    let inputs = stage.inputs_handle();
    let mut producers = Vec::new();
    for &stream in streams {
        let (tx, rx) = Buffer::new(64).unwrap().split();
        inputs.add(stream, rx).unwrap();
        producers.push(tx);
    }
    let handle = stage.spawn(Arc::new(AtomicBool::new(false))).unwrap();
    (inputs, producers, record_rx, notices, handle)
}

fn send(tx: &mut Producer<'static>, bytes: &[u8]) {
    for piece in bytes.chunks(crate::ring::SLOT_PAYLOAD) {
        tx.produce_timeout(piece, AgentType::Assistant, Duration::from_secs(10))
            .unwrap();
    }
}

/// Drains the record ring into each stream's dump text until `done` holds for them (or
/// a minute passes).
fn drain_until(
    rx: &mut Consumer<'static>,
    dumps: &mut BTreeMap<u16, String>,
    done: impl Fn(&BTreeMap<u16, String>) -> bool,
) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !done(dumps) {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out; dumps so far: {dumps:?}"
        );
        while let Some(message) = rx.try_consume() {
            let mut dump = ActionDump::new();
            for action in decode_records(message.as_bytes()) {
                dump.push(&action.unwrap());
            }
            dumps.entry(message.stream()).or_default().push_str(&dump.take());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn dump_has(dumps: &BTreeMap<u16, String>, stream: u16, text: &str) -> bool {
    dumps.get(&stream).is_some_and(|dump| dump.contains(text))
}

#[test]
fn osc_strings_of_any_length_reach_the_record_ring_and_the_stage_goes_on() {
    for kind in [BackendKind::Cpu, BackendKind::CpuScan] {
        let (inputs, mut producers, mut records, _notices, handle) = running_stage(kind, &[1, 2]);
        for len in [200, 300, 4096, 64 * 1024, 1024 * 1024] {
            let title = format!("\x1b]0;{}\x07after-{len}\r\n", "A".repeat(len));
            send(&mut producers[0], title.as_bytes());
            send(&mut producers[1], format!("victim-{len}\r\n").as_bytes());
        }
        let mut dumps = BTreeMap::new();
        drain_until(&mut records, &mut dumps, |dumps| {
            dump_has(dumps, 1, "after-1048576") && dump_has(dumps, 2, "victim-1048576")
        });
        let dump = &dumps[&1];
        assert_eq!(dump.matches("osc ").count(), 5, "{kind:?}");
        drop((inputs, producers));
        handle.join().unwrap().unwrap();
    }
}

#[test]
fn a_pane_whose_bytes_make_the_backend_panic_loses_them_and_the_others_carry_on() {
    let (inputs, mut producers, mut records, notices, handle) = running_stage(BackendKind::Cpu, &[1, 2]);
    send(&mut producers[0], b"before\r\n");
    send(&mut producers[1], b"first\r\n");
    let mut dumps = BTreeMap::new();
    drain_until(&mut records, &mut dumps, |dumps| {
        dump_has(dumps, 1, "before") && dump_has(dumps, 2, "first")
    });
    assert!(inputs.inject_fault(InjectedFault::PanicOnStream(1)));
    // The next bytes of both panes go into the same batch as far as timing allows.
    send(&mut producers[0], b"\x1b[31mdoomed");
    send(&mut producers[1], b"second\r\n");
    drain_until(&mut records, &mut dumps, |dumps| {
        dump_has(dumps, 1, "output lost here") && dump_has(dumps, 2, "second")
    });
    // The failed pane was reset and goes on from the ground state.
    send(&mut producers[0], b"m-after\r\n");
    send(&mut producers[1], b"third\r\n");
    drain_until(&mut records, &mut dumps, |dumps| {
        dump_has(dumps, 1, "m-after") && dump_has(dumps, 2, "third")
    });
    let failed = &dumps[&1];
    assert!(!failed.contains("doomed"), "{failed}");
    assert!(
        failed.contains("print \"m-after\""),
        "the half CSI was not forgotten: {failed}"
    );
    let victim = &dumps[&2];
    for line in ["first", "second", "third"] {
        assert!(victim.contains(line), "{victim}");
    }
    assert!(!victim.contains("output lost"), "{victim}");
    let notice = notices.try_recv().unwrap();
    assert!(
        matches!(&notice, StageNotice::PaneFault { stream: 1, dropped: 11, reason } if reason.contains("injected")),
        "{notice:?}"
    );
    drop((inputs, producers));
    handle.join().unwrap().unwrap();
}

#[test]
fn a_panic_in_the_stage_loop_restarts_it_with_every_pane() {
    let (inputs, mut producers, mut records, notices, handle) = running_stage(BackendKind::CpuScan, &[1, 2]);
    assert!(inputs.inject_fault(InjectedFault::PanicInLoop));
    send(&mut producers[0], b"one\r\n");
    send(&mut producers[1], b"two\r\n");
    let mut dumps = BTreeMap::new();
    drain_until(&mut records, &mut dumps, |dumps| {
        dump_has(dumps, 1, "one") && dump_has(dumps, 2, "two")
    });
    let notice = notices.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(
        matches!(&notice, StageNotice::Restarted { backend: "cpu-scan", reason } if reason.contains("injected")),
        "{notice:?}"
    );
    drop((inputs, producers));
    handle.join().unwrap().unwrap();
}

#[test]
fn a_record_ring_too_small_for_the_longest_record_is_refused() {
    let (record_tx, _record_rx) = Buffer::new(MIN_RECORD_SLOTS / 2).unwrap().split();
    assert!(matches!(
        ParseStage::new(BackendKind::Cpu, record_tx),
        Err(ParseError::RecordRingTooSmall { .. })
    ));
}

#[test]
fn dropping_the_last_inputs_handle_always_ends_an_idle_stage() {
    // The stage sleeps with no pane; the last handle's drop must wake it to a closed
    // channel, round after round. A watchdog turns a hang into a failure.
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for round in 0..2000 {
            let (records, _records_rx) = Buffer::new(MIN_RECORD_SLOTS).unwrap().split();
            let mut stage = ParseStage::new(BackendKind::Cpu, records).unwrap();
            let inputs = stage.inputs_handle();
            let thread = stage.spawn(Arc::new(AtomicBool::new(false))).unwrap();
            if round % 2 == 0 {
                // Sometimes after the stage has gone to sleep, sometimes racing it.
                std::thread::yield_now();
            }
            drop(inputs);
            thread.join().unwrap().unwrap();
        }
        let _ = done_tx.send(());
    });
    done_rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("a stage slept through its last handle's drop");
}
