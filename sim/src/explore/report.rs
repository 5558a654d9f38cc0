//! What an exploration reports: counts, what they covered, and the first failure with the one
//! line that replays it.
//!
//! **Counting.** Schedules are counted from 1, everywhere: "schedule 4 failed" is the fourth
//! schedule the exploration ran, and an exploration that stopped at it reports 4 schedules.
//! ([`Found::index`] is the 0-based position that seeds the run, see
//! [`run_seed`](super::run_seed).)

use super::regressions::Regressions;
use crate::fault::FaultKind;
use crate::fault::Faults;
use crate::runtime::Failure;
use crate::schedule::Schedule;
use crate::shrink::{Shrunk, Size};
use crate::strategy::{Reduction, Strategy};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;
use weft_traces::Trace;

/// What an exploration found.
///
/// Two reports are equal when everything but `jobs` and `elapsed` (real time) is: the report of
/// an exploration does not depend on the number of workers.
#[derive(Clone, Debug)]
pub struct Report {
    /// The test's name.
    pub name: String,
    /// The strategy that ran.
    pub strategy: Strategy,
    /// The base seed.
    pub seed: u64,
    /// The shard `(index, count)` that ran; `(0, 1)` is the whole exploration.
    pub shard: (u32, u32),
    /// The faults each run could inject: sampled by sampling strategies, every choice within
    /// the budgets enumerated by DFS.
    pub faults: Faults,
    /// DFS's partial-order reduction ([`Reduction::Off`] for other strategies).
    pub reduction: Reduction,
    /// Schedules run (up to and including the first failure).
    pub schedules: u64,
    /// Distinct interleavings (sequences of picks) among them: counted exactly up to 65,536,
    /// past which a bounded sample of them estimates it ([`Report::distinct_estimated`]), so
    /// that an exploration's memory does not grow with its schedules.
    pub distinct: u64,
    /// Whether `distinct` is an estimate (within about 1 %, and never above `schedules`): more
    /// than 65,536 distinct interleavings ran. The same exploration gives the same estimate
    /// with any number of workers, and `weft merge` of its shards the same as unsharded.
    pub distinct_estimated: bool,
    /// Steps taken by those runs in total.
    pub steps: u64,
    /// Whether the strategy ran out of schedules before the budget did: DFS walked its whole
    /// tree (within its preemption bound), or FIFO ran the one schedule of a program that draws
    /// no random value (faults off). See [`Report::exhausted`].
    pub enumerated: bool,
    /// Whether the schedules run are *all* the schedules within the strategy's bounds and none
    /// failed: `enumerated` (DFS branches on every fault within the budgets, so its bounds
    /// include them). [`Report::covered`] says it in words.
    pub exhausted: bool,
    /// Whether some run counted drew a random value ([`crate::random_range`]). DFS gives every
    /// run the same draws (from the seed), so its exhaustive verdict covers that one input.
    pub drew: bool,
    /// The first failure, replayed, shrunk and replayed again.
    pub failure: Option<Box<Found>>,
    /// Whether this was the replay of one schedule (`WEFT_REPLAY`, or a saved schedule of the
    /// regression file that still fails) rather than an exploration.
    pub replayed: bool,
    /// How many schedules were asked for (the count; for a shard, of the whole exploration).
    pub budget: u64,
    /// The time budget, if one was set ([`Explore::time_budget`](super::Explore::time_budget), `WEFT_TIME`).
    pub time_budget: Option<Duration>,
    /// Whether the time budget ended the exploration before the count did: the schedules run
    /// are then the first [`Report::schedules`] of the shard's schedule order.
    pub out_of_time: bool,
    /// Every counted schedule, in schedule order: its index, a hash of its interleaving, its
    /// steps (what [`merge`](super::merge) needs to give the unsharded report); `None` unless
    /// the exploration kept them ([`Explore::keep_runs`](super::Explore::keep_runs): shards
    /// and JSON reports do).
    pub runs: Option<Vec<ScheduleRun>>,
    /// The lowest index among them of a run that drew a random value.
    pub first_draw: Option<u64>,
    /// The regression file, and what replaying it gave (`None`: no file for this exploration).
    pub regressions: Option<Regressions>,
    /// Worker threads used.
    pub jobs: usize,
    /// Real time the exploration took.
    pub elapsed: Duration,
}

