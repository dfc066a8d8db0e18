//! Drawing the app: pane borders with number, name, title and state; each pane's screen;
//! the status bar; overlays for help, prompts and confirmations.

use super::agent_state::AgentState;
use super::app::{App, Confirm, Mode, SearchHit};
use super::frame_damage::FrameDamage;
use super::help::help_layout;
use super::keymap::Action;
use super::render::{render_terminal_rows, rgb};
use alacritty_terminal::grid::Dimensions;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::symbols::border;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};
use ratatui::Frame;

/// Draws the whole app into `frame`.
pub fn view(app: &App, frame: &mut Frame) {
    if let Some(cursor) = draw_app(app, frame.buffer_mut(), &FrameDamage::everything()) {
        frame.set_cursor_position(cursor);
    }
}

/// The part of a pane's area its screen is drawn in: inside its border.
pub fn pane_inner(area: Rect) -> Rect {
    Block::new().borders(Borders::ALL).inner(area)
}

/// Draws the app into `buffer`, whose cells are blank (reset) wherever this draws: the
/// borders, the bars, the overlays, and each pane's rows that `damage` says changed. A
/// pane row that did not change is left as it is, for a buffer that holds the last frame.
/// Returns where the cursor is to show, if anywhere.
pub fn draw_app(app: &App, buffer: &mut Buffer, damage: &FrameDamage) -> Option<Position> {
    draw_app_with(app, &Chrome::of(app), buffer, damage)
}

/// [`draw_app`] with the app's chrome worked out already.
pub fn draw_app_with(
    app: &App,
    chrome: &Chrome,
    buffer: &mut Buffer,
    damage: &FrameDamage,
) -> Option<Position> {
    chrome.draw(buffer);
    let cursor = draw_panes(app, buffer, damage);
    match &app.mode {
        Mode::Help { scroll } => help(app, buffer, *scroll),
        Mode::Overview { selected } => overview(app, buffer, *selected),
        Mode::NewPane(command) => {
            let question = "new pane — command (Enter on empty: your shell)";
            // The cursor goes where the command is typed.
            return Some(prompt(app, buffer, question, command));
        }
        Mode::Confirm(Confirm::Close(index)) => {
            let question = format!("close pane {} while its program runs? [y/n]", index + 1);
            prompt(app, buffer, &question, "");
        }
        Mode::Confirm(Confirm::Quit) => {
            prompt(app, buffer, "end the session and all its programs? [y/n]", "");
        }
        _ => {}
    }
    cursor
}

/// Draws each visible pane's rows that `damage` says changed (and the search marks of
/// scroll mode) into `buffer`, where those rows are blank; returns where the cursor is
/// to show, if anywhere. The borders and the status bar are [`Chrome`]'s.
pub fn draw_panes(app: &App, buffer: &mut Buffer, damage: &FrameDamage) -> Option<Position> {
    let mut cursor = None;
    for (index, area) in app.visible_panes() {
        let pane = &app.panes.panes()[index];
        let focused = index == app.focus;
        let inner = pane_inner(area);
        let search = match &app.mode {
            Mode::Scroll {
                search: Some(text), ..
            } if focused => Some(text.as_str()),
            _ => None,
        };
        let position =
            render_terminal_rows(pane.terminal().term(), &app.theme, inner, buffer, search, |row| {
                damage.row_changed(index, row)
            });
        if focused && search.is_some() {
            if let Some(hit) = app.search_hit {
                mark_current_match(app, pane, hit, inner, buffer);
            }
        }
        if focused && app.mode == Mode::Normal && pane.terminal().display_offset() == 0 {
            cursor = position;
        }
    }
    cursor
}

/// The app's own text around the panes: each visible pane's border with its title, and
/// the status bar. Cheap to work out from the app; a frame whose chrome is the last
/// frame's need not draw it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chrome {
    borders: Vec<Border>,
    status: StatusBar,
}

/// One pane's border: where, in which style, with which title.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Border {
    area: Rect,
    style: Style,
    title: String,
}

/// The status bar's text: what it says on the left and the help key on the right.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StatusBar {
    style: Style,
    left: String,
    help: String,
}

