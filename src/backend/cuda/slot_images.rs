//! Ring messages laid out on the host exactly as the ring's slots hold them, for the
//! `publish_records` kernel to copy into the mapped ring 16 bytes per thread.

use super::error::CudaError;
use crate::parse::RecordBatch;
use crate::ring::layout::{offsets, SLOT_PAYLOAD, SLOT_SIZE};
use crate::ring::{AgentType, ProduceError, Tag};

/// One 256-byte image per slot (`len` at 8, `tag` at 12, payload at 16; the `seq` bytes
/// are left zero, the kernel stores the real one last), and where each message starts.
#[derive(Debug, Default)]
pub(super) struct SlotImages {
    /// The images, back to back.
    pub bytes: Vec<u8>,
    /// Per message: its first image and how many slots it takes.
    pub messages: Vec<(usize, usize)>,
}

/// Whole messages one `publish_records` launch writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LaunchGroup {
    /// The first image.
    pub first_slot: usize,
    /// Images (slots) in the launch.
    pub slots: usize,
    /// Messages in the launch.
    pub messages: usize,
}

impl SlotImages {
    /// Lays out every message of `records`, tagging stream `s` with `agent_of(s)`. A
    /// message longer than a ring of `capacity` slots is an error.
    pub fn build(
        &mut self,
        records: &RecordBatch,
        agent_of: impl Fn(u16) -> AgentType,
        capacity: usize,
    ) -> Result<(), CudaError> {
        self.bytes.clear();
        self.messages.clear();
        for (stream, message) in records.messages() {
            let tag = Tag::new(agent_of(stream)).with_stream(stream);
            let slots = message.len().div_ceil(SLOT_PAYLOAD).max(1);
            if slots > capacity {
                return Err(ProduceError::TooLarge {
                    len: message.len(),
                    max: capacity * SLOT_PAYLOAD,
                }
                .into());
            }
            self.messages.push((self.slots(), slots));
            let mut pieces = message.chunks(SLOT_PAYLOAD);
            for slot in 0..slots {
                let piece = pieces.next().unwrap_or(&[]);
                let mut image = [0u8; SLOT_SIZE];
                image[offsets::LEN..offsets::LEN + 4].copy_from_slice(&(piece.len() as u32).to_le_bytes());
                let raw_tag = tag.encode(slot + 1 < slots);
                image[offsets::TAG..offsets::TAG + 4].copy_from_slice(&raw_tag.to_le_bytes());
                image[offsets::PAYLOAD..offsets::PAYLOAD + piece.len()].copy_from_slice(piece);
                self.bytes.extend_from_slice(&image);
            }
        }
        Ok(())
    }

    /// Slots (images) in all.
    pub fn slots(&self) -> usize {
        self.bytes.len() / SLOT_SIZE
    }

