// The parse passes: one thread per BLOCK_BYTES bytes of one stream.
//
// 1. block_functions: the block's transition function (14 nibbles in a u64; a constant
//    function for a stream's first block, which starts from the carried state), scanned
//    within the thread block; scan_function_level / add_function_level carry the scan
//    across thread blocks, level after level.
// 2. block_counts: from the block's start state (read off the scanned functions), every
//    byte's state and action by table lookup; the number of events, scanned the same way
//    with scan_count_level / add_count_level.
// 3. block_events: the same walk again, writing `action << 16 | length` events at the
//    block's offset in the compacted output, and each stream's event range and end state.
//
// The constants (STATE_COUNT, BLOCK_BYTES, BLOCK_THREADS, action codes, IDENTITY_FUNCTION,
// ONE_IN_EVERY_STATE) are generated from the Rust state table and prepended at start-up;
// the table itself arrives as data, so this file never holds a copy of it.

typedef unsigned int u32;
typedef unsigned long long u64;

constexpr u32 FULL_WARP = 0xffffffffu;
constexpr u32 WARP_THREADS = 32u;
constexpr u32 WARPS = BLOCK_THREADS / WARP_THREADS;
static_assert(BLOCK_THREADS % WARP_THREADS == 0, "whole warps per thread block");
static_assert(WARPS <= WARP_THREADS, "one warp scans the warp totals");

// One stream's share of the batch. `offset` is a multiple of BLOCK_BYTES, so a block never
// holds bytes of two streams.
struct Stream {
    u32 offset;
    u32 len;
    u32 start_state;
    u32 first_block;
};

// Where `f` sends state `s`.
__device__ __forceinline__ u32 apply_function(u64 f, u32 s) {
    return (u32)(f >> (4u * s)) & 0xfu;
}

// "First `first`, then `then`".
__device__ __forceinline__ u64 compose(u64 first, u64 then) {
    u64 out = 0;
#pragma unroll
    for (u32 s = 0; s < STATE_COUNT; ++s) {
        out |= (u64)apply_function(then, apply_function(first, s)) << (4u * s);
    }
    return out;
}

// The function sending every state to `s`.
__device__ __forceinline__ u64 constant_function(u32 s) {
    return (u64)s * ONE_IN_EVERY_STATE;
}

__device__ __forceinline__ bool is_reset(u32 byte) {
    return byte == 0x18u || byte == 0x1au || byte == 0x1bu;
}

// Runs of these actions collapse into one event.
__device__ __forceinline__ bool is_run(u32 action) {
    return action == ACTION_IGNORE || action == ACTION_GROUND || action == ACTION_PUT ||
           action == ACTION_OSC_PUT;
}

__device__ __forceinline__ u32 block_end(u32 block, const Stream& stream) {
    return min((block + 1u) * BLOCK_BYTES, stream.offset + stream.len);
}

// `next | action << 8` for `byte` in `state`.
__device__ __forceinline__ u32 entry(const u32* __restrict__ table, u32 state, u32 byte) {
    return __ldg(&table[state * 256u + byte]);
}

// The scans' two operations: composition of transition functions (not commutative, so
// the earlier operand always goes first) and addition of event counts.
struct ComposeFunctions {
    typedef u64 Value;
    __device__ static Value identity() { return IDENTITY_FUNCTION; }
    __device__ static Value combine(Value earlier, Value later) { return compose(earlier, later); }
};