impl Chrome {
    /// The borders and status bar `app` shows now.
    pub fn of(app: &App) -> Chrome {
        let theme = &app.theme;
        // Each state once: the borders and the status bar both show it.
        let states: Vec<AgentState> = (0..app.panes.panes().len())
            .map(|index| app.state(index))
            .collect();
        let borders = app
            .visible_panes()
            .into_iter()
            .map(|(index, area)| {
                let state = &states[index];
                let focused = index == app.focus;
                let info = &app.info[index];
                let highlighted = !focused && info.needs_you;
                let border = if focused {
                    theme.focused_border
                } else if highlighted {
                    theme.attention_border
                } else {
                    theme.border
                };
                // Number, name and state first: a narrow border cuts the end of the title.
                let mut title = format!(" {}: {} [{}] ", index + 1, info.name, state.label());
                if focused && matches!(state, AgentState::Exited(_) | AgentState::Failed) {
                    // What to do about it, next to the state (the restart key acts on this
                    // pane), when the border has room for all of it.
                    if let Some(key) = restart_key(app) {
                        let hint = format!("{} {key} restarts ", app.keymap.prefix());
                        let room = usize::from(area.width.saturating_sub(2));
                        if title.chars().count() + hint.chars().count() <= room {
                            title.push_str(&hint);
                        }
                    }
                }
                if let Some(program_title) = info.title.as_deref().filter(|title| !title.is_empty()) {
                    title.push_str(&format!("— {program_title} "));
                }
                let mut style = Style::new().fg(rgb(border)).bg(rgb(theme.background));
                if focused || highlighted {
                    style = style.add_modifier(Modifier::BOLD);
                }
                Border { area, style, title }
            })
            .collect();
        Chrome {
            borders,
            status: status_bar(app, &states),
        }
    }

    /// Draws the borders and the status bar into `buffer`, where their cells are blank.
    pub fn draw(&self, buffer: &mut Buffer) {
        for border in &self.borders {
            draw_border(buffer, border.area, border.style, &border.title);
        }
        let screen = buffer.area;
        if screen.height == 0 {
            return;
        }
        let area = Rect::new(screen.x, screen.bottom() - 1, screen.width, 1);
        let StatusBar { style, left, help } = &self.status;
        let padding = usize::from(area.width)
            .saturating_sub(left.chars().count() + help.chars().count())
            .max(1);
        let line = Line::from(vec![
            Span::raw(left.as_str()),
            Span::raw(" ".repeat(padding)),
            Span::styled(help.as_str(), Style::new().add_modifier(Modifier::BOLD)),
        ]);
        Paragraph::new(line).style(*style).render(area, buffer);
    }
}

/// A pane's border with its title, cell for cell as ratatui's `Block` with all borders
/// draws it, without the `Block`'s pass over every cell inside (a style change that
/// changes nothing there, and costs as much as drawing the pane).
fn draw_border(buffer: &mut Buffer, area: Rect, style: Style, title: &str) {
    let area = area.intersection(buffer.area);
    if area.is_empty() {
        return;
    }
    let set = border::PLAIN;
    let (left, top) = (area.left(), area.top());
    let (right, bottom) = (area.right() - 1, area.bottom() - 1);
    for y in top + 1..bottom {
        buffer[(left, y)].set_symbol(set.vertical_left).set_style(style);
    }
    for x in left + 1..right {
        buffer[(x, top)].set_symbol(set.horizontal_top).set_style(style);
    }
    for y in top + 1..bottom {
        buffer[(right, y)].set_symbol(set.vertical_right).set_style(style);
    }
    for x in left + 1..right {
        buffer[(x, bottom)]
            .set_symbol(set.horizontal_bottom)
            .set_style(style);
    }
    for (x, y, symbol) in [
        (right, bottom, set.bottom_right),
        (right, top, set.top_right),
        (left, bottom, set.bottom_left),
        (left, top, set.top_left),
    ] {
        buffer[(x, y)].set_symbol(symbol).set_style(style);
    }
    let title = Line::from(title);
    let room = area.width.saturating_sub(2);
    let width = u16::try_from(title.width()).unwrap_or(u16::MAX).min(room);
    title.render(Rect::new(left + 1, top, width, 1), buffer);
}

