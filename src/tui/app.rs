//! The app: one [`App`], one [`Msg`] enum; [`App::update`] changes the state,
//! [`view`](super::view::view) draws it.

mod client_view;
pub mod control;
mod mouse;
mod overview;
mod states;

pub use client_view::ClientView;
pub use states::Watchers;

use super::agent_rules::{Classifier, RuleBook, Verdict};
use super::agent_state::{AgentState, StateTracker};
use super::foreground::Foreground;
use super::help::help_max_scroll;
use super::key_encoding::{encode_key_for, KeyboardMode, PressedKeys};
use super::keymap::{Action, KeyChord, Keymap};
use super::layout::{neighbour, pane_areas, Direction};
use super::layout_kind::LayoutKind;
use super::panes::{PaneSet, PaneSetError};
use super::theme::Theme;
use crate::pty::{paste_bytes, PaneSize, SpawnConfig};
use alacritty_terminal::term::TermMode;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, MouseEvent};
use ratatui::layout::Rect;
use std::sync::Arc;
use std::time::Instant;

/// The user's shell from `$SHELL`, else `sh`.
pub fn user_shell() -> String {
    std::env::var("SHELL").unwrap_or_else(|_| "sh".into())
}

/// Most notices kept for the end of the app.
const NOTICES_KEPT: usize = 64;
/// Most characters of a program's title kept: a border is never wider.
const TITLE_CHARS: usize = 512;

/// Everything that can happen to the app.
#[derive(Debug, Clone)]
pub enum Msg {
    /// A key press.
    Key(KeyEvent),
    /// Text pasted into the app's terminal.
    Paste(String),
    /// A mouse event.
    Mouse(MouseEvent),
    /// The app's terminal now has this many columns and rows.
    Resize(u16, u16),
}

/// What keys mean right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Keys go to the focused pane; the prefix starts a command.
    Normal,
    /// The prefix was pressed; the next key is a command.
    Prefix,
    /// Typing the command of a new pane.
    NewPane(String),
    /// Waiting for `y`/Enter or `n`/Esc.
    Confirm(Confirm),
    /// Scrolling the focused pane; `typing` while a search is being entered.
    Scroll {
        /// The search text, if any.
        search: Option<String>,
        /// True while the search text is being typed.
        typing: bool,
    },
    /// The overview of every pane, `selected` marked.
    Overview {
        /// The marked pane's index.
        selected: usize,
    },
    /// The help overlay, scrolled down `scroll` lines.
    Help {
        /// Lines scrolled past at the top.
        scroll: u16,
    },
}

/// The match of a scroll-mode search the view is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchHit {
    /// The line, counted from the oldest line of the scrollback (0).
    pub line: usize,
    /// Which match it is, counted from the newest line (1).
    pub number: usize,
    /// Lines that match.
    pub total: usize,
}

/// What a confirmation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    /// Close this pane although its program runs.
    Close(usize),
    /// End the session and every program in it.
    Quit,
}

/// Per-pane facts the app keeps beside the pane itself.
#[derive(Debug, Clone, Default)]
pub struct PaneInfo {
    /// The name in the border (`N: name`).
    pub name: String,
    /// The program's title (OSC 0/2).
    pub title: Option<String>,
    /// When the program last rang the bell or sent a notification (until answered).
    pub attention: Option<Instant>,
    /// What its last notification said (until answered).
    pub notification: Option<String>,
    /// It reports progress (OSC 9;4) that has not ended.
    pub progress: bool,
    /// It needs the user and is not focused: its border is highlighted.
    pub needs_you: bool,
    /// Stable for the session's life (`PERDIX_PANE` in its environment); 0 until the app
    /// numbers it.
    pub id: u64,
    /// The state its program last reported (`perdix-tui notify`), until the next report;
    /// blocked and done also end when the user types into the pane.
    pub reported: Option<control::Reported>,
    /// Its state, as the last pump worked it out.
    pub state: AgentState,
    /// What it remembers between pumps (whether it worked since the user last looked).
    pub tracker: StateTracker,
    /// The state `list` shows and since when.
    pub shown_state: Option<(String, Instant)>,
    /// The program the pane's user is talking to, and when that was last looked up.
    pub foreground: Option<Foreground>,
    /// When [`foreground`](Self::foreground) was last looked up.
    pub foreground_at: Option<Instant>,
    /// What the agent's rules said of the last snapshot of the screen.
    pub verdict: Option<Verdict>,
    /// When the last snapshot was taken, and the output it had seen.
    snapshot_at: Option<Instant>,
    snapshot_output: Option<Instant>,
    /// The screen or title changed since the last snapshot.
    screen_changed: bool,
}