struct AddCounts {
    typedef u32 Value;
    __device__ static Value identity() { return 0u; }
    __device__ static Value combine(Value earlier, Value later) { return earlier + later; }
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
        const Value earlier = __shfl_up_sync(FULL_WARP, value, step);
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
            const Value earlier = __shfl_up_sync(FULL_WARP, total, step);
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

// The transition function of one block. After the last ESC, CAN or SUB of a block every
// state has gone to the same one, so only the bytes after it need composing.
__device__ u64 block_function(const unsigned char* __restrict__ bytes,
                              const Stream& stream, u32 block,
                              const u32* __restrict__ table,
                              const u64* __restrict__ functions) {
    const u32 start = block * BLOCK_BYTES;
    const u32 end = block_end(block, stream);
    if (block == stream.first_block) {
        u32 state = stream.start_state;
        for (u32 i = start; i < end; ++i) {
            state = entry(table, state, bytes[i]) & 0xffu;
        }
        return constant_function(state);
    }
    u32 last_reset = end;
    for (u32 i = start; i < end; ++i) {
        if (is_reset(bytes[i])) {
            last_reset = i;
        }
    }
    if (last_reset < end) {
        u32 state = entry(table, 0u, bytes[last_reset]) & 0xffu;
        for (u32 i = last_reset + 1u; i < end; ++i) {
            state = entry(table, state, bytes[i]) & 0xffu;
        }
        return constant_function(state);
    }
    u64 f = IDENTITY_FUNCTION;
    for (u32 i = start; i < end; ++i) {
        f = compose(f, __ldg(&functions[bytes[i]]));
    }
    return f;
}

__device__ __forceinline__ u32 block_start_state(const u64* __restrict__ function_scan,
                                                 const Stream& stream, u32 block) {
    if (block == stream.first_block) {
        return stream.start_state;
    }
    // The scanned function up to the previous block starts at the stream's first block,
    // whose function is constant: it sends any state to the right one.
    return apply_function(function_scan[block - 1u], 0u);
}

struct Walk {
    u32 count;
    u32 state;
};

// Walks one block from its start state; writes its events from `events` when not null.
__device__ Walk walk_block(const unsigned char* __restrict__ bytes, const Stream& stream,
                           u32 block, u32 state, const u32* __restrict__ table,
                           u32* __restrict__ events) {
    const u32 end = block_end(block, stream);
    u32 count = 0;
    u32 run_action = 0xffffffffu;
    u32 run_len = 0;
    for (u32 i = block * BLOCK_BYTES; i < end; ++i) {
        const u32 found = entry(table, state, bytes[i]);
        const u32 action = found >> 8;
        state = found & 0xffu;
        if (action == run_action && is_run(action)) {
            ++run_len;
            continue;
        }
        if (run_len > 0) {
            if (events != nullptr) {
                events[count] = (run_action << 16) | run_len;
            }
            ++count;
        }
        run_action = action;
        run_len = 1;
    }
    if (run_len > 0) {
        if (events != nullptr) {
            events[count] = (run_action << 16) | run_len;
        }
        ++count;
    }
    return Walk{count, state};
}

extern "C" __global__ void __launch_bounds__(BLOCK_THREADS)
block_functions(const unsigned char* __restrict__ bytes, const u32* __restrict__ block_stream,
                const Stream* __restrict__ streams, const u32* __restrict__ table,
                const u64* __restrict__ functions, u64* function_scan, u32 blocks,
                u32 next_offset) {
    const u32 block = blockIdx.x * BLOCK_THREADS + threadIdx.x;
    u64 value = IDENTITY_FUNCTION;
    if (block < blocks) {
        value = block_function(bytes, streams[block_stream[block]], block, table, functions);
    }
    scan_level<ComposeFunctions>(function_scan, 0u, blocks, next_offset, value);
}

extern "C" __global__ void __launch_bounds__(BLOCK_THREADS)
scan_function_level(u64* function_scan, u32 offset, u32 count, u32 next_offset) {
    const u32 index = blockIdx.x * BLOCK_THREADS + threadIdx.x;
    const u64 value = index < count ? function_scan[offset + index] : IDENTITY_FUNCTION;
    scan_level<ComposeFunctions>(function_scan, offset, count, next_offset, value);
}

extern "C" __global__ void __launch_bounds__(BLOCK_THREADS)
add_function_level(u64* function_scan, u32 offset, u32 count, u32 next_offset) {
    add_level<ComposeFunctions>(function_scan, offset, count, next_offset);
}

extern "C" __global__ void __launch_bounds__(BLOCK_THREADS)
block_counts(const unsigned char* __restrict__ bytes, const u32* __restrict__ block_stream,
             const Stream* __restrict__ streams, const u32* __restrict__ table,
             const u64* __restrict__ function_scan, u32* count_scan, u32 blocks,
             u32 next_offset) {
    const u32 block = blockIdx.x * BLOCK_THREADS + threadIdx.x;
    u32 value = 0;
    if (block < blocks) {
        const Stream stream = streams[block_stream[block]];
        const u32 state = block_start_state(function_scan, stream, block);
        value = walk_block(bytes, stream, block, state, table, nullptr).count;
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

// `stream_out` holds per stream: first event, one past the last event, end state.
extern "C" __global__ void __launch_bounds__(BLOCK_THREADS)
block_events(const unsigned char* __restrict__ bytes, const u32* __restrict__ block_stream,
             const Stream* __restrict__ streams, const u32* __restrict__ table,
             const u64* __restrict__ function_scan, const u32* __restrict__ count_scan,
             u32* __restrict__ events, u32* __restrict__ stream_out, u32 blocks) {
    const u32 block = blockIdx.x * BLOCK_THREADS + threadIdx.x;
    if (block >= blocks) {
        return;
    }
    const u32 at = block > 0 ? count_scan[block - 1u] : 0u;
    const u32 index = block_stream[block];
    const Stream stream = streams[index];
    const u32 state = block_start_state(function_scan, stream, block);
    const Walk walk = walk_block(bytes, stream, block, state, table, events + at);
    if (block == stream.first_block) {
        stream_out[3u * index] = at;
    }
    if (block == (stream.offset + stream.len - 1u) / BLOCK_BYTES) {
        stream_out[3u * index + 1u] = at + walk.count;
        stream_out[3u * index + 2u] = walk.state;
    }
}
