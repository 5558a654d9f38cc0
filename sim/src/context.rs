//! The way from task code back to the running kernel.
//!
//! weft keeps exactly one thread-local: the recorder hook of `weft-traces`. The kernel installs
//! itself there for the length of a run, so the primitives (which only know the hook) report to
//! it, and weft's own free functions (`spawn`, `sleep`, `now`, the wakers) reach it by
//! downcasting the same hook. Outside a run they panic with a message saying so.

use crate::kernel::Kernel;
use crate::monitor::Monitors;
use crate::strategy::{Mode, Object};
use crate::watchdog::Watch;
use std::any::Any;
use std::cell::RefCell;
use std::sync::Arc;
use weft_traces::recorder::{self, Recorder};
use weft_traces::{Event, Op, Resource, ResourceId, TaskId};

/// The kernel as installed: its state behind a `RefCell`, borrowed only for short, non-reentrant
/// updates (never while a task is polled or a future dropped).
pub(crate) struct Installed {
    pub(crate) kernel: RefCell<Kernel>,
    /// Task code is running (see `panic::catch_task`): a panic now is the task's, which the run
    /// reports, so the panic hook stays quiet.
    pub(crate) in_task: std::cell::Cell<bool>,
    /// Where the last panic in task code was raised, set by the quiet panic hook.
    pub(crate) panic_location: RefCell<Option<String>>,
    /// What the watchdog sees of the run (`None`: not watched).
    pub(crate) watch: Option<Arc<Watch>>,
    /// The user's invariants and liveness monitors registered in the run.
    pub(crate) monitors: Monitors,
}

impl Recorder for Installed {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn run_id(&self) -> u64 {
        u64::from(self.kernel.borrow().epoch)
    }

    fn register(&self, resource: &Resource) -> ResourceId {
        let mut k = self.kernel.borrow_mut();
        k.access(Object::Registry, Mode::Write);
        let kind = resource.kind();
        let id = k.resources.register(resource);
        let event = Event::NewResource {
            id,
            kind,
            name: k.resources.name_buffer(id, resource.name()),
            capacity: resource.capacity(),
            initial: resource.initial(),
            fifo: resource.fifo(),
        };
        // The name goes into the event, and on to the table when no trace keeps the event.
        let name = match k.record_returning(event) {
            Some(Event::NewResource { name, .. }) => name,
            _ => resource.name().to_string(),
        };
        k.resources.name(id, name);
        id
    }

    fn record(&self, id: ResourceId, op: Op) {
        self.kernel.borrow_mut().record_op(id, op);
    }

    /// The id checked against this run's epoch and the op recorded under one borrow; only a
    /// resource new to the run lets the borrow go to register first.
    fn record_on(&self, resource: &Resource, op: Op) {
        let mut k = self.kernel.borrow_mut();
        let id = match resource.id_in_run(u64::from(k.epoch)) {
            Some(id) => id,
            None => {
                drop(k);
                let id = resource.id_with(self);
                k = self.kernel.borrow_mut();
                id
            }
        };
        k.record_op(id, op);
    }

    fn observe(&self, id: ResourceId) {
        self.kernel.borrow_mut().access(Object::Resource(id), Mode::Read);
    }

    fn promise_handoff(&self, id: ResourceId) {
        self.kernel.borrow_mut().resources.promise_handoff(id);
    }

    fn current_task(&self) -> Option<TaskId> {
        self.kernel.borrow().current
    }

    fn force_yield(&self) -> bool {
        self.kernel.borrow_mut().force_yield()
    }

    fn is_cancelling(&self, task: TaskId) -> bool {
        self.kernel.borrow_mut().is_cancelling(task)
    }
}

/// Runs `f` on the running kernel; `None` outside a simulation.
pub(crate) fn try_with<R>(f: impl FnOnce(&mut Kernel) -> R) -> Option<R> {
    recorder::with(|r| {
        let installed = r.as_any().downcast_ref::<Installed>()?;
        Some(f(&mut installed.kernel.borrow_mut()))
    })
    .flatten()
}

/// Runs `f` on the running kernel, or panics saying that `what` needs a weft simulation.
#[track_caller]
pub(crate) fn with<R>(what: &str, f: impl FnOnce(&mut Kernel) -> R) -> R {
    match try_with(f) {
        Some(r) => r,
        None => outside(what),
    }
}

/// Panics saying that `what` needs a weft simulation.
#[track_caller]
pub(crate) fn outside(what: &str) -> ! {
    panic!(
        "weft: `{what}` was called outside a weft simulation; run this code under `weft::Runtime::run` or `weft::explore` (weft's primitives work anywhere, but weft's clock, tasks and randomness only exist inside a run)"
    )
}
