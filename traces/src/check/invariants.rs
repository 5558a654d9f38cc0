//! [`Invariants`]: every rule of this module, as one online checker.

use super::resources::Model;
use super::{accounting, deadlock, exclusion, fifo, wakeup, Checker, Violation};
use crate::event::{Event, Exit, Op, Record};
use crate::ids::TaskId;
use std::any::Any;

/// All of weft's invariants over the event stream: mutual exclusion and capacity, FIFO
/// fairness, lost wake-ups (at every step's end and at quiescence, with the executor's probes),
/// deadlock with its wait-for cycle (at the step it forms, and at quiescence), accounting
/// (Event, Condition, Barrier, Queue), and panics.
///
/// [`Runtime::new()`](../../weft_sim/struct.Runtime.html) installs one per run; the offline
/// [`check`](super::check) runs one over a stored trace, so both give the same verdict.
///
/// ```
/// use weft_traces::check::Invariants;
/// use weft_traces::{Checker, Event, Op, Record, ResourceId, ResourceKind, TaskId, Time, ViolationKind};
///
/// let mut checker = Invariants::new();
/// let at = |step, task, event| Record::new(step, Time::ZERO, Some(TaskId(task)), event);
/// let lock = ResourceId(0);
/// let op = |op| Event::Resource { id: lock, op };
/// let events = [
///     at(0, 0, Event::Spawn { name: "a".into(), parent: None }),
///     at(0, 1, Event::Spawn { name: "b".into(), parent: None }),
///     at(1, 0, Event::Poll),
///     at(1, 0, Event::NewResource { id: lock, kind: ResourceKind::Lock, name: "l".into(), capacity: Some(1), initial: None, fifo: true }),
///     at(1, 0, op(Op::Request)),
///     at(1, 0, op(Op::Grant)),
///     at(1, 0, Event::Suspend),
///     at(2, 1, Event::Poll),
///     at(2, 1, op(Op::Request)),
///     at(2, 1, op(Op::Grant)), // a second holder of a Lock
/// ];
/// let found = events.iter().find_map(|r| checker.observe(r)).unwrap();
/// assert_eq!(found.kind, ViolationKind::MutualExclusion);
/// assert_eq!(found.step, 2);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Invariants {
    model: Model,
    probe: Option<Probe>,
    search: deadlock::Search,
}

/// A violation found inside the checker.
type Found = Option<Box<Violation>>;

/// The executor's probes at quiescence: each blocked task is polled once without a wake-up.
#[derive(Clone, Debug)]
struct Probe {
    current: Option<TaskId>,
}

impl Invariants {
    /// A checker that has seen nothing yet.
    ///
    /// ```
    /// let checker = weft_traces::check::Invariants::new();
    /// # let _ = checker;
    /// ```
    pub fn new() -> Invariants {
        Invariants::default()
    }

    /// Forgets everything it has seen, as [`Invariants::new`] would, keeping the room its model
    /// made (a simulator that runs many schedules reuses one checker instead of building one
    /// per run).
    ///
    /// ```
    /// use weft_traces::check::Invariants;
    /// use weft_traces::{Checker, Event, Record, TaskId, Time};
    /// let mut checker = Invariants::new();
    /// let spawn = Record::new(0, Time::ZERO, Some(TaskId(0)), Event::Spawn { name: "main".into(), parent: None });
    /// assert!(checker.observe(&spawn).is_none());
    /// checker.reset();
    /// assert!(checker.deadlock().is_none()); // main is forgotten: nothing is blocked
    /// ```
    pub fn reset(&mut self) {
        self.model.reset();
        self.probe = None;
    }

    /// The verdict at the end of a stored trace, after every record was observed: a trace that
    /// stops with tasks still ready ran out of steps (livelock); one that stops with tasks
    /// blocked and no probes recorded (checks were off) is a deadlock.
    pub(crate) fn finish(&mut self) -> Option<Violation> {
        let m = &self.model;
        let last = Record::new(m.last_step, m.last_time, None, Event::Suspend);
        if m.ready_count > 0 {
            let ready: Vec<String> = m.ready().iter().map(|t| format!("'{}'", m.tasks[t.index()].name)).collect();
            return Some(Violation::livelock(m.last_step, m.last_time, &ready));
        }
        if m.unfinished().is_empty() {
            return None;
        }
        Some(deadlock::report(m, &last))
    }

    /// The deadlock report at quiescence, once the executor's probes found no lost wake-up:
    /// the wait-for cycle in words and every blocked task with what it waits on (a resource, and
    /// who holds it; or another task's end), a screenful of them, all read from the events, so a
    /// stored trace gives the same report. `None` if no task is blocked.
    ///
    /// ```
    /// let checker = weft_traces::check::Invariants::new();
    /// assert!(checker.deadlock().is_none());
    /// ```
    pub fn deadlock(&self) -> Option<Violation> {
        let m = &self.model;
        if m.unfinished().is_empty() {
            return None;
        }
        let last = Record::new(m.last_step, m.last_time, None, Event::Suspend);
        Some(deadlock::report(m, &last))
    }

