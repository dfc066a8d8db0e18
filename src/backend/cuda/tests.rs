use super::*;
use crate::parse::{Backend, ScanBackend};
use crate::ring::AgentType;

#[test]
fn without_a_device_everything_is_an_error_not_a_panic() {
    if probe().is_ok() {
        return;
    }
    assert!(CudaBackend::new().is_err());
    assert!(CudaDevice::shared().is_err());
    assert!(MappedPinnedProvider::new(0).is_err());
    assert!(CudaRuntimeCompiler::new().is_err());
    let ring = crate::ring::Buffer::new(16).unwrap();
    assert!(GpuProducer::new(ring, 0).is_err());
    let reason = probe().unwrap_err().reason();
    assert!(!reason.is_empty());
}

/// Whether a device is here; without one the device tests pass untested, unless
/// `PERDIX_REQUIRE_CUDA` is set.
fn device_or_skip() -> bool {
    match probe() {
        Ok(_) => true,
        Err(error) if std::env::var_os("PERDIX_REQUIRE_CUDA").is_some() => {
            panic!("PERDIX_REQUIRE_CUDA is set, but {error}")
        }
        Err(_) => false,
    }
}

/// The device's records equal the cpu-scan backend's, with batches cut into several
/// launches; runs only where a device is (a later run on a GPU machine covers it).
#[test]
fn records_match_cpu_scan_on_a_device() {
    if !device_or_skip() {
        return;
    }
    let inputs: [&[u8]; 4] = [
        b"plain text\r\n\x1b[1;31mred\x1b[0m",
        b"\x1b]0;title\x07\x1bP1$qm\x1b\\\xe2\x82\xac",
        &[b'x'; 700],
        b"\x1b[38;2;1;2;3m\x1b]8;;http://a\x1b\\link",
    ];
    for launch_bytes in [LAUNCH_BYTES, 100, 1] {
        let mut cuda = CudaBackend::new().unwrap().with_launch_bytes(launch_bytes);
        let mut scan = ScanBackend::default();
        let mut cuda_batch: Vec<_> = inputs
            .iter()
            .enumerate()
            .map(|(i, bytes)| StreamWork {
                stream: i as u16,
                bytes,
                state: Default::default(),
            })
            .collect();
        let mut scan_batch: Vec<_> = inputs
            .iter()
            .enumerate()
            .map(|(i, bytes)| StreamWork {
                stream: i as u16,
                bytes,
                state: Default::default(),
            })
            .collect();
        let (mut expected, mut actual) = (RecordBatch::default(), RecordBatch::default());
        scan.parse_batch(&mut scan_batch, &mut expected).unwrap();
        cuda.parse_batch(&mut cuda_batch, &mut actual).unwrap();
        let expected: Vec<_> = expected.streams().map(|(s, r)| (s, r.to_vec())).collect();
        let actual: Vec<_> = actual.streams().map(|(s, r)| (s, r.to_vec())).collect();
        assert_eq!(actual, expected, "launch bytes {launch_bytes}");
    }
}

/// A GPU producer on a mapped ring of `slots` slots on device 0, and the ring's consumer.
fn mapped_producer(slots: usize) -> (GpuProducer, crate::ring::Consumer<'static>) {
    let provider = MappedPinnedProvider::new(0).unwrap();
    let ring = crate::ring::Buffer::with_provider(slots, &provider).unwrap();
    let mut producer = GpuProducer::new(ring, 0).unwrap();
    let consumer = producer.take_consumer().unwrap();
    (producer, consumer)
}

/// Records published by the device into a mapped ring arrive whole and in order.
#[test]
fn the_gpu_producer_publishes_into_a_mapped_ring_on_a_device() {
    if !device_or_skip() {
        return;
    }
    let (mut producer, mut consumer) = mapped_producer(16);
    let text = b"\x1b[1mhello\x1b[0m\r\n".repeat(200);
    let reader = std::thread::spawn(move || {
        let mut bytes = 0;
        while consumer.is_producer_connected() || !consumer.is_empty() {
            if let Some(message) = consumer.try_consume() {
                bytes += message.as_bytes().len();
            } else {
                std::thread::yield_now();
            }
        }
        bytes
    });
    let streams = [StreamContext::new(&text, AgentType::Assistant)];
    let stats = producer.process_batch(&streams, true).unwrap();
    assert!(stats.slots > 16, "the ring wrapped");
    drop(producer);
    assert_eq!(reader.join().unwrap(), stats.record_bytes);
}

/// Without waiting, a batch that does not fit is refused whole and taken on a retry once
/// the consumer has made room.
#[test]
fn a_batch_that_does_not_fit_without_waiting_is_refused_whole_on_a_device() {
    if !device_or_skip() {
        return;
    }
    let (mut producer, mut consumer) = mapped_producer(4);
    let text = b"\x1b[1mhello\x1b[0m\r\n".repeat(100);
    let streams = [StreamContext::new(&text, AgentType::Info)];
    let refused = producer.process_batch(&streams, false);
    assert!(matches!(
        refused,
        Err(CudaError::Produce(crate::ring::ProduceError::Full { .. }))
    ));
    assert!(consumer.try_consume().is_none(), "nothing of it was published");
    let small = [StreamContext::new(b"ok", AgentType::Info)];
    producer.process_batch(&small, false).unwrap();
    assert_eq!(consumer.try_consume().unwrap().stream(), 0);
}