impl PartialEq for Report {
    fn eq(&self, other: &Report) -> bool {
        let key = |r: &Report| {
            (
                r.name.clone(),
                r.strategy.clone(),
                r.seed,
                r.shard,
                r.faults,
                r.reduction,
                (r.schedules, r.distinct, r.distinct_estimated, r.steps),
                (r.enumerated, r.exhausted, r.drew),
                r.failure.clone(),
                r.replayed,
                (r.budget, r.time_budget, r.out_of_time, r.first_draw),
                (r.runs.clone(), r.regressions.clone()),
            )
        };
        key(self) == key(other)
    }
}

/// One schedule an exploration ran and counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScheduleRun {
    /// Its 0-based index in the exploration's schedule order.
    pub index: u64,
    /// A hash of its interleaving (its picks): equal hashes, one distinct interleaving.
    pub interleaving: u64,
    /// Its steps.
    pub steps: u64,
}

/// A failing schedule and how it failed.
#[derive(Clone, Debug, PartialEq)]
pub struct Counterexample {
    /// The schedule (replays it exactly).
    pub schedule: Schedule,
    /// How its run failed.
    pub failure: Failure,
}

/// The first failure of an exploration: the failure of the schedule it prints (the shrunk one
/// when shrinking ran), with that schedule's own trace, and the failing run as the exploration
/// first saw it, for reference.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// The 0-based position of the failing schedule in the exploration (its run seed is
    /// [`run_seed`](super::run_seed)`(seed, index)`); messages count from 1: [`Found::number`].
    pub index: u64,
    /// Its run seed.
    pub seed: u64,
    /// What failed when `schedule` ran: kind, rule, step, task, message.
    pub failure: Failure,
    /// The schedule to replay (`WEFT_REPLAY`): the shrunk one when shrinking ran and found a
    /// smaller schedule that fails the same way, else the one the exploration found.
    pub schedule: Schedule,
    /// The whole trace of `schedule`'s run.
    pub trace: Trace,
    /// Where `trace` was written, or why it could not be.
    pub trace_file: Result<PathBuf, String>,
    /// The failing schedule as the exploration found it, with its failure (the same as
    /// `schedule` and `failure` when nothing shrank).
    pub first: Counterexample,
    /// How shrinking went, when it ran.
    pub shrunk: Option<Shrunk>,
    /// Whether every replay failed as the run it replayed had (false: the program is not
    /// deterministic, and the report shows the first failure as it was found).
    pub reproduced: bool,
}

impl Found {
    /// The schedule to paste into `WEFT_REPLAY`: [`Found::schedule`].
    ///
    /// ```
    /// let report = weft_sim::explore(|| async { panic!("boom") }).environment(false).run();
    /// let found = report.failure.unwrap();
    /// assert_eq!(found.minimal(), &found.schedule);
    /// assert!(found.minimal().len() <= found.first.schedule.len());
    /// ```
    pub fn minimal(&self) -> &Schedule {
        &self.schedule
    }

    /// The failing schedule's number, counting from 1 as the report's schedule count does: an
    /// exploration (of one shard) that stopped at it ran `number()` schedules.
    ///
    /// ```
    /// let report = weft_sim::explore(|| async { panic!("boom") }).environment(false).run();
    /// assert_eq!(report.failure.unwrap().number(), 1);
    /// assert_eq!(report.schedules, 1);
    /// ```
    pub fn number(&self) -> u64 {
        self.index + 1
    }

    /// How the exploration first saw the failure, when shrinking changed the schedule:
    /// `found first as weft2:...: <its failure>`, for reference (`None` when nothing shrank).
    ///
    /// ```
    /// use weft_sim::{explore, spawn, yield_now, Strategy};
    /// let report = explore(|| async {
    ///     let a = spawn("a", async { yield_now().await; yield_now().await; });
    ///     spawn("b", async { panic!("b ran") });
    ///     a.await.unwrap();
    /// })
    /// .strategy(Strategy::Random)
    /// .environment(false)
    /// .run();
    /// let found = report.failure.unwrap();
    /// match found.found_first() {
    ///     Some(line) => assert!(line.starts_with(&format!("found first as {}", found.first.schedule))),
    ///     None => assert_eq!(found.schedule, found.first.schedule),
    /// }
    /// ```
    pub fn found_first(&self) -> Option<String> {
        if self.schedule == self.first.schedule {
            return None;
        }
        let (first, now) = (self.first.failure.to_string(), self.failure.to_string());
        Some(match first == now {
            true => format!("found first as {}, failing with the same message", self.first.schedule),
            false => format!("found first as {}: {first}", self.first.schedule),
        })
    }
}

