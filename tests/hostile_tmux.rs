//! Hostile output through the real `perdix-tui` binary, in tmux as the outer terminal:
//! beside each attacking pane a victim pane keeps updating, and the app still quits on
//! `C-b q` (or SIGTERM), giving the terminal back as it was.

mod support;

use std::path::PathBuf;
use std::time::{Duration, Instant};
use support::tmux::{pane_rows, Tmux};

/// The victim: a numbered tick twenty times a second.
const VICTIM: &str = "i=0; while :; do i=$((i+1)); echo tick-$i; sleep 0.05; done\n";

/// Scripts written for one test, removed at the end.
struct Scripts(PathBuf);

impl Scripts {
    fn new(name: &str) -> Scripts {
        let dir = std::env::temp_dir().join(format!("perdix-hostile-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scripts(dir)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}

impl Drop for Scripts {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The highest tick pane 2 shows on `screen`.
fn victim_tick(screen: &str) -> u64 {
    pane_rows(screen, 2)
        .unwrap_or_default()
        .iter()
        .filter_map(|row| row.trim().strip_prefix("tick-")?.parse().ok())
        .max()
        .unwrap_or(0)
}

/// Starts the app with `attack` (a shell script) in pane 1 and the victim in pane 2, and
/// waits until the victim ticks.
fn start(tmux: &Tmux, scripts: &Scripts, attack: &str) {
    tmux.wait_until("the outer shell's prompt", |screen| screen.contains("outer$"));
    let attack = scripts.write("attack.sh", attack);
    let victim = scripts.write("victim.sh", VICTIM);
    tmux.line(&format!(
        "'{}' --backend cpu 'sh {attack}' 'sh {victim}'",
        env!("CARGO_BIN_EXE_perdix-tui")
    ));
    tmux.wait_until("the victim's ticks", |screen| victim_tick(screen) > 0);
}

/// Waits for the victim to tick `ticks` more times, over at least `at_least`.
fn victim_keeps_ticking(tmux: &Tmux, ticks: u64, at_least: Duration) {
    let start = Instant::now();
    let before = victim_tick(&tmux.capture());
    tmux.wait_until(&format!("{ticks} more ticks after tick {before}"), |screen| {
        start.elapsed() >= at_least && victim_tick(screen) >= before + ticks
    });
}

#[test]
fn long_titles_and_random_bytes_leave_the_victim_updating_and_quit_works() {
    let tmux = Tmux::start();
    let scripts = Scripts::new("strings");
    start(
        &tmux,
        &scripts,
        "for len in 300 65536 1048576; do \
           printf '\\033]0;'; head -c $len /dev/zero | tr '\\0' A; printf '\\007'; \
           printf '\\033]8;;http://example.com/'; head -c $len /dev/zero | tr '\\0' B; printf '\\033\\\\link\\033]8;;\\033\\\\\\n'; \
         done; head -c 4000000 /dev/urandom; sleep 600\n",
    );
    victim_keeps_ticking(&tmux, 20, Duration::from_secs(3));
    tmux.quit_app();
}

#[test]
fn a_query_flood_from_a_child_that_never_reads_leaves_quit_and_sigterm_working() {
    for by_signal in [false, true] {
        let tmux = Tmux::start();
        let scripts = Scripts::new(if by_signal { "flood-term" } else { "flood-quit" });
        start(
            &tmux,
            &scripts,
            "stty raw -echo; while :; do printf '\\033[6n\\033[c'; done\n",
        );
        victim_keeps_ticking(&tmux, 20, Duration::from_secs(3));
        if by_signal {
            let shell = tmux.format("#{pane_pid}");
            let status = std::process::Command::new("pkill")
                .args(["-TERM", "-P", &shell, "-f", "perdix-tui"])
                .status()
                .unwrap();
            assert!(status.success(), "no perdix-tui under the outer shell {shell}");
            tmux.wait_restored();
        } else {
            tmux.quit_app();
        }
    }
}

#[test]
fn a_large_paste_into_a_program_that_never_reads_leaves_the_app_working() {
    let tmux = Tmux::start();
    let scripts = Scripts::new("paste");
    start(&tmux, &scripts, "exec sleep 1000\n");
    let paste = scripts.write("paste.txt", &"pasted text that nobody reads\n".repeat(10_000));
    tmux.run(&["load-buffer", "-b", "big", &paste]);
    for _ in 0..3 {
        tmux.run(&["paste-buffer", "-p", "-b", "big", "-t", "t"]);
    }
    victim_keeps_ticking(&tmux, 20, Duration::from_secs(2));
    tmux.quit_app();
}
