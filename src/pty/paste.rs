//! Encoding of pasted text for a child, with or without bracketed paste (DEC mode 2004).

/// Starts a bracketed paste.
pub const PASTE_START: &[u8] = b"\x1b[200~";
/// Ends a bracketed paste.
pub const PASTE_END: &[u8] = b"\x1b[201~";

/// The bytes to send to a child for a paste of `text`.
///
/// With `bracketed`, the text is wrapped in [`PASTE_START`] … [`PASTE_END`], and any end
/// marker inside the text is removed first, so pasted text cannot end the paste early and
/// have the rest run as typed input. Without it, the text is sent as it is.
///
/// ```
/// use perdix::pty::paste_bytes;
/// assert_eq!(paste_bytes("ls", true), b"\x1b[200~ls\x1b[201~");
/// assert_eq!(paste_bytes("a\x1b[201~b", true), b"\x1b[200~ab\x1b[201~");
/// assert_eq!(paste_bytes("ls", false), b"ls");
/// ```
pub fn paste_bytes(text: &str, bracketed: bool) -> Vec<u8> {
    if !bracketed {
        return text.as_bytes().to_vec();
    }
    let mut body = text.as_bytes().to_vec();
    // Removing one marker can join its neighbours into a new one, so repeat until none is left.
    while let Some(at) = memchr::memmem::find(&body, PASTE_END) {
        body.drain(at..at + PASTE_END.len());
    }
    let mut bytes = Vec::with_capacity(PASTE_START.len() + body.len() + PASTE_END.len());
    bytes.extend_from_slice(PASTE_START);
    bytes.extend_from_slice(&body);
    bytes.extend_from_slice(PASTE_END);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unbracketed_paste_is_the_text() {
        assert_eq!(paste_bytes("echo hi\n", false), b"echo hi\n");
    }

    #[test]
    fn bracketed_paste_is_wrapped() {
        assert_eq!(paste_bytes("", true), b"\x1b[200~\x1b[201~");
        assert_eq!(paste_bytes("x\ny", true), b"\x1b[200~x\ny\x1b[201~");
    }

    #[test]
    fn end_markers_inside_the_text_are_removed_even_when_nested() {
        let nested = "a\x1b[20\x1b[201~1~rm -rf /\x1b[201~";
        let bytes = paste_bytes(nested, true);
        assert_eq!(bytes, b"\x1b[200~arm -rf /\x1b[201~");
        let inner = &bytes[PASTE_START.len()..bytes.len() - PASTE_END.len()];
        assert!(memchr::memmem::find(inner, PASTE_END).is_none());
    }
}
