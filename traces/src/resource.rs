//! The resource API: how a primitive tells weft's checkers what it does. weft's own Lock,
//! Semaphore, BoundedSemaphore, Condition, Event, Barrier and Queue use exactly this API (there
//! is no other way in), so a primitive you write gets every checker they get.
//!
//! A [`Resource`] is a description (a kind, a name, a capacity, the units free at the start, a
//! FIFO promise) that registers with the simulation running on this thread, and one method per
//! operation the checkers read. Each method records the operation *by the running task*, at the
//! moment it happens; outside a simulation (under tokio, `futures::executor`) a resource has no
//! id and every method costs one thread-local read.
//!
//! | the primitive ... | records | the checkers then ... |
//! |---|---|---|
//! | asks for a unit | [`request`](Resource::request) | list the task as a waiter once its step ends without the grant |
//! | hands a unit to the running task | [`grant`](Resource::grant), [`grant_units`](Resource::grant_units) | check capacity, FIFO order, barging |
//! | gets a unit back | [`release`](Resource::release), [`release_units`](Resource::release_units) | count it free; refuse more units than the capacity |
//! | drops a pending request or wait (a cancellation) | [`abandon`](Resource::abandon) | require a received hand-off or notification to be passed on |
//! | wakes a waiter | [`wake`](Resource::wake) | count a hand-off or notification in flight to it |
//! | suspends until notified, set, tripped, ... | [`wait`](Resource::wait), then [`resume`](Resource::resume) | list it as a waiter |
//! | notifies | [`notify`](Resource::notify) | (a Condition: a notified waiter that withdraws passes it on) |
//! | sets or clears a flag | [`set`](Resource::set), [`clear`](Resource::clear) | (an Event: every waiter at a `set` returns) |
//! | lets a party through a barrier | [`arrive`](Resource::arrive), [`trip`](Resource::trip), [`abort`](Resource::abort), [`reset`](Resource::reset) | (a Barrier: indices unique within a cycle, below the parties) |
//! | takes in or hands out an item | [`put`](Resource::put), [`get`](Resource::get), [`task_done`](Resource::task_done), [`shutdown`](Resource::shutdown) | (a Queue: items conserved, at most maxsize) |
//! | refuses a call with an error | [`misuse`](Resource::misuse) | (shown in the trace) |
//!
//! Which rules apply follows from the kind and the operations: units (`request`, `grant`,
//! `release`) make a *held* resource, judged for capacity, FIFO order (if it promises it), lost
//! wake-ups, work conservation and deadlock; the wait-based kinds get their own bookkeeping.
//! `docs/checkers.md` states every rule; `docs/foreign-primitives.md` walks through describing
//! a Condition and a Queue.
//!
//! Two more things a primitive needs from the simulation, both documented here:
//! [`current_task`] (whom to name in a [`wake`](Resource::wake)) and [`is_cancelling`] (a
//! waiter whose task's cancellation was requested and has not landed yet: asyncio's cancelled
//! future, which wake-ups skip). A fast path may also ask [`force_yield`] whether a forced-yield
//! fault makes it suspend once.
//!
//! ```
//! use weft_traces::resource::Resource;
//! // A lock of your own: registered with the run it is used in, recording nothing outside one.
//! let res = Resource::lock("mine");
//! assert_eq!(res.id(), None); // not in a simulation here
//! res.request();
//! res.grant();
//! res.release();
//! ```
//!
//! For a primitive whose code you cannot edit (tokio's, futures', async-lock's), wrap its
//! acquire future with [`Resource::acquire`]: it records the request, the grant and the
//! abandon, and its guard records the release.

mod wrap;

pub use wrap::{Acquire, Held};

use crate::event::{Op, ResourceKind};
use crate::ids::{ResourceId, TaskId};
use crate::name::Name;
use crate::recorder::{self, Recorder};
use std::cell::{Cell, OnceCell};
use std::fmt;
use std::panic::Location;

