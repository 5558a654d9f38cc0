//! Consistency: whether a stored trace is one that weft's executor could have recorded. A trace
//! is checked for it before any invariant judges it (`weft check`, [`judge`](super::judge),
//! [`judge_json`](super::judge_json)): a verdict on a trace that contradicts itself (a grant to a
//! task never spawned, time running backwards, every event twice) would be a verdict on nothing.
//!
//! # The grammar of a trace, as the executor records it
//!
//! Derived from `weft-sim`'s executor (`runtime.rs`, `kernel.rs`, `probe.rs`): every record is
//! stamped with the kernel's step counter, its clock and the task it concerns.
//!
//! **Ids.** Tasks are numbered 0, 1, 2, ... in spawn order: a `Spawn` names the next id, and
//! every other task id in a record (its task, a `parent`, a `by`, a `Join` target, a resource's
//! `Wake` waiter, a fault's task) names a task spawned before it. Resources are numbered the same
//! way by their `NewResource`; an operation names a resource registered before it.
//!
//! **Steps.** The step counter starts at 0 (records before the first step: the main task's
//! `Spawn`, resources and tasks the program creates before it runs) and goes up by exactly one
//! per step. A step is either
//!
//! - a *poll*: its first record is the `Poll` of a ready task (one whose cancellation was not
//!   requested), or
//! - a *drop*: a task whose cancellation was requested has its future dropped without a poll;
//!   the step's records are what the drop does, ending with the task's `Exit` (cancelled, or
//!   panicked in a `Drop`), never a `Suspend`.
//!
//! A step ends with its task's `Suspend` or `Exit`, before the next one begins. Inside a step,
//! a task's own events (`Poll`, `Suspend`, `Exit`, `Sleep`, `Join`, `Print`, `NewResource`,
//! resource operations, a forced-yield `Fault`) are the running task's, and the events it causes
//! for others name it: a `Spawn`'s `parent`, a `Wake`'s or `Cancel`'s `by` (a `by` of nobody is
//! the executor's own wake-up, which may come inside a step too). Outside a step only the
//! executor records: timers firing (`TimerFired`, then their `Wake`s), injected faults (at most
//! one before each step, about the task they hit), and events of no task (`task: null`).
//!
//! **Probes.** When nothing is ready and no timer is pending, the executor polls each blocked
//! task once without taking a step (the quiescence probe): a `Poll` that keeps the step number,
//! of a task that has not exited, while no task is ready and no step is in progress, followed by
//! what the task did and its `Suspend` or `Exit`.
//!
//! **Time** never goes backwards, and changes only between steps (the clock advances when
//! nothing is ready). A `Sleep` is due no earlier than the instant it is recorded at.
//!
//! **Ready and exited.** A task is ready from its `Spawn` or a `Wake` until its next step begins;
//! the executor records a `Wake` only when it queues the task, so a task is never woken while
//! ready. A cancellation is recorded once per task. After its `Exit` nothing concerns a task
//! again, except a timer of its that fires (`TimerFired`, or a fault firing its `timeout` early):
//! a timer can outlive the task that set it, when its future was moved elsewhere.
//!
//! Some duplicates are legitimate (a line printed twice, two releases in one step, two timers of
//! one task due together): "every event twice" is caught by the structure above (a task spawned
//! twice, a poll inside a step, a suspend outside one), not by comparing neighbours.
//!
//! ```
//! use weft_traces::check::Consistency;
//! use weft_traces::{Event, Record, TaskId, Time};
//! let main = Some(TaskId(0));
//! let mut c = Consistency::new();
//! assert!(c.observe(&Record::new(0, Time::ZERO, main, Event::Spawn { name: "main".into(), parent: None })).is_ok());
//! assert!(c.observe(&Record::new(1, Time::ZERO, main, Event::Poll)).is_ok());
//! // A grant to a task nobody spawned.
//! let op = Event::Resource { id: weft_traces::ResourceId(0), op: weft_traces::Op::Grant };
//! let e = c.observe(&Record::new(1, Time::ZERO, Some(TaskId(999)), op)).unwrap_err();
//! assert_eq!((e.record, e.step), (Some(2), Some(1)));
//! assert!(e.to_string().contains("task #999, which was never spawned"));
//! ```

use crate::event::{Event, Exit, Fault, Op, Record};
use crate::ids::{TaskId, Time};
use crate::trace::Trace;
use std::fmt;

