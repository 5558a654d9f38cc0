//! How an exploration runs its schedules: sampled on workers, enumerated by DFS, or one
//! replayed; and how it investigates the first failure: replays it with its trace, shrinks it,
//! and replays the shrunk schedule with its own trace, which is the failure reported.

use super::budget::Deadline;
use super::claims::{Chunk, Slot};
use super::distinct::{Count, Distinct};
use super::failures::write_trace;
use super::progress::{Batch, Tracker};
use super::report::{Counterexample, Found};
use super::verdicts::{Plan, Verdicts};
use super::{run_seed, MakeChecker, SHRINK_BUDGET, SHRINK_STEPS};
use crate::fault::{Faults, Injector};
use crate::kernel::PickHash;
use crate::runtime::{Failure, Outcome, Run, Runtime};
use crate::schedule::{Choice, Schedule};
use crate::shrink::{self, Lenient, Shrunk};
use crate::strategy::{Fifo, Pct, PickCount, Pos, Random, Reduction, Replay, Scheduler, Strategy};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use weft_traces::{Trace, Violation};

/// A failing run as an exploration first sees it (tracing off).
pub(super) struct Failed {
    pub(super) index: u64,
    pub(super) seed: u64,
    pub(super) failure: Failure,
    pub(super) schedule: Schedule,
}

impl Failed {
    /// How the run failed.
    pub(super) fn failure(&self) -> &Failure {
        &self.failure
    }
}

/// Counts over the schedules an exploration ran.
#[derive(Default)]
pub(super) struct Tally {
    pub(super) schedules: u64,
    pub(super) distinct: Count,
    pub(super) steps: u64,
    /// The strategy had no other schedule to run (see `Report::enumerated`).
    pub(super) enumerated: bool,
    /// Some counted run drew a random value.
    pub(super) drew: bool,
    pub(super) failed: Option<Failed>,
    /// The counted schedules, in schedule order (what `weft merge` needs), if kept.
    pub(super) runs: Option<Vec<Seen>>,
    /// The lowest index among them of a run that drew a random value.
    pub(super) first_draw: Option<u64>,
}

/// One ran schedule: its index, a hash of its picks and its steps.
pub(super) type Seen = (u64, u64, u64);

/// The schedules a worker ran, and the lowest index among them of a run that drew a random
/// value (kept apart: a flag per schedule would cost 8 bytes each, millions of them).
///
/// A worker that need not keep every run *folds* the ones it ran below a watermark (every
/// index below it ran, and none failed below the first failure known) into counts and the set
/// of interleavings, so that its memory does not grow with the number of schedules: what
/// remains in `seen` is only what a failure found later could still cut off.
#[derive(Default)]
pub(super) struct Ran {
    pub(super) seen: Vec<Seen>,
    first_draw: Option<u64>,
    /// The report does not list the runs: counted runs may be folded ([`Ran::fold`]).
    folds: bool,
    folded: Folded,
}

/// Runs counted and no longer kept one by one.
#[derive(Default)]
struct Folded {
    schedules: u64,
    steps: u64,
    distinct: Distinct,
}

/// A folding worker folds once this many runs more have piled up since it last folded.
const FOLD_EVERY: usize = 4096;

impl Ran {
    /// Schedule `index` ran `steps` steps with picks hashing to `hash`; `drew`: it drew a
    /// random value.
    pub(super) fn record(&mut self, index: u64, hash: u64, steps: u64, drew: bool) {
        self.seen.push((index, hash, steps));
        if drew && self.first_draw.is_none_or(|i| i > index) {
            self.first_draw = Some(index);
        }
    }

    /// A record of runs that the report lists if `listed`.
    pub(super) fn listing(listed: bool) -> Ran {
        Ran { folds: !listed, ..Ran::default() }
    }

    /// Folds the runs of index below `below` (this worker's runs are in index order).
    fn fold(&mut self, below: u64) {
        let n = self.seen.partition_point(|(i, ..)| *i < below);
        for (_, hash, steps) in self.seen.drain(..n) {
            self.folded.schedules += 1;
            self.folded.steps += steps;
            self.folded.distinct.insert(hash);
        }
    }