/// A primitive as weft's checkers see it: what it is, and what it does, one method per
/// operation. It registers with the simulation running on this thread when it is created
/// inside one, or else on its first operation there (one created in a test's setup or in an
/// exploration's factory is traced and checked all the same); one used in several runs gets a
/// fresh id in each. Share it with `Rc` when tasks need their own handle.
///
/// ```
/// use weft_traces::resource::Resource;
/// use weft_traces::ResourceKind;
/// let sem = Resource::semaphore("pool", 0);
/// assert_eq!(sem.kind(), ResourceKind::Semaphore);
/// assert_eq!((sem.capacity(), sem.initial()), (None, Some(0)));
/// assert_eq!(sem.name(), "pool");
/// ```
pub struct Resource {
    kind: ResourceKind,
    name: Named,
    capacity: Option<u64>,
    initial: Option<u64>,
    fifo: bool,
    /// It promises hand-off semantics ([`Resource::handoff`]).
    handoff: bool,
    /// The run it registered with last, and its id there.
    registered: Cell<Option<(u64, ResourceId)>>,
}

/// A resource's name: given (kept inline when short, so that a primitive made in every run
/// allocates nothing for it), or a place in the source formatted when first asked for.
enum Named {
    Given(Name),
    At(&'static Location<'static>, OnceCell<Box<str>>),
}

impl fmt::Debug for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resource")
            .field("kind", &self.kind)
            .field("name", &self.name())
            .field("capacity", &self.capacity)
            .field("initial", &self.initial)
            .field("fifo", &self.fifo)
            .field("handoff", &self.handoff)
            .finish()
    }
}

impl Resource {
    /// A resource of `kind` named `name`: `capacity` is how many units it has (a held
    /// resource's bound; a Barrier's parties; a bounded Queue's maxsize; `None` for none), all
    /// free at the start; `fifo` promises that waiters are granted in the order they began
    /// waiting. The constructors below are this with the built-in primitives' arguments.
    ///
    /// ```
    /// use weft_traces::resource::Resource;
    /// use weft_traces::ResourceKind;
    /// let pool = Resource::new(ResourceKind::Foreign, "pool", Some(4), false);
    /// assert_eq!((pool.capacity(), pool.initial(), pool.fifo()), (Some(4), None, false));
    /// ```
    pub fn new(kind: ResourceKind, name: &str, capacity: Option<u64>, fifo: bool) -> Resource {
        Resource::described(kind, name, capacity, None, fifo)
    }

    /// A counting resource whose free units start at `initial`, which may differ from its
    /// `capacity` (`None`: no bound, every release adds a unit): a semaphore that starts at 0
    /// and is released three times has three units to grant, and the checkers count them from
    /// its events (its initial value, every release and every grant).
    ///
    /// ```
    /// use weft_traces::resource::Resource;
    /// use weft_traces::ResourceKind;
    /// // tokio's `Semaphore::new(0)` that three `add_permits(1)` open, never more than 3.
    /// let jobs = Resource::counting(ResourceKind::Foreign, "jobs", 0, Some(3), true);
    /// assert_eq!((jobs.initial(), jobs.capacity()), (Some(0), Some(3)));
    /// ```
    pub fn counting(kind: ResourceKind, name: &str, initial: u64, capacity: Option<u64>, fifo: bool) -> Resource {
        let initial = (Some(initial) != capacity).then_some(initial);
        Resource::described(kind, name, capacity, initial, fifo)
    }

    /// An asyncio `Lock`: one unit, FIFO.
    ///
    /// ```
    /// let lock = weft_traces::resource::Resource::lock("db");
    /// assert_eq!((lock.capacity(), lock.fifo()), (Some(1), true));
    /// ```
    pub fn lock(name: &str) -> Resource {
        Resource::new(ResourceKind::Lock, name, Some(1), true)
    }

    /// An asyncio `Semaphore(value)`: `value` units at the start and no bound (an extra release
    /// adds a unit, as in asyncio), FIFO.
    ///
    /// ```
    /// let sem = weft_traces::resource::Resource::semaphore("signal", 0);
    /// assert_eq!((sem.initial(), sem.capacity()), (Some(0), None));
    /// ```
    pub fn semaphore(name: &str, value: u64) -> Resource {
        Resource::counting(ResourceKind::Semaphore, name, value, None, true)
    }

    /// An asyncio `BoundedSemaphore(value)`: `value` units, never more, FIFO.
    ///
    /// ```
    /// let sem = weft_traces::resource::Resource::bounded_semaphore("pool", 2);
    /// assert_eq!((sem.initial(), sem.capacity()), (None, Some(2)));
    /// ```
    pub fn bounded_semaphore(name: &str, value: u64) -> Resource {
        Resource::new(ResourceKind::BoundedSemaphore, name, Some(value), true)
    }

