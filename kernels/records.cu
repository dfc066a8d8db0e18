// Building span records (the layout of src/parse/record.rs): one thread writes its block's
// records as words from `at`, or only counts them. Text and put runs stay open while they
// grow; a record that needs its sequence (CSI, ESC, DCS hook, OSC) folds the bytes since
// the sequence's ESC, or since the batch start on top of the state carried from the last
// batch. A port of shaders/records.wgsl and the walk of shaders/blocks.wgsl; like
// machine.cu, everything is `__host__ __device__` over plain pointers.

// The walk of one block: the writer, the carried partial character, the sequence and the
// OSC string being folded.
struct RecordWalk {
    const Batch* batch;
    Stream stream;
    // Where the words go; null while only counting.
    u32* records;
    u32 at;
    u32 pending;
    u32 pending_len;
    u32 run_kind;
    u32 run_header;
    u32 run_len;
    // The incomplete character carried from the stream's last batch, in front of its bytes.
    u32 carried_len;
    u32 carried_bytes;
    u32 parameters[MAX_PARAMS];
    u32 parameter_count;
    // Bit k: value k is followed by a subparameter of the same group.
    u32 continues;
    // The parameter being read, saturating at 0xffff.
    u32 parameter;
    u32 intermediates;
    u32 intermediate_count;
    u32 ignore;
    u32 osc_count;
    u32 osc_len;
    u32 osc_ends[MAX_OSC_PARAMS];

    __host__ __device__ RecordWalk(const Batch& walked, const Stream& of, u32* out, u32 from)
        : batch(&walked), stream(of), records(out), at(from), pending(0u), pending_len(0u),
          run_kind(0u), run_header(0u), run_len(0u), parameter_count(0u), continues(0u),
          parameter(0u), intermediates(0u), intermediate_count(0u), ignore(0u), osc_count(0u),
          osc_len(0u) {
        carried_len = carried(CARRY_PARTIAL_LEN);
        carried_bytes = carried(CARRY_PARTIAL);
    }

    __host__ __device__ u32 carried(u32 word) const {
        return batch->input[stream.carry_at + word];
    }

    __host__ __device__ u32 byte(u32 index) const {
        return byte_at(*batch, index);
    }

    // ---- The writer.

    __host__ __device__ void put_word(u32 word) {
        if (records != nullptr) {
            records[at] = word;
        }
        ++at;
    }

    __host__ __device__ void put_byte(u32 value) {
        pending |= value << (8u * pending_len);
        ++pending_len;
        if (pending_len == 4u) {
            put_word(pending);
            pending = 0u;
            pending_len = 0u;
        }
    }

    // Pads the bytes written so far with zeros to a whole word.
    __host__ __device__ void pad_word() {
        if (pending_len > 0u) {
            put_word(pending);
            pending = 0u;
            pending_len = 0u;
        }
    }

    // Four bytes at once, after whatever bytes are pending.
    __host__ __device__ void put_four(u32 word) {
        if (pending_len == 0u) {
            put_word(word);
        } else {
            put_word(pending | (word << (8u * pending_len)));
            pending = word >> (32u - 8u * pending_len);
        }
    }

    // Ends the open run: its header, left blank while it grew, gets the length.
    __host__ __device__ void close_run() {
        if (run_kind != 0u) {
            pad_word();
            if (records != nullptr) {
                records[run_header] = run_kind | (run_len << 16);
            }
            run_kind = 0u;
        }
    }

    // A record with a fixed body that the caller writes next.
    __host__ __device__ void record(u32 kind, u32 aux, u32 body_len) {
        close_run();
        put_word(kind | (aux << 8) | (body_len << 16));
    }

    // Makes room for `len` more bytes in a run of `kind`, starting one when needed.
    __host__ __device__ void open_run(u32 kind, u32 len) {
        if (run_kind == kind && run_len + len <= MAX_RUN_BODY) {
            return;
        }
        close_run();
        run_header = at;
        put_word(0u);
        run_kind = kind;
        run_len = 0u;
    }

    __host__ __device__ void run_byte(u32 value) {
        put_byte(value);
        ++run_len;
    }

    __host__ __device__ void put_run_byte(u32 value) {
        open_run(RECORD_PUT, 1u);
        run_byte(value);
    }

    __host__ __device__ void replacement_character() {
        open_run(RECORD_TEXT, 3u);
        run_byte(0xefu);
        run_byte(0xbfu);
        run_byte(0xbdu);
    }

