// Building span records (the layout of src/parse/record.rs) on the device: one invocation
// writes its block's records as words from `writer_at`, or only counts them. Text and put
// runs stay open while they grow; a record that needs its sequence (CSI, ESC, DCS hook,
// OSC) folds the bytes since the sequence's ESC, or since the batch start on top of the
// state carried from the last batch.

// ---- The writer.

var<private> writer_write: bool;
var<private> writer_at: u32;
var<private> pending: u32;
var<private> pending_len: u32;
var<private> run_kind: u32;
var<private> run_header: u32;
var<private> run_len: u32;

fn writer_start(write: bool, at: u32) {
    writer_write = write;
    writer_at = at;
    pending = 0u;
    pending_len = 0u;
    run_kind = 0u;
    run_len = 0u;
}

fn put_word(word: u32) {
    if writer_write {
        records[writer_at] = word;
    }
    writer_at += 1u;
}

fn put_byte(byte: u32) {
    pending |= byte << (8u * pending_len);
    pending_len += 1u;
    if pending_len == 4u {
        put_word(pending);
        pending = 0u;
        pending_len = 0u;
    }
}

// Pads the bytes written so far with zeros to a whole word.
fn pad_word() {
    if pending_len > 0u {
        put_word(pending);
        pending = 0u;
        pending_len = 0u;
    }
}

// Ends the open run: its header, left blank while it grew, gets the length.
fn close_run() {
    if run_kind != 0u {
        pad_word();
        if writer_write {
            records[run_header] = run_kind | (run_len << 16u);
        }
        run_kind = 0u;
    }
}

// A record with a fixed body that the caller writes next.
fn record(kind: u32, aux: u32, body_len: u32) {
    close_run();
    put_word(kind | (aux << 8u) | (body_len << 16u));
}

// Makes room for `len` more bytes in a run of `kind`, starting one when needed.
fn open_run(kind: u32, len: u32) {
    if run_kind == kind && run_len + len <= MAX_RUN_BODY {
        return;
    }
    close_run();
    run_header = writer_at;
    put_word(0u);
    run_kind = kind;
    run_len = 0u;
}

fn run_byte(byte: u32) {
    put_byte(byte);
    run_len += 1u;
}

fn put_run_byte(byte: u32) {
    open_run(RECORD_PUT, 1u);
    run_byte(byte);
}

fn replacement_character() {
    open_run(RECORD_TEXT, 3u);
    run_byte(0xefu);
    run_byte(0xbfu);
    run_byte(0xbdu);
}

// ---- Ground text: UTF-8 with vte's rules. Each unit (a character, an invalid prefix, a
// lone byte) is decided by its lead byte and at most three bytes after it, so every block
// decodes the units that begin in it, reading past its end where one runs on.

// The incomplete character carried from the stream's last batch, in front of its bytes.
var<private> carried_len: u32;
var<private> carried_bytes: u32;

fn load_carried_partial(stream: Stream) {
    carried_len = input_bytes[stream.carry_at + CARRY_PARTIAL_LEN];
    carried_bytes = input_bytes[stream.carry_at + CARRY_PARTIAL];
}

// Byte `v` of the stream's bytes with the carried partial character in front.
fn unit_byte(stream: Stream, v: u32) -> u32 {
    if v < carried_len {
        return (carried_bytes >> (8u * v)) & 0xffu;
    }
    return byte_at(stream.offset + v - carried_len);
}

fn is_continuation(byte: u32) -> bool {
    return byte >= 0x80u && byte <= 0xbfu;
}

// Bytes a character led by `lead` needs; 1 for ASCII and for bytes that lead nothing.
fn utf8_need(lead: u32) -> u32 {
    if lead >= 0xc2u && lead <= 0xdfu {
        return 2u;
    }
    if lead >= 0xe0u && lead <= 0xefu {
        return 3u;
    }
    if lead >= 0xf0u && lead <= 0xf4u {
        return 4u;
    }
    return 1u;
}

// Whether `byte` can be byte `k` (1-3) of a character led by `lead`: the ranges that keep
// out overlong forms, surrogates and code points past U+10FFFF, as `str::from_utf8` has.
fn utf8_continues(lead: u32, k: u32, byte: u32) -> bool {
    var low = 0x80u;
    var high = 0xbfu;
    if k == 1u {
        if lead == 0xe0u {
            low = 0xa0u;
        } else if lead == 0xedu {
            high = 0x9fu;
        } else if lead == 0xf0u {
            low = 0x90u;
        } else if lead == 0xf4u {
            high = 0x8fu;
        }
    }
    return byte >= low && byte <= high;
}

