//! Progress of `apply` on stderr (CONTRACT §1: for long runs when stderr is
//! a terminal; quiet otherwise). On a terminal, a bar over the run's phases
//! appears once the run has taken a second (short runs print nothing); with
//! `CASHAPPLY_PROGRESS=1` each phase is printed as a timed line instead
//! (for logs and benchmarks), terminal or not.

use std::io::{self, IsTerminal};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run goes before the bar appears (`CASHAPPLY_PROGRESS_AFTER_MS`
/// overrides it, for tests).
const SHOW_AFTER: Duration = Duration::from_secs(1);

fn show_after() -> Duration {
    std::env::var("CASHAPPLY_PROGRESS_AFTER_MS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(SHOW_AFTER, Duration::from_millis)
}

/// The progress display of one run.
pub struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
    start: Instant,
    stop: Option<mpsc::Sender<()>>,
    shower: Option<JoinHandle<()>>,
}

impl Progress {
    /// A display for a run of `phases` steps.
    pub fn new(phases: u64) -> Progress {
        let lines = std::env::var("CASHAPPLY_PROGRESS").is_ok_and(|v| v == "1");
        let mut p = Progress { bar: None, lines, start: Instant::now(), stop: None, shower: None };
        if lines || !io::stderr().is_terminal() {
            return p;
        }
        let bar = ProgressBar::with_draw_target(Some(phases), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed}] {bar:24} {pos}/{len} {msg}") {
            bar.set_style(style);
        }
        let (tx, rx) = mpsc::channel::<()>();
        let shown = bar.clone();
        let after = show_after();
        p.shower = Some(std::thread::spawn(move || {
            // Shown only if the run is still going after SHOW_AFTER.
            if rx.recv_timeout(after) == Err(mpsc::RecvTimeoutError::Timeout) {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(Duration::from_millis(120));
            }
        }));
        p.stop = Some(tx);
        p.bar = Some(bar);
        p
    }

    /// A phase has begun (`what` says which) — or, for the timed lines, ended.
    pub fn phase(&self, what: impl std::fmt::Display) {
        if self.lines {
            eprintln!("[{:>7.2}s] {what}", self.start.elapsed().as_secs_f64());
        }
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(what.to_string());
        }
    }

    /// A phase has begun, in the service's words.
    pub fn say(&self, what: &str) {
        self.phase(what);
    }

    /// Clears the bar before the run's own output is printed.
    pub fn finish(mut self) {
        drop(self.stop.take());
        if let Some(t) = self.shower.take() {
            let _ = t.join();
        }
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