    // ---- Ground text: UTF-8 with vte's rules. Each unit (a character, an invalid prefix,
    // a lone byte) is decided by its lead byte and at most three bytes after it, so every
    // block decodes the units that begin in it, reading past its end where one runs on.

    // Byte `v` of the stream's bytes with the carried partial character in front.
    __host__ __device__ u32 unit_byte(u32 v) const {
        if (v < carried_len) {
            return (carried_bytes >> (8u * v)) & 0xffu;
        }
        return byte(stream.offset + v - carried_len);
    }

    __host__ __device__ static bool is_continuation(u32 value) {
        return value >= 0x80u && value <= 0xbfu;
    }

    // Bytes a character led by `lead` needs; 1 for ASCII and for bytes that lead nothing.
    __host__ __device__ static u32 utf8_need(u32 lead) {
        if (lead >= 0xc2u && lead <= 0xdfu) {
            return 2u;
        }
        if (lead >= 0xe0u && lead <= 0xefu) {
            return 3u;
        }
        if (lead >= 0xf0u && lead <= 0xf4u) {
            return 4u;
        }
        return 1u;
    }

    // Whether `value` can be byte `k` (1-3) of a character led by `lead`: the ranges that
    // keep out overlong forms, surrogates and code points past U+10FFFF.
    __host__ __device__ static bool utf8_continues(u32 lead, u32 k, u32 value) {
        u32 low = 0x80u;
        u32 high = 0xbfu;
        if (k == 1u) {
            if (lead == 0xe0u) {
                low = 0xa0u;
            } else if (lead == 0xedu) {
                high = 0x9fu;
            } else if (lead == 0xf0u) {
                low = 0x90u;
            } else if (lead == 0xf4u) {
                high = 0x8fu;
            }
        }
        return value >= low && value <= high;
    }

    // Length of the valid prefix of the unit led at `v`: the whole character when complete.
    __host__ __device__ u32 utf8_valid(u32 v) const {
        const u32 end = stream.len + carried_len;
        const u32 lead = unit_byte(v);
        const u32 need = utf8_need(lead);
        u32 valid = 1u;
        while (valid < need && v + valid < end && utf8_continues(lead, valid, unit_byte(v + valid))) {
            ++valid;
        }
        return valid;
    }

    // Decodes the unit led at `v`: prints it, executes a C0 or C1 control, or prints
    // U+FFFD for an invalid prefix (one cut short by ESC too). A character the batch ends
    // inside is left to the carried state. Returns the bytes the unit covers.
    __host__ __device__ u32 ground_unit(u32 v) {
        const u32 lead = unit_byte(v);
        if (lead >= 0x20u && lead < 0x80u) {
            open_run(RECORD_TEXT, 1u);
            run_byte(lead);
            return 1u;
        }
        const u32 need = utf8_need(lead);
        if (need == 1u) {
            if (lead < 0x20u || (lead >= 0x80u && lead <= 0x9fu)) {
                record(RECORD_EXECUTE, lead, 0u);
            } else {
                replacement_character();
            }
            return 1u;
        }
        const u32 valid = utf8_valid(v);
        if (valid == need) {
            const u32 second = unit_byte(v + 1u);
            if (lead == 0xc2u && second <= 0x9fu) {
                record(RECORD_EXECUTE, second, 0u);
                return 2u;
            }
            open_run(RECORD_TEXT, need);
            for (u32 k = 0; k < need; ++k) {
                run_byte(unit_byte(v + k));
            }
            return need;
        }
        if (v + valid < stream.len + carried_len) {
            replacement_character();
        }
        return valid;
    }

    // Whether the lead byte at `lead_at` was read in ground, given that the state before
    // `until` is ground and every byte between is a continuation byte. Such bytes leave
    // every state as it is, except 0x9c, which ends a DCS string: only then is a walk
    // needed.
    __host__ __device__ bool lead_in_ground(u32 lead_at, u32 until) const {
        for (u32 i = lead_at + 1u; i < until; ++i) {
            if (byte(i) == 0x9cu) {
                return state_before(*batch, lead_at, stream) == STATE_GROUND;
            }
        }
        return true;
    }

