use super::*;
use crate::backend::Pipeline;
use crate::parse::BackendKind;
use std::cell::RefCell;
use std::io::Cursor;
use std::rc::Rc;

fn flat_out(kind: AgentKind, seed: u64, limit: u64) -> Vec<u8> {
    let options = DemoAgentOptions {
        pace: Pace::FlatOut,
        limit_bytes: Some(limit),
        ..DemoAgentOptions::new(kind, seed)
    };
    let mut out = Vec::new();
    let mut never = |_| panic!("flat out never sleeps");
    let written = run_paced(&options, &mut out, &mut io::empty(), &mut never).unwrap();
    assert_eq!(written, out.len() as u64);
    out
}

/// Realistic and interactive, answering `y` to every question, without really sleeping;
/// returns the output and the total pause.
fn interactive(kind: AgentKind, seed: u64, limit: u64) -> (Vec<u8>, Duration) {
    let options = DemoAgentOptions {
        limit_bytes: Some(limit),
        interactive: true,
        ..DemoAgentOptions::new(kind, seed)
    };
    let mut out = Vec::new();
    let mut paused = Duration::ZERO;
    let mut input = Cursor::new("y\n".repeat(10_000));
    run_paced(&options, &mut out, &mut input, &mut |pause| paused += pause).unwrap();
    (out, paused)
}

#[test]
fn the_output_is_decided_by_kind_and_seed() {
    let claude = flat_out(AgentKind::Claude, 1, 200_000);
    assert_eq!(claude, flat_out(AgentKind::Claude, 1, 200_000));
    assert_ne!(claude, flat_out(AgentKind::Claude, 2, 200_000));
    assert_ne!(claude, flat_out(AgentKind::Codex, 1, 200_000));
    assert_ne!(
        flat_out(AgentKind::Codex, 1, 200_000),
        flat_out(AgentKind::Aider, 1, 200_000)
    );
    assert_eq!(
        interactive(AgentKind::Aider, 5, 50_000),
        interactive(AgentKind::Aider, 5, 50_000)
    );
}

#[test]
fn flat_out_stops_at_the_first_step_boundary_past_the_limit() {
    let closing = DemoAgent::new(AgentKind::Claude, 0, false).closing_bytes();
    for kind in AgentKind::ALL {
        for limit in [0, 1, 999, 65_536, MIB] {
            let out = flat_out(kind, 7, limit);
            assert!(out.len() as u64 >= limit, "{kind:?} {limit}");
            // No single step is anywhere near 4 KiB.
            assert!(
                (out.len() as u64) < limit + 4096 + closing.len() as u64,
                "{kind:?} {limit}"
            );
            assert!(out.ends_with(&closing));
            // The steps before the closing bytes are exactly the generator's, whole.
            let body = &out[..out.len() - closing.len()];
            let mut agent = DemoAgent::new(kind, 7, false);
            let mut expected = Vec::new();
            while (expected.len() as u64) < limit {
                let DemoStep::Output(burst) = agent.next_step() else {
                    unreachable!()
                };
                expected.extend(burst.bytes);
            }
            assert_eq!(body, &expected[..]);
        }
    }
}

#[test]
fn the_output_parses_without_ignored_sequences_or_invalid_text() {
    for kind in AgentKind::ALL {
        for out in [flat_out(kind, 11, 300_000), interactive(kind, 11, 100_000).0] {
            let text = String::from_utf8(out.clone()).expect("valid UTF-8");
            let mut pipeline = Pipeline::new(BackendKind::Cpu, Default::default()).unwrap();
            pipeline.feed(0, &out).unwrap();
            pipeline.finish(0).unwrap();
            let dump = pipeline.take_dump(0);
            assert!(!dump.contains('\u{fffd}'), "{kind:?}: replacement character");
            for line in dump.lines() {
                let fields: Vec<&str> = line.split(' ').collect();
                let ignored = match fields[0] {
                    "csi" | "hook" => fields[3] == "1",
                    "esc" => fields[2] == "1",
                    _ => false,
                };
                assert!(!ignored, "{kind:?}: ignored sequence {line}");
            }
            assert!(
                dump.contains("csi 2026 3f 0 h"),
                "{kind:?}: no synchronized update"
            );
            assert!(
                dump.lines().filter(|line| line.starts_with("osc")).count() >= 1,
                "{kind:?}"
            );
            assert!(
                text.contains("\x1b[38;2;") && text.contains("\x1b[38;5;"),
                "{kind:?}"
            );
            assert!(
                text.contains("\r\x1b[K") || text.contains("\r\x1b[2K"),
                "{kind:?}"
            );
            assert!(text.contains('╭') && text.contains('╯'), "{kind:?}: tool boxes");
            assert!(text.contains("```"), "{kind:?}: code blocks");
            assert!(
                text.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)),
                "{kind:?}"
            );
        }
    }
}

