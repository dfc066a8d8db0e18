//! One launch sequence of the parse kernels: the packed bytes of many streams go up, the
//! passes run on one CUDA stream, and every stream's compacted events and end state come
//! back.

use super::device::CudaDevice;
use super::error::CudaError;
use super::kernel_source::{machine_tables, BLOCK_BYTES, BLOCK_THREADS};
use cudarc::driver::{
    CudaFunction, CudaSlice, CudaStream, DeviceRepr, LaunchConfig, PushKernelArg, ValidAsZeroBits,
};
use std::sync::Arc;

/// One stream's share of a launch.
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

/// Device buffers, kept across launches and grown when one needs more.
struct DeviceBuffers {
    bytes: CudaSlice<u8>,
    block_stream: CudaSlice<u32>,
    streams: CudaSlice<u32>,
    function_scan: CudaSlice<u64>,
    count_scan: CudaSlice<u32>,
    events: CudaSlice<u32>,
    stream_out: CudaSlice<u32>,
}

/// Element counts one launch needs.
#[derive(Clone, Copy)]
struct Sizes {
    bytes: usize,
    blocks: usize,
    streams: usize,
    scan_elements: usize,
}

impl Sizes {
    fn fit_in(&self, buffers: &DeviceBuffers) -> bool {
        self.bytes <= buffers.bytes.len()
            && self.blocks <= buffers.block_stream.len()
            && 4 * self.streams <= buffers.streams.len()
            && self.scan_elements <= buffers.function_scan.len()
    }
}

impl DeviceBuffers {
    fn new(stream: &Arc<CudaStream>, sizes: Sizes) -> Result<DeviceBuffers, CudaError> {
        let up = |n: usize| n.max(1).next_power_of_two();
        let blocks = up(sizes.blocks);
        let streams = up(sizes.streams);
        let scan = up(sizes.scan_elements);
        Ok(DeviceBuffers {
            bytes: zeros(stream, blocks * BLOCK_BYTES)?,
            block_stream: zeros(stream, blocks)?,
            streams: zeros(stream, 4 * streams)?,
            function_scan: zeros(stream, scan)?,
            count_scan: zeros(stream, scan)?,
            // Every byte is at most one event.
            events: zeros(stream, blocks * BLOCK_BYTES)?,
            stream_out: zeros(stream, 3 * streams)?,
        })
    }
}

fn zeros<T: DeviceRepr + ValidAsZeroBits>(
    stream: &Arc<CudaStream>,
    len: usize,
) -> Result<CudaSlice<T>, CudaError> {
    stream.alloc_zeros(len).map_err(CudaError::driver)
}

/// The levels of the scans over `blocks` elements: level 0 holds the blocks, each next
/// level one total per thread block of the level below, up to a level of one element
/// (the sink of the top thread block's total). Returns `(offset, count)` per level.
pub(super) fn scan_levels(blocks: usize) -> Vec<(usize, usize)> {
    let mut levels = vec![(0, blocks)];
    loop {
        let &(offset, count) = levels.last().expect("level 0 exists");
        let next = count.div_ceil(BLOCK_THREADS);
        levels.push((offset + count, next));
        if next == 1 {
            return levels;
        }
    }
}

fn grid(elements: usize) -> LaunchConfig {
    LaunchConfig {
        grid_dim: (elements.div_ceil(BLOCK_THREADS).max(1) as u32, 1, 1),
        block_dim: (BLOCK_THREADS as u32, 1, 1),
        shared_mem_bytes: 0,
    }
}

/// Runs launches on one CUDA stream, reusing buffers and packing scratch.
pub(super) struct ParseLauncher {
    device: Arc<CudaDevice>,
    stream: Arc<CudaStream>,
    table: CudaSlice<u32>,
    functions: CudaSlice<u64>,
    buffers: Option<DeviceBuffers>,
    packed: Vec<u8>,
    block_stream: Vec<u32>,
    streams: Vec<u32>,
    stream_out: Vec<u32>,
    /// Events of the last launch, copied back from the device.
    pub events: Vec<u32>,
}

impl ParseLauncher {
    /// A launcher on its own CUDA stream, with the state table uploaded.
    pub fn new(device: Arc<CudaDevice>) -> Result<ParseLauncher, CudaError> {
        let stream = device.context.new_stream().map_err(CudaError::driver)?;
        let (table, functions) = machine_tables();
        let table = stream.clone_htod(&table).map_err(CudaError::driver)?;
        let functions = stream.clone_htod(&functions).map_err(CudaError::driver)?;
        Ok(ParseLauncher {
            device,
            stream,
            table,
            functions,
            buffers: None,
            packed: Vec::new(),
            block_stream: Vec::new(),
            streams: Vec::new(),
            stream_out: Vec::new(),
            events: Vec::new(),
        })
    }

    /// Runs the passes over `pieces` (each non-empty) of the streams' `bytes`. After a
    /// failure the buffers are dropped, so that the next launch starts clean.
    pub fn run(&mut self, pieces: &[Piece], bytes: &[&[u8]]) -> Result<Vec<PieceResult>, CudaError> {
        let result = self.try_run(pieces, bytes);
        if result.is_err() {
            self.buffers = None;
        }
        result
    }

