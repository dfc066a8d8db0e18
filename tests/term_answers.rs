//! What a pane's terminal answers about itself: colours from the palette it is drawn with
//! (unless the program set its own), colour-scheme reports, XTVERSION, mode reports, and
//! the mouse protocol the program asked for.

mod support;

use support::cpu_records as records;

use perdix::pty::PaneSize;
use perdix::term::{MouseEncoding, MouseProtocol, MouseTracking, Palette, PaneConfig, PaneTerminal};
use perdix::tui::theme::Theme;

fn pane_with(palette: Palette) -> PaneTerminal {
    let config = PaneConfig {
        palette,
        ..PaneConfig::default()
    };
    PaneTerminal::new(PaneSize::new(20, 5), config)
}

/// What the pane answers to `bytes`, as text.
fn answer(pane: &mut PaneTerminal, bytes: &[u8]) -> String {
    pane.apply_records(&records(bytes)).unwrap();
    String::from_utf8(pane.take_replies()).unwrap()
}

fn light() -> Palette {
    Theme::builtin("light").unwrap().palette()
}

#[test]
fn colour_queries_are_answered_with_the_colours_the_pane_is_drawn_with() {
    let mut pane = pane_with(light());
    // light.toml: background #fafafa, foreground #303030, cursor #000000, red #af0000,
    // bright white #ffffff.
    assert_eq!(
        answer(&mut pane, b"\x1b]11;?\x07"),
        "\x1b]11;rgb:fafa/fafa/fafa\x07"
    );
    assert_eq!(
        answer(&mut pane, b"\x1b]10;?\x1b\\"),
        "\x1b]10;rgb:3030/3030/3030\x1b\\"
    );
    assert_eq!(
        answer(&mut pane, b"\x1b]12;?\x07"),
        "\x1b]12;rgb:0000/0000/0000\x07"
    );
    assert_eq!(
        answer(&mut pane, b"\x1b]4;1;?;15;?\x07"),
        "\x1b]4;1;rgb:afaf/0000/0000\x07\x1b]4;15;rgb:ffff/ffff/ffff\x07"
    );
    // Past the 16 theme colours: xterm's cube and grey ramp.
    assert_eq!(
        answer(&mut pane, b"\x1b]4;196;?\x07"),
        "\x1b]4;196;rgb:ffff/0000/0000\x07"
    );
    assert_eq!(
        answer(&mut pane, b"\x1b]4;244;?\x07"),
        "\x1b]4;244;rgb:8080/8080/8080\x07"
    );
    // Another palette, other answers.
    pane.set_palette(Theme::builtin("solarized-dark").unwrap().palette());
    assert_eq!(
        answer(&mut pane, b"\x1b]11;?\x07"),
        "\x1b]11;rgb:0000/2b2b/3636\x07"
    );
}

#[test]
fn a_colour_the_program_sets_is_answered_until_it_is_reset() {
    let mut pane = pane_with(light());
    let query_red = b"\x1b]4;1;?\x07";
    assert_eq!(
        answer(&mut pane, b"\x1b]4;1;#123456\x07\x1b]4;1;?\x07"),
        "\x1b]4;1;rgb:1212/3434/5656\x07"
    );
    assert_eq!(answer(&mut pane, b"\x1b]104;1\x07"), "");
    assert_eq!(answer(&mut pane, query_red), "\x1b]4;1;rgb:afaf/0000/0000\x07");
    // OSC 104 without an index resets them all.
    answer(&mut pane, b"\x1b]4;1;#010203;2;#040506\x07\x1b]104\x07");
    assert_eq!(answer(&mut pane, query_red), "\x1b]4;1;rgb:afaf/0000/0000\x07");
    assert_eq!(
        answer(&mut pane, b"\x1b]4;2;?\x07"),
        "\x1b]4;2;rgb:0000/8787/0000\x07"
    );
    // The dynamic colours and their own resets.
    answer(&mut pane, b"\x1b]10;#102030\x07\x1b]11;rgb:40/50/60\x07");
    assert_eq!(
        answer(&mut pane, b"\x1b]10;?\x07\x1b]11;?\x07"),
        "\x1b]10;rgb:1010/2020/3030\x07\x1b]11;rgb:4040/5050/6060\x07"
    );
    answer(&mut pane, b"\x1b]110\x07\x1b]111\x07");
    assert_eq!(
        answer(&mut pane, b"\x1b]10;?\x07\x1b]11;?\x07"),
        "\x1b]10;rgb:3030/3030/3030\x07\x1b]11;rgb:fafa/fafa/fafa\x07"
    );
    // A program's colour outlives a palette change.
    answer(&mut pane, b"\x1b]11;#000001\x07");
    pane.set_palette(Palette::xterm());
    assert_eq!(
        answer(&mut pane, b"\x1b]11;?\x07"),
        "\x1b]11;rgb:0000/0000/0101\x07"
    );
}

