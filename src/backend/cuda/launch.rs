//! One launch sequence of the parse kernels: the packed bytes of many streams and their
//! carried state go up, the passes run on one CUDA stream, and every stream's records,
//! carried state and end state come back.

use super::device::CudaDevice;
use super::error::CudaError;
use super::kernel_source::{machine_tables, BLOCK_THREADS};
use crate::backend::device_batch::{
    piece_results, BufferSizes, PackedPieces, Piece, PieceResult, RunPieces, STREAM_OUT_WORDS, STREAM_WORDS,
};
use cudarc::driver::{
    CudaFunction, CudaSlice, CudaStream, DeviceRepr, LaunchConfig, PushKernelArg, ValidAsZeroBits,
};
use std::sync::Arc;

/// `u64`s per scanned function (the kernels' 16-byte `ScannedFunction`).
const SCANNED_FUNCTION_U64S: usize = 2;

/// Device buffers, kept across launches and grown when one needs more.
struct DeviceBuffers {
    sizes: BufferSizes,
    /// Bytes, read by the kernels as words (the allocation is word-aligned).
    input: CudaSlice<u8>,
    block_stream: CudaSlice<u32>,
    streams: CudaSlice<u32>,
    function_scan: CudaSlice<u64>,
    count_scan: CudaSlice<u32>,
    records: CudaSlice<u32>,
    stream_out: CudaSlice<u32>,
}

impl DeviceBuffers {
    fn new(stream: &Arc<CudaStream>, sizes: BufferSizes) -> Result<DeviceBuffers, CudaError> {
        let sizes = sizes.grown();
        Ok(DeviceBuffers {
            sizes,
            input: zeros(stream, 4 * sizes.input_words)?,
            block_stream: zeros(stream, sizes.blocks)?,
            streams: zeros(stream, STREAM_WORDS * sizes.streams)?,
            function_scan: zeros(stream, SCANNED_FUNCTION_U64S * sizes.scan_elements)?,
            count_scan: zeros(stream, sizes.scan_elements)?,
            records: zeros(stream, sizes.record_words)?,
            stream_out: zeros(stream, STREAM_OUT_WORDS * sizes.streams)?,
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
    packed: PackedPieces,
    stream_out: Vec<u32>,
    /// Records and carried state of the last launch, copied back from the device.
    records: Vec<u32>,
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
            packed: PackedPieces::default(),
            stream_out: Vec::new(),
            records: Vec::new(),
        })
    }

    fn try_run(
        &mut self,
        pieces: &[Piece],
        bytes: &[&[u8]],
        carried: &[&[u32]],
    ) -> Result<Vec<PieceResult>, CudaError> {
        self.packed.pack(pieces, bytes, carried);
        let packed = &self.packed;
        let blocks = packed.block_stream.len();
        let levels = scan_levels(blocks);
        let sizes = packed.sizes(&levels);
        if !self
            .buffers
            .as_ref()
            .is_some_and(|buffers| sizes.fits_in(&buffers.sizes))
        {
            self.buffers = None;
            self.buffers = Some(DeviceBuffers::new(&self.stream, sizes)?);
        }
        let buffers = self.buffers.as_mut().expect("buffers were just made");
        let stream = &self.stream;
        let driver = CudaError::driver;
        stream
            .memcpy_htod(&packed.input, &mut buffers.input)
            .map_err(driver)?;
        stream
            .memcpy_htod(&packed.block_stream, &mut buffers.block_stream)
            .map_err(driver)?;
        let streams: &[u32] = bytemuck::cast_slice(&packed.streams);
        stream
            .memcpy_htod(streams, &mut buffers.streams)
            .map_err(driver)?;

        let kernels = &self.device.parse;
        let blocks_u32 = blocks as u32;
        let first_totals = levels[1].0 as u32;
        {
            let mut launch = stream.launch_builder(&kernels.block_functions);
            launch
                .arg(&buffers.input)
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
                .arg(&buffers.input)
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
            let mut launch = stream.launch_builder(&kernels.block_records);
            launch
                .arg(&buffers.input)
                .arg(&buffers.block_stream)
                .arg(&buffers.streams)
                .arg(&self.table)
                .arg(&buffers.function_scan)
                .arg(&buffers.count_scan)
                .arg(&mut buffers.records)
                .arg(&mut buffers.stream_out)
                .arg(&blocks_u32);
            // SAFETY: as above, for `block_records`; `records` holds `record_bound` words,
            // the most the blocks can write.
            unsafe { launch.launch(grid(blocks)) }.map_err(driver)?;
        }
        let out_words = STREAM_OUT_WORDS * pieces.len();
        self.stream_out.resize(out_words, 0);
        stream
            .memcpy_dtoh(&buffers.stream_out.slice(..out_words), &mut self.stream_out)
            .map_err(driver)?;
        stream.synchronize().map_err(driver)?;
        let total = self
            .stream_out
            .chunks_exact(STREAM_OUT_WORDS)
            .map(|result| result[2] as usize)
            .max()
            .unwrap_or(0);
        if total > sizes.record_words {
            return Err(CudaError::Results(format!(
                "the device counted {total} words of records, over the bound of {}",
                sizes.record_words
            )));
        }
        // Exactly the words written come back.
        self.records.resize(total, 0);
        if total > 0 {
            stream
                .memcpy_dtoh(&buffers.records.slice(..total), &mut self.records)
                .map_err(driver)?;
            stream.synchronize().map_err(driver)?;
        }
        Ok(piece_results(&self.stream_out, total)?)
    }
}

impl RunPieces for ParseLauncher {
    type Error = CudaError;

    /// After a failure the buffers are dropped, so that the next launch starts clean.
    fn run(
        &mut self,
        pieces: &[Piece],
        bytes: &[&[u8]],
        carried: &[&[u32]],
    ) -> Result<Vec<PieceResult>, CudaError> {
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