    /// Rules that read the model as it was before `record`. (Violations travel boxed inside
    /// the checker: a pointer-sized `None` on the hot path.)
    fn before(&mut self, record: &Record) -> Found {
        if self.probe.is_some() || matches!(record.event, Event::Poll) {
            if let Some(v) = self.probing(record) {
                return Some(Box::new(v));
            }
        }
        let Event::Resource { id, op } = &record.event else {
            return None;
        };
        match (op, record.task) {
            (Op::Grant, task) => exclusion::on_grant(&self.model, record, *id, task)
                .or_else(|| fifo::on_grant(&self.model, record, *id, task?))
                .map(Box::new),
            (Op::Wait | Op::Release | Op::Arrive { .. } | Op::Put { .. } | Op::Get { .. }, _) => {
                accounting::before_op(&self.model, record, *id, op).map(Box::new)
            }
            _ => None,
        }
    }

    /// Quiescence and probes: a poll of a task that was not woken, while no task is ready, is
    /// the executor's probe.
    fn probing(&mut self, record: &Record) -> Option<Violation> {
        let task = record.task;
        if let (Event::Poll, Some(t)) = (&record.event, task) {
            if self.model.ready_count == 0 {
                let first = self.probe.is_none();
                let probe = self.probe.get_or_insert(Probe { current: None });
                probe.current = Some(t);
                if first {
                    return wakeup::at_quiescence(&self.model, record);
                }
                return None;
            }
        }
        let probe = self.probe.as_mut()?;
        let probed = probe.current?;
        if task == Some(probed) {
            match record.event {
                Event::Suspend => {
                    probe.current = None;
                    return None;
                }
                // Still awaiting the same task's end: a wait declared again, not progress.
                Event::Join { .. } => return None,
                _ => {}
            }
        }
        Some(wakeup::probe_progressed(&self.model, record, probed))
    }

    /// Rules that read the model after `record`.
    fn after(&mut self, record: &Record) -> Found {
        match (&record.event, record.task) {
            (Event::Exit { exit: Exit::Panicked { message, location } }, Some(t)) => {
                let name = self.model.tasks[t.index()].name.to_string();
                let v = Violation::panic(record.step, record.time, t, &name, message, location.as_deref());
                Some(Box::new(v))
            }
            (Event::Suspend | Event::Exit { .. }, Some(t)) => {
                let found = wakeup::at_step_end(&self.model, record, t)
                    .or_else(|| {
                        let waits = self.model.has_wait_rules;
                        waits.then(|| accounting::at_step_end(&self.model, record, t)).flatten()
                    })
                    .or_else(|| self.deadlock_at_step_end(record, t))
                    .map(Box::new);
                self.model.clear_step();
                found
            }
            _ => None,
        }
    }
}

impl Invariants {
    /// The deadlock rule, where the wait-for graph may have closed: the task whose step ended
    /// blocked, and blocked tasks whose last timer the clock passed (not during the probes).
    fn deadlock_at_step_end(&mut self, record: &Record, task: TaskId) -> Option<Violation> {
        if self.probe.is_some() {
            return None;
        }
        // A task that waits on nothing cannot be in a knot (the rule's own first look, made
        // here without a call: most steps end so).
        let found = match self.model.is_blocked(task) {
            true => deadlock::at_step_end(&self.model, &mut self.search, record, task),
            false => None,
        };
        if self.model.timer_expired.is_empty() {
            return found;
        }
        // Looked at once, then forgotten (the list keeps its room).
        let mut expired = std::mem::take(&mut self.model.timer_expired);
        let found = found
            .or_else(|| expired.iter().find_map(|&t| deadlock::at_step_end(&self.model, &mut self.search, record, t)));
        expired.clear();
        self.model.timer_expired = expired;
        found
    }
}

impl Invariants {
    /// Every rule on `record`: those that read the model before it, the model's update, those
    /// that read it after.
    #[inline(never)]
    fn observe_all(&mut self, record: &Record) -> Option<Violation> {
        let found = self.before(record);
        self.model.apply(record);
        let after = self.after(record);
        found.or(after).map(|v| *v)
    }
}

impl Checker for Invariants {
    /// The events no rule reads before or after them outside the probes at quiescence (a
    /// `Spawn`, a `Wake`; a `Poll` while tasks are ready) only update the model, in a few
    /// instructions; every other goes through all the rules.
    #[inline]
    fn observe(&mut self, record: &Record) -> Option<Violation> {
        if self.probe.is_none() {
            match (&record.event, record.task) {
                (Event::Poll, Some(t)) if self.model.ready_count != 0 => {
                    self.model.stamp(record);
                    self.model.polled(t);
                    return None;
                }
                (Event::Wake { .. }, Some(t)) => {
                    self.model.stamp(record);
                    self.model.make_ready(t);
                    return None;
                }
                (Event::Spawn { name, .. }, Some(t)) => {
                    self.model.stamp(record);
                    self.model.spawned(t, name);
                    return None;
                }
                _ => {}
            }
        }
        self.observe_all(record)
    }

    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
}