/// The first thing in a stored trace that weft's executor could not have recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inconsistency {
    /// The index of the offending record in the trace's `events` (0-based); `None` when it is
    /// the header.
    pub record: Option<usize>,
    /// The step the record claims.
    pub step: Option<u64>,
    /// What is wrong, in one line.
    pub problem: String,
}

impl Inconsistency {
    /// A problem with the trace's header (a strategy or schedule string that does not parse).
    ///
    /// ```
    /// let e = weft_traces::check::Inconsistency::in_header("its schedule cannot be read".into());
    /// assert_eq!(e.to_string(), "header: its schedule cannot be read");
    /// ```
    pub fn in_header(problem: String) -> Inconsistency {
        Inconsistency { record: None, step: None, problem }
    }
}

impl fmt::Display for Inconsistency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.record, self.step) {
            (Some(record), Some(step)) => write!(f, "record {record} (step {step}): {}", self.problem),
            (Some(record), None) => write!(f, "record {record}: {}", self.problem),
            _ => write!(f, "header: {}", self.problem),
        }
    }
}

impl std::error::Error for Inconsistency {}

/// What the events say of one task so far.
#[derive(Clone, Copy, Debug)]
struct Facts {
    /// The record that spawned it.
    spawned_at: usize,
    ready: bool,
    cancel_requested: bool,
    /// The record of its exit.
    exited_at: Option<usize>,
}

/// The step in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// A poll of `task`; `probe` when it is the quiescence probe, which takes no step.
    Poll { task: TaskId, probe: bool },
    /// A cancelled task's future dropped without a poll; `task` is known from the first of the
    /// step's records that names it.
    Drop { task: Option<TaskId> },
}

/// Checks a trace record by record against the grammar above (see the module docs), keeping a
/// few bytes per task, so a trace of any length streams through it.
#[derive(Clone, Debug, Default)]
pub struct Consistency {
    seen: usize,
    tasks: Vec<Facts>,
    resources: u64,
    last_step: u64,
    last_time: Time,
    step: Option<Step>,
    /// Faults injected since the last step began.
    faults_before_step: u32,
}

type Checked = Result<(), String>;

impl Consistency {
    /// A checker that has seen no record yet.
    pub fn new() -> Consistency {
        Consistency::default()
    }

    /// How many records it has accepted.
    pub fn records(&self) -> usize {
        self.seen
    }

    /// Checks the next record, or says what is wrong with it.
    pub fn observe(&mut self, record: &Record) -> Result<(), Inconsistency> {
        let index = self.seen;
        self.apply(record).map_err(|problem| Inconsistency {
            record: Some(index),
            step: Some(record.step),
            problem,
        })?;
        self.seen += 1;
        Ok(())
    }

    fn apply(&mut self, r: &Record) -> Checked {
        self.ids(r)?;
        self.after_exit(r)?;
        let begins = self.step_number(r)?;
        if begins {
            if let Some(open) = self.step {
                return Err(format!(
                    "step {} begins before the step in progress ({}) ended: every step ends with its task's suspend or exit",
                    r.step,
                    describe(open)
                ));
            }
            self.faults_before_step = 0;
            self.step = Some(match r.event {
                Event::Poll => Step::Poll { task: task_of(r)?, probe: false },
                _ => Step::Drop { task: None },
            });
        }
        self.time(r)?;
        self.last_step = r.step;
        self.last_time = r.time;
        self.event(r, begins)
    }

