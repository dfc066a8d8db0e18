//! The zero-copy path: streams are parsed on the device and their records written by the
//! `publish_records` kernel straight into a ring in device-mapped pinned memory, where a
//! CPU consumer reads them as from any other producer.

use super::device::CudaDevice;
use super::error::CudaError;
use super::slot_images::SlotImages;
use super::{CudaBackend, CudaStreamState};
use crate::parse::{Backend, RecordBatch, StreamWork};
use crate::ring::layout::SLOT_SIZE;
use crate::ring::{AgentType, Buffer, Consumer, ProduceError, Producer};
use cudarc::driver::{CudaSlice, CudaStream, LaunchConfig, PushKernelArg};
use std::sync::Arc;

/// Threads per thread block of `publish_records` (sixteen per slot).
const PUBLISH_THREADS: usize = 256;
/// Threads that copy one slot.
const SLOT_THREADS: usize = SLOT_SIZE / 16;
/// `publish_records` sets this bit of its status word when the consumer went away.
const STATUS_CONSUMER_GONE: u32 = 1;

/// One stream of a batch: its new bytes and who wrote them.
///
/// ```
/// use perdix::backend::cuda::StreamContext;
/// use perdix::ring::AgentType;
/// let stream = StreamContext::new(b"\x1b[1mhi", AgentType::Assistant);
/// assert_eq!(stream.bytes(), b"\x1b[1mhi");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct StreamContext<'a> {
    bytes: &'a [u8],
    agent: AgentType,
}

impl<'a> StreamContext<'a> {
    /// A stream's new bytes, tagged with `agent`.
    pub fn new(bytes: &'a [u8], agent: AgentType) -> StreamContext<'a> {
        StreamContext { bytes, agent }
    }

    /// The bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Who wrote them.
    pub fn agent(&self) -> AgentType {
        self.agent
    }
}

/// What one [`GpuProducer::process_batch`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublishStats {
    /// Input bytes parsed.
    pub input_bytes: usize,
    /// Record bytes published.
    pub record_bytes: usize,
    /// Messages published.
    pub messages: usize,
    /// Slots they took.
    pub slots: usize,
}

/// Parses batches of streams on the device and publishes their records into a ring in
/// device-mapped memory. Stream `i` of every batch is ring stream `i`; its parser state
/// carries from one batch to the next.
///
/// ```no_run
/// use perdix::backend::cuda::{GpuProducer, MappedPinnedProvider, StreamContext};
/// use perdix::ring::{AgentType, Buffer};
/// let ring = Buffer::with_provider(4096, &MappedPinnedProvider::new(0)?)?;
/// let mut producer = GpuProducer::new(ring, 0)?;
/// let mut consumer = producer.take_consumer().unwrap();
/// let streams = [StreamContext::new(b"\x1b[32mok\x1b[0m\n", AgentType::Info)];
/// let stats = producer.process_batch(&streams, true)?;
/// assert!(stats.messages > 0);
/// assert!(consumer.try_consume().is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct GpuProducer {
    backend: CudaBackend,
    device: Arc<CudaDevice>,
    stream: Arc<CudaStream>,
    producer: Producer<'static>,
    consumer: Option<Consumer<'static>>,
    ring: u64,
    states: Vec<CudaStreamState>,
    records: RecordBatch,
    images: SlotImages,
    device_images: Option<CudaSlice<u8>>,
    status: CudaSlice<u32>,
}

impl GpuProducer {
    /// A producer for `buffer`, whose memory must be mapped into device `device_id`
    /// (from [`MappedPinnedProvider`](super::MappedPinnedProvider)). Takes both halves of
    /// the ring: the consumer half is handed out once by [`take_consumer`](Self::take_consumer).
    pub fn new(buffer: Buffer, device_id: usize) -> Result<GpuProducer, CudaError> {
        let device = CudaDevice::shared()?;
        if device_id != device.summary().ordinal {
            return Err(CudaError::NoDevice(format!(
                "device {device_id} was asked for; this process runs on device {}",
                device.summary().ordinal
            )));
        }
        let ring = buffer
            .device_ptr()
            .ok_or(CudaError::NotMapped(buffer.memory_provider()))?;
        let stream = device.context.new_stream().map_err(CudaError::driver)?;
        let status = stream.alloc_zeros(1).map_err(CudaError::driver)?;
        let (producer, consumer) = buffer.split();
        Ok(GpuProducer {
            backend: CudaBackend::new()?,
            device,
            stream,
            producer,
            consumer: Some(consumer),
            ring,
            states: Vec::new(),
            records: RecordBatch::default(),
            images: SlotImages::default(),
            device_images: None,
            status,
        })
    }

