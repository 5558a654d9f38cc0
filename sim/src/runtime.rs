//! `Runtime`: one deterministic run of a program, and what it returns.

use crate::context::{self, Installed};
use crate::fault::{Faults, Injector};
use crate::kernel::{Begun, Kernel, Waiting};
use crate::monitor;
use crate::panic::{self, Caught};
use crate::probe;
use crate::reuse::{Kept, RunStart};
use crate::schedule::Schedule;
use crate::strategy::{Divergence, Footprints, Mode, Object, Scheduler, Strategy};
use crate::task::{self, JoinHandle, TaskRef};
use crate::timers::Fire;
use crate::waker::waker;
use crate::watchdog::{self, Watch, DEFAULT_HANG_TIMEOUT};
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use weft_traces::check::SCREENFUL;
use weft_traces::{
    Checker, Event, Exit, Header, Invariants, Record, Rule, TaskId, Time, Trace, Violation, ViolationKind,
};

/// Runs programs deterministically in virtual time.
///
/// ```
/// use weft_sim::{spawn, sleep, Runtime};
/// use std::time::Duration;
/// let run = Runtime::new().name("hello").run(async {
///     spawn("greeter", async { sleep(Duration::from_secs(1)).await; weft_sim::println!("hello") }).await.unwrap();
/// });
/// assert!(run.is_ok());
/// assert_eq!(run.elapsed, Duration::from_secs(1));
/// assert_eq!(run.trace.output().collect::<Vec<_>>(), ["hello"]);
/// ```
pub struct Runtime {
    name: String,
    seed: u64,
    strategy: Strategy,
    /// An explicit step budget; `None`: the default one, which grows with the program.
    max_steps: Option<u64>,
    tracing: bool,
    faults: Faults,
    checks: bool,
    checkers: Vec<Box<dyn Fn() -> Box<dyn Checker>>>,
    /// How long one poll may run before it is reported as hung (`None`: no limit).
    hang_timeout: Option<Duration>,
}

impl Default for Runtime {
    fn default() -> Runtime {
        Runtime::new()
    }
}

/// The base of the default step budget, which grows with the program: a run may take
/// `DEFAULT_MAX_STEPS + DEFAULT_STEPS_PER_TASK × n` steps while it has spawned `n` tasks (main
/// included), checked before every step. Past it the run fails as a livelock: a task spins
/// (`yield_now` or `sleep` in a loop that never ends) or the program never finishes. A correct
/// program of 100,000 short tasks has a budget of about 100 million steps; a spinner among three
/// tasks is stopped after 103,000. An explicit [`Runtime::max_steps`] is exact instead.
///
/// ```
/// use weft_sim::{spawn, yield_now, Runtime, DEFAULT_MAX_STEPS, DEFAULT_STEPS_PER_TASK};
/// let spinner = Runtime::new().run(async { loop { yield_now().await } });
/// assert_eq!(spinner.steps, DEFAULT_MAX_STEPS + DEFAULT_STEPS_PER_TASK); // main alone
/// ```
pub const DEFAULT_MAX_STEPS: u64 = 100_000;

/// The default step budget's allowance per spawned task (see [`DEFAULT_MAX_STEPS`]).
pub const DEFAULT_STEPS_PER_TASK: u64 = 1_000;

impl Runtime {
    /// FIFO order, seed 0, tracing on, the default step budget (which grows with the program:
    /// see [`DEFAULT_MAX_STEPS`]).
    pub fn new() -> Runtime {
        Runtime {
            name: "run".to_string(),
            seed: 0,
            strategy: Strategy::Fifo,
            max_steps: None,
            tracing: true,
            faults: Faults::none(),
            checks: true,
            checkers: Vec::new(),
            hang_timeout: Some(DEFAULT_HANG_TIMEOUT),
        }
    }

    /// The scenario or test name recorded in the trace header.
    pub fn name(mut self, name: impl Into<String>) -> Runtime {
        self.name = name.into();
        self
    }

    /// The seed of the run's randomness (strategy and program draws).
    pub fn seed(mut self, seed: u64) -> Runtime {
        self.seed = seed;
        self
    }

