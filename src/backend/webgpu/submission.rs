//! One submission: the packed bytes of many streams go up, the passes run, and every
//! stream's compacted events and end state come back through mappable buffers.

use super::device::GpuContext;
use super::device_timer::{DeviceTimer, DeviceTimings};
use super::shader_source::{BLOCK_BYTES, WORKGROUP};
use super::WgpuError;
use std::time::{Duration, Instant};

/// One stream's share of a submission.
#[derive(Debug, Clone, Copy)]
pub(super) struct Piece {
    /// Index of the stream's work in the batch.
    pub work: usize,
    /// Byte range of the stream's new bytes in this piece.
    pub start: usize,
    pub end: usize,
    /// Parser state before the piece (a `State` index).
    pub start_state: u32,
}

/// What came back for one piece.
pub(super) struct PieceResult {
    /// `action << 16 | length` words covering the piece's bytes, in order.
    pub events: std::ops::Range<usize>,
    /// State after the piece's last byte.
    pub end_state: u32,
}

/// Where the time went, measured on the CPU around the calls (so that any adapter can
/// report it), plus the device time per phase from timestamp queries where the adapter
/// has them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTimings {
    /// Packing the streams and writing them into device buffers.
    pub upload: Duration,
    /// Encoding and submitting the passes until the device has finished them and the
    /// copies into the mappable buffers.
    pub compute: Duration,
    /// Mapping the results and copying them out.
    pub readback: Duration,
    /// Building records from the events on the CPU.
    pub emit: Duration,
    /// Submissions made.
    pub submissions: u32,
    /// Device time per phase, when the adapter has timestamp queries.
    pub device: Option<DeviceTimings>,
}

impl StageTimings {
    /// Adds `other` to these timings.
    pub fn add(&mut self, other: &StageTimings) {
        self.upload += other.upload;
        self.compute += other.compute;
        self.readback += other.readback;
        self.emit += other.emit;
        self.submissions += other.submissions;
        self.device = match (self.device, other.device) {
            (Some(mut mine), Some(theirs)) => {
                mine.add(&theirs);
                Some(mine)
            }
            (mine, theirs) => mine.or(theirs),
        };
    }
}

/// Device buffers, kept across submissions and grown when a submission needs more.
struct Buffers {
    byte_words: u64,
    blocks: u64,
    streams: u64,
    scan_elements: u64,
    levels: u64,
    input: wgpu::Buffer,
    block_stream: wgpu::Buffer,
    streams_buffer: wgpu::Buffer,
    events: wgpu::Buffer,
    stream_out: wgpu::Buffer,
    level_params: wgpu::Buffer,
    events_readback: wgpu::Buffer,
    stream_out_readback: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
}

/// Sizes one submission needs.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Sizes {
    byte_words: u64,
    blocks: u64,
    streams: u64,
    scan_elements: u64,
    levels: u64,
}

impl Sizes {
    fn fits_in(&self, buffers: &Buffers) -> bool {
        self.byte_words <= buffers.byte_words
            && self.blocks <= buffers.blocks
            && self.streams <= buffers.streams
            && self.scan_elements <= buffers.scan_elements
            && self.levels <= buffers.levels
    }

    fn grown(self) -> Sizes {
        let up = |n: u64| n.max(1).next_power_of_two();
        Sizes {
            byte_words: up(self.byte_words),
            blocks: up(self.blocks),
            streams: up(self.streams),
            scan_elements: up(self.scan_elements),
            levels: self.levels.max(8),
        }
    }
}

impl Buffers {
    fn new(context: &GpuContext, sizes: Sizes) -> Buffers {
        let device = &context.device;
        let storage = wgpu::BufferUsages::STORAGE;
        let buffer = |label: &str, size: u64, usage: wgpu::BufferUsages| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: size.max(16),
                usage,
                mapped_at_creation: false,
            })
        };
        let up = wgpu::BufferUsages::COPY_DST;
        let down = wgpu::BufferUsages::COPY_SRC;
        let readback = wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST;
        // Every byte is at most one event.
        let event_bytes = 4 * sizes.blocks * BLOCK_BYTES as u64;
        let input = buffer("input bytes", 4 * sizes.byte_words, storage | up);
        let block_stream = buffer("block streams", 4 * sizes.blocks, storage | up);
        let streams_buffer = buffer("streams", 16 * sizes.streams, storage | up);
        let function_scan = buffer("function scan", 8 * sizes.scan_elements, storage);
        let count_scan = buffer("count scan", 4 * sizes.scan_elements, storage);
        let events = buffer("events", event_bytes, storage | down);
        let stream_out = buffer("stream results", 12 * sizes.streams, storage | down);
        let level_params = buffer(
            "scan levels",
            context.level_stride * sizes.levels,
            wgpu::BufferUsages::UNIFORM | up,
        );
        let events_readback = buffer("events readback", event_bytes, readback);
        let stream_out_readback = buffer("stream results readback", 12 * sizes.streams, readback);
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("perdix parse"),
            layout: &context.layout,
            entries: &[
                whole(0, &input),
                whole(1, &block_stream),
                whole(2, &streams_buffer),
                whole(3, &context.machine),
                whole(4, &function_scan),
                whole(5, &count_scan),
                whole(6, &events),
                whole(7, &stream_out),
                wgpu::BindGroupEntry {
                    binding: 8,
                    resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                        buffer: &level_params,
                        offset: 0,
                        size: wgpu::BufferSize::new(16),
                    }),
                },
            ],
        });
        Buffers {
            byte_words: sizes.byte_words,
            blocks: sizes.blocks,
            streams: sizes.streams,
            scan_elements: sizes.scan_elements,
            levels: sizes.levels,
            input,
            block_stream,
            streams_buffer,
            events,
            stream_out,
            level_params,
            events_readback,
            stream_out_readback,
            bind_group,
        }
    }
}

