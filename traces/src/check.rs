//! Violations and the [`Checker`] hook: invariants read the event stream, online during a run
//! (the simulator stops at the first violation) and offline over a stored trace ([`check`]).
//!
//! The checkers work on *resources* (see `resources.rs`): anything that speaks the resource
//! protocol of [`Op`](crate::Op) (`Request`, `Grant`, `Release`, `Abandon`, `Wake`) or the
//! wait protocol (`Wait`, `Resume`). weft's primitives describe themselves; a foreign primitive
//! is described with [`resource::Resource`](crate::resource::Resource), the same API. The rules,
//! one file each:
//!
//! | rule | kind | file |
//! |---|---|---|
//! | never more holders than the capacity | [`ViolationKind::MutualExclusion`] | `exclusion.rs` |
//! | grants in waiting order, no barging (resources that promise FIFO) | [`ViolationKind::Fifo`] | `fifo.rs` |
//! | free units reach waiters by each step's end; nothing available to a blocked task at quiescence; no probe progresses | [`ViolationKind::LostWakeup`] | `wakeup.rs` |
//! | hand-offs and notifications passed on; units conserved; Event, Barrier, Queue bookkeeping | [`ViolationKind::Accounting`] | `accounting.rs` |
//! | no tasks that can never be woken (a wait-for knot, found at the step it forms), and none blocked at quiescence | [`ViolationKind::Deadlock`] | `deadlock.rs` |
//! | no write to a tracked cell from a read another task's write made stale (off by default: [`Atomicity`]) | [`ViolationKind::Atomicity`] | `atomicity.rs` |
//!
//! [`Invariants`] applies them all; [`check`] runs it over a trace weft recorded. A stored trace,
//! which may have been edited, cut or written by another tool, is first checked for
//! [`consistency`] (the module `consistency.rs` says what the executor records, and how):
//! [`judge`] and [`judge_json`] (which streams a file of any size) do both.

mod accounting;
mod atomicity;
mod consistency;
mod deadlock;
mod exclusion;
mod fifo;
mod invariants;
mod offline;
mod resources;
mod wakeup;

pub use atomicity::Atomicity;
pub use consistency::{consistency, Consistency, Inconsistency};
pub use invariants::Invariants;
pub use offline::{check, judge, judge_json, JudgeError, Judged};

use crate::event::Record;
use crate::ids::{ResourceId, TaskId, Time};
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
    /// Tasks that can never be woken: a wait-for cycle among holders, waiters and joins
    /// (reported at the step it closes, while the rest of the run goes on), or tasks still
    /// blocked with nothing ready and no timer pending.
    Deadlock,
    /// A blocked task could have progressed: its wake-up was lost.
    LostWakeup,
    /// More holders than a resource admits.
    MutualExclusion,
    /// A waiter was passed over by a later one on a resource that promises FIFO.
    Fifo,
    /// A resource's bookkeeping does not add up (permits, hand-offs, notifications, items).
    Accounting,
    /// A rule of the user's own failed: an invariant (`weft::invariant`) or a checker added to
    /// the run or the exploration.
    Invariant,
    /// A liveness monitor (`weft::eventually`) did not reach its goal by the end of the run, or
    /// within the virtual time it was given.
    Liveness,
    /// A task wrote a tracked cell from a read another task's write made stale: a lost update
    /// ([`Atomicity`], off by default).
    Atomicity,
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
            ViolationKind::Invariant => "invariant",
            ViolationKind::Liveness => "liveness",
            ViolationKind::Atomicity => "atomicity",
        }
    }
}

/// The rule a violation broke, finer than its [`ViolationKind`] (one kind covers several rules:
/// `Accounting` is about Events, Barriers, Queues and hand-offs). With the resource and, for a
/// panic, its location, it says whether two failures are the same one
/// ([`Violation::same_way`]). The names are stable: they appear in JSON and in regression files.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// A task panicked: the program's own assertion.
    Panic,
    /// The run exceeded its step budget.
    StepBudget,
    /// Tasks blocked forever (a wait-for knot when it forms, or at quiescence).
    Deadlock,
    /// More holders than the resource admits.
    Capacity,
    /// A waiter was granted before an earlier live waiter.
    GrantOrder,
    /// A newcomer took a unit on the fast path past a live waiter.
    Barging,
    /// Free units and waiters at a step's end, and no wake-up in flight.
    Handoff,
    /// At quiescence a blocked task's resource was available.
    AvailableAtQuiescence,
    /// At quiescence a spurious poll of a blocked task made progress.
    ProbeProgressed,
    /// A woken waiter withdrew and its hand-off did not reach the next waiter.
    DroppedHandoff,
    /// A held resource was released more often than it was granted.
    Conservation,
    /// An Event's `set()` did not wake (or return) every task waiting at that moment.
    EventSet,
    /// A Condition notification was dropped instead of passed on.
    Notification,
    /// A Barrier index was reused within a cycle or was out of range.
    BarrierIndex,
    /// A Queue lost or duplicated items, or exceeded its maxsize.
    QueueItems,
    /// A task read a tracked cell, suspended, and wrote it after another task had ([`Atomicity`]).
    StaleWrite,
    /// A rule of the user's own, by its name (an invariant's, a liveness monitor's, or what a
    /// user's checker names its rule): two user rules are different failures.
    User(String),
}