    /// Who decides the run's choices.
    pub fn strategy(mut self, strategy: Strategy) -> Runtime {
        self.strategy = strategy;
        self
    }

    /// An exact step budget, in place of the default one that grows with the program
    /// ([`DEFAULT_MAX_STEPS`]): a run that needs more steps fails as a livelock.
    ///
    /// ```
    /// use weft_sim::{yield_now, Runtime};
    /// let run = Runtime::new().max_steps(500).run(async { loop { yield_now().await } });
    /// assert_eq!(run.steps, 500);
    /// assert!(run.failure.unwrap().to_string().starts_with("livelock at step 500"));
    /// ```
    pub fn max_steps(mut self, max_steps: u64) -> Runtime {
        self.max_steps = Some(max_steps);
        self
    }

    /// Whether to keep the events in the returned trace (checkers see them either way).
    pub fn tracing(mut self, tracing: bool) -> Runtime {
        self.tracing = tracing;
        self
    }

    /// Whether weft's invariant checkers run (on by default): mutual exclusion, FIFO fairness,
    /// lost wake-ups (with a probe of every blocked task at quiescence), deadlock with its
    /// wait-for graph, and accounting (`weft_traces::check::Invariants`). Off, a run still fails
    /// on a panic, a livelock or a deadlock, and costs less.
    ///
    /// ```
    /// use weft_sim::{spawn, Runtime};
    /// let run = Runtime::new().checks(false).run(async { spawn("t", async { 1 }).await.unwrap() });
    /// assert_eq!(run.output, Some(1));
    /// ```
    pub fn checks(mut self, on: bool) -> Runtime {
        self.checks = on;
        self
    }

    /// Which faults the run may inject (none by default): each is a recorded choice, so the
    /// run's schedule replays it. See [`crate::fault`].
    ///
    /// ```
    /// use weft_sim::{sleep, spawn, Faults, Runtime};
    /// use std::time::Duration;
    /// let run = Runtime::new().seed(3).faults(Faults::all().rate(1.0)).run(async {
    ///     let t = spawn("sleeper", sleep(Duration::from_secs(1)));
    ///     let _ = t.await; // may be cancelled by a fault
    /// });
    /// assert!(run.is_ok());
    /// assert!(run.trace.to_text().contains("FAULT"));
    /// ```
    pub fn faults(mut self, faults: Faults) -> Runtime {
        self.faults = faults;
        self
    }

    /// How long one poll of a task may run, in wall-clock time, before weft reports it as hung
    /// (default [`DEFAULT_HANG_TIMEOUT`], 10 s; `Duration::ZERO`: no limit). A task that loops
    /// without reaching an `.await` never returns from its poll, and nothing can interrupt it:
    /// a watchdog thread then prints the task, the step and the replay line of the run so far on
    /// stderr, and ends the process with exit status 1. `WEFT_HANG_TIMEOUT` (seconds, `0` for
    /// none) overrides this. It is a diagnostic: a run does exactly the same with or without it.
    ///
    /// ```
    /// use weft_sim::Runtime;
    /// use std::time::Duration;
    /// let run = Runtime::new().hang_timeout(Duration::from_secs(60)).run(async { 1 });
    /// assert_eq!(run.output, Some(1));
    /// ```
    pub fn hang_timeout(mut self, limit: Duration) -> Runtime {
        self.hang_timeout = (!limit.is_zero()).then_some(limit);
        self
    }

    /// Adds an online checker, built afresh for each run.
    pub fn checker(mut self, make: impl Fn() -> Box<dyn Checker> + 'static) -> Runtime {
        self.checkers.push(Box::new(make));
        self
    }

    fn budget(&self) -> Budget {
        match self.max_steps {
            Some(steps) => Budget { base: steps, per_task: 0 },
            None => Budget { base: DEFAULT_MAX_STEPS, per_task: DEFAULT_STEPS_PER_TASK },
        }
    }