/// The first key bound to restarting a pane, if any.
fn restart_key(app: &App) -> Option<String> {
    let bindings = app.keymap.bindings();
    let (_, keys) = bindings.iter().find(|(action, _)| *action == Action::Restart)?;
    keys.first().map(ToString::to_string)
}

/// What the status bar says.
fn status_bar(app: &App, states: &[AgentState]) -> StatusBar {
    let theme = &app.theme;
    let style = Style::new().fg(rgb(theme.status_fg)).bg(rgb(theme.status_bg));
    // What changes comes first and what stays the same last, so that a narrow screen
    // cuts the least useful part.
    let mut parts = vec![format!(" perdix │ {} pane(s)", app.panes.panes().len())];
    if app.zoomed {
        parts.push("ZOOM".into());
    }
    if app.broadcast {
        parts.push("BROADCAST".into());
    }
    let needing_you = states
        .iter()
        .enumerate()
        .filter(|(_, state)| state.needs_user())
        .map(|(index, _)| (index + 1).to_string())
        .collect::<Vec<_>>();
    if !needing_you.is_empty() {
        parts.push(format!("needs you: {}", needing_you.join(",")));
    }
    let mut hint = None;
    match &app.mode {
        Mode::Prefix => parts.push(format!("{} …", app.keymap.prefix())),
        Mode::Scroll { search, typing } => {
            // Where the view is: lines scrolled back, of the lines there are.
            let (offset, history) = app.panes.panes().get(app.focus).map_or((0, 0), |pane| {
                let grid = pane.terminal().term().grid();
                (grid.display_offset(), grid.history_size())
            });
            let mut text = format!("SCROLL {offset}/{history}");
            if let Some(search) = search {
                text.push_str(&format!(" /{search}{}", if *typing { "_" } else { "" }));
                if let Some(hit) = app.search_hit.filter(|_| !*typing) {
                    text.push_str(&format!(" [{}/{}]", hit.number, hit.total));
                }
            }
            parts.push(text);
            hint = Some("PgUp/PgDn, / search, n/N, q leaves");
        }
        _ => {}
    }
    if let Some(status) = &app.status {
        parts.push(status.clone());
    }
    parts.extend(hint.map(String::from));
    parts.push(format!("backend {}", app.panes.backend_name()));
    parts.push(format!("layout {}", app.layout));
    let help = format!("{} ? help ", app.keymap.prefix());
    StatusBar {
        style,
        left: parts.join(" │ "),
        help,
    }
}

/// Marks the search match the view is on: its cells underlined and bold, and an arrow in
/// the border beside its row.
fn mark_current_match(app: &App, pane: &crate::tui::Pane, hit: SearchHit, inner: Rect, buffer: &mut Buffer) {
    let grid = pane.terminal().term().grid();
    // The view's top line, counted like the hit's line (0 is the oldest).
    let top = grid.history_size() - grid.display_offset();
    let Some(row) = hit
        .line
        .checked_sub(top)
        .filter(|&row| row < usize::from(inner.height))
    else {
        return;
    };
    let y = inner.y + row as u16;
    let highlight = rgb(app.theme.search_match);
    for x in inner.left()..inner.right() {
        if let Some(cell) = buffer.cell_mut(Position::new(x, y)) {
            if cell.bg == highlight {
                cell.modifier |= Modifier::UNDERLINED | Modifier::BOLD;
            }
        }
    }
    if let Some(cell) = buffer.cell_mut(Position::new(inner.x.saturating_sub(1), y)) {
        cell.set_symbol("▶");
    }
}

/// A box centred in the screen, at most `width` × `height`.
fn centred(screen: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(screen.width);
    let height = height.min(screen.height);
    Rect::new(
        screen.x + (screen.width - width) / 2,
        screen.y + (screen.height - height) / 2,
        width,
        height,
    )
}

