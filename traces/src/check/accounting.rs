//! Accounting: each primitive's bookkeeping adds up.
//!
//! - **Event**: every task waiting when `set()` runs is woken by the end of that step, and
//!   returns (`Resume`) in its own next step, even if `clear()` ran in between: it never waits
//!   again on that set.
//! - **Condition**: a notified waiter either returns (`Resume`) or, when it is cancelled,
//!   passes its notification on: by the end of that step another waiter, of those waiting when
//!   it withdrew, is woken.
//! - **Barrier**: indices handed out in one cycle are unique among the tasks still inside it,
//!   and below `parties` (CPython reuses them, gh-155233; weft does not).
//! - **Queue**: items are conserved (each `put` adds one, each `get` takes one) and the size
//!   never exceeds `maxsize`.
//! - **Units are conserved**: a held resource with a capacity is never given back more units
//!   than it has (`free <= capacity` after every `Release`: a Lock is never released more often
//!   than granted, a BoundedSemaphore never above its bound). A resource with no capacity (a
//!   plain Semaphore, whose extra `release()` adds a permit, as in asyncio) has no such bound.
//!   Beyond that, `holders + free + reserved = initial + releases - acquires` reduces, from the
//!   events alone, to the capacity rule (`exclusion`: no unit is granted while none is free)
//!   and the work-conservation rule (`wakeup`), which read the same counts.

use super::resources::{Model, Pending, ResourceState};
use super::{Rule, Violation, ViolationKind};
use crate::event::{Op, Record, ResourceKind};
use crate::ids::{ResourceId, TaskId};

fn violation(record: &Record, rule: Rule, id: ResourceId, task: Option<TaskId>, message: String) -> Violation {
    Violation::at(record, ViolationKind::Accounting, rule, Some(id), message).about(task)
}

/// The conservation rule at a `Release` of `id` (before it is applied): a resource with a
/// capacity never gets back more units than it has.
#[inline]
pub(crate) fn on_release(model: &Model, record: &Record, id: ResourceId) -> Option<Violation> {
    let r = model.resource(id)?;
    let (capacity, free) = (r.capacity?, r.free()?);
    if free < i128::from(capacity) {
        return None;
    }
    Some(release_report(model, record, r, capacity))
}

/// The violation of a `Release` of `r` with every unit free already.
#[cold]
fn release_report(model: &Model, record: &Record, r: &ResourceState, capacity: u64) -> Violation {
    let (id, task) = (r.id, record.task);
    let who = || task.map_or("a task".to_string(), |t| model.task(t));
    let message = match r.initial {
        None => format!(
            "{} released {} more often than it was granted ({} grants, {} releases before this one): a unit was made out of nothing",
            who(),
            r.describe(),
            r.grants,
            r.releases
        ),
        Some(initial) => format!(
            "{} released {}, whose {capacity} unit(s) were all free already ({initial} at the start, {} grants, {} releases before this one): a unit was made out of nothing",
            who(),
            r.describe(),
            r.grants,
            r.releases
        ),
    };
    violation(record, Rule::Conservation, id, task, message)
}

/// Rules read before `op` is applied.
pub(crate) fn before_op(model: &Model, record: &Record, id: ResourceId, op: &Op) -> Option<Violation> {
    let r = model.resource(id)?;
    let task = record.task;
    let who = || task.map_or("a task".to_string(), |t| model.task(t));
    match op {
        Op::Wait if r.kind == ResourceKind::Event => {
            let p = r.pending_of(task?)?;
            let set_at = p.set_at?;
            Some(violation(record, Rule::EventSet, id, task, format!(
                "{} was waiting on {} when it was set at step {set_at}, but waits again instead of returning: that set() was lost",
                who(),
                r.describe()
            )))
        }
        Op::Release => on_release(model, record, id),
        Op::Arrive { index } => {
            if let Some((_, other)) = r.cycle.iter().find(|(i, _)| i == index) {
                return Some(violation(record, Rule::BarrierIndex, id, task, format!(
                    "{} got index {index} from {}, already held by {} in this cycle: Barrier indices must be unique within a cycle",
                    who(),
                    r.describe(),
                    model.task(*other)
                )));
            }
            let parties = r.capacity?;
            (*index >= parties).then(|| {
                violation(
                    record,
                    Rule::BarrierIndex,
                    id,
                    task,
                    format!("{} got index {index} from {}, which has only {parties} parties", who(), r.describe()),
                )
            })
        }
        Op::Put { size } | Op::Get { size } => {
            let (verb, expected) = match (op, r.size) {
                (Op::Put { .. }, Some(prev)) => ("put", Some(prev + 1)),
                (_, Some(prev)) => ("get", prev.checked_sub(1)),
                _ => ("", None),
            };
            if r.size.is_some() && expected != Some(*size) {
                return Some(violation(
                    record,
                    Rule::QueueItems,
                    id,
                    task,
                    format!(
                        "{} held {} item(s); after a {verb} by {} it reports {size}: items were lost or duplicated",
                        r.describe(),
                        r.size.unwrap_or(0),
                        who()
                    ),
                ));
            }
            let max = r.capacity.filter(|c| *c > 0)?;
            (*size > max).then(|| {
                violation(
                    record,
                    Rule::QueueItems,
                    id,
                    task,
                    format!(
                        "{} holds {size} item(s) after a put by {}, more than its maxsize {max}",
                        r.describe(),
                        who()
                    ),
                )
            })
        }
        _ => None,
    }
}

