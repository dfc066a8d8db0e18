//! The headless benchmark: the whole app (PTYs, readers, parse stage, terminal models,
//! layout and rendering) driven at the normal frame pacing, each frame drawn as for an
//! attached client ([`ClientScreen`]: only what changed, encoded for a terminal) and its
//! bytes dropped instead of sent.

use super::app::{App, Msg};
use super::client_screen::ClientScreen;
use super::frame_clock::FrameClock;
use super::frame_damage::FrameDamage;
use super::panes::PaneSetError;
use crate::bench::ring_race::percentile;
use std::fmt;
use std::time::{Duration, Instant};

/// How often the loop looks for exited children while nothing arrives (their exit is
/// polled; their output ending wakes it).
const EXIT_POLL: Duration = Duration::from_millis(100);

/// How the benchmark runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BenchOptions {
    /// The size of the (in-memory) screen, columns and rows.
    pub screen: (u16, u16),
    /// End the programs still running after this long (their output is still drawn, but
    /// latency is measured only until then).
    pub duration: Option<Duration>,
}

impl Default for BenchOptions {
    fn default() -> BenchOptions {
        BenchOptions {
            screen: (200, 60),
            duration: None,
        }
    }
}

/// What one benchmark run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    /// The parse backend that ran.
    pub backend: &'static str,
    /// Panes.
    pub panes: usize,
    /// Bytes of output read from all PTYs.
    pub bytes: u64,
    /// From the start of the run (the panes' programs were started just before) until
    /// the last frame showing everything.
    pub seconds: f64,
    /// `bytes` per second, in MiB.
    pub mib_per_s: f64,
    /// Frames drawn.
    pub frames: u64,
    /// Median time to draw one frame (layout, view, rendering into the backend).
    pub frame_ms_p50: f64,
    /// 99th-percentile time to draw one frame.
    pub frame_ms_p99: f64,
    /// 99th-percentile of how late frames started: from the moment a frame was both due
    /// (16 ms after the last) and needed (something changed) until it started.
    pub frame_delay_ms_p99: f64,
    /// Median time from a chunk's PTY read to the end of the frame that first showed it.
    pub latency_us_p50: f64,
    /// 99th-percentile of the same.
    pub latency_us_p99: f64,
    /// Chunks whose latency was measured.
    pub latency_samples: usize,
    /// Peak resident memory of this process, MiB (`VmHWM`; 0 where unknown).
    pub peak_rss_mib: f64,
}

impl BenchReport {
    /// The report as one JSON object.
    ///
    /// ```
    /// # use perdix::tui::headless_bench::BenchReport;
    /// let report = BenchReport { backend: "cpu", panes: 2, bytes: 1 << 20, seconds: 0.5,
    ///     mib_per_s: 2.0, frames: 30, frame_ms_p50: 0.4, frame_ms_p99: 1.5,
    ///     frame_delay_ms_p99: 3.0, latency_us_p50: 9000.0, latency_us_p99: 17000.0,
    ///     latency_samples: 64, peak_rss_mib: 40.0 };
    /// let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    /// assert_eq!(json["backend"], "cpu");
    /// assert_eq!(json["bytes"], 1048576);
    /// ```
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "backend": self.backend,
            "panes": self.panes,
            "bytes": self.bytes,
            "seconds": self.seconds,
            "mib_per_s": self.mib_per_s,
            "frames": self.frames,
            "frame_ms_p50": self.frame_ms_p50,
            "frame_ms_p99": self.frame_ms_p99,
            "latency_us_p50": self.latency_us_p50,
            "latency_us_p99": self.latency_us_p99,
            "peak_rss_mib": self.peak_rss_mib,
        })
        .to_string()
    }
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "backend        {}", self.backend)?;
        writeln!(f, "panes          {}", self.panes)?;
        writeln!(f, "bytes          {}", self.bytes)?;
        writeln!(f, "seconds        {:.3}", self.seconds)?;
        writeln!(f, "MiB/s          {:.1}", self.mib_per_s)?;
        writeln!(f, "frames         {}", self.frames)?;
        writeln!(
            f,
            "frame time     p50 {:.2} ms, p99 {:.2} ms (started late by p99 {:.1} ms)",
            self.frame_ms_p50, self.frame_ms_p99, self.frame_delay_ms_p99
        )?;
        writeln!(
            f,
            "latency        p50 {:.0} µs, p99 {:.0} µs ({} chunks, PTY read to end of frame)",
            self.latency_us_p50, self.latency_us_p99, self.latency_samples
        )?;
        write!(f, "peak RSS       {:.1} MiB", self.peak_rss_mib)
    }
}