    /// Runs `main` as task 0, named "main", under the configured strategy and seed.
    pub fn run<T: 'static>(&self, main: impl Future<Output = T> + 'static) -> Run<T> {
        self.run_with(self.strategy.scheduler(self.seed), main)
    }

    /// Runs `main` with an explicit scheduler (exploration builds one per run).
    pub fn run_with<T: 'static>(
        &self,
        scheduler: Box<dyn Scheduler>,
        main: impl Future<Output = T> + 'static,
    ) -> Run<T> {
        self.build_and_run(scheduler, move || main)
    }

    /// Builds the program with `build` *inside* the run, then runs it with `scheduler`.
    ///
    /// Primitives describe themselves to the run they are created in: one created before the
    /// run (say, in an exploration's factory, outside its `async` block) is invisible to the
    /// trace and the checkers. Building inside the run makes every primitive the factory
    /// creates visible. [`explore`](crate::explore()) builds every run this way.
    ///
    /// ```
    /// use weft_sim::{strategy::Fifo, Runtime};
    /// use weft_traces::Resource;
    /// let run = Runtime::new().build_and_run(Box::new(Fifo::new(0)), || {
    ///     // Created outside the future, but inside the run: registered.
    ///     let id = Resource::lock("lock").id();
    ///     async move { id.is_some() }
    /// });
    /// assert_eq!(run.output, Some(true));
    /// ```
    pub fn build_and_run<T: 'static, F: Future<Output = T> + 'static>(
        &self,
        scheduler: Box<dyn Scheduler>,
        build: impl FnOnce() -> F,
    ) -> Run<T> {
        self.execute(self.seed, scheduler, build).into_run(self)
    }

    /// [`Runtime::build_and_run`] with the run's seed given here (an exploration keeps one
    /// `Runtime` per worker and gives each run its seed), returning what the run did without a
    /// trace header: an exploration that keeps no trace never renders one.
    pub(crate) fn execute<T: 'static, F: Future<Output = T> + 'static>(
        &self,
        seed: u64,
        scheduler: Box<dyn Scheduler>,
        build: impl FnOnce() -> F,
    ) -> Outcome<T> {
        // Only the main task's spawn and its output depend on the program's types: the run
        // itself is compiled once, in weft (not again, unoptimized, in each crate that runs one).
        let mut build = Some(build);
        let mut main: Option<JoinHandle<T>> = None;
        let outcome = self.execute_main(seed, scheduler, &mut || {
            if let Some(build) = build.take() {
                main = Some(task::spawn_main(build()));
            }
        });
        outcome.with_output(main.and_then(JoinHandle::into_output))
    }

    /// [`Runtime::execute`] for a main task that `spawn_main` spawns (the output left out).
    #[inline(never)]
    fn execute_main(&self, seed: u64, scheduler: Box<dyn Scheduler>, spawn_main: &mut dyn FnMut()) -> Outcome<()> {
        panic::install_quiet_hook();
        let scheduler: Box<dyn Scheduler> = match self.faults.any() {
            true => Box::new(Injector::new(scheduler, self.faults, seed)),
            false => scheduler,
        };
        let accesses = scheduler.wants_accesses();
        let faults = scheduler.injects_faults();
        let footprints = match accesses || scheduler.reads_steps() {
            true => Footprints::with_room(accesses, Kept::footprint_room()),
            false => Footprints::new(false, false),
        };
        let watch = Watch::start(&self.name, seed, watchdog::timeout(self.hang_timeout));
        // The thread's last run state, emptied, where it was: the run begins on its tables.
        let (mut kept, choices) = Kept::take();
        kept.installed.watch = watch.clone();
        let kernel = kept.installed.kernel.get_mut();
        kernel.sink.checkers.extend(self.checkers.iter().map(|make| make()));
        kernel.begin_run(RunStart {
            epoch: next_epoch(),
            scheduler,
            choices,
            watch: watch.clone(),
            footprints,
            tracing: self.tracing,
            checks: self.checks,
            faults,
        });
        let installed = &*kept.installed;
        let futures = std::mem::take(&mut kept.futures);
        let mut executor = Executor { installed, futures, budget: self.budget(), probe: self.checks };
        let (end, futures) = context::install(installed, || {
            spawn_main();
            let end = executor.run();
            executor.close();
            (end, executor.futures)
        });
        if let Some(watch) = watch {
            Watch::end(watch); // before the task names it points to are freed
        }
        let kernel = kept.installed.kernel.get_mut();
        if end.is_some() || kernel.violation.is_some() {
            kernel.footprints.halted();
        }
        kernel.chooser.scheduler.ended(kernel.footprints.as_slice());
        // A run that ended well asks its scheduler whether anything was left unused (a replay's
        // leftover choices).
        let end = match (&end, &kernel.divergence, &kernel.violation) {
            (None, None, None) => kernel
                .chooser
                .scheduler
                .finish()
                .err()
                .map(|d| Failure::Diverged(Divergence { step: kernel.step, ..d })),
            _ => end,
        };
        // What the outcome needs comes out of the kernel; the rest is emptied and kept (the
        // footprint lists with it, for the thread's next run that collects them).
        let failure = match (kernel.divergence.take(), kernel.violation.take()) {
            (Some(d), _) => Some(Failure::Diverged(d)),
            (None, Some(v)) => Some(Failure::Violation(v)),
            (None, None) => end,
        };
        let events = kernel.sink.trace.take().unwrap_or_default();
        let (picks, drew, steps, now) = (kernel.chooser.picks.0, kernel.chooser.drew, kernel.step, kernel.now);
        let (scheduler, made) = kernel.take_chooser();
        kept.futures = futures;
        kept.keep(made.len());
        Outcome {
            output: None,
            failure,
            events,
            schedule: Schedule::from(made),
            picks,
            drew,
            scheduler,
            seed,
            steps,
            now,
        }
    }

    /// Gives back the schedule of a run whose schedule is no longer needed, for the thread's
    /// next run to record its choices in (its room kept: no allocation per run).
    pub(crate) fn recycle(schedule: Schedule) {
        Kept::recycle_choices(schedule.choices);
    }
}