/// Rules read at the end of `task`'s step, over the Events and Conditions touched in the step
/// or that the task waits on; of those broken, the one of lowest id is reported.
pub(crate) fn at_step_end(model: &Model, record: &Record, task: TaskId) -> Option<Violation> {
    match model.step_end_scans_every_resource() {
        true => at_step_end_scanned(model, record, task),
        false => at_step_end_listed(model, record, task),
    }
}

/// [`at_step_end`] by a look over every resource, in id order (no more work than the lists
/// when the run has no more resources than they hold).
pub(crate) fn at_step_end_scanned(model: &Model, record: &Record, task: TaskId) -> Option<Violation> {
    let looked_at = |r: &&ResourceState| model.looked_at_step_end(task, r);
    model.resources.iter().filter(looked_at).find_map(|r| resource_at_step_end(model, record, task, r))
}

/// [`at_step_end`] down the lists of the resources touched in the step and those the task
/// waits on (not every resource: O(what the step did)).
pub(crate) fn at_step_end_listed(model: &Model, record: &Record, task: TaskId) -> Option<Violation> {
    let mut found: Option<(ResourceId, Violation)> = None;
    for r in model.step_end_resources(task) {
        if found.as_ref().is_some_and(|(id, _)| *id <= r.id) {
            continue;
        }
        if let Some(v) = resource_at_step_end(model, record, task, r) {
            found = Some((r.id, v));
        }
    }
    found.map(|(_, v)| v)
}

/// The rules for `r` at the end of `task`'s step.
fn resource_at_step_end(model: &Model, record: &Record, task: TaskId, r: &ResourceState) -> Option<Violation> {
    match r.kind {
        ResourceKind::Event => {
            for p in r.waits.iter().filter(|p| p.set_at.is_some()) {
                let set_at = p.set_at.unwrap_or_default();
                if p.task == task {
                    return Some(violation(
                        record,
                        Rule::EventSet,
                        r.id,
                        Some(task),
                        format!(
                        "{} was waiting on {} when it was set at step {set_at}, but its step ended without returning",
                        model.task(task),
                        r.describe()
                    ),
                    ));
                }
                if !model.is_ready(p.task) && !model.exited(p.task) {
                    return Some(violation(
                        record,
                        Rule::EventSet,
                        r.id,
                        Some(p.task),
                        format!(
                            "{} was set at step {set_at} while {} waited, but that waiter was not woken",
                            r.describe(),
                            model.task(p.task)
                        ),
                    ));
                }
            }
        }
        ResourceKind::Condition => {
            let dropped = r.dropped_handoff.filter(|_| model.touched(r))?;
            // A waiter whose task is being cancelled is not live: asyncio's `_notify` skips
            // its cancelled future, so the forwarded notification rightly reaches nobody.
            // The notification is owed to the waiters listed when it was dropped: a wait of
            // the dropping task itself began after (its abandoned one was its only one here),
            // as when a timed-out waiter waits again at once.
            let owed = |p: &&Pending| p.task != dropped && !model.woken(p.task, r.id, false) && model.is_live(p.task);
            if let Some(left) = r.waits.iter().find(owed) {
                return Some(violation(record, Rule::Notification, r.id, Some(left.task), format!(
                    "{} was notified on {} and withdrew without passing the notification on; {} still waits (since step {})",
                    model.task(dropped),
                    r.describe(),
                    model.task(left.task),
                    left.step
                )));
            }
        }
        _ => {}
    }
    None
}