/// `n` and the noun, plural when `n != 1`.
/// "12 distinct interleavings", "about 3,014,656 distinct interleavings (estimated)".
fn distinct(n: u64, estimated: bool) -> String {
    match estimated {
        false => count(n, "distinct interleaving"),
        true => format!("about {n} distinct interleavings (estimated from a sample, past 65,536)"),
    }
}

fn count(n: u64, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        _ => format!("{n} {noun}s"),
    }
}

impl Report {
    /// Whether no schedule failed.
    ///
    /// ```
    /// assert!(weft_sim::explore(|| async {}).schedules(3).run().is_ok());
    /// ```
    pub fn is_ok(&self) -> bool {
        self.failure.is_none()
    }

    /// What the schedules run covered, in words that claim no more than was checked: "all 12
    /// schedules with at most 2 preemptions and 1 cancellation" only when
    /// [`Report::exhausted`]; otherwise how many schedules of which strategy, and what they
    /// left out. With reduction, the schedules are one per class of equivalent ones.
    ///
    /// ```
    /// use weft_sim::fault::FaultKind;
    /// use weft_sim::{explore, spawn, yield_now, Faults, Strategy};
    /// let program = || async { spawn("a", yield_now()); spawn("b", yield_now()); };
    /// let dfs = |faults| explore(program).strategy(Strategy::Dfs { max_preemptions: Some(0) }).faults(faults).environment(false).run();
    /// assert_eq!(dfs(Faults::none()).covered(), "all 2 schedules with no preemption");
    /// let cancels = dfs(Faults::none().at_most(FaultKind::Cancel, 1)).covered();
    /// assert!(cancels.ends_with("schedules with no preemption and at most 1 cancellation"), "{cancels}");
    /// ```
    pub fn covered(&self) -> String {
        let n = self.schedules;
        let noun = if n == 1 { "schedule" } else { "schedules" };
        let Strategy::Dfs { max_preemptions } = &self.strategy else {
            return match (&self.strategy, self.exhausted) {
                (Strategy::Fifo, true) => "the one FIFO schedule: the program draws no random value".to_string(),
                (strategy, _) if self.out_of_time => {
                    format!("{n} {strategy} {noun}, the first {n} of the schedule order: the time budget ran out")
                }
                (strategy, _) => format!("{n} {strategy} {noun}"),
            };
        };
        let bound = bounds(*max_preemptions, &self.faults);
        let reduced = match self.reduction {
            Reduction::Dpor => ", up to the order of independent steps",
            Reduction::Off => "",
        };
        if self.exhausted {
            let input = match self.drew {
                true => format!(", for the values seed {} draws", self.seed),
                false => String::new(),
            };
            return format!("all {n} {noun}{bound}{reduced}{input}");
        }
        let why = match self.is_ok() {
            false => "up to the first failure",
            true if self.out_of_time => "not exhaustive: the time budget ran out first",
            true => "not exhaustive: the schedule budget ran out first",
        };
        format!("{n} DFS {noun}{bound}{reduced}, {why}")
    }

