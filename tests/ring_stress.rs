//! Two-thread stress: millions of messages of varying lengths (some spanning several
//! slots) through a small ring, with every byte checked, in order, nothing lost or
//! duplicated. Every produce and consume API takes part.

use perdix::ring::SLOT_PAYLOAD;
use perdix::{AgentType, Buffer, ProduceError, Tag};
use std::time::Duration;

/// Messages per run: ten million natively, a few hundred under Miri.
const MESSAGES: u64 = if cfg!(miri) { 300 } else { 10_000_000 };

/// A cheap deterministic hash of the message number (splitmix64).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Length of message `n`: mostly short, one in sixteen longer than a slot.
fn length_of(n: u64) -> usize {
    let h = mix(n);
    if h.is_multiple_of(16) {
        SLOT_PAYLOAD + 1 + (h >> 8) as usize % (SLOT_PAYLOAD * 3)
    } else {
        (h >> 8) as usize % (SLOT_PAYLOAD + 1)
    }
}

fn fill(n: u64, out: &mut Vec<u8>) {
    out.clear();
    let len = length_of(n);
    let seed = mix(n ^ 0xabcd);
    out.extend((0..len).map(|i| (seed >> ((i % 8) * 8)) as u8 ^ i as u8));
}

fn tag_of(n: u64) -> Tag {
    Tag::new(AgentType::from_code(n as u8)).with_stream((n >> 3) as u16)
}

fn produce_all(mut producer: perdix::Producer<'_>) {
    let mut bytes = Vec::new();
    let mut n = 0;
    while n < MESSAGES {
        fill(n, &mut bytes);
        let result = match mix(n << 1) % 4 {
            0 if bytes.len() <= SLOT_PAYLOAD => producer.try_produce(&bytes, tag_of(n)),
            1 => producer.produce_timeout(&bytes, tag_of(n), Duration::from_secs(30)),
            2 => {
                // A batch of up to eight messages, published at once.
                let mut batch = producer.batch();
                let mut pushed = 0;
                while pushed < 8 && n + pushed < MESSAGES {
                    fill(n + pushed, &mut bytes);
                    if batch.push(&bytes, tag_of(n + pushed)).is_err() {
                        break;
                    }
                    pushed += 1;
                }
                drop(batch);
                n += pushed;
                continue;
            }
            _ => producer.try_produce_stream(&bytes, tag_of(n)),
        };
        match result {
            Ok(_) => n += 1,
            Err(ProduceError::Full { .. }) => std::hint::spin_loop(),
            Err(other) => panic!("message {n}: {other}"),
        }
    }
}

/// Checks received messages against what the producer sent, in order.
struct Checker {
    next: u64,
    last_seq: Option<u64>,
    expected: Vec<u8>,
}

impl Checker {
    fn check(&mut self, seq: u64, tag: Tag, bytes: &[u8]) {
        let n = self.next;
        fill(n, &mut self.expected);
        assert_eq!(bytes, &self.expected[..], "message {n} corrupted");
        assert_eq!(tag, tag_of(n), "message {n} has the wrong tag");
        if let Some(last) = self.last_seq {
            assert!(seq > last, "message {n}: sequence went from {last} to {seq}");
        }
        self.last_seq = Some(seq);
        self.next += 1;
    }
}

fn consume_all(mut consumer: perdix::Consumer<'_>) -> u64 {
    let mut checker = Checker {
        next: 0,
        last_seq: None,
        expected: Vec::new(),
    };
    let mut way = 0u64;
    while checker.next < MESSAGES {
        way += 1;
        match way % 4 {
            0 => {
                if let Some(message) = consumer.try_read() {
                    checker.check(message.seq(), message.tag(), &message.as_bytes());
                }
            }
            1 => {
                if let Some(message) = consumer.try_consume() {
                    checker.check(message.seq(), message.tag(), message.as_bytes());
                }
            }
            2 => {
                let chunk = consumer.read_chunk();
                for view in chunk.iter() {
                    checker.check(view.seq(), view.tag(), &view.as_bytes());
                }
            }
            _ => {
                let message = consumer
                    .consume_timeout(Duration::from_secs(30))
                    .unwrap_or_else(|error| panic!("message {}: {error}", checker.next));
                checker.check(message.seq(), message.tag(), message.as_bytes());
            }
        }
    }
    // The producer is done and gone: nothing more may arrive.
    assert_eq!(
        consumer.consume_timeout(Duration::from_secs(30)).unwrap_err(),
        perdix::ConsumeError::Disconnected
    );
    checker.next
}

#[test]
fn two_threads_move_every_message_intact_and_in_order() {
    for slots in [64, 1024] {
        let mut buffer = Buffer::new(slots).unwrap();
        let received = std::thread::scope(|scope| {
            let (producer, consumer) = buffer.split_mut();
            scope.spawn(move || produce_all(producer));
            scope.spawn(move || consume_all(consumer)).join().unwrap()
        });
        assert_eq!(received, MESSAGES);
        let stats = buffer.stats();
        assert_eq!(stats.produced_messages, MESSAGES);
        assert_eq!(stats.consumed_messages, MESSAGES);
        assert_eq!(stats.read_index, stats.write_index);
    }
}

#[test]
fn owned_halves_work_across_spawned_threads() {
    let messages = MESSAGES.min(100_000);
    let (mut producer, mut consumer) = Buffer::new(16).unwrap().split();
    let sender = std::thread::spawn(move || {
        for n in 0..messages {
            producer
                .produce_timeout(&n.to_le_bytes(), AgentType::User, Duration::from_secs(30))
                .unwrap();
        }
    });
    for n in 0..messages {
        let message = consumer.consume_timeout(Duration::from_secs(30)).unwrap();
        assert_eq!(message.as_bytes(), n.to_le_bytes());
    }
    sender.join().unwrap();
    assert!(!consumer.is_producer_connected());
}
