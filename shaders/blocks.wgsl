// The per-block passes: one invocation per BLOCK_BYTES bytes of one stream.
//
// 1. block_functions: the block's transition function (a constant function for a stream's
//    first block, which starts from the carried state), scanned within the workgroup;
// 2. block_counts: from the block's start state (read off the scanned functions), every
//    byte's state and action; the number of events, scanned within the workgroup;
// 3. block_events: the same walk again, writing the events at the block's offset in the
//    compacted output.

// The transition function of one block. After the last ESC, CAN or SUB of a block every
// state has gone to the same one, so only the bytes after it need composing.
fn block_function(block: u32) -> vec2<u32> {
    let stream = streams[block_stream[block]];
    let start = block * BLOCK_BYTES;
    let end = block_end(block, stream);
    if block == stream.first_block {
        var state = stream.start_state;
        for (var i = start; i < end; i++) {
            state = entry(state, byte_at(i)) & 0xffu;
        }
        return constant_function(state);
    }
    var last_reset = end;
    for (var i = start; i < end; i++) {
        if is_reset(byte_at(i)) {
            last_reset = i;
        }
    }
    if last_reset < end {
        var state = entry(0u, byte_at(last_reset)) & 0xffu;
        for (var i = last_reset + 1u; i < end; i++) {
            state = entry(state, byte_at(i)) & 0xffu;
        }
        return constant_function(state);
    }
    var f = IDENTITY;
    for (var i = start; i < end; i++) {
        f = compose(f, byte_function(byte_at(i)));
    }
    return f;
}

fn block_start_state(block: u32, stream: Stream) -> u32 {
    if block == stream.first_block {
        return stream.start_state;
    }
    // The scanned function up to the previous block starts at the stream's first block,
    // whose function is constant: it sends any state to the right one.
    return apply_function(function_scan[block - 1u], 0u);
}

struct Walk {
    count: u32,
    state: u32,
}

// Walks one block; writes its events from `at` when `write` is set.
fn walk_block(block: u32, write: bool, at: u32) -> Walk {
    let stream = streams[block_stream[block]];
    var state = block_start_state(block, stream);
    let end = block_end(block, stream);
    var count = 0u;
    var run_action = 0xffffffffu;
    var run_len = 0u;
    for (var i = block * BLOCK_BYTES; i < end; i++) {
        let found = entry(state, byte_at(i));
        let action = found >> 8u;
        state = found & 0xffu;
        if action == run_action && is_run(action) {
            run_len += 1u;
            continue;
        }
        if run_len > 0u {
            if write {
                events[at + count] = (run_action << 16u) | run_len;
            }
            count += 1u;
        }
        run_action = action;
        run_len = 1u;
    }
    if run_len > 0u {
        if write {
            events[at + count] = (run_action << 16u) | run_len;
        }
        count += 1u;
    }
    return Walk(count, state);
}

@compute @workgroup_size(WORKGROUP)
fn block_functions(
    @builtin(global_invocation_id) global: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
    @builtin(workgroup_id) group: vec3<u32>,
) {
    let block = global.x;
    var value = IDENTITY;
    if block < level.count {
        value = block_function(block);
    }
    let scanned = scan_functions(local.x, value);
    if block < level.count {
        function_scan[block] = scanned;
    }
    if local.x == WORKGROUP - 1u {
        function_scan[level.next_offset + group.x] = scanned;
    }
}

@compute @workgroup_size(WORKGROUP)
fn block_counts(
    @builtin(global_invocation_id) global: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
    @builtin(workgroup_id) group: vec3<u32>,
) {
    let block = global.x;
    var value = 0u;
    if block < level.count {
        value = walk_block(block, false, 0u).count;
    }
    let scanned = scan_counts(local.x, value);
    if block < level.count {
        count_scan[block] = scanned;
    }
    if local.x == WORKGROUP - 1u {
        count_scan[level.next_offset + group.x] = scanned;
    }
}

@compute @workgroup_size(WORKGROUP)
fn block_events(@builtin(global_invocation_id) global: vec3<u32>) {
    let block = global.x;
    if block >= level.count {
        return;
    }
    var at = 0u;
    if block > 0u {
        at = count_scan[block - 1u];
    }
    let walk = walk_block(block, true, at);
    let index = block_stream[block];
    let stream = streams[index];
    if block == stream.first_block {
        stream_out[3u * index] = at;
    }
    if block == (stream.offset + stream.len - 1u) / BLOCK_BYTES {
        stream_out[3u * index + 1u] = at + walk.count;
        stream_out[3u * index + 2u] = walk.state;
    }
}
