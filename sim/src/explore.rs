//! Exploration: many runs of one program under a strategy, on worker threads, stopping at the
//! first failure, which is replayed with its whole trace, shrunk, and written to
//! `target/weft/failures/<name>-<seed>.json`.
//!
//! ```
//! use std::cell::Cell;
//! use std::rc::Rc;
//! use weft_sim::{explore, spawn, yield_now, Strategy};
//!
//! // A lost update: two tasks read, yield, then write back.
//! let report = explore(|| async {
//!     let x = Rc::new(Cell::new(0));
//!     let tasks: Vec<_> = (0..2)
//!         .map(|i| {
//!             let x = x.clone();
//!             spawn(format!("inc{i}"), async move {
//!                 let v = x.get();
//!                 yield_now().await;
//!                 x.set(v + 1);
//!             })
//!         })
//!         .collect();
//!     for t in tasks {
//!         t.await.unwrap();
//!     }
//!     assert_eq!(x.get(), 2, "an increment was lost");
//! })
//! .strategy(Strategy::Random)
//! .schedules(100)
//! .seed(1)
//! .environment(false)
//! .run();
//! let found = report.failure.as_ref().expect("the lost update is found");
//! assert!(found.failure.to_string().contains("an increment was lost"));
//! ```
//!
//! # Determinism across workers
//!
//! Schedule `i` (0-based, over the whole exploration) runs with seed [`run_seed`]`(seed, i)`,
//! whichever worker takes it. The first failure is the failing schedule of lowest index, and the
//! counts (schedules, distinct interleavings, steps) cover exactly the schedules up to and
//! including it, so the [`Report`] is identical for any number of workers. A shard `(k, n)` runs
//! the indices `i` with `i % n == k`: the shards of one exploration never overlap and together
//! run the same schedules as the whole.
//!
//! DFS is sequential (each schedule follows from the previous one) and always runs on one
//! worker; its shards split the schedule tree at its first pick (see
//! [`DfsTree`](crate::strategy::DfsTree)).

use crate::env::Overrides;
use crate::fault::{Faults, Injector};
use crate::runtime::{Failure, Run, Runtime, DEFAULT_MAX_STEPS};
use crate::schedule::{Choice, Schedule};
use crate::shrink::{self, Lenient, Shrunk};
use crate::strategy::{DfsTree, Fifo, Pct, Random, Replay, Scheduler, Strategy};
use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use weft_traces::Trace;

/// Explores the schedules of the program `factory` builds (one fresh future per run, built on
/// the worker thread that runs it, so it need not be `Send`). Configure, then [`Explore::run`].
///
/// Create the program's primitives *inside* the future, so that each run registers its own.
///
/// ```
/// use weft_sim::{explore, spawn, Strategy};
/// let report = explore(|| async { spawn("child", async {}).await.unwrap(); })
///     .strategy(Strategy::Pct { depth: 2 })
///     .schedules(50)
///     .run();
/// report.assert_ok();
/// ```
pub fn explore<F, Fut>(factory: F) -> Explore<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future + 'static,
{
    Explore {
        factory,
        name: None,
        strategy: Strategy::Random,
        schedules: DEFAULT_SCHEDULES,
        seed: 0,
        jobs: None,
        shard: (0, 1),
        max_steps: DEFAULT_MAX_STEPS,
        shrink: true,
        environment: true,
        faults: Faults::none(),
        checks: true,
    }
}

/// How many schedules an exploration runs unless told otherwise.
pub const DEFAULT_SCHEDULES: u64 = 1000;

/// How many candidate runs shrinking may spend, and how many steps in all (so that shrinking a
/// long failure, such as a livelock, stays quick; deterministic either way).
const SHRINK_BUDGET: usize = 2000;
const SHRINK_STEPS: u64 = 2_000_000;

