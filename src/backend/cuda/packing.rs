//! The host's side of one launch sequence, apart from the device: the pieces of the
//! batch's streams laid out as the kernels read them, and the checks on the word ranges
//! that come back. The launcher uploads exactly this; the host emulation feeds the same
//! buffers to the kernels' code compiled for the CPU.

use super::error::CudaError;
use super::kernel_source::BLOCK_BYTES;
use crate::backend::record_bound;

/// One stream's share of a launch.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Piece {
    /// Index of the stream's work in the batch.
    pub work: usize,
    /// Byte range of the stream's new bytes in this piece.
    pub start: usize,
    pub end: usize,
    /// Parser state before the piece (a `State` index).
    pub start_state: u32,
}

/// What came back for one piece, as word ranges of the launch's records.
pub(crate) struct PieceResult {
    /// The piece's records.
    pub records: std::ops::Range<usize>,
    /// What the stream carries into its next piece.
    pub carried: std::ops::Range<usize>,
    /// State after the piece's last byte.
    pub end_state: u32,
}

/// Words per stream in the kernels' `Stream` (kernels/machine.cu).
pub(crate) const STREAM_WORDS: usize = 8;
/// Words per stream in the stream results: first record, carried state, end, end state.
pub(crate) const STREAM_OUT_WORDS: usize = 4;

/// The kernels' input buffers for one launch, reused across launches.
#[derive(Default)]
pub(crate) struct PackedLaunch {
    /// Stream bytes, each stream block-aligned, then each stream's carried words.
    pub input: Vec<u8>,
    /// The stream (piece index) of every block.
    pub block_stream: Vec<u32>,
    /// Per piece: offset, length, start state, first block, carried state's word, unused.
    pub streams: Vec<[u32; STREAM_WORDS]>,
    stream_bytes: usize,
    carried_words: usize,
}

impl PackedLaunch {
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

    /// The most words of records and carried state the launch can write.
    pub fn record_bound(&self) -> u64 {
        record_bound(
            self.stream_bytes,
            self.block_stream.len(),
            self.streams.len(),
            self.carried_words,
        )
    }
}

/// Each piece's word ranges from the stream results, checked against the `total` words
/// that came back.
pub(crate) fn piece_results(stream_out: &[u32], total: usize) -> Result<Vec<PieceResult>, CudaError> {
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
                Err(CudaError::Results(format!(
                    "the device wrote the word ranges {start}, {carry}, {end} of {total}"
                )))
            }
        })
        .collect()
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
        let mut packed = PackedLaunch::default();
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
