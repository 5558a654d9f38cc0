//! Lost wake-ups, two ways.
//!
//! - **At every step's end** (work conservation, asyncio-semantics A.4 and E "Liveness"): for
//!   every held resource, the waiters with a wake-up in flight must cover its free units while
//!   live waiters remain unwoken: `min(free, waiters) <= in flight`. 3.13's Semaphore wakes one
//!   waiter per `release()` and, at every exit from `acquire` (granted or cancelled), as many
//!   as there are free permits; a Lock's release wakes its head. The one idle unit this allows
//!   is a *spare* one (`resources.rs`): released while no waiter was left unwoken, it may sit
//!   behind a woken waiter that a newcomer queued after ("new waiters may have arrived but had
//!   to wait due to FIFO"), until that waiter's exit hands it out. When the step just ended
//!   dropped a waiter that had been woken (a hand-off received, then cancelled), a miss is an
//!   `Accounting` violation: the hand-off did not reach the next waiter (BZ-L2, BZ-S1, BZ-S3).
//!   Otherwise it is a `LostWakeup`: units were freed and not enough waiters were told.
//! - **At quiescence** (nothing ready, no timer pending; the executor then polls each blocked task
//!   once, a *probe*): a task waiting on a resource that is available (a free unit; a set Event)
//!   lost its wake-up; so did a task whose probe makes progress (records anything, or finishes):
//!   what it waited for was there, but nobody woke it. Only if neither holds is it a deadlock.

use super::resources::{Model, Pending, ResourceState};
use super::{Rule, Violation, ViolationKind};
use crate::event::{Event, Record, ResourceKind};
use crate::ids::TaskId;

/// The work-conservation rule, at the end of `task`'s step.
#[inline]
pub(crate) fn at_step_end(model: &Model, record: &Record, task: TaskId) -> Option<Violation> {
    // Only resources touched in the step or that the task waits on are looked at: when there
    // are none (the task's own list of what it waits on mirrors the resources' lists), none.
    if !model.touched_any() && model.waits_of(task).pending.is_empty() {
        return None;
    }
    resources_at_step_end(model, record, task)
}

/// The rule over the resources touched in the step and those the task waits on (not every
/// resource: O(what the step did)); of those short, the one of lowest id is reported, as a
/// look over every resource in id order would. Inline in the step's end: the look finds
/// nothing short at almost every one, and the words are made out of line.
#[inline(always)]
fn resources_at_step_end(model: &Model, record: &Record, task: TaskId) -> Option<Violation> {
    let found = match model.step_end_scans_every_resource() {
        true => short_scanned(model, task),
        false => short_listed(model, task),
    };
    // The violation's words are made once, for the resource reported.
    resource_at_step_end(model, record, task, found?)
}

/// Whether `r`'s waiters lack wake-ups for its free units. Every waiter has a wake-up in
/// flight (or there are none), or no unit is free: nothing is short. These cheapest looks
/// first, as most steps end so ([`shortfall`] begins with the first too).
fn short(model: &Model, r: &ResourceState) -> bool {
    may_be_short(r) && falls_short(model, r)
}

/// Whether `r`'s waiters with a wake-up in flight fall short of its free units ([`shortfall`]),
/// once [`may_be_short`] has said they may.
fn falls_short(model: &Model, r: &ResourceState) -> bool {
    r.free().and_then(|f| shortfall(model, r, f)).is_some()
}

/// Whether `r` has a waiter without a wake-up in flight and a free unit: only then can it be
/// short. Two looks at its counts.
#[inline(always)]
fn may_be_short(r: &ResourceState) -> bool {
    r.waiters != r.waiters_in_flight && r.free().is_some_and(|f| f > 0)
}

/// The first resource in id order that is short, of those touched in the step or that `task`
/// waits on: a look over every resource.
pub(crate) fn short_scanned(model: &Model, task: TaskId) -> Option<&ResourceState> {
    // The cheapest looks first: most resources have every waiter woken, or none, or no unit
    // free; only then is the task's list of what it waits on read.
    model.resources.iter().find(|r| may_be_short(r) && model.looked_at_step_end(task, r) && falls_short(model, r))
}