/// One compute pass per phase, so that timestamps can bracket each.
fn begin_phase<'e>(
    encoder: &'e mut wgpu::CommandEncoder,
    timer: Option<&DeviceTimer>,
    phase: u32,
) -> wgpu::ComputePass<'e> {
    encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
        label: None,
        timestamp_writes: timer.map(|timer| timer.writes(phase)),
    })
}

fn whole(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}

/// The levels of the scans over `blocks` elements: level 0 holds the blocks, each next
/// level one total per workgroup of the level below, up to a level of one element (the
/// sink of the top workgroup's total). Returns `(offset, count)` per level.
fn scan_levels(blocks: usize) -> Vec<(usize, usize)> {
    let mut levels = vec![(0, blocks)];
    loop {
        let &(offset, count) = levels.last().expect("level 0 exists");
        let next = count.div_ceil(WORKGROUP);
        levels.push((offset + count, next));
        if next == 1 {
            return levels;
        }
    }
}

/// Runs submissions on one context, reusing buffers and packing scratch.
pub(super) struct Submitter {
    buffers: Option<Buffers>,
    packed: Vec<u8>,
    block_stream: Vec<u32>,
    streams: Vec<[u32; 4]>,
    /// Events of the last submission, copied out of the mapped buffer.
    pub events: Vec<u32>,
    timer: Option<DeviceTimer>,
}

impl Submitter {
    pub fn new() -> Submitter {
        Submitter {
            buffers: None,
            packed: Vec::new(),
            block_stream: Vec::new(),
            streams: Vec::new(),
            events: Vec::new(),
            timer: None,
        }
    }

    /// Runs one submission over `pieces` (each non-empty) of the streams' `bytes`. After
    /// a failure the buffers are dropped, so that the next submission starts clean.
    pub fn run(
        &mut self,
        context: &GpuContext,
        pieces: &[Piece],
        bytes: &[&[u8]],
        timings: &mut StageTimings,
    ) -> Result<Vec<PieceResult>, WgpuError> {
        let result = self.try_run(context, pieces, bytes, timings);
        if result.is_err() {
            self.buffers = None;
        }
        result
    }

