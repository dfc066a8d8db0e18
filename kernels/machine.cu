// What every pass reads the batch and the state machine through: the launch's buffers as
// plain pointers, byte access, table lookups, transition-function algebra (14 nibbles in a
// u64), block functions and the last ESC before a byte. Every function is
// `__host__ __device__` and depends only on its pointers and the generated constants, so
// that the same code also compiles as host C++ (the host emulation in
// src/backend/cuda/host_emulation.rs).

typedef unsigned int u32;
typedef unsigned long long u64;

// One stream's share of the batch. `offset` is a multiple of BLOCK_BYTES, so a block never
// holds bytes of two streams. `carry_at` is the word of `input` where the state the stream
// carries from its last batch begins (layout: the CARRY_* constants).
struct Stream {
    u32 offset;
    u32 len;
    u32 start_state;
    u32 first_block;
    u32 carry_at;
    u32 unused_a;
    u32 unused_b;
    u32 unused_c;
};

// A scanned element: the transition function up to a block's end, and one past the
// position of the last ESC at or before it (0 for none).
struct ScannedFunction {
    u64 function;
    u32 last_escape;
    u32 unused;
};

// The buffers of one launch, read-only to the walk.
struct Batch {
    // The stream bytes, four per word, little-endian, then each stream's carried state.
    const u32* input;
    // The stream each block belongs to.
    const u32* block_stream;
    const Stream* streams;
    // `next | action << 8` at `state * 256 + byte`.
    const u32* table;
    // Each byte's transition function.
    const u64* functions;
    // Per block, scanned (filled by the first pass; read by the later ones).
    const ScannedFunction* function_scan;
};

__host__ __device__ __forceinline__ u32 min_u32(u32 a, u32 b) {
    return a < b ? a : b;
}

__host__ __device__ __forceinline__ u32 max_u32(u32 a, u32 b) {
    return a > b ? a : b;
}

__host__ __device__ __forceinline__ u32 byte_at(const Batch& batch, u32 index) {
    return (batch.input[index >> 2] >> ((index & 3u) * 8u)) & 0xffu;
}

// `next | action << 8` for `byte` in `state`.
__host__ __device__ __forceinline__ u32 entry(const Batch& batch, u32 state, u32 byte) {
    return batch.table[state * 256u + byte];
}

__host__ __device__ __forceinline__ u32 next_state(const Batch& batch, u32 state, u32 byte) {
    return entry(batch, state, byte) & 0xffu;
}

// Where `f` sends state `s`.
__host__ __device__ __forceinline__ u32 apply_function(u64 f, u32 s) {
    return (u32)(f >> (4u * s)) & 0xfu;
}

// "First `first`, then `then`".
__host__ __device__ __forceinline__ u64 compose(u64 first, u64 then) {
    u64 out = 0;
#pragma unroll
    for (u32 s = 0; s < STATE_COUNT; ++s) {
        out |= (u64)apply_function(then, apply_function(first, s)) << (4u * s);
    }
    return out;
}

// The scan's operation: composition (not commutative, so the earlier operand always goes
// first) and the later of the ESC positions.
__host__ __device__ __forceinline__ ScannedFunction combine_functions(ScannedFunction earlier,
                                                                      ScannedFunction later) {
    ScannedFunction out;
    out.function = compose(earlier.function, later.function);
    out.last_escape = max_u32(earlier.last_escape, later.last_escape);
    out.unused = 0u;
    return out;
}

__host__ __device__ __forceinline__ ScannedFunction scanned(u64 function, u32 last_escape) {
    ScannedFunction out;
    out.function = function;
    out.last_escape = last_escape;
    out.unused = 0u;
    return out;
}

// The function sending every state to `s`.
__host__ __device__ __forceinline__ u64 constant_function(u32 s) {
    return (u64)s * ONE_IN_EVERY_STATE;
}

__host__ __device__ __forceinline__ bool is_reset(u32 byte) {
    return byte == 0x18u || byte == 0x1au || byte == 0x1bu;
}

__host__ __device__ __forceinline__ u32 block_end(u32 block, const Stream& stream) {
    return min_u32((block + 1u) * BLOCK_BYTES, stream.offset + stream.len);
}

// The transition function of one block, and one past its last ESC. After the last ESC,
// CAN or SUB of a block every state has gone to the same one, so only the bytes after it
// need composing.
__host__ __device__ ScannedFunction block_function(const Batch& batch, u32 block) {
    const Stream stream = batch.streams[batch.block_stream[block]];
    const u32 start = block * BLOCK_BYTES;
    const u32 end = block_end(block, stream);
    u32 last_reset = end;
    u32 last_escape = 0u;
    for (u32 i = start; i < end; ++i) {
        const u32 byte = byte_at(batch, i);
        if (is_reset(byte)) {
            last_reset = i;
            if (byte == 0x1bu) {
                last_escape = i + 1u;
            }
        }
    }
    if (block == stream.first_block) {
        u32 state = stream.start_state;
        for (u32 i = start; i < end; ++i) {
            state = next_state(batch, state, byte_at(batch, i));
        }
        return scanned(constant_function(state), last_escape);
    }
    if (last_reset < end) {
        u32 state = next_state(batch, 0u, byte_at(batch, last_reset));
        for (u32 i = last_reset + 1u; i < end; ++i) {
            state = next_state(batch, state, byte_at(batch, i));
        }
        return scanned(constant_function(state), last_escape);
    }
    u64 f = IDENTITY_FUNCTION;
    for (u32 i = start; i < end; ++i) {
        f = compose(f, batch.functions[byte_at(batch, i)]);
    }
    return scanned(f, last_escape);
}

__host__ __device__ __forceinline__ u32 block_start_state(const Batch& batch, u32 block,
                                                          const Stream& stream) {
    if (block == stream.first_block) {
        return stream.start_state;
    }
    // The scanned function up to the previous block starts at the stream's first block,
    // whose function is constant: it sends any state to the right one.
    return apply_function(batch.function_scan[block - 1u].function, 0u);
}

// The state before byte `position` of `stream`, walked from its block's start.
__host__ __device__ u32 state_before(const Batch& batch, u32 position, const Stream& stream) {
    const u32 block = position / BLOCK_BYTES;
    u32 state = block_start_state(batch, block, stream);
    for (u32 i = block * BLOCK_BYTES; i < position; ++i) {
        state = next_state(batch, state, byte_at(batch, i));
    }
    return state;
}

// One past the position of the last ESC of `stream` before `position`; 0 when there is
// none in this batch (the sequence then began in an earlier one).
__host__ __device__ u32 last_escape_before(const Batch& batch, u32 position,
                                           const Stream& stream) {
    if (position <= stream.offset) {
        return 0u;
    }
    const u32 block = (position - 1u) / BLOCK_BYTES;
    for (u32 i = position; i > block * BLOCK_BYTES; --i) {
        if (byte_at(batch, i - 1u) == 0x1bu) {
            return i;
        }
    }
    if (block == stream.first_block) {
        return 0u;
    }
    // The scan holds the last ESC of every stream before; only this stream's counts.
    const u32 found = batch.function_scan[block - 1u].last_escape;
    return found > stream.offset ? found : 0u;
}
