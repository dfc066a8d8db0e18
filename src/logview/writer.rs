//! Tagged output: each line prefixed with its pane's coloured `[name]`, written whole.

use std::io::{self, Write};

/// Foreground colours of the tags (bold), in the order panes get them: cyan, yellow,
/// magenta, green, blue, red.
const TAG_COLOURS: [u8; 6] = [6, 3, 5, 2, 4, 1];

/// The short name of a command: its program's file name, as the command is split for
/// [`SpawnConfig::argv`](crate::pty::SpawnConfig::argv); the trimmed command itself when
/// it cannot be split or is empty.
///
/// ```
/// use perdix::logview::command_name;
/// assert_eq!(command_name("/usr/bin/git log --oneline"), "git");
/// assert_eq!(command_name("'my tool' --flag"), "my tool");
/// assert_eq!(command_name("echo 'unclosed"), "echo 'unclosed");
/// ```
pub fn command_name(command: &str) -> String {
    let program = match shell_words::split(command) {
        Ok(argv) if !argv.is_empty() => argv[0].clone(),
        _ => return command.trim().to_owned(),
    };
    match program.rsplit('/').find(|part| !part.is_empty()) {
        Some(base) => base.to_owned(),
        None => program,
    }
}

/// One tag name per command: [`command_name`], with `#2`, `#3`, … added to the second,
/// third, … pane of the same name.
///
/// ```
/// use perdix::logview::pane_names;
/// assert_eq!(pane_names(&["sh -c 'a'", "cargo test", "/bin/sh"]), ["sh", "cargo", "sh#2"]);
/// ```
pub fn pane_names<S: AsRef<str>>(commands: &[S]) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(commands.len());
    for command in commands {
        let base = command_name(command.as_ref());
        let earlier = names
            .iter()
            .filter(|name| name.as_str() == base || name.strip_prefix(&base).is_some_and(is_ordinal))
            .count();
        names.push(if earlier == 0 {
            base
        } else {
            format!("{base}#{}", earlier + 1)
        });
    }
    names
}

/// True for `#` followed by digits (a suffix [`pane_names`] added).
fn is_ordinal(suffix: &str) -> bool {
    suffix
        .strip_prefix('#')
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit()))
}

/// The coloured tag of pane `index`: `ESC[1;3Xm[name]ESC[0m` and a space.
///
/// ```
/// use perdix::logview::pane_tag;
/// assert_eq!(pane_tag(0, "claude"), "\x1b[1;36m[claude]\x1b[0m ");
/// assert_eq!(pane_tag(1, "codex"), "\x1b[1;33m[codex]\x1b[0m ");
/// ```
pub fn pane_tag(index: usize, name: &str) -> String {
    let colour = TAG_COLOURS[index % TAG_COLOURS.len()];
    format!("\x1b[1;3{colour}m[{name}]\x1b[0m ")
}

/// Writes log lines prefixed with their pane's tag, each line (tag, text and newline)
/// with a single `write_all`, so that lines from different panes never mix even when
/// something else writes to the same output.
///
/// ```
/// use perdix::logview::LogWriter;
/// let mut writer = LogWriter::new(Vec::new(), &["build", "test"]);
/// writer.write_line(1, "ok").unwrap();
/// writer.write_line(0, "\x1b[32mdone\x1b[0m").unwrap();
/// let text = String::from_utf8(writer.into_inner()).unwrap();
/// assert_eq!(text, "\x1b[1;33m[test]\x1b[0m ok\n\x1b[1;36m[build]\x1b[0m \x1b[32mdone\x1b[0m\n");
/// ```
#[derive(Debug)]
pub struct LogWriter<W: Write> {
    out: W,
    tags: Vec<String>,
    scratch: Vec<u8>,
}

impl<W: Write> LogWriter<W> {
    /// A writer to `out` for panes named `names` (pane `i` is `names[i]`).
    pub fn new<S: AsRef<str>>(out: W, names: &[S]) -> LogWriter<W> {
        let tags = names
            .iter()
            .enumerate()
            .map(|(index, name)| pane_tag(index, name.as_ref()))
            .collect();
        LogWriter {
            out,
            tags,
            scratch: Vec::new(),
        }
    }

    /// Number of panes.
    pub fn pane_count(&self) -> usize {
        self.tags.len()
    }

    /// Writes `line` (which must not contain a newline) tagged with pane `pane`'s name,
    /// and a newline. A pane index out of range is tagged `[?]`.
    pub fn write_line(&mut self, pane: usize, line: &str) -> io::Result<()> {
        self.scratch.clear();
        match self.tags.get(pane) {
            Some(tag) => self.scratch.extend_from_slice(tag.as_bytes()),
            None => self.scratch.extend_from_slice(b"[?] "),
        }
        self.scratch.extend_from_slice(line.as_bytes());
        self.scratch.push(b'\n');
        self.out.write_all(&self.scratch)
    }

    /// Flushes the output.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// The output, given back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_basenames_numbered_from_the_second_duplicate() {
        assert_eq!(
            pane_names(&["seq 3", "/usr/bin/seq 4", "./seq", "sh", "seq"]),
            ["seq", "seq#2", "seq#3", "sh", "seq#4"]
        );
        assert_eq!(pane_names(&["  ", "a/b/"]), ["", "b"]);
        assert!(pane_names::<&str>(&[]).is_empty());
    }

    #[test]
    fn tags_cycle_through_the_palette() {
        let tags: Vec<String> = (0..7).map(|index| pane_tag(index, "x")).collect();
        assert_eq!(tags[0], tags[6]);
        let distinct: std::collections::HashSet<_> = tags[..6].iter().collect();
        assert_eq!(distinct.len(), 6);
    }

    #[test]
    fn each_line_is_one_write() {
        struct CountingWriter(Vec<Vec<u8>>);
        impl Write for CountingWriter {
            fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
                self.0.push(bytes.to_vec());
                Ok(bytes.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut writer = LogWriter::new(CountingWriter(Vec::new()), &["a"]);
        writer.write_line(0, "first").unwrap();
        writer.write_line(5, "stray").unwrap();
        let writes = writer.into_inner().0;
        assert_eq!(writes.len(), 2);
        assert_eq!(writes[0], b"\x1b[1;36m[a]\x1b[0m first\n");
        assert_eq!(writes[1], b"[?] stray\n");
    }
}
