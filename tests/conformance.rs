//! The conformance suite every parse backend must pass, instantiated once per backend:
//! named `vte` behaviours, randomized differential tests against `vte` itself, chunking
//! invariance (alone and interleaved with other streams), and recorded real programs and
//! coding agents.
//!
//! Random tests print their seed; replay one with `PERDIX_SEED=<seed> cargo test --test
//! conformance`.

mod support;

use perdix::parse::{BackendKind, MAX_RUN_BYTES, OSC_PAYLOAD_CAP};
use rand::rngs::StdRng;
use rand::Rng;
use support::*;

/// Checks `input` against an expectation that is first checked against `vte` itself, then
/// against the backend whole and at every split into two batches.
fn check(kind: BackendKind, input: &[u8], expected: &str) {
    assert_eq!(
        reference_dump(input),
        expected,
        "vte disagrees with the expectation for {input:?}"
    );
    check_against_vte(kind, input);
}

/// The backend's dump of `input` equals `vte`'s, whole and split at every offset: every
/// split is its own stream of one run, two batches in all.
fn check_against_vte(kind: BackendKind, input: &[u8]) {
    let expected = reference_dump(input);
    let cases: Vec<Vec<&[u8]>> = (0..input.len().max(1))
        .map(|split| {
            if split == 0 {
                vec![input]
            } else {
                split_at(input, &[split])
            }
        })
        .collect();
    for (split, actual) in run_cases(kind, &cases).iter().enumerate() {
        assert_same(&expected, actual, &|| match split {
            0 => format!("whole input {input:?}"),
            _ => format!("split at {split} of {input:?}"),
        });
    }
}

fn c1_bytes_are_executed_never_introducers(kind: BackendKind) {
    check(
        kind,
        b"\x9b31m\x9d0;x\x07",
        "execute 9b\nprint \"31m\"\nexecute 9d\nprint \"0;x\"\nexecute 07\n",
    );
    check(
        kind,
        b"a\xc2\x85b\x9c",
        "print \"a\"\nexecute 85\nprint \"b\"\nexecute 9c\n",
    );
    // C1 bytes inside sequences are ignored, except ST, which ends a DCS passthrough.
    check(kind, b"\x1b[\x851m", "csi 1 - 0 m\n");
    check(
        kind,
        b"\x1bPq#\x9cZ",
        "hook 0 - 0 q\nput 23\nunhook\nprint \"Z\"\n",
    );
    check(kind, b"\x1b]0;\x85\x9c\x07", "osc 1 [\"30\",\"859c\"]\n");
}

fn del_is_printed_in_ground_and_ignored_in_sequences(kind: BackendKind) {
    check(kind, b"a\x7fb", "print \"a\u{7f}b\"\n");
    check(
        kind,
        b"\x1b[1\x7f;2m\x1bPq\x7fx\x1b\\",
        "csi 1;2 - 0 m\nhook 0 - 0 q\nput 78\nunhook\nesc - 0 5c\n",
    );
}

fn invalid_utf8_follows_from_utf8_error_lengths(kind: BackendKind) {
    check(kind, b"\xe2\x82A", "print \"\u{fffd}A\"\n");
    check(kind, b"\xf0\x9f\x98A", "print \"\u{fffd}A\"\n");
    check(kind, b"\xed\xa0\x80", "print \"\u{fffd}\u{fffd}\"\nexecute 80\n");
    check(
        kind,
        b"\xf4\x90\x80\x80",
        "print \"\u{fffd}\"\nexecute 90\nexecute 80\nexecute 80\n",
    );
    check(kind, b"\xc0\xaf\xff", "print \"\u{fffd}\u{fffd}\u{fffd}\"\n");
    // Cut short by ESC: one replacement character; by the end of input: nothing.
    check(
        kind,
        b"\xe2\x82\x1b[m\xac",
        "print \"\u{fffd}\"\ncsi 0 - 0 m\nprint \"\u{fffd}\"\n",
    );
    check(kind, b"ok\xf0\x9f\x98", "print \"ok\"\n");
    check(kind, "é€😀".as_bytes(), "print \"é€😀\"\n");
}

