//! The host's side of a batch on a backend that builds records on the device (`wgpu`,
//! `cuda`): cutting the batch into pieces that fit one submission, laying the pieces out
//! as the device code reads them, and taking back what it wrote. Only running the passes
//! is the backend's own ([`RunPieces`]).

use super::device_constants::BLOCK_BYTES;
use super::device_output::{check_whole_records, record_bound, DeviceOutputError, DeviceStreamState};
use crate::parse::{RecordBatch, StreamWork};

/// One stream's share of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Piece {
    /// Index of the stream's work in the batch.
    pub work: usize,
    /// Byte range of the stream's new bytes in this piece.
    pub start: usize,
    pub end: usize,
    /// Parser state before the piece (a `State` index).
    pub start_state: u32,
}

/// What came back for one piece, as word ranges of the submission's records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PieceResult {
    /// The piece's records.
    pub records: std::ops::Range<usize>,
    /// What the stream carries into its next piece.
    pub carried: std::ops::Range<usize>,
    /// State after the piece's last byte.
    pub end_state: u32,
}

/// Words per stream in the device code's `Stream`: offset, length, start state, first
/// block, the carried state's word, three unused.
pub(crate) const STREAM_WORDS: usize = 8;
/// Words per stream in the stream results: first record, carried state, end, end state.
pub(crate) const STREAM_OUT_WORDS: usize = 4;

/// The device code's input buffers for one submission, reused across submissions.
#[derive(Debug, Default)]
pub(crate) struct PackedPieces {
    /// Stream bytes, each stream block-aligned, then each stream's carried words.
    pub input: Vec<u8>,
    /// The stream (piece index) of every block.
    pub block_stream: Vec<u32>,
    /// One `Stream` per piece.
    pub streams: Vec<[u32; STREAM_WORDS]>,
    stream_bytes: usize,
    carried_words: usize,
}

impl PackedPieces {
    /// Lays out `pieces` (each non-empty) of the streams' `bytes`, each stream starting
    /// from its `carried` words.
    pub fn pack(&mut self, pieces: &[Piece], bytes: &[&[u8]], carried: &[&[u32]]) {
        self.input.clear();
        self.block_stream.clear();
        self.streams.clear();
        for (index, piece) in pieces.iter().enumerate() {
            let offset = self.input.len();
            let data = &bytes[piece.work][piece.start..piece.end];
            self.input.extend_from_slice(data);
            self.input
                .resize(offset + data.len().next_multiple_of(BLOCK_BYTES), 0);
            let first_block = offset / BLOCK_BYTES;
            let blocks = data.len().div_ceil(BLOCK_BYTES);
            self.block_stream
                .extend(std::iter::repeat_n(index as u32, blocks));
            let mut entry = [0u32; STREAM_WORDS];
            entry[..4].copy_from_slice(&[
                offset as u32,
                data.len() as u32,
                piece.start_state,
                first_block as u32,
            ]);
            self.streams.push(entry);
        }
        self.stream_bytes = self.input.len();
        self.carried_words = 0;
        for (entry, piece) in self.streams.iter_mut().zip(pieces) {
            // The stream bytes are block-aligned, so each carry starts on a word.
            entry[4] = (self.input.len() / 4) as u32;
            let words = carried[piece.work];
            self.input.extend_from_slice(bytemuck::cast_slice(words));
            self.carried_words += words.len();
        }
    }

    /// The buffer sizes the packed pieces need, with the scans' `levels` as
    /// `(offset, count)` pairs.
    pub fn sizes(&self, levels: &[(usize, usize)]) -> BufferSizes {
        BufferSizes {
            input_words: self.input.len() / 4,
            blocks: self.block_stream.len(),
            streams: self.streams.len(),
            scan_elements: levels.last().map_or(0, |&(offset, count)| offset + count),
            levels: levels.len(),
            // Past the address space only on a 32-bit host, where allocating fails anyway.
            record_words: usize::try_from(self.record_bound()).unwrap_or(usize::MAX),
        }
    }

    /// The most words of records and carried state the submission can write.
    pub fn record_bound(&self) -> u64 {
        record_bound(
            self.stream_bytes,
            self.block_stream.len(),
            self.streams.len(),
            self.carried_words,
        )
    }
}

/// How much of each device buffer a submission needs. The buffers are kept across
/// submissions and grown to the next powers of two when one needs more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct BufferSizes {
    /// Stream bytes and carried state, in words.
    pub input_words: usize,
    pub blocks: usize,
    pub streams: usize,
    /// Elements of every level of the scans together.
    pub scan_elements: usize,
    pub levels: usize,
    /// The most words of records and carried state the submission can write.
    pub record_words: usize,
}

impl BufferSizes {
    /// True when buffers of sizes `have` hold all of this.
    pub fn fits_in(&self, have: &BufferSizes) -> bool {
        self.input_words <= have.input_words
            && self.blocks <= have.blocks
            && self.streams <= have.streams
            && self.scan_elements <= have.scan_elements
            && self.levels <= have.levels
            && self.record_words <= have.record_words
    }

    /// These sizes rounded up, so that buffers are not remade for every small growth.
    pub fn grown(self) -> BufferSizes {
        let up = |n: usize| n.max(1).next_power_of_two();
        BufferSizes {
            input_words: up(self.input_words),
            blocks: up(self.blocks),
            streams: up(self.streams),
            scan_elements: up(self.scan_elements),
            levels: self.levels.max(8),
            record_words: up(self.record_words),
        }
    }
}