    /// The ring's consumer half, the first time it is asked for.
    pub fn take_consumer(&mut self) -> Option<Consumer<'static>> {
        self.consumer.take()
    }

    /// Parses `streams` (stream `i` is ring stream `i`) and publishes their records.
    /// With `wait`, the device waits for the consumer to free slots when the ring is
    /// full (it never overwrites); without it, a batch whose records do not fit now is
    /// [`ProduceError::Full`] and is not taken at all: nothing is published and every
    /// stream's parser state is as before, so the caller retries with the same bytes.
    pub fn process_batch(
        &mut self,
        streams: &[StreamContext<'_>],
        wait: bool,
    ) -> Result<PublishStats, CudaError> {
        if streams.len() > usize::from(u16::MAX) + 1 {
            return Err(CudaError::Results(format!(
                "{} streams; at most 65536",
                streams.len()
            )));
        }
        self.states
            .resize_with(self.states.len().max(streams.len()), Default::default);
        // Without waiting, a batch that does not fit is refused whole: keep the states
        // it would move on from.
        let before = (!wait).then(|| self.states.clone());
        self.records.clear();
        let mut work: Vec<StreamWork<'_, CudaStreamState>> = streams
            .iter()
            .enumerate()
            .map(|(index, stream)| StreamWork {
                stream: index as u16,
                bytes: stream.bytes,
                state: std::mem::take(&mut self.states[index]),
            })
            .collect();
        let parsed = self.backend.parse_batch(&mut work, &mut self.records);
        for (index, done) in work.into_iter().enumerate() {
            self.states[index] = done.state;
        }
        parsed.map_err(|error| CudaError::Results(error.to_string()))?;
        self.images.build(
            &self.records,
            |stream| streams[usize::from(stream)].agent,
            self.producer.capacity(),
        )?;
        let (messages, slots) = (self.images.messages.len(), self.images.slots());
        if let Some(before) = before {
            let free = self.producer.free_slots();
            if free < slots {
                self.states = before;
                return Err(ProduceError::Full { needed: slots, free }.into());
            }
        }
        self.publish()?;
        Ok(PublishStats {
            input_bytes: streams.iter().map(|stream| stream.bytes.len()).sum(),
            record_bytes: self.records.len(),
            messages,
            slots,
        })
    }

    /// Publishes the slot images, one launch per [`LaunchGroup`](super::slot_images::LaunchGroup).
    fn publish(&mut self) -> Result<(), CudaError> {
        let image_bytes = &self.images.bytes;
        if image_bytes.is_empty() {
            return Ok(());
        }
        let driver = CudaError::driver;
        if self
            .device_images
            .as_ref()
            .is_none_or(|images| images.len() < image_bytes.len())
        {
            self.device_images = None;
            let len = image_bytes.len().next_power_of_two();
            self.device_images = Some(self.stream.alloc_zeros(len).map_err(driver)?);
        }
        let device_images = self.device_images.as_mut().expect("allocated above");
        self.stream
            .memcpy_htod(image_bytes, device_images)
            .map_err(driver)?;
        // A status left set by an earlier failed batch must not fail this one.
        self.stream.memset_zeros(&mut self.status).map_err(driver)?;
        let capacity = self.producer.capacity();
        for group in self.images.launch_groups(capacity) {
            let first_seq = self.producer.next_seq();
            // The one read of the consumer's index per launch: the kernel re-reads the
            // header only for slots this copy says are still taken.
            let read_hint = self.producer.stats().read_index;
            let images = device_images
                .slice(group.first_slot * SLOT_SIZE..(group.first_slot + group.slots) * SLOT_SIZE);
            let slot_count = capacity as u64;
            let slots_u32 = group.slots as u32;
            let mut launch = self.stream.launch_builder(&self.device.publish_records);
            launch
                .arg(&self.ring)
                .arg(&images)
                .arg(&first_seq)
                .arg(&slots_u32)
                .arg(&slot_count)
                .arg(&read_hint)
                .arg(&mut self.status);
            let config = LaunchConfig {
                grid_dim: (
                    (group.slots * SLOT_THREADS).div_ceil(PUBLISH_THREADS) as u32,
                    1,
                    1,
                ),
                block_dim: (PUBLISH_THREADS as u32, 1, 1),
                shared_mem_bytes: 0,
            };
            // SAFETY: the arguments match `publish_records` in kernels/publish.cu; `ring`
            // is the device address of this ring's mapped block, whose slots from
            // `first_seq` on this producer owns (the consumer half only reads published
            // ones, and the kernel waits for it to free any it still holds); `images`
            // holds `slots` slot images.
            unsafe { launch.launch(config) }.map_err(driver)?;
            let mut status = [0u32];
            self.stream
                .memcpy_dtoh(&self.status, &mut status)
                .map_err(driver)?;
            self.stream.synchronize().map_err(driver)?;
            if status[0] & STATUS_CONSUMER_GONE != 0 {
                return Err(ProduceError::Disconnected.into());
            }
            self.producer
                .advance_past_device_writes(group.slots as u64, group.messages as u64);
        }
        Ok(())
    }
}
