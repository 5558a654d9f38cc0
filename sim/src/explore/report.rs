//! What an exploration reports: counts, and the first failure with its replay line.

use crate::runtime::Failure;
use crate::schedule::Schedule;
use crate::shrink::Shrunk;
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
    /// Schedules run (up to and including the first failure).
    pub schedules: u64,
    /// Distinct interleavings (sequences of picks) among them.
    pub distinct: u64,
    /// Steps taken by those runs in total.
    pub steps: u64,
    /// DFS only: every schedule within the bound was run (and none failed).
    pub exhausted: bool,
    /// The first failure, replayed and shrunk.
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
        (
            &self.name,
            &self.strategy,
            self.seed,
            self.shard,
            self.schedules,
            self.distinct,
            self.steps,
            self.exhausted,
            &self.failure,
            self.replayed,
        ) == (
            &other.name,
            &other.strategy,
            other.seed,
            other.shard,
            other.schedules,
            other.distinct,
            other.steps,
            other.exhausted,
            &other.failure,
            other.replayed,
        )
    }
}

/// The first failure of an exploration.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// The failing schedule's index in the exploration.
    pub index: u64,
    /// Its run seed.
    pub seed: u64,
    /// What failed.
    pub failure: Failure,
    /// Its schedule (replays it exactly).
    pub schedule: Schedule,
    /// The shrunk schedule, when shrinking ran.
    pub shrunk: Option<Shrunk>,
    /// The whole trace of the failing run (replayed with tracing on).
    pub trace: Trace,
    /// Whether the traced replay failed the same way (false: the program is not deterministic).
    pub reproduced: bool,
    /// Where the trace was written, or why it could not be.
    pub trace_file: Result<PathBuf, String>,
}

impl Found {
    /// The schedule to paste into `WEFT_REPLAY`: the shrunk one when there is one.
    ///
    /// ```
    /// let report = weft_sim::explore(|| async { panic!("boom") }).environment(false).run();
    /// let found = report.failure.unwrap();
    /// assert!(found.minimal().len() <= found.schedule.len());
    /// ```
    pub fn minimal(&self) -> &Schedule {
        self.shrunk.as_ref().map_or(&self.schedule, |s| &s.schedule)
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

    /// Panics with what failed, its seed and schedule, the trace file, and the one line that
    /// reproduces it, if a schedule failed.
    ///
    /// ```should_panic
    /// // panics with "... reproduce with:\n  WEFT_REPLAY=weft2:... cargo test <name>"
    /// weft_sim::explore(|| async { assert_eq!(1 + 1, 3) }).run().assert_ok();
    /// ```
    #[track_caller]
    pub fn assert_ok(&self) {
        if let Some(found) = &self.failure {
            panic!("{}", self.failure_message(found));
        }
    }

    fn failure_message(&self, found: &Found) -> String {
        let mut m = String::new();
        let what = if self.replayed {
            "the replayed schedule failed".to_string()
        } else {
            format!(
                "schedule {} of {} failed (strategy {}, seed {}, run seed {})",
                found.index, self.name, self.strategy, self.seed, found.seed
            )
        };
        m += &format!("weft: {what}:\n  {}\n", found.failure);
        m += &format!(
            "  schedule: {} ({} choices, {} deviations from asyncio's order)\n",
            found.schedule,
            found.schedule.len(),
            found.schedule.deviations()
        );
        if let Some(s) = &found.shrunk {
            m += &format!(
                "  shrunk:   {} ({} choices, {} deviations; {} candidate runs)\n",
                s.schedule,
                s.schedule.len(),
                s.schedule.deviations(),
                s.runs
            );
        }
        if !found.reproduced {
            m += "  warning: replaying the schedule did not fail the same way; the program is not deterministic (real time, OS randomness, HashMap order or state shared between runs?)\n";
        }
        match &found.trace_file {
            Ok(path) => m += &format!("  trace: {}\n", path.display()),
            Err(e) => m += &format!("  trace: not written ({e})\n"),
        }
        if self.replayed {
            m += &format!("{}\n", found.trace.to_text());
        }
        m += &format!("reproduce with:\n  WEFT_REPLAY={} cargo test {}\n", found.minimal(), &self.name);
        m
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let outcome = match &self.failure {
            Some(found) => format!("FAILED at schedule {}: {}", found.index, found.failure),
            None if self.exhausted => "ok (schedule space exhausted)".to_string(),
            None => "ok".to_string(),
        };
        write!(
            f,
            "weft: {}: {} schedules ({} distinct interleavings, {} steps) with {}, seed {}, {} job(s), in {:.3} s: {outcome}",
            self.name,
            self.schedules,
            self.distinct,
            self.steps,
            self.strategy,
            self.seed,
            self.jobs,
            self.elapsed.as_secs_f64()
        )
    }
}
