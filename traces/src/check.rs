//! Violations and the [`Checker`] hook: invariants read the event stream, online during a run
//! (the simulator stops at the first violation) and offline over a stored trace ([`check`]).
//!
//! The checkers work on *resources* (see `resources.rs`): anything that speaks the resource
//! protocol of [`Op`](crate::Op) (`Request`, `Grant`, `Release`, `Abandon`, `Wake`) or the
//! wait protocol (`Wait`, `Resume`). weft's primitives describe themselves; a foreign primitive
//! is described with [`foreign::Resource`](crate::foreign::Resource). The rules, one file each:
//!
//! | rule | kind | file |
//! |---|---|---|
//! | never more holders than the capacity | [`ViolationKind::MutualExclusion`] | `exclusion.rs` |
//! | grants in waiting order, no barging (resources that promise FIFO) | [`ViolationKind::Fifo`] | `fifo.rs` |
//! | free units reach waiters by each step's end; nothing available to a blocked task at quiescence; no probe progresses | [`ViolationKind::LostWakeup`] | `wakeup.rs` |
//! | hand-offs and notifications passed on; units conserved; Event, Barrier, Queue bookkeeping | [`ViolationKind::Accounting`] | `accounting.rs` |
//! | blocked tasks with their wait-for graph | [`ViolationKind::Deadlock`] | `deadlock.rs` |
//!
//! [`Invariants`] applies them all; [`check`] runs it over a stored trace.

mod accounting;
mod deadlock;
mod exclusion;
mod fifo;
mod invariants;
mod offline;
mod resources;
mod wakeup;

pub use invariants::Invariants;
pub use offline::check;

use crate::event::Record;
use crate::ids::{TaskId, Time};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which rule a run broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ViolationKind {
    /// A task panicked (the program's own assertion failed).
    Panic,
    /// The run exceeded its step budget.
    Livelock,
    /// Nothing ready, no timer pending, and tasks still blocked.
    Deadlock,
    /// A blocked task could have progressed: its wake-up was lost.
    LostWakeup,
    /// More holders than a resource admits.
    MutualExclusion,
    /// A waiter was passed over by a later one on a resource that promises FIFO.
    Fifo,
    /// A resource's bookkeeping does not add up (permits, hand-offs, notifications, items).
    Accounting,
}

impl ViolationKind {
    /// The kebab-case name, as in JSON and reports.
    pub fn name(self) -> &'static str {
        match self {
            ViolationKind::Panic => "panic",
            ViolationKind::Livelock => "livelock",
            ViolationKind::Deadlock => "deadlock",
            ViolationKind::LostWakeup => "lost-wakeup",
            ViolationKind::MutualExclusion => "mutual-exclusion",
            ViolationKind::Fifo => "fifo",
            ViolationKind::Accounting => "accounting",
        }
    }
}

/// A broken rule, with where it broke.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub kind: ViolationKind,
    /// The step at which it was detected.
    pub step: u64,
    pub time: Time,
    /// The task most concerned, if one is.
    pub task: Option<TaskId>,
    /// What went wrong, in words naming the tasks and resources.
    pub message: String,
}

impl Violation {
    /// A task panicked: the program's own assertion failed.
    ///
    /// ```
    /// use weft_traces::{TaskId, Time, Violation};
    /// let v = Violation::panic(3, Time::ZERO, TaskId(1), "worker", "boom");
    /// assert_eq!(v.message, "task 'worker' (#1) panicked: boom");
    /// ```
    pub fn panic(step: u64, time: Time, task: TaskId, name: &str, message: &str) -> Violation {
        Violation {
            kind: ViolationKind::Panic,
            step,
            time,
            task: Some(task),
            message: match name {
                "" => format!("task {task} panicked: {message}"),
                _ => format!("task '{name}' ({task}) panicked: {message}"),
            },
        }
    }

    /// The run took `step` steps without finishing; `ready` names the tasks still ready
    /// (quoted), in ready-queue order.
    ///
    /// ```
    /// use weft_traces::{Time, Violation, ViolationKind};
    /// let v = Violation::livelock(100, Time::ZERO, &["'spinner'".to_string()]);
    /// assert_eq!(v.kind, ViolationKind::Livelock);
    /// assert!(v.message.contains("'spinner'"));
    /// ```
    pub fn livelock(step: u64, time: Time, ready: &[String]) -> Violation {
        Violation {
            kind: ViolationKind::Livelock,
            step,
            time,
            task: None,
            message: format!(
                "the run took {step} steps without finishing (still ready: {}); a task may spin on `yield_now`/`sleep` forever. Raise the budget with `max_steps` if the program really needs more",
                ready.join(", ")
            ),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at step {} ({}): {}", self.kind.name(), self.step, self.time, self.message)
    }
}

/// An invariant checker: sees every record of a run, in order.
pub trait Checker {
    /// Looks at the next record; returns a violation to stop the run.
    fn observe(&mut self, record: &Record) -> Option<Violation>;

    /// The checker as `Any`, for a simulator that wants to ask a known checker more (weft asks
    /// [`Invariants`] for its deadlock report). `None` by default.
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }
}
