//! Operating system commands (`OSC n ; … ST`) to handler calls: titles, palette and dynamic
//! colours, hyperlinks, cursor shape, clipboard. Colour specifications follow XParseColor
//! (`#rgb` forms and `rgb:r/g/b`).

use std::str::FromStr;
use vte::ansi::{CursorShape, Handler, Hyperlink, NamedColor, Rgb};

/// Dispatches one OSC string. `bell` says whether BEL ended it; replies end the same way.
pub(crate) fn dispatch_osc<H: Handler>(handler: &mut H, params: &[&[u8]], bell: bool) {
    let terminator = if bell { "\x07" } else { "\x1b\\" };
    let Some((&command, args)) = params.split_first() else {
        return;
    };
    match command {
        b"" => {}
        b"0" | b"2" if !args.is_empty() => {
            let parts: Vec<&str> = args
                .iter()
                .filter_map(|arg| std::str::from_utf8(arg).ok())
                .collect();
            handler.set_title(Some(parts.join(";").trim().to_owned()));
        }
        b"4" if !args.is_empty() && args.len() % 2 == 0 => {
            for pair in args.chunks_exact(2) {
                let Some(index) = small_number(pair[0]) else {
                    continue;
                };
                if let Some(color) = parse_color(pair[1]) {
                    handler.set_color(usize::from(index), color);
                } else if pair[1] == b"?" {
                    handler.dynamic_color_sequence(format!("4;{index}"), usize::from(index), terminator);
                }
            }
        }
        b"8" if args.len() >= 2 => set_hyperlink(handler, args),
        b"10" | b"11" | b"12" if !args.is_empty() => {
            // Each further argument sets the next dynamic colour, up to the cursor colour.
            let first = small_number(command).unwrap_or(10);
            for (offset, arg) in args.iter().enumerate() {
                let code = usize::from(first) + offset;
                let index = NamedColor::Foreground as usize + code - 10;
                if index > NamedColor::Cursor as usize {
                    break;
                }
                if let Some(color) = parse_color(arg) {
                    handler.set_color(index, color);
                } else if *arg == b"?" {
                    handler.dynamic_color_sequence(code.to_string(), index, terminator);
                }
            }
        }
        b"22" if args.len() == 1 => {
            if let Ok(icon) = cursor_icon::CursorIcon::from_str(&String::from_utf8_lossy(args[0])) {
                handler.set_mouse_cursor_icon(icon);
            }
        }
        b"50" => {
            let shape = args
                .first()
                .and_then(|arg| arg.strip_prefix(b"CursorShape="))
                .and_then(|rest| match rest.first() {
                    Some(b'0') => Some(CursorShape::Block),
                    Some(b'1') => Some(CursorShape::Beam),
                    Some(b'2') => Some(CursorShape::Underline),
                    _ => None,
                });
            if let Some(shape) = shape {
                handler.set_cursor_shape(shape);
            }
        }
        b"52" if args.len() >= 2 => {
            let clipboard = args[0].first().copied().unwrap_or(b'c');
            match args[1] {
                b"?" => handler.clipboard_load(clipboard, terminator),
                data => handler.clipboard_store(clipboard, data),
            }
        }
        b"104" => {
            if args.first().is_none_or(|arg| arg.is_empty()) {
                (0..256).for_each(|index| handler.reset_color(index));
            } else {
                for index in args.iter().filter_map(|arg| small_number(arg)) {
                    handler.reset_color(usize::from(index));
                }
            }
        }
        b"110" => handler.reset_color(NamedColor::Foreground as usize),
        b"111" => handler.reset_color(NamedColor::Background as usize),
        b"112" => handler.reset_color(NamedColor::Cursor as usize),
        _ => {}
    }
}