/// What one run did, before its trace is given a header ([`Outcome::into_run`]).
pub(crate) struct Outcome<T> {
    pub(crate) output: Option<T>,
    pub(crate) failure: Option<Failure>,
    /// Every event, when the run kept them.
    pub(crate) events: Vec<Record>,
    pub(crate) schedule: Schedule,
    /// The hash of the schedule's picks (see `kernel::PickHash`).
    pub(crate) picks: u64,
    /// Whether the run drew a random value.
    pub(crate) drew: bool,
    /// The run's scheduler, for an exploration to reseed for its next run
    /// ([`Scheduler::reseed`]).
    pub(crate) scheduler: Box<dyn Scheduler>,
    pub(crate) seed: u64,
    pub(crate) steps: u64,
    pub(crate) now: Time,
}

impl Outcome<()> {
    /// The same outcome with the main task's `output`.
    fn with_output<T>(self, output: Option<T>) -> Outcome<T> {
        let Outcome { output: _, failure, events, schedule, picks, drew, scheduler, seed, steps, now } = self;
        Outcome { output, failure, events, schedule, picks, drew, scheduler, seed, steps, now }
    }
}

impl<T> Outcome<T> {
    /// The run as [`Runtime::build_and_run`] returns it: its trace with the header naming the
    /// runtime's scenario and strategy, the run's seed and its schedule.
    pub(crate) fn into_run(self, runtime: &Runtime) -> Run<T> {
        let mut header = Header::new(runtime.name.clone());
        header.strategy = runtime.strategy.to_string();
        header.seed = self.seed;
        header.schedule = self.schedule.to_string();
        Run {
            output: self.output,
            failure: self.failure,
            trace: Trace { header, events: self.events },
            schedule: self.schedule,
            steps: self.steps,
            elapsed: self.now.as_duration(),
        }
    }
}

/// What one run returns.
#[derive(Debug)]
pub struct Run<T> {
    /// The main task's output, if it returned.
    pub output: Option<T>,
    /// Why the run failed, if it did.
    pub failure: Option<Failure>,
    /// Every event (empty when tracing was off), with a header that names the schedule.
    pub trace: Trace,
    /// The choices the run made; replaying them reproduces it.
    pub schedule: Schedule,
    /// Steps taken.
    pub steps: u64,
    /// Virtual time the run took.
    pub elapsed: Duration,
}

impl<T> Run<T> {
    /// Whether the run completed with no failure.
    pub fn is_ok(&self) -> bool {
        self.failure.is_none()
    }

