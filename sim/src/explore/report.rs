//! What an exploration reports: counts, what they covered, and the first failure with the one
//! line that replays it.
//!
//! **Counting.** Schedules are counted from 1, everywhere: "schedule 4 failed" is the fourth
//! schedule the exploration ran, and an exploration that stopped at it reports 4 schedules.
//! ([`Found::index`] is the 0-based position that seeds the run, see
//! [`run_seed`](super::run_seed).)

use crate::fault::Faults;
use crate::runtime::Failure;
use crate::schedule::Schedule;
use crate::shrink::{Shrunk, Size};
use crate::strategy::Strategy;
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
    /// The faults each run could inject (sampled by each run, never enumerated).
    pub faults: Faults,
    /// Schedules run (up to and including the first failure).
    pub schedules: u64,
    /// Distinct interleavings (sequences of picks) among them.
    pub distinct: u64,
    /// Steps taken by those runs in total.
    pub steps: u64,
    /// Whether the strategy ran out of schedules before the budget did: DFS walked its whole
    /// tree (within its preemption bound), or FIFO ran the one schedule of a program that draws
    /// no random value (faults off). See [`Report::exhausted`].
    pub enumerated: bool,
    /// Whether the schedules run are *all* the schedules within the strategy's bounds and none
    /// failed: `enumerated`, with no fault on (DFS does not branch on fault choices, so with
    /// faults it samples them and is not exhaustive). [`Report::covered`] says it in words.
    pub exhausted: bool,
    /// Whether some run counted drew a random value ([`crate::random_range`]). DFS gives every
    /// run the same draws (from the seed), so its exhaustive verdict covers that one input.
    pub drew: bool,
    /// The first failure, replayed, shrunk and replayed again.
    pub failure: Option<Box<Found>>,
    /// Whether this was the replay of one schedule (`WEFT_REPLAY`) rather than an exploration.
    pub replayed: bool,
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
                (r.schedules, r.distinct, r.steps),
                (r.enumerated, r.exhausted, r.drew),
                r.failure.clone(),
                r.replayed,
            )
        };
        key(self) == key(other)
    }
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
    /// schedules with at most 2 preemptions" only when [`Report::exhausted`]; otherwise how
    /// many schedules of which strategy, and what they left out.
    ///
    /// ```
    /// use weft_sim::{explore, spawn, yield_now, Faults, Strategy};
    /// let program = || async { spawn("a", yield_now()); spawn("b", yield_now()); };
    /// let dfs = |faults| explore(program).strategy(Strategy::Dfs { max_preemptions: Some(0) }).faults(faults).environment(false).run();
    /// assert_eq!(dfs(Faults::none()).covered(), "all 2 schedules with no preemption");
    /// let sampled = dfs(Faults::all()).covered();
    /// assert!(sampled.ends_with("DFS schedules with no preemption, faults sampled, not enumerated"), "{sampled}");
    /// ```
    pub fn covered(&self) -> String {
        let n = self.schedules;
        let noun = if n == 1 { "schedule" } else { "schedules" };
        let Strategy::Dfs { max_preemptions } = &self.strategy else {
            return match (&self.strategy, self.exhausted) {
                (Strategy::Fifo, true) => "the one FIFO schedule: the program draws no random value".to_string(),
                (strategy, _) => format!("{n} {strategy} {noun}"),
            };
        };
        let bound = match max_preemptions {
            None => String::new(),
            Some(0) => " with no preemption".to_string(),
            Some(p) => format!(" with at most {}", count(u64::from(*p), "preemption")),
        };
        if self.exhausted {
            let input = match self.drew {
                true => format!(", for the values seed {} draws", self.seed),
                false => String::new(),
            };
            return format!("all {n} {noun}{bound}{input}");
        }
        let why = match (self.enumerated, self.is_ok()) {
            (_, false) => "up to the first failure",
            (true, true) => "faults sampled, not enumerated",
            (false, true) => "not exhaustive: the schedule budget ran out first",
        };
        format!("{n} DFS {noun}{bound}, {why}")
    }

    /// The full report of the failure, if a schedule failed: what failed (the shrunk schedule's
    /// own failure), its schedule, how shrinking went and how the exploration first saw it,
    /// the trace file, and the one line that reproduces it. [`Report::assert_ok`] panics with
    /// this text.
    ///
    /// ```
    /// let report = weft_sim::explore(|| async { assert_eq!(1 + 1, 3) }).name("sums").environment(false).run();
    /// let text = report.failure_report().expect("it failed");
    /// assert!(text.contains("schedule 1 failed"), "{text}");
    /// assert!(text.contains("reproduce with:\n  WEFT_REPLAY=weft2:"), "{text}");
    /// assert!(text.ends_with(" cargo test sums\n"), "{text}");
    /// ```
    pub fn failure_report(&self) -> Option<String> {
        let found = self.failure.as_deref()?;
        let mut m = String::new();
        let what = match self.replayed {
            true => "the replayed schedule failed".to_string(),
            false => {
                let shard = match self.shard {
                    (_, 1) => String::new(),
                    (k, n) => format!(", shard {k}/{n}"),
                };
                format!(
                    "schedule {} failed (strategy {}, seed {}{shard}, run seed {})",
                    found.number(),
                    self.strategy,
                    self.seed,
                    found.seed
                )
            }
        };
        m += &format!("weft: {}: {what}:\n  {}\n", self.name, found.failure);
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
        match &found.trace_file {
            Ok(path) => m += &format!("  trace: {}\n", path.display()),
            Err(e) => m += &format!("  trace: not written ({e})\n"),
        }
        if self.replayed {
            m += &format!("{}\n", found.trace.to_text());
        }
        m += &format!("reproduce with:\n  WEFT_REPLAY={} cargo test {}\n", found.schedule, &self.name);
        Some(m)
    }

    /// Panics with [`Report::failure_report`] if a schedule failed.
    ///
    /// ```should_panic
    /// // panics with "... reproduce with:\n  WEFT_REPLAY=weft2:... cargo test <name>"
    /// weft_sim::explore(|| async { assert_eq!(1 + 1, 3) }).run().assert_ok();
    /// ```
    #[track_caller]
    pub fn assert_ok(&self) {
        if let Some(report) = self.failure_report() {
            panic!("{report}");
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let outcome = match &self.failure {
            Some(found) => format!("FAILED at schedule {}: {}", found.number(), found.failure),
            None if self.enumerated => format!("ok ({})", self.covered()),
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
            count(self.distinct, "distinct interleaving"),
            self.steps,
            self.strategy,
            self.seed,
            self.jobs,
            self.elapsed.as_secs_f64()
        )
    }
}
