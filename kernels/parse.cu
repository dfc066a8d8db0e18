// The parse passes: one thread per BLOCK_BYTES bytes of one stream, over the helpers of
// machine.cu and records.cu (prepended with the generated constants).
//
// 1. block_functions: the block's transition function (a constant function for a stream's
//    first block, which starts from the carried state) and one past its last ESC, scanned
//    within the thread block; scan_function_level / add_function_level carry the scan
//    across thread blocks, level after level.
// 2. block_counts: from the block's start state (read off the scanned functions), the walk
//    that sizes the block's records in words, scanned the same way with scan_count_level /
//    add_count_level.
// 3. block_records: the same walk again, writing the records at the block's offset; a
//    stream's last block follows them with the state the stream carries into its next
//    batch, and each stream's word ranges and end state go to `stream_out`.

constexpr u32 FULL_WARP = 0xffffffffu;
constexpr u32 WARP_THREADS = 32u;
constexpr u32 WARPS = BLOCK_THREADS / WARP_THREADS;
static_assert(BLOCK_THREADS % WARP_THREADS == 0, "whole warps per thread block");
static_assert(WARPS <= WARP_THREADS, "one warp scans the warp totals");

// The scans' two operations: composition of transition functions with the later ESC
// (not commutative, so the earlier operand always goes first) and addition of sizes.
struct ComposeFunctions {
    typedef ScannedFunction Value;
    __device__ static Value identity() { return scanned(IDENTITY_FUNCTION, 0u); }
    __device__ static Value combine(Value earlier, Value later) {
        return combine_functions(earlier, later);
    }
    // A shuffle moves built-in types only: the two fields go separately.
    __device__ static Value shuffle_up(Value value, u32 step) {
        return scanned(__shfl_up_sync(FULL_WARP, value.function, step),
                       __shfl_up_sync(FULL_WARP, value.last_escape, step));
    }
};

struct AddCounts {
    typedef u32 Value;
    __device__ static Value identity() { return 0u; }
    __device__ static Value combine(Value earlier, Value later) { return earlier + later; }
    __device__ static Value shuffle_up(Value value, u32 step) {
        return __shfl_up_sync(FULL_WARP, value, step);
    }
};

// Inclusive scan of one value per thread, earlier threads first: within each warp by
// shuffles, then one warp scans the warp totals, which every later warp prepends.
// Every thread of the block must call it, once per kernel.
template <typename Op>
__device__ typename Op::Value block_inclusive_scan(typename Op::Value value) {
    typedef typename Op::Value Value;
    __shared__ Value warp_totals[WARPS];
    const u32 lane = threadIdx.x % WARP_THREADS;
    const u32 warp = threadIdx.x / WARP_THREADS;
#pragma unroll
    for (u32 step = 1; step < WARP_THREADS; step <<= 1) {
        const Value earlier = Op::shuffle_up(value, step);
        if (lane >= step) {
            value = Op::combine(earlier, value);
        }
    }
    if (lane == WARP_THREADS - 1u) {
        warp_totals[warp] = value;
    }
    __syncthreads();
    if (warp == 0) {
        Value total = lane < WARPS ? warp_totals[lane] : Op::identity();
#pragma unroll
        for (u32 step = 1; step < WARP_THREADS; step <<= 1) {
            const Value earlier = Op::shuffle_up(total, step);
            if (lane >= step) {
                total = Op::combine(earlier, total);
            }
        }
        if (lane < WARPS) {
            warp_totals[lane] = total;
        }
    }
    __syncthreads();
    if (warp > 0) {
        value = Op::combine(warp_totals[warp - 1u], value);
    }
    return value;
}

// Scans `count` elements at `data + offset` per thread block, in place; each thread
// block's total goes to `data + next_offset + blockIdx.x`.
template <typename Op>
__device__ void scan_level(typename Op::Value* data, u32 offset, u32 count, u32 next_offset,
                           typename Op::Value value) {
    const u32 index = blockIdx.x * BLOCK_THREADS + threadIdx.x;
    const typename Op::Value scanned = block_inclusive_scan<Op>(value);
    if (index < count) {
        data[offset + index] = scanned;
    }
    if (threadIdx.x == BLOCK_THREADS - 1u) {
        data[next_offset + blockIdx.x] = scanned;
    }
}

// Prepends the scanned total of all earlier thread blocks (one level up, already complete).
template <typename Op>
__device__ void add_level(typename Op::Value* data, u32 offset, u32 count, u32 next_offset) {
    const u32 index = blockIdx.x * BLOCK_THREADS + threadIdx.x;
    if (index < count && blockIdx.x > 0) {
        const typename Op::Value earlier = data[next_offset + blockIdx.x - 1u];
        data[offset + index] = Op::combine(earlier, data[offset + index]);
    }
}


