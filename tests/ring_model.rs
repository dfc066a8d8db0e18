//! Property test: random interleavings of produce, stream, batch and consume calls on the
//! ring behave exactly like a `VecDeque` model of it.

use perdix::ring::SLOT_PAYLOAD;
use perdix::{AgentType, Buffer, ProduceError, Tag};
use proptest::prelude::*;
use std::collections::VecDeque;

#[derive(Debug, Clone)]
enum Op {
    Produce { len: usize, agent: u8, stream: u16 },
    ProduceStream { len: usize, agent: u8 },
    Batch { lens: Vec<usize> },
    Consume,
    ReadInPlace,
    ReadChunk,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..=SLOT_PAYLOAD + 20, 0u8..8, any::<u16>()).prop_map(|(len, agent, stream)| Op::Produce { len, agent, stream }),
        2 => (0..=SLOT_PAYLOAD * 9, 0u8..8).prop_map(|(len, agent)| Op::ProduceStream { len, agent }),
        2 => prop::collection::vec(0..=SLOT_PAYLOAD * 2, 0..12).prop_map(|lens| Op::Batch { lens }),
        3 => Just(Op::Consume),
        2 => Just(Op::ReadInPlace),
        2 => Just(Op::ReadChunk),
    ]
}

/// The expected state: messages in flight and the slots they use.
struct Model {
    capacity: usize,
    queue: VecDeque<(u64, Tag, Vec<u8>)>,
    used_slots: usize,
    next_seq: u64,
}

fn slots_for(len: usize) -> usize {
    len.div_ceil(SLOT_PAYLOAD).max(1)
}

/// Distinct, recognisable contents for each message.
fn payload(seq_hint: u64, len: usize) -> Vec<u8> {
    (0..len).map(|i| (seq_hint as usize * 31 + i * 7) as u8).collect()
}

impl Model {
    fn expect_produce(&mut self, len: usize, max_len: usize, tag: Tag) -> Result<u64, ProduceError> {
        let needed = slots_for(len);
        if len > max_len {
            return Err(ProduceError::TooLarge { len, max: max_len });
        }
        let free = self.capacity - self.used_slots;
        if needed > free {
            return Err(ProduceError::Full { needed, free });
        }
        let seq = self.next_seq;
        self.queue.push_back((seq, tag, payload(seq, len)));
        self.used_slots += needed;
        self.next_seq += needed as u64;
        Ok(seq)
    }

    fn pop(&mut self) -> Option<(u64, Tag, Vec<u8>)> {
        let front = self.queue.pop_front()?;
        self.used_slots -= slots_for(front.2.len());
        Some(front)
    }
}

fn run(capacity: usize, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut buffer = Buffer::new(capacity).unwrap();
    let (mut producer, mut consumer) = buffer.split_mut();
    let mut model = Model {
        capacity,
        queue: VecDeque::new(),
        used_slots: 0,
        next_seq: 0,
    };
    let stream_max = capacity * SLOT_PAYLOAD;
    for op in ops {
        match op {
            Op::Produce { len, agent, stream } => {
                let tag = Tag::new(AgentType::from_code(agent)).with_stream(stream);
                let bytes = payload(model.next_seq, len);
                let expected = model.expect_produce(len, SLOT_PAYLOAD, tag);
                prop_assert_eq!(producer.try_produce(&bytes, tag), expected);
            }
            Op::ProduceStream { len, agent } => {
                let tag = Tag::new(AgentType::from_code(agent));
                let bytes = payload(model.next_seq, len);
                let expected = model.expect_produce(len, stream_max, tag);
                prop_assert_eq!(producer.try_produce_stream(&bytes, tag), expected);
            }
            Op::Batch { lens } => {
                let mut batch = producer.batch();
                for len in lens {
                    let bytes = payload(model.next_seq, len);
                    let expected = model.expect_produce(len, stream_max, AgentType::Debug.into());
                    let got = batch.push(&bytes, AgentType::Debug);
                    prop_assert_eq!(got, expected);
                    if got.is_err() {
                        break;
                    }
                }
                // Nothing in a batch is visible before it is published.
                drop(batch);
            }
            Op::Consume => {
                let got = consumer.try_consume();
                let expected = model.pop();
                prop_assert_eq!(got.is_some(), expected.is_some());
                if let (Some(got), Some((seq, tag, bytes))) = (got, expected) {
                    prop_assert_eq!(got.seq(), seq);
                    prop_assert_eq!(got.tag(), tag);
                    prop_assert_eq!(got.as_bytes(), &bytes[..]);
                }
            }
            Op::ReadInPlace => {
                let got = consumer.try_read();
                let expected = model.pop();
                prop_assert_eq!(got.is_some(), expected.is_some());
                if let (Some(got), Some((seq, tag, bytes))) = (got, expected) {
                    prop_assert_eq!(got.seq(), seq);
                    prop_assert_eq!(got.tag(), tag);
                    prop_assert_eq!(got.slot_count(), slots_for(bytes.len()));
                    let joined: Vec<u8> = got.pieces().flatten().copied().collect();
                    prop_assert_eq!(joined, bytes);
                }
            }
            Op::ReadChunk => {
                let chunk = consumer.read_chunk();
                prop_assert_eq!(chunk.len(), model.queue.len());
                for view in chunk.iter() {
                    let (seq, tag, bytes) = model.pop().unwrap();
                    prop_assert_eq!(view.seq(), seq);
                    prop_assert_eq!(view.tag(), tag);
                    prop_assert_eq!(&*view.as_bytes(), &bytes[..]);
                }
                prop_assert!(model.queue.is_empty());
            }
        }
        prop_assert!(model.used_slots <= capacity);
    }
    // Drain: whatever the model still holds comes out, in order.
    while let Some((seq, _, bytes)) = model.pop() {
        let got = consumer.try_consume().expect("model says a message is left");
        prop_assert_eq!(got.seq(), seq);
        prop_assert_eq!(got.as_bytes(), &bytes[..]);
    }
    prop_assert!(consumer.try_consume().is_none());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 256 },
        ..ProptestConfig::default()
    })]

    #[test]
    fn ring_matches_vecdeque_model(
        capacity in prop::sample::select(vec![2usize, 4, 8, 16]),
        ops in prop::collection::vec(op(), 1..if cfg!(miri) { 20 } else { 200 }),
    ) {
        run(capacity, ops)?;
    }
}