impl Rule {
    /// The kebab-case name, as in JSON (a user's rule: its own name).
    ///
    /// ```
    /// use weft_traces::Rule;
    /// assert_eq!(Rule::GrantOrder.name(), "grant-order");
    /// assert_eq!(Rule::User("balanced".into()).name(), "balanced");
    /// ```
    pub fn name(&self) -> &str {
        match self {
            Rule::Panic => "panic",
            Rule::StepBudget => "step-budget",
            Rule::Deadlock => "deadlock",
            Rule::Capacity => "capacity",
            Rule::GrantOrder => "grant-order",
            Rule::Barging => "barging",
            Rule::Handoff => "handoff",
            Rule::AvailableAtQuiescence => "available-at-quiescence",
            Rule::ProbeProgressed => "probe-progressed",
            Rule::DroppedHandoff => "dropped-handoff",
            Rule::Conservation => "conservation",
            Rule::EventSet => "event-set",
            Rule::Notification => "notification",
            Rule::BarrierIndex => "barrier-index",
            Rule::QueueItems => "queue-items",
            Rule::StaleWrite => "stale-write",
            Rule::User(name) => name,
        }
    }
}

/// A broken rule, with where it broke.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub kind: ViolationKind,
    /// The rule broken, within its kind.
    pub rule: Rule,
    /// The step at which it was detected.
    pub step: u64,
    pub time: Time,
    /// The task most concerned, if one is.
    pub task: Option<TaskId>,
    /// The resource the rule is about, if it is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<ResourceId>,
    /// For a panic: where it was raised (`file:line:column`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// What went wrong, in words naming the tasks and resources.
    pub message: String,
}

impl Violation {
    /// A violation of `rule` (of `kind`) detected at `record`, concerning `task` and `resource`.
    ///
    /// ```
    /// use weft_traces::check::Rule;
    /// use weft_traces::{Event, Record, ResourceId, TaskId, Time, Violation, ViolationKind};
    /// let at = Record::new(4, Time::ZERO, Some(TaskId(1)), Event::Suspend);
    /// let v = Violation::at(&at, ViolationKind::MutualExclusion, Rule::Capacity, Some(ResourceId(0)), "two holders".into());
    /// assert_eq!((v.step, v.task, v.resource), (4, Some(TaskId(1)), Some(ResourceId(0))));
    /// ```
    pub fn at(
        record: &Record,
        kind: ViolationKind,
        rule: Rule,
        resource: Option<ResourceId>,
        message: String,
    ) -> Violation {
        Violation {
            kind,
            rule,
            step: record.step,
            time: record.time,
            task: record.task,
            resource,
            location: None,
            message,
        }
    }

    /// The same violation about `task` instead of the record's task.
    pub fn about(mut self, task: Option<TaskId>) -> Violation {
        self.task = task;
        self
    }

    /// A task panicked: the program's own assertion failed. `location` is where the panic was
    /// raised, when known.
    ///
    /// ```
    /// use weft_traces::{TaskId, Time, Violation};
    /// let v = Violation::panic(3, Time::ZERO, TaskId(1), "worker", "boom", Some("src/lib.rs:7:5"));
    /// assert_eq!(v.message, "task 'worker' (#1) panicked at src/lib.rs:7:5: boom");
    /// let v = Violation::panic(3, Time::ZERO, TaskId(1), "", "boom", None);
    /// assert_eq!(v.message, "task #1 panicked: boom");
    /// ```
    pub fn panic(step: u64, time: Time, task: TaskId, name: &str, message: &str, location: Option<&str>) -> Violation {
        let who = match name {
            "" => format!("task {task}"),
            _ => format!("task '{name}' ({task})"),
        };
        let at = location.map(|l| format!(" at {l}")).unwrap_or_default();
        Violation {
            kind: ViolationKind::Panic,
            rule: Rule::Panic,
            step,
            time,
            task: Some(task),
            resource: None,
            location: location.map(str::to_string),
            message: format!("{who} panicked{at}: {message}"),
        }
    }