// The launch's read-only buffers as the walk sees them.
__device__ __forceinline__ Batch batch_of(const u32* __restrict__ input,
                                          const u32* __restrict__ block_stream,
                                          const Stream* __restrict__ streams,
                                          const u32* __restrict__ table,
                                          const u64* __restrict__ functions,
                                          const ScannedFunction* function_scan) {
    Batch batch;
    batch.input = input;
    batch.block_stream = block_stream;
    batch.streams = streams;
    batch.table = table;
    batch.functions = functions;
    batch.function_scan = function_scan;
    return batch;
}

extern "C" __global__ void __launch_bounds__(BLOCK_THREADS)
block_functions(const u32* __restrict__ input, const u32* __restrict__ block_stream,
                const Stream* __restrict__ streams, const u32* __restrict__ table,
                const u64* __restrict__ functions, ScannedFunction* function_scan, u32 blocks,
                u32 next_offset) {
    const u32 block = blockIdx.x * BLOCK_THREADS + threadIdx.x;
    ScannedFunction value = ComposeFunctions::identity();
    if (block < blocks) {
        const Batch batch = batch_of(input, block_stream, streams, table, functions, nullptr);
        value = block_function(batch, block);
    }
    scan_level<ComposeFunctions>(function_scan, 0u, blocks, next_offset, value);
}

extern "C" __global__ void __launch_bounds__(BLOCK_THREADS)
scan_function_level(ScannedFunction* function_scan, u32 offset, u32 count, u32 next_offset) {
    const u32 index = blockIdx.x * BLOCK_THREADS + threadIdx.x;
    const ScannedFunction value =
        index < count ? function_scan[offset + index] : ComposeFunctions::identity();
    scan_level<ComposeFunctions>(function_scan, offset, count, next_offset, value);
}

extern "C" __global__ void __launch_bounds__(BLOCK_THREADS)
add_function_level(ScannedFunction* function_scan, u32 offset, u32 count, u32 next_offset) {
    add_level<ComposeFunctions>(function_scan, offset, count, next_offset);
}

extern "C" __global__ void __launch_bounds__(BLOCK_THREADS)
block_counts(const u32* __restrict__ input, const u32* __restrict__ block_stream,
             const Stream* __restrict__ streams, const u32* __restrict__ table,
             const ScannedFunction* __restrict__ function_scan, u32* count_scan, u32 blocks,
             u32 next_offset) {
    const u32 block = blockIdx.x * BLOCK_THREADS + threadIdx.x;
    u32 value = 0;
    if (block < blocks) {
        const Batch batch = batch_of(input, block_stream, streams, table, nullptr, function_scan);
        value = walk_block(batch, block, nullptr, 0u).words;
    }
    scan_level<AddCounts>(count_scan, 0u, blocks, next_offset, value);
}

extern "C" __global__ void __launch_bounds__(BLOCK_THREADS)
scan_count_level(u32* count_scan, u32 offset, u32 count, u32 next_offset) {
    const u32 index = blockIdx.x * BLOCK_THREADS + threadIdx.x;
    const u32 value = index < count ? count_scan[offset + index] : 0u;
    scan_level<AddCounts>(count_scan, offset, count, next_offset, value);
}

extern "C" __global__ void __launch_bounds__(BLOCK_THREADS)
add_count_level(u32* count_scan, u32 offset, u32 count, u32 next_offset) {
    add_level<AddCounts>(count_scan, offset, count, next_offset);
}

// `stream_out` holds per stream, in words of `records`: first record, start of the
// carried state, end; then the state after the last byte.
extern "C" __global__ void __launch_bounds__(BLOCK_THREADS)
block_records(const u32* __restrict__ input, const u32* __restrict__ block_stream,
              const Stream* __restrict__ streams, const u32* __restrict__ table,
              const ScannedFunction* __restrict__ function_scan,
              const u32* __restrict__ count_scan, u32* __restrict__ records,
              u32* __restrict__ stream_out, u32 blocks) {
    const u32 block = blockIdx.x * BLOCK_THREADS + threadIdx.x;
    if (block >= blocks) {
        return;
    }
    const u32 at = block > 0 ? count_scan[block - 1u] : 0u;
    const Batch batch = batch_of(input, block_stream, streams, table, nullptr, function_scan);
    const Walk walk = walk_block(batch, block, records, at);
    const u32 index = block_stream[block];
    const Stream stream = streams[index];
    if (block == stream.first_block) {
        stream_out[4u * index] = at;
    }
    if (block_end(block, stream) == stream.offset + stream.len) {
        stream_out[4u * index + 1u] = walk.carry_at;
        stream_out[4u * index + 2u] = at + walk.words;
        stream_out[4u * index + 3u] = walk.state;
    }
}
