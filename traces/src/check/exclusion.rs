//! Mutual exclusion and capacity: a resource never has more holders than it admits.
//!
//! Checked at each `Grant`: after it, `grants - releases` must not exceed the capacity the
//! resource declared (1 for a Lock, the initial value for a Semaphore, what a user gave a
//! foreign resource). A plain Semaphore's extra `release()` adds a unit, as in asyncio.

use super::resources::Model;
use super::{Rule, Violation, ViolationKind};
use crate::event::Record;
use crate::ids::{ResourceId, TaskId};

/// The violation if granting `id` to `task` now exceeds its capacity.
pub(crate) fn on_grant(model: &Model, record: &Record, id: ResourceId, task: Option<TaskId>) -> Option<Violation> {
    let r = model.resource(id)?;
    let free = r.free()?;
    if free > 0 {
        return None;
    }
    let holders: Vec<String> = r.holders.iter().map(|t| model.task(*t)).collect();
    let who = task.map_or("a task".to_string(), |t| model.task(t));
    let message = format!(
        "{} admits {} holder(s), but {who} was granted it while {} held it ({} grants, {} releases so far)",
        r.describe(),
        r.capacity.unwrap_or(0),
        if holders.is_empty() { "others".to_string() } else { holders.join(", ") },
        r.grants,
        r.releases
    );
    Some(Violation::at(record, ViolationKind::MutualExclusion, Rule::Capacity, Some(id), message).about(task))
}