/// How often a pane's foreground program is looked up again (while output comes).
pub const FOREGROUND_REFRESH: std::time::Duration = std::time::Duration::from_millis(500);

/// The whole app state.
pub struct App {
    /// The panes and the data flow behind them.
    pub panes: PaneSet,
    /// Names, titles, attention, in pane order.
    pub info: Vec<PaneInfo>,
    /// The focused pane.
    pub focus: usize,
    /// The layout.
    pub layout: LayoutKind,
    /// Whether the focused pane fills the screen.
    pub zoomed: bool,
    /// Whether typed input goes to every pane.
    pub broadcast: bool,
    /// What keys mean now.
    pub mode: Mode,
    /// Key bindings.
    pub keymap: Keymap,
    /// Colours.
    pub theme: Theme,
    /// The app's terminal size.
    pub screen: Rect,
    /// A one-line message for the status bar.
    pub status: Option<String>,
    /// The search match scroll mode is on, if any.
    pub search_hit: Option<SearchHit>,
    /// Whether the last [`update`](Self::update) changed what is drawn (a key typed into
    /// a pane does not: its echo will).
    pub redraw: bool,
    /// Every failure the user was told about in the status bar, oldest first (the
    /// binary prints them when the app ends, since the status bar is gone by then).
    pub notices: Vec<String>,
    /// Set when the app should end.
    pub quit: bool,
    /// Set when the user asked to detach; whoever runs the app takes it (and detaches the
    /// client that asked).
    pub detach: bool,
    /// What a new pane runs when given no command: the user's shell.
    shell: String,
    /// The pane whose program got the last button press: it gets the drags and the
    /// release too, wherever they happen.
    mouse_grab: Option<usize>,
    /// Where the presses of held keys went, for their releases.
    pressed: PressedKeys,
    /// The id the next new pane gets.
    next_pane_id: u64,
    /// Variables every new pane gets (the session's socket), besides `PERDIX_PANE`.
    pane_env: Vec<(String, String)>,
    /// How the user is told that a pane needs them.
    pub notifications: super::attention::Notifications,
    /// The agents' rules, and the thread that applies them (started at the first
    /// snapshot).
    rules: Arc<RuleBook>,
    classifier: Option<Classifier>,
    /// Who looks at the panes: done turns idle once somebody does.
    watchers: Watchers,
}

impl App {
    /// An app over `panes` named `names`, drawn on a `screen`-sized terminal.
    pub fn new(panes: PaneSet, names: Vec<String>, keymap: Keymap, theme: Theme, layout: LayoutKind) -> App {
        let mut panes = panes;
        panes.set_palette(theme.palette());
        let info: Vec<PaneInfo> = names
            .into_iter()
            .zip(1..)
            .map(|(name, id)| PaneInfo {
                name,
                id,
                ..PaneInfo::default()
            })
            .collect();
        let next_pane_id = info.len() as u64 + 1;
        App {
            panes,
            info,
            focus: 0,
            layout,
            zoomed: false,
            broadcast: false,
            mode: Mode::Normal,
            keymap,
            theme,
            screen: Rect::new(0, 0, 80, 24),
            status: None,
            notices: Vec::new(),
            redraw: true,
            search_hit: None,
            quit: false,
            detach: false,
            shell: user_shell(),
            mouse_grab: None,
            pressed: PressedKeys::default(),
            next_pane_id,
            pane_env: Vec::new(),
            notifications: Default::default(),
            rules: Arc::new(RuleBook::builtin()),
            classifier: None,
            watchers: Watchers::default(),
        }
    }