    /// The violation, if the run failed with one.
    pub fn violation(&self) -> Option<&Violation> {
        match &self.failure {
            Some(Failure::Violation(v)) => Some(v),
            _ => None,
        }
    }
}

/// Why a run failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The program broke a rule: panicked, livelocked, deadlocked, or failed a checker.
    Violation(Violation),
    /// A replayed schedule no longer fits the program.
    Diverged(Divergence),
}

impl Failure {
    /// The kind of violation (`None` for a divergence).
    pub fn kind(&self) -> Option<ViolationKind> {
        match self {
            Failure::Violation(v) => Some(v.kind),
            Failure::Diverged(_) => None,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Violation(v) => v.fmt(f),
            Failure::Diverged(d) => d.fmt(f),
        }
    }
}

/// A new run's epoch, unique among the process's runs (until the counter wraps, after 2^32
/// runs): each thread reserves a block of epochs at once, so that workers running schedules
/// side by side do not both write one shared counter at every run.
fn next_epoch() -> u32 {
    const BLOCK: u32 = 1024;
    static RESERVED: AtomicU32 = AtomicU32::new(0);
    thread_local! {
        /// The next epoch of this thread's block, and how many are left in it.
        static BLOCK_LEFT: Cell<(u32, u32)> = const { Cell::new((0, 0)) };
    }
    BLOCK_LEFT.with(|block| {
        let (next, left) = match block.get() {
            (_, 0) => (RESERVED.fetch_add(BLOCK, Ordering::Relaxed), BLOCK),
            reserved => reserved,
        };
        block.set((next.wrapping_add(1), left - 1));
        next
    })
}

/// A run's step budget: `base` steps plus `per_task` for each task spawned so far.
#[derive(Clone, Copy, Debug)]
struct Budget {
    base: u64,
    per_task: u64,
}

impl Budget {
    fn steps(self, spawned: usize) -> u64 {
        self.base.saturating_add(self.per_task.saturating_mul(spawned as u64))
    }
}

/// What the step loop does next, as the kernel tells under one borrow.
enum Next {
    /// A violation or divergence ended the run.
    Over,
    /// Nothing is ready: time advances, or the run ends.
    Idle,
    /// The step budget is spent: a livelock.
    Spent,
    /// The scheduler may inject a fault before it picks.
    Fault,
    /// The pick diverged from a replayed schedule (boxed: the loop returns a `Next` at every
    /// step, and a divergence ends a run once).
    Diverged(Box<Divergence>),
    /// This task was picked and its step begun.
    Step(TaskId, Begun),
}

/// The step loop and the slab of task futures.
struct Executor<'a> {
    installed: &'a Installed,
    futures: Vec<Option<TaskRef>>,
    budget: Budget,
    /// Probe blocked tasks at quiescence (checks on).
    probe: bool,
}