#[test]
fn realistic_pace_pauses_and_titles_each_agent() {
    let (out, paused) = interactive(AgentKind::Claude, 3, 30_000);
    // Tens of kilobytes of typing, tool calls and thinking take a while.
    assert!(paused > Duration::from_secs(10), "{paused:?}");
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("\x1b]0;✳ claude: "));
    assert!(interactive(AgentKind::Codex, 3, 1000)
        .0
        .starts_with(b"\x1b]2;codex"));
}

/// Output shared with the input side, so a read can check what was written before it.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Input that, each time it is read, asserts the output ends with an open question.
struct Answers {
    output: Shared,
    input: Cursor<Vec<u8>>,
    reads: usize,
}

impl io::Read for Answers {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        io::BufRead::fill_buf(self)?;
        let count = io::Read::read(&mut self.input, buffer)?;
        Ok(count)
    }
}

impl BufRead for Answers {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let output = self.output.0.borrow();
        assert!(
            output.ends_with(b"[y/n] "),
            "read before a question: {:?}",
            String::from_utf8_lossy(&output)
        );
        let question = &output[output.len().saturating_sub(300)..];
        assert!(question.contains(&0x07), "the question rings or notifies");
        self.reads += 1;
        self.input.fill_buf()
    }
    fn consume(&mut self, amount: usize) {
        self.input.consume(amount);
    }
}

#[test]
fn interactive_agents_wait_for_a_line_at_each_question() {
    let output = Shared::default();
    let mut answers = Answers {
        output: output.clone(),
        input: Cursor::new(b"y\nn\ny\n".to_vec()),
        reads: 0,
    };
    let options = DemoAgentOptions {
        limit_bytes: Some(200_000),
        interactive: true,
        ..DemoAgentOptions::new(AgentKind::Aider, 2)
    };
    run_paced(&options, &mut output.clone(), &mut answers, &mut |_| {}).unwrap();
    let text = String::from_utf8(output.0.take()).unwrap();
    // Three answers, then the end of input: a fourth question is read once and then the
    // agent stops asking.
    assert_eq!(answers.reads, 4);
    assert_eq!(text.matches("[y/n] ").count(), 4);
    assert_eq!(text.matches("continuing").count(), 2);
    assert_eq!(text.matches("skipped").count(), 1);
    let first = text.find("[y/n] ").unwrap();
    assert!(
        text[first..].starts_with("[y/n] \x1b["),
        "the answer follows the question"
    );
}

#[test]
fn a_closed_output_ends_the_agent_quietly() {
    struct Closing(usize);
    impl Write for Closing {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            if self.0 < bytes.len() {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            self.0 -= bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let options = DemoAgentOptions {
        pace: Pace::FlatOut,
        ..DemoAgentOptions::new(AgentKind::Codex, 1)
    };
    let written = run_demo_agent(&options, &mut Closing(50_000), &mut io::empty()).unwrap();
    assert!(written <= 50_000 && written > 40_000, "{written}");
    assert_eq!(
        run_demo_agent(&options, &mut Closing(0), &mut io::empty()).unwrap(),
        0
    );

    // Any other failure is an error.
    struct Full;
    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("disk full"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    assert!(run_demo_agent(&options, &mut Full, &mut io::empty()).is_err());
}

#[test]
fn kinds_parse_from_their_names() {
    for kind in AgentKind::ALL {
        assert_eq!(kind.name().parse::<AgentKind>(), Ok(kind));
    }
    assert_eq!("Claude".parse::<AgentKind>(), Ok(AgentKind::Claude));
    assert_eq!(
        "vim".parse::<AgentKind>(),
        Err(UnknownAgentKind("vim".to_owned()))
    );
}