#[test]
fn palette_changes_are_reported_only_to_programs_that_asked() {
    let mut pane = pane_with(Palette::xterm());
    assert_eq!(answer(&mut pane, b"\x1b[?996n"), "\x1b[?997;1n");
    pane.set_palette(light());
    assert!(pane.take_replies().is_empty());
    assert_eq!(answer(&mut pane, b"\x1b[?996n"), "\x1b[?997;2n");
    assert_eq!(answer(&mut pane, b"\x1b[?2031$p"), "\x1b[?2031;2$y");

    assert_eq!(answer(&mut pane, b"\x1b[?2031h\x1b[?2031$p"), "\x1b[?2031;1$y");
    pane.set_palette(Palette::xterm());
    assert_eq!(pane.take_replies(), b"\x1b[?997;1n");
    // The same palette again is no change.
    pane.set_palette(Palette::xterm());
    assert!(pane.take_replies().is_empty());
    // A change of colours that keeps the background dark is still a change.
    pane.set_palette(Theme::builtin("gruvbox-dark").unwrap().palette());
    assert_eq!(pane.take_replies(), b"\x1b[?997;1n");
    pane.set_palette(light());
    assert_eq!(pane.take_replies(), b"\x1b[?997;2n");

    answer(&mut pane, b"\x1b[?2031l");
    pane.set_palette(Palette::xterm());
    assert!(pane.take_replies().is_empty());
}

#[test]
fn answers_keep_their_order() {
    let mut pane = pane_with(light());
    assert_eq!(
        answer(&mut pane, b"\x1b[6n\x1b[>q\x1b[?996n\x1b[5n\x1b[?2031$p\x1b[c"),
        format!(
            "\x1b[1;1R\x1bP>|perdix {}\x1b\\\x1b[?997;2n\x1b[0n\x1b[?2031;2$y\x1b[?6c",
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[test]
fn xtversion_names_perdix_and_mode_2026_stays_supported() {
    let mut pane = pane_with(Palette::xterm());
    let version = format!("\x1bP>|perdix {}\x1b\\", env!("CARGO_PKG_VERSION"));
    assert_eq!(answer(&mut pane, b"\x1b[>q"), version);
    assert_eq!(answer(&mut pane, b"\x1b[>0q"), version);
    assert_eq!(answer(&mut pane, b"\x1b[>1q"), "");
    // Supported and reset, whether or not an update was open.
    assert_eq!(answer(&mut pane, b"\x1b[?2026$p"), "\x1b[?2026;2$y");
    // Modes Perdix does not do stay unrecognized.
    assert_eq!(answer(&mut pane, b"\x1b[?1015$p"), "\x1b[?1015;0$y");
}

#[test]
fn the_mouse_protocol_follows_the_modes_the_program_sets() {
    let mut pane = pane_with(Palette::xterm());
    let protocol = |tracking, encoding| Some(MouseProtocol { tracking, encoding });
    assert_eq!(pane.mouse_protocol(), None);
    answer(&mut pane, b"\x1b[?1000h");
    assert_eq!(
        pane.mouse_protocol(),
        protocol(MouseTracking::Normal, MouseEncoding::Default)
    );
    answer(&mut pane, b"\x1b[?1006h\x1b[?1002h");
    assert_eq!(
        pane.mouse_protocol(),
        protocol(MouseTracking::ButtonEvent, MouseEncoding::Sgr)
    );
    answer(&mut pane, b"\x1b[?1005h\x1b[?1003h");
    assert_eq!(
        pane.mouse_protocol(),
        protocol(MouseTracking::AnyEvent, MouseEncoding::Utf8)
    );
    answer(&mut pane, b"\x1b[?9h");
    assert_eq!(
        pane.mouse_protocol(),
        protocol(MouseTracking::X10, MouseEncoding::Utf8)
    );
    assert_eq!(answer(&mut pane, b"\x1b[?9$p"), "\x1b[?9;1$y");
    answer(&mut pane, b"\x1b[?1000h");
    assert_eq!(
        pane.mouse_protocol(),
        protocol(MouseTracking::Normal, MouseEncoding::Utf8)
    );
    answer(&mut pane, b"\x1b[?1000l\x1b[?1005l");
    assert_eq!(pane.mouse_protocol(), None);
    answer(&mut pane, b"\x1b[?9h\x1bc");
    assert_eq!(pane.mouse_protocol(), None);
}