    /// The messages cut into launches of at most `capacity` slots each, whole messages
    /// only: every slot a launch may wait for then belongs to an earlier launch, which
    /// has published all of its slots, so the consumer can always make progress.
    pub fn launch_groups(&self, capacity: usize) -> Vec<LaunchGroup> {
        let mut groups: Vec<LaunchGroup> = Vec::new();
        for &(first_slot, slots) in &self.messages {
            match groups.last_mut() {
                Some(group) if group.slots + slots <= capacity => {
                    group.slots += slots;
                    group.messages += 1;
                }
                _ => groups.push(LaunchGroup {
                    first_slot,
                    slots,
                    messages: 1,
                }),
            }
        }
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ring::layout::HEADER_SIZE;
    use crate::ring::{Buffer, HeapMemory, HeapProvider, MemoryProvider, RingError, RingMemory};
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use std::sync::Arc;

    /// Heap ring memory whose address the test keeps, standing in for the device's view
    /// of mapped memory.
    struct AddressedHeap(Arc<AtomicUsize>);

    impl MemoryProvider for AddressedHeap {
        type Memory = HeapMemory;

        fn allocate(&self, bytes: usize) -> Result<HeapMemory, RingError> {
            let memory = HeapProvider.allocate(bytes)?;
            // Relaxed: read by the same thread after `Buffer::with_provider` returns.
            self.0.store(memory.as_ptr().as_ptr() as usize, Ordering::Relaxed);
            Ok(memory)
        }
    }

    /// What `publish_records` does, on the host: bytes 8..256 of each image into its
    /// slot, then the slot's `seq` with Release.
    fn publish_like_the_kernel(base: usize, slot_count: usize, first_seq: u64, images: &[u8]) {
        for (index, image) in images.chunks_exact(SLOT_SIZE).enumerate() {
            let seq = first_seq + index as u64;
            let slot = base + HEADER_SIZE + (seq as usize & (slot_count - 1)) * SLOT_SIZE;
            // SAFETY: `slot` is a slot of the ring's block, free (the test drained the
            // ring before) and unpublished, so nothing else touches its bytes 8..256.
            unsafe {
                std::ptr::copy_nonoverlapping(image[8..].as_ptr(), (slot + 8) as *mut u8, SLOT_SIZE - 8);
            }
            // SAFETY: `seq` is the slot's first field, an aligned AtomicU64 in the block.
            let seq_field = unsafe { &*(slot as *const AtomicU64) };
            // Release: the slot's bytes above are visible to the consumer's Acquire load.
            seq_field.store(seq, Ordering::Release);
        }
    }

    fn records() -> RecordBatch {
        let mut records = RecordBatch::default();
        records.write(3, |writer| {
            for index in 0..40u8 {
                writer.text(&"abc".repeat(index as usize));
                writer.execute(b'\n');
            }
        });
        records.write(9, |writer| writer.osc(&[b'x'; 700], &[3, 700], true));
        records
    }

    #[test]
    fn images_hold_len_tag_and_payload_where_the_ring_has_them() {
        let records = records();
        let mut images = SlotImages::default();
        images.build(&records, |_| AgentType::Assistant, 64).unwrap();
        let (first, _) = records.messages().next().unwrap();
        let image = &images.bytes[..SLOT_SIZE];
        assert_eq!(&image[..8], &[0; 8]);
        let len = u32::from_le_bytes(image[8..12].try_into().unwrap()) as usize;
        let tag = u32::from_le_bytes(image[12..16].try_into().unwrap());
        assert_eq!(
            tag,
            Tag::new(AgentType::Assistant).with_stream(first).encode(false)
        );
        assert_eq!(&image[16..16 + len], records.messages().next().unwrap().1);
        assert!(
            images.messages.iter().any(|&(_, slots)| slots > 1),
            "a multi-slot message"
        );
    }

    #[test]
    fn launch_groups_take_whole_messages_up_to_a_ring() {
        let mut images = SlotImages::default();
        images.build(&records(), |_| AgentType::Assistant, 4).unwrap();
        let groups = images.launch_groups(4);
        assert_eq!(groups.iter().map(|g| g.slots).sum::<usize>(), images.slots());
        assert_eq!(
            groups.iter().map(|g| g.messages).sum::<usize>(),
            images.messages.len()
        );
        assert!(groups.iter().all(|g| g.slots <= 4));
        for pair in groups.windows(2) {
            assert_eq!(pair[0].first_slot + pair[0].slots, pair[1].first_slot);
        }
        assert!(matches!(
            images.build(&records(), |_| AgentType::Assistant, 2),
            Err(CudaError::Produce(ProduceError::TooLarge { .. }))
        ));
    }

    /// The images, published as the kernel publishes them, are read back by the ring's
    /// own consumer as exactly the batch's messages, across many wraps of a small ring.
    #[test]
    fn images_published_like_the_kernel_read_back_as_the_messages() {
        let base = Arc::new(AtomicUsize::new(0));
        let ring = Buffer::with_provider(8, &AddressedHeap(Arc::clone(&base))).unwrap();
        // Relaxed: stored by this thread during `with_provider`.
        let base = base.load(Ordering::Relaxed);
        let (mut producer, mut consumer) = ring.split();
        let records = records();
        let mut images = SlotImages::default();
        images
            .build(&records, |stream| AgentType::from_code(stream as u8 % 8), 8)
            .unwrap();
        let mut read = Vec::new();
        for group in images.launch_groups(8) {
            let bytes =
                &images.bytes[group.first_slot * SLOT_SIZE..(group.first_slot + group.slots) * SLOT_SIZE];
            publish_like_the_kernel(base, 8, producer.next_seq(), bytes);
            producer.advance_past_device_writes(group.slots as u64, group.messages as u64);
            while let Some(message) = consumer.try_consume() {
                read.push((
                    message.stream(),
                    message.agent_type(),
                    message.as_bytes().to_vec(),
                ));
            }
        }
        let expected: Vec<_> = records
            .messages()
            .map(|(stream, bytes)| (stream, AgentType::from_code(stream as u8 % 8), bytes.to_vec()))
            .collect();
        assert_eq!(read, expected);
        assert_eq!(producer.stats().produced_messages, expected.len() as u64);
    }
}
