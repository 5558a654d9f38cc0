//! Progress: how far an exploration has got, for a person watching it.
//!
//! The workers count the schedules they run into a shared [`Tracker`] in batches, and the
//! tracker hands a [`Progress`] to the exploration's callback about ten times a second (and once
//! at the end). Progress only observes: it never decides what runs, and the [`Report`] is the same
//! with or without it, for any number of workers. Wall-clock time enters here and only here
//! (rate, time left), never a run.
//!
//! Without a callback of its own, an exploration running longer than
//! [`STDERR_EVERY`] prints a line to stderr every [`STDERR_EVERY`] (libtest shows it with the
//! output of a failing test, or with `--nocapture`).
//!
//! [`Report`]: super::Report

use super::distinct::Distinct;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How far an exploration has got, as its progress callback sees it.
///
/// ```
/// use std::time::Duration;
/// use weft_sim::explore::{Phase, Progress};
/// let p = Progress {
///     name: "my_test",
///     phase: Phase::Exploring,
///     schedules: 250_000,
///     budget: 1_000_000,
///     distinct: 12,
///     distinct_estimated: false,
///     steps: 3_750_000,
///     elapsed: Duration::from_secs(5),
/// };
/// assert_eq!(p.rate(), 50_000.0);
/// assert_eq!(p.remaining(), Some(Duration::from_secs(15)));
/// assert_eq!(p.to_string(), "250,000 of 1,000,000 schedules, 50,000/s, 12 interleavings, about 15 s left");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Progress<'a> {
    /// The exploration's name.
    pub name: &'a str,
    /// What it is doing.
    pub phase: Phase,
    /// Schedules run so far (by every worker, also past a failure another worker found).
    pub schedules: u64,
    /// At most this many will run (DFS may run out of schedules sooner).
    pub budget: u64,
    /// Distinct interleavings among them so far (an estimate past 65,536 of them: see
    /// [`Report::distinct`](super::Report::distinct)).
    pub distinct: u64,
    /// Whether `distinct` is an estimate.
    pub distinct_estimated: bool,
    /// Steps taken so far.
    pub steps: u64,
    /// Real time since the exploration started.
    pub elapsed: Duration,
}

/// What an exploration is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Running schedules.
    Exploring,
    /// Shrinking the first failure: `runs` candidate runs of at most `budget`.
    Shrinking {
        /// Candidates run so far.
        runs: usize,
        /// At most this many.
        budget: usize,
    },
    /// Finished: the counts are the report's.
    Done,
}

impl Progress<'_> {
    /// Schedules per second of real time so far.
    pub fn rate(&self) -> f64 {
        match self.elapsed.as_secs_f64() {
            0.0 => 0.0,
            secs => self.schedules as f64 / secs,
        }
    }

    /// The time the rest of the budget would take at the rate so far (`None` before there is
    /// a rate).
    pub fn remaining(&self) -> Option<Duration> {
        let rate = self.rate();
        (rate > 0.0).then(|| Duration::from_secs_f64(self.budget.saturating_sub(self.schedules) as f64 / rate))
    }
}

impl Progress<'_> {
    /// The counts in few words, for a progress bar: "2,240/20,000, 5,187/s, 12 interleavings,
    /// 4 s left" (or, while shrinking, "shrinking: 40/2,000 candidate runs").
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft_sim::explore::{Phase, Progress};
    /// let p = Progress { name: "t", phase: Phase::Exploring, schedules: 2_000, budget: 20_000, distinct: 12, distinct_estimated: false, steps: 0, elapsed: Duration::from_secs(1) };
    /// assert_eq!(p.brief(), "2,000/20,000, 2,000/s, 12 interleavings, 9 s left");
    /// ```
    pub fn brief(&self) -> String {
        match self.phase {
            Phase::Shrinking { runs, budget } => {
                format!("shrinking: {}/{} candidate runs", thousands(runs as u64), thousands(budget as u64))
            }
            _ => {
                let left = match self.remaining() {
                    Some(d) if d >= Duration::from_millis(500) => format!(", {} left", human(d)),
                    _ => String::new(),
                };
                format!(
                    "{}/{}, {}/s, {}{left}",
                    thousands(self.schedules),
                    thousands(self.budget),
                    thousands(self.rate().round() as u64),
                    interleavings(self.distinct, self.distinct_estimated)
                )
            }
        }
    }
}