    /// The full report of the failure, if a schedule failed. Its first lines are what a CI
    /// dashboard's one-line summary needs, in this order: the test's name and the seeds (with
    /// the failure's kind), the line that reproduces it, the trace file, the regression file;
    /// then the failure itself, its schedule, how shrinking went and how the exploration first
    /// saw it. [`Report::assert_ok`] panics with this text.
    ///
    /// ```
    /// let report = weft_sim::explore(|| async { assert_eq!(1 + 1, 3) }).name("sums").environment(false).run();
    /// let text = report.failure_report().expect("it failed");
    /// let lines: Vec<&str> = text.lines().collect();
    /// assert!(lines[0].starts_with("weft: sums: schedule 1 failed: panic (strategy random, seed 0, run seed "), "{text}");
    /// assert!(lines[1].starts_with("  replay: WEFT_REPLAY=weft2:") && lines[1].ends_with(" cargo test sums"), "{text}");
    /// assert!(lines[2].starts_with("  trace: "), "{text}");
    /// assert!(lines[3].starts_with("  regression file: none"), "{text}");
    /// ```
    pub fn failure_report(&self) -> Option<String> {
        let found = self.failure.as_deref()?;
        let mut m = String::new();
        let kind = found.failure.kind().map_or("divergence", |k| k.name());
        let shard = match self.shard {
            (_, 1) => String::new(),
            (k, n) => format!(", shard {k}/{n}"),
        };
        let saved_line = self.regressions.as_ref().and_then(|r| r.failed_line.map(|l| (r.file.clone(), l)));
        let what = match (&saved_line, self.replayed) {
            (Some((file, line)), _) => format!("the saved schedule {}:{line} still fails", file.display()),
            (None, true) => "the replayed schedule failed".to_string(),
            (None, false) => format!("schedule {} failed", found.number()),
        };
        m += &format!(
            "weft: {}: {what}: {kind} (strategy {}, seed {}{shard}, run seed {})\n",
            self.name, self.strategy, self.seed, found.seed
        );
        m += &format!("  replay: WEFT_REPLAY={} cargo test {}\n", found.schedule, &self.name);
        match &found.trace_file {
            Ok(path) => m += &format!("  trace: {}\n", path.display()),
            Err(e) => m += &format!("  trace: not written ({e})\n"),
        }
        m += &match (&self.regressions, &saved_line, self.replayed) {
            (None, ..) => "  regression file: none (regressions are off for this exploration)\n".to_string(),
            (Some(r), Some(_), _) => format!("  regression file: {} (the failing line is there)\n", r.file.display()),
            (Some(r), None, true) => format!("  regression file: {} (a replay is not saved)\n", r.file.display()),
            (Some(r), None, false) => {
                format!("  regression file: {} (assert_ok saves the line; commit the file)\n", r.file.display())
            }
        };
        m += &format!("  failure: {}\n", found.failure);
        m += &format!("  schedule: {}: {}\n", found.schedule, Size::of(&found.schedule));
        if let Some(s) = &found.shrunk {
            m += &format!("  {s}\n");
        }
        if let Some(first) = found.found_first() {
            m += &format!("  {first}\n");
        }
        if !found.reproduced {
            m += "  warning: replaying a schedule did not fail the same way; the program is not deterministic (real time, OS randomness, HashMap order or state shared between runs?)\n";
        }
        if self.replayed {
            m += &format!("{}\n", found.trace.to_text());
        }
        Some(m)
    }

    /// Panics with [`Report::failure_report`] if a schedule failed, after saving the failure's
    /// line in the regression file ([`Report::save_regression`]; a file that cannot be written
    /// is said in the message, after the report).
    ///
    /// ```should_panic
    /// // panics with "weft: <name>: schedule 1 failed: panic ...\n  replay: WEFT_REPLAY=weft2:... cargo test <name>\n..."
    /// weft_sim::explore(|| async { assert_eq!(1 + 1, 3) }).no_regressions().run().assert_ok();
    /// ```
    #[track_caller]
    pub fn assert_ok(&self) {
        let Some(report) = self.failure_report() else {
            return;
        };
        match self.save_regression() {
            Ok(_) => panic!("{report}"),
            Err(e) => panic!("{report}  warning: the regression file was not written: {e}\n"),
        }
    }
}

/// A DFS's bounds in words: " with no preemption and at most 1 cancellation".
fn bounds(max_preemptions: Option<u32>, faults: &Faults) -> String {
    let mut at_most: Vec<String> = Vec::new();
    if let Some(p) = max_preemptions.filter(|&p| p > 0) {
        at_most.push(count(u64::from(p), "preemption"));
    }
    let kinds: Vec<FaultKind> = faults.kinds().collect();
    let limits: u32 = kinds.iter().map(|&k| faults.limit(k)).sum();
    at_most.extend(kinds.iter().map(|&k| k.count(faults.limit(k))));
    if kinds.len() > 1 && faults.budget < limits {
        at_most.push(format!("{} in all", count(u64::from(faults.budget), "fault")));
    }
    let mut items: Vec<String> = Vec::new();
    if max_preemptions == Some(0) {
        items.push("no preemption".to_string());
    }
    if !at_most.is_empty() {
        items.push(format!("at most {}", and_list(&at_most)));
    }
    match items.is_empty() {
        true => String::new(),
        false => format!(" with {}", items.join(" and ")),
    }
}

/// "a", "a and b", "a, b and c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let outcome = match &self.failure {
            Some(found) => format!("FAILED at schedule {}: {}", found.number(), found.failure),
            None if self.enumerated || self.out_of_time => format!("ok ({})", self.covered()),
            None => "ok".to_string(),
        };
        let shard = match self.shard {
            (_, 1) => String::new(),
            (k, n) => format!(", shard {k}/{n}"),
        };
        write!(
            f,
            "weft: {}: {} ({}, {} steps) with {}, seed {}{shard}, {} job(s), in {:.3} s: {outcome}",
            self.name,
            count(self.schedules, "schedule"),
            distinct(self.distinct, self.distinct_estimated),
            self.steps,
            self.strategy,
            self.seed,
            self.jobs,
            self.elapsed.as_secs_f64()
        )
    }
}