    fn try_run(&mut self, pieces: &[Piece], bytes: &[&[u8]]) -> Result<Vec<PieceResult>, CudaError> {
        self.pack(pieces, bytes);
        let blocks = self.block_stream.len();
        let levels = scan_levels(blocks);
        let sizes = Sizes {
            bytes: self.packed.len(),
            blocks,
            streams: pieces.len(),
            scan_elements: levels.last().map_or(0, |&(offset, count)| offset + count),
        };
        if !self.buffers.as_ref().is_some_and(|buffers| sizes.fit_in(buffers)) {
            self.buffers = None;
            self.buffers = Some(DeviceBuffers::new(&self.stream, sizes)?);
        }
        let buffers = self.buffers.as_mut().expect("buffers were just made");
        let stream = &self.stream;
        let driver = CudaError::driver;
        stream
            .memcpy_htod(&self.packed, &mut buffers.bytes)
            .map_err(driver)?;
        stream
            .memcpy_htod(&self.block_stream, &mut buffers.block_stream)
            .map_err(driver)?;
        stream
            .memcpy_htod(&self.streams, &mut buffers.streams)
            .map_err(driver)?;

        let kernels = &self.device.parse;
        let blocks_u32 = blocks as u32;
        let first_totals = levels[1].0 as u32;
        {
            let mut launch = stream.launch_builder(&kernels.block_functions);
            launch
                .arg(&buffers.bytes)
                .arg(&buffers.block_stream)
                .arg(&buffers.streams)
                .arg(&self.table)
                .arg(&self.functions)
                .arg(&mut buffers.function_scan)
                .arg(&blocks_u32)
                .arg(&first_totals);
            // SAFETY: the arguments match `block_functions` in kernels/parse.cu, and every
            // buffer holds what the levels address (sized from the same `sizes`).
            unsafe { launch.launch(grid(blocks)) }.map_err(driver)?;
        }
        carry_levels(
            stream,
            &levels,
            [&kernels.scan_function_level, &kernels.add_function_level],
            &mut buffers.function_scan,
        )?;
        {
            let mut launch = stream.launch_builder(&kernels.block_counts);
            launch
                .arg(&buffers.bytes)
                .arg(&buffers.block_stream)
                .arg(&buffers.streams)
                .arg(&self.table)
                .arg(&buffers.function_scan)
                .arg(&mut buffers.count_scan)
                .arg(&blocks_u32)
                .arg(&first_totals);
            // SAFETY: as above, for `block_counts`.
            unsafe { launch.launch(grid(blocks)) }.map_err(driver)?;
        }
        carry_levels(
            stream,
            &levels,
            [&kernels.scan_count_level, &kernels.add_count_level],
            &mut buffers.count_scan,
        )?;
        {
            let mut launch = stream.launch_builder(&kernels.block_events);
            launch
                .arg(&buffers.bytes)
                .arg(&buffers.block_stream)
                .arg(&buffers.streams)
                .arg(&self.table)
                .arg(&buffers.function_scan)
                .arg(&buffers.count_scan)
                .arg(&mut buffers.events)
                .arg(&mut buffers.stream_out)
                .arg(&blocks_u32);
            // SAFETY: as above, for `block_events`; `events` holds one word per byte, the
            // most events a block can make.
            unsafe { launch.launch(grid(blocks)) }.map_err(driver)?;
        }
        self.stream_out.resize(3 * pieces.len(), 0);
        stream
            .memcpy_dtoh(
                &buffers.stream_out.slice(..3 * pieces.len()),
                &mut self.stream_out,
            )
            .map_err(driver)?;
        stream.synchronize().map_err(driver)?;
        let used = self
            .stream_out
            .chunks_exact(3)
            .map(|r| r[1] as usize)
            .max()
            .unwrap_or(0);
        if used > buffers.events.len() {
            return Err(CudaError::Results(format!(
                "{used} events, room for {}",
                buffers.events.len()
            )));
        }
        self.events.resize(used, 0);
        if used > 0 {
            stream
                .memcpy_dtoh(&buffers.events.slice(..used), &mut self.events)
                .map_err(driver)?;
            stream.synchronize().map_err(driver)?;
        }
        Ok(self
            .stream_out
            .chunks_exact(3)
            .map(|r| PieceResult {
                events: r[0] as usize..r[1] as usize,
                end_state: r[2],
            })
            .collect())
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
            self.streams.extend([
                offset as u32,
                data.len() as u32,
                piece.start_state,
                first_block as u32,
            ]);
        }
    }
}

/// Carries a level-0 scan (per thread block) across thread blocks: scans each level of
/// totals up to the one that fits one thread block, then adds each level's scanned totals
/// back into the level below, top-down.
fn carry_levels<T: DeviceRepr>(
    stream: &Arc<CudaStream>,
    levels: &[(usize, usize)],
    [scan, add]: [&CudaFunction; 2],
    data: &mut CudaSlice<T>,
) -> Result<(), CudaError> {
    let top = levels.len() - 1;
    let run = |function: &CudaFunction, data: &mut CudaSlice<T>, level: usize| {
        let (offset, count) = levels[level];
        let next = levels.get(level + 1).map_or(offset + count, |&(next, _)| next);
        let (offset, count, next) = (offset as u32, count as u32, next as u32);
        let mut launch = stream.launch_builder(function);
        launch.arg(data).arg(&offset).arg(&count).arg(&next);
        // SAFETY: the scan and add kernels take (data, offset, count, next_offset), and
        // `data` holds every level (sized from the last level's end).
        unsafe { launch.launch(grid(count as usize)) }
            .map(drop)
            .map_err(CudaError::driver)
    };
    for level in 1..top {
        run(scan, data, level)?;
    }
    for level in (0..top.saturating_sub(1)).rev() {
        run(add, data, level)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_levels_end_in_a_single_sink() {
        assert_eq!(scan_levels(1), vec![(0, 1), (1, 1)]);
        assert_eq!(scan_levels(256), vec![(0, 256), (256, 1)]);
        assert_eq!(scan_levels(257), vec![(0, 257), (257, 2), (259, 1)]);
        let levels = scan_levels(256 * 256 + 1);
        assert_eq!(levels.len(), 4);
        assert_eq!(levels.last().unwrap().1, 1);
    }
}