/// "1 interleaving", "12 interleavings", "about 3,014,656 interleavings" (an estimate).
fn interleavings(n: u64, estimated: bool) -> String {
    match (n, estimated) {
        (1, false) => "1 interleaving".to_string(),
        (n, false) => format!("{} interleavings", thousands(n)),
        (n, true) => format!("about {} interleavings", thousands(n)),
    }
}

impl fmt::Display for Progress<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let interleavings = interleavings(self.distinct, self.distinct_estimated);
        let counts = format!("{} of {} schedules", thousands(self.schedules), thousands(self.budget));
        let rate = format!("{}/s", thousands(self.rate().round() as u64));
        match self.phase {
            Phase::Exploring => {
                let left = match self.remaining() {
                    None => String::new(),
                    Some(d) if d < Duration::from_millis(500) => ", less than 1 s left".to_string(),
                    Some(d) => format!(", about {} left", human(d)),
                };
                write!(f, "{counts}, {rate}, {interleavings}{left}")
            }
            Phase::Shrinking { runs, budget } => write!(
                f,
                "{counts}, {interleavings}; shrinking the first failure: {} of at most {} candidate runs",
                thousands(runs as u64),
                thousands(budget as u64)
            ),
            Phase::Done => write!(f, "done: {counts}, {rate}, {interleavings}, in {}", human(self.elapsed)),
        }
    }
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let first = match digits.len() % 3 {
        0 => 3,
        r => r,
    };
    let (head, tail) = digits.split_at(first.min(digits.len()));
    let mut out = head.to_string();
    for group in tail.as_bytes().chunks(3) {
        out.push(',');
        out.push_str(std::str::from_utf8(group).expect("ASCII digits"));
    }
    out
}

/// A duration for a person: "less than 1 s", "15 s", "3 min 20 s", "2 h 5 min".
fn human(d: Duration) -> String {
    let s = d.as_secs_f64().round() as u64;
    match s {
        0 => "less than 1 s".to_string(),
        1..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

/// A progress callback.
pub(crate) type Callback = Arc<dyn Fn(&Progress<'_>) + Send + Sync>;

/// How often the default callback prints to stderr.
pub const STDERR_EVERY: Duration = Duration::from_secs(5);

/// How often the tracker calls the callback at most (while exploring or shrinking).
const EVERY: Duration = Duration::from_millis(100);

/// The default callback: a line on stderr every [`STDERR_EVERY`] once the exploration has run
/// that long, and a last one when it ends, if it printed any.
pub(crate) fn stderr() -> Callback {
    lines(STDERR_EVERY, |line| eprintln!("{line}"))
}

/// A callback that hands `sink` a line (`weft: <name>: <progress>`) every `period` once the
/// exploration has run that long, and a last one when it ends if it handed any.
fn lines(period: Duration, sink: impl Fn(String) + Send + Sync + 'static) -> Callback {
    let next = Mutex::new(period);
    Arc::new(move |p: &Progress<'_>| {
        let mut next = next.lock().unwrap_or_else(|e| e.into_inner());
        let printed = *next > period;
        if (p.phase == Phase::Done && printed) || (p.phase != Phase::Done && p.elapsed >= *next) {
            sink(format!("weft: {}: {p}", p.name));
            *next = p.elapsed + period;
        }
    })
}

/// The set's hasher: its keys are hashes already (FNV-1a over a schedule's picks), so a multiply
/// that spreads every bit of the key over the high ones (where the table reads its control
/// bytes) does, where SipHash cost a hundred instructions per schedule twice over.
#[derive(Default)]
pub(super) struct Mix(u64);

impl std::hash::Hasher for Mix {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, key: u64) {
        let mixed = (self.0 ^ key).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = mixed ^ (mixed >> 32);
    }
}

/// What the workers have run, shared, and when the callback was last called.
struct Shared {
    schedules: u64,
    steps: u64,
    distinct: Distinct,
    next_call: Duration,
}

/// The shared counter the workers report to (see the module docs).
pub(super) struct Tracker<'a> {
    name: &'a str,
    budget: u64,
    callback: &'a Callback,
    started: Instant,
    shared: Mutex<Shared>,
}

/// One worker's runs not yet reported.
#[derive(Default)]
pub(super) struct Batch {
    runs: u64,
    steps: u64,
    hashes: Vec<u64>,
}

