//! One submission: the packed bytes of many streams and their carried state go up, the
//! passes run, and every stream's records, carried state and end state come back through
//! mappable buffers.

use super::device::GpuContext;
use super::device_timer::{DeviceTimer, DeviceTimings};
use super::shader_source::WORKGROUP;
use super::WgpuError;
use crate::backend::device_batch::{
    piece_results, BufferSizes, PackedPieces, Piece, PieceResult, RunPieces, STREAM_OUT_WORDS, STREAM_WORDS,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    /// Checking the records that came back and handing them on, on the CPU.
    pub unpack: Duration,
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
        self.unpack += other.unpack;
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
    sizes: BufferSizes,
    input: wgpu::Buffer,
    block_stream: wgpu::Buffer,
    streams_buffer: wgpu::Buffer,
    records: wgpu::Buffer,
    stream_out: wgpu::Buffer,
    level_params: wgpu::Buffer,
    stream_out_readback: wgpu::Buffer,
    records_readback: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
}

/// Words of records copied back in the first submission (1 MiB).
const EAGER_RECORD_WORDS: u64 = 1 << 18;
/// Bytes of one stream's entry in the streams buffer (the WGSL `Stream`).
const STREAM_BYTES: u64 = 4 * STREAM_WORDS as u64;

impl Buffers {
    fn new(context: &GpuContext, sizes: BufferSizes) -> Buffers {
        // Buffer sizes are u64 in wgpu.
        let [input_words, blocks, streams, scan_elements, levels, record_words] = [
            sizes.input_words,
            sizes.blocks,
            sizes.streams,
            sizes.scan_elements,
            sizes.levels,
            sizes.record_words,
        ]
        .map(|n| n as u64);
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
        let out_bytes = 4 * STREAM_OUT_WORDS as u64 * streams;
        let input = buffer("input bytes and carried state", 4 * input_words, storage | up);
        let block_stream = buffer("block streams", 4 * blocks, storage | up);
        let streams_buffer = buffer("streams", STREAM_BYTES * streams, storage | up);
        let function_scan = buffer("function scan", 16 * scan_elements, storage);
        let count_scan = buffer("count scan", 4 * scan_elements, storage);
        let records = buffer("records", 4 * record_words, storage | down);
        let stream_out = buffer("stream results", out_bytes, storage | down);
        let level_params = buffer(
            "scan levels",
            context.level_stride * levels,
            wgpu::BufferUsages::UNIFORM | up,
        );
        let stream_out_readback = buffer("stream results readback", out_bytes, readback);
        let records_readback = buffer("records readback", 4 * record_words, readback);
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
                whole(6, &records),
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
            sizes,
            input,
            block_stream,
            streams_buffer,
            records,
            stream_out,
            level_params,
            stream_out_readback,
            records_readback,
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
    pub context: Arc<GpuContext>,
    buffers: Option<Buffers>,
    packed: PackedPieces,
    /// Records and carried state of the last submission, copied out of the mapped buffer.
    records: Vec<u32>,
    timer: Option<DeviceTimer>,
    /// Where the time went since the backend last took it.
    pub timings: StageTimings,
}

impl RunPieces for Submitter {
    type Error = WgpuError;

    /// After a failure the buffers are dropped, so that the next submission starts clean.
    fn run(
        &mut self,
        pieces: &[Piece],
        bytes: &[&[u8]],
        carried: &[&[u32]],
    ) -> Result<Vec<PieceResult>, WgpuError> {
        let result = self.try_run(pieces, bytes, carried);
        if result.is_err() {
            self.buffers = None;
        }
        result
    }

    fn records(&self) -> &[u32] {
        &self.records
    }
}

impl Submitter {
    pub fn new(context: Arc<GpuContext>) -> Submitter {
        Submitter {
            context,
            buffers: None,
            packed: PackedPieces::default(),
            records: Vec::new(),
            timer: None,
            timings: StageTimings::default(),
        }
    }