    // Where the character that began in the previous block and runs into this one ends;
    // `start` when none does. The block starts in ground.
    __host__ __device__ u32 covered_at_block_start(u32 start) const {
        if (!is_continuation(byte(start))) {
            return start;
        }
        for (u32 back = 1u; back <= 3u; ++back) {
            const u32 lead_at = start - back;
            const u32 lead = byte(lead_at);
            if (is_continuation(lead)) {
                continue;
            }
            if (utf8_need(lead) == 1u || !lead_in_ground(lead_at, start)) {
                return start;
            }
            return max_u32(start, lead_at + utf8_valid(lead_at - stream.offset + carried_len));
        }
        return start;
    }

    // ---- Sequences: parameters, intermediates and the ignore flag, as vte collects them.

    __host__ __device__ void sequence_clear() {
        parameter_count = 0u;
        continues = 0u;
        parameter = 0u;
        intermediates = 0u;
        intermediate_count = 0u;
        ignore = 0u;
    }

    // `ignore`, the intermediate count and the two intermediates: a record's sequence
    // header.
    __host__ __device__ u32 sequence_header() const {
        return ignore | (intermediate_count << 8) | (intermediates << 16);
    }

    __host__ __device__ void sequence_load() {
        parameter = carried(CARRY_PARAM);
        parameter_count = min_u32(carried(CARRY_PARAM_COUNT), MAX_PARAMS);
        continues = carried(CARRY_CONTINUES);
        const u32 header = carried(CARRY_SEQUENCE_HEADER);
        ignore = header & 0xffu;
        intermediate_count = min_u32((header >> 8) & 0xffu, MAX_INTERMEDIATES);
        intermediates = header >> 16;
        for (u32 k = 0; k < MAX_PARAMS; ++k) {
            parameters[k] = (carried(CARRY_PARAMS + k / 2u) >> (16u * (k % 2u))) & 0xffffu;
        }
    }

    // `;` (`subparameter` false) or `:` (true) ends the parameter being read.
    __host__ __device__ void sequence_separator(bool subparameter) {
        if (parameter_count == MAX_PARAMS) {
            ignore = 1u;
        } else {
            parameters[parameter_count] = parameter;
            if (subparameter) {
                continues |= 1u << parameter_count;
            }
            ++parameter_count;
        }
        parameter = 0u;
    }

    // Folds the sequence that `position` dispatches (or that is open there).
    __host__ __device__ void fold_sequence(u32 position) {
        const u32 escape = last_escape_before(*batch, position, stream);
        u32 state = STATE_ESCAPE;
        u32 i = escape;
        if (escape == 0u) {
            sequence_load();
            state = stream.start_state;
            i = stream.offset;
        } else {
            sequence_clear();
        }
        for (; i < position; ++i) {
            const u32 value = byte(i);
            const u32 found = entry(*batch, state, value);
            const u32 action = found >> 8;
            state = found & 0xffu;
            if (action == ACTION_CLEAR) {
                sequence_clear();
            } else if (action == ACTION_COLLECT) {
                if (intermediate_count == MAX_INTERMEDIATES) {
                    ignore = 1u;
                } else {
                    intermediates |= value << (8u * intermediate_count);
                    ++intermediate_count;
                }
            } else if (action == ACTION_PARAM) {
                parameter = min_u32(parameter * 10u + value - 0x30u, 0xffffu);
            } else if (action == ACTION_PARAM_SEPARATOR) {
                sequence_separator(false);
            } else if (action == ACTION_SUBPARAM_SEPARATOR) {
                sequence_separator(true);
            }
        }
    }

    __host__ __device__ void write_escape(u32 final_byte) {
        record(RECORD_ESC, final_byte, 4u);
        put_word(sequence_header());
    }

    // A CSI or DCS hook record: the last parameter is closed first, as vte does at
    // dispatch.
    __host__ __device__ void write_parameters(u32 kind, u32 final_byte) {
        sequence_separator(false);
        record(kind, final_byte, 4u + 4u * parameter_count);
        put_word(sequence_header());
        for (u32 k = 0; k < parameter_count; ++k) {
            put_word(parameters[k] | (((continues >> k) & 1u) << 16));
        }
    }

    // ---- OSC strings: the payload (capped) and where each parameter ends.

    // Whether all four bytes of `word` are OSC payload inside an OSC string: none below
    // 0x20 (a terminator or an ignored control) and none a `;` separator.
    __host__ __device__ static bool plain_payload(u32 word) {
        const u32 below_space = (word - 0x20202020u) & ~word & 0x80808080u;
        const u32 semicolons = word ^ 0x3b3b3b3bu;
        const u32 has_semicolon = (semicolons - 0x01010101u) & ~semicolons & 0x80808080u;
        return below_space == 0u && has_semicolon == 0u;
    }

