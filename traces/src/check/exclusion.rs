//! Mutual exclusion and capacity: a resource never has more holders than it admits.
//!
//! Checked at each `Grant`: a unit must be free (`initial + releases - grants > 0` before it),
//! so no unit is granted twice and a resource never has more holders than its units: 1 for a
//! Lock, the initial value and every release since for a Semaphore (a plain Semaphore's extra
//! `release()` adds a unit, as in asyncio; a `Semaphore(0)` has none until released), what a
//! user declared for a resource of their own.

use super::resources::{Model, ResourceState};
use super::{Rule, Violation, ViolationKind};
use crate::event::Record;
use crate::ids::{ResourceId, TaskId};

/// The violation if granting `id` to `task` now exceeds its capacity.
#[inline]
pub(crate) fn on_grant(model: &Model, record: &Record, id: ResourceId, task: Option<TaskId>) -> Option<Violation> {
    let r = model.resource(id)?;
    let free = r.free()?;
    if free > 0 {
        return None;
    }
    report(model, record, r, task)
}

/// The violation of a grant of `r` with no unit free.
#[cold]
fn report(model: &Model, record: &Record, r: &ResourceState, task: Option<TaskId>) -> Option<Violation> {
    let id = r.id;
    let holders: Vec<String> = r.holders.iter().map(|t| model.task(*t)).collect();
    let holders = if holders.is_empty() { "others".to_string() } else { holders.join(", ") };
    let who = task.map_or("a task".to_string(), |t| model.task(t));
    let message = match (r.capacity, r.initial) {
        (Some(capacity), None) => format!(
            "{} admits {capacity} holder(s), but {who} was granted it while {holders} held it ({} grants, {} releases so far)",
            r.describe(),
            r.grants,
            r.releases
        ),
        (_, initial) => format!(
            "{} has no free unit ({} at the start, {} releases, {} grants so far), but {who} was granted one while {holders} held it: a unit was granted twice",
            r.describe(),
            initial.or(r.capacity).unwrap_or(0),
            r.releases,
            r.grants
        ),
    };
    Some(Violation::at(record, ViolationKind::MutualExclusion, Rule::Capacity, Some(id), message).about(task))
}
