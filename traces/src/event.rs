//! The event model: one [`Record`] per thing that happened, stamped with step, time and task.

use crate::ids::{ResourceId, TaskId, Time};
use serde::{Deserialize, Serialize};

/// One event of a run, with where it happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The scheduling step during which it happened (0 before the first poll).
    pub step: u64,
    /// Virtual time.
    pub time: Time,
    /// The task it concerns (for `Spawn`, the new task); `None` for the executor itself.
    pub task: Option<TaskId>,
    /// What happened.
    #[serde(flatten)]
    pub event: Event,
}

impl Record {
    /// A record of `event` at `step` and `time`, concerning `task`.
    pub fn new(step: u64, time: Time, task: Option<TaskId>, event: Event) -> Record {
        Record { step, time, task, event }
    }
}

/// What happened. Executor events come first, then user output, then resource events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The task was created (asyncio's `create_task(name=...)`); `parent` spawned it.
    Spawn { name: String, parent: Option<TaskId> },
    /// A step of the task begins: it is polled.
    Poll,
    /// The step ended with the task suspended (`Poll::Pending`).
    Suspend,
    /// The task was made ready. `by` is the task whose step woke it; `None` when the executor
    /// woke it (a timer, or a cancellation).
    Wake { by: Option<TaskId> },
    /// The task registered a timer due at `until`.
    Sleep { until: Time },
    /// The task suspended awaiting `target`'s end (its join handle).
    Join { target: TaskId },
    /// A timer of the task fired.
    TimerFired,
    /// Cancellation of the task was requested (by `by`); its future is dropped at its next step.
    Cancel { by: Option<TaskId> },
    /// The task ended.
    Exit { exit: Exit },
    /// A line the program printed with `weft::println!`.
    Print { text: String },
    /// A `tracing` event the program logged, recorded by weft's `tracing` layer (the `tracing`
    /// feature of `weft`): its level (`INFO`, ...), its target (the module, unless set), the
    /// spans it was logged in (outermost first) and its message with its other fields
    /// (`message key=value ...`).
    Log { level: String, target: String, spans: Vec<String>, message: String },
    /// A resource (a primitive, or a foreign resource a user described) came into being.
    NewResource {
        id: ResourceId,
        kind: ResourceKind,
        name: String,
        /// How many may hold it at once: a held resource's bound on its units (a Lock's 1, a
        /// BoundedSemaphore's initial value), a Barrier's parties, a bounded Queue's maxsize.
        /// `None`: unbounded (a plain Semaphore, which every extra release gives one more
        /// unit), or not a held resource.
        capacity: Option<u64>,
        /// For a counting resource, the units free when it came into being, when they differ
        /// from `capacity` or it has none: a `Semaphore(0)` used as a signal, a plain
        /// Semaphore's initial value. `None`: as many as its capacity.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        initial: Option<u64>,
        /// Whether it promises to grant waiters in the order they began waiting.
        fifo: bool,
    },
    /// An operation on a resource by the task.
    Resource { id: ResourceId, op: Op },
    /// The strategy injected a fault (a recorded choice, off by default).
    Fault { fault: Fault },
}

/// A fault the simulator can inject, as a choice of the schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case")]
pub enum Fault {
    /// Cancel `task` at its suspension point: before its wake-up if it is suspended (state a),
    /// after it if it is ready (state b).
    Cancel { task: TaskId },
    /// Poll `task` although nothing woke it.
    SpuriousPoll { task: TaskId },
    /// Fire the pending `timeout` deadline of `task` now, early in its window.
    FireTimeout { task: TaskId },
    /// A primitive's fast path suspends once anyway (as tokio's cooperative budget makes it).
    ForceYield,
}

/// How a task ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum Exit {
    /// Its future completed.
    Returned,
    /// Its future was dropped at a suspension point (asyncio's `CancelledError`).
    Cancelled,
    /// It panicked; the run fails. `location` is where (`file:line:column`), when known.
    Panicked {
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        location: Option<String>,
    },
}

