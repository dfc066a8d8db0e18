//! The session server: owns the panes and the app, serves any number of attached
//! clients, and goes on when they leave.
//!
//! Threads: the app thread (this one) applies records and input and draws a frame per
//! client; the sockets run on a tokio runtime of their own (`perdix-sockets`) and talk to
//! the app thread through a channel and the panes' event count, so that the app thread
//! sleeps until records, input, a deadline or a signal.

mod clients;
mod connections;
mod outbox;

use anyhow::{Context, Result};
use clients::{Client, SharedScreen};
use connections::{accept_loop, ConnectionId, Inbound};
use crossterm::event::Event;
use outbox::WRITERS_RUNNING;
use perdix::ring::EventCount;
use perdix::session::protocol::{Goodbye, ServerMessage, SessionDescription, Welcome};
use perdix::tui::app::{App, ClientView, Msg, Watchers};
use perdix::tui::attention::{notification_sequence, run_notify_command, AttentionTracker};
use perdix::tui::frame_clock::FrameClock;
use perdix::tui::frame_damage::FrameDamage;
use perdix::tui::outer_colours::OuterColours;
use perdix::tui::saved_session::SavedSession;
use perdix::tui::theme::Theme;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{channel, Receiver, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::signal::unix::{signal, SignalKind};

/// How long a burst of resizes of a client's terminal settles before its screen follows.
const RESIZE_SETTLE: Duration = Duration::from_millis(50);
/// How often the session looks for changes to save (working directories change without
/// telling anyone).
const SAVE_INTERVAL: Duration = Duration::from_secs(5);
/// How soon after a key the session saves what the key changed.
const SAVE_AFTER_INPUT: Duration = Duration::from_millis(500);
/// How long a session started by a client waits, at most, for that client's terminal
/// colours before its programs' queries are answered (a theme that follows the terminal).
const COLOURS_HOLD: Duration = Duration::from_secs(2);
/// How long goodbyes may take to reach the clients when the session ends.
const GOODBYE_TIME: Duration = Duration::from_secs(1);

/// Serves the session `name` on `listener` until it is ended (prefix q, `kill`, or a
/// termination signal). Returns why it ended and what the status bar said about failures.
pub fn serve(
    app: App,
    name: &str,
    listener: std::os::unix::net::UnixListener,
    saved_path: PathBuf,
    await_client: bool,
) -> Result<(String, Vec<String>)> {
    let waker = app.panes.waker();
    let (inbox_tx, inbox) = channel();
    listener
        .set_nonblocking(true)
        .context("setting up the session socket")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the server's event loop")?;
    let (stop_sockets, sockets_stopped) = tokio::sync::oneshot::channel::<()>();
    let sockets = {
        let waker = Arc::clone(&waker);
        std::thread::Builder::new()
            .name("perdix-sockets".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::UnixListener::from_std(listener) {
                        Ok(listener) => listener,
                        Err(error) => {
                            let _ =
                                inbox_tx.send(Inbound::Stop(format!("the session socket failed: {error}")));
                            waker.notify();
                            return;
                        }
                    };
                    tokio::select! {
                        _ = accept_loop(listener, inbox_tx.clone(), Arc::clone(&waker)) => {}
                        _ = watch_signals(inbox_tx, Arc::clone(&waker)) => {}
                        _ = sockets_stopped => {}
                    }
                    // The goodbyes queued by the app thread go out before the process ends.
                    let deadline = tokio::time::Instant::now() + GOODBYE_TIME;
                    // Relaxed: a count polled until it reaches zero or time runs out.
                    while WRITERS_RUNNING.load(Ordering::Relaxed) > 0
                        && tokio::time::Instant::now() < deadline
                    {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                });
            })
            .context("starting the socket thread")?
    };
    let colours_hold = (await_client && app.theme.follows_terminal).then(|| Instant::now() + COLOURS_HOLD);
    let mut server = Server {
        waker: Arc::clone(&waker),
        attention: AttentionTracker::default(),
        colours_hold,
        base_theme: app.theme.clone(),
        app,
        name: name.to_string(),
        clients: Vec::new(),
        clock: FrameClock::new(),
        scratch: None,
        saved_path,
        saved: None,
        next_save: Instant::now(),
    };
    let ended = server.run(&inbox);
    let notices = std::mem::take(&mut server.app.notices);
    let reason = match &ended {
        Ok(reason) => reason.clone(),
        Err(error) => format!("the server failed: {error:#}"),
    };
    for client in &server.clients {
        client.say_goodbye(Goodbye::SessionEnded(reason.clone()));
    }
    // The clients' outboxes close; the writers finish what is queued and end.
    server.clients.clear();
    let _ = stop_sockets.send(());
    // Every program in the session ends with it (their terminals close).
    drop(server);
    let _ = sockets.join();
    ended.map(|reason| (reason, notices))
}