/// OSC 8: `8 ; key=value:… ; uri`. A `;` inside the URI split it into more arguments, so
/// they are joined back; an empty URI ends the link.
fn set_hyperlink<H: Handler>(handler: &mut H, args: &[&[u8]]) {
    let uri_parts: Vec<&str> = args[1..]
        .iter()
        .map(|part| std::str::from_utf8(part).unwrap_or(""))
        .collect();
    let uri = uri_parts.join(";");
    if uri.is_empty() {
        handler.set_hyperlink(None);
        return;
    }
    let id = args[0]
        .split(|&byte| byte == b':')
        .find_map(|pair| pair.strip_prefix(b"id="))
        .and_then(|id| std::str::from_utf8(id).ok())
        .map(str::to_owned);
    handler.set_hyperlink(Some(Hyperlink { id, uri }));
}

/// A decimal number that fits a byte (palette indices and OSC command numbers).
fn small_number(bytes: &[u8]) -> Option<u8> {
    if bytes.is_empty() {
        return None;
    }
    bytes.iter().try_fold(0u8, |value, &byte| {
        let digit = char::from(byte).to_digit(10)?;
        value.checked_mul(10)?.checked_add(digit as u8)
    })
}

/// An XParseColor specification: `#` followed by 1–4 hex digits per component, or
/// `rgb:` followed by three `/`-separated components of 1–4 hex digits.
pub(crate) fn parse_color(spec: &[u8]) -> Option<Rgb> {
    if let Some(hex) = spec.strip_prefix(b"#") {
        return parse_sharp_color(hex);
    }
    let components = std::str::from_utf8(spec.strip_prefix(b"rgb:")?).ok()?;
    let mut values = components.split('/');
    let (r, g, b) = (values.next()?, values.next()?, values.next()?);
    if values.next().is_some() {
        return None;
    }
    Some(Rgb {
        r: scale_component(r)?,
        g: scale_component(g)?,
        b: scale_component(b)?,
    })
}

/// `rgb:` components are scaled from their own width (`f` is 255, `8000` is 127).
fn scale_component(hex: &str) -> Option<u8> {
    if hex.len() > 4 {
        return None;
    }
    let max = 16u32.pow(hex.len() as u32) - 1;
    let value = u32::from_str_radix(hex, 16).ok()?;
    Some((255 * value / max) as u8)
}

/// `#` colours: three equal parts (any extra digits go to blue); each part keeps its two
/// most significant hex digits, and a single digit is the high nibble.
fn parse_sharp_color(hex: &[u8]) -> Option<Rgb> {
    let width = hex.len() / 3;
    let part = |bytes: &[u8]| -> Option<u8> {
        let value = usize::from_str_radix(std::str::from_utf8(bytes).ok()?, 16).ok()? << 4;
        Some((value >> (4 * bytes.len().saturating_sub(1))) as u8)
    };
    Some(Rgb {
        r: part(&hex[..width])?,
        g: part(&hex[width..2 * width])?,
        b: part(&hex[2 * width..])?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_specifications() {
        let rgb = |r, g, b| Some(Rgb { r, g, b });
        assert_eq!(parse_color(b"#ff8000"), rgb(255, 128, 0));
        assert_eq!(parse_color(b"#f80"), rgb(0xf0, 0x80, 0));
        assert_eq!(parse_color(b"#fff000000"), rgb(0xff, 0, 0));
        assert_eq!(parse_color(b"rgb:ff/80/0"), rgb(255, 128, 0));
        assert_eq!(parse_color(b"rgb:ffff/8000/0000"), rgb(255, 127, 0));
        assert_eq!(parse_color(b"rgb:fffff/0/0"), None);
        assert_eq!(parse_color(b"rgb:1/2"), None);
        assert_eq!(parse_color(b"rgb:1/2/3/4"), None);
        assert_eq!(parse_color(b"red"), None);
        assert_eq!(parse_color(b"#"), None);
    }

    #[test]
    fn small_numbers() {
        assert_eq!(small_number(b"255"), Some(255));
        assert_eq!(small_number(b"256"), None);
        assert_eq!(small_number(b""), None);
        assert_eq!(small_number(b"1a"), None);
    }
}
