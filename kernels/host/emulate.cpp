// The parse kernels' three passes, emulated on the CPU over the same buffers the device
// gets, with the kernels' own walk (machine.cu and records.cu, compiled as host C++ in
// front of this file). What the device does in parallel runs here one block after the
// other: the scans the warp shuffles and levels compute are plain loops, and the records
// pass writes the blocks last to first, so that no block can lean on an earlier one's
// writes.
//
// stdin, little-endian u32 unless said: counts of table words, functions, input bytes,
// blocks and streams; the table; the functions (u64); the input bytes; the block streams;
// the streams (8 words each).
// stdout: the words written; the stream results (4 words each); the words.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

template <typename T>
static std::vector<T> read_array(size_t count) {
    std::vector<T> values(count);
    if (count > 0 && fread(values.data(), sizeof(T), count, stdin) != count) {
        fprintf(stderr, "emulate: input cut short\n");
        exit(2);
    }
    return values;
}

template <typename T>
static void write_array(const T* values, size_t count) {
    if (count > 0 && fwrite(values, sizeof(T), count, stdout) != count) {
        fprintf(stderr, "emulate: output failed\n");
        exit(2);
    }
}

int main() {
    const std::vector<u32> counts = read_array<u32>(5);
    const std::vector<u32> table = read_array<u32>(counts[0]);
    const std::vector<u64> functions = read_array<u64>(counts[1]);
    if (counts[2] % 4u != 0u) {
        fprintf(stderr, "emulate: %u input bytes, not whole words\n", counts[2]);
        return 2;
    }
    const std::vector<u32> input = read_array<u32>(counts[2] / 4u);
    const std::vector<u32> block_stream = read_array<u32>(counts[3]);
    const std::vector<u32> stream_words = read_array<u32>(8u * counts[4]);
    std::vector<Stream> streams(counts[4]);
    if (!streams.empty()) {
        memcpy(streams.data(), stream_words.data(), sizeof(Stream) * streams.size());
    }
    const u32 blocks = counts[3];

    Batch batch;
    batch.input = input.data();
    batch.block_stream = block_stream.data();
    batch.streams = streams.data();
    batch.table = table.data();
    batch.functions = functions.data();
    batch.function_scan = nullptr;

    // Pass 1: block functions, then their inclusive scan.
    std::vector<ScannedFunction> function_scan(blocks);
    for (u32 block = 0; block < blocks; ++block) {
        function_scan[block] = block_function(batch, block);
    }
    for (u32 block = 1; block < blocks; ++block) {
        function_scan[block] = combine_functions(function_scan[block - 1], function_scan[block]);
    }
    batch.function_scan = function_scan.data();
    // The last ESC the scan gives each block, as the walk reads it, against a plain search:
    // a wrong one would send the walk back too far or not far enough.
    u32 last_escape = 0u;
    for (u32 block = 0; block < blocks; ++block) {
        const Stream& stream = streams[block_stream[block]];
        if (block == stream.first_block) {
            last_escape = 0u;
        }
        for (u32 i = block * BLOCK_BYTES; i < block_end(block, stream); ++i) {
            if (byte_at(batch, i) == 0x1bu) {
                last_escape = i + 1u;
            }
        }
        const u32 found = function_scan[block].last_escape;
        if ((found > stream.offset ? found : 0u) != last_escape) {
            fprintf(stderr, "emulate: block %u scanned last ESC %u, not %u\n", block, found,
                    last_escape);
            return 3;
        }
    }

    // Pass 2: record sizes, then their inclusive scan.
    std::vector<u32> count_scan(blocks);
    for (u32 block = 0; block < blocks; ++block) {
        count_scan[block] = walk_block(batch, block, nullptr, 0u).words;
    }
    for (u32 block = 1; block < blocks; ++block) {
        count_scan[block] += count_scan[block - 1];
    }
    const u32 total = blocks > 0 ? count_scan[blocks - 1] : 0u;

    // Pass 3: the records, as block_records writes them.
    std::vector<u32> records(total);
    std::vector<u32> stream_out(4u * streams.size());
    for (u32 block = blocks; block-- > 0;) {
        const u32 at = block > 0 ? count_scan[block - 1] : 0u;
        const Walk walk = walk_block(batch, block, records.data(), at);
        if (at + walk.words != count_scan[block]) {
            fprintf(stderr, "emulate: block %u sized %u words but wrote %u\n", block,
                    count_scan[block] - at, walk.words);
            return 3;
        }
        const u32 index = block_stream[block];
        const Stream& stream = streams[index];
        if (block == stream.first_block) {
            stream_out[4u * index] = at;
        }
        if (block_end(block, stream) == stream.offset + stream.len) {
            stream_out[4u * index + 1u] = walk.carry_at;
            stream_out[4u * index + 2u] = at + walk.words;
            stream_out[4u * index + 3u] = walk.state;
        }
    }
    write_array(&total, 1);
    write_array(stream_out.data(), stream_out.size());
    write_array(records.data(), records.size());
    return 0;
}