/// The kind of a resource, for renderings and for the checkers' expectations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    Lock,
    Semaphore,
    BoundedSemaphore,
    Condition,
    Event,
    Barrier,
    Queue,
    /// A primitive weft did not write, described by the user.
    Foreign,
    /// A tracked cell (`weft::cell::{Cell, RefCell}`): shared state whose reads and writes are
    /// recorded as [`Op::Read`] and [`Op::Write`].
    Cell,
}

impl ResourceKind {
    /// The asyncio class name.
    pub fn name(self) -> &'static str {
        match self {
            ResourceKind::Lock => "Lock",
            ResourceKind::Semaphore => "Semaphore",
            ResourceKind::BoundedSemaphore => "BoundedSemaphore",
            ResourceKind::Condition => "Condition",
            ResourceKind::Event => "Event",
            ResourceKind::Barrier => "Barrier",
            ResourceKind::Queue => "Queue",
            ResourceKind::Foreign => "Resource",
            ResourceKind::Cell => "Cell",
        }
    }
}

/// An operation on a resource.
///
/// The first five are the *resource protocol* every held resource speaks (Lock, Semaphore, a
/// Condition's lock, foreign resources): the checkers of mutual exclusion, FIFO fairness and lost
/// wake-ups read only these. The rest say what a particular primitive did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
// A tag byte of its own: every op is matched on several times as it is recorded and checked,
// and without one its kind is decoded from the capacity word of `Misuse`'s string each time.
#[repr(u8)]
pub enum Op {
    /// The task asks for one unit (a lock, a permit); it may be granted at once.
    Request,
    /// The task now holds one unit.
    Grant,
    /// One unit was given back.
    Release,
    /// The task's request was withdrawn (its future dropped) before it was granted.
    Abandon,
    /// The resource woke `waiter`: a hand-off or notification is in flight to it.
    Wake { waiter: TaskId },
    /// The task begins to wait (Condition, Event, Barrier, Queue).
    Wait,
    /// The task's wait completed.
    Resume,
    /// `notify(requested)` woke `woken` waiters.
    Notify { requested: u64, woken: u64 },
    /// An Event was set.
    Set,
    /// An Event was cleared.
    Clear,
    /// A Barrier arrival got `index`.
    Arrive { index: u64 },
    /// A Barrier tripped (its last party arrived).
    Trip,
    /// A Barrier was aborted.
    Abort,
    /// A Barrier was reset.
    Reset,
    /// An item was put into a Queue (its size is now `size`).
    Put { size: u64 },
    /// An item was taken from a Queue (its size is now `size`).
    Get { size: u64 },
    /// `task_done()` on a Queue.
    TaskDone,
    /// A Queue was shut down.
    Shutdown { immediate: bool },
    /// The operation was refused with asyncio's error message (misuse, e.g. releasing an
    /// unlocked Lock).
    Misuse { message: String },
    /// The task read a tracked cell.
    Read,
    /// The task wrote a tracked cell.
    Write,
}

impl Op {
    /// A short name for renderings.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Request => "request",
            Op::Grant => "grant",
            Op::Release => "release",
            Op::Abandon => "abandon",
            Op::Wake { .. } => "wake",
            Op::Wait => "wait",
            Op::Resume => "resume",
            Op::Notify { .. } => "notify",
            Op::Set => "set",
            Op::Clear => "clear",
            Op::Arrive { .. } => "arrive",
            Op::Trip => "trip",
            Op::Abort => "abort",
            Op::Reset => "reset",
            Op::Put { .. } => "put",
            Op::Get { .. } => "get",
            Op::TaskDone => "task_done",
            Op::Shutdown { .. } => "shutdown",
            Op::Misuse { .. } => "misuse",
            Op::Read => "read",
            Op::Write => "write",
        }
    }

    /// Whether this op leaves the task waiting on the resource (until a `Grant`, `Resume` or
    /// `Abandon`), for deadlock reports.
    pub fn begins_wait(&self) -> bool {
        matches!(self, Op::Request | Op::Wait)
    }
}
