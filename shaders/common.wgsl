// Shared by every pass of the parse: bindings, byte access, the state machine lookups and
// transition-function algebra. The constants it uses (BLOCK_BYTES, WORKGROUP, action codes,
// IDENTITY, MACHINE_FUNCTIONS_AT) are generated from the Rust state table and prepended at
// start-up, so this file never holds a copy of the table.

// One stream's share of the batch. `offset` is a multiple of BLOCK_BYTES, so a block never
// holds bytes of two streams.
struct Stream {
    offset: u32,
    len: u32,
    start_state: u32,
    first_block: u32,
}

// One level of the multi-level scans: `count` elements at `offset`, each workgroup's total
// going to `next_offset + workgroup`.
struct Level {
    offset: u32,
    count: u32,
    next_offset: u32,
    unused: u32,
}

// The batch's bytes, four per word, little-endian.
@group(0) @binding(0) var<storage, read> input_bytes: array<u32>;
// The stream each block belongs to.
@group(0) @binding(1) var<storage, read> block_stream: array<u32>;
@group(0) @binding(2) var<storage, read> streams: array<Stream>;
// The packed table (`next | action << 8` at `state * 256 + byte`), then from
// MACHINE_FUNCTIONS_AT the 256 transition functions as two words each.
@group(0) @binding(3) var<storage, read> machine: array<u32>;
// Scanned block transition functions, level after level.
@group(0) @binding(4) var<storage, read_write> function_scan: array<vec2<u32>>;
// Scanned block event counts, same levels.
@group(0) @binding(5) var<storage, read_write> count_scan: array<u32>;
// Compacted events: `action << 16 | length`, covering every byte of every stream.
@group(0) @binding(6) var<storage, read_write> events: array<u32>;
// Per stream: first event, one past the last event, state after the last byte.
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

// The function sending every state to `s`.
fn constant_function(s: u32) -> vec2<u32> {
    return vec2<u32>(s * 0x11111111u, s * 0x00111111u);
}

fn is_reset(byte: u32) -> bool {
    return byte == 0x18u || byte == 0x1au || byte == 0x1bu;
}

// Runs of these actions collapse into one event.
fn is_run(action: u32) -> bool {
    return action == ACTION_IGNORE || action == ACTION_GROUND || action == ACTION_PUT
        || action == ACTION_OSC_PUT;
}

fn block_end(block: u32, stream: Stream) -> u32 {
    return min((block + 1u) * BLOCK_BYTES, stream.offset + stream.len);
}