// Length of the valid prefix of the unit led at `v`: the whole character when complete.
fn utf8_valid(stream: Stream, v: u32) -> u32 {
    let end = stream.len + carried_len;
    let lead = unit_byte(stream, v);
    let need = utf8_need(lead);
    var valid = 1u;
    while valid < need && v + valid < end && utf8_continues(lead, valid, unit_byte(stream, v + valid)) {
        valid += 1u;
    }
    return valid;
}

// Decodes the unit led at `v`: prints it, executes a C0 or C1 control, or prints U+FFFD
// for an invalid prefix (one cut short by ESC too). A character the batch ends inside is
// left to the carried state. Returns the bytes the unit covers.
fn ground_unit(stream: Stream, v: u32) -> u32 {
    let lead = unit_byte(stream, v);
    if lead >= 0x20u && lead < 0x80u {
        open_run(RECORD_TEXT, 1u);
        run_byte(lead);
        return 1u;
    }
    let need = utf8_need(lead);
    if need == 1u {
        if lead < 0x20u || (lead >= 0x80u && lead <= 0x9fu) {
            record(RECORD_EXECUTE, lead, 0u);
        } else {
            replacement_character();
        }
        return 1u;
    }
    let valid = utf8_valid(stream, v);
    if valid == need {
        let second = unit_byte(stream, v + 1u);
        if lead == 0xc2u && second <= 0x9fu {
            record(RECORD_EXECUTE, second, 0u);
            return 2u;
        }
        open_run(RECORD_TEXT, need);
        for (var k = 0u; k < need; k++) {
            run_byte(unit_byte(stream, v + k));
        }
        return need;
    }
    if v + valid < stream.len + carried_len {
        replacement_character();
    }
    return valid;
}

// Whether the lead byte at `lead_at` was read in ground, given that the state before
// `until` is ground and every byte between is a continuation byte. Such bytes leave every
// state as it is, except 0x9c, which ends a DCS string: only then is a walk needed.
fn lead_in_ground(lead_at: u32, until: u32, stream: Stream) -> bool {
    for (var i = lead_at + 1u; i < until; i++) {
        if byte_at(i) == 0x9cu {
            return state_before(lead_at, stream) == STATE_GROUND;
        }
    }
    return true;
}

// Where the character that began in the previous block and runs into this one ends;
// `start` when none does. The block starts in ground.
fn covered_at_block_start(start: u32, stream: Stream) -> u32 {
    if !is_continuation(byte_at(start)) {
        return start;
    }
    for (var back = 1u; back <= 3u; back++) {
        let lead_at = start - back;
        let byte = byte_at(lead_at);
        if is_continuation(byte) {
            continue;
        }
        if utf8_need(byte) == 1u || !lead_in_ground(lead_at, start, stream) {
            return start;
        }
        return max(start, lead_at + utf8_valid(stream, lead_at - stream.offset + carried_len));
    }
    return start;
}

// ---- Sequences: parameters, intermediates and the ignore flag, as vte collects them.

var<private> parameters: array<u32, MAX_PARAMS>;
var<private> parameter_count: u32;
// Bit k: value k is followed by a subparameter of the same group.
var<private> continues: u32;
// The parameter being read, saturating at 0xffff.
var<private> parameter: u32;
var<private> intermediates: u32;
var<private> intermediate_count: u32;
var<private> ignore: u32;

fn sequence_clear() {
    parameter_count = 0u;
    continues = 0u;
    parameter = 0u;
    intermediates = 0u;
    intermediate_count = 0u;
    ignore = 0u;
}

// `ignore`, the intermediate count and the two intermediates: a record's sequence header.
fn sequence_header() -> u32 {
    return ignore | (intermediate_count << 8u) | (intermediates << 16u);
}

fn sequence_load(stream: Stream) {
    let at = stream.carry_at;
    parameter = input_bytes[at + CARRY_PARAM];
    parameter_count = min(input_bytes[at + CARRY_PARAM_COUNT], MAX_PARAMS);
    continues = input_bytes[at + CARRY_CONTINUES];
    let header = input_bytes[at + CARRY_SEQUENCE_HEADER];
    ignore = header & 0xffu;
    intermediate_count = min((header >> 8u) & 0xffu, MAX_INTERMEDIATES);
    intermediates = header >> 16u;
    for (var k = 0u; k < MAX_PARAMS; k++) {
        parameters[k] = (input_bytes[at + CARRY_PARAMS + k / 2u] >> (16u * (k % 2u))) & 0xffffu;
    }
}