/// Runs `app` (whose panes must come from
/// [`PaneSet::spawn_measuring_latency`](super::PaneSet::spawn_measuring_latency)) until
/// every pane's program has ended and its output is drawn: pumps the panes, and, paced as
/// the app paces its frames ([`FrameClock`]), draws each change into an in-memory backend. `progress` is called about once a second with the bytes read so far.
///
/// ```
/// use perdix::parse::BackendKind;
/// use perdix::pty::SpawnConfig;
/// use perdix::term::PaneConfig;
/// use perdix::tui::app::App;
/// use perdix::tui::headless_bench::{run_bench, BenchOptions};
/// use perdix::tui::{keymap::Keymap, layout_kind::LayoutKind, theme::Theme, PaneSet};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let commands = [SpawnConfig::new("seq 1 20000")];
/// let panes = PaneSet::spawn_measuring_latency(&commands, BackendKind::Cpu, PaneConfig::default())?;
/// let app = App::new(panes, vec!["seq".into()], Keymap::default(), Theme::default(), LayoutKind::Tiled);
/// let report = run_bench(app, BenchOptions::default(), |_| {})?;
/// assert_eq!(report.bytes, 108894 + 20000); // the numbers, and a CR before each LF
/// assert!(report.frames >= 1 && report.latency_samples >= 1);
/// # Ok(())
/// # }
/// ```
pub fn run_bench(
    mut app: App,
    options: BenchOptions,
    mut progress: impl FnMut(u64),
) -> Result<BenchReport, PaneSetError> {
    let (width, height) = options.screen;
    let mut screen = ClientScreen::new(width, height);
    app.update(Msg::Resize(width, height))?;
    let start = Instant::now();
    let mut frame_times = Vec::new();
    let mut frame_delays = Vec::new();
    let mut latencies = Vec::new();
    let mut clock = FrameClock::new();
    clock.changed(start);
    let mut last_progress = start;
    let mut ended = false;
    loop {
        if app.pump()? {
            clock.changed(Instant::now());
        }
        let finished = app.panes.is_finished();
        let now = Instant::now();
        // Drawn as the app draws: as soon as due, everything ready applied first unless the
        // frame is due; the last one at once when the programs have ended.
        if clock.due(now) || (finished && clock.is_owed()) {
            let frame_start = Instant::now();
            frame_delays.push(nanos(clock.delay(frame_start)));
            let damage = FrameDamage::take(&mut app.panes);
            let bytes = screen.draw(&app, &damage);
            std::hint::black_box(bytes);
            let frame_end = Instant::now();
            frame_times.push(nanos(frame_end - frame_start));
            clock.drawn(frame_start, frame_end - frame_start);
            // Ending the programs takes a while (a grace period each), which is not the
            // pipeline's latency: chunks shown after that are not counted.
            if !ended {
                app.panes
                    .take_shown_reads(frame_end, |latency| latencies.push(nanos(latency)));
            }
        }
        if finished && !clock.is_owed() {
            break;
        }
        if !ended && options.duration.is_some_and(|limit| start.elapsed() >= limit) {
            ended = true;
            app.panes.kill_all();
        }
        if last_progress.elapsed() >= Duration::from_secs(1) {
            last_progress = Instant::now();
            progress(bytes_read(&app));
        }
        // As the app sleeps: until records arrive, the owed frame is due, or something
        // else is (a label, a synchronized update, the end of the run, the next progress
        // report); a finished run looks for exited children again soon.
        let deadline = [
            clock.next_due(),
            app.next_deadline(Instant::now()),
            options.duration.map(|limit| start + limit).filter(|_| !ended),
            Some(last_progress + Duration::from_secs(1)),
            Some(Instant::now() + EXIT_POLL),
        ]
        .into_iter()
        .flatten()
        .min();
        app.panes.wait_for_work(deadline, || false);
    }
    let seconds = start.elapsed().as_secs_f64();
    let bytes = bytes_read(&app);
    frame_times.sort_unstable();
    frame_delays.sort_unstable();
    latencies.sort_unstable();
    let millis = |sorted: &[u64], q| percentile(sorted, q) as f64 / 1e6;
    let micros = |sorted: &[u64], q| percentile(sorted, q) as f64 / 1e3;
    Ok(BenchReport {
        backend: app.panes.backend_name(),
        panes: app.panes.panes().len(),
        bytes,
        seconds,
        mib_per_s: bytes as f64 / (1024.0 * 1024.0) / seconds.max(f64::MIN_POSITIVE),
        frames: frame_times.len() as u64,
        frame_ms_p50: millis(&frame_times, 0.50),
        frame_ms_p99: millis(&frame_times, 0.99),
        frame_delay_ms_p99: millis(&frame_delays, 0.99),
        latency_us_p50: micros(&latencies, 0.50),
        latency_us_p99: micros(&latencies, 0.99),
        latency_samples: latencies.len(),
        peak_rss_mib: peak_rss_mib(),
    })
}

fn bytes_read(app: &App) -> u64 {
    app.panes.panes().iter().map(|pane| pane.bytes_received()).sum()
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// This process's peak resident memory in MiB, from `/proc/self/status`; 0 where that
/// is not available.
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|value| value.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}