    fn try_run(
        &mut self,
        context: &GpuContext,
        pieces: &[Piece],
        bytes: &[&[u8]],
        timings: &mut StageTimings,
    ) -> Result<Vec<PieceResult>, WgpuError> {
        let started = Instant::now();
        self.pack(pieces, bytes);
        let blocks = self.block_stream.len();
        let levels = scan_levels(blocks);
        let sizes = Sizes {
            byte_words: (self.packed.len() / 4) as u64,
            blocks: blocks as u64,
            streams: pieces.len() as u64,
            scan_elements: levels.last().map_or(0, |&(offset, count)| offset + count) as u64,
            levels: levels.len() as u64,
        };
        if !self
            .buffers
            .as_ref()
            .is_some_and(|buffers| sizes.fits_in(buffers))
        {
            self.buffers = Some(Buffers::new(context, sizes.grown()));
        }
        let buffers = self.buffers.as_ref().expect("buffers were just made");
        let queue = &context.queue;
        queue.write_buffer(&buffers.input, 0, &self.packed);
        queue.write_buffer(&buffers.block_stream, 0, bytemuck::cast_slice(&self.block_stream));
        queue.write_buffer(&buffers.streams_buffer, 0, bytemuck::cast_slice(&self.streams));
        let stride = context.level_stride as usize;
        let mut level_bytes = vec![0u8; stride * levels.len()];
        for (index, &(offset, count)) in levels.iter().enumerate() {
            let next = levels.get(index + 1).map_or(offset + count, |&(next, _)| next);
            let words = [offset as u32, count as u32, next as u32, 0];
            level_bytes[index * stride..index * stride + 16].copy_from_slice(bytemuck::cast_slice(&words));
        }
        queue.write_buffer(&buffers.level_params, 0, &level_bytes);
        timings.upload += started.elapsed();

        let started = Instant::now();
        let device = &context.device;
        let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let memory = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let mut encoder = device.create_command_encoder(&Default::default());
        if self.timer.is_none() {
            self.timer = context
                .timestamp_period
                .map(|period| DeviceTimer::new(device, period));
        }
        let timer = self.timer.as_ref();
        let passes = &context.passes;
        let top = levels.len() - 1;
        let phases = [
            (
                &passes.block_functions,
                &passes.scan_function_level,
                &passes.add_function_level,
            ),
            (
                &passes.block_counts,
                &passes.scan_count_level,
                &passes.add_count_level,
            ),
        ];
        let dispatch = |pass: &mut wgpu::ComputePass<'_>, pipeline: &wgpu::ComputePipeline, level: usize| {
            let groups = levels[level].1.div_ceil(WORKGROUP) as u32;
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &buffers.bind_group, &[(level * stride) as u32]);
            pass.dispatch_workgroups(groups, 1, 1);
        };
        for (phase, (blocks_pass, scan_pass, add_pass)) in phases.into_iter().enumerate() {
            let mut pass = begin_phase(&mut encoder, timer, phase as u32);
            dispatch(&mut pass, blocks_pass, 0);
            for level in 1..top {
                dispatch(&mut pass, scan_pass, level);
            }
            for level in (0..top.saturating_sub(1)).rev() {
                dispatch(&mut pass, add_pass, level);
            }
        }
        {
            let mut pass = begin_phase(&mut encoder, timer, 2);
            dispatch(&mut pass, &passes.block_events, 0);
        }
        if let Some(timer) = timer {
            timer.resolve(&mut encoder);
        }
        let event_bytes = 4 * (blocks * BLOCK_BYTES) as u64;
        let out_bytes = 12 * pieces.len() as u64;
        encoder.copy_buffer_to_buffer(&buffers.events, 0, &buffers.events_readback, 0, event_bytes);
        encoder.copy_buffer_to_buffer(&buffers.stream_out, 0, &buffers.stream_out_readback, 0, out_bytes);
        queue.submit([encoder.finish()]);
        let events_slice = buffers.events_readback.slice(..event_bytes);
        let out_slice = buffers.stream_out_readback.slice(..out_bytes);
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let mut slices = vec![events_slice, out_slice];
        slices.extend(timer.map(DeviceTimer::slice));
        for slice in &slices {
            let done_tx = done_tx.clone();
            slice.map_async(wgpu::MapMode::Read, move |result| {
                // The receiver outlives the wait below, so the send cannot fail.
                let _ = done_tx.send(result);
            });
        }
        device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|error| WgpuError::Device(error.to_string()))?;
        for scope in [memory, validation] {
            if let Some(error) = pollster::block_on(scope.pop()) {
                return Err(WgpuError::Submission(error.to_string()));
            }
        }
        for _ in 0..slices.len() {
            done_rx
                .recv()
                .map_err(|_| WgpuError::Map("the mapping callback was dropped".into()))?
                .map_err(|error| WgpuError::Map(error.to_string()))?;
        }
        timings.compute += started.elapsed();

        let started = Instant::now();
        let results = {
            let out = out_slice
                .get_mapped_range()
                .map_err(|error| WgpuError::Map(error.to_string()))?;
            let out: &[u32] = bytemuck::cast_slice(&out);
            let used = out.chunks_exact(3).map(|r| r[1] as usize).max().unwrap_or(0);
            let events = events_slice
                .get_mapped_range()
                .map_err(|error| WgpuError::Map(error.to_string()))?;
            self.events.clear();
            self.events
                .extend_from_slice(&bytemuck::cast_slice(&events)[..used]);
            out.chunks_exact(3)
                .map(|r| PieceResult {
                    events: r[0] as usize..r[1] as usize,
                    end_state: r[2],
                })
                .collect()
        };
        buffers.events_readback.unmap();
        buffers.stream_out_readback.unmap();
        if let Some(timer) = timer {
            let device_time = timer.read()?;
            timings.add(&StageTimings {
                device: Some(device_time),
                ..Default::default()
            });
        }
        timings.readback += started.elapsed();
        timings.submissions += 1;
        Ok(results)
    }

    /// Lays the pieces out block-aligned and records which stream each block belongs to.
    fn pack(&mut self, pieces: &[Piece], bytes: &[&[u8]]) {
        self.packed.clear();
        self.block_stream.clear();
        self.streams.clear();
        for (index, piece) in pieces.iter().enumerate() {
            let offset = self.packed.len();
            let data = &bytes[piece.work][piece.start..piece.end];
            self.packed.extend_from_slice(data);
            self.packed
                .resize(offset + data.len().next_multiple_of(BLOCK_BYTES), 0);
            let first_block = offset / BLOCK_BYTES;
            let blocks = data.len().div_ceil(BLOCK_BYTES);
            self.block_stream
                .extend(std::iter::repeat_n(index as u32, blocks));
            self.streams.push([
                offset as u32,
                data.len() as u32,
                piece.start_state,
                first_block as u32,
            ]);
        }
    }
}
