//! What a pane's terminal tells its owner: replies for the pane's own PTY and pane events
//! (title, bell, notifications, clipboard).

use super::palette::Palette;
use alacritty_terminal::event::{Event, EventListener, WindowSize};
use alacritty_terminal::term::color::Colors;
use alacritty_terminal::term::ClipboardType;
use std::sync::mpsc::Sender;
use std::sync::Arc;

/// Which clipboard an OSC 52 request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clipboard {
    /// The system clipboard (`c`).
    Clipboard,
    /// The primary selection (`p`, `s`).
    Selection,
}

/// Something a pane's program asked for that is not part of its screen.
#[derive(Clone)]
pub enum PaneEvent {
    /// The window title changed (OSC 0 or 2); `None` restores the default.
    Title(Option<String>),
    /// BEL.
    Bell,
    /// A desktop notification: OSC 9 (`9 ; body`), OSC 777 (`777 ; notify ; title ;
    /// body`) or OSC 99 (`99 ; metadata ; payload`, kitty's).
    Notification {
        /// The title, when the sequence has one.
        title: Option<String>,
        /// The message.
        body: String,
    },
    /// Progress (OSC 9;4, ConEmu's): `active` while a task runs (states 1, 3 and 4:
    /// a value, indeterminate, paused); false once it is removed (0) or failed (2).
    Progress {
        /// A task is in progress.
        active: bool,
    },
    /// OSC 52 copy: put `text` into the clipboard (only when clipboard access allows it).
    ClipboardStore {
        /// Which clipboard.
        clipboard: Clipboard,
        /// The decoded text.
        text: String,
    },
    /// OSC 52 paste: the program asks for the clipboard. Answer with
    /// [`PaneTerminal::answer_clipboard`](super::PaneTerminal::answer_clipboard).
    ClipboardLoad {
        /// Which clipboard.
        clipboard: Clipboard,
        /// Turns the clipboard's text into the reply sequence.
        format: Arc<dyn Fn(&str) -> String + Send + Sync>,
    },
}

impl std::fmt::Debug for PaneEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PaneEvent::Title(title) => f.debug_tuple("Title").field(title).finish(),
            PaneEvent::Bell => f.write_str("Bell"),
            PaneEvent::Notification { title, body } => f
                .debug_struct("Notification")
                .field("title", title)
                .field("body", body)
                .finish(),
            PaneEvent::Progress { active } => f.debug_struct("Progress").field("active", active).finish(),
            PaneEvent::ClipboardStore { clipboard, text } => f
                .debug_struct("ClipboardStore")
                .field("clipboard", clipboard)
                .field("text", text)
                .finish(),
            PaneEvent::ClipboardLoad { clipboard, .. } => f
                .debug_struct("ClipboardLoad")
                .field("clipboard", clipboard)
                .finish(),
        }
    }
}

/// The terminal model's event sink: a channel the pane drains after every replay.
/// The event sink of a pane's terminal model (opaque).
pub struct PaneListener(pub(crate) Sender<Event>);

impl EventListener for PaneListener {
    fn send_event(&self, event: Event) {
        // The receiver lives in the same pane; it is only gone while the pane is dropped.
        let _ = self.0.send(event);
    }
}

/// Where one terminal event goes.
pub(crate) enum Routed {
    /// Bytes for the pane's PTY.
    Reply(String),
    /// An event for the pane's owner.
    Event(PaneEvent),
    /// Nothing anyone needs (redraw hints, cursor blinking).
    Dropped,
}

/// Routes an event; `size` answers size queries, and colour queries get the colour the
/// program set (`colors`), else the one the pane is drawn with (`palette`).
pub(crate) fn route(event: Event, size: WindowSize, colors: &Colors, palette: &Palette) -> Routed {
    match event {
        Event::PtyWrite(text) => Routed::Reply(text),
        Event::TextAreaSizeRequest(format) => Routed::Reply(format(size)),
        Event::ColorRequest(index, format) => {
            Routed::Reply(format(colors[index].unwrap_or_else(|| palette.color(index))))
        }
        Event::Title(title) => Routed::Event(PaneEvent::Title(Some(title))),
        Event::ResetTitle => Routed::Event(PaneEvent::Title(None)),
        Event::Bell => Routed::Event(PaneEvent::Bell),
        Event::ClipboardStore(kind, text) => Routed::Event(PaneEvent::ClipboardStore {
            clipboard: clipboard(kind),
            text,
        }),
        Event::ClipboardLoad(kind, format) => Routed::Event(PaneEvent::ClipboardLoad {
            clipboard: clipboard(kind),
            format,
        }),
        Event::MouseCursorDirty
        | Event::CursorBlinkingChange
        | Event::Wakeup
        | Event::Exit
        | Event::ChildExit(_) => Routed::Dropped,
    }
}

fn clipboard(kind: ClipboardType) -> Clipboard {
    match kind {
        ClipboardType::Clipboard => Clipboard::Clipboard,
        ClipboardType::Selection => Clipboard::Selection,
    }
}