    /// An asyncio `Condition`: waits and notifications (its lock is a resource of its own).
    ///
    /// ```
    /// let cond = weft_traces::resource::Resource::condition("items");
    /// assert_eq!(cond.capacity(), None);
    /// ```
    pub fn condition(name: &str) -> Resource {
        Resource::new(ResourceKind::Condition, name, None, false)
    }

    /// An asyncio `Event`: a flag that wakes every waiter when it is set.
    ///
    /// ```
    /// let event = weft_traces::resource::Resource::event("ready");
    /// assert_eq!(event.kind(), weft_traces::ResourceKind::Event);
    /// ```
    pub fn event(name: &str) -> Resource {
        Resource::new(ResourceKind::Event, name, None, false)
    }

    /// An asyncio `Barrier(parties)`.
    ///
    /// ```
    /// let barrier = weft_traces::resource::Resource::barrier("rounds", 3);
    /// assert_eq!(barrier.capacity(), Some(3));
    /// ```
    pub fn barrier(name: &str, parties: u64) -> Resource {
        Resource::new(ResourceKind::Barrier, name, Some(parties), false)
    }

    /// An asyncio `Queue(maxsize)`; `maxsize` 0 is unbounded, as in asyncio.
    ///
    /// ```
    /// use weft_traces::resource::Resource;
    /// assert_eq!(Resource::queue("jobs", 2).capacity(), Some(2));
    /// assert_eq!(Resource::queue("log", 0).capacity(), None);
    /// ```
    pub fn queue(name: &str, maxsize: u64) -> Resource {
        Resource::new(ResourceKind::Queue, name, (maxsize > 0).then_some(maxsize), false)
    }

    /// A held resource of a primitive weft did not write (kind [`ResourceKind::Foreign`],
    /// shown as `Resource 'name'`): `capacity` units, all free at the start, and a FIFO promise
    /// if `fifo`.
    ///
    /// ```
    /// let mutex = weft_traces::resource::Resource::foreign("tokio-mutex", 1, true);
    /// assert_eq!(mutex.kind(), weft_traces::ResourceKind::Foreign);
    /// ```
    pub fn foreign(name: &str, capacity: u64, fifo: bool) -> Resource {
        Resource::new(ResourceKind::Foreign, name, Some(capacity), fifo)
    }

    /// A tracked cell's resource (kind [`ResourceKind::Cell`]): every read records
    /// [`Op::Read`], every write [`Op::Write`] (see `weft::cell`).
    ///
    /// ```
    /// let x = weft_traces::resource::Resource::cell("X");
    /// assert_eq!((x.kind(), x.name()), (weft_traces::ResourceKind::Cell, "X"));
    /// ```
    pub fn cell(name: &str) -> Resource {
        Resource::new(ResourceKind::Cell, name, None, false)
    }

    /// A tracked cell's resource named for a place in the source (`file:line:column`), the
    /// name formatted only when it is first asked for (when a simulation registers it), so a
    /// cell made outside a simulation allocates nothing for it.
    ///
    /// ```
    /// let here = std::panic::Location::caller();
    /// let x = weft_traces::resource::Resource::cell_at(here);
    /// assert_eq!(x.name(), format!("{}:{}:{}", here.file(), here.line(), here.column()));
    /// ```
    pub fn cell_at(location: &'static Location<'static>) -> Resource {
        Resource::with_name(ResourceKind::Cell, Named::At(location, OnceCell::new()), None, None, false)
    }

    fn described(kind: ResourceKind, name: &str, capacity: Option<u64>, initial: Option<u64>, fifo: bool) -> Resource {
        Resource::with_name(kind, Named::Given(Name::new(name)), capacity, initial, fifo)
    }

    fn with_name(kind: ResourceKind, name: Named, capacity: Option<u64>, initial: Option<u64>, fifo: bool) -> Resource {
        let resource = Resource { kind, name, capacity, initial, fifo, handoff: false, registered: Cell::new(None) };
        resource.id(); // registers now, if a simulation is running
        resource
    }

    /// Its kind (which rules apply, and how reports name it).
    pub fn kind(&self) -> ResourceKind {
        self.kind
    }

