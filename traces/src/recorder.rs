//! The recorder hook: how primitives report what they do without knowing who listens.
//!
//! There is exactly one hook, a thread-local that the simulator installs for the length of a run
//! ([`install`]). Outside a run nothing is installed and [`record`] costs one thread-local read
//! and a branch: the op is built by a closure that never runs. Primitives therefore work the same
//! under tokio, `futures::executor` or weft.
//!
//! ```
//! use weft_traces::recorder;
//! use weft_traces::{Op, ResourceKind};
//! // Outside a simulation a primitive gets no id and its ops go nowhere.
//! let id = recorder::register(ResourceKind::Lock, "lock", Some(1), true);
//! assert!(id.is_none());
//! recorder::record(id, || Op::Request);
//! ```

use crate::event::{Op, ResourceKind};
use crate::ids::{ResourceId, TaskId};
use std::cell::Cell;
use std::ptr::NonNull;

/// How a primitive is known to the running simulation.
///
/// A primitive registers in the run it is used in, on its first operation there (or at once
/// when it is created inside a run): one created outside any run (in a test's setup, an
/// exploration's factory, a `static`) is traced and checked all the same, and one used in
/// several runs gets a fresh id in each. Outside a run it costs a thread-local read per
/// operation.
///
/// ```
/// use weft_traces::recorder::Registration;
/// use weft_traces::{Op, ResourceKind};
/// let lock = Registration::new(ResourceKind::Lock, "lock", Some(1), true);
/// assert_eq!(lock.id(), None); // no simulation here
/// lock.record(|| Op::Request); // goes nowhere
/// ```
#[derive(Debug)]
pub struct Registration {
    kind: ResourceKind,
    name: Box<str>,
    capacity: Option<u64>,
    fifo: bool,
    /// The run it registered with last, and its id there.
    registered: Cell<Option<(u64, ResourceId)>>,
}

impl Registration {
    /// Describes a resource; registers it now if a simulation is running.
    pub fn new(kind: ResourceKind, name: &str, capacity: Option<u64>, fifo: bool) -> Registration {
        let registration = Registration { kind, name: name.into(), capacity, fifo, registered: Cell::new(None) };
        registration.id();
        registration
    }

    /// Its id in the running simulation (registering it there first if needed); `None` outside
    /// a simulation.
    pub fn id(&self) -> Option<ResourceId> {
        with(|r| self.id_in(r))
    }

    fn id_in(&self, r: &dyn Recorder) -> ResourceId {
        let run = r.run_id();
        match self.registered.get() {
            Some((registered_run, id)) if registered_run == run => id,
            _ => {
                let id = r.register(self.kind, &self.name, self.capacity, self.fifo);
                self.registered.set(Some((run, id)));
                id
            }
        }
    }

    /// Records `op` on this resource by the running task; `op` is built only inside a run.
    #[inline]
    pub fn record(&self, op: impl FnOnce() -> Op) {
        with(|r| {
            let id = self.id_in(r);
            r.record(id, op());
        });
    }

    /// Tells the running simulation that the running task looked at this resource's state
    /// without changing it (`locked()`, `is_set()`, `qsize()`): nothing is traced, but the
    /// step now depends on the resource, which partial-order reduction must know. Nothing
    /// outside a run.
    ///
    /// ```
    /// use weft_traces::recorder::Registration;
    /// use weft_traces::ResourceKind;
    /// let event = Registration::new(ResourceKind::Event, "ready", None, false);
    /// event.observe(); // outside a simulation: nothing
    /// ```
    #[inline]
    pub fn observe(&self) {
        with(|r| {
            let id = self.id_in(r);
            r.observe(id);
        });
    }
}

/// What a simulator installs to hear from primitives.
pub trait Recorder {
    /// The recorder as `Any`, so the simulator that installed it can reach its own state
    /// through this one hook (the waker's way back to the executor uses it too).
    fn as_any(&self) -> &dyn std::any::Any;
    /// Identifies the run: distinct for every run on this thread, so a [`Registration`] from
    /// an earlier run is not mistaken for one of this run.
    fn run_id(&self) -> u64;
    /// A new resource; returns its id for this run.
    fn register(&self, kind: ResourceKind, name: &str, capacity: Option<u64>, fifo: bool) -> ResourceId;
    /// The running task did `op` on resource `id`.
    fn record(&self, id: ResourceId, op: Op);
    /// The running task looked at resource `id`'s state without an operation (see
    /// [`Registration::observe`]). Nothing by default.
    fn observe(&self, _id: ResourceId) {}
    /// The running task, if a task is running.
    fn current_task(&self) -> Option<TaskId>;
    /// Whether `task`'s cancellation was requested and has not been delivered yet (asyncio: its
    /// waiter future is already cancelled, but the task has not run since).
    fn is_cancelling(&self, task: TaskId) -> bool;
    /// Whether the fast path the running task just reached must suspend once anyway (a
    /// forced-yield fault); the primitive then wakes the task and returns `Pending`.
    fn force_yield(&self) -> bool;
}

thread_local! {
    static RECORDER: Cell<Option<NonNull<dyn Recorder + 'static>>> = const { Cell::new(None) };
}

/// Runs `f` with `recorder` installed as this thread's recorder, restoring the previous one after
/// (also when `f` panics).
pub fn install<R>(recorder: &dyn Recorder, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<NonNull<dyn Recorder + 'static>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            RECORDER.with(|slot| slot.set(self.0));
        }
    }
    // SAFETY: the pointer is only dereferenced while `install` is on the stack (the `Restore`
    // guard removes it on every exit path), and `recorder` outlives this call.
    let ptr: NonNull<dyn Recorder + 'static> = unsafe { std::mem::transmute(NonNull::from(recorder)) };
    let _restore = Restore(RECORDER.with(|slot| slot.replace(Some(ptr))));
    f()
}

/// Runs `f` on this thread's recorder, if one is installed.
pub fn with<R>(f: impl FnOnce(&dyn Recorder) -> R) -> Option<R> {
    let ptr = RECORDER.with(|slot| slot.get())?;
    // SAFETY: see `install`: the pointer is live while it is installed.
    Some(f(unsafe { ptr.as_ref() }))
}

/// Whether a recorder is installed on this thread (a simulation is running).
pub fn is_recording() -> bool {
    RECORDER.with(|slot| slot.get().is_some())
}

/// Registers a resource with the running simulation, if any.
pub fn register(kind: ResourceKind, name: &str, capacity: Option<u64>, fifo: bool) -> Option<ResourceId> {
    with(|r| r.register(kind, name, capacity, fifo))
}

/// Records `op` on resource `id` when both a simulation and an id exist. `op` is built only then.
#[inline]
pub fn record(id: Option<ResourceId>, op: impl FnOnce() -> Op) {
    if let Some(id) = id {
        with(|r| r.record(id, op()));
    }
}

/// The running task of the running simulation, if any.
pub fn current_task() -> Option<TaskId> {
    with(|r| r.current_task()).flatten()
}

/// Whether `task`'s cancellation is pending in the running simulation (false outside one).
pub fn is_cancelling(task: TaskId) -> bool {
    with(|r| r.is_cancelling(task)).unwrap_or(false)
}

/// Whether the fast path just reached must suspend once (a forced-yield fault of the running
/// simulation; always false outside one).
pub fn force_yield() -> bool {
    with(|r| r.force_yield()).unwrap_or(false)
}