impl Executor<'_> {
    fn kernel<R>(&self, f: impl FnOnce(&mut Kernel) -> R) -> R {
        f(&mut self.installed.kernel.borrow_mut())
    }

    /// Pick a ready task, step it, record what happened; advance time when nothing is ready.
    fn run(&mut self) -> Option<Failure> {
        self.adopt_spawned();
        loop {
            // What comes next, and (most steps) the pick and the step's beginning, under one
            // borrow of the kernel. A violation or divergence found during the last step ends
            // the run; `run_with` reports it from the kernel.
            let budget = self.budget;
            let next = self.kernel(|k| {
                if k.violation.is_some() || k.divergence.is_some() {
                    return Next::Over;
                }
                if k.ready.is_empty() {
                    return Next::Idle;
                }
                if k.step >= budget.steps(k.tasks.len()) {
                    return Next::Spent;
                }
                if k.faults {
                    return Next::Fault;
                }
                match k.pick() {
                    Ok(i) => {
                        let task = k.ready.take(i);
                        Next::Step(task, k.begin_step(task))
                    }
                    Err(d) => Next::Diverged(d),
                }
            });
            let (task, begun) = match next {
                Next::Over => return None,
                Next::Idle => match self.advance_clock() {
                    Ok(true) => {
                        self.judge(monitor::overdue);
                        continue;
                    }
                    Ok(false) => return self.quiesce().or_else(|| self.end()),
                    Err(d) => return Some(Failure::Diverged(d)),
                },
                Next::Spent => return Some(self.kernel(livelock)),
                Next::Diverged(d) => return Some(Failure::Diverged(*d)),
                Next::Step(task, begun) => (task, begun),
                Next::Fault => {
                    match self.kernel(Kernel::inject_fault) {
                        Ok(Some(deadline)) => deadline.wake(),
                        Ok(None) => {}
                        Err(d) => return Some(Failure::Diverged(d)),
                    }
                    match self.kernel(|k| k.pick().map(|i| k.ready.take(i))) {
                        Ok(task) => (task, self.kernel(|k| k.begin_step(task))),
                        Err(d) => return Some(Failure::Diverged(*d)),
                    }
                }
            };
            self.finish_step(task, begun);
            self.judge(monitor::after_step);
        }
    }

    /// Runs the user's rules (`monitor.rs`), when there are any; a failure ends the run.
    fn judge(&self, rule: fn(&Installed) -> Option<Violation>) {
        if !self.installed.monitors.any() || self.kernel(|k| k.violation.is_some()) {
            return;
        }
        if let Some(v) = rule(self.installed) {
            self.kernel(|k| k.violation = Some(v));
        }
    }

    /// The run ended with no failure: a liveness monitor still hot fails it.
    fn end(&self) -> Option<Failure> {
        match self.kernel(|k| k.violation.is_some()) {
            true => None,
            false => {
                self.installed.monitors.any().then(|| monitor::at_end(self.installed)).flatten().map(Failure::Violation)
            }
        }
    }

    /// One step of `task`: poll it, or drop its future if it was cancelled.
    fn step(&mut self, task: TaskId) {
        let begun = self.kernel(|k| k.begin_step(task));
        self.finish_step(task, begun);
    }

    /// The rest of `task`'s step once the kernel has begun it ([`Kernel::begin_step`]): its code
    /// runs, then the kernel ends the step; the futures it spawned join the slab.
    fn finish_step(&mut self, task: TaskId, Begun { cancel, epoch }: Begun) {
        let ended = run_task_code(self.installed, &mut self.futures[task.index()], task, epoch, cancel);
        if let Some(Ended::Panicked(caught)) = &ended {
            self.kernel(|k| {
                if k.violation.is_none() {
                    k.violation = Some(panic_violation(k, task, &caught.message, caught.location.as_deref()));
                }
            });
        }
        let spawned = self.kernel(|k| {
            match ended {
                None => k.record(Event::Suspend),
                Some(ended) => {
                    // A task that woke itself during its last step (a yield inside a select or a
                    // timeout that then completed) is queued: a finished task never runs again.
                    if k.ready.contains(task) {
                        k.ready.remove(task);
                    }
                    k.tasks[task.index()].done = true;
                    k.access(Object::Exit(task), Mode::Write);
                    k.record(Event::Exit { exit: ended.into_exit() });
                }
            }
            k.footprints.close();
            k.current = None;
            k.last = Some(task);
            !k.spawned.is_empty()
        });
        // Most steps spawn nothing: the futures of those that did move into the slab.
        if spawned {
            self.adopt();
        }
    }

    /// Nothing ready, no timer pending: with checks on, probe each blocked task once (a
    /// spurious poll, `probe.rs`) so the checkers can tell a lost wake-up from a deadlock; a
    /// violation they find ends the run, otherwise the blocked tasks are reported here.
    fn quiesce(&mut self) -> Option<Failure> {
        if self.probe {
            let blocked: Vec<TaskId> =
                self.kernel(|k| (0..k.tasks.len() as u32).map(TaskId).filter(|t| !k.tasks[t.index()].done).collect());
            for task in blocked {
                if self.kernel(|k| k.violation.is_some()) {
                    break;
                }
                if let Some(slot) = self.futures.get_mut(task.index()) {
                    probe::probe(self.installed, slot, task);
                }
            }
            if self.kernel(|k| k.violation.is_some()) {
                return None;
            }
        }
        self.kernel(quiescence)
    }

    /// Moves the futures of tasks spawned during the last step into the slab.
    #[inline]
    fn adopt_spawned(&mut self) {
        // Most steps spawn nothing: one look, inline; no list moved back and forth.
        if !self.kernel(|k| k.spawned.is_empty()) {
            self.adopt();
        }
    }

    #[inline(never)]
    fn adopt(&mut self) {
        let mut spawned = self.kernel(|k| std::mem::take(&mut k.spawned));
        for (id, future) in spawned.drain(..) {
            // Tasks are numbered as they are spawned: the next one goes at the end.
            if self.futures.len() == id.index() {
                self.futures.push(Some(future));
                continue;
            }
            if self.futures.len() < id.index() {
                self.futures.resize_with(id.index() + 1, || None);
            }
            self.futures[id.index()] = Some(future);
        }
        // The emptied list goes back, with its room, for the next step's spawns.
        self.kernel(|k| {
            if k.spawned.is_empty() {
                k.spawned = spawned;
            }
        });
    }

    /// When nothing is ready: jump the clock to the earliest deadline and fire the timers due
    /// then: all of them in (deadline, registration) order, as asyncio does, unless the
    /// scheduler chooses one to fire alone ([`Choice::Pick`](crate::Choice::Pick)). Says
    /// whether any timer fired.
    fn advance_clock(&mut self) -> Result<bool, Divergence> {
        let due = self.kernel(|k| {
            let Some(deadline) = k.timers.next_deadline() else { return Ok(None) };
            k.now = k.now.max(deadline);
            let tasks = k.timers.due_tasks(k.now);
            let which = k.fire(&tasks);
            k.timers.keep_due_tasks(tasks);
            let due = k.timers.fire_due(k.now, which?);
            for (task, _) in &due {
                k.record_for(Some(*task), Event::TimerFired);
            }
            k.footprints.timers_fired();
            Ok(Some(due))
        })?;
        let Some(mut due) = due else { return Ok(false) };
        for (_, fire) in due.drain(..) {
            match fire {
                Fire::Wake(waker) => waker.wake(),
                Fire::Call(call) => self.call(call),
            }
        }
        self.kernel(|k| k.timers.keep_fired(due));
        Ok(true)
    }

    /// Runs a loop callback whose timer fired (asyncio's `call_later`/`call_at` handle) at once,
    /// among the timers due with it, as asyncio runs every due timer handle before the tasks they
    /// wake: as a step of its own task (named `callback`), so what it does is recorded about a
    /// task, like any other step. Not a choice: asyncio runs due handles in order.
    fn call(&mut self, call: Box<dyn FnOnce()>) {
        let future = task::callback_task(call);
        let id = self.kernel(|k| {
            let id = k.spawn_callback(future);
            k.ready.remove(id);
            id
        });
        self.adopt_spawned();
        self.step(id);
    }

    /// Ends the run: drops every remaining future (their Drop handlers may wake or record, which
    /// the closed kernel ignores).
    fn close(&mut self) {
        self.kernel(Kernel::close);
        for future in self.futures.drain(..).flatten() {
            let _ = panic::catch_task(self.installed, move || end(Some(future)));
        }
        // Dropped outside the kernel (their Drop code may reach it); the list, emptied, stays.
        let mut spawned = self.kernel(|k| std::mem::take(&mut k.spawned));
        for (_, future) in spawned.drain(..) {
            let _ = panic::catch_task(self.installed, move || end(Some(future)));
        }
        self.kernel(|k| {
            if k.spawned.is_empty() {
                k.spawned = spawned;
            }
        });
    }
}