    /// Its name in traces and reports.
    pub fn name(&self) -> &str {
        match &self.name {
            Named::Given(name) => name.as_str(),
            Named::At(at, name) => name.get_or_init(|| format!("{}:{}:{}", at.file(), at.line(), at.column()).into()),
        }
    }

    /// Its capacity, as declared (see [`Resource::new`]).
    pub fn capacity(&self) -> Option<u64> {
        self.capacity
    }

    /// Its units free at the start, when they differ from the capacity (see
    /// [`Resource::counting`]); `None`: as many as the capacity.
    pub fn initial(&self) -> Option<u64> {
        self.initial
    }

    /// Whether it promises FIFO order.
    pub fn fifo(&self) -> bool {
        self.fifo
    }

    /// Promises *hand-off* semantics, which lets partial-order reduction treat a waiter's
    /// request and a release as commuting (`docs/search.md`, "Hand-off resources"): a task that
    /// asks for a unit and is not granted it at once does nothing else in that step but join the
    /// waiters; a release hands its unit to the first waiter still waiting (waking it) or, if
    /// there is none, leaves it free, so that the next request takes it without waiting; a woken
    /// waiter's grant is recorded when its task runs. weft's `Lock`, `Semaphore` and
    /// `BoundedSemaphore` promise it; its historical mutants do not.
    ///
    /// Promise it only if it holds: the reduction then explores one of the two orders of a
    /// request and a release, and a primitive that breaks the promise (a release that loses its
    /// wake-up, a waiter served out of turn) may show its bug only in the order not explored.
    /// Without reduction it changes nothing.
    ///
    /// ```
    /// let lock = weft_traces::resource::Resource::lock("db").handoff();
    /// assert!(lock.hands_off());
    /// assert!(!weft_traces::resource::Resource::lock("mine").hands_off());
    /// ```
    pub fn handoff(mut self) -> Resource {
        self.handoff = true;
        if let Some((run, id)) = self.registered.get() {
            recorder::with(|r| {
                if r.run_id() == run {
                    r.promise_handoff(id);
                }
            });
        }
        self
    }

    /// Whether it promises hand-off semantics ([`Resource::handoff`]).
    pub fn hands_off(&self) -> bool {
        self.handoff
    }

    /// Its id in the running simulation (registering it there first if needed); `None` outside
    /// a simulation.
    ///
    /// ```
    /// assert_eq!(weft_traces::resource::Resource::event("e").id(), None);
    /// ```
    pub fn id(&self) -> Option<ResourceId> {
        recorder::with(|r| self.id_with(r))
    }

    /// Its id in the run of `recorder`, registering it there first if needed: what
    /// [`Resource::id`] is with the recorder installed on this thread, for a [`Recorder`] that
    /// is handed a resource ([`Recorder::record_on`]).
    ///
    /// ```
    /// # use std::cell::Cell;
    /// # use weft_traces::recorder::Recorder;
    /// # use weft_traces::{Op, Resource, ResourceId, TaskId};
    /// /// Gives each registration the next id; run 7.
    /// struct Ids(Cell<u32>);
    /// impl Recorder for Ids {
    ///     fn as_any(&self) -> &dyn std::any::Any { self }
    ///     fn run_id(&self) -> u64 { 7 }
    ///     fn register(&self, _: &Resource) -> ResourceId {
    ///         self.0.set(self.0.get() + 1);
    ///         ResourceId(self.0.get())
    ///     }
    ///     fn record(&self, _: ResourceId, _: Op) {}
    ///     fn current_task(&self) -> Option<TaskId> { None }
    ///     fn is_cancelling(&self, _: TaskId) -> bool { false }
    ///     fn force_yield(&self) -> bool { false }
    /// }
    /// let (ids, lock) = (Ids(Cell::new(0)), Resource::lock("l"));
    /// assert_eq!(lock.id_in_run(7), None);
    /// assert_eq!(lock.id_with(&ids), ResourceId(1)); // registered now
    /// assert_eq!(lock.id_with(&ids), ResourceId(1)); // and known from then on
    /// assert_eq!(lock.id_in_run(7), Some(ResourceId(1)));
    /// ```
    pub fn id_with<R: Recorder + ?Sized>(&self, recorder: &R) -> ResourceId {
        let run = recorder.run_id();
        match self.id_in_run(run) {
            Some(id) => id,
            None => {
                let id = recorder.register(self);
                self.registered.set(Some((run, id)));
                id
            }
        }
    }