    /// Draws with `theme` from now on: the panes too, whose programs' colour queries are
    /// answered with its colours, and whose programs that asked to be told of palette
    /// changes (mode 2031) are told.
    pub fn set_theme(&mut self, theme: Theme) {
        self.panes.set_palette(theme.palette());
        self.theme = theme;
    }

    /// The area the panes share (all but the status bar).
    pub fn panes_area(&self) -> Rect {
        Rect::new(
            self.screen.x,
            self.screen.y,
            self.screen.width,
            self.screen.height.saturating_sub(1),
        )
    }

    /// The panes that are shown and their outer areas.
    pub fn visible_panes(&self) -> Vec<(usize, Rect)> {
        let area = self.panes_area();
        if self.zoomed && self.focus < self.panes.panes().len() {
            return vec![(self.focus, area)];
        }
        pane_areas(self.layout, area, self.panes.panes().len())
            .into_iter()
            .enumerate()
            .collect()
    }

    /// The earliest time the screen changes with no input and no output: a pane's state
    /// (working turns done or idle after a quiet second; a snapshot for the agents'
    /// rules), a synchronized update that times out. The app sleeps until then at most.
    pub fn next_deadline(&self, now: Instant) -> Option<Instant> {
        self.state_deadline(now)
            .into_iter()
            .chain(self.panes.next_deadline())
            .min()
    }

    /// Variables every pane started from now on gets, besides its own `PERDIX_PANE`.
    pub fn set_pane_env(&mut self, env: Vec<(String, String)>) {
        self.pane_env = env;
    }

    /// The terminal modes pane `index`'s program set.
    fn pane_mode(&self, index: usize) -> TermMode {
        *self.panes.panes()[index].terminal().term().mode()
    }

    /// Makes every shown pane's terminal the size of its inner area. A pane whose
    /// terminal refuses the size is noted; the others are resized all the same.
    pub fn fit_panes(&mut self) -> Result<(), PaneSetError> {
        for (index, area) in self.visible_panes() {
            let size = PaneSize::new(
                area.width.saturating_sub(2).max(1),
                area.height.saturating_sub(2).max(1),
            );
            if self.panes.panes()[index].terminal().size() != size {
                let resized = self.panes.resize(index, size);
                self.tell(resized);
            }
        }
        Ok(())
    }

    /// Shows a pane's failure in the status bar (and keeps it for the end), instead of
    /// letting it end the app.
    fn tell(&mut self, result: Result<(), PaneSetError>) {
        if let Err(error) = result {
            self.notify(error.to_string());
        }
    }

    fn notify(&mut self, text: String) {
        self.redraw = true;
        self.status = Some(text.clone());
        if self.notices.len() == NOTICES_KEPT {
            self.notices.remove(0);
        }
        self.notices.push(text);
    }

    /// Applies what arrived from the panes; returns whether anything changed.
    pub fn pump(&mut self) -> Result<bool, PaneSetError> {
        let applied = self.panes.pump()?;
        let now = Instant::now();
        let mut changed = applied > 0;
        for notice in self.panes.take_notices() {
            self.notify(notice);
            changed = true;
        }
        self.take_verdicts();
        for index in 0..self.panes.panes().len() {
            let events = self
                .panes
                .pane_mut(index)
                .map(|pane| pane.take_events())
                .unwrap_or_default();
            for event in events {
                changed = true;
                self.take_pane_event(index, event, now);
            }
            changed |= self.update_state(index, now);
        }
        Ok(changed)
    }

    /// Handles one message.
    pub fn update(&mut self, msg: Msg) -> Result<(), PaneSetError> {
        // Whatever is not input for a pane may change what is drawn.
        self.redraw = true;
        match msg {
            Msg::Resize(width, height) => {
                self.screen = Rect::new(0, 0, width, height);
                self.fit_panes()?;
            }
            Msg::Paste(text) => {
                if self.mode == Mode::Normal {
                    self.redraw = false;
                    for index in self.input_targets() {
                        let bracketed = self.pane_mode(index).contains(TermMode::BRACKETED_PASTE);
                        let sent = self.panes.write_input(index, &paste_bytes(&text, bracketed));
                        self.tell(sent);
                    }
                }
            }
            Msg::Mouse(mouse) => self.mouse(mouse),
            // A release goes where its press went, to the panes that asked for releases.
            Msg::Key(key) if key.kind == KeyEventKind::Release => {
                self.redraw = false;
                let panes = self.pressed.release(&key);
                self.type_into(&key, panes);
            }
            Msg::Key(key) => self.key(key)?,
        }
        Ok(())
    }