fn osc_ends_on_bel_esc_can_and_sub(kind: BackendKind) {
    check(kind, b"\x1b]0;hi\x07", "osc 1 [\"30\",\"6869\"]\n");
    check(kind, b"\x1b]0;hi\x1b\\", "osc 0 [\"30\",\"6869\"]\nesc - 0 5c\n");
    check(
        kind,
        b"\x1b]0;hi\x18x",
        "osc 0 [\"30\",\"6869\"]\nexecute 18\nprint \"x\"\n",
    );
    check(
        kind,
        b"\x1b]0;hi\x1ax",
        "osc 0 [\"30\",\"6869\"]\nexecute 1a\nprint \"x\"\n",
    );
    check(
        kind,
        b"\x1b]\x07\x1b];;\x07",
        "osc 1 [\"\"]\nosc 1 [\"\",\"\",\"\"]\n",
    );
    // Other C0 controls inside are ignored; an unterminated string dispatches nothing.
    check(kind, b"\x1b]2;a\x05b\x07\x1b]2;open", "osc 1 [\"32\",\"6162\"]\n");
}

fn params_saturate_at_u16_max(kind: BackendKind) {
    check(
        kind,
        b"\x1b[99999;65535;65536;00001m",
        "csi 65535;65535;65535;1 - 0 m\n",
    );
    check(kind, b"\x1b[1:2:3;4::5;:;m", "csi 1:2:3;4:0:5;0:0;0 - 0 m\n");
    check(
        kind,
        b"\x1bP70000q\x1b\\",
        "hook 65535 - 0 q\nunhook\nesc - 0 5c\n",
    );
}

fn at_most_32_params_and_subparams(kind: BackendKind) {
    let numbers: Vec<String> = (1..=40).map(|n| n.to_string()).collect();
    let first_32 = numbers[..32].join(";");
    check(
        kind,
        format!("\x1b[{first_32}m").as_bytes(),
        &format!("csi {first_32} - 0 m\n"),
    );
    check(
        kind,
        format!("\x1b[{first_32};m").as_bytes(),
        &format!("csi {first_32} - 1 m\n"),
    );
    check(
        kind,
        format!("\x1b[{}m", numbers.join(";")).as_bytes(),
        &format!("csi {first_32} - 1 m\n"),
    );
    let sub = format!("{}:32:1", numbers[..31].join(";"));
    check(
        kind,
        format!("\x1b[{sub}m").as_bytes(),
        &format!("csi {}:32 - 1 m\n", numbers[..31].join(";")),
    );
    check(
        kind,
        format!("\x1bP{}q", numbers.join(";")).as_bytes(),
        &format!("hook {first_32} - 1 q\n"),
    );
}

fn intermediates_overflow_sets_ignore(kind: BackendKind) {
    check(kind, b"\x1b !0", "esc 2021 0 30\n");
    check(kind, b"\x1b !\"#0", "esc 2021 1 30\n");
    check(kind, b"\x1b[ !\"m", "csi 0 2021 1 m\n");
    check(kind, b"\x1b[? !m", "csi 0 3f20 1 m\n");
    check(kind, b"\x1bP !\"q", "hook 0 2021 1 q\n");
    // Parameters after an intermediate make the sequence malformed: nothing is dispatched.
    check(kind, b"\x1b[1 2m\x1b[1?h", "");
}

fn at_most_16_osc_params(kind: BackendKind) {
    let params: Vec<String> = (0..20).map(|n| n.to_string()).collect();
    let expected: Vec<String> = params[..16].iter().map(|p| hex(p.as_bytes())).collect();
    let line = format!("osc 1 {}\n", serde_json::to_string(&expected).unwrap());
    check(kind, format!("\x1b]{}\x07", params.join(";")).as_bytes(), &line);
}