    fn extend(&mut self, other: Ran) {
        self.folds |= other.folds;
        self.folded.schedules += other.folded.schedules;
        self.folded.steps += other.folded.steps;
        self.folded.distinct.extend(other.folded.distinct);
        self.seen.extend(other.seen);
        self.first_draw = match (self.first_draw, other.first_draw) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
}

/// What every run of an exploration shares.
pub(super) struct Context<'a, F> {
    pub(super) factory: &'a F,
    pub(super) name: &'a str,
    pub(super) strategy: &'a Strategy,
    pub(super) max_steps: Option<u64>,
    pub(super) faults: &'a Faults,
    pub(super) reduction: Reduction,
    pub(super) checks: bool,
    pub(super) checkers: &'a [MakeChecker],
    /// Workers take the verdict of a schedule they have passed from memory (`verdicts.rs`).
    pub(super) memo: bool,
    /// Keep every counted run for the report ([`crate::Explore::keep_runs`]).
    pub(super) keep_runs: bool,
    pub(super) tracker: &'a Tracker<'a>,
    /// When to stop starting schedules (a time budget; see `budget.rs`).
    pub(super) deadline: Deadline,
}

impl<F, Fut> Context<'_, F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future + 'static,
{
    /// The exploration's `Runtime`, from `Runtime::new()` (so default checkers apply); each run
    /// on it is given its own seed.
    pub(super) fn runtime(&self, tracing: bool) -> Runtime {
        let mut runtime = self.bare_runtime();
        for make in self.checkers {
            let make = make.clone();
            runtime = runtime.checker(move || make());
        }
        runtime.tracing(tracing).checks(self.checks)
    }

    /// The exploration's `Runtime` with no checker at all, weft's or the user's (tracing off):
    /// the runs whose verdict a worker may know already (`verdicts.rs`). `None` when the runs
    /// are not checked anyway, or the memo is off.
    fn unchecked_runtime(&self) -> Option<Runtime> {
        let checked = self.checks || !self.checkers.is_empty();
        (self.memo && checked).then(|| self.bare_runtime().tracing(false).checks(false))
    }

    /// The exploration's name, strategy and step budget, and nothing else of its settings.
    fn bare_runtime(&self) -> Runtime {
        let runtime = Runtime::new().name(self.name).strategy(self.strategy.clone());
        match self.max_steps {
            Some(n) => runtime.max_steps(n),
            None => runtime,
        }
    }

    /// One run of a fresh program, with its trace when `tracing`.
    pub(super) fn run(&self, scheduler: Box<dyn Scheduler>, seed: u64, tracing: bool) -> Run<Fut::Output> {
        self.runtime(tracing).seed(seed).build_and_run(scheduler, self.factory)
    }

    /// One run of a fresh program on `runtime` (tracing off), with no trace to head.
    pub(super) fn untraced(&self, runtime: &Runtime, scheduler: Box<dyn Scheduler>, seed: u64) -> Outcome<Fut::Output> {
        runtime.execute(seed, scheduler, self.factory)
    }

    /// The run of `run_seed` that a sampling worker counts, made as its `verdicts` plan
    /// (`verdicts.rs`): checked at once, or first on `unchecked` (checks off) and again checked
    /// unless its schedule passed before. `fresh` gives a scheduler as new for the seed (the
    /// unchecked run's, reseeded) for the run again.
    fn sampled(
        &self,
        runtime: &Runtime,
        unchecked: Option<&Runtime>,
        verdicts: &mut Verdicts,
        scheduler: Box<dyn Scheduler>,
        fresh: impl Fn(Option<Box<dyn Scheduler>>) -> Box<dyn Scheduler>,
        run_seed: u64,
    ) -> Outcome<Fut::Output> {
        let Some(unchecked) = unchecked else { return self.untraced(runtime, scheduler, run_seed) };
        match verdicts.plan() {
            Plan::UncheckedFirst => {
                let tried = self.untraced(unchecked, scheduler, run_seed);
                let known =
                    tried.failure.is_none() && verdicts.passed(tried.picks, tried.steps, &tried.schedule.choices);
                verdicts.note(known);
                if known {
                    return tried; // the run its checked run would be, pass and all
                }
                Runtime::recycle(tried.schedule);
                let run = self.untraced(runtime, fresh(Some(tried.scheduler)), run_seed);
                if run.failure.is_none() {
                    verdicts.pass(run.picks, run.steps, &run.schedule.choices);
                }
                run
            }
            Plan::Remember => {
                let run = self.untraced(runtime, scheduler, run_seed);
                let known = run.failure.is_none() && verdicts.pass(run.picks, run.steps, &run.schedule.choices);
                verdicts.note(known);
                run
            }
            Plan::Check => {
                verdicts.paused();
                self.untraced(runtime, scheduler, run_seed)
            }
        }
    }