/// The same, down the lists of the resources touched in the step and those `task` waits on.
pub(crate) fn short_listed(model: &Model, task: TaskId) -> Option<&ResourceState> {
    let mut found: Option<&ResourceState> = None;
    for r in model.step_end_resources(task) {
        if found.is_none_or(|f| r.id < f.id) && short(model, r) {
            found = Some(r);
        }
    }
    found
}

/// The rule for `r` (touched in the step, or waited on by `task`) at the end of `task`'s step:
/// the violation, in words (out of line: `r` was found short, which a correct run never is).
#[cold]
#[inline(never)]
fn resource_at_step_end(model: &Model, record: &Record, task: TaskId, r: &ResourceState) -> Option<Violation> {
    let free = r.free().filter(|f| *f > 0)?;
    let short = shortfall(model, r, free)?;
    let violation = match r.dropped_handoff.filter(|_| model.touched(r)) {
        Some(dropped) => dropped_handoff(model, record, r, &short, dropped),
        None => lost_wakeup(model, record, r, &short, task),
    };
    Some(violation.about(Some(short.starved.task)))
}

/// What a held resource's waiters lack at a step's end.
struct Shortfall<'a> {
    free: i128,
    /// Waiters whose tasks have not finished.
    waiters: usize,
    /// Those of them with a wake-up in flight.
    in_flight: usize,
    /// The first waiter without one.
    starved: &'a Pending,
}

/// `None` if `r`'s waiters with a wake-up in flight cover its `free` units (or every waiter
/// has one); otherwise the shortfall, naming the first waiter left unwoken.
fn shortfall<'a>(model: &Model, r: &'a ResourceState, free: i128) -> Option<Shortfall<'a>> {
    // From the resource's counts; the list is read only to name the starved waiter.
    let (waiters, in_flight) = (r.waiters as usize, r.waiters_in_flight as usize);
    if waiters == in_flight {
        return None;
    }
    // Spare units may wait behind a wake-up in flight, whose exit hands them out.
    let spare = if in_flight > 0 { i128::from(r.spare) } else { 0 };
    if free - in_flight as i128 <= spare {
        return None;
    }
    let starved =
        r.requests.iter().find(|p| model.suspended(p) && !model.exited(p.task) && !model.in_flight(p.task))?;
    Some(Shortfall { free, waiters, in_flight, starved })
}

/// How many of the waiters have a wake-up in flight, said against what the free units call for.
fn in_flight_words(short: &Shortfall<'_>) -> String {
    let needed = short.free.min(short.waiters as i128);
    match short.in_flight {
        0 => format!("none of its {} waiter(s) has a wake-up in flight", short.waiters),
        n => format!(
            "only {n} of its {} waiter(s) have a wake-up in flight, where its free units call for {needed} (as many wake-ups as free units)",
            short.waiters
        ),
    }
}

fn lost_wakeup(model: &Model, record: &Record, r: &ResourceState, short: &Shortfall<'_>, task: TaskId) -> Violation {
    let message = format!(
        "{} has {} free unit(s) at the end of {}'s step, but {} (waiting since step {}) was not woken: {}",
        r.describe(),
        short.free,
        model.task(task),
        model.task(short.starved.task),
        short.starved.step,
        in_flight_words(short)
    );
    Violation::at(record, ViolationKind::LostWakeup, Rule::Handoff, Some(r.id), message)
}

fn dropped_handoff(
    model: &Model,
    record: &Record,
    r: &ResourceState,
    short: &Shortfall<'_>,
    dropped: TaskId,
) -> Violation {
    let message = format!(
        "{} was woken with a hand-off of {} and withdrew, but the hand-off did not reach {}, still waiting (since step {}); {} unit(s) free, {}",
        model.task(dropped),
        r.describe(),
        model.task(short.starved.task),
        short.starved.step,
        short.free,
        in_flight_words(short)
    );
    Violation::at(record, ViolationKind::Accounting, Rule::DroppedHandoff, Some(r.id), message)
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
