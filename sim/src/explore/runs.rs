//! How an exploration runs its schedules: sampled on workers, enumerated by DFS, or one
//! replayed; and how it investigates the first failure (replay with the trace, shrink, write).

use super::failures::write_trace;
use super::report::Found;
use super::{run_seed, SHRINK_BUDGET, SHRINK_STEPS};
use crate::fault::{Faults, Injector};
use crate::runtime::{Failure, Run, Runtime};
use crate::schedule::{Choice, Schedule};
use crate::shrink::{self, Lenient};
use crate::strategy::{DfsTree, Fifo, Pct, Random, Replay, Scheduler, Strategy};
use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

/// A failing run as an exploration first sees it (tracing off).
pub(super) struct Failed {
    index: u64,
    seed: u64,
    failure: Failure,
    schedule: Schedule,
}

/// Counts over the schedules an exploration ran.
#[derive(Default)]
pub(super) struct Tally {
    pub(super) schedules: u64,
    pub(super) distinct: u64,
    pub(super) steps: u64,
    pub(super) exhausted: bool,
    pub(super) failed: Option<Failed>,
}

/// One ran schedule: its index, a hash of its picks and its steps.
type Seen = (u64, u64, u64);

/// What every run of an exploration shares.
pub(super) struct Context<'a, F> {
    pub(super) factory: &'a F,
    pub(super) name: &'a str,
    pub(super) strategy: &'a Strategy,
    pub(super) max_steps: u64,
    pub(super) faults: &'a Faults,
    pub(super) checks: bool,
}

impl<F, Fut> Context<'_, F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future + 'static,
{
    /// One run of a fresh program on a fresh `Runtime::new()` (so default checkers apply).
    fn run(&self, scheduler: Box<dyn Scheduler>, seed: u64, tracing: bool) -> Run<Fut::Output> {
        Runtime::new()
            .name(self.name)
            .seed(seed)
            .strategy(self.strategy.clone())
            .max_steps(self.max_steps)
            .tracing(tracing)
            .checks(self.checks)
            .build_and_run(scheduler, self.factory)
    }

    /// The exploring scheduler with the exploration's faults added. Replays (of a failure, or
    /// of shrinking candidates) are not wrapped: their faults come from their schedule only.
    fn inject(&self, scheduler: Box<dyn Scheduler>, seed: u64) -> Box<dyn Scheduler> {
        match self.faults.any() {
            true => Box::new(Injector::new(scheduler, *self.faults, seed)),
            false => scheduler,
        }
    }

    /// Replays one schedule. A replay asked for with `WEFT_REPLAY` also prints its whole trace
    /// to stderr (libtest shows it with the test's output), failing or not.
    pub(super) fn replay(&self, schedule: &Schedule, seed: u64, print: bool) -> Tally {
        let run = self.run(Box::new(Replay::new(schedule.clone())), seed, print);
        if print {
            eprintln!("weft: WEFT_REPLAY of {}:\n{}", self.name, run.trace.to_text());
        }
        Tally {
            schedules: 1,
            distinct: 1,
            steps: run.steps,
            exhausted: false,
            failed: run.failure.map(|failure| Failed { index: 0, seed, failure, schedule: run.schedule }),
        }
    }

    pub(super) fn dfs(&self, bound: Option<u32>, seed: u64, budget: u64, shard: (u32, u32)) -> Tally {
        let tree = DfsTree::new(bound).shard(shard.0, shard.1);
        let mut seen = Vec::new();
        let mut failed = None;
        while !tree.is_exhausted() && (seen.len() as u64) < budget {
            let run = self.run(self.inject(Box::new(tree.scheduler(seed)), seed), seed, false);
            if !tree.finish_run() {
                break;
            }
            let index = seen.len() as u64;
            seen.push((index, pick_hash(&run.schedule), run.steps));
            if let Some(failure) = run.failure {
                failed = Some(Failed { index, seed, failure, schedule: run.schedule });
                break;
            }
        }
        let mut tally = tally(seen, failed);
        tally.exhausted = tally.failed.is_none() && tree.is_exhausted();
        tally
    }

    fn scheduler(&self, seed: u64, expected_steps: u64) -> Box<dyn Scheduler> {
        match self.strategy {
            Strategy::Random => Box::new(Random::new(seed)),
            Strategy::Pct { depth } => Box::new(Pct::new(*depth, seed, expected_steps)),
            _ => Box::new(Fifo::new(seed)),
        }
    }