    /// The exploring scheduler with the exploration's faults added. Replays (of a failure, or
    /// of shrinking candidates) are not wrapped: their faults come from their schedule only.
    fn inject(&self, scheduler: Box<dyn Scheduler>, seed: u64) -> Box<dyn Scheduler> {
        match self.faults.any() {
            true => Box::new(Injector::new(scheduler, *self.faults, seed)),
            false => scheduler,
        }
    }

    /// Replays one schedule. A replay asked for with `WEFT_REPLAY` (`print`) that passes prints
    /// its whole trace to stderr (libtest shows it with `--nocapture`); one that fails has its
    /// trace in the failure's report instead, so it is shown once.
    pub(super) fn replay(&self, schedule: &Schedule, seed: u64, print: bool) -> Tally {
        let run = self.run(Box::new(Replay::new(schedule.clone())), seed, print);
        if print && run.failure.is_none() {
            eprintln!("weft: WEFT_REPLAY of {} passed; its trace:\n{}", self.name, run.trace.to_text());
        }
        Tally {
            schedules: 1,
            distinct: Count::ONE,
            steps: run.steps,
            enumerated: false,
            drew: drew(&run.schedule),
            runs: self.keep_runs.then(|| vec![(0, pick_hash(&run.schedule), run.steps)]),
            first_draw: drew(&run.schedule).then_some(0),
            failed: run.failure.map(|failure| Failed { index: 0, seed, failure, schedule: run.schedule }),
        }
    }

    fn scheduler(&self, seed: u64, expected_steps: u64) -> Box<dyn Scheduler> {
        match self.strategy {
            Strategy::Random => Box::new(Random::new(seed)),
            Strategy::Pct { depth } => Box::new(Pct::new(*depth, seed, expected_steps)),
            Strategy::Pos => Box::new(Pos::new(seed)),
            _ => Box::new(Fifo::new(seed)),
        }
    }

    /// FIFO without faults varies nothing but the program's random values: a program that
    /// draws none has exactly one FIFO schedule. Runs the shard's first schedule and, if it drew
    /// no value, returns it as all there is to run (`None`: sample as usual).
    fn one_fifo_schedule(&self, seed: u64, budget: u64, shard: (u32, u32)) -> Option<Tally> {
        let index = u64::from(shard.0);
        if !matches!(self.strategy, Strategy::Fifo) || self.faults.any() || index >= budget {
            return None;
        }
        let run_seed = run_seed(seed, index);
        let run = self.run(Box::new(Fifo::new(run_seed)), run_seed, false);
        if drew(&run.schedule) {
            return None;
        }
        let mut batch = Batch::default();
        self.tracker.ran(&mut batch, pick_hash(&run.schedule), run.steps);
        self.tracker.flush(&mut batch);
        Some(Tally {
            schedules: 1,
            distinct: Count::ONE,
            steps: run.steps,
            enumerated: true,
            drew: false,
            runs: self.keep_runs.then(|| vec![(index, pick_hash(&run.schedule), run.steps)]),
            first_draw: None,
            failed: run.failure.map(|failure| Failed { index, seed: run_seed, failure, schedule: run.schedule }),
        })
    }