/// A prefix that leaves the parser in each of the 14 states.
const STATE_PREFIXES: [&[u8]; 14] = [
    b"text",
    b"\x1b",
    b"\x1b(",
    b"\x1b[",
    b"\x1b[1;2",
    b"\x1b[1 ",
    b"\x1b[1?",
    b"\x1bP",
    b"\x1bP1",
    b"\x1bP1 ",
    b"\x1bPqdata",
    b"\x1bP1?",
    b"\x1b]0;title",
    b"\x1bXprivate",
];

fn can_sub_and_esc_interrupt_every_state(kind: BackendKind) {
    for prefix in STATE_PREFIXES {
        for interrupt in [&b"\x18"[..], b"\x1a", b"\x1b"] {
            let mut input = prefix.to_vec();
            input.extend_from_slice(interrupt);
            input.extend_from_slice(b"A\x1b[2mB");
            let reference = reference_dump(&input);
            // After CAN/SUB, "A" is printed; after ESC it is an escape's final byte.
            let after = if interrupt == b"\x1b" {
                "esc - 0 41\ncsi 2 - 0 m\nprint \"B\"\n"
            } else {
                "print \"A\"\ncsi 2 - 0 m\nprint \"B\"\n"
            };
            assert!(reference.ends_with(after), "vte after {input:?}: {reference}");
            check_against_vte(kind, &input);
        }
    }
}

fn an_endless_osc_string_is_capped(kind: BackendKind) {
    // Controls between ESC and `]` keep the escape state, so they start an OSC string too.
    let mut inputs = Vec::new();
    let mut expected = Vec::new();
    for introducer in [&b"\x1b]"[..], b"\x1b\x05\x85\x1b]"] {
        let mut input = introducer.to_vec();
        input.extend_from_slice(b"0;");
        input.extend(std::iter::repeat_n(b'a', OSC_PAYLOAD_CAP + 5000));
        input.extend_from_slice(b";more\x07after");
        // vte keeps everything; the cap keeps the first OSC_PAYLOAD_CAP payload bytes.
        let mut capped = introducer.to_vec();
        capped.extend_from_slice(b"0;");
        capped.extend(std::iter::repeat_n(b'a', OSC_PAYLOAD_CAP - 1));
        capped.extend_from_slice(b"\x07after");
        let dump = reference_dump(&capped);
        assert!(
            dump.starts_with(if introducer.len() > 2 {
                "execute 05"
            } else {
                "osc 1"
            }),
            "{dump}"
        );
        inputs.push(input);
        expected.push(dump);
    }
    // Every chunking of both inputs at once, one stream each.
    let chunks = [usize::MAX, 4096, 1000, 7, 1];
    let mut cases = Vec::new();
    for input in &inputs {
        for chunk in chunks {
            cases.push(input.chunks(chunk).collect::<Vec<_>>());
        }
    }
    for (case, actual) in run_cases(kind, &cases).iter().enumerate() {
        let (input, chunk) = (case / chunks.len(), chunks[case % chunks.len()]);
        assert_same(&expected[input], actual, &|| {
            format!("input {input}, chunk size {chunk}")
        });
    }
}

fn a_split_c1_character_stays_an_execute(kind: BackendKind) {
    // vte itself prints this when fed in two pieces; the backends must not.
    check_against_vte(kind, b"a\xc2\x85b\xe2\x82\xacc\xf0\x9f\x98\x80\x1b[m");
}

fn long_text_runs_between_sequences_match_vte(kind: BackendKind) {
    // Runs long enough for bulk text handling, next to everything that must stop it:
    // partial and invalid UTF-8 just before a run, C0/C1 controls inside it, strings that
    // look like text, and runs cut by batch ends (every split is checked).
    let run = "long run of plain text, well over fifty bytes in a row";
    let inputs = [
        format!("{run}\r\n{run}"),
        format!("\u{e9}{run}\u{85}{run}\x07{run}"),
        format!("\x1b]0;{run}\x07{run}\x1bP1q{run}\x1b\\{run}"),
        format!("\x1bX{run}\x1b\\\x1b[1m{run}\x1b[0m"),
        format!("\x1b[{run}m{run}"),
    ];
    for input in &inputs {
        check_against_vte(kind, input.as_bytes());
    }
    let mut broken = b"\xe2\x82".to_vec();
    broken.extend_from_slice(run.as_bytes());
    broken.extend_from_slice(b"\xf0\x9f\x98");
    broken.extend_from_slice(run.as_bytes());
    broken.extend_from_slice(b"\xc2\x85\xff\xed\xa0\x80");
    broken.extend_from_slice(run.as_bytes());
    check_against_vte(kind, &broken);
}

