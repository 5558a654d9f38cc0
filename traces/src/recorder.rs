//! The recorder hook: how a simulator hears from primitives without the primitives knowing
//! who listens.
//!
//! There is exactly one hook, a thread-local that the simulator installs for the length of a run
//! ([`install`]). Primitives do not call it directly: they describe themselves through
//! [`resource::Resource`](crate::resource::Resource), which reports here. Outside a run nothing
//! is installed and each operation costs one thread-local read and a branch: the op is built by
//! a closure that never runs. Primitives therefore work the same under tokio,
//! `futures::executor` or weft.
//!
//! ```
//! use weft_traces::recorder;
//! use weft_traces::resource::Resource;
//! assert!(!recorder::is_recording());
//! // Outside a simulation a primitive gets no id and its ops go nowhere.
//! let lock = Resource::lock("lock");
//! assert!(lock.id().is_none());
//! lock.request();
//! ```

use crate::event::Op;
use crate::ids::{ResourceId, TaskId};
use crate::resource::Resource;
use std::cell::Cell;
use std::ptr::NonNull;

/// What a simulator installs to hear from primitives.
pub trait Recorder {
    /// The recorder as `Any`, so the simulator that installed it can reach its own state
    /// through this one hook (the waker's way back to the executor uses it too).
    fn as_any(&self) -> &dyn std::any::Any;
    /// Identifies the run: distinct for every run on this thread, so a [`Resource`] registered
    /// in an earlier run is not mistaken for one of this run.
    fn run_id(&self) -> u64;
    /// A new resource, as `resource` describes it; returns its id for this run.
    fn register(&self, resource: &Resource) -> ResourceId;
    /// The running task did `op` on resource `id`.
    fn record(&self, id: ResourceId, op: Op);
    /// The running task did `op` on `resource`: [`Recorder::record`] with the resource's id in
    /// this run, registering it first if it has none here. Every [`Resource`] operation comes
    /// here, one call each (a request, a grant, a release and a wake-up through their own
    /// methods first, [`Recorder::record_request`] and the next three, which by default come
    /// here); by default it asks for the id ([`Resource::id_with`]) and records, and a
    /// simulator may do both at once (weft checks the id and records under one borrow of its
    /// state).
    ///
    /// ```
    /// use std::cell::{Cell, RefCell};
    /// use weft_traces::recorder::{self, Recorder};
    /// use weft_traces::{Op, Resource, ResourceId, TaskId};
    ///
    /// /// Registers every resource as id 0 and keeps the ops it hears of.
    /// #[derive(Default)]
    /// struct Log(RefCell<Vec<(ResourceId, Op)>>, Cell<u32>);
    /// impl Recorder for Log {
    ///     fn as_any(&self) -> &dyn std::any::Any { self }
    ///     fn run_id(&self) -> u64 { 1 }
    ///     fn register(&self, _: &Resource) -> ResourceId {
    ///         self.1.set(self.1.get() + 1);
    ///         ResourceId(0)
    ///     }
    ///     fn record(&self, id: ResourceId, op: Op) { self.0.borrow_mut().push((id, op)) }
    ///     fn current_task(&self) -> Option<TaskId> { None }
    ///     fn is_cancelling(&self, _: TaskId) -> bool { false }
    ///     fn force_yield(&self) -> bool { false }
    /// }
    ///
    /// let log = Log::default();
    /// let lock = Resource::lock("l");
    /// recorder::install(&log, || {
    ///     log.record_on(&lock, Op::Request); // the default: registers, then records
    ///     lock.grant(); // every operation of a resource comes through `record_on`
    /// });
    /// assert_eq!(*log.0.borrow(), [(ResourceId(0), Op::Request), (ResourceId(0), Op::Grant)]);
    /// assert_eq!(log.1.get(), 1); // registered once in the run
    /// ```
    fn record_on(&self, resource: &Resource, op: Op) {
        let id = resource.id_with(self);
        self.record(id, op);
    }
    /// [`Recorder::record_on`] of [`Op::Request`]: the hot ops (every acquire requests and is
    /// granted, every release releases and may wake a waiter) each come through a method of
    /// their own, so that a simulator may handle each without dispatching on the op (weft
    /// does); by default each is `record_on`.
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use weft_traces::recorder::{self, Recorder};
    /// use weft_traces::{Op, Resource, ResourceId, TaskId};
    /// #[derive(Default)]
    /// struct Log(RefCell<Vec<Op>>);
    /// impl Recorder for Log {
    ///     fn as_any(&self) -> &dyn std::any::Any { self }
    ///     fn run_id(&self) -> u64 { 1 }
    ///     fn register(&self, _: &Resource) -> ResourceId { ResourceId(0) }
    ///     fn record(&self, _: ResourceId, op: Op) { self.0.borrow_mut().push(op) }
    ///     fn current_task(&self) -> Option<TaskId> { None }
    ///     fn is_cancelling(&self, _: TaskId) -> bool { false }
    ///     fn force_yield(&self) -> bool { false }
    /// }
    /// let (log, sem) = (Log::default(), Resource::semaphore("s", 1));
    /// recorder::install(&log, || {
    ///     sem.request();
    ///     sem.grant();
    ///     sem.release();
    ///     sem.wake(TaskId(2));
    /// });
    /// // By default each comes through `record_on`, as every other op does.
    /// assert_eq!(*log.0.borrow(), [Op::Request, Op::Grant, Op::Release, Op::Wake { waiter: TaskId(2) }]);
    /// ```
    fn record_request(&self, resource: &Resource) {
        self.record_on(resource, Op::Request);
    }
    /// [`Recorder::record_on`] of [`Op::Grant`] (see [`Recorder::record_request`]).
    fn record_grant(&self, resource: &Resource) {
        self.record_on(resource, Op::Grant);
    }
    /// [`Recorder::record_on`] of [`Op::Release`] (see [`Recorder::record_request`]).
    fn record_release(&self, resource: &Resource) {
        self.record_on(resource, Op::Release);
    }
    /// [`Recorder::record_on`] of [`Op::Wake`] of `waiter` (see [`Recorder::record_request`]).
    fn record_wake(&self, resource: &Resource, waiter: TaskId) {
        self.record_on(resource, Op::Wake { waiter });
    }
    /// The running task looked at resource `id`'s state without an operation (see
    /// [`Resource::observe`]). Nothing by default.
    fn observe(&self, _id: ResourceId) {}
    /// Resource `id`, registered already, promises hand-off semantics
    /// ([`Resource::handoff`](crate::resource::Resource::handoff)). Nothing by default.
    fn promise_handoff(&self, _id: ResourceId) {}
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