    /// Runs schedules `0..budget` of the shard on `jobs` workers.
    pub(super) fn sample(&self, seed: u64, budget: u64, shard: (u32, u32), jobs: usize) -> Tally {
        if let Some(tally) = self.one_fifo_schedule(seed, budget, shard) {
            return tally;
        }
        let (k, n) = (u64::from(shard.0), u64::from(shard.1));
        let local = budget.saturating_sub(k).div_ceil(n);
        // PCT spreads its change points over the expected run length: the picks with a choice
        // of the run in asyncio's order, measured once so that every worker uses the same one.
        let expected_steps = match self.strategy {
            Strategy::Pct { .. } => {
                let (count, picks) = PickCount::new(seed);
                self.run(Box::new(count), seed, false);
                picks.get()
            }
            _ => 0,
        };
        let jobs = jobs.clamp(1, local.max(1) as usize);
        let next = AtomicU64::new(0);
        let first_failure = AtomicU64::new(u64::MAX);
        // Per worker, a lower bound of the (local) index it runs: every index below the least
        // of them has run. A worker sets it before taking an index, so it never overshoots.
        let running: Vec<Slot> = (0..jobs).map(|_| Slot(AtomicU64::new(0))).collect();
        let work = |worker: usize| {
            let runtime = self.runtime(false);
            let unchecked = self.unchecked_runtime();
            let mut verdicts = Verdicts::default();
            let mut ran = Ran::listing(self.keep_runs);
            let mut fold_at = FOLD_EVERY;
            let mut failed: Option<Failed> = None;
            let mut batch = Batch::default();
            // The last run's scheduler, reseeded for the next run when it can be.
            let mut spare: Option<Box<dyn Scheduler>> = None;
            let mut chunk = Chunk::new();
            loop {
                let i = match chunk.pop() {
                    Some(i) => i,
                    // The deadline is read before indices are taken, never after: the
                    // schedules that run are a contiguous prefix of the order (`claims.rs`).
                    None if self.deadline.passed() => break,
                    None if chunk.take(&next, &running[worker], local, jobs as u64) => continue,
                    None => break,
                };
                if i > first_failure.load(Ordering::Relaxed) {
                    break;
                }
                let index = i * n + k;
                let run_seed = run_seed(seed, index);
                // The last run's scheduler reseeded, or a new one: either starts as new.
                let fresh = |spare: Option<Box<dyn Scheduler>>| {
                    let reseeded = spare.and_then(|mut s| s.reseed(run_seed).then_some(s));
                    reseeded.unwrap_or_else(|| self.inject(self.scheduler(run_seed, expected_steps), run_seed))
                };
                let scheduler = fresh(spare.take());
                let run = self.sampled(&runtime, unchecked.as_ref(), &mut verdicts, scheduler, fresh, run_seed);
                spare = Some(run.scheduler);
                self.tracker.ran(&mut batch, run.picks, run.steps);
                ran.record(index, run.picks, run.steps, run.drew);
                match run.failure {
                    Some(failure) => {
                        first_failure.fetch_min(i, Ordering::SeqCst);
                        if failed.as_ref().is_none_or(|f| f.index > index) {
                            failed = Some(Failed { index, seed: run_seed, failure, schedule: run.schedule });
                        }
                    }
                    None => Runtime::recycle(run.schedule),
                }
                if ran.folds && ran.seen.len() >= fold_at {
                    // Every index below `done` ran; a failure below it is the first one.
                    let done = running.iter().map(|r| r.0.load(Ordering::SeqCst)).min().unwrap_or(0);
                    let counted = first_failure.load(Ordering::SeqCst).saturating_add(1).min(done);
                    ran.fold(counted.saturating_mul(n).saturating_add(k));
                    fold_at = ran.seen.len() + FOLD_EVERY;
                }
            }
            running[worker].0.store(u64::MAX, Ordering::SeqCst);
            self.tracker.flush(&mut batch);
            (ran, failed)
        };
        let results: Vec<(Ran, Option<Failed>)> = if jobs == 1 {
            vec![work(0)]
        } else {
            std::thread::scope(|s| {
                let work = &work;
                let handles: Vec<_> = (0..jobs).map(|w| s.spawn(move || work(w))).collect();
                handles.into_iter().map(|h| h.join().expect("weft: an exploration worker panicked")).collect()
            })
        };
        let mut ran = Ran::default();
        let mut failed: Option<Failed> = None;
        for (r, f) in results {
            ran.extend(r);
            if let Some(f) = f {
                if failed.as_ref().is_none_or(|g| g.index > f.index) {
                    failed = Some(f);
                }
            }
        }
        tally(ran, failed)
    }

    /// Replays a failure with tracing on, shrinks it, replays the shrunk schedule with tracing
    /// on, and writes the trace of the schedule it reports.
    pub(super) fn investigate(&self, failed: Failed, shrink: bool) -> Found {
        let first = Counterexample { schedule: failed.schedule, failure: failed.failure };
        let replay = self.run(Box::new(Replay::new(first.schedule.clone())), failed.seed, true);
        let mut reproduced = replay.failure.as_ref() == Some(&first.failure);
        let mut shrunk = None;
        let (mut failure, mut schedule, mut trace) = (first.failure.clone(), first.schedule.clone(), replay.trace);
        if let (Failure::Violation(violation), true) = (&first.failure, shrink) {
            let s = self.shrink(&first.schedule, violation, failed.seed, replay.steps);
            match self.replay_shrunk(&s, violation, failed.seed) {
                Ok(Some((f, t))) => (failure, schedule, trace) = (f, s.schedule.clone(), t),
                Ok(None) => {}
                Err(()) => reproduced = false,
            }
            // A shrunk schedule that does not replay to the same failure is not reported.
            shrunk = reproduced.then_some(s);
        }
        let trace_file = write_trace(&trace, self.name, failed.seed);
        Found {
            index: failed.index,
            seed: failed.seed,
            failure,
            schedule,
            trace,
            trace_file,
            first,
            shrunk,
            reproduced,
        }
    }