/// SIGTERM and SIGINT end the session; SIGHUP is ignored (the server has no terminal to
/// lose); SIGCHLD wakes the app thread, since a pane's state changes when its program ends.
async fn watch_signals(inbox: std::sync::mpsc::Sender<Inbound>, waker: Arc<EventCount>) {
    let (Ok(mut terminate), Ok(mut interrupt), Ok(mut hangup), Ok(mut child)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
        signal(SignalKind::child()),
    ) else {
        eprintln!("perdix-tui server: cannot watch signals; SIGTERM ends the server abruptly");
        return std::future::pending().await;
    };
    loop {
        let stop = tokio::select! {
            _ = terminate.recv() => Some("the server got SIGTERM"),
            _ = interrupt.recv() => Some("the server got SIGINT"),
            _ = hangup.recv() => None,
            _ = child.recv() => None,
        };
        if let Some(reason) = stop {
            let _ = inbox.send(Inbound::Stop(reason.into()));
        }
        waker.notify();
    }
}

struct Server {
    app: App,
    /// The theme as configured, before any client's terminal colours replaced its own.
    base_theme: Theme,
    name: String,
    /// Attached clients, the most recently active last: the panes take its size.
    clients: Vec<Client>,
    clock: FrameClock,
    /// A screen at the app's size for drawing clients of other sizes.
    scratch: Option<ratatui::Terminal<perdix::tui::frame_backend::FrameBackend>>,
    /// Notified by the sockets and the parse stage.
    waker: Arc<EventCount>,
    /// Each pane's last state, for alerts.
    attention: AttentionTracker,
    /// Until when pane output waits for the first client's terminal colours.
    colours_hold: Option<Instant>,
    /// Where the session is saved for `perdix-tui restore`, what was saved last, and when
    /// to look for changes next.
    saved_path: PathBuf,
    saved: Option<SavedSession>,
    next_save: Instant,
}

impl Server {
    /// The app loop; returns why the session ended.
    fn run(&mut self, inbox: &Receiver<Inbound>) -> Result<String> {
        let mut queued: VecDeque<Inbound> = VecDeque::new();
        let mut quiet_change = self.app.next_deadline(Instant::now());
        loop {
            loop {
                let message = match queued.pop_front() {
                    Some(message) => message,
                    None => match inbox.try_recv() {
                        Ok(message) => message,
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => return Ok("the socket thread ended".into()),
                    },
                };
                if let Some(reason) = self.handle(message)? {
                    return Ok(reason);
                }
            }
            if self.app.quit {
                return Ok("ended from a client (prefix q)".into());
            }
            let now = Instant::now();
            self.settle_resizes(now)?;
            // Until the first client's terminal has told its colours (or it is too late),
            // no program is answered other colours: its output waits in the rings.
            let holding = self.colours_hold.is_some_and(|until| now < until);
            if !holding {
                self.colours_hold = None;
                self.app.set_watchers(Watchers::Panes(self.watched_panes()));
                if self.app.pump()? {
                    self.clock.changed(Instant::now());
                }
                self.alert();
            }
            let now = Instant::now();
            if quiet_change.is_some_and(|at| now >= at) || self.clients.iter().any(Client::repaint_due) {
                self.clock.changed(now);
            }
            quiet_change = self.app.next_deadline(now);
            if !self.clients.is_empty() && self.clock.due(now) {
                self.draw()?;
                self.clock.drawn(now, now.elapsed());
            }
            if now >= self.next_save {
                self.save();
                self.next_save = Instant::now() + SAVE_INTERVAL;
            }
            if !holding && self.app.panes.has_pending_records() {
                // More records than one pump takes: apply them before sleeping.
                continue;
            }
            let deadline = [
                self.colours_hold,
                self.clock.next_due().filter(|_| !self.clients.is_empty()),
                self.clients
                    .iter()
                    .filter_map(|client| client.pending_resize.map(|(_, _, at)| at + RESIZE_SETTLE))
                    .min(),
                quiet_change,
                Some(self.next_save),
            ]
            .into_iter()
            .flatten()
            .min();
            if holding {
                // Records may wait; only a message or the deadline ends this sleep.
                let key = self.waker.prepare_wait();
                match inbox.try_recv() {
                    Ok(message) => {
                        self.waker.cancel_wait();
                        queued.push_back(message);
                    }
                    Err(TryRecvError::Empty) => {
                        self.waker.wait_until(key, deadline.unwrap_or(now));
                    }
                    Err(TryRecvError::Disconnected) => self.waker.cancel_wait(),
                }
                continue;
            }
            // Asleep until records, a message from the sockets, a verdict of the agents'
            // rules, a client that caught up, a signal or the deadline.
            let (app, clients, clock) = (&self.app, &self.clients, &self.clock);
            // A client owed a repaint wakes the loop once: then the clock owes a frame.
            let repaint = || clock.next_due().is_none() && clients.iter().any(Client::repaint_due);
            app.panes.wait_for_work(deadline, || match inbox.try_recv() {
                Ok(message) => {
                    queued.push_back(message);
                    true
                }
                Err(TryRecvError::Empty) => app.has_state_news() || repaint(),
                Err(TryRecvError::Disconnected) => true,
            });
        }
    }

