//! The way from task code back to the running kernel.
//!
//! The kernel installs itself as the recorder hook of `weft-traces` for the length of a run
//! ([`install`]), so the primitives (which only know the hook) report to it. weft's own free
//! functions (`spawn`, `sleep`, `now`, the wakers) reach it through the same hook: a second
//! thread-local, set and restored with the hook, holds the kernel's address, and the hook is
//! weft's while it points there. Outside a run they panic with a message saying so.

use crate::kernel::Kernel;
use crate::monitor::Monitors;
use crate::strategy::{Mode, Object};
use crate::watchdog::Watch;
use std::any::Any;
use std::cell::{Cell, RefCell};
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

impl Installed {
    /// A run state with nothing in it (a thread's first run, or a run inside a run's task).
    pub(crate) fn new() -> Installed {
        Installed {
            kernel: RefCell::new(Kernel::new()),
            in_task: Cell::new(false),
            panic_location: RefCell::new(None),
            watch: None,
            monitors: Monitors::default(),
        }
    }

    /// The run is over: everything emptied for the thread's next run ([`Kernel::empty`]), the
    /// monitors' rules dropped (their lists' room kept).
    pub(crate) fn empty(&mut self) {
        // Every field named, so that a new one cannot be forgotten here.
        let Installed { kernel, in_task, panic_location, watch, monitors } = self;
        kernel.get_mut().empty();
        in_task.set(false);
        *panic_location.get_mut() = None;
        *watch = None;
        monitors.clear();
    }
}

impl Installed {
    /// `op` on `resource` by the running task: its id checked against this run's epoch and
    /// the op recorded under one borrow; only a resource new to the run lets the borrow go to
    /// register first. Inline in each hook that records: where the op is known, so are the
    /// kernel's and the checkers' paths for it.
    #[inline(always)]
    fn record_op_on(&self, resource: &Resource, op: Op) {
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

    /// See [`Installed::record_op_on`].
    fn record_on(&self, resource: &Resource, op: Op) {
        self.record_op_on(resource, op);
    }

    // The hot ops, each with its op known where it is recorded: the kernel's and the checkers'
    // dispatch on the op is made here, once, by the compiler.
    fn record_request(&self, resource: &Resource) {
        self.record_op_on(resource, Op::Request);
    }

    fn record_grant(&self, resource: &Resource) {
        self.record_op_on(resource, Op::Grant);
    }

    fn record_release(&self, resource: &Resource) {
        self.record_op_on(resource, Op::Release);
    }

    fn record_wake(&self, resource: &Resource, waiter: TaskId) {
        self.record_op_on(resource, Op::Wake { waiter });
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

thread_local! {
    /// The `Installed` that [`install`] put behind the recorder hook on this thread (null when
    /// none): the hook's own pointer is compared with it, so that the kernel is found without a
    /// call through the hook's vtable. It always points at a live `Installed` or is null: it is
    /// set and restored exactly as the hook is, by the same guard.
    static INSTALLED: Cell<*const Installed> = const { Cell::new(std::ptr::null()) };
}

/// Installs `installed` as this thread's recorder hook for the length of `f` (see
/// [`recorder::install`]), and as the kernel weft's own functions reach.
pub(crate) fn install<R>(installed: &Installed, f: impl FnOnce() -> R) -> R {
    struct Restore(*const Installed);
    impl Drop for Restore {
        fn drop(&mut self) {
            INSTALLED.with(|slot| slot.set(self.0));
        }
    }
    recorder::install(installed, || {
        let _restore = Restore(INSTALLED.with(|slot| slot.replace(installed)));
        f()
    })
}

/// Runs `f` on the `Installed` behind this thread's recorder hook; `None` when the hook is not
/// weft's (no simulation, or another recorder installed inside one).
#[inline]
pub(crate) fn try_installed<R>(f: impl FnOnce(&Installed) -> R) -> Option<R> {
    recorder::with(|r| {
        let mine = INSTALLED.with(Cell::get);
        // The hook is weft's when it points where `install` put it (never null, as `r` is not).
        if !std::ptr::eq((r as *const dyn Recorder).cast::<()>(), mine.cast::<()>()) {
            return None;
        }
        // SAFETY: `mine` is not null, so `install` is on the stack and `mine` is the live
        // `Installed` it was given (see `INSTALLED`).
        Some(f(unsafe { &*mine }))
    })
    .flatten()
}

/// Runs `f` on the running kernel; `None` outside a simulation.
#[inline]
pub(crate) fn try_with<R>(f: impl FnOnce(&mut Kernel) -> R) -> Option<R> {
    try_installed(|installed| f(&mut installed.kernel.borrow_mut()))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A recorder that is not weft's kernel.
    struct Other;

    impl Recorder for Other {
        fn as_any(&self) -> &dyn Any {
            self
        }
        fn run_id(&self) -> u64 {
            0
        }
        fn register(&self, _: &Resource) -> ResourceId {
            ResourceId(0)
        }
        fn record(&self, _: ResourceId, _: Op) {}
        fn current_task(&self) -> Option<TaskId> {
            None
        }
        fn is_cancelling(&self, _: TaskId) -> bool {
            false
        }
        fn force_yield(&self) -> bool {
            false
        }
    }

    fn in_run() -> bool {
        try_with(|_| ()).is_some()
    }

    /// The kernel is reached while weft's hook is installed; not while another recorder is
    /// installed inside the run; again once that one is gone, whether its closure returned or
    /// unwound; and not after the run.
    #[test]
    fn the_kernel_is_reached_only_through_its_own_hook() {
        assert!(!in_run(), "before any run");
        let run = crate::Runtime::new().checks(false).run(async {
            let mut seen = vec![in_run()];
            seen.push(recorder::install(&Other, in_run));
            seen.push(in_run());
            let unwound = std::panic::catch_unwind(|| {
                recorder::install(&Other, || -> bool { std::panic::resume_unwind(Box::new("out")) })
            });
            seen.push(unwound.is_err());
            seen.push(in_run());
            seen
        });
        assert_eq!(run.failure, None);
        assert_eq!(run.output, Some(vec![true, false, true, true, true]));
        assert!(!in_run(), "after the run");
    }
}