/// Each piece's word ranges from the stream results, checked against the `total` words
/// that came back.
pub(crate) fn piece_results(stream_out: &[u32], total: usize) -> Result<Vec<PieceResult>, DeviceOutputError> {
    stream_out
        .chunks_exact(STREAM_OUT_WORDS)
        .map(|result| {
            let [start, carry, end, end_state] = [0, 1, 2, 3].map(|i| result[i] as usize);
            if start <= carry && carry <= end && end <= total {
                Ok(PieceResult {
                    records: start..carry,
                    carried: carry..end,
                    end_state: end_state as u32,
                })
            } else {
                Err(DeviceOutputError::Ranges {
                    start,
                    carry,
                    end,
                    total,
                })
            }
        })
        .collect()
}

/// What runs one submission's pieces: a device, or in tests the device code compiled
/// for the CPU.
pub(crate) trait RunPieces {
    /// The runner's error.
    type Error: From<DeviceOutputError>;

    /// Runs the passes over `pieces` (each non-empty) of the streams' `bytes`, each stream
    /// starting from its `carried` words.
    fn run(
        &mut self,
        pieces: &[Piece],
        bytes: &[&[u8]],
        carried: &[&[u32]],
    ) -> Result<Vec<PieceResult>, Self::Error>;

    /// The words the last run wrote, which its results index.
    fn records(&self) -> &[u32];
}

/// Runs the collected `pieces` as one submission, hands on their records and moves each
/// stream on to what it carries.
fn submit<R: RunPieces>(
    runner: &mut R,
    pieces: &mut Vec<Piece>,
    batch: &mut [StreamWork<'_, DeviceStreamState>],
    out: &mut RecordBatch,
) -> Result<(), R::Error> {
    if pieces.is_empty() {
        return Ok(());
    }
    let results = {
        let bytes: Vec<&[u8]> = batch.iter().map(|work| work.bytes).collect();
        let carried: Vec<&[u32]> = batch.iter().map(|work| work.state.words()).collect();
        runner.run(pieces, &bytes, &carried)?
    };
    let words = runner.records();
    for (piece, result) in pieces.iter().zip(results) {
        let work = &mut batch[piece.work];
        let records: &[u8] = bytemuck::cast_slice(&words[result.records]);
        check_whole_records(records)?;
        out.append_records(work.stream, records);
        work.state.update(result.end_state, &words[result.carried])?;
    }
    pieces.clear();
    Ok(())
}

/// Parses `batch` in submissions of at most `limit` stream bytes (a carried OSC payload
/// counting towards it, since it goes up with its stream and may come back in full). A
/// stream cut between two submissions starts the second from the end state and carried
/// words of the first.
pub(crate) fn parse_in_pieces<R: RunPieces>(
    runner: &mut R,
    pieces: &mut Vec<Piece>,
    limit: usize,
    batch: &mut [StreamWork<'_, DeviceStreamState>],
    out: &mut RecordBatch,
) -> Result<(), R::Error> {
    pieces.clear();
    let mut room = limit;
    for index in 0..batch.len() {
        let len = batch[index].bytes.len();
        let mut start = 0;
        while start < len {
            let carried = 4 * batch[index].state.carried_payload();
            if room <= carried && !pieces.is_empty() {
                submit(runner, pieces, batch, out)?;
                room = limit;
            }
            room = room.saturating_sub(carried).max(1);
            let end = len.min(start + room);
            pieces.push(Piece {
                work: index,
                start,
                end,
                start_state: batch[index].state.state() as u32,
            });
            room -= end - start;
            start = end;
        }
    }
    submit(runner, pieces, batch, out)
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_ranges_out_of_order_or_past_the_records_are_errors() {
        let results = piece_results(&[2, 5, 30, 0, 30, 30, 30, 1], 30).unwrap();
        assert_eq!(
            (results[0].records.clone(), results[0].carried.clone()),
            (2..5, 5..30)
        );
        assert!(piece_results(&[5, 2, 30, 0], 30).is_err());
        assert!(piece_results(&[0, 2, 31, 0], 30).is_err());
    }

    #[test]
    fn streams_are_block_aligned_and_their_carried_words_follow_all_bytes() {
        let mut packed = PackedPieces::default();
        let pieces = [
            Piece {
                work: 0,
                start: 0,
                end: 70,
                start_state: 0,
            },
            Piece {
                work: 1,
                start: 2,
                end: 3,
                start_state: 5,
            },
        ];
        let bytes: [&[u8]; 2] = [&[b'a'; 70], b"xyz"];
        packed.pack(&pieces, &bytes, &[&[7, 8], &[9]]);
        assert_eq!(packed.block_stream, [0, 0, 1]);
        assert_eq!(packed.streams[1][..5], [128, 1, 5, 2, 50]);
        assert_eq!(packed.streams[0][4], 48);
        assert_eq!(packed.input.len(), 3 * BLOCK_BYTES + 12);
        assert_eq!(packed.input[128], b'z');
        assert_eq!(packed.input[3 * BLOCK_BYTES + 8], 9);
    }
}