    /// Runs schedules `0..budget` of the shard on `jobs` workers.
    pub(super) fn sample(&self, seed: u64, budget: u64, shard: (u32, u32), jobs: usize) -> Tally {
        let (k, n) = (u64::from(shard.0), u64::from(shard.1));
        let local = budget.saturating_sub(k).div_ceil(n);
        // PCT spreads its change points over the expected run length: the length of the run in
        // asyncio's order, measured once so that every worker uses the same estimate.
        let expected_steps = match self.strategy {
            Strategy::Pct { .. } => self.run(Box::new(Fifo::new(seed)), seed, false).steps,
            _ => 0,
        };
        let next = AtomicU64::new(0);
        let first_failure = AtomicU64::new(u64::MAX);
        let work = || {
            let mut seen: Vec<Seen> = Vec::new();
            let mut failed: Option<Failed> = None;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= local || i > first_failure.load(Ordering::Relaxed) {
                    break;
                }
                let index = i * n + k;
                let run_seed = run_seed(seed, index);
                let run = self.run(self.inject(self.scheduler(run_seed, expected_steps), run_seed), run_seed, false);
                seen.push((index, pick_hash(&run.schedule), run.steps));
                if let Some(failure) = run.failure {
                    first_failure.fetch_min(i, Ordering::Relaxed);
                    if failed.as_ref().is_none_or(|f| f.index > index) {
                        failed = Some(Failed { index, seed: run_seed, failure, schedule: run.schedule });
                    }
                }
            }
            (seen, failed)
        };
        let jobs = jobs.clamp(1, local.max(1) as usize);
        let results: Vec<(Vec<Seen>, Option<Failed>)> = if jobs == 1 {
            vec![work()]
        } else {
            std::thread::scope(|s| {
                let handles: Vec<_> = (0..jobs).map(|_| s.spawn(work)).collect();
                handles.into_iter().map(|h| h.join().expect("weft: an exploration worker panicked")).collect()
            })
        };
        let mut seen = Vec::new();
        let mut failed: Option<Failed> = None;
        for (s, f) in results {
            seen.extend(s);
            if let Some(f) = f {
                if failed.as_ref().is_none_or(|g| g.index > f.index) {
                    failed = Some(f);
                }
            }
        }
        tally(seen, failed)
    }

    /// Replays a failure with tracing on, shrinks it, and writes its trace.
    pub(super) fn investigate(&self, failed: Failed, shrink: bool) -> Found {
        let replay = self.run(Box::new(Replay::new(failed.schedule.clone())), failed.seed, true);
        let reproduced = replay.failure.as_ref() == Some(&failed.failure);
        let shrunk = match failed.failure.kind() {
            Some(kind) if shrink => {
                let budget = SHRINK_BUDGET.min((SHRINK_STEPS / replay.steps.max(1)) as usize);
                Some(shrink::shrink(&failed.schedule, budget, |c| {
                    let run = self.run(Box::new(Lenient::new(c)), failed.seed, false);
                    match run.failure {
                        Some(f) if f.kind() == Some(kind) => Some(run.schedule),
                        _ => None,
                    }
                }))
            }
            _ => None,
        };
        let trace = replay.trace;
        let trace_file = write_trace(&trace, self.name, failed.seed);
        Found {
            index: failed.index,
            seed: failed.seed,
            failure: failed.failure,
            schedule: failed.schedule,
            shrunk,
            trace,
            reproduced,
            trace_file,
        }
    }
}

/// Counts the schedules up to and including the first failure.
fn tally(seen: Vec<Seen>, failed: Option<Failed>) -> Tally {
    let last = failed.as_ref().map_or(u64::MAX, |f| f.index);
    let counted = seen.iter().filter(|(i, _, _)| *i <= last);
    let distinct: HashSet<u64> = counted.clone().map(|(_, h, _)| *h).collect();
    Tally {
        schedules: counted.clone().count() as u64,
        distinct: distinct.len() as u64,
        steps: counted.map(|(_, _, s)| *s).sum(),
        exhausted: false,
        failed,
    }
}

/// FNV-1a over the picks (draws left out: an interleaving is the order of the steps).
fn pick_hash(schedule: &Schedule) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in &schedule.choices {
        if let Choice::Pick(i) = c {
            for byte in (i + 1).to_le_bytes() {
                h = (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    h
}
