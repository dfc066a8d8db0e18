//! Behaviour of the ring's public API on one thread: limits, wrap-around, disconnects,
//! timeouts and the zero-copy paths.

use perdix::ring::{SLOT_PAYLOAD, SLOT_SIZE};
use perdix::{AgentType, Buffer, ConsumeError, ProduceError, Tag};
use std::time::{Duration, Instant};

#[test]
fn sequence_numbers_count_slots_across_many_wraps() {
    let mut buffer = Buffer::new(4).unwrap();
    let (mut producer, mut consumer) = buffer.split_mut();
    let mut expected_seq = 0;
    for round in 0..100u64 {
        let len = (round as usize * 97) % (SLOT_PAYLOAD * 3);
        let bytes: Vec<u8> = (0..len).map(|i| (i as u64 ^ round) as u8).collect();
        let seq = producer.try_produce_stream(&bytes, AgentType::Trace).unwrap();
        assert_eq!(seq, expected_seq);
        expected_seq += len.div_ceil(SLOT_PAYLOAD).max(1) as u64;
        let message = consumer.try_consume().unwrap();
        assert_eq!(message.seq(), seq);
        assert_eq!(message.as_bytes(), &bytes[..]);
    }
    assert_eq!(producer.next_seq(), expected_seq);
    assert_eq!(consumer.next_seq(), expected_seq);
}

#[test]
fn empty_and_full_single_slot_messages_round_trip() {
    let mut buffer = Buffer::new(2).unwrap();
    let (mut producer, mut consumer) = buffer.split_mut();
    producer.try_produce(b"", AgentType::System).unwrap();
    producer
        .try_produce(&[0xab; SLOT_PAYLOAD], AgentType::System)
        .unwrap();
    let empty = consumer.try_consume().unwrap();
    assert!(empty.is_empty());
    assert_eq!(empty.as_str(), "");
    let full = consumer.try_consume().unwrap();
    assert_eq!(full.len(), SLOT_PAYLOAD);
}

#[test]
fn stream_messages_larger_than_the_ring_are_rejected_whole() {
    let mut buffer = Buffer::new(4).unwrap();
    let (mut producer, mut consumer) = buffer.split_mut();
    let max = producer.max_message_len();
    assert_eq!(max, 4 * SLOT_PAYLOAD);
    assert_eq!(
        producer.try_produce_stream(&vec![1; max + 1], AgentType::Error),
        Err(ProduceError::TooLarge { len: max + 1, max })
    );
    // Exactly the whole ring fits.
    producer
        .try_produce_stream(&vec![2; max], AgentType::Error)
        .unwrap();
    assert!(matches!(
        producer.try_produce(b"x", AgentType::Error),
        Err(ProduceError::Full { needed: 1, free: 0 })
    ));
    let message = consumer.try_read().unwrap();
    assert_eq!(message.slot_count(), 4);
    assert_eq!(message.len(), max);
    assert!(message.pieces().all(|piece| piece.len() == SLOT_PAYLOAD));
}

#[test]
fn a_stream_message_needing_more_room_than_free_fails_without_side_effects() {
    let mut buffer = Buffer::new(4).unwrap();
    let (mut producer, mut consumer) = buffer.split_mut();
    producer.try_produce(b"first", AgentType::User).unwrap();
    let three_slots = vec![7; SLOT_PAYLOAD * 3 + 1];
    assert_eq!(
        producer.try_produce_stream(&three_slots, AgentType::User),
        Err(ProduceError::Full { needed: 4, free: 3 })
    );
    assert_eq!(consumer.try_consume().unwrap().as_bytes(), b"first");
    assert!(consumer.try_consume().is_none());
    producer
        .try_produce_stream(&three_slots, AgentType::User)
        .unwrap();
    assert_eq!(consumer.try_consume().unwrap().as_bytes(), &three_slots[..]);
}

#[test]
fn zero_copy_views_point_into_ring_memory() {
    let mut buffer = Buffer::new(8).unwrap();
    let (mut producer, mut consumer) = buffer.split_mut();
    producer.try_produce(b"in place", AgentType::Info).unwrap();
    let first = {
        let message = consumer.try_read().unwrap();
        let bytes = message.as_bytes();
        assert!(matches!(bytes, std::borrow::Cow::Borrowed(_)));
        bytes.as_ptr() as usize
    };
    producer.try_produce(b"next slot", AgentType::Info).unwrap();
    let message = consumer.try_read().unwrap();
    // Consecutive one-slot messages sit one slot apart.
    assert_eq!(message.as_bytes().as_ptr() as usize - first, SLOT_SIZE);
}

#[test]
fn a_slot_is_not_reused_while_its_view_lives() {
    let mut buffer = Buffer::new(2).unwrap();
    let (mut producer, mut consumer) = buffer.split_mut();
    producer.try_produce(b"a", AgentType::User).unwrap();
    producer.try_produce(b"b", AgentType::User).unwrap();
    {
        let chunk = consumer.read_chunk();
        assert_eq!(chunk.len(), 2);
        assert_eq!(chunk.slot_count(), 2);
        assert!(matches!(
            producer.try_produce(b"c", AgentType::User),
            Err(ProduceError::Full { .. })
        ));
    }
    // Dropping the chunk released both slots at once.
    assert_eq!(producer.free_slots(), 2);
}