    /// The run took `step` steps without finishing; `ready` names the tasks still ready
    /// (quoted), in ready-queue order. At most [`SCREENFUL`] of them are listed, then how many
    /// more there are.
    ///
    /// ```
    /// use weft_traces::{Time, Violation, ViolationKind};
    /// let v = Violation::livelock(100, Time::ZERO, &["'spinner'".to_string()]);
    /// assert_eq!(v.kind, ViolationKind::Livelock);
    /// assert!(v.message.contains("'spinner'"));
    /// let many: Vec<String> = (0..12).map(|i| format!("'t{i}'")).collect();
    /// let v = Violation::livelock(100, Time::ZERO, &many);
    /// assert!(v.message.contains("'t9', and 2 more)"), "{}", v.message);
    /// ```
    pub fn livelock(step: u64, time: Time, ready: &[String]) -> Violation {
        let listed: Vec<&str> = ready.iter().take(SCREENFUL).map(String::as_str).collect();
        let more = match ready.len().saturating_sub(SCREENFUL) {
            0 => String::new(),
            n => format!(", and {} more", thousands(n)),
        };
        Violation {
            kind: ViolationKind::Livelock,
            rule: Rule::StepBudget,
            step,
            time,
            task: None,
            resource: None,
            location: None,
            message: format!(
                "the run took {step} steps without finishing (still ready: {}{more}); a task may spin on `yield_now`/`sleep` forever. Raise the budget with `max_steps` if the program really needs more",
                listed.join(", ")
            ),
        }
    }

    /// The user's invariant `name` failed after the step of `task` with the user's `message`.
    ///
    /// ```
    /// use weft_traces::{Rule, TaskId, Time, Violation, ViolationKind};
    /// let v = Violation::invariant(7, Time::ZERO, Some(TaskId(2)), "balanced", "2 in, 1 out");
    /// assert_eq!((v.kind, v.rule), (ViolationKind::Invariant, Rule::User("balanced".into())));
    /// assert_eq!(v.message, "invariant 'balanced' failed after the step of #2: 2 in, 1 out");
    /// ```
    pub fn invariant(step: u64, time: Time, task: Option<TaskId>, name: &str, message: &str) -> Violation {
        let after = task.map(|t| format!(" after the step of {t}")).unwrap_or_default();
        Violation {
            kind: ViolationKind::Invariant,
            rule: Rule::User(name.to_string()),
            step,
            time,
            task,
            resource: None,
            location: None,
            message: format!("invariant '{name}' failed{after}: {message}"),
        }
    }

    /// The liveness monitor `name` did not reach its goal: `message` says by when.
    ///
    /// ```
    /// use weft_traces::{Rule, Time, Violation, ViolationKind};
    /// let v = Violation::liveness(9, Time::ZERO, "answered", "still hot at the end of the run");
    /// assert_eq!((v.kind, v.rule), (ViolationKind::Liveness, Rule::User("answered".into())));
    /// assert_eq!(v.message, "liveness monitor 'answered' did not reach its goal: still hot at the end of the run");
    /// ```
    pub fn liveness(step: u64, time: Time, name: &str, message: &str) -> Violation {
        Violation {
            kind: ViolationKind::Liveness,
            rule: Rule::User(name.to_string()),
            step,
            time,
            task: None,
            resource: None,
            location: None,
            message: format!("liveness monitor '{name}' did not reach its goal: {message}"),
        }
    }

    /// Whether `other` is the same failure: the same kind, rule and resource, and for a panic the
    /// same location (or, when either location is unknown, the same message). Shrinking keeps a
    /// candidate schedule only if it fails the same way as the original; steps, times, tasks and
    /// the values in the message may differ.
    ///
    /// ```
    /// use weft_traces::{TaskId, Time, Violation};
    /// let a = Violation::panic(9, Time::ZERO, TaskId(1), "w", "x is 3", Some("t.rs:4:9"));
    /// let b = Violation::panic(5, Time::ZERO, TaskId(2), "v", "x is 2", Some("t.rs:4:9"));
    /// let c = Violation::panic(5, Time::ZERO, TaskId(2), "v", "x is 2", Some("t.rs:8:9"));
    /// assert!(a.same_way(&b));
    /// assert!(!a.same_way(&c));
    /// ```
    pub fn same_way(&self, other: &Violation) -> bool {
        if (self.kind, &self.rule, self.resource) != (other.kind, &other.rule, other.resource) {
            return false;
        }
        match (&self.location, &other.location) {
            (Some(a), Some(b)) => a == b,
            _ if self.rule == Rule::Panic => self.message == other.message,
            _ => true,
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at step {} ({}): {}", self.kind.name(), self.step, self.time, self.message)
    }
}

/// How many tasks a livelock or deadlock message lists before it says how many more there are
/// ("and 99,990 more"): a screenful, whatever the size of the program.
pub const SCREENFUL: usize = 10;

/// `n` with thousands separators: `99,990`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn counts_have_thousands_separators() {
        let cases = [(0, "0"), (999, "999"), (1_000, "1,000"), (99_990, "99,990"), (1_234_567, "1,234,567")];
        for (n, text) in cases {
            assert_eq!(thousands(n), text);
        }
    }
}