// `;` (`subparameter` false) or `:` (true) ends the parameter being read.
fn sequence_separator(subparameter: bool) {
    if parameter_count == MAX_PARAMS {
        ignore = 1u;
    } else {
        parameters[parameter_count] = parameter;
        if subparameter {
            continues |= 1u << parameter_count;
        }
        parameter_count += 1u;
    }
    parameter = 0u;
}

// Folds the sequence that `position` dispatches (or that is open there) into the
// sequence variables.
fn fold_sequence(position: u32, stream: Stream) {
    let escape = last_escape_before(position, stream);
    var state = STATE_ESCAPE;
    var i = escape;
    if escape == 0u {
        sequence_load(stream);
        state = stream.start_state;
        i = stream.offset;
    } else {
        sequence_clear();
    }
    for (; i < position; i++) {
        let byte = byte_at(i);
        let found = entry(state, byte);
        let action = found >> 8u;
        state = found & 0xffu;
        if action == ACTION_CLEAR {
            sequence_clear();
        } else if action == ACTION_COLLECT {
            if intermediate_count == MAX_INTERMEDIATES {
                ignore = 1u;
            } else {
                intermediates |= byte << (8u * intermediate_count);
                intermediate_count += 1u;
            }
        } else if action == ACTION_PARAM {
            parameter = min(parameter * 10u + byte - 0x30u, 0xffffu);
        } else if action == ACTION_PARAM_SEPARATOR {
            sequence_separator(false);
        } else if action == ACTION_SUBPARAM_SEPARATOR {
            sequence_separator(true);
        }
    }
}

fn write_escape(final_byte: u32) {
    record(RECORD_ESC, final_byte, 4u);
    put_word(sequence_header());
}

// A CSI or DCS hook record: the last parameter is closed first, as vte does at dispatch.
fn write_parameters(kind: u32, final_byte: u32) {
    sequence_separator(false);
    record(kind, final_byte, 4u + 4u * parameter_count);
    put_word(sequence_header());
    for (var k = 0u; k < parameter_count; k++) {
        put_word(parameters[k] | (((continues >> k) & 1u) << 16u));
    }
}

// ---- OSC strings: the payload (capped) and where each parameter ends.

var<private> osc_count: u32;
var<private> osc_len: u32;
var<private> osc_ends: array<u32, MAX_OSC_PARAMS>;

// Whether all four bytes of `word` are OSC payload inside an OSC string: none below 0x20
// (a terminator or an ignored control) and none a `;` separator.
fn plain_payload(word: u32) -> bool {
    let below_space = (word - 0x20202020u) & ~word & 0x80808080u;
    let semicolons = word ^ 0x3b3b3b3bu;
    let has_semicolon = (semicolons - 0x01010101u) & ~semicolons & 0x80808080u;
    return below_space == 0u && has_semicolon == 0u;
}

// Four bytes at once, after whatever bytes are pending.
fn put_four(word: u32) {
    if pending_len == 0u {
        put_word(word);
    } else {
        put_word(pending | (word << (8u * pending_len)));
        pending = word >> (32u - 8u * pending_len);
    }
}

