//! FIFO fairness, for resources that promise it (`fifo: true`).
//!
//! Checked at each `Grant`, against the waiters listed before it:
//!
//! - **No barging**: a task whose request is granted in the same step it was made (a fast path)
//!   must find no live waiter. A woken waiter whose task has not run yet still counts: asyncio's
//!   `Lock.locked()` is false during that hand-off, yet a newcomer must queue behind it.
//! - **Grant order**: a waiter is granted only when every live waiter that began waiting before
//!   it has been granted, has withdrawn, or has a wake-up in flight (its task is ready). Several
//!   woken waiters of a Semaphore may then take their reserved permits in any order the
//!   scheduler runs them.
//!
//! A waiter whose task has a cancellation pending is not live: asyncio lets a newcomer pass a
//! cancelled waiter.

use super::resources::{Model, Pending};
use super::{Violation, ViolationKind};
use crate::event::Record;
use crate::ids::{ResourceId, TaskId};

/// The violation if granting `id` to `task` now passes over a live waiter.
pub(crate) fn on_grant(model: &Model, record: &Record, id: ResourceId, task: TaskId) -> Option<Violation> {
    let r = model.resource(id)?;
    if !r.fifo {
        return None;
    }
    let mine = r.requests.iter().find(|p| p.task == task)?;
    let live = |p: &&Pending| p.task != task && p.suspended && model.is_live(p.task);
    let (passed, how) = if mine.suspended {
        let passed = r.requests.iter().filter(live).find(|p| p.seq < mine.seq && !model.is_ready(p.task))?;
        (passed, "was granted it first, although")
    } else {
        let passed = r.requests.iter().find(live)?;
        (passed, "took it on the fast path (a newcomer barging), while")
    };
    Some(Violation {
        kind: ViolationKind::Fifo,
        step: record.step,
        time: record.time,
        task: Some(task),
        message: format!(
            "{} promises FIFO order, but {} {how} {} had been waiting since step {}{}",
            r.describe(),
            model.task(task),
            model.task(passed.task),
            passed.step,
            if passed.woken || model.is_ready(passed.task) {
                " (woken, its task not yet run)"
            } else {
                " and was not woken"
            }
        ),
    })
}