    fn client_index(&self, id: ConnectionId) -> Option<usize> {
        self.clients.iter().position(|client| client.id == id)
    }

    /// Makes client `index` the most recently active one: the app takes its view (focus,
    /// mode) and the panes take its size.
    fn make_latest(&mut self, index: usize) -> Result<()> {
        let last = self.clients.len() - 1;
        if index != last {
            // The app holds the latest client's view: it goes back to that client, and
            // this one's comes in.
            self.app.swap_view(&mut self.clients[last].view);
            self.app.swap_view(&mut self.clients[index].view);
            let client = self.clients.remove(index);
            self.clients.push(client);
        }
        self.follow_latest_size()
    }

    fn follow_latest_size(&mut self) -> Result<()> {
        let Some(latest) = self.clients.last() else {
            return Ok(());
        };
        let (width, height) = latest.size();
        if (self.app.screen.width, self.app.screen.height) != (width, height) {
            self.app.update(Msg::Resize(width, height))?;
            self.clock.changed(Instant::now());
        }
        Ok(())
    }

    /// A new client becomes the latest, looking where the one before it looks.
    fn add_client(&mut self, mut client: Client) -> Result<()> {
        if let Some(previous) = self.clients.last_mut() {
            // Back to the client it belongs to.
            self.app.swap_view(&mut previous.view);
        }
        self.app.swap_view(&mut client.view);
        self.clients.push(client);
        self.follow_latest_size()
    }

    /// Takes client `index` out; when it was the latest, the next most recent one's view
    /// and size take over.
    fn remove_client(&mut self, index: usize) -> Result<Client> {
        let was_latest = index + 1 == self.clients.len();
        let client = self.clients.remove(index);
        if was_latest {
            if let Some(next) = self.clients.last_mut() {
                self.app.swap_view(&mut next.view);
            }
            self.follow_latest_size()?;
        }
        Ok(client)
    }

    /// Handles one message from the sockets; `Some(reason)` ends the session.
    fn handle(&mut self, message: Inbound) -> Result<Option<String>> {
        match message {
            Inbound::Attach { id, request, outbox } => {
                outbox.send(ServerMessage::Welcome(Welcome {
                    colours_wanted: self.base_theme.follows_terminal,
                }));
                let view = ClientView::following(&self.app);
                let client = Client::new(id, outbox, request.cols.max(1), request.rows.max(1), view);
                self.add_client(client)?;
                self.clock.changed(Instant::now());
            }
            Inbound::Input { id, event } => {
                let Some(index) = self.client_index(id) else {
                    return Ok(None);
                };
                self.input(index, event)?;
            }
            Inbound::Colours { colours } => {
                self.colours_hold = None;
                if self.base_theme.follows_terminal {
                    let theme = OuterColours::from(&colours).apply_to(&self.base_theme);
                    self.app.set_theme(theme);
                    self.clock.changed(Instant::now());
                }
            }
            Inbound::Gone { id } => {
                if let Some(index) = self.client_index(id) {
                    self.remove_client(index)?;
                }
            }
            Inbound::Describe { outbox } => {
                let description = SessionDescription {
                    name: self.name.clone(),
                    server_pid: std::process::id(),
                    panes: self.app.panes.panes().len() as u32,
                    clients: self.clients.len() as u32,
                    needing_you: self.app.info.iter().filter(|info| info.needs_you).count() as u32,
                };
                outbox.send(ServerMessage::Description(description));
            }
            Inbound::Kill { outbox } => {
                let reason = "killed by `perdix-tui kill`".to_string();
                outbox.send(ServerMessage::Goodbye(Goodbye::SessionEnded(reason.clone())));
                return Ok(Some(reason));
            }
            Inbound::Control { request, outbox } => {
                let reply = self.app.control(request);
                outbox.send(ServerMessage::Control(reply));
                if self.app.redraw {
                    self.clock.changed(Instant::now());
                }
                // A pane may have come or gone.
                self.next_save = self.next_save.min(Instant::now() + SAVE_AFTER_INPUT);
            }
            Inbound::Stop(reason) => return Ok(Some(reason)),
        }
        Ok(None)
    }

