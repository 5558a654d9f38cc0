//! Exploration: many runs of one program under a strategy, on worker threads, stopping at the
//! first failure, which is replayed with its whole trace and shrunk; the shrunk schedule is
//! replayed with its own trace, and that failure is the one reported, beside its replay line,
//! and written to [`failures_dir`]`/<name>-<seed>.json` (`target/weft/failures/` under cargo).
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
//! # What a report claims
//!
//! Schedules are counted from 1 (see [`Report`]). A verdict claims no more than was checked:
//! [`Report::exhausted`] (and "all N schedules" in [`Report::covered`]) only when the strategy
//! ran every schedule within its bounds with no fault on: DFS walked its whole tree (timer orders
//! included), or FIFO ran the one schedule of a program that draws no random value (FIFO then
//! stops after one run instead of repeating it). DFS samples faults rather than enumerating them,
//! so with faults on it says "N DFS schedules, faults sampled, not enumerated".
//!
//! # Progress
//!
//! [`Explore::progress`] receives a [`Progress`] about ten times a second; without one, an
//! exploration that runs longer than [`STDERR_EVERY`] prints a progress line to stderr every
//! [`STDERR_EVERY`]. Progress never changes what runs or the report.
//!
//! # Determinism across workers
//!
//! Schedule `i` (0-based, over the whole exploration) runs with seed [`run_seed`]`(seed, i)`,
//! whichever worker takes it. The first failure is the failing schedule of lowest index, and the
//! counts (schedules, distinct interleavings, steps) cover exactly the schedules up to and
//! including it, so the [`Report`] is identical for any number of workers (past 65,536
//! distinct interleavings their count is estimated from a sample that depends on the set of
//! interleavings alone, so the estimate is too: [`Report::distinct_estimated`]). A shard `(k, n)` runs
//! the indices `i` with `i % n == k`: the shards of one exploration never overlap and together
//! run the same schedules as the whole.
//!
//! DFS is sequential (each schedule follows from the previous one) and always runs on one
//! worker; its shards split the schedule tree at its first scheduling point (see
//! [`DfsTree`](crate::strategy::DfsTree)).
//!
//! # In CI
//!
//! A time budget ([`Explore::time_budget`], `WEFT_TIME`) runs the first schedules of the order
//! that fit, exactly, with any number of workers ([`budget`]). A failure the test asserts
//! against is saved in its regression file and replayed first by every later run
//! ([`regressions`]). The report is also JSON ([`Report::to_json`], `WEFT_REPORT`), and the
//! reports of a shard matrix [`merge`] into the unsharded one ([`json`]). `docs/ci.md` puts it
//! together.

pub mod budget;
mod claims;
mod distinct;
mod failures;
pub mod json;
mod progress;
pub mod regressions;
mod report;
mod runs;
mod search;
mod verdicts;

pub use failures::failures_dir;
pub use json::{merge, MergeError};
pub use progress::{Phase, Progress, STDERR_EVERY};
pub use regressions::{Regressions, Stale};
pub use report::{Counterexample, Found, Report, ScheduleRun};

use crate::env::Overrides;
use crate::fault::Faults;
use crate::schedule::Schedule;
use crate::strategy::{Reduction, Strategy};
use budget::Deadline;
use progress::{Callback, Tracker};
use runs::Context;
use search::Search;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use weft_traces::Checker;

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
        max_steps: None,
        shrink: true,
        environment: true,
        faults: Faults::none(),
        reduction: Reduction::Off,
        checks: true,
        checkers: Vec::new(),
        memo: true,
        progress: None,
        time_budget: None,
        report_file: None,
        keep_runs: None,
        regressions: regressions::Setting::Default,
    }
}