fn runs_longer_than_a_dump_line_are_cut_alike_at_every_chunk_size(kind: BackendKind) {
    // Print and put runs over the dump's bound on a line: the cut falls inside a two-byte
    // and a four-byte character, and at a put byte; each input goes through whole and at
    // chunk sizes that cut the runs elsewhere.
    let bound = MAX_RUN_BYTES;
    let inputs = [
        format!("a{}\r\n", "\u{e9}".repeat(bound)),
        format!("{}\x1b[0m", "x".repeat(3 * bound + 5)),
        format!("ab{}", "\u{1f600}".repeat(bound / 2)),
        format!("\x1bP1q{}\x1b\\", "d".repeat(2 * bound + 3)),
    ];
    for input in &inputs {
        let expected = reference_dump(input.as_bytes());
        assert!(
            expected.lines().count() >= 3,
            "the run is cut: {:?}",
            &expected[..80]
        );
        let chunkings = [input.len(), 4093, bound + 1, 7919];
        let cases: Vec<Vec<&[u8]>> = chunkings
            .iter()
            .map(|&chunk| input.as_bytes().chunks(chunk).collect())
            .collect();
        for (chunk, actual) in chunkings.iter().zip(run_cases(kind, &cases)) {
            assert_same(&expected, &actual, &|| format!("chunk size {chunk}"));
        }
    }
}

/// Runs 3000 generated inputs, each whole on its own stream of one batch, against `vte`.
fn generated_inputs_match_vte(kind: BackendKind, test: &str, generate: fn(&mut StdRng) -> Vec<u8>) {
    let seed = seed(test);
    let mut rng = rng(seed);
    let inputs: Vec<Vec<u8>> = (0..3000).map(|_| generate(&mut rng)).collect();
    let cases: Vec<Vec<&[u8]>> = inputs.iter().map(|input| vec![&input[..]]).collect();
    for (case, (input, actual)) in inputs.iter().zip(run_cases(kind, &cases)).enumerate() {
        assert_same(&reference_dump(input), &actual, &|| {
            format!("seed {seed}, case {case}, input {input:?}")
        });
    }
}

fn random_uniform_bytes_match_vte(kind: BackendKind) {
    generated_inputs_match_vte(kind, "random_uniform_bytes_match_vte", |rng| {
        uniform_bytes(rng, 96)
    });
}

fn random_structured_input_matches_vte(kind: BackendKind) {
    generated_inputs_match_vte(kind, "random_structured_input_matches_vte", |rng| {
        structured_bytes(rng, 12)
    });
}

fn every_split_of_small_inputs_matches_vte(kind: BackendKind) {
    let seed = seed("every_split_of_small_inputs_matches_vte");
    let mut rng = rng(seed);
    let inputs: Vec<Vec<u8>> = (0..150)
        .map(|_| {
            let mut input = structured_bytes(&mut rng, 6);
            input.truncate(64);
            input
        })
        .collect();
    // Every split of every input, each its own stream: two batches in all.
    let mut cases = Vec::new();
    let mut labels = Vec::new();
    for (case, input) in inputs.iter().enumerate() {
        for split in 0..=input.len() {
            cases.push(split_at(input, &[split]));
            labels.push((case, Some(split)));
        }
        // Byte by byte: every offset is a batch boundary at once.
        cases.push(input.chunks(1).collect());
        labels.push((case, None));
    }
    for ((case, split), actual) in labels.into_iter().zip(run_cases(kind, &cases)) {
        let input = &inputs[case];
        assert_same(&reference_dump(input), &actual, &|| {
            format!("seed {seed}, case {case}, split {split:?} (None: bytewise), {input:?}")
        });
    }
}