#[test]
fn unpublished_batches_stay_invisible_and_dropped_batches_publish() {
    let mut buffer = Buffer::new(8).unwrap();
    let (mut producer, mut consumer) = buffer.split_mut();
    {
        let mut batch = producer.batch();
        assert!(batch.is_empty());
        batch.push(b"one", AgentType::Assistant).unwrap();
        batch.push(&[b'l'; 500], AgentType::Assistant).unwrap();
        assert_eq!(batch.len(), 2);
        assert!(consumer.is_empty());
    }
    let chunk = consumer.read_chunk();
    let lens: Vec<usize> = chunk.iter().map(|view| view.len()).collect();
    assert_eq!(lens, [3, 500]);
}

#[test]
fn batch_reports_full_once_room_runs_out() {
    let mut buffer = Buffer::new(4).unwrap();
    let (mut producer, _consumer) = buffer.split_mut();
    let mut batch = producer.batch();
    for _ in 0..4 {
        batch.push(b"x", AgentType::User).unwrap();
    }
    assert_eq!(
        batch.push(b"y", AgentType::User),
        Err(ProduceError::Full { needed: 1, free: 0 })
    );
    assert_eq!(batch.publish(), 4);
}

#[test]
fn produce_timeout_times_out_on_a_full_ring_then_reports_a_gone_consumer() {
    let buffer = Buffer::new(2).unwrap();
    let (mut producer, consumer) = buffer.split();
    producer.try_produce(b"1", AgentType::User).unwrap();
    producer.try_produce(b"2", AgentType::User).unwrap();
    let start = Instant::now();
    assert_eq!(
        producer.produce_timeout(b"3", AgentType::User, Duration::from_millis(30)),
        Err(ProduceError::Timeout { needed: 1 })
    );
    assert!(start.elapsed() >= Duration::from_millis(30));
    assert!(producer.is_consumer_connected());
    drop(consumer);
    assert!(!producer.is_consumer_connected());
    assert_eq!(
        producer.produce_timeout(b"3", AgentType::User, Duration::from_secs(10)),
        Err(ProduceError::Disconnected)
    );
    // The second call found the consumer gone before it had to wait.
    assert_eq!(producer.stats().full_waits, 1);
}

#[test]
fn a_consumer_drains_everything_before_reporting_disconnect() {
    let buffer = Buffer::new(8).unwrap();
    let (mut producer, mut consumer) = buffer.split();
    producer.try_produce(b"last words", AgentType::Error).unwrap();
    drop(producer);
    assert!(!consumer.is_producer_connected());
    let message = consumer.consume_timeout(Duration::from_secs(1)).unwrap();
    assert_eq!(message.as_bytes(), b"last words");
    assert_eq!(
        consumer.read_timeout(Duration::from_secs(1)).unwrap_err(),
        ConsumeError::Disconnected
    );
}

#[test]
fn consume_timeout_wakes_for_a_late_message() {
    let buffer = Buffer::new(8).unwrap();
    let (mut producer, mut consumer) = buffer.split();
    let sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        producer.try_produce(b"late", AgentType::Info).unwrap();
        producer
    });
    let message = consumer.consume_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(message.as_bytes(), b"late");
    drop(sender.join().unwrap());
    assert!(consumer.stats().empty_waits >= 1);
}

#[test]
fn halves_can_be_split_again_and_continue_the_sequence() {
    let mut buffer = Buffer::new(4).unwrap();
    {
        let (mut producer, _consumer) = buffer.split_mut();
        producer.try_produce(b"kept", AgentType::User).unwrap();
    }
    let (mut producer, mut consumer) = buffer.split_mut();
    assert!(producer.is_consumer_connected() && consumer.is_producer_connected());
    assert_eq!(producer.try_produce(b"second", AgentType::User), Ok(1));
    assert_eq!(consumer.ready_slots(), 2);
    assert_eq!(consumer.try_consume().unwrap().as_bytes(), b"kept");
    assert_eq!(consumer.try_consume().unwrap().as_bytes(), b"second");
    assert_eq!(buffer_epoch(&consumer), 4);
}

fn buffer_epoch(consumer: &perdix::Consumer<'_>) -> u32 {
    consumer.stats().split_epoch
}

#[test]
fn tags_travel_with_messages() {
    let mut buffer = Buffer::new(16).unwrap();
    let (mut producer, mut consumer) = buffer.split_mut();
    for (n, agent) in AgentType::ALL.into_iter().enumerate() {
        let tag = Tag::new(agent).with_stream(n as u16 * 1000);
        producer.try_produce_stream(&vec![n as u8; n * 100], tag).unwrap();
    }
    for (n, agent) in AgentType::ALL.into_iter().enumerate() {
        let message = consumer.try_consume().unwrap();
        assert_eq!(message.agent_type(), agent);
        assert_eq!(message.stream(), n as u16 * 1000);
        assert_eq!(message.len(), n * 100);
    }
}

#[test]
fn batch_of_slices_publishes_the_prefix_that_fits() {
    let mut buffer = Buffer::new(4).unwrap();
    let (mut producer, mut consumer) = buffer.split_mut();
    let long = [b'z'; SLOT_PAYLOAD * 2 + 1];
    let messages: [&[u8]; 3] = [b"a", &long, b"c"];
    assert_eq!(producer.try_produce_batch(&messages, AgentType::Debug), Ok(2));
    assert_eq!(consumer.read_chunk().len(), 2);
    let too_big = [0u8; SLOT_PAYLOAD * 5];
    assert!(matches!(
        producer.try_produce_batch(&[&too_big[..]], AgentType::Debug),
        Err(ProduceError::TooLarge { .. })
    ));
    assert_eq!(producer.try_produce_batch(&[], AgentType::Debug), Ok(0));
}