/// How a task's step ended the task: what its `Exit` event says, a panic's words boxed (the
/// step loop moves this at every step, in a register pair; a panic is rare).
pub(crate) enum Ended {
    Returned,
    Cancelled,
    Panicked(Box<Caught>),
}

impl Ended {
    /// The `Exit` event's words.
    pub(crate) fn into_exit(self) -> Exit {
        match self {
            Ended::Returned => Exit::Returned,
            Ended::Cancelled => Exit::Cancelled,
            Ended::Panicked(caught) => Exit::Panicked { message: caught.message, location: caught.location },
        }
    }
}

/// Runs task code for one step of `task`: drops its future if `cancel` (the cancellation lands),
/// otherwise polls it once. A panic is caught and ends the task; a task that ended has its
/// future dropped at once, while it is still current, so its Drop handlers are attributed to it.
/// Returns how the task ended, if it did. The step loop and the quiescence probe both use it.
pub(crate) fn run_task_code(
    installed: &Installed,
    slot: &mut Option<TaskRef>,
    task: TaskId,
    epoch: u32,
    cancel: bool,
) -> Option<Ended> {
    let outcome = match (cancel, slot.as_mut()) {
        (true, _) => {
            let future = slot.take();
            panic::catch_task(installed, move || end(future)).map(|()| Some(Ended::Cancelled))
        }
        (false, None) => return None,
        (false, Some(future)) => {
            // Never dropped: a weft waker's drop does nothing (`waker.rs`), and it would be a
            // call through the waker's vtable at every step.
            let waker = std::mem::ManuallyDrop::new(waker(epoch, task));
            let mut cx = Context::from_waker(&waker);
            panic::catch_task(installed, || match future.poll(&mut cx) {
                Poll::Pending => None,
                Poll::Ready(()) => Some(Ended::Returned),
            })
        }
    };
    let ended = outcome.unwrap_or_else(|caught| Some(Ended::Panicked(caught)));
    if let Some(ended) = &ended {
        // A future that returned was dropped by its poll, a cancelled one above: only the hold
        // goes (and with the last, the output nobody took). After a panic the future is ended,
        // wherever the panic came from.
        let future = slot.take();
        let gone = matches!(ended, Ended::Returned | Ended::Cancelled);
        let _ = panic::catch_task(installed, move || if gone { drop(future) } else { end(future) });
    }
    ended
}