/// The seed of schedule `index` of an exploration with seed `seed` (SplitMix64 of both), so that
/// every worker, shard and rerun gives schedule `index` the same seed.
///
/// ```
/// use weft_sim::explore::run_seed;
/// assert_eq!(run_seed(1, 5), run_seed(1, 5));
/// assert_ne!(run_seed(1, 5), run_seed(1, 6));
/// ```
pub fn run_seed(seed: u64, index: u64) -> u64 {
    splitmix64(seed ^ splitmix64(index.wrapping_add(0x9e37_79b9_7f4a_7c15)))
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// An exploration being configured; see [`explore`].
pub struct Explore<F> {
    factory: F,
    name: Option<String>,
    strategy: Strategy,
    schedules: u64,
    seed: u64,
    jobs: Option<usize>,
    shard: (u32, u32),
    max_steps: u64,
    shrink: bool,
    environment: bool,
    faults: Faults,
    checks: bool,
}

impl<F, Fut> Explore<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future + 'static,
{
    /// The test's name, used in the reproduce line and the failure file (default: the current
    /// thread's name, which libtest sets to the test's path).
    ///
    /// ```
    /// let report = weft_sim::explore(|| async {}).name("my_test").schedules(1).run();
    /// assert_eq!(report.name, "my_test");
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The strategy (default [`Strategy::Random`]; `WEFT_STRATEGY` overrides it).
    ///
    /// ```
    /// use weft_sim::{explore, Strategy};
    /// let report = explore(|| async {}).strategy(Strategy::Dfs { max_preemptions: Some(1) }).environment(false).run();
    /// assert!(report.exhausted); // one schedule, enumerated
    /// ```
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// How many schedules to run at most (default [`DEFAULT_SCHEDULES`]; `WEFT_SCHEDULES`).
    ///
    /// ```
    /// let report = weft_sim::explore(|| async {}).schedules(25).environment(false).run();
    /// assert_eq!(report.schedules, 25);
    /// ```
    pub fn schedules(mut self, schedules: u64) -> Self {
        self.schedules = schedules;
        self
    }

    /// The base seed (default 0; `WEFT_SEED`). Schedule `i` runs with [`run_seed`]`(seed, i)`.
    ///
    /// ```
    /// let report = weft_sim::explore(|| async {}).seed(7).schedules(1).environment(false).run();
    /// assert_eq!(report.seed, 7);
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Worker threads (default: all cores; `WEFT_JOBS`). The report does not depend on it.
    ///
    /// ```
    /// use weft_sim::{explore, spawn, yield_now};
    /// let program = || async { spawn("a", yield_now()); spawn("b", yield_now()); };
    /// let one = explore(program).jobs(1).schedules(40).environment(false).run();
    /// let two = explore(program).jobs(2).schedules(40).environment(false).run();
    /// assert_eq!(one, two);
    /// ```
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = Some(jobs.max(1));
        self
    }

    /// Runs only shard `index` of `count` (`WEFT_SHARD=index/count`): the schedules whose index
    /// is `index` modulo `count`.
    ///
    /// ```
    /// let report = weft_sim::explore(|| async {}).schedules(10).shard(1, 4).environment(false).run();
    /// assert_eq!(report.schedules, 3); // indices 1, 5 and 9
    /// ```
    ///
    /// # Panics
    /// When `index >= count`.
    pub fn shard(mut self, index: u32, count: u32) -> Self {
        assert!(index < count, "weft: shard({index}, {count}) does not exist: the index must be below the count");
        self.shard = (index, count);
        self
    }

    /// The step budget of each run (default [`DEFAULT_MAX_STEPS`]); a run past it fails as a
    /// livelock.
    ///
    /// ```
    /// use weft_sim::{explore, yield_now};
    /// let report = explore(|| async { loop { yield_now().await } }).max_steps(50).schedules(1).environment(false).run();
    /// assert!(report.failure.unwrap().failure.to_string().starts_with("livelock"));
    /// ```
    pub fn max_steps(mut self, max_steps: u64) -> Self {
        self.max_steps = max_steps;
        self
    }

    /// Whether weft's invariant checkers run on every schedule (default on; see
    /// [`Runtime::checks`]). Off, runs still fail on panics, livelocks and deadlocks, and cost
    /// about a fifth less (`docs/checkers.md`).
    ///
    /// ```
    /// let report = weft_sim::explore(|| async {}).checks(false).schedules(10).environment(false).run();
    /// assert!(report.is_ok());
    /// ```
    pub fn checks(mut self, on: bool) -> Self {
        self.checks = on;
        self
    }

    /// Which faults each run may inject (default none; `WEFT_FAULTS`). Each injected fault is
    /// a choice of the run's schedule: the failure's replay line reproduces it, and shrinking
    /// drops the faults the failure does not need.
    ///
    /// ```
    /// use weft_sim::{explore, Faults};
    /// let report = explore(|| async {}).faults(Faults::all()).schedules(10).environment(false).run();
    /// assert!(report.is_ok());
    /// ```
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Whether to shrink the first failure's schedule (default true).
    ///
    /// ```
    /// let report = weft_sim::explore(|| async { panic!("boom") }).shrink(false).environment(false).run();
    /// assert!(report.failure.unwrap().shrunk.is_none());
    /// ```
    pub fn shrink(mut self, shrink: bool) -> Self {
        self.shrink = shrink;
        self
    }

    /// Whether `WEFT_*` variables override these settings (default true; see
    /// [`crate::env`]). Turn it off for explorations whose settings a test depends on.
    ///
    /// ```
    /// let report = weft_sim::explore(|| async {}).schedules(2).environment(false).run();
    /// assert_eq!(report.schedules, 2);
    /// ```
    pub fn environment(mut self, read: bool) -> Self {
        self.environment = read;
        self
    }

    /// Runs the exploration.
    ///
    /// # Panics
    /// When a `WEFT_*` variable has a value that cannot be used (the message names it).
    pub fn run(mut self) -> Report {
        let started = Instant::now();
        let mut replay = None;
        if self.environment {
            let o = Overrides::from_env().unwrap_or_else(|e| panic!("weft: {e}"));
            self.apply(o, &mut replay);
        }
        let from_env = replay.is_some();
        if let (None, Strategy::Replay(schedule)) = (&replay, &self.strategy) {
            replay = Some(schedule.clone());
        }
        let name = self.name.clone().unwrap_or_else(default_name);
        let cx = Context {
            factory: &self.factory,
            name: &name,
            strategy: &self.strategy,
            max_steps: self.max_steps,
            faults: &self.faults,
            checks: self.checks,
        };
        let jobs = self.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let mut report = Report {
            name: name.clone(),
            strategy: self.strategy.clone(),
            seed: self.seed,
            shard: self.shard,
            schedules: 0,
            distinct: 0,
            steps: 0,
            exhausted: false,
            failure: None,
            replayed: replay.is_some(),
            jobs,
            elapsed: Duration::ZERO,
        };
        let tally = match (&replay, &self.strategy) {
            (Some(schedule), _) => cx.replay(schedule, self.seed, from_env),
            (None, Strategy::Dfs { max_preemptions }) => {
                report.jobs = 1;
                cx.dfs(*max_preemptions, self.seed, self.schedules, self.shard)
            }
            (None, _) => cx.sample(self.seed, self.schedules, self.shard, jobs),
        };
        report.schedules = tally.schedules;
        report.distinct = tally.distinct;
        report.steps = tally.steps;
        report.exhausted = tally.exhausted;
        report.failure = tally.failed.map(|f| Box::new(cx.investigate(f, replay.is_none() && self.shrink)));
        report.elapsed = started.elapsed();
        report
    }

    fn apply(&mut self, o: Overrides, replay: &mut Option<Schedule>) {
        if let Some(seed) = o.seed {
            self.seed = seed;
        }
        if let Some(n) = o.schedules {
            self.schedules = n;
        }
        if let Some(s) = o.strategy {
            self.strategy = s;
        }
        if let Some(j) = o.jobs {
            self.jobs = Some(j);
        }
        if let Some(s) = o.shard {
            self.shard = s;
        }
        if let Some(f) = o.faults {
            self.faults = f;
        }
        *replay = o.replay;
    }
}

