//! Lost wake-ups, two ways.
//!
//! - **At every step's end** (hand-off rule, asyncio-semantics E "Liveness"): a held resource
//!   with free units and waiters must have a wake-up in flight to one of them (its task ready);
//!   that waiter hands out whatever is still free when it runs (3.13's Semaphore `finally`
//!   loop), so one is enough. When the step just ended dropped a waiter that had been woken
//!   (a hand-off received, then cancelled), a miss is an `Accounting` violation: the hand-off did
//!   not reach the next waiter (BZ-L2, BZ-S1, BZ-S3). Otherwise it is a `LostWakeup`: a unit was
//!   freed and nobody was told.
//! - **At quiescence** (nothing ready, no timer pending; the executor then polls each blocked task
//!   once, a *probe*): a task waiting on a resource that is available (a free unit; a set Event)
//!   lost its wake-up; so did a task whose probe makes progress (records anything, or finishes):
//!   what it waited for was there, but nobody woke it. Only if neither holds is it a deadlock.

use super::resources::Model;
use super::{Rule, Violation, ViolationKind};
use crate::event::{Event, Record, ResourceKind};
use crate::ids::TaskId;

/// The hand-off rule, at the end of `task`'s step.
pub(crate) fn at_step_end(model: &Model, record: &Record, task: TaskId) -> Option<Violation> {
    for r in &model.resources {
        let Some(free) = r.free().filter(|f| *f > 0) else {
            continue;
        };
        if !model.touched(r) && r.pending_of(task).is_none() {
            continue;
        }
        let mut waiters = r.requests.iter().filter(|p| model.suspended(p) && !model.exited(p.task));
        if waiters.clone().next().is_none() || waiters.clone().any(|p| model.is_ready(p.task)) {
            continue;
        }
        // A waiter with a wake-up in flight hands out what is free when its task runs (3.13's
        // `finally: while self._value > 0: self._wake_up_next()`; a Lock has one unit): a
        // newcomer may queue behind it with a permit free ("new waiters may have arrived but
        // had to wait due to FIFO"). A wake-up is lost only when none is in flight.
        let count = waiters.clone().count();
        let starved = waiters.next()?;
        let (kind, rule, message) = match r.dropped_handoff.filter(|_| model.touched(r)) {
            Some(dropped) => (
                ViolationKind::Accounting,
                Rule::DroppedHandoff,
                format!(
                    "{} was woken with a hand-off of {} and withdrew, but the hand-off did not reach {}, still waiting (since step {}); {free} unit(s) free, no waiter woken",
                    model.task(dropped),
                    r.describe(),
                    model.task(starved.task),
                    starved.step
                ),
            ),
            None => (
                ViolationKind::LostWakeup,
                Rule::Handoff,
                format!(
                    "{} has {free} free unit(s) at the end of {}'s step, but {} (waiting since step {}) was not woken: none of its {count} waiter(s) has a wake-up in flight",
                    r.describe(),
                    model.task(task),
                    model.task(starved.task),
                    starved.step
                ),
            ),
        };
        return Some(Violation::at(record, kind, rule, Some(r.id), message).about(Some(starved.task)));
    }
    None
}

/// At quiescence: a blocked task whose resource is available lost its wake-up.
pub(crate) fn at_quiescence(model: &Model, record: &Record) -> Option<Violation> {
    for task in model.unfinished() {
        for w in &model.waits_of(task).pending {
            let Some(r) = model.resource(w.id) else {
                continue;
            };
            let available = if w.request {
                r.free().filter(|f| *f > 0).map(|f| format!("has {f} free unit(s)"))
            } else if r.kind == ResourceKind::Event && r.set {
                Some("is set".to_string())
            } else {
                None
            };
            if let Some(available) = available {
                let list = if w.request { &r.requests } else { &r.waits };
                let Some(p) = list.iter().find(|p| p.task == task) else {
                    continue;
                };
                let message = format!(
                    "nothing is ready and no timer is pending, but {} waits (since step {}) on {}, which {available}: its wake-up was lost",
                    model.task(task),
                    p.step,
                    r.describe()
                );
                let rule = Rule::AvailableAtQuiescence;
                return Some(
                    Violation::at(record, ViolationKind::LostWakeup, rule, Some(r.id), message).about(Some(task)),
                );
            }
        }
    }
    None
}

/// A probe of `task` made progress: `record` is what it did.
pub(crate) fn probe_progressed(model: &Model, record: &Record, task: TaskId) -> Violation {
    let what = match &record.event {
        Event::Exit { .. } => "finished".to_string(),
        Event::Resource { id, op } => {
            let name = model.resource(*id).map_or(format!("resource {id}"), |r| r.describe());
            format!("did `{}` on {name}", op.name())
        }
        Event::Wake { .. } => format!("woke {}", record.task.map_or("a task".to_string(), |t| model.task(t))),
        other => format!("recorded {other:?}"),
    };
    let waited = model.resources.iter().find_map(|r| r.pending_of(task).map(|p| (r, p.step)));
    let waits = waited.map(|(r, step)| format!(" waiting on {} since step {step}", r.describe())).unwrap_or_default();
    let message = format!(
        "nothing is ready and no timer is pending, but a spurious poll of {}{waits} made progress (it {what}): what it waited for was available and its wake-up was lost",
        model.task(task)
    );
    let resource = waited.map(|(r, _)| r.id);
    Violation::at(record, ViolationKind::LostWakeup, Rule::ProbeProgressed, resource, message).about(Some(task))
}
