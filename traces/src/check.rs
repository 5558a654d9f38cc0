//! Violations and the [`Checker`] hook: invariants read the event stream, online during a run
//! (the simulator stops at the first violation) and offline over a stored trace.

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

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at step {} ({}): {}",
            self.kind.name(),
            self.step,
            self.time,
            self.message
        )
    }
}

/// An invariant checker: sees every record of a run, in order.
pub trait Checker {
    /// Looks at the next record; returns a violation to stop the run.
    fn observe(&mut self, record: &Record) -> Option<Violation>;
}
