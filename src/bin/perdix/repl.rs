//! `perdix --repl`: type a line with escapes, see what the parser makes of it.

use anyhow::{Context, Result};
use perdix::parse::BackendKind;
use std::io::{self, BufRead, IsTerminal, Write};
use std::process::ExitCode;

/// Runs the read-parse-print loop until end of input (Ctrl-D).
pub fn run(kind: BackendKind) -> Result<ExitCode> {
    let mut pipeline = match super::dump::open_pipeline(kind)? {
        Ok(pipeline) => pipeline,
        Err(code) => return Ok(code),
    };
    let interactive = io::stdin().is_terminal();
    if interactive {
        eprintln!(
            "perdix repl ({} backend): type text with \\e or \\x1b for ESC, \\n, \\r, \\t, \\a, \\xNN, \\\\; \
             each line is parsed as it is, without its newline. Ctrl-D exits.",
            pipeline.backend_name()
        );
    }
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let mut out = io::stdout().lock();
    let mut line = String::new();
    loop {
        if interactive {
            eprint!("> ");
        }
        line.clear();
        if input.read_line(&mut line).context("reading a line")? == 0 {
            break;
        }
        let text = line.trim_end_matches(['\n', '\r']);
        let bytes = match unescape(text) {
            Ok(bytes) => bytes,
            Err(message) => {
                eprintln!("perdix: {message}");
                continue;
            }
        };
        pipeline.feed(0, &bytes).context("feeding the input ring")?;
        pipeline.run_batch().context("parsing")?;
        out.write_all(pipeline.take_dump(0).as_bytes())?;
        out.flush()?;
    }
    pipeline.finish(0).context("finishing the stream")?;
    out.write_all(pipeline.take_dump(0).as_bytes())?;
    out.flush()?;
    if interactive {
        eprintln!();
    }
    Ok(ExitCode::SUCCESS)
}

/// Turns the escapes of a typed line into bytes.
pub fn unescape(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] != b'\\' || index + 1 == bytes.len() {
            out.push(bytes[index]);
            index += 1;
            continue;
        }
        let escape = bytes[index + 1];
        index += 2;
        match escape {
            b'e' | b'E' => out.push(0x1b),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'a' => out.push(0x07),
            b'\\' => out.push(b'\\'),
            b'x' => {
                let digits = text
                    .get(index..index + 2)
                    .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()));
                let digits =
                    digits.ok_or_else(|| format!("\\x needs two hex digits at column {}", index - 1))?;
                out.push(u8::from_str_radix(digits, 16).map_err(|e| e.to_string())?);
                index += 2;
            }
            other => {
                // Unknown escapes stay as typed.
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::unescape;

    #[test]
    fn escapes_become_bytes() {
        assert_eq!(
            unescape(r"\e[1m\x1b]0;t\a\n\\\q").unwrap(),
            b"\x1b[1m\x1b]0;t\x07\n\\\\q"
        );
        assert_eq!(
            unescape("caf\u{e9}\\xff").unwrap(),
            "caf\u{e9}".bytes().chain([0xff]).collect::<Vec<_>>()
        );
        assert_eq!(unescape("trailing\\").unwrap(), b"trailing\\");
        assert!(unescape(r"\x1").is_err());
        assert!(unescape(r"\xzz").is_err());
    }
}
