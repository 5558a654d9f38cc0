//! FIFO fairness, for resources that promise it (`fifo: true`).
//!
//! Checked at each `Grant`, against the waiters listed before it:
//!
//! - **No barging**: a task whose request is granted in the same step it was made (a fast path)
//!   must find no live waiter still waiting to be woken, and must not take a unit in flight to a
//!   woken waiter whose task has not run yet: asyncio's `Lock.locked()` is false during that
//!   hand-off, yet a newcomer must queue behind it. (A newcomer may take a Semaphore permit that
//!   is free beyond those in flight, as tokio's fair Semaphore allows; CPython's own Semaphore is
//!   stricter, and its conformance tests say so.)
//! - **Grant order**: a waiter is granted only when every live waiter that began waiting before
//!   it has been granted, has withdrawn, or has a wake-up in flight (its task is ready). Several
//!   woken waiters of a Semaphore may then take their reserved permits in any order the
//!   scheduler runs them.
//!
//! A waiter whose task has a cancellation pending is not live: asyncio lets a newcomer pass a
//! cancelled waiter.

use super::resources::{Model, Pending, ResourceState};
use super::{Rule, Violation, ViolationKind};
use crate::event::Record;
use crate::ids::{ResourceId, TaskId};

/// The violation if granting `id` to `task` now passes over a live waiter.
#[inline]
pub(crate) fn on_grant(model: &Model, record: &Record, id: ResourceId, task: TaskId) -> Option<Violation> {
    let r = model.resource(id)?;
    // A grant with no other request listed passes nobody (the uncontended acquire: one look,
    // where the grant is checked).
    if !r.fifo || r.requests.len() <= 1 {
        return None;
    }
    contended_grant(model, record, r, task)
}

/// [`on_grant`] when other requests are listed: its quick looks, then the walk of the queue.
#[inline(never)]
fn contended_grant(model: &Model, record: &Record, r: &ResourceState, task: TaskId) -> Option<Violation> {
    if passes_nobody(model, r, task) {
        return None;
    }
    walked(model, record, r, task)
}

/// Whether the grant to `task` surely passes nobody, seen in one look: a grant to the waiter at
/// the head of the queue; or a newcomer's (its request the last, not yet a waiter) while no
/// waiter is left unwoken and the units left after it cover every wake-up in flight, by the
/// resource's counts (its waiters with no wake-up in flight are the live ones left unwoken; the
/// woken live ones are at most those in flight). `false` says nothing: the walk decides.
#[inline]
pub(crate) fn passes_nobody(model: &Model, r: &ResourceState, task: TaskId) -> bool {
    if r.requests.front().is_some_and(|p| p.task == task && model.suspended(p)) {
        return true;
    }
    let newcomer = r.requests.back().is_some_and(|p| p.task == task && !model.suspended(p));
    newcomer && r.waiters == r.waiters_in_flight && r.free().is_some_and(|free| free > i128::from(r.waiters_in_flight))
}

/// [`on_grant`] when other requests are listed, down the queue: the rule's definition.
pub(crate) fn walked(model: &Model, record: &Record, r: &ResourceState, task: TaskId) -> Option<Violation> {
    let id = r.id;
    // The list is in the order the requests began: those before the grantee's began before it.
    let at = r.requests.iter().position(|p| p.task == task)?;
    let mine = &r.requests[at];
    let live = |p: &&Pending| p.task != task && model.suspended(p) && model.is_live(p.task);
    let (passed, how, rule) = if model.suspended(mine) {
        let passed = r.requests.range(..at).filter(live).find(|p| !model.is_ready(p.task))?;
        (passed, "was granted it first, although", Rule::GrantOrder)
    } else {
        // A newcomer may take a unit only if no live waiter is still waiting unwoken, and the
        // units in flight to woken waiters stay free for them.
        let waiting = r.requests.iter().filter(live);
        let mut woken = waiting.clone().filter(|p| model.is_ready(p.task));
        let free_after = r.free().unwrap_or(0) - 1;
        let passed = match waiting.clone().find(|p| !model.is_ready(p.task)) {
            Some(unwoken) => unwoken,
            None if free_after < woken.clone().count() as i128 => woken.next()?,
            None => return None,
        };
        (passed, "took it on the fast path (a newcomer barging), while", Rule::Barging)
    };
    let message = format!(
        "{} promises FIFO order, but {} {how} {} had been waiting since step {}{}",
        r.describe(),
        model.task(task),
        model.task(passed.task),
        passed.step,
        if model.woken(passed.task, id, true) || model.is_ready(passed.task) {
            " (woken, its task not yet run)"
        } else {
            " and was not woken"
        }
    );
    Some(Violation::at(record, ViolationKind::Fifo, rule, Some(id), message).about(Some(task)))
}
