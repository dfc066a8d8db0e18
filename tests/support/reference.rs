//! The reference: the canonical dump of `vte` fed the whole input at once, built from its
//! `Perform` calls without any of the library's code (only its bound on a line,
//! [`MAX_RUN_BYTES`]). Shared with the fuzz target.

use perdix::parse::MAX_RUN_BYTES;
use std::fmt::Write;

/// The canonical dump of `vte` fed the whole input at once, built from its `Perform` calls
/// without any of the library's code.
pub fn reference_dump(bytes: &[u8]) -> String {
    let mut parser = vte::Parser::new();
    let mut dump = ReferenceDump::default();
    parser.advance(&mut dump, bytes);
    dump.flush();
    dump.out
}

#[derive(Default)]
struct ReferenceDump {
    out: String,
    print: String,
    put: Vec<u8>,
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn hex_or_dash(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        "-".into()
    } else {
        hex(bytes)
    }
}

fn params_text(params: &vte::Params) -> String {
    if params.is_empty() {
        return "-".into();
    }
    let groups: Vec<String> = params
        .iter()
        .map(|group| group.iter().map(u16::to_string).collect::<Vec<_>>().join(":"))
        .collect();
    groups.join(";")
}

impl ReferenceDump {
    fn flush(&mut self) {
        if !self.print.is_empty() {
            let text = std::mem::take(&mut self.print);
            writeln!(self.out, "print {}", serde_json::to_string(&text).unwrap()).unwrap();
        }
        if !self.put.is_empty() {
            let bytes = std::mem::take(&mut self.put);
            writeln!(self.out, "put {}", hex(&bytes)).unwrap();
        }
    }
}

impl vte::Perform for ReferenceDump {
    fn print(&mut self, c: char) {
        // A line holds at most MAX_RUN_BYTES of text: a character that would not fit
        // starts the next line.
        if !self.put.is_empty() || self.print.len() + c.len_utf8() > MAX_RUN_BYTES {
            self.flush();
        }
        self.print.push(c);
    }

    fn execute(&mut self, byte: u8) {
        self.flush();
        writeln!(self.out, "execute {byte:02x}").unwrap();
    }

    fn hook(&mut self, params: &vte::Params, intermediates: &[u8], ignore: bool, action: char) {
        self.flush();
        let (p, i) = (params_text(params), hex_or_dash(intermediates));
        writeln!(self.out, "hook {p} {i} {} {action}", ignore as u8).unwrap();
    }

    fn put(&mut self, byte: u8) {
        if !self.print.is_empty() || self.put.len() == MAX_RUN_BYTES {
            self.flush();
        }
        self.put.push(byte);
    }

    fn unhook(&mut self) {
        self.flush();
        self.out.push_str("unhook\n");
    }

    fn osc_dispatch(&mut self, params: &[&[u8]], bell_terminated: bool) {
        self.flush();
        let params: Vec<String> = params.iter().map(|param| hex(param)).collect();
        let json = serde_json::to_string(&params).unwrap();
        writeln!(self.out, "osc {} {json}", bell_terminated as u8).unwrap();
    }

    fn csi_dispatch(&mut self, params: &vte::Params, intermediates: &[u8], ignore: bool, action: char) {
        self.flush();
        let (p, i) = (params_text(params), hex_or_dash(intermediates));
        writeln!(self.out, "csi {p} {i} {} {action}", ignore as u8).unwrap();
    }

    fn esc_dispatch(&mut self, intermediates: &[u8], ignore: bool, byte: u8) {
        self.flush();
        writeln!(
            self.out,
            "esc {} {} {byte:02x}",
            hex_or_dash(intermediates),
            ignore as u8
        )
        .unwrap();
    }
}