fn random_splits_of_large_inputs_match_vte(kind: BackendKind) {
    let seed = seed("random_splits_of_large_inputs_match_vte");
    let mut rng = rng(seed);
    let inputs: Vec<Vec<u8>> = (0..12).map(|_| structured_bytes(&mut rng, 1500)).collect();
    let offsets: Vec<Vec<usize>> = inputs
        .iter()
        .map(|input| {
            let mut offsets: Vec<usize> = (0..rng.random_range(1..200))
                .map(|_| rng.random_range(0..=input.len()))
                .collect();
            offsets.sort_unstable();
            offsets
        })
        .collect();
    let cases: Vec<Vec<&[u8]>> = inputs
        .iter()
        .zip(&offsets)
        .map(|(input, offsets)| split_at(input, offsets))
        .collect();
    for (case, actual) in run_cases(kind, &cases).iter().enumerate() {
        assert_same(&reference_dump(&inputs[case]), actual, &|| {
            format!("seed {seed}, case {case}, offsets {:?}", offsets[case])
        });
    }
}

fn streams_interleaved_in_one_batch_stay_independent(kind: BackendKind) {
    let seed = seed("streams_interleaved_in_one_batch_stay_independent");
    let mut rng = rng(seed);
    for case in 0..20 {
        let mut pipeline = pipeline(kind);
        // Stream 0 is pure garbage; the others are terminal output.
        let inputs: Vec<Vec<u8>> = (0..5)
            .map(|stream| {
                if stream == 0 {
                    uniform_bytes(&mut rng, 3000)
                } else {
                    structured_bytes(&mut rng, 200)
                }
            })
            .collect();
        let mut positions = vec![0usize; inputs.len()];
        while positions.iter().zip(&inputs).any(|(&at, input)| at < input.len()) {
            // One batch: a random piece of every stream that still has bytes.
            for (stream, input) in inputs.iter().enumerate() {
                let at = positions[stream];
                let end = (at + rng.random_range(0..64)).min(input.len());
                pipeline.feed(stream as u16, &input[at..end]).unwrap();
                positions[stream] = end;
            }
            pipeline.run_batch().unwrap();
        }
        for (stream, input) in inputs.iter().enumerate() {
            pipeline.finish(stream as u16).unwrap();
            let actual = pipeline.take_dump(stream as u16);
            assert_same(&reference_dump(input), &actual, &|| {
                format!("seed {seed}, case {case}, stream {stream}")
            });
        }
    }
}

fn recorded_programs_match_vte(kind: BackendKind) {
    let paths = fixtures();
    assert!(paths.len() >= 6, "expected recorded fixtures in {FIXTURES_DIR}");
    let inputs: Vec<Vec<u8>> = paths.iter().map(|path| std::fs::read(path).unwrap()).collect();
    let chunks = [usize::MAX, 4096, 61, 7, 1];
    let mut cases = Vec::new();
    for input in &inputs {
        for chunk in chunks {
            cases.push(input.chunks(chunk).collect::<Vec<_>>());
        }
    }
    let actual = run_cases(kind, &cases);
    for (index, (path, input)) in paths.iter().zip(&inputs).enumerate() {
        let expected = reference_dump(input);
        assert!(
            expected.contains("csi "),
            "{} has no escape sequences",
            path.display()
        );
        for (offset, chunk) in chunks.iter().enumerate() {
            assert_same(&expected, &actual[index * chunks.len() + offset], &|| {
                format!("{} in chunks of {chunk}", path.display())
            });
        }
    }
}