    /// Its id in run `run` (a [`Recorder::run_id`]), if it registered with that run; `None`
    /// if it did not (yet). A recorder that knows its run id without asking can check a
    /// resource's id this way before it records ([`Recorder::record_on`]).
    ///
    /// ```
    /// let lock = weft_traces::resource::Resource::lock("l");
    /// assert_eq!(lock.id_in_run(1), None); // created outside a simulation: registered nowhere
    /// ```
    #[inline]
    pub fn id_in_run(&self, run: u64) -> Option<ResourceId> {
        match self.registered.get() {
            Some((registered, id)) if registered == run => Some(id),
            _ => None,
        }
    }

    /// Records `op` on this resource by the running task; `op` is built only inside a
    /// simulation. The methods below are this with one op each (`request`, `grant`, `release`
    /// and `wake` through the recorder's own hook for each, [`Recorder::record_request`] and
    /// the next three, which by default are the same).
    ///
    /// ```
    /// use weft_traces::{resource::Resource, Op};
    /// Resource::lock("l").record(|| Op::Request); // the same as `.request()`
    /// ```
    #[inline]
    pub fn record(&self, op: impl FnOnce() -> Op) {
        recorder::with(|r| r.record_on(self, op()));
    }

    /// Tells the running simulation that the running task looked at this resource's state
    /// without changing it (`locked()`, `is_set()`, `qsize()`): nothing is traced, but the
    /// step now depends on the resource, which partial-order reduction must know. Nothing
    /// outside a simulation.
    ///
    /// ```
    /// weft_traces::resource::Resource::event("ready").observe(); // outside a simulation: nothing
    /// ```
    #[inline]
    pub fn observe(&self) {
        recorder::with(|r| {
            let id = self.id_with(r);
            r.observe(id);
        });
    }

    /// The running task asks for one unit (a lock, a permit). It may be granted at once, in the
    /// same step (a fast path); if its step ends first, it is a *waiter*.
    ///
    /// ```
    /// weft_traces::resource::Resource::lock("l").request();
    /// ```
    #[inline]
    pub fn request(&self) {
        recorder::with(|r| r.record_request(self));
    }

    /// The running task now holds one unit; its request (if any) is closed. Checked against the
    /// capacity (a unit is never granted twice) and, for a FIFO resource, against the waiters
    /// that began waiting before it.
    ///
    /// ```
    /// let lock = weft_traces::resource::Resource::lock("l");
    /// lock.request();
    /// lock.grant();
    /// ```
    #[inline]
    pub fn grant(&self) {
        recorder::with(|r| r.record_grant(self));
    }

    /// The running task now holds `units` units (tokio's `acquire_many`): recorded as `units`
    /// grants, each checked as [`grant`](Resource::grant) is.
    ///
    /// ```
    /// let sem = weft_traces::resource::Resource::semaphore("s", 3);
    /// sem.request();
    /// sem.grant_units(2);
    /// sem.release_units(2);
    /// ```
    pub fn grant_units(&self, units: u64) {
        for _ in 0..units {
            self.grant();
        }
    }

    /// One unit was given back (by the running task, or by whoever releases it: asyncio's locks
    /// have no owner). Checked against the capacity: a resource is never given back more units
    /// than it can have.
    ///
    /// ```
    /// weft_traces::resource::Resource::semaphore("s", 0).release(); // a plain Semaphore's extra unit
    /// ```
    #[inline]
    pub fn release(&self) {
        recorder::with(|r| r.record_release(self));
    }

    /// `units` units were given back: recorded as `units` releases.
    ///
    /// ```
    /// weft_traces::resource::Resource::semaphore("s", 0).release_units(3);
    /// ```
    pub fn release_units(&self, units: u64) {
        for _ in 0..units {
            self.release();
        }
    }

    /// The running task's pending request or wait here was withdrawn before it completed (its
    /// future was dropped: a cancellation). If a hand-off or notification had been sent to it
    /// ([`wake`](Resource::wake)), the resource must pass it on in the same step.
    ///
    /// ```
    /// let lock = weft_traces::resource::Resource::lock("l");
    /// lock.request();
    /// lock.abandon();
    /// ```
    #[inline]
    pub fn abandon(&self) {
        self.record(|| Op::Abandon);
    }