    /// Every task and resource a record names exists (a `Spawn` or `NewResource` names the next).
    fn ids(&self, r: &Record) -> Checked {
        let spawned = self.tasks.len() as u64;
        let so_far = match spawned {
            0 => "no task is spawned yet".to_string(),
            n => format!("tasks #0 to #{} are spawned so far", n - 1),
        };
        let known = |t: TaskId, what: &str| -> Checked {
            match u64::from(t.0) < spawned {
                true => Ok(()),
                false => Err(format!("{what} task {t}, which was never spawned ({so_far})")),
            }
        };
        match (&r.event, r.task) {
            (Event::Spawn { .. }, Some(t)) if u64::from(t.0) < spawned => {
                let first = self.tasks[t.index()].spawned_at;
                return Err(format!("task {t} is spawned twice (first at record {first})"));
            }
            (Event::Spawn { .. }, Some(t)) if u64::from(t.0) > spawned => {
                return Err(format!(
                    "task {t} is spawned out of order: the executor numbers tasks in spawn order, so the next is #{spawned}"
                ));
            }
            (Event::Spawn { .. }, Some(_)) => {}
            (Event::Spawn { .. }, None) => return Err("a spawn that names no task".to_string()),
            (_, Some(t)) => known(t, "it concerns")?,
            (_, None) => {}
        }
        match &r.event {
            Event::Spawn { parent: Some(p), .. } => known(*p, "its parent is")?,
            Event::Wake { by: Some(b) } | Event::Cancel { by: Some(b) } => known(*b, "it names as its cause")?,
            Event::Join { target } => known(*target, "it awaits")?,
            Event::Fault {
                fault: Fault::Cancel { task } | Fault::SpuriousPoll { task } | Fault::FireTimeout { task },
            } => known(*task, "the fault hits")?,
            Event::NewResource { id, .. } => {
                let id = u64::from(id.0);
                if id < self.resources {
                    return Err(format!("resource r{id} is registered twice"));
                }
                if id > self.resources {
                    return Err(format!(
                        "resource r{id} is registered out of order: the executor numbers resources in registration order, so the next is r{}",
                        self.resources
                    ));
                }
            }
            Event::Resource { id, op } => {
                if u64::from(id.0) >= self.resources {
                    return Err(format!(
                        "an operation ({}) on resource {id}, which was never registered ({})",
                        op.name(),
                        match self.resources {
                            0 => "no resource is registered yet".to_string(),
                            n => format!("resources r0 to r{} are registered so far", n - 1),
                        }
                    ));
                }
                if let Op::Wake { waiter } = op {
                    known(*waiter, "the resource wakes")?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Nothing concerns a task after its exit but a timer of its that fires.
    fn after_exit(&self, r: &Record) -> Checked {
        let Some(t) = r.task else { return Ok(()) };
        let Some(exited) = self.tasks.get(t.index()).and_then(|f| f.exited_at) else { return Ok(()) };
        match r.event {
            Event::TimerFired | Event::Fault { fault: Fault::FireTimeout { .. } } => Ok(()),
            _ => Err(format!("task {t} exited at record {exited}, yet this {} concerns it", name(&r.event))),
        }
    }

    /// The step number goes up by one per step; says whether this record begins one.
    fn step_number(&self, r: &Record) -> Result<bool, String> {
        let last = self.last_step;
        if r.step < last {
            return Err(format!("the step goes backwards, from {last} to {}", r.step));
        }
        if r.step == last {
            return Ok(false);
        }
        if r.step - last > 1 {
            return Err(format!("the step jumps from {last} to {}: the executor numbers its steps one by one", r.step));
        }
        Ok(true)
    }

    fn time(&self, r: &Record) -> Checked {
        if r.time < self.last_time {
            return Err(format!("virtual time goes backwards, from {} to {}", self.last_time.0, r.time.0));
        }
        if r.time != self.last_time && self.step.is_some() {
            return Err(format!(
                "virtual time changes inside a step (from {} to {} ns): the clock advances only between steps",
                self.last_time.0, r.time.0
            ));
        }
        Ok(())
    }

    fn event(&mut self, r: &Record, begins: bool) -> Checked {
        match &r.event {
            Event::Poll => self.poll(r, begins),
            Event::Suspend => {
                let t = self.own(r)?;
                if let Some(Step::Drop { .. }) = self.step {
                    return Err(format!(
                        "task {t} suspends in a step that dropped its future: a cancelled task's step ends with its exit"
                    ));
                }
                self.step = None;
                Ok(())
            }
            Event::Exit { exit } => {
                let t = self.own(r)?;
                if let (Some(Step::Drop { .. }), Exit::Returned) = (self.step, exit) {
                    return Err(format!("task {t} returns in a step that dropped its future without polling it"));
                }
                let facts = &mut self.tasks[t.index()];
                facts.exited_at = Some(self.seen);
                facts.ready = false;
                self.step = None;
                Ok(())
            }
            Event::Sleep { until } => {
                let t = self.own(r)?;
                match *until < r.time {
                    true => Err(format!(
                        "task {t} sleeps until {} ns, before the instant it is at ({} ns)",
                        until.0, r.time.0
                    )),
                    false => Ok(()),
                }
            }
            Event::Join { .. } => self.own(r).map(drop),
            Event::NewResource { .. } => {
                self.own_or_executor(r)?;
                self.resources += 1;
                Ok(())
            }
            Event::Print { .. } | Event::Log { .. } | Event::Resource { .. } => self.own_or_executor(r),
            Event::Fault { fault: Fault::ForceYield } => self.own_or_executor(r),
            Event::Fault { fault } => self.injected(r, *fault),
            Event::Spawn { parent, .. } => {
                match (self.step, parent) {
                    (None, None) => {}
                    (Some(_), Some(p)) => self.caused_by(*p, "spawned")?,
                    (None, Some(p)) => {
                        return Err(format!(
                            "a task spawned by task {p} outside any step (a task spawns only while it runs)"
                        ))
                    }
                    (Some(open), None) => {
                        return Err(format!("a task spawned by nobody inside a step ({})", describe(open)))
                    }
                }
                self.tasks.push(Facts { spawned_at: self.seen, ready: true, cancel_requested: false, exited_at: None });
                Ok(())
            }
            Event::Wake { by } => {
                let t = task_of(r)?;
                if let Some(b) = by {
                    self.caused_by(*b, "woke")?;
                }
                let facts = &mut self.tasks[t.index()];
                if facts.ready {
                    return Err(format!(
                        "task {t} is woken while it is already ready: the executor records a wake only when it queues the task"
                    ));
                }
                facts.ready = true;
                Ok(())
            }
            Event::Cancel { by } => {
                let t = task_of(r)?;
                if let Some(b) = by {
                    self.caused_by(*b, "cancelled")?;
                }
                let facts = &mut self.tasks[t.index()];
                if facts.cancel_requested {
                    return Err(format!(
                        "task {t}'s cancellation is requested twice: the executor records only the first request"
                    ));
                }
                facts.cancel_requested = true;
                Ok(())
            }
            Event::TimerFired => {
                task_of(r)?;
                match self.step {
                    Some(open) => Err(format!(
                        "a timer fires inside a step ({}): timers fire when the clock advances, between steps",
                        describe(open)
                    )),
                    None => Ok(()),
                }
            }
        }
    }

    /// A `Poll`: the first record of a step, or a quiescence probe.
    fn poll(&mut self, r: &Record, begins: bool) -> Checked {
        let t = task_of(r)?;
        let facts = self.tasks[t.index()];
        if begins {
            if !facts.ready {
                return Err(format!("task {t} is polled, but it was not ready (spawned or woken since its last step)"));
            }
            if facts.cancel_requested {
                return Err(format!(
                    "task {t} is polled after its cancellation was requested: the executor drops a cancelled task's future instead"
                ));
            }
            self.tasks[t.index()].ready = false;
            return Ok(());
        }
        if let Some(open) = self.step {
            return Err(format!("task {t} is polled inside a step ({}): a step polls one task once", describe(open)));
        }
        if let Some(ready) = self.tasks.iter().position(|f| f.ready) {
            return Err(format!(
                "task {t} is polled without a new step while task #{ready} is ready: only the quiescence probe polls without a step, when nothing is ready"
            ));
        }
        self.step = Some(Step::Poll { task: t, probe: true });
        Ok(())
    }

    /// An event of the running task: returns it.
    fn own(&mut self, r: &Record) -> Result<TaskId, String> {
        let t = task_of(r)?;
        let what = name(&r.event);
        match self.step {
            None => Err(format!(
                "task {t}'s {what} outside any step: the executor records a task's own events only while it runs"
            )),
            Some(Step::Poll { task, .. } | Step::Drop { task: Some(task) }) if task != t => {
                Err(format!("task {t}'s {what} inside task {task}'s step"))
            }
            Some(Step::Drop { task: None }) => self.identify(t).map(|()| t),
            Some(_) => Ok(t),
        }
    }

    /// An event of the running task, or of nobody outside any step.
    fn own_or_executor(&mut self, r: &Record) -> Checked {
        match (r.task, self.step) {
            (Some(_), _) => self.own(r).map(drop),
            (None, None) => Ok(()),
            (None, Some(open)) => Err(format!(
                "a {} of no task inside a step ({}): inside a step every event names its task",
                name(&r.event),
                describe(open)
            )),
        }
    }

    /// `cause` woke, cancelled or spawned another task: it must be the running task.
    fn caused_by(&mut self, cause: TaskId, did: &str) -> Checked {
        match self.step {
            None => Err(format!("task {cause} {did} a task outside any step (only a running task does)")),
            Some(Step::Poll { task, .. } | Step::Drop { task: Some(task) }) if task != cause => {
                Err(format!("task {cause} {did} a task inside task {task}'s step"))
            }
            Some(Step::Drop { task: None }) => self.identify(cause),
            Some(_) => Ok(()),
        }
    }

    /// The task of a step that began without a poll becomes known: it must be a ready task whose
    /// cancellation was requested.
    fn identify(&mut self, t: TaskId) -> Checked {
        let facts = &mut self.tasks[t.index()];
        if !facts.cancel_requested {
            return Err(format!(
                "task {t} runs in a step that began without its poll, which only a cancelled task's step does, but its cancellation was never requested"
            ));
        }
        if !facts.ready {
            return Err(format!("task {t}'s cancelled future is dropped, but the task was not ready"));
        }
        facts.ready = false;
        self.step = Some(Step::Drop { task: Some(t) });
        Ok(())
    }

    /// A fault the strategy injected before a step.
    fn injected(&mut self, r: &Record, fault: Fault) -> Checked {
        let target = match fault {
            Fault::Cancel { task } | Fault::SpuriousPoll { task } | Fault::FireTimeout { task } => task,
            Fault::ForceYield => return self.own_or_executor(r),
        };
        if let Some(open) = self.step {
            return Err(format!(
                "a fault is injected inside a step ({}): faults are injected between steps",
                describe(open)
            ));
        }
        if r.task != Some(target) {
            return Err(format!("the fault on task {target} is recorded as concerning {}", who(r.task)));
        }
        let exited = self.tasks[target.index()].exited_at;
        if let (Some(at), Fault::Cancel { .. } | Fault::SpuriousPoll { .. }) = (exited, fault) {
            return Err(format!("a fault hits task {target}, which exited at record {at}"));
        }
        self.faults_before_step += 1;
        if self.faults_before_step > 1 {
            return Err("two faults are injected before one step: the executor offers one per step".to_string());
        }
        Ok(())
    }
}

/// The task a record concerns, which this kind of event must name.
fn task_of(r: &Record) -> Result<TaskId, String> {
    r.task.ok_or_else(|| format!("a {} that names no task", name(&r.event)))
}

fn who(task: Option<TaskId>) -> String {
    task.map_or_else(|| "no task".to_string(), |t| format!("task {t}"))
}

fn describe(step: Step) -> String {
    match step {
        Step::Poll { task, probe: false } => format!("task {task}'s"),
        Step::Poll { task, probe: true } => format!("the probe of task {task}"),
        Step::Drop { task: Some(task) } => format!("the drop of task {task}'s future"),
        Step::Drop { task: None } => "the drop of a cancelled task's future".to_string(),
    }
}

/// The event's kind, as JSON names it.
fn name(event: &Event) -> &'static str {
    match event {
        Event::Spawn { .. } => "spawn",
        Event::Poll => "poll",
        Event::Suspend => "suspend",
        Event::Wake { .. } => "wake",
        Event::Sleep { .. } => "sleep",
        Event::Join { .. } => "join",
        Event::TimerFired => "timer_fired",
        Event::Cancel { .. } => "cancel",
        Event::Exit { .. } => "exit",
        Event::Print { .. } => "print",
        Event::Log { .. } => "log",
        Event::NewResource { .. } => "new_resource",
        Event::Resource { .. } => "resource operation",
        Event::Fault { .. } => "fault",
    }
}

/// Checks every record of `trace` (not its header's strings, which only `weft-sim` can parse:
/// see `weft_sim::check_header`), and returns the first inconsistency.
///
/// ```
/// use weft_traces::check::consistency;
/// use weft_traces::{Event, Header, Record, TaskId, Time, Trace};
/// let mut trace = Trace::new(Header::new("demo"));
/// let main = Some(TaskId(0));
/// trace.push(Record::new(0, Time(5), main, Event::Spawn { name: "main".into(), parent: None }));
/// trace.push(Record::new(0, Time(2), main, Event::Print { text: "back in time".into() }));
/// let e = consistency(&trace).unwrap_err();
/// assert_eq!(e.record, Some(1));
/// assert!(e.problem.contains("virtual time goes backwards"));
/// ```
pub fn consistency(trace: &Trace) -> Result<(), Inconsistency> {
    let mut checker = Consistency::new();
    trace.events.iter().try_for_each(|r| checker.observe(r))
}