    fn try_run(
        &mut self,
        pieces: &[Piece],
        bytes: &[&[u8]],
        carried: &[&[u32]],
    ) -> Result<Vec<PieceResult>, WgpuError> {
        let context = &*self.context;
        let timings = &mut self.timings;
        let started = Instant::now();
        self.packed.pack(pieces, bytes, carried);
        let blocks = self.packed.block_stream.len();
        let levels = scan_levels(blocks);
        let sizes = self.packed.sizes(&levels);
        if !self
            .buffers
            .as_ref()
            .is_some_and(|buffers| sizes.fits_in(&buffers.sizes))
        {
            self.buffers = Some(Buffers::new(context, sizes.grown()));
        }
        let buffers = self.buffers.as_ref().expect("buffers were just made");
        let queue = &context.queue;
        queue.write_buffer(&buffers.input, 0, &self.packed.input);
        let block_stream = bytemuck::cast_slice(&self.packed.block_stream);
        queue.write_buffer(&buffers.block_stream, 0, block_stream);
        queue.write_buffer(
            &buffers.streams_buffer,
            0,
            bytemuck::cast_slice(&self.packed.streams),
        );
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
        if self.timer.is_none() {
            self.timer = context
                .timestamp_period
                .map(|period| DeviceTimer::new(device, period));
        }
        let timer = self.timer.as_ref();
        let out_bytes = (4 * STREAM_OUT_WORDS * pieces.len()) as u64;
        let out_slice = buffers.stream_out_readback.slice(..out_bytes);
        // The first words of records come back with the stream results, which is all of
        // them in a small batch; the rest, once the results say how many there are, in a
        // second submission.
        let eager = (sizes.record_words as u64).min(EAGER_RECORD_WORDS);
        let eager_slice = buffers.records_readback.slice(..4 * eager);
        checked(device, || {
            let mut encoder = device.create_command_encoder(&Default::default());
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
            let dispatch =
                |pass: &mut wgpu::ComputePass<'_>, pipeline: &wgpu::ComputePipeline, level: usize| {
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
                dispatch(&mut pass, &passes.block_records, 0);
            }
            if let Some(timer) = timer {
                timer.resolve(&mut encoder);
            }
            encoder.copy_buffer_to_buffer(&buffers.stream_out, 0, &buffers.stream_out_readback, 0, out_bytes);
            encoder.copy_buffer_to_buffer(&buffers.records, 0, &buffers.records_readback, 0, 4 * eager);
            queue.submit([encoder.finish()]);
            let mut slices = vec![out_slice, eager_slice];
            slices.extend(timer.map(DeviceTimer::slice));
            wait_mapped(device, &slices)
        })?;
        let out: Vec<u32> = {
            let view = out_slice
                .get_mapped_range()
                .map_err(|error| WgpuError::Map(error.to_string()))?;
            bytemuck::cast_slice(&view).to_vec()
        };
        buffers.stream_out_readback.unmap();
        if let Some(timer) = timer {
            let device_time = timer.read()?;
            timings.add(&StageTimings {
                device: Some(device_time),
                ..Default::default()
            });
        }
        let total = out
            .chunks_exact(STREAM_OUT_WORDS)
            .map(|result| result[2] as u64)
            .max()
            .unwrap_or(0);
        if total > sizes.record_words as u64 {
            return Err(WgpuError::Submission(format!(
                "the device counted {total} words of records, over the bound of {}",
                sizes.record_words
            )));
        }
        timings.compute += started.elapsed();

        let started = Instant::now();
        self.records.clear();
        {
            let view = eager_slice
                .get_mapped_range()
                .map_err(|error| WgpuError::Map(error.to_string()))?;
            let words: &[u32] = bytemuck::cast_slice(&view);
            self.records
                .extend_from_slice(&words[..total.min(eager) as usize]);
        }
        buffers.records_readback.unmap();
        if total > eager {
            let (from, to) = (4 * eager, 4 * total);
            let records_slice = buffers.records_readback.slice(from..to);
            checked(device, || {
                let mut encoder = device.create_command_encoder(&Default::default());
                encoder.copy_buffer_to_buffer(
                    &buffers.records,
                    from,
                    &buffers.records_readback,
                    from,
                    to - from,
                );
                queue.submit([encoder.finish()]);
                wait_mapped(device, &[records_slice])
            })?;
            {
                let view = records_slice
                    .get_mapped_range()
                    .map_err(|error| WgpuError::Map(error.to_string()))?;
                self.records.extend_from_slice(bytemuck::cast_slice(&view));
            }
            buffers.records_readback.unmap();
        }
        timings.readback += started.elapsed();
        timings.submissions += 1;
        Ok(piece_results(&out, total as usize)?)
    }
}

/// Runs `work` inside validation and out-of-memory error scopes: an error the device
/// reports becomes an `Err`, never a panic.
fn checked(device: &wgpu::Device, work: impl FnOnce() -> Result<(), WgpuError>) -> Result<(), WgpuError> {
    let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
    let memory = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
    let result = work();
    for scope in [memory, validation] {
        if let Some(error) = pollster::block_on(scope.pop()) {
            return Err(WgpuError::Submission(error.to_string()));
        }
    }
    result
}

/// Maps `slices` for reading and waits until the device has finished with them.
fn wait_mapped(device: &wgpu::Device, slices: &[wgpu::BufferSlice<'_>]) -> Result<(), WgpuError> {
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    for slice in slices {
        let done_tx = done_tx.clone();
        slice.map_async(wgpu::MapMode::Read, move |result| {
            // The receiver outlives the wait below, so the send cannot fail.
            let _ = done_tx.send(result);
        });
    }
    device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|error| WgpuError::Device(error.to_string()))?;
    for _ in slices {
        done_rx
            .recv()
            .map_err(|_| WgpuError::Map("the mapping callback was dropped".into()))?
            .map_err(|error| WgpuError::Map(error.to_string()))?;
    }
    Ok(())
}
