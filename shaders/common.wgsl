// Shared by every pass of the parse: bindings, byte access, the state machine lookups and
// transition-function algebra. The constants it uses (block and workgroup sizes, state,
// action and record codes, limits, the carry layout, IDENTITY, MACHINE_FUNCTIONS_AT) are
// generated from the Rust sources and prepended at start-up, so this file never holds a
// copy of the table.

// One stream's share of the batch. `offset` is a multiple of BLOCK_BYTES, so a block never
// holds bytes of two streams. `carry_at` is the word in `input_bytes` where the state the
// stream carries from its last batch begins (layout: the CARRY_* constants).
struct Stream {
    offset: u32,
    len: u32,
    start_state: u32,
    first_block: u32,
    carry_at: u32,
    unused_a: u32,
    unused_b: u32,
    unused_c: u32,
}

// One level of the multi-level scans: `count` elements at `offset`, each workgroup's total
// going to `next_offset + workgroup`.
struct Level {
    offset: u32,
    count: u32,
    next_offset: u32,
    unused: u32,
}

// The batch's bytes, four per word, little-endian, then each stream's carried state.
@group(0) @binding(0) var<storage, read> input_bytes: array<u32>;
// The stream each block belongs to.
@group(0) @binding(1) var<storage, read> block_stream: array<u32>;
@group(0) @binding(2) var<storage, read> streams: array<Stream>;
// The packed table (`next | action << 8` at `state * 256 + byte`), then from
// MACHINE_FUNCTIONS_AT the 256 transition functions as two words each.
@group(0) @binding(3) var<storage, read> machine: array<u32>;
// Per block, scanned: the transition function up to the block's end (xy) and one past the
// position of the last ESC at or before it (z, 0 for none).
@group(0) @binding(4) var<storage, read_write> function_scan: array<vec4<u32>>;
// Scanned block record sizes in words, same levels.
@group(0) @binding(5) var<storage, read_write> count_scan: array<u32>;
// The records of every block, back to back; a stream's last block follows its records
// with the state the stream carries into its next batch.
@group(0) @binding(6) var<storage, read_write> records: array<u32>;
// Per stream, in words of `records`: first record, start of the carried state, end; then
// the state after the last byte.
@group(0) @binding(7) var<storage, read_write> stream_out: array<u32>;
@group(0) @binding(8) var<uniform> level: Level;

fn byte_at(index: u32) -> u32 {
    return (input_bytes[index >> 2u] >> ((index & 3u) * 8u)) & 0xffu;
}

// `next | action << 8` for `byte` in `state`.
fn entry(state: u32, byte: u32) -> u32 {
    return machine[state * 256u + byte];
}

fn byte_function(byte: u32) -> vec2<u32> {
    let at = MACHINE_FUNCTIONS_AT + 2u * byte;
    return vec2<u32>(machine[at], machine[at + 1u]);
}

// Where function `f` sends state `s`: nibbles 0-7 in x, 8-13 in y.
fn apply_function(f: vec2<u32>, s: u32) -> u32 {
    if s < 8u {
        return (f.x >> (4u * s)) & 0xfu;
    }
    return (f.y >> (4u * (s - 8u))) & 0xfu;
}

// "First `first`, then `then`".
fn compose(first: vec2<u32>, then: vec2<u32>) -> vec2<u32> {
    var out = vec2<u32>(0u, 0u);
    for (var s = 0u; s < 8u; s++) {
        out.x |= apply_function(then, apply_function(first, s)) << (4u * s);
    }
    for (var s = 8u; s < STATE_COUNT; s++) {
        out.y |= apply_function(then, apply_function(first, s)) << (4u * (s - 8u));
    }
    return out;
}

// A scanned element: composition of the functions, the later of the ESC positions.
fn combine(first: vec4<u32>, then: vec4<u32>) -> vec4<u32> {
    return vec4<u32>(compose(first.xy, then.xy), max(first.z, then.z), 0u);
}

// The function sending every state to `s`.
fn constant_function(s: u32) -> vec2<u32> {
    return vec2<u32>(s * 0x11111111u, s * 0x00111111u);
}

fn is_reset(byte: u32) -> bool {
    return byte == 0x18u || byte == 0x1au || byte == 0x1bu;
}

fn block_end(block: u32, stream: Stream) -> u32 {
    return min((block + 1u) * BLOCK_BYTES, stream.offset + stream.len);
}

fn block_start_state(block: u32, stream: Stream) -> u32 {
    if block == stream.first_block {
        return stream.start_state;
    }
    // The scanned function up to the previous block starts at the stream's first block,
    // whose function is constant: it sends any state to the right one.
    return apply_function(function_scan[block - 1u].xy, 0u);
}

// The state before byte `position` of `stream`, walked from its block's start.
fn state_before(position: u32, stream: Stream) -> u32 {
    let block = position / BLOCK_BYTES;
    var state = block_start_state(block, stream);
    for (var i = block * BLOCK_BYTES; i < position; i++) {
        state = entry(state, byte_at(i)) & 0xffu;
    }
    return state;
}

// One past the position of the last ESC of `stream` before `position`; 0 when there is
// none in this batch (the sequence then began in an earlier one).
fn last_escape_before(position: u32, stream: Stream) -> u32 {
    if position <= stream.offset {
        return 0u;
    }
    let block = (position - 1u) / BLOCK_BYTES;
    for (var i = position; i > block * BLOCK_BYTES; i--) {
        if byte_at(i - 1u) == 0x1bu {
            return i;
        }
    }
    if block == stream.first_block {
        return 0u;
    }
    // The scan holds the last ESC of every stream before; only this stream's count.
    let scanned = function_scan[block - 1u].z;
    if scanned > stream.offset {
        return scanned;
    }
    return 0u;
}