fn help(app: &App, buffer: &mut Buffer, scroll: u16) {
    let theme = &app.theme;
    // Above the status bar, which stays readable.
    let screen = buffer.area;
    let above_status = Rect::new(screen.x, screen.y, screen.width, screen.height.saturating_sub(1));
    let (area, lines) = help_layout(&app.keymap, above_status);
    let shown = area.height.saturating_sub(2);
    let total = lines.len() as u16;
    let scroll = scroll.min(total.saturating_sub(shown));
    let mut block = Block::new()
        .borders(Borders::ALL)
        .title(" keys ")
        .border_style(Style::new().fg(rgb(theme.focused_border)));
    if total > shown {
        // Where the view is, and that there is more: the box is shorter than the text.
        let last = (scroll + shown).min(total);
        let more = if last < total { " ↓" } else { "" };
        let less = if scroll > 0 { " ↑" } else { "" };
        block = block.title_bottom(format!("{less} lines {}–{last} of {total}{more} ", scroll + 1));
    }
    Clear.render(area, buffer);
    Paragraph::new(lines)
        .block(block)
        .scroll((scroll, 0))
        .style(Style::new().fg(rgb(theme.foreground)).bg(rgb(theme.background)))
        .render(area, buffer);
}

/// Every pane in a box: number, name, agent, state, for how long, why; the marked one
/// highlighted, the ones that need the user in the attention colour.
fn overview(app: &App, buffer: &mut Buffer, selected: usize) {
    let theme = &app.theme;
    let now = std::time::Instant::now();
    let count = app.panes.panes().len();
    let screen = buffer.area;
    let above_status = Rect::new(screen.x, screen.y, screen.width, screen.height.saturating_sub(1));
    let height = (count as u16 + 3).min(above_status.height);
    let area = centred(above_status, 100, height);
    let lines: Vec<Line> = (0..count)
        .map(|index| {
            let status = app.pane_status(index, now);
            let seconds = status.since_ms / 1000;
            let since = if seconds < 120 {
                format!("{seconds}s")
            } else {
                format!("{}m", seconds / 60)
            };
            let text = format!(
                "{} {:>2}  {:<18} {:<7} {:<8} {:>5}  {}",
                if index == selected { "▶" } else { " " },
                status.number,
                status.name.chars().take(18).collect::<String>(),
                status.agent.as_deref().unwrap_or("-"),
                status.state,
                since,
                status.reason.as_deref().unwrap_or(""),
            );
            let mut style = Style::new().fg(rgb(theme.foreground));
            if app.needs_user(index) {
                style = style.fg(rgb(theme.attention_border));
            }
            if index == selected {
                style = style.add_modifier(Modifier::REVERSED);
            }
            Line::styled(text, style)
        })
        .collect();
    let block = Block::new()
        .borders(Borders::ALL)
        .title(" panes ")
        .title_bottom(" Enter jumps · 1-9 · Esc closes ")
        .border_style(Style::new().fg(rgb(theme.focused_border)));
    // Keeps the marked line in view on a short screen.
    let shown = area.height.saturating_sub(2) as usize;
    let scroll = selected.saturating_sub(shown.saturating_sub(1)) as u16;
    Clear.render(area, buffer);
    Paragraph::new(lines)
        .block(block)
        .scroll((scroll, 0))
        .style(Style::new().bg(rgb(theme.background)))
        .render(area, buffer);
}

/// A question in a box, with what was typed so far; returns where the typing goes.
fn prompt(app: &App, buffer: &mut Buffer, question: &str, text: &str) -> Position {
    let theme = &app.theme;
    let area = centred(buffer.area, 70, 4);
    let block = Block::new()
        .borders(Borders::ALL)
        .title(format!(" {question} "))
        .border_style(Style::new().fg(rgb(theme.attention_border)));
    let inner = block.inner(area);
    Clear.render(area, buffer);
    Paragraph::new(format!("> {text}"))
        .block(block)
        .style(Style::new().fg(rgb(theme.foreground)).bg(rgb(theme.background)))
        .render(area, buffer);
    let x = inner.x + 2 + text.chars().count() as u16;
    Position::new(x.min(inner.right().saturating_sub(1)), inner.y)
}