    /// The resource woke `waiter` (a task with a pending request or wait here) to hand it a
    /// unit, a notification or a set flag: a wake-up is in flight to it until its task runs.
    /// Name the waiter's task with [`current_task`] when it begins to wait.
    ///
    /// ```
    /// use weft_traces::TaskId;
    /// weft_traces::resource::Resource::lock("l").wake(TaskId(1));
    /// ```
    #[inline]
    pub fn wake(&self, waiter: TaskId) {
        recorder::with(|r| r.record_wake(self, waiter));
    }

    /// The running task begins to wait (on a Condition's notification, an Event's flag, a
    /// Barrier's trip, a Queue's item or slot) until its [`resume`](Resource::resume) or
    /// [`abandon`](Resource::abandon).
    ///
    /// ```
    /// let event = weft_traces::resource::Resource::event("e");
    /// event.wait();
    /// event.resume();
    /// ```
    #[inline]
    pub fn wait(&self) {
        self.record(|| Op::Wait);
    }

    /// The running task's wait completed (it was woken, and runs).
    ///
    /// ```
    /// weft_traces::resource::Resource::event("e").resume();
    /// ```
    #[inline]
    pub fn resume(&self) {
        self.record(|| Op::Resume);
    }

    /// `notify(requested)` woke `woken` waiters (each also a [`wake`](Resource::wake)).
    ///
    /// ```
    /// weft_traces::resource::Resource::condition("c").notify(1, 0); // nobody waited
    /// ```
    #[inline]
    pub fn notify(&self, requested: u64, woken: u64) {
        self.record(|| Op::Notify { requested, woken });
    }

    /// An Event's flag was set: every task waiting at this moment must be woken by the end of
    /// the step and return in its next one.
    ///
    /// ```
    /// weft_traces::resource::Resource::event("e").set();
    /// ```
    #[inline]
    pub fn set(&self) {
        self.record(|| Op::Set);
    }

    /// An Event's flag was cleared.
    ///
    /// ```
    /// weft_traces::resource::Resource::event("e").clear();
    /// ```
    #[inline]
    pub fn clear(&self) {
        self.record(|| Op::Clear);
    }

    /// The running task arrived at a Barrier and got `index` (unique within the cycle, below
    /// the parties).
    ///
    /// ```
    /// let barrier = weft_traces::resource::Resource::barrier("b", 2);
    /// barrier.arrive(0);
    /// barrier.arrive(1);
    /// barrier.trip();
    /// ```
    #[inline]
    pub fn arrive(&self, index: u64) {
        self.record(|| Op::Arrive { index });
    }

    /// A Barrier tripped (its last party arrived): the cycle ends.
    ///
    /// ```
    /// weft_traces::resource::Resource::barrier("b", 1).trip();
    /// ```
    #[inline]
    pub fn trip(&self) {
        self.record(|| Op::Trip);
    }

    /// A Barrier was aborted: the cycle ends.
    ///
    /// ```
    /// weft_traces::resource::Resource::barrier("b", 2).abort();
    /// ```
    #[inline]
    pub fn abort(&self) {
        self.record(|| Op::Abort);
    }

    /// A Barrier was reset: the cycle ends.
    ///
    /// ```
    /// weft_traces::resource::Resource::barrier("b", 2).reset();
    /// ```
    #[inline]
    pub fn reset(&self) {
        self.record(|| Op::Reset);
    }

    /// An item entered a Queue, which now holds `size` items (one more than before).
    ///
    /// ```
    /// let queue = weft_traces::resource::Resource::queue("q", 0);
    /// queue.put(1);
    /// queue.get(0);
    /// ```
    #[inline]
    pub fn put(&self, size: u64) {
        self.record(|| Op::Put { size });
    }

    /// An item left a Queue, which now holds `size` items (one fewer than before).
    ///
    /// ```
    /// weft_traces::resource::Resource::queue("q", 0).get(0);
    /// ```
    #[inline]
    pub fn get(&self, size: u64) {
        self.record(|| Op::Get { size });
    }