    // Folds the OSC string that `position` ends (or that is open there); `copy` writes its
    // payload bytes as well. Once the string stops accepting bytes nothing changes, so the
    // walk stops there; plain payload goes four bytes a step.
    __host__ __device__ void fold_osc(u32 position, bool copy) {
        const u32 escape = last_escape_before(*batch, position, stream);
        u32 state = STATE_ESCAPE;
        u32 i = escape;
        osc_count = 0u;
        osc_len = 0u;
        if (escape == 0u) {
            state = stream.start_state;
            i = stream.offset;
            osc_count = min_u32(carried(CARRY_OSC_COUNT), MAX_OSC_PARAMS);
            osc_len = min_u32(carried(CARRY_OSC_LEN), OSC_PAYLOAD_CAP);
            for (u32 k = 0; k < MAX_OSC_PARAMS; ++k) {
                osc_ends[k] = carried(CARRY_OSC_ENDS + k);
            }
            if (copy) {
                // The payload starts a word in both places it is copied to.
                for (u32 k = 0; k < osc_len / 4u; ++k) {
                    put_word(carried(CARRY_FIXED_WORDS + k));
                }
                for (u32 k = osc_len & ~3u; k < osc_len; ++k) {
                    put_byte((carried(CARRY_FIXED_WORDS + k / 4u) >> (8u * (k % 4u))) & 0xffu);
                }
            }
        }
        while (i < position && osc_count != MAX_OSC_PARAMS && osc_len != OSC_PAYLOAD_CAP) {
            if (state == STATE_OSC_STRING && (i & 3u) == 0u && i + 4u <= position &&
                osc_len + 4u <= OSC_PAYLOAD_CAP) {
                const u32 word = batch->input[i >> 2];
                if (plain_payload(word)) {
                    if (copy) {
                        put_four(word);
                    }
                    osc_len += 4u;
                    i += 4u;
                    continue;
                }
            }
            const u32 value = byte(i);
            const u32 found = entry(*batch, state, value);
            const u32 action = found >> 8;
            state = found & 0xffu;
            if (action == ACTION_OSC_START) {
                osc_count = 0u;
                osc_len = 0u;
            } else if (action == ACTION_OSC_PUT) {
                if (copy) {
                    put_byte(value);
                }
                ++osc_len;
            } else if (action == ACTION_OSC_SEPARATOR) {
                osc_ends[osc_count] = osc_len;
                ++osc_count;
            }
            ++i;
        }
    }

    __host__ __device__ void write_osc(u32 position, u32 bell) {
        fold_osc(position, false);
        if (osc_count < MAX_OSC_PARAMS) {
            osc_ends[osc_count] = osc_len;
            ++osc_count;
        }
        const u32 table = 4u * ((osc_count + 1u) / 2u);
        record(RECORD_OSC, bell, 4u + table + osc_len);
        put_word(osc_count);
        for (u32 k = 0; k < osc_count; k += 2u) {
            const u32 high = k + 1u < osc_count ? osc_ends[k + 1u] : 0u;
            put_word(osc_ends[k] | (high << 16));
        }
        fold_osc(position, true);
        pad_word();
    }

    // ---- The state a stream carries into its next batch, written after its records.

    // The incomplete character the batch ends inside, as (length, bytes); (0, 0) when none.
    __host__ __device__ void partial_at_end(u32 state, u32* partial_len, u32* partial) const {
        *partial_len = 0u;
        *partial = 0u;
        if (state != STATE_GROUND) {
            return;
        }
        const u32 end = stream.len + carried_len;
        for (u32 back = 1u; back <= min_u32(3u, end); ++back) {
            const u32 v = end - back;
            const u32 lead = unit_byte(v);
            if (is_continuation(lead)) {
                continue;
            }
            const u32 need = utf8_need(lead);
            bool in_ground = true;
            if (v >= carried_len) {
                in_ground = lead_in_ground(stream.offset + v - carried_len, stream.offset + stream.len);
            }
            if (need > 1u && in_ground && utf8_valid(v) == back && back < need) {
                *partial_len = back;
                for (u32 k = 0; k < back; ++k) {
                    *partial |= unit_byte(v + k) << (8u * k);
                }
            }
            return;
        }
    }