    fn key(&mut self, key: KeyEvent) -> Result<(), PaneSetError> {
        let chord = KeyChord::from(&key);
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => {
                if chord == self.keymap.prefix() {
                    self.mode = Mode::Prefix;
                } else {
                    // A key for the panes changes nothing drawn by itself: its echo does.
                    self.redraw = false;
                    self.type_into_panes(&key)?;
                }
            }
            Mode::Prefix => {
                if chord == self.keymap.prefix() {
                    // The prefix twice types it once, encoded for each pane.
                    self.type_into_panes(&key)?;
                } else if let Some(action) = self.keymap.action(&chord) {
                    self.act(action)?;
                }
            }
            Mode::Help { scroll } => self.help_key(key, scroll),
            Mode::Overview { selected } => self.overview_key(key, selected),
            Mode::NewPane(mut command) => match key.code {
                KeyCode::Enter => {
                    let command = if command.trim().is_empty() {
                        self.shell.clone()
                    } else {
                        command
                    };
                    let opened = self.open_pane(command);
                    self.tell(opened);
                }
                KeyCode::Esc => {}
                KeyCode::Backspace => {
                    command.pop();
                    self.mode = Mode::NewPane(command);
                }
                KeyCode::Char(c) => {
                    command.push(c);
                    self.mode = Mode::NewPane(command);
                }
                _ => self.mode = Mode::NewPane(command),
            },
            Mode::Confirm(what) => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => match what {
                    Confirm::Close(index) => self.close(index)?,
                    Confirm::Quit => self.quit = true,
                },
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {}
                _ => self.mode = Mode::Confirm(what),
            },
            Mode::Scroll { search, typing } => self.scroll_key(key, search, typing),
        }
        Ok(())
    }

    fn act(&mut self, action: Action) -> Result<(), PaneSetError> {
        let count = self.panes.panes().len();
        match action {
            Action::FocusLeft => self.move_focus(Direction::Left),
            Action::FocusRight => self.move_focus(Direction::Right),
            Action::FocusUp => self.move_focus(Direction::Up),
            Action::FocusDown => self.move_focus(Direction::Down),
            Action::FocusNext if count > 0 => self.focus = (self.focus + 1) % count,
            Action::FocusNext => {}
            Action::FocusPane(number) => {
                let index = usize::from(number).saturating_sub(1);
                if index < count {
                    self.focus = index;
                }
            }
            Action::Zoom => {
                self.zoomed = !self.zoomed;
                self.fit_panes()?;
            }
            Action::NextLayout => {
                self.layout = self.layout.next();
                self.zoomed = false;
                self.fit_panes()?;
            }
            Action::NewPane => self.mode = Mode::NewPane(String::new()),
            Action::ClosePane if count > 0 => {
                if self.panes.panes()[self.focus].is_active() {
                    self.mode = Mode::Confirm(Confirm::Close(self.focus));
                } else {
                    self.close(self.focus)?;
                }
            }
            Action::ClosePane => {}
            Action::Restart if count > 0 => {
                if self.panes.panes()[self.focus].is_active() {
                    self.status = Some("the pane's program is still running".into());
                } else {
                    // An agent that can resume its last conversation does.
                    let resumed = self.rules().resumed(self.panes.panes()[self.focus].command());
                    let restarted = self.panes.restart_pane_as(self.focus, resumed);
                    self.tell(restarted);
                    self.answered(self.focus);
                    self.info[self.focus].title = None;
                }
            }
            Action::Restart => {}
            Action::ToggleBroadcast => self.broadcast = !self.broadcast,
            Action::ScrollMode => {
                self.search_hit = None;
                self.mode = Mode::Scroll {
                    search: None,
                    typing: false,
                }
            }
            Action::Help => self.mode = Mode::Help { scroll: 0 },
            Action::Overview => self.mode = Mode::Overview { selected: self.focus },
            Action::NextNeedingYou => self.focus_next_needing_you(),
            Action::Detach => self.detach = true,
            // Always asked: ending the session ends every program in it, and a session
            // often outlives the programs the user remembers starting.
            Action::Quit => self.mode = Mode::Confirm(Confirm::Quit),
        }
        Ok(())
    }

    /// Scrolls the help with the scrolling keys; any other key closes it.
    fn help_key(&mut self, key: KeyEvent, scroll: u16) {
        let max = help_max_scroll(&self.keymap, self.panes_area());
        let page = self.screen.height.saturating_sub(4).max(1);
        let scroll = match key.code {
            KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => scroll.saturating_add(1).min(max),
            KeyCode::PageUp => scroll.saturating_sub(page),
            KeyCode::PageDown => scroll.saturating_add(page).min(max),
            KeyCode::Home => 0,
            KeyCode::End => max,
            _ => return,
        };
        self.mode = Mode::Help { scroll };
    }

    fn move_focus(&mut self, direction: Direction) {
        let visible = self.visible_panes();
        let areas: Vec<Rect> = visible.iter().map(|&(_, area)| area).collect();
        let Some(from) = visible.iter().position(|&(index, _)| index == self.focus) else {
            return;
        };
        if let Some(to) = neighbour(&areas, from, direction) {
            self.focus = visible[to].0;
        }
    }

    fn open_pane(&mut self, command: String) -> Result<(), PaneSetError> {
        let name = crate::logview::command_name(&command);
        let index = self.add_pane(SpawnConfig::new(command), name)?;
        self.focus = index;
        self.zoomed = false;
        self.fit_panes()
    }

    /// Starts a pane for `config` named `name`, with the session's variables and its id;
    /// returns its index.
    fn add_pane(&mut self, config: SpawnConfig, name: String) -> Result<usize, PaneSetError> {
        let id = self.next_pane_id;
        self.next_pane_id += 1;
        let mut config = config.with_size(PaneSize::new(80, 24));
        for (key, value) in &self.pane_env {
            config = config.with_env(key, value);
        }
        let config = config.with_env("PERDIX_PANE", id.to_string());
        let index = self.panes.add_pane(config)?;
        self.info.push(PaneInfo {
            name,
            id,
            ..PaneInfo::default()
        });
        Ok(index)
    }

    fn close(&mut self, index: usize) -> Result<(), PaneSetError> {
        self.panes.close_pane(index)?;
        self.info.remove(index);
        let count = self.panes.panes().len();
        self.focus = self.focus.min(count.saturating_sub(1));
        if count == 0 {
            self.quit = true;
        }
        self.fit_panes()
    }

    /// The panes typed input goes to.
    fn input_targets(&self) -> Vec<usize> {
        let count = self.panes.panes().len();
        if self.broadcast {
            (0..count).collect()
        } else if self.focus < count {
            vec![self.focus]
        } else {
            Vec::new()
        }
    }

    /// Types `key` into the input targets, each in the encoding its program asked for.
    fn type_into_panes(&mut self, key: &KeyEvent) -> Result<(), PaneSetError> {
        let targets = self.input_targets();
        let reached = self.type_into(key, targets);
        if !reached.is_empty() {
            self.pressed.press(key, reached);
        }
        Ok(())
    }

    /// Types `key` into `panes` (those that still exist); returns the panes it sent bytes to.
    fn type_into(&mut self, key: &KeyEvent, panes: Vec<usize>) -> Vec<usize> {
        let mut reached = Vec::new();
        for index in panes {
            let Some(pane) = self.panes.panes().get(index) else {
                continue;
            };
            let Some(bytes) = encode_key_for(key, KeyboardMode::of_pane(pane.terminal())) else {
                continue;
            };
            // Typing brings the view back down and answers the pane (a question, a call
            // for attention, a finished turn): both show.
            let scrolled = pane.terminal().display_offset() > 0;
            self.redraw |= scrolled;
            self.redraw |= self.answered(index);
            if let Some(pane) = self.panes.pane_mut(index).filter(|_| scrolled) {
                pane.terminal_mut().scroll_to_bottom();
            }
            let sent = self.panes.write_input(index, &bytes);
            self.tell(sent);
            reached.push(index);
        }
        reached
    }

    fn scroll_key(&mut self, key: KeyEvent, search: Option<String>, typing: bool) {
        let focus = self.focus;
        let rows = self
            .panes
            .panes()
            .get(focus)
            .map_or(1, |pane| i32::from(pane.terminal().size().rows));
        if typing {
            let mut text = search.unwrap_or_default();
            match key.code {
                KeyCode::Enter => {
                    self.mode = Mode::Scroll {
                        search: Some(text.clone()),
                        typing: false,
                    };
                    self.jump_to_match(&text, true, true);
                    return;
                }
                KeyCode::Esc => {
                    self.mode = Mode::Scroll {
                        search: None,
                        typing: false,
                    };
                    return;
                }
                KeyCode::Backspace => {
                    text.pop();
                }
                KeyCode::Char(c) => text.push(c),
                _ => {}
            }
            self.mode = Mode::Scroll {
                search: Some(text),
                typing: true,
            };
            return;
        }
        let lines = match key.code {
            KeyCode::Char('q') | KeyCode::Esc => {
                self.search_hit = None;
                if let Some(pane) = self.panes.pane_mut(focus) {
                    pane.terminal_mut().scroll_to_bottom();
                }
                return;
            }
            KeyCode::Char('/') => {
                self.search_hit = None;
                self.mode = Mode::Scroll {
                    search: Some(String::new()),
                    typing: true,
                };
                return;
            }
            KeyCode::Char('n') | KeyCode::Char('N') => {
                if let Some(text) = &search {
                    self.jump_to_match(&text.clone(), key.code == KeyCode::Char('n'), false);
                }
                0
            }
            KeyCode::Up | KeyCode::Char('k') => 1,
            KeyCode::Down | KeyCode::Char('j') => -1,
            KeyCode::PageUp => rows,
            KeyCode::PageDown => -rows,
            KeyCode::Home => i32::MAX / 2,
            KeyCode::End => -(i32::MAX / 2),
            _ => 0,
        };
        if let Some(pane) = self.panes.pane_mut(focus) {
            pane.terminal_mut().scroll(lines);
        }
        self.mode = Mode::Scroll {
            search,
            typing: false,
        };
    }

    /// Scrolls the focused pane to the next line containing `text`: older lines when
    /// `older`, newer otherwise. A `first` search also looks at the lines on the screen
    /// (from its bottom up); the next ones start from the view's top line.
    fn jump_to_match(&mut self, text: &str, older: bool, first: bool) {
        let focus = self.focus;
        let Some(pane) = self.panes.pane_mut(focus) else {
            return;
        };
        let needle = text.to_lowercase();
        if needle.is_empty() {
            return;
        }
        let terminal = pane.terminal_mut();
        let offset = terminal.display_offset() as i32;
        let lines = super::search::line_texts(terminal.term());
        let history = lines.len() as i32 - i32::from(terminal.size().rows);
        // Line numbers: 0 is the oldest scrollback line; the view's top is `history - offset`.
        let top = history - offset;
        let from = if first {
            top + i32::from(terminal.size().rows)
        } else {
            top
        };
        let found = if older {
            (0..from)
                .rev()
                .find(|&line| lines[line as usize].to_lowercase().contains(&needle))
        } else {
            (top + 1..lines.len() as i32).find(|&line| lines[line as usize].to_lowercase().contains(&needle))
        };
        match found {
            Some(line) => {
                let wanted = (history - line).clamp(0, history.max(0));
                terminal.scroll(wanted - offset);
                let matching: Vec<usize> = (0..lines.len())
                    .filter(|&index| lines[index].to_lowercase().contains(&needle))
                    .collect();
                self.search_hit = Some(SearchHit {
                    line: line as usize,
                    number: matching.iter().filter(|&&index| index >= line as usize).count(),
                    total: matching.len(),
                });
                self.status = None;
            }
            None => self.status = Some(format!("no more matches for {text:?}")),
        }
    }
}