/// Builds a user's checker afresh for each run of an exploration (on the worker that runs it).
pub(crate) type MakeChecker = Arc<dyn Fn() -> Box<dyn Checker> + Send + Sync>;

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
    max_steps: Option<u64>,
    shrink: bool,
    environment: bool,
    faults: Faults,
    reduction: Reduction,
    checks: bool,
    checkers: Vec<MakeChecker>,
    memo: bool,
    progress: Option<Callback>,
    time_budget: Option<Duration>,
    report_file: Option<PathBuf>,
    keep_runs: Option<bool>,
    regressions: regressions::Setting,
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

    /// Worker threads (default: all cores; `WEFT_JOBS`), at most [`MAX_JOBS`](crate::env::MAX_JOBS)
    /// (more are taken as that many). The report does not depend on it.
    ///
    /// ```
    /// use weft_sim::{explore, spawn, yield_now};
    /// let program = || async { spawn("a", yield_now()); spawn("b", yield_now()); };
    /// let one = explore(program).jobs(1).schedules(40).environment(false).run();
    /// let two = explore(program).jobs(2).schedules(40).environment(false).run();
    /// assert_eq!(one, two);
    /// ```
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = Some(jobs.clamp(1, crate::env::MAX_JOBS));
        self
    }

    /// Whether the report lists every schedule it counted ([`Report::runs`], what
    /// [`merge`] needs to rebuild the unsharded report from shards). By default only a shard
    /// or an exploration that writes a JSON report (`WEFT_REPORT`) keeps them: the list grows
    /// by 24 bytes a schedule, while an exploration that does not keep it runs in memory that
    /// does not grow with the number of schedules (the distinct interleavings are counted exactly
    /// up to 65,536 of them, then estimated from a bounded sample: [`Report::distinct_estimated`]).
    ///
    /// ```
    /// let program = || async { weft_sim::spawn("a", weft_sim::yield_now()); };
    /// let kept = weft_sim::explore(program).schedules(5).keep_runs(true).environment(false).run();
    /// assert_eq!(kept.runs.map(|r| r.len()), Some(5));
    /// let plain = weft_sim::explore(program).schedules(5).environment(false).run();
    /// assert_eq!((plain.runs, plain.schedules), (None, 5));
    /// ```
    pub fn keep_runs(mut self, keep: bool) -> Self {
        self.keep_runs = Some(keep);
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

    /// The step budget of each run; a run past it fails as a livelock. By default the budget
    /// grows with the program, as [`Runtime`](crate::Runtime)'s does: [`DEFAULT_MAX_STEPS`](crate::DEFAULT_MAX_STEPS) plus
    /// [`DEFAULT_STEPS_PER_TASK`](crate::DEFAULT_STEPS_PER_TASK) per task spawned so far. An
    /// explicit budget is exact.
    ///
    /// ```
    /// use weft_sim::{explore, yield_now};
    /// let report = explore(|| async { loop { yield_now().await } }).max_steps(50).schedules(1).environment(false).run();
    /// assert!(report.failure.unwrap().failure.to_string().starts_with("livelock"));
    /// ```
    pub fn max_steps(mut self, max_steps: u64) -> Self {
        self.max_steps = Some(max_steps);
        self
    }

    /// Adds a checker of your own, built afresh by `make` for every run (each schedule, the
    /// replay of a failure, every shrinking candidate): it sees every record of the run, as
    /// weft's own checkers do, and a violation it returns fails the run, which is then shrunk
    /// (candidates must fail the same way: the same kind and [`Rule`](weft_traces::Rule), so
    /// name yours with `Rule::User`) and replayed like a built-in one. It runs whether or not
    /// [`checks`](Explore::checks) is on. Its verdict must depend only on the events of the
    /// run: a schedule met again is not shown to it again ([`Explore::memo`]). For a rule over
    /// the program's own state, an [`invariant`](crate::invariant) registered inside the
    /// program is lighter.
    ///
    /// ```
    /// use weft_sim::{explore, spawn};
    /// use weft_traces::{Checker, Event, Record, Rule, Violation, ViolationKind};
    ///
    /// /// At most two tasks, ever.
    /// struct FewTasks(u32);
    /// impl Checker for FewTasks {
    ///     fn observe(&mut self, record: &Record) -> Option<Violation> {
    ///         if let Event::Spawn { .. } = record.event {
    ///             self.0 += 1;
    ///         }
    ///         (self.0 > 2).then(|| {
    ///             let rule = Rule::User("few-tasks".into());
    ///             Violation::at(record, ViolationKind::Invariant, rule, None, format!("{} tasks", self.0))
    ///         })
    ///     }
    /// }
    ///
    /// let report = explore(|| async {
    ///     spawn("a", async {}).await.unwrap();
    ///     spawn("b", async {}).await.unwrap();
    /// })
    /// .checker(|| Box::new(FewTasks(0)))
    /// .schedules(10)
    /// .environment(false)
    /// .run();
    /// assert_eq!(report.failure.expect("three tasks").failure.to_string(), "invariant at step 3 (0.000s): 3 tasks");
    /// ```
    pub fn checker(mut self, make: impl Fn() -> Box<dyn Checker> + Send + Sync + 'static) -> Self {
        self.checkers.push(Arc::new(make));
        self
    }

    /// Whether weft's invariant checkers run on every schedule (default on; see
    /// [`Runtime::checks`](crate::Runtime::checks)). Off, runs still fail on panics, livelocks
    /// and deadlocks, and a run checked as it runs costs about a third less (`docs/checkers.md`);
    /// a schedule met again is not checked again anyway ([`Explore::memo`]).
    ///
    /// ```
    /// let report = weft_sim::explore(|| async {}).checks(false).schedules(10).environment(false).run();
    /// assert!(report.is_ok());
    /// ```
    pub fn checks(mut self, on: bool) -> Self {
        self.checks = on;
        self
    }

    /// Whether each sampling worker remembers the schedules its checked runs passed with, and
    /// takes the verdict of a run that meets one again from there instead of running the
    /// checkers over it (default on). A run is a function of its schedule, so the report is the
    /// same either way; only the time differs. While most of a worker's recent runs meet a
    /// schedule it has passed (a program of few tasks, sampled at length), it runs each
    /// schedule with checks off first and runs it again checked only if that schedule is new
    /// or the run failed: those runs cost what they cost unchecked. Off, every run is checked
    /// as it runs (what the checkers cost, measured).
    ///
    /// It rests on what replay rests on: the program is a function of its schedule, and a
    /// checker's verdict a function of the events it is shown ([`Explore::checker`] builds one
    /// afresh per run; a checker that carries state from run to run through a static or an
    /// `Arc` sees fewer runs with the memo, and should be explored with `memo(false)`).
    ///
    /// ```
    /// use weft_sim::{spawn, yield_now};
    /// let program = || async {
    ///     let a = spawn("a", async { yield_now().await });
    ///     let b = spawn("b", async { yield_now().await });
    ///     a.await.unwrap();
    ///     b.await.unwrap();
    /// };
    /// let with = weft_sim::explore(program).schedules(2000).environment(false).run();
    /// let without = weft_sim::explore(program).memo(false).schedules(2000).environment(false).run();
    /// assert!(with.is_ok());
    /// assert_eq!((with.schedules, with.distinct, with.steps), (without.schedules, without.distinct, without.steps));
    /// ```
    pub fn memo(mut self, on: bool) -> Self {
        self.memo = on;
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

    /// Partial-order reduction for DFS (default [`Reduction::Off`]): with [`Reduction::Dpor`],
    /// DFS runs one schedule of each class of schedules that differ only in the order of
    /// independent steps. **Valid only when every piece of state the tasks share is in weft
    /// primitives and tracked cells** ([`Reduction::Dpor`] says why; `docs/search.md` exactly
    /// what counts); other strategies ignore it.
    ///
    /// ```
    /// use weft_sim::{explore, spawn, yield_now, Reduction, Strategy};
    /// // Three tasks that share nothing: one schedule stands for all 90 orders of their steps.
    /// let program = || async {
    ///     for i in 0..3 {
    ///         spawn(format!("t{i}"), async { yield_now().await });
    ///     }
    /// };
    /// let dfs = |reduction| {
    ///     explore(program).strategy(Strategy::Dfs { max_preemptions: None }).reduction(reduction).environment(false).run()
    /// };
    /// assert_eq!(dfs(Reduction::Off).schedules, 90);
    /// assert_eq!(dfs(Reduction::Dpor).schedules, 1);
    /// ```
    pub fn reduction(mut self, reduction: Reduction) -> Self {
        self.reduction = reduction;
        self
    }

    /// Whether to shrink the first failure's schedule (default true). Shrinking keeps a
    /// candidate only if it fails the same way ([`crate::shrink`] says what that means), and
    /// the report then shows the shrunk schedule's own failure.
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

    /// Calls `callback` with the exploration's [`Progress`] about ten times a second while it
    /// runs (from whichever worker thread reports), and once at the end with the report's
    /// counts ([`Phase::Done`]). It replaces the default, a line on stderr every
    /// [`STDERR_EVERY`]. Progress only observes: the report is the same with any callback.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use weft_sim::explore::Phase;
    /// let last = Arc::new(Mutex::new(None));
    /// let seen = last.clone();
    /// let report = weft_sim::explore(|| async {})
    ///     .schedules(100)
    ///     .environment(false)
    ///     .progress(move |p| *seen.lock().unwrap() = Some((p.phase, p.schedules)))
    ///     .run();
    /// assert_eq!(*last.lock().unwrap(), Some((Phase::Done, report.schedules)));
    /// ```
    pub fn progress(mut self, callback: impl Fn(&Progress<'_>) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(callback));
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
        let callback = self.progress.clone().unwrap_or_else(progress::stderr);
        let budget = match (&replay, &self.strategy) {
            (Some(_), _) => 1,
            (None, Strategy::Dfs { .. }) => self.schedules,
            (None, _) => self.schedules.saturating_sub(u64::from(self.shard.0)).div_ceil(u64::from(self.shard.1)),
        };
        let tracker = Tracker::new(&name, budget, &callback, started);
        let cx = Context {
            factory: &self.factory,
            name: &name,
            strategy: &self.strategy,
            max_steps: self.max_steps,
            faults: &self.faults,
            reduction: self.reduction,
            checks: self.checks,
            checkers: &self.checkers,
            memo: self.memo,
            keep_runs: self.keep_runs.unwrap_or(self.shard.1 > 1 || self.report_file.is_some()),
            tracker: &tracker,
            deadline: Deadline::new(started, self.time_budget),
        };
        let jobs = self.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let mut report = Report {
            name: name.clone(),
            strategy: self.strategy.clone(),
            seed: self.seed,
            shard: self.shard,
            faults: self.faults,
            reduction: match self.strategy {
                Strategy::Dfs { .. } => self.reduction,
                _ => Reduction::Off,
            },
            schedules: 0,
            distinct: 0,
            distinct_estimated: false,
            steps: 0,
            enumerated: false,
            exhausted: false,
            drew: false,
            failure: None,
            replayed: replay.is_some(),
            budget: self.schedules,
            time_budget: self.time_budget,
            out_of_time: false,
            runs: None,
            first_draw: None,
            regressions: None,
            jobs,
            elapsed: Duration::ZERO,
        };
        // The saved schedules of the regression file first (not for a replay: that is one run).
        let mut saved = None;
        if let (None, Some(file)) = (&replay, self.regressions.file(&name, self.environment)) {
            let (record, failed) = regressions::replay_saved(&cx, &file, self.seed);
            report.regressions = Some(record);
            saved = failed;
        }
        report.replayed |= saved.is_some();
        let tally = match (saved, &replay, &self.strategy) {
            (Some(failed), ..) => failed,
            (None, Some(schedule), _) => cx.replay(schedule, self.seed, from_env),
            (None, None, Strategy::Dfs { max_preemptions }) => {
                let search = Search {
                    bound: *max_preemptions,
                    seed: self.seed,
                    budget: self.schedules,
                    shard: self.shard,
                    jobs,
                };
                report.jobs = search.workers(self.reduction);
                cx.dfs(&search)
            }
            (None, None, _) => cx.sample(self.seed, self.schedules, self.shard, jobs),
        };
        report.out_of_time =
            !report.replayed && tally.failed.is_none() && !tally.enumerated && tally.schedules < budget;
        report.schedules = tally.schedules;
        report.distinct = tally.distinct.distinct;
        report.distinct_estimated = tally.distinct.level > 0;
        report.steps = tally.steps;
        report.enumerated = tally.enumerated;
        // DFS branches on every fault within the budgets: its tree is every schedule.
        report.exhausted = tally.enumerated;
        report.drew = tally.drew;
        report.runs = tally.runs.map(|runs| {
            runs.iter().map(|&(index, interleaving, steps)| ScheduleRun { index, interleaving, steps }).collect()
        });
        report.first_draw = tally.first_draw;
        report.failure = tally.failed.map(|f| Box::new(cx.investigate(f, replay.is_none() && self.shrink)));
        report.elapsed = started.elapsed();
        callback(&Progress {
            name: &name,
            phase: Phase::Done,
            schedules: report.schedules,
            budget,
            distinct: report.distinct,
            distinct_estimated: report.distinct_estimated,
            steps: report.steps,
            elapsed: report.elapsed,
        });
        if let Some(path) = &self.report_file {
            if let Err(e) = report.write_json(path) {
                panic!("weft: {}: the report was not written: {e}", report.name);
            }
        }
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
        if let Some(r) = o.reduction {
            self.reduction = r;
        }
        if let Some(t) = o.time {
            self.time_budget = Some(t);
        }
        if let Some(r) = o.report {
            self.report_file = Some(r);
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
