// The per-block passes: one invocation per BLOCK_BYTES bytes of one stream.
//
// 1. block_functions: the block's transition function (a constant function for a stream's
//    first block, which starts from the carried state) and its last ESC, scanned within
//    the workgroup;
// 2. block_counts: from the block's start state (read off the scanned functions), every
//    byte's state and action, and the words of the records they make, scanned within the
//    workgroup;
// 3. block_records: the same walk again, writing the records at the block's offset.

// The transition function of one block, and one past its last ESC. After the last ESC,
// CAN or SUB of a block every state has gone to the same one, so only the bytes after it
// need composing.
fn block_function(block: u32) -> vec4<u32> {
    let stream = streams[block_stream[block]];
    let start = block * BLOCK_BYTES;
    let end = block_end(block, stream);
    var last_reset = end;
    var last_escape = 0u;
    for (var i = start; i < end; i++) {
        let byte = byte_at(i);
        if is_reset(byte) {
            last_reset = i;
            if byte == 0x1bu {
                last_escape = i + 1u;
            }
        }
    }
    if block == stream.first_block {
        var state = stream.start_state;
        for (var i = start; i < end; i++) {
            state = entry(state, byte_at(i)) & 0xffu;
        }
        return vec4<u32>(constant_function(state), last_escape, 0u);
    }
    if last_reset < end {
        var state = entry(0u, byte_at(last_reset)) & 0xffu;
        for (var i = last_reset + 1u; i < end; i++) {
            state = entry(state, byte_at(i)) & 0xffu;
        }
        return vec4<u32>(constant_function(state), last_escape, 0u);
    }
    var f = IDENTITY;
    for (var i = start; i < end; i++) {
        f = compose(f, byte_function(byte_at(i)));
    }
    return vec4<u32>(f, last_escape, 0u);
}

struct Walk {
    words: u32,
    state: u32,
    carry_at: u32,
}

// Walks one block, writing its records from word `at` when `write` is set; a stream's
// last block adds the state the stream carries on.
fn walk_block(block: u32, write: bool, at: u32) -> Walk {
    let stream = streams[block_stream[block]];
    load_carried_partial(stream);
    writer_start(write, at);
    let start = block * BLOCK_BYTES;
    let end = block_end(block, stream);
    let stream_end = stream.offset + stream.len;
    var state = block_start_state(block, stream);
    // Ground bytes before `covered` belong to a character that began before them.
    var covered = start;
    if block == stream.first_block {
        if carried_len > 0u {
            covered = stream.offset + ground_unit(stream, 0u) - carried_len;
        }
    } else if state == STATE_GROUND {
        covered = covered_at_block_start(start, stream);
    }
    for (var i = start; i < end; i++) {
        let byte = byte_at(i);
        let found = entry(state, byte);
        let action = found >> 8u;
        state = found & 0xffu;
        if action == ACTION_GROUND {
            if i >= covered {
                covered = i + ground_unit(stream, i - stream.offset + carried_len);
            }
        } else if action == ACTION_EXECUTE {
            record(RECORD_EXECUTE, byte, 0u);
        } else if action == ACTION_PUT {
            put_run_byte(byte);
        } else if action == ACTION_ESC_DISPATCH {
            fold_sequence(i, stream);
            write_escape(byte);
        } else if action == ACTION_CSI_DISPATCH {
            fold_sequence(i, stream);
            write_parameters(RECORD_CSI, byte);
        } else if action == ACTION_HOOK {
            fold_sequence(i, stream);
            write_parameters(RECORD_HOOK, byte);
        } else if action == ACTION_UNHOOK || action == ACTION_UNHOOK_CLEAR {
            record(RECORD_UNHOOK, 0u, 0u);
        } else if action == ACTION_UNHOOK_EXECUTE {
            record(RECORD_UNHOOK, 0u, 0u);
            record(RECORD_EXECUTE, byte, 0u);
        } else if action == ACTION_OSC_END_BELL {
            write_osc(i, stream, 1u);
        } else if action == ACTION_OSC_END_CLEAR {
            write_osc(i, stream, 0u);
        } else if action == ACTION_OSC_END_EXECUTE {
            write_osc(i, stream, 0u);
            record(RECORD_EXECUTE, byte, 0u);
        }
        // Clear, collect, parameters and OSC bytes make no record of their own: the
        // dispatch that ends their sequence folds them.
    }
    close_run();
    var carry_at = 0u;
    if end == stream_end {
        carry_at = writer_at;
        write_carry(stream, state);
    }
    return Walk(writer_at - at, state, carry_at);
}

@compute @workgroup_size(WORKGROUP)
fn block_functions(
    @builtin(global_invocation_id) global: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
    @builtin(workgroup_id) group: vec3<u32>,
) {
    let block = global.x;
    var value = SCAN_IDENTITY;
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
        value = walk_block(block, false, 0u).words;
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
fn block_records(@builtin(global_invocation_id) global: vec3<u32>) {
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
        stream_out[4u * index] = at;
    }
    if block_end(block, stream) == stream.offset + stream.len {
        stream_out[4u * index + 1u] = walk.carry_at;
        stream_out[4u * index + 2u] = at + walk.words;
        stream_out[4u * index + 3u] = walk.state;
    }
}
