//! The multi-agent app's engine room: panes running side by side through the whole data
//! flow, and the headless views of them.

pub mod agent_rules;
pub mod agent_state;
pub mod app;
pub mod attention;
pub mod client_screen;
pub mod config;
pub mod foreground;
pub mod frame_backend;
pub mod frame_clock;
pub mod frame_damage;
pub mod headless_bench;
pub mod help;
pub mod input;
pub mod isolation_check;
pub mod key_chord;
pub mod key_encoding;
pub mod keymap;
pub mod layout;
pub mod layout_kind;
pub mod mouse_report;
pub mod outer_colours;
pub mod outer_keyboard;
pub mod render;
pub mod saved_session;
pub mod search;
pub mod theme;
pub mod view;

mod panes;
mod screen_dump;

pub use panes::{Pane, PaneSet, PaneSetError};
pub use screen_dump::{parse_pane_size, write_screen_dump, MAX_PANE_COLUMNS, MAX_PANE_ROWS};