    /// `task_done()` on a Queue.
    ///
    /// ```
    /// weft_traces::resource::Resource::queue("q", 0).task_done();
    /// ```
    #[inline]
    pub fn task_done(&self) {
        self.record(|| Op::TaskDone);
    }

    /// A Queue was shut down (`immediate`: its items were discarded, each recorded as a
    /// [`get`](Resource::get)).
    ///
    /// ```
    /// weft_traces::resource::Resource::queue("q", 0).shutdown(false);
    /// ```
    #[inline]
    pub fn shutdown(&self, immediate: bool) {
        self.record(|| Op::Shutdown { immediate });
    }

    /// A call was refused with `message` (asyncio's error for a misuse, such as releasing an
    /// unlocked Lock). The message is formatted only inside a simulation.
    ///
    /// ```
    /// weft_traces::resource::Resource::lock("l").misuse("Lock is not acquired.");
    /// ```
    #[inline]
    pub fn misuse(&self, message: impl fmt::Display) {
        self.record(|| Op::Misuse { message: message.to_string() });
    }

    /// Wraps the acquire future of a primitive whose code you cannot mark (`mutex.lock()`,
    /// `semaphore.acquire()`): records [`request`](Resource::request) at its first poll,
    /// [`grant`](Resource::grant) when it completes, [`abandon`](Resource::abandon) if it is
    /// dropped before. Its output is a [`Held`] guard around the future's own output, which
    /// records [`release`](Resource::release) when dropped.
    ///
    /// The future's completion is what counts as the grant: when the primitive's acquire can
    /// fail (tokio's `acquire()` on a closed semaphore), handle the failure inside the wrapped
    /// future, so that it completes only holding the unit.
    ///
    /// ```
    /// use weft_traces::resource::Resource;
    /// # futures::executor::block_on(async {
    /// let sem = tokio::sync::Semaphore::new(1);
    /// let res = Resource::foreign("sem", 1, true);
    /// let permit = res.acquire(sem.acquire()).await;
    /// assert!(permit.is_ok()); // tokio's Result<SemaphorePermit, AcquireError>
    /// assert_eq!(sem.available_permits(), 0);
    /// drop(permit);
    /// assert_eq!(sem.available_permits(), 1);
    /// # });
    /// ```
    pub fn acquire<F: std::future::Future>(&self, future: F) -> Acquire<'_, F> {
        Acquire::new(self, future)
    }
}

/// The running task of the running simulation (`None` outside one, or between steps). A
/// primitive notes it when a task begins to wait, so that it can name the waiter it wakes
/// ([`Resource::wake`]) and ask whether its task is being cancelled ([`is_cancelling`]).
///
/// ```
/// assert_eq!(weft_traces::resource::current_task(), None); // no simulation here
/// ```
pub fn current_task() -> Option<TaskId> {
    recorder::with(|r| r.current_task()).flatten()
}

/// Whether `task`'s cancellation was requested and has not landed yet: its future will be
/// dropped at its next step, but it has not run since. asyncio's waiter future is already
/// cancelled in that state, so its wake-ups skip it (`_wake_up_next` looks for a future that
/// is not done) and a newcomer may pass it: the checkers count such a waiter as no longer
/// live. A primitive that wakes waiters in order should skip these too, and leave the task
/// to pass on what it holds when its cancellation lands (its future's drop). Always false
/// outside a simulation, where a waiter is known to be cancelled only when its future is
/// dropped.
///
/// ```
/// use weft_traces::{resource, TaskId};
/// assert!(!resource::is_cancelling(TaskId(1))); // no simulation here
/// ```
pub fn is_cancelling(task: TaskId) -> bool {
    recorder::with(|r| r.is_cancelling(task)).unwrap_or(false)
}

/// Whether the fast path the running task just reached (an operation about to complete
/// without suspending) must suspend once anyway: a forced-yield fault of the running
/// simulation, as tokio's cooperative budget makes a fast path yield. When it returns true,
/// wake the task (`cx.waker().wake_by_ref()`) and return `Poll::Pending` without changing any
/// state, so that the next poll starts the operation afresh. Always false outside a
/// simulation, or when the exploration injects no faults.
///
/// ```
/// assert!(!weft_traces::resource::force_yield());
/// ```
pub fn force_yield() -> bool {
    recorder::with(|r| r.force_yield()).unwrap_or(false)
}