// Folds the OSC string that `position` ends (or that is open there); `copy` writes its
// payload bytes as well. Once the string stops accepting bytes nothing changes, so the
// walk stops there. Plain payload goes four bytes a step: besides being faster, this keeps
// a whole capped string within the 65,535 loop iterations that llvmpipe (lavapipe) allows
// one invocation.
fn fold_osc(position: u32, stream: Stream, copy: bool) {
    let escape = last_escape_before(position, stream);
    var state = STATE_ESCAPE;
    var i = escape;
    osc_count = 0u;
    osc_len = 0u;
    if escape == 0u {
        state = stream.start_state;
        i = stream.offset;
        let at = stream.carry_at;
        osc_count = min(input_bytes[at + CARRY_OSC_COUNT], MAX_OSC_PARAMS);
        osc_len = min(input_bytes[at + CARRY_OSC_LEN], OSC_PAYLOAD_CAP);
        for (var k = 0u; k < MAX_OSC_PARAMS; k++) {
            osc_ends[k] = input_bytes[at + CARRY_OSC_ENDS + k];
        }
        if copy {
            // The payload starts a word in both places it is copied to.
            let payload_at = at + CARRY_FIXED_WORDS;
            for (var k = 0u; k < osc_len / 4u; k++) {
                put_word(input_bytes[payload_at + k]);
            }
            for (var k = osc_len & ~3u; k < osc_len; k++) {
                put_byte((input_bytes[payload_at + k / 4u] >> (8u * (k % 4u))) & 0xffu);
            }
        }
    }
    loop {
        if i >= position || osc_count == MAX_OSC_PARAMS || osc_len == OSC_PAYLOAD_CAP {
            break;
        }
        if state == STATE_OSC_STRING && (i & 3u) == 0u && i + 4u <= position
            && osc_len + 4u <= OSC_PAYLOAD_CAP {
            let word = input_bytes[i >> 2u];
            if plain_payload(word) {
                if copy {
                    put_four(word);
                }
                osc_len += 4u;
                i += 4u;
                continue;
            }
        }
        let byte = byte_at(i);
        let found = entry(state, byte);
        let action = found >> 8u;
        state = found & 0xffu;
        if action == ACTION_OSC_START {
            osc_count = 0u;
            osc_len = 0u;
        } else if action == ACTION_OSC_PUT {
            if copy {
                put_byte(byte);
            }
            osc_len += 1u;
        } else if action == ACTION_OSC_SEPARATOR {
            osc_ends[osc_count] = osc_len;
            osc_count += 1u;
        }
        i += 1u;
    }
}

fn write_osc(position: u32, stream: Stream, bell: u32) {
    fold_osc(position, stream, false);
    if osc_count < MAX_OSC_PARAMS {
        osc_ends[osc_count] = osc_len;
        osc_count += 1u;
    }
    let table = 4u * ((osc_count + 1u) / 2u);
    record(RECORD_OSC, bell, 4u + table + osc_len);
    put_word(osc_count);
    for (var k = 0u; k < osc_count; k += 2u) {
        var high = 0u;
        if k + 1u < osc_count {
            high = osc_ends[k + 1u];
        }
        put_word(osc_ends[k] | (high << 16u));
    }
    fold_osc(position, stream, true);
    pad_word();
}

// ---- The state a stream carries into its next batch, written after its records.

fn write_carry(stream: Stream, state: u32) {
    var partial_len = 0u;
    var partial = 0u;
    let end = stream.len + carried_len;
    if state == STATE_GROUND {
        // The last unit, when the batch ends inside its character.
        for (var back = 1u; back <= min(3u, end); back++) {
            let v = end - back;
            let lead = unit_byte(stream, v);
            if is_continuation(lead) {
                continue;
            }
            let need = utf8_need(lead);
            var in_ground = true;
            if v >= carried_len {
                let lead_at = stream.offset + v - carried_len;
                in_ground = lead_in_ground(lead_at, stream.offset + stream.len, stream);
            }
            if need > 1u && in_ground && utf8_valid(stream, v) == back && back < need {
                partial_len = back;
                for (var k = 0u; k < back; k++) {
                    partial |= unit_byte(stream, v + k) << (8u * k);
                }
            }
            break;
        }
    }
    put_word(partial_len);
    put_word(partial);
    let stream_end = stream.offset + stream.len;
    let in_header = state >= STATE_ESCAPE && state <= STATE_DCS_INTERMEDIATE
        && state != STATE_CSI_IGNORE;
    if in_header {
        fold_sequence(stream_end, stream);
    } else {
        sequence_clear();
    }
    put_word(parameter);
    put_word(parameter_count);
    put_word(continues);
    put_word(sequence_header());
    let in_osc = state == STATE_OSC_STRING;
    if in_osc {
        fold_osc(stream_end, stream, false);
    } else {
        osc_count = 0u;
        osc_len = 0u;
    }
    put_word(osc_count);
    put_word(osc_len);
    for (var k = 0u; k < MAX_PARAMS; k += 2u) {
        var pair = 0u;
        if k < parameter_count {
            pair = parameters[k];
        }
        if k + 1u < parameter_count {
            pair |= parameters[k + 1u] << 16u;
        }
        put_word(pair);
    }
    for (var k = 0u; k < MAX_OSC_PARAMS; k++) {
        var value = 0u;
        if k < osc_count {
            value = osc_ends[k];
        }
        put_word(value);
    }
    if in_osc {
        fold_osc(stream_end, stream, true);
        pad_word();
    }
}