    __host__ __device__ void write_carry(u32 state) {
        u32 partial_len;
        u32 partial;
        partial_at_end(state, &partial_len, &partial);
        put_word(partial_len);
        put_word(partial);
        const u32 stream_end = stream.offset + stream.len;
        const bool in_header =
            state >= STATE_ESCAPE && state <= STATE_DCS_INTERMEDIATE && state != STATE_CSI_IGNORE;
        if (in_header) {
            fold_sequence(stream_end);
        } else {
            sequence_clear();
        }
        put_word(parameter);
        put_word(parameter_count);
        put_word(continues);
        put_word(sequence_header());
        const bool in_osc = state == STATE_OSC_STRING;
        if (in_osc) {
            fold_osc(stream_end, false);
        } else {
            osc_count = 0u;
            osc_len = 0u;
        }
        put_word(osc_count);
        put_word(osc_len);
        for (u32 k = 0; k < MAX_PARAMS; k += 2u) {
            u32 pair = k < parameter_count ? parameters[k] : 0u;
            if (k + 1u < parameter_count) {
                pair |= parameters[k + 1u] << 16;
            }
            put_word(pair);
        }
        for (u32 k = 0; k < MAX_OSC_PARAMS; ++k) {
            put_word(k < osc_count ? osc_ends[k] : 0u);
        }
        if (in_osc) {
            fold_osc(stream_end, true);
            pad_word();
        }
    }
};

// What walking a block gives: the words it wrote (or would write), the state after its
// last byte, and where a stream's last block began writing the carried state.
struct Walk {
    u32 words;
    u32 state;
    u32 carry_at;
};

// Walks one block, writing its records from word `at` of `records` (null: only sizing);
// a stream's last block adds the state the stream carries on.
__host__ __device__ Walk walk_block(const Batch& batch, u32 block, u32* records, u32 at) {
    const Stream stream = batch.streams[batch.block_stream[block]];
    RecordWalk walk(batch, stream, records, at);
    const u32 start = block * BLOCK_BYTES;
    const u32 end = block_end(block, stream);
    const u32 stream_end = stream.offset + stream.len;
    u32 state = block_start_state(batch, block, stream);
    // Ground bytes before `covered` belong to a character that began before them.
    u32 covered = start;
    if (block == stream.first_block) {
        if (walk.carried_len > 0u) {
            covered = stream.offset + walk.ground_unit(0u) - walk.carried_len;
        }
    } else if (state == STATE_GROUND) {
        covered = walk.covered_at_block_start(start);
    }
    for (u32 i = start; i < end; ++i) {
        const u32 value = byte_at(batch, i);
        const u32 found = entry(batch, state, value);
        const u32 action = found >> 8;
        state = found & 0xffu;
        if (action == ACTION_GROUND) {
            if (i >= covered) {
                covered = i + walk.ground_unit(i - stream.offset + walk.carried_len);
            }
        } else if (action == ACTION_EXECUTE) {
            walk.record(RECORD_EXECUTE, value, 0u);
        } else if (action == ACTION_PUT) {
            walk.put_run_byte(value);
        } else if (action == ACTION_ESC_DISPATCH) {
            walk.fold_sequence(i);
            walk.write_escape(value);
        } else if (action == ACTION_CSI_DISPATCH) {
            walk.fold_sequence(i);
            walk.write_parameters(RECORD_CSI, value);
        } else if (action == ACTION_HOOK) {
            walk.fold_sequence(i);
            walk.write_parameters(RECORD_HOOK, value);
        } else if (action == ACTION_UNHOOK || action == ACTION_UNHOOK_CLEAR) {
            walk.record(RECORD_UNHOOK, 0u, 0u);
        } else if (action == ACTION_UNHOOK_EXECUTE) {
            walk.record(RECORD_UNHOOK, 0u, 0u);
            walk.record(RECORD_EXECUTE, value, 0u);
        } else if (action == ACTION_OSC_END_BELL) {
            walk.write_osc(i, 1u);
        } else if (action == ACTION_OSC_END_CLEAR) {
            walk.write_osc(i, 0u);
        } else if (action == ACTION_OSC_END_EXECUTE) {
            walk.write_osc(i, 0u);
            walk.record(RECORD_EXECUTE, value, 0u);
        }
        // Clear, collect, parameters and OSC bytes make no record of their own: the
        // dispatch that ends their sequence folds them.
    }
    walk.close_run();
    Walk out;
    out.state = state;
    out.carry_at = 0u;
    if (end == stream_end) {
        out.carry_at = walk.at;
        walk.write_carry(state);
    }
    out.words = walk.at - at;
    return out;
}