    /// Shrinks `schedule`, whose run failed with `violation`: candidates must fail the same way.
    fn shrink(&self, schedule: &Schedule, violation: &Violation, seed: u64, steps: u64) -> Shrunk {
        let budget = SHRINK_BUDGET.min((SHRINK_STEPS / steps.max(1)) as usize);
        let mut runs = 0;
        let runtime = self.runtime(false);
        shrink::shrink(schedule, budget, |candidate| {
            runs += 1;
            self.tracker.shrinking(runs, budget);
            let run = self.untraced(&runtime, Box::new(Lenient::new(candidate)), seed);
            shrink::fails_the_same_way(run.failure.as_ref(), violation).then_some(run.schedule)
        })
    }

    /// The shrunk schedule's own failure and trace, replayed exactly (`Ok(None)`: nothing
    /// shrank; `Err`: the replay did not fail the same way, the program is not deterministic).
    fn replay_shrunk(&self, shrunk: &Shrunk, violation: &Violation, seed: u64) -> Result<Option<(Failure, Trace)>, ()> {
        if !shrunk.shrank() {
            return Ok(None);
        }
        let run = self.run(Box::new(Replay::new(shrunk.schedule.clone())), seed, true);
        match run.failure {
            Some(f) if shrink::fails_the_same_way(Some(&f), violation) => Ok(Some((f, run.trace))),
            _ => Err(()),
        }
    }
}

/// Whether a run drew a random value.
pub(super) fn drew(schedule: &Schedule) -> bool {
    schedule.choices.iter().any(|c| matches!(c, Choice::Draw(_)))
}

/// Counts the schedules up to and including the first failure.
pub(super) fn tally(ran: Ran, failed: Option<Failed>) -> Tally {
    let last = failed.as_ref().map_or(u64::MAX, |f| f.index);
    let mut runs: Vec<Seen> = ran.seen.into_iter().filter(|(i, ..)| *i <= last).collect();
    runs.sort_unstable();
    let mut distinct = ran.folded.distinct;
    runs.iter().for_each(|(_, h, ..)| distinct.insert(*h));
    let schedules = ran.folded.schedules + runs.len() as u64;
    let first_draw = ran.first_draw.filter(|i| *i <= last);
    Tally {
        schedules,
        distinct: distinct.count(schedules),
        steps: ran.folded.steps + runs.iter().map(|(_, _, s)| *s).sum::<u64>(),
        enumerated: false,
        drew: first_draw.is_some(),
        failed,
        runs: (!ran.folds).then_some(runs),
        first_draw,
    }
}

/// The hash of a schedule's picks (see [`PickHash`]): what a run's `picks` says, from its
/// schedule alone.
pub(super) fn pick_hash(schedule: &Schedule) -> u64 {
    let mut h = PickHash::default();
    for c in &schedule.choices {
        if let Choice::Pick(i) = c {
            h.add(*i);
        }
    }
    h.0
}

#[cfg(test)]
mod tests {
    use super::{drew, pick_hash};
    use crate::strategy::{Random, Scheduler};
    use crate::{random_range, spawn, yield_now, Runtime};

    /// What a run says of its picks and draws, kept as the choices were made, is what its
    /// schedule says; and a scheduler reseeded in place runs as a new one.
    #[test]
    fn a_run_hashes_its_picks_as_its_schedule_does() {
        let program = || async {
            let handles: Vec<_> = (0..4)
                .map(|i| {
                    spawn(format!("t{i}"), async move {
                        yield_now().await;
                        if i == 2 {
                            random_range(0..10);
                        }
                        yield_now().await;
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
        };
        let runtime = Runtime::new();
        let mut reused: Box<dyn Scheduler> = Box::new(Random::new(0));
        for seed in 0..20 {
            let new = runtime.execute(seed, Box::new(Random::new(seed)), program);
            assert_eq!(new.picks, pick_hash(&new.schedule));
            assert_eq!(new.drew, drew(&new.schedule));
            assert!(new.drew);
            assert!(reused.reseed(seed));
            let again = runtime.execute(seed, reused, program);
            assert_eq!(again.schedule, new.schedule);
            assert_eq!(again.picks, new.picks);
            reused = again.scheduler;
            Runtime::recycle(again.schedule);
        }
    }
}