/// The recorded coding agents (Claude Code, Codex, Gemini CLI, aider): whole, in slot-sized
/// and odd-sized chunks, and cut at random offsets. They are longer than the recorded
/// programs, so they are not cut byte by byte (one batch per byte would cost minutes on a
/// device backend); the random cuts land inside their sequences and characters instead.
fn recorded_agents_match_vte(kind: BackendKind) {
    let seed = seed("recorded_agents_match_vte");
    let mut rng = rng(seed);
    let paths = agent_fixtures();
    let inputs: Vec<Vec<u8>> = paths.iter().map(|path| std::fs::read(path).unwrap()).collect();
    let chunkings = ["whole", "4096", "61", "random"];
    let mut cases = Vec::new();
    for input in &inputs {
        cases.push(vec![&input[..]]);
        cases.push(input.chunks(4096).collect());
        cases.push(input.chunks(61).collect());
        cases.push(split_at(input, &random_offsets(&mut rng, input.len(), 2000)));
    }
    let actual = run_cases(kind, &cases);
    for (index, (path, input)) in paths.iter().zip(&inputs).enumerate() {
        let expected = reference_dump(input);
        assert!(
            expected.contains("csi "),
            "{} has no escape sequences",
            path.display()
        );
        for (offset, chunking) in chunkings.iter().enumerate() {
            assert_same(&expected, &actual[index * chunkings.len() + offset], &|| {
                format!("{} cut {chunking} (seed {seed})", path.display())
            });
        }
    }
}

fn garbage_in_one_stream_leaves_its_neighbour_alone(kind: BackendKind) {
    let mut pipeline = pipeline(kind);
    // Stream 1 ends its batches inside an OSC string, a DCS string and a UTF-8 character.
    let noisy: [&[u8]; 3] = [b"\x1b]0;never ends", b"\x1bPq\xff\xfe", b"\xf0\x9f"];
    let clean: [&[u8]; 3] = [b"\x1b[1mone", b"two\x1b[0m", b"\xe2\x82\xac"];
    for (noise, text) in noisy.iter().zip(clean) {
        pipeline.feed(1, noise).unwrap();
        pipeline.feed(2, text).unwrap();
        pipeline.run_batch().unwrap();
    }
    pipeline.finish(2).unwrap();
    assert_eq!(
        pipeline.take_dump(2),
        "csi 1 - 0 m\nprint \"onetwo\"\ncsi 0 - 0 m\nprint \"€\"\n"
    );
    assert_eq!(
        reference_dump(&clean.concat()),
        "csi 1 - 0 m\nprint \"onetwo\"\ncsi 0 - 0 m\nprint \"€\"\n"
    );
}

macro_rules! conformance_suite {
    ($backend:ident, $kind:expr, [$($test:ident),* $(,)?]) => {
        mod $backend {
            $(
                #[test]
                fn $test() {
                    if super::backend_available($kind) {
                        super::$test($kind);
                    }
                }
            )*
        }
    };
}

macro_rules! suite_for {
    ($backend:ident, $kind:expr) => {
        conformance_suite!(
            $backend,
            $kind,
            [
                c1_bytes_are_executed_never_introducers,
                del_is_printed_in_ground_and_ignored_in_sequences,
                invalid_utf8_follows_from_utf8_error_lengths,
                osc_ends_on_bel_esc_can_and_sub,
                params_saturate_at_u16_max,
                at_most_32_params_and_subparams,
                intermediates_overflow_sets_ignore,
                at_most_16_osc_params,
                can_sub_and_esc_interrupt_every_state,
                an_endless_osc_string_is_capped,
                a_split_c1_character_stays_an_execute,
                long_text_runs_between_sequences_match_vte,
                runs_longer_than_a_dump_line_are_cut_alike_at_every_chunk_size,
                random_uniform_bytes_match_vte,
                random_structured_input_matches_vte,
                every_split_of_small_inputs_matches_vte,
                random_splits_of_large_inputs_match_vte,
                streams_interleaved_in_one_batch_stay_independent,
                recorded_programs_match_vte,
                recorded_agents_match_vte,
                garbage_in_one_stream_leaves_its_neighbour_alone,
            ]
        );
    };
}

suite_for!(cpu, perdix::parse::BackendKind::Cpu);
suite_for!(cpu_scan, perdix::parse::BackendKind::CpuScan);
suite_for!(wgpu, perdix::parse::BackendKind::Wgpu);
suite_for!(cuda, perdix::parse::BackendKind::Cuda);