    /// An event from client `index`'s terminal.
    fn input(&mut self, index: usize, event: Event) -> Result<()> {
        let msg = match event {
            Event::Key(key) => Msg::Key(key),
            Event::Mouse(mouse) => Msg::Mouse(mouse),
            Event::Paste(text) => Msg::Paste(text),
            Event::Resize(width, height) => {
                // Laid out once the burst of resizes settles.
                self.clients[index].pending_resize = Some((width.max(1), height.max(1), Instant::now()));
                return Ok(());
            }
            Event::FocusGained | Event::FocusLost => return Ok(()),
        };
        // The client typing is the one whose size the panes take.
        let index = if index + 1 == self.clients.len() {
            index
        } else {
            self.make_latest(index)?;
            self.clients.len() - 1
        };
        self.app.update(msg)?;
        // A key may have opened, closed or restarted a pane, or changed the layout.
        self.next_save = self.next_save.min(Instant::now() + SAVE_AFTER_INPUT);
        if self.app.detach {
            self.app.detach = false;
            self.remove_client(index)?.say_goodbye(Goodbye::Detached);
        }
        if self.app.redraw {
            self.clock.changed(Instant::now());
        }
        Ok(())
    }

    /// Applies the client resizes that settled.
    fn settle_resizes(&mut self, now: Instant) -> Result<()> {
        let latest = self.clients.len().checked_sub(1);
        for index in 0..self.clients.len() {
            let Some((width, height, at)) = self.clients[index].pending_resize else {
                continue;
            };
            if now.duration_since(at) < RESIZE_SETTLE {
                continue;
            }
            self.clients[index].pending_resize = None;
            self.clients[index].resize(width, height);
            if Some(index) == latest {
                self.app.update(Msg::Resize(width, height))?;
            }
            self.clock.changed(now);
        }
        Ok(())
    }

    /// Tells the user about panes that turned blocked or done while no client looks at
    /// them: an OSC 9 notification to every attached client's terminal, and the user's
    /// command.
    /// The panes the attached clients have focused: the ones somebody looks at.
    fn watched_panes(&self) -> Vec<usize> {
        let latest = self.clients.len().checked_sub(1);
        self.clients
            .iter()
            .enumerate()
            .map(|(at, client)| {
                // The app holds the latest client's view.
                if Some(at) == latest {
                    self.app.focus
                } else {
                    client.view.focus()
                }
            })
            .collect()
    }

    fn alert(&mut self) {
        // Who looks was told to the app before the pump that worked the states out.
        for alert in self.attention.alerts(&self.app) {
            if self.app.notifications.enabled {
                let sequence = notification_sequence(&alert);
                for client in &self.clients {
                    client.send_raw(sequence.clone());
                }
            }
            if self.app.notifications.bell {
                for client in &self.clients {
                    client.send_raw(b"\x07".to_vec());
                }
            }
            if let Some(command) = &self.app.notifications.command {
                if let Err(error) = run_notify_command(command, &alert, &self.name) {
                    eprintln!("perdix-tui server: notify-command: {error}");
                }
            }
        }
    }

    /// Saves the session if it changed since it was last saved; a failure is logged, once
    /// per kind of change, and the session goes on.
    fn save(&mut self) {
        let now = SavedSession::of_app(&self.app);
        if self.saved.as_ref() == Some(&now) {
            return;
        }
        if let Err(error) = now.save(&self.saved_path) {
            eprintln!(
                "perdix-tui server: saving the session to {}: {error}",
                self.saved_path.display()
            );
        }
        self.saved = Some(now);
    }

    /// A frame for every client whose size is settled.
    fn draw(&mut self) -> Result<()> {
        // Once per round: every frame of the round is drawn from the same damage.
        let damage = FrameDamage::take(&mut self.app.panes);
        let latest = self.clients.len().saturating_sub(1);
        for index in 0..self.clients.len() {
            if self.clients[index].pending_resize.is_some() {
                // Its layout is still the old size's: a frame now would cut the panes.
                self.clients[index].missed_round();
                continue;
            }
            // The app holds the latest client's view; another client's is swapped in for
            // its frame and back out, whatever the drawing did.
            if index != latest {
                self.app.swap_view(&mut self.clients[index].view);
            }
            let drawn = draw_client(&self.app, &damage, &mut self.clients[index], &mut self.scratch);
            if index != latest {
                self.app.swap_view(&mut self.clients[index].view);
            }
            drawn?;
        }
        Ok(())
    }
}

/// One frame for `client`: drawn straight at its size when that is the app's, else drawn
/// at the app's size and fitted to the client's.
fn draw_client(
    app: &App,
    damage: &FrameDamage,
    client: &mut Client,
    scratch: &mut Option<ratatui::Terminal<perdix::tui::frame_backend::FrameBackend>>,
) -> Result<()> {
    let (width, height) = client.size();
    if (width, height) == (app.screen.width, app.screen.height) {
        client.draw(app, damage, None);
    } else {
        let shared = SharedScreen::draw(app, scratch)?;
        client.draw(app, damage, Some(&shared));
    }
    Ok(())
}