/// Drops a task's future, if it still has one ([`Task::end`](crate::task::Task::end)), and the
/// executor's hold on the task: the last hold drops the output nobody took.
fn end(task: Option<TaskRef>) {
    if let Some(task) = task {
        task.end();
    }
}

/// The same words as the offline checker's (`weft_traces::check`), which must agree with it.
fn panic_violation(k: &Kernel, task: TaskId, message: &str, location: Option<&str>) -> Violation {
    Violation::panic(k.step, k.now, task, &k.tasks[task.index()].name, message, location)
}

fn livelock(k: &mut Kernel) -> Failure {
    let ready: Vec<String> = k.ready.as_slice().iter().map(|t| format!("'{}'", k.tasks[t.index()].name)).collect();
    Failure::Violation(Violation::livelock(k.step, k.now, &ready))
}

/// Nothing is ready and no timer is pending: every task must have finished. With checks on,
/// the report is the checkers' (what each blocked task waits on, who holds it, the wait-for
/// cycle), read from the events exactly as `weft::check` reads a stored trace.
fn quiescence(k: &mut Kernel) -> Option<Failure> {
    let added = || (k.sink.checkers.iter()).find_map(|c| c.as_any()?.downcast_ref::<Invariants>());
    let invariants = k.sink.invariants.as_deref().or_else(added);
    if let Some(invariants) = invariants {
        return invariants.deadlock().map(Failure::Violation);
    }
    let unfinished = k.tasks.iter().filter(|t| !t.done).count();
    let blocked: Vec<String> = k
        .tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.done)
        .take(SCREENFUL)
        .map(|(i, t)| {
            let waits = match t.waiting {
                Some(Waiting::Resource(id, op)) => {
                    format!("waits on {} ({op})", k.resources.describe(id))
                }
                Some(Waiting::Join(other)) => {
                    format!("waits for task '{}' to finish", k.tasks[other.index()].name)
                }
                None => "is suspended on something weft does not know".to_string(),
            };
            format!("  '{}' ({}) {waits}", t.name, TaskId(i as u32))
        })
        .collect();
    if blocked.is_empty() {
        return None;
    }
    let more = match unfinished.saturating_sub(SCREENFUL) {
        0 => String::new(),
        n => format!("\n  ... and {n} more"),
    };
    Some(Failure::Violation(Violation {
        kind: ViolationKind::Deadlock,
        rule: Rule::Deadlock,
        step: k.step,
        time: k.now,
        task: None,
        resource: None,
        location: None,
        message: format!(
            "{unfinished} task(s) blocked with nothing ready and no timer pending:\n{}{more}",
            blocked.join("\n")
        ),
    }))
}