#[test]
fn backends_agree_with_each_other_on_random_input() {
    let seed = seed("backends_agree_with_each_other_on_random_input");
    let mut rng = rng(seed);
    let inputs: Vec<Vec<u8>> = (0..500).map(|_| structured_bytes(&mut rng, 40)).collect();
    let chunks: Vec<usize> = inputs
        .iter()
        .map(|input| rng.random_range(1..=input.len().max(1)))
        .collect();
    let chunked: Vec<Vec<&[u8]>> = inputs
        .iter()
        .zip(&chunks)
        .map(|(input, &chunk)| input.chunks(chunk).collect())
        .collect();
    let whole: Vec<Vec<&[u8]>> = inputs.iter().map(|input| vec![&input[..]]).collect();
    let cpu = run_cases(BackendKind::Cpu, &chunked);
    let mut others = vec![(BackendKind::CpuScan, run_cases(BackendKind::CpuScan, &whole))];
    for kind in [BackendKind::Wgpu, BackendKind::Cuda] {
        if backend_available(kind) {
            others.push((kind, run_cases(kind, &chunked)));
        }
    }
    for (kind, dumps) in others {
        for (case, (a, b)) in cpu.iter().zip(&dumps).enumerate() {
            assert_same(a, b, &|| {
                format!("{kind} vs cpu, seed {seed}, case {case}, chunk {}", chunks[case])
            });
        }
    }
}

#[test]
fn unavailable_backends_are_errors_not_panics() {
    // cuda and wgpu run exactly when their probes succeed; auto says what it picks and
    // runs it, and picks a device backend only after it passed its self-check there.
    let cuda = perdix::backend::Pipeline::new(BackendKind::Cuda, SMALL_RINGS);
    assert_eq!(cuda.is_ok(), perdix::backend::cuda::probe().is_ok());
    let wgpu = perdix::backend::Pipeline::new(BackendKind::Wgpu, SMALL_RINGS);
    assert_eq!(wgpu.is_ok(), perdix::backend::webgpu::probe().is_ok());
    let (picked, why) = perdix::backend::auto_choice();
    if picked != BackendKind::Cpu {
        assert!(why.contains("same records as cpu and"), "{why}");
    }
    assert_eq!(
        perdix::backend::Pipeline::new(BackendKind::Auto, SMALL_RINGS)
            .unwrap()
            .backend_name(),
        picked.name()
    );
}

#[test]
fn dump_actions_command_matches_vte_at_every_chunk_size() {
    let fixture = format!("{FIXTURES_DIR}/python-cursor-drawing.raw");
    let expected = reference_dump(&std::fs::read(&fixture).unwrap());
    let mut backends = vec!["cpu", "cpu-scan", "auto"];
    let mut missing = vec![];
    for kind in [BackendKind::Wgpu, BackendKind::Cuda] {
        if backend_available(kind) {
            backends.push(kind.name());
        } else {
            missing.push(kind.name());
        }
    }
    for backend in backends {
        for chunk in [None, Some("1"), Some("7"), Some("100")] {
            let args = dump_actions_args(backend, chunk, &fixture);
            let output = perdix(&args, b"");
            assert!(
                output.status.success(),
                "{backend} {chunk:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            let actual = String::from_utf8(output.stdout).unwrap();
            assert_same(&expected, &actual, &|| {
                format!("perdix --dump-actions --backend {backend} --chunk {chunk:?}")
            });
        }
    }
    for missing in missing {
        let output = perdix(&["--dump-actions", "--backend", missing, &fixture], b"");
        assert_eq!(output.status.code(), Some(2), "--backend {missing}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("not available"));
    }
}

#[test]
fn repl_parses_each_typed_line_and_exits_at_end_of_input() {
    // A sequence cut between two lines carries over; the escapes become bytes.
    let typed = "\\e[1mbold\\x1b[\n0m\\n\\x1b]0;t\\a\n";
    let output = perdix(&["--repl", "--backend", "cpu-scan"], typed.as_bytes());
    assert!(output.status.success());
    let expected = reference_dump(b"\x1b[1mbold\x1b[0m\n\x1b]0;t\x07");
    assert_eq!(String::from_utf8(output.stdout).unwrap(), expected);
}