/// A batch is reported after this many runs, or this many steps (long runs report sooner).
const BATCH_RUNS: u64 = 64;
const BATCH_STEPS: u64 = 100_000;

impl<'a> Tracker<'a> {
    pub(super) fn new(name: &'a str, budget: u64, callback: &'a Callback, started: Instant) -> Tracker<'a> {
        let shared = Shared { schedules: 0, steps: 0, distinct: Distinct::default(), next_call: EVERY };
        Tracker { name, budget, callback, started, shared: Mutex::new(shared) }
    }

    /// Counts one run (its pick hash and steps) into `batch`, reporting the batch when full.
    pub(super) fn ran(&self, batch: &mut Batch, hash: u64, steps: u64) {
        batch.runs += 1;
        batch.steps += steps;
        batch.hashes.push(hash);
        if batch.runs >= BATCH_RUNS || batch.steps >= BATCH_STEPS {
            self.flush(batch);
        }
    }

    /// Reports `batch` and calls the callback if it is time.
    pub(super) fn flush(&self, batch: &mut Batch) {
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        shared.schedules += batch.runs;
        shared.steps += batch.steps;
        batch.hashes.drain(..).for_each(|h| shared.distinct.insert(h));
        (batch.runs, batch.steps) = (0, 0);
        self.maybe_call(&mut shared, Phase::Exploring);
    }

    /// Shrinking has run `runs` candidates of at most `budget`.
    pub(super) fn shrinking(&self, runs: usize, budget: usize) {
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        self.maybe_call(&mut shared, Phase::Shrinking { runs, budget });
    }

    fn maybe_call(&self, shared: &mut Shared, phase: Phase) {
        let elapsed = self.started.elapsed();
        if elapsed < shared.next_call {
            return;
        }
        shared.next_call = elapsed + EVERY;
        let count = shared.distinct.count(shared.schedules);
        let progress = Progress {
            name: self.name,
            phase,
            schedules: shared.schedules,
            budget: self.budget,
            distinct: count.distinct,
            distinct_estimated: count.level > 0,
            steps: shared.steps,
            elapsed,
        };
        (self.callback)(&progress);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: f64, phase: Phase) -> Progress<'static> {
        let schedules = (secs * 1000.0) as u64;
        Progress {
            name: "t",
            phase,
            schedules,
            budget: 100_000,
            distinct: 3,
            distinct_estimated: false,
            steps: 10 * schedules,
            elapsed: Duration::from_secs_f64(secs),
        }
    }

    fn printed(calls: &[(f64, Phase)]) -> Vec<String> {
        let out = Arc::new(Mutex::new(Vec::new()));
        let sink = out.clone();
        let callback = lines(Duration::from_secs(5), move |line| sink.lock().unwrap().push(line));
        for &(secs, phase) in calls {
            callback(&at(secs, phase));
        }
        let lines = out.lock().unwrap().clone();
        lines
    }

    #[test]
    fn a_short_exploration_prints_nothing() {
        assert!(printed(&[(0.1, Phase::Exploring), (4.9, Phase::Exploring), (4.95, Phase::Done)]).is_empty());
    }

    #[test]
    fn a_long_one_prints_every_period_and_at_the_end() {
        use Phase::*;
        let calls = [(0.1, Exploring), (5.0, Exploring), (9.9, Exploring), (10.1, Exploring), (12.0, Done)];
        let lines = printed(&calls);
        assert_eq!(
            lines,
            [
                "weft: t: 5,000 of 100,000 schedules, 1,000/s, 3 interleavings, about 1 min 35 s left",
                "weft: t: 10,100 of 100,000 schedules, 1,000/s, 3 interleavings, about 1 min 30 s left",
                "weft: t: done: 12,000 of 100,000 schedules, 1,000/s, 3 interleavings, in 12 s",
            ]
        );
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        let cases = [(0, "0"), (7, "7"), (999, "999"), (1000, "1,000"), (12_345, "12,345"), (1_234_567, "1,234,567")];
        for (n, text) in cases {
            assert_eq!(thousands(n), text);
        }
    }

    #[test]
    fn shrinking_is_shown_as_such() {
        let p = at(6.0, Phase::Shrinking { runs: 40, budget: 2000 });
        assert_eq!(
            p.to_string(),
            "6,000 of 100,000 schedules, 3 interleavings; shrinking the first failure: 40 of at most 2,000 candidate runs"
        );
    }
}