/// The test thread's name (libtest names it after the test's path), or `weft`.
fn default_name() -> String {
    match std::thread::current().name() {
        Some(n) if n != "main" => n.to_string(),
        _ => "weft".to_string(),
    }
}

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
    /// // panics with "... reproduce with:\n  WEFT_REPLAY=weft1:... cargo test <name>"
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

/// A failing run as an exploration first sees it (tracing off).
struct Failed {
    index: u64,
    seed: u64,
    failure: Failure,
    schedule: Schedule,
}

/// Counts over the schedules an exploration ran.
#[derive(Default)]
struct Tally {
    schedules: u64,
    distinct: u64,
    steps: u64,
    exhausted: bool,
    failed: Option<Failed>,
}

/// One ran schedule: its index, a hash of its picks and its steps.
type Seen = (u64, u64, u64);

/// What every run of an exploration shares.
struct Context<'a, F> {
    factory: &'a F,
    name: &'a str,
    strategy: &'a Strategy,
    max_steps: u64,
    faults: &'a Faults,
    checks: bool,
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
    fn replay(&self, schedule: &Schedule, seed: u64, print: bool) -> Tally {
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

    fn dfs(&self, bound: Option<u32>, seed: u64, budget: u64, shard: (u32, u32)) -> Tally {
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
    fn sample(&self, seed: u64, budget: u64, shard: (u32, u32), jobs: usize) -> Tally {
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
    fn investigate(&self, failed: Failed, shrink: bool) -> Found {
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

/// Writes `trace` as JSON to `<target>/weft/failures/<name>-<seed>.json`.
fn write_trace(trace: &Trace, name: &str, seed: u64) -> Result<PathBuf, String> {
    let dir = target_dir().join("weft").join("failures");
    let file: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' => c,
            _ => '_',
        })
        .collect();
    let path = dir.join(format!("{file}-{seed}.json"));
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, trace.to_json()))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// Cargo's target directory: `CARGO_TARGET_DIR`, else the nearest `target` directory above
/// `CARGO_MANIFEST_DIR` (or the working directory).
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."));
    start
        .ancestors()
        .map(|dir| dir.join("target"))
        .find(|t| t.is_dir())
        .unwrap_or_else(|| Path::new(&start).join("target"))
}
