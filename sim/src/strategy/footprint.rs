//! What each step left behind for the scheduler: who ran it, whether it yielded, what it touched.
//!
//! Two records of what a step touched live here. [`Footprint::touched`] lists the resources the
//! step recorded an operation on, always kept (POS weighs it). [`Footprint::accesses`] is the
//! step's full footprint for partial-order reduction: every [`Object`] of the run's shared state
//! it read or wrote, kept only when the scheduler asks for it
//! ([`Scheduler::wants_accesses`](super::Scheduler::wants_accesses)), so other strategies pay
//! nothing for it. `docs/search.md` says, object by object, why these are the ones.

use weft_traces::{ResourceId, TaskId};

/// What one step did that a scheduler may weigh at the next pick ([`PickContext::steps`]).
///
/// [`PickContext::steps`]: super::PickContext::steps
///
/// ```
/// use weft_sim::strategy::Footprint;
/// use weft_sim::TaskId;
/// use weft_traces::ResourceId;
/// // Step 4: task 1 released a lock (resource 0) and yielded.
/// let step = Footprint { woke_itself: true, touched: vec![ResourceId(0)], ..Footprint::new(TaskId(1), 4) };
/// assert!(step.touches(&[ResourceId(2), ResourceId(0)]));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Footprint {
    /// The task the step ran (or whose future it dropped, for a cancellation).
    pub task: TaskId,
    /// The step's number (the first step of a run is 1).
    pub step: u64,
    /// The task woke itself during the step: it is ready again because of its own wake-up
    /// (`yield_now`, `sleep(0)`, a forced yield at a primitive), not anyone else's.
    pub woke_itself: bool,
    /// The resources the step recorded an operation on (request, grant, release, wake, ...),
    /// each once, in the order first touched.
    pub touched: Vec<ResourceId>,
    /// Every object of shared state the step read or wrote, each once per part with the modes
    /// combined ([`Mode::then`]), in part order and within a part in the order first touched
    /// (empty unless the scheduler asked for accesses).
    pub accesses: Vec<Access>,
    /// Timers fired between the previous step and this one: the clock advanced (or due timers
    /// were released) because nothing was ready. Kept only with `accesses`.
    pub after_timers: bool,
}

impl Footprint {
    /// Step `step` of `task`, having touched nothing yet.
    pub fn new(task: TaskId, step: u64) -> Footprint {
        Footprint { task, step, woke_itself: false, touched: Vec::new(), accesses: Vec::new(), after_timers: false }
    }

    /// Whether the step touched any of `resources`.
    pub fn touches(&self, resources: &[ResourceId]) -> bool {
        self.touched.iter().any(|r| resources.contains(r))
    }

    /// Whether running this step and `other`, of another task, in the other order could change
    /// what either does: one of them writes an object the other reads or writes.
    ///
    /// ```
    /// use weft_sim::strategy::{Access, Footprint, Mode, Object};
    /// use weft_sim::TaskId;
    /// use weft_traces::ResourceId;
    /// let reads = |task| Footprint { accesses: vec![Access::new(Object::Resource(ResourceId(0)), Mode::Read)], ..Footprint::new(TaskId(task), 1) };
    /// let writes = Footprint { accesses: vec![Access::new(Object::Resource(ResourceId(0)), Mode::Write)], ..Footprint::new(TaskId(3), 2) };
    /// assert!(!reads(1).conflicts(&reads(2)));
    /// assert!(reads(1).conflicts(&writes));
    /// ```
    pub fn conflicts(&self, other: &Footprint) -> bool {
        conflict(&self.accesses, &other.accesses)
    }
}

/// Whether two footprints conflict: some object one of them writes and the other touches, in
/// modes that do not commute ([`Mode::conflicts`]).
pub(crate) fn conflict(a: &[Access], b: &[Access]) -> bool {
    let halts = |x: &Access| x.object == Object::Halt;
    a.iter().any(halts) && !b.is_empty()
        || b.iter().any(halts) && !a.is_empty()
        || a.iter().any(|x| b.iter().any(|y| x.object == y.object && x.mode.conflicts(y.mode)))
}

/// A piece of a run's shared state that a step can touch. Two steps of different tasks are
/// *dependent* when one writes an object the other touches; otherwise running them in either
/// order gives the same state, and partial-order reduction runs only one of the two orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Object {
    /// A primitive or a tracked cell, by its id in the run: every recorded operation writes it,
    /// a query (`locked()`, `is_set()`, a cell's read) reads it.
    Resource(ResourceId),
    /// Whether the task is queued to run. A wake that queues it writes it ([`Mode::Wake`]), a
    /// wake that finds it queued already reads it, and each of the task's own steps writes it
    /// (the step takes the task off the queue).
    Ready(TaskId),
    /// The task's cancellation request: written by a cancel, read by the task's every step and
    /// by the primitives asking whether a waiter is being cancelled.
    Cancel(TaskId),
    /// The task's end: written by its last step, read by whoever awaits it, asks whether it
    /// finished, wakes it or cancels it.
    Exit(TaskId),
    /// The timers the task registered: its sleeps and timeouts.
    Timers(TaskId),
    /// The next task id: every spawn writes it (ids go in spawn order).
    Spawn,
    /// The next resource id: every registration of a primitive or cell in the run writes it.
    Registry,
    /// The program's random stream: every draw writes it (the values go in draw order).
    Draws,
    /// The program's output: every [`crate::print`] writes it (the lines go in print order,
    /// and they are part of the run's outcome).
    Output,
    /// The run itself: the step during which the run failed writes it, and it conflicts with
    /// every access of every step, since the failure ends the run and so cuts off whatever
    /// another order would have run before it.
    Halt,
}

/// How a step touched an [`Object`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// Looked at it.
    Read,
    /// Changed it.
    Write,
    /// Queued a task to run (on [`Object::Ready`]): a write that also enables the task's next
    /// step.
    Wake,
    /// Went on past an `.await` because of what another step had written (a task's end,
    /// awaited through its join handle): a read that the rest of the step needed.
    Await,
    /// Asked a hand-off resource ([`Resource::handoff`]) for a unit and was not granted it in
    /// the same part of the step: joined its waiters. A write that commutes with a release
    /// ([`Mode::Release`], [`Mode::Unlock`]): released first, the unit would have been granted
    /// at once; released after, it is handed to this waiter, which takes it when its task runs
    /// next. Either way the task holds it next, and what differs (the step at which it takes it)
    /// shows only to a step that looks at the resource, which conflicts with both.
    ///
    /// [`Resource::handoff`]: weft_traces::resource::Resource::handoff
    Enqueue,
    /// Took a unit of a hand-off resource it was waiting for (its grant, when its task ran
    /// after the hand-off).
    Grant,
    /// [`Mode::Grant`] of a hand-off resource with one unit (a Lock's woken waiter taking the
    /// lock handed to it). Commutes with another task's [`Mode::Enqueue`]: while the woken
    /// waiter is listed a newcomer waits behind it, and once it holds the lock the newcomer
    /// waits for it; either way the newcomer waits in the same place.
    Handover,
    /// Asked a hand-off resource for a unit and took it in the same part of the step.
    Acquire,
    /// Gave a unit of a hand-off resource back, or woke the waiter it goes to.
    Release,
    /// [`Mode::Release`] of a hand-off resource with one unit (a Lock): no other task could
    /// have taken a unit until it. A race between it and a later [`Mode::Acquire`] is reversed
    /// where the releaser's hold began (see `dfs/races.rs`).
    Unlock,
}

impl Mode {
    /// Whether it changes the object.
    pub fn writes(self) -> bool {
        !matches!(self, Mode::Read | Mode::Await)
    }

    /// Whether an access in this mode and one in `other`, to the same object by different
    /// tasks, may give another outcome in the other order: one of them writes it, and they are
    /// not a waiter's request and a release or hand-over of a hand-off resource
    /// ([`Mode::Enqueue`], [`Mode::Handover`]).
    ///
    /// ```
    /// use weft_sim::strategy::Mode;
    /// assert!(!Mode::Read.conflicts(Mode::Read));
    /// assert!(Mode::Read.conflicts(Mode::Enqueue) && Mode::Acquire.conflicts(Mode::Enqueue));
    /// assert!(!Mode::Enqueue.conflicts(Mode::Unlock) && !Mode::Release.conflicts(Mode::Enqueue));
    /// assert!(!Mode::Handover.conflicts(Mode::Enqueue) && Mode::Grant.conflicts(Mode::Enqueue));
    /// ```
    pub fn conflicts(self, other: Mode) -> bool {
        let commutes = |m: Mode| matches!(m, Mode::Release | Mode::Unlock | Mode::Handover);
        match (self, other) {
            (Mode::Enqueue, m) | (m, Mode::Enqueue) if commutes(m) => false,
            _ => self.writes() || other.writes(),
        }
    }

    /// The mode of one part of a step that touched an object in this mode, then in `later`.
    /// A request then a grant is an [`Mode::Acquire`]; the same hand-off mode twice stays
    /// itself; other mixes of the hand-off modes are a plain [`Mode::Write`]; the rest keep
    /// the strongest.
    ///
    /// ```
    /// use weft_sim::strategy::Mode;
    /// assert_eq!(Mode::Enqueue.then(Mode::Grant), Mode::Acquire);
    /// assert_eq!(Mode::Enqueue.then(Mode::Handover), Mode::Acquire);
    /// assert_eq!(Mode::Unlock.then(Mode::Unlock), Mode::Unlock);
    /// assert_eq!(Mode::Unlock.then(Mode::Enqueue), Mode::Write);
    /// assert_eq!(Mode::Read.then(Mode::Wake), Mode::Wake);
    /// ```
    pub fn then(self, later: Mode) -> Mode {
        let handoff = |m: Mode| {
            matches!(m, Mode::Enqueue | Mode::Grant | Mode::Handover | Mode::Acquire | Mode::Release | Mode::Unlock)
        };
        match (self, later) {
            (a, b) if a == b => a,
            (Mode::Enqueue, Mode::Grant | Mode::Handover) => Mode::Acquire,
            (a, b) if handoff(a) || handoff(b) => Mode::Write,
            (a, b) => a.max(b),
        }
    }
}

/// One object a step touched, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Access {
    /// What it touched.
    pub object: Object,
    /// How (the strongest way the step touched it in this part).
    pub mode: Mode,
    /// Which part of the step: a step is cut into parts where it went on past an `.await`
    /// that another step's write made ready ([`Mode::Await`]); what follows depends on that
    /// write, what precedes does not.
    pub part: u32,
}

impl Access {
    /// `mode` access to `object`, in a step's first part.
    pub fn new(object: Object, mode: Mode) -> Access {
        Access { object, mode, part: 0 }
    }
}

/// The kernel's record of the steps since the last pick that offered a choice: a step is opened
/// when it is picked (with a choice or not), filled in while it runs, closed when it ends, and
/// the list is handed to the scheduler, then cleared, at the next pick with a choice. The
/// entries' storage is reused, so a run allocates only while the list grows past its longest
/// so far.
#[derive(Debug, Default)]
pub(crate) struct Footprints {
    steps: Vec<Footprint>,
    len: usize,
    /// The scheduler reads them ([`Scheduler::reads_steps`](super::Scheduler::reads_steps) or
    /// [`Scheduler::wants_accesses`](super::Scheduler::wants_accesses)): otherwise nothing is
    /// collected.
    on: bool,
    /// A step is running (between `open` and `close`): only then do accesses count.
    open: bool,
    /// The running step's current part.
    part: u32,
    /// Keep [`Footprint::accesses`] and [`Footprint::after_timers`].
    pub(crate) accesses: bool,
    /// Timers fired since the last step was opened.
    timers_fired: bool,
}

impl Footprints {
    /// Footprints collected only if `on`, with accesses only if `accesses` as well.
    pub(crate) fn new(on: bool, accesses: bool) -> Footprints {
        Footprints { on, accesses: on && accesses, ..Footprints::default() }
    }

    /// Collected (with accesses if `accesses`), in the room of `steps`, lists an earlier run's
    /// footprints left (see [`Footprints::into_room`]): their entries are emptied as each is
    /// reused.
    pub(crate) fn with_room(accesses: bool, steps: Vec<Footprint>) -> Footprints {
        Footprints { steps, ..Footprints::new(true, accesses) }
    }

    /// Whether they are collected.
    pub(crate) fn is_on(&self) -> bool {
        self.on
    }

    /// The steps' lists, for a later run's footprints to reuse.
    pub(crate) fn into_room(self) -> Vec<Footprint> {
        self.steps
    }

    /// Step `step`, by `task`, is about to run. Inlined: without footprints it is one branch.
    #[inline]
    pub(crate) fn open(&mut self, task: TaskId, step: u64) {
        if self.on {
            self.open_step(task, step);
        }
    }

    fn open_step(&mut self, task: TaskId, step: u64) {
        let after_timers = std::mem::take(&mut self.timers_fired) && self.accesses;
        match self.steps.get_mut(self.len) {
            Some(f) => {
                (f.task, f.step, f.woke_itself, f.after_timers) = (task, step, false, after_timers);
                f.touched.clear();
                f.accesses.clear();
            }
            None => self.steps.push(Footprint { after_timers, ..Footprint::new(task, step) }),
        }
        self.len += 1;
        self.open = true;
        self.part = 0;
    }

    /// The step that was running has ended.
    pub(crate) fn close(&mut self) {
        self.open = false;
    }

    /// Timers fired while no step ran.
    pub(crate) fn timers_fired(&mut self) {
        self.timers_fired = true;
    }

    /// The step running now, if `task` runs it.
    fn running(&mut self, task: TaskId) -> Option<&mut Footprint> {
        if !self.open {
            return None;
        }
        self.steps[..self.len].last_mut().filter(|f| f.task == task)
    }

    /// `task`, running, recorded an operation on `resource`.
    pub(crate) fn touch(&mut self, task: TaskId, resource: ResourceId) {
        if let Some(f) = self.running(task) {
            if !f.touched.contains(&resource) {
                f.touched.push(resource);
            }
        }
    }

    /// `task`, running, touched `object` in `mode` (kept only when accesses are tracked). Inlined
    /// into its callers, which make it on every operation: without accesses it is one branch.
    #[inline]
    pub(crate) fn access(&mut self, task: Option<TaskId>, object: Object, mode: Mode) {
        if self.accesses {
            self.note_access(task, object, mode);
        }
    }

    fn note_access(&mut self, task: Option<TaskId>, object: Object, mode: Mode) {
        let part = self.part;
        let Some(f) = task.and_then(|t| self.running(t)) else { return };
        match f.accesses.iter_mut().find(|a| a.object == object && a.part == part) {
            Some(a) => a.mode = a.mode.then(mode),
            None => f.accesses.push(Access { object, mode, part }),
        }
    }

    /// `task`, running, went on past an `.await` made ready by a write of `object`: a new part
    /// of its step begins with that read.
    #[inline]
    pub(crate) fn awaited(&mut self, task: Option<TaskId>, object: Object) {
        if !self.accesses || task.and_then(|t| self.running(t)).is_none() {
            return;
        }
        self.part += 1;
        self.access(task, object, Mode::Await);
    }

    /// `task`, running, woke itself.
    pub(crate) fn woke_itself(&mut self, task: TaskId) {
        if let Some(f) = self.running(task) {
            f.woke_itself = true;
        }
    }

    /// The steps since the last pick with a choice, oldest first.
    pub(crate) fn as_slice(&self) -> &[Footprint] {
        &self.steps[..self.len]
    }

    /// The run failed during its last step: that step ends the run ([`Object::Halt`]).
    pub(crate) fn halted(&mut self) {
        if let (true, Some(f)) = (self.accesses, self.steps[..self.len].last_mut()) {
            // In the step's first part, keeping the accesses in part order.
            let at = f.accesses.iter().position(|a| a.part > 0).unwrap_or(f.accesses.len());
            f.accesses.insert(at, Access::new(Object::Halt, Mode::Write));
        }
    }

    /// A pick with a choice has seen them.
    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(task: u32, step: u64, woke_itself: bool, touched: Vec<ResourceId>) -> Footprint {
        Footprint { woke_itself, touched, ..Footprint::new(TaskId(task), step) }
    }

    #[test]
    fn a_step_records_what_its_own_task_did_and_storage_is_reused() {
        let mut log = Footprints::new(true, false);
        log.open(TaskId(1), 1);
        log.touch(TaskId(1), ResourceId(3));
        log.touch(TaskId(1), ResourceId(3));
        log.touch(TaskId(2), ResourceId(4)); // not the running task: ignored
        log.woke_itself(TaskId(2));
        log.open(TaskId(2), 2);
        log.woke_itself(TaskId(2));
        assert_eq!(log.as_slice(), [step(1, 1, false, vec![ResourceId(3)]), step(2, 2, true, vec![])]);
        log.clear();
        assert!(log.as_slice().is_empty());
        log.open(TaskId(1), 3);
        assert_eq!(log.as_slice(), [step(1, 3, false, vec![])]);
    }

    #[test]
    fn accesses_are_kept_only_when_asked_for_and_only_inside_a_step() {
        let mut log = Footprints::new(true, false);
        log.open(TaskId(1), 1);
        log.access(Some(TaskId(1)), Object::Draws, Mode::Write);
        assert!(log.as_slice()[0].accesses.is_empty(), "not tracking");
        log.accesses = true;
        log.access(Some(TaskId(1)), Object::Ready(TaskId(2)), Mode::Read);
        log.access(Some(TaskId(1)), Object::Ready(TaskId(2)), Mode::Wake);
        log.access(Some(TaskId(1)), Object::Ready(TaskId(2)), Mode::Read);
        log.access(None, Object::Spawn, Mode::Write); // the executor: not a step's
        log.close();
        log.access(Some(TaskId(1)), Object::Registry, Mode::Write); // after the step: ignored
        log.timers_fired();
        log.open(TaskId(2), 2);
        let steps = log.as_slice();
        assert_eq!(steps[0].accesses, [Access::new(Object::Ready(TaskId(2)), Mode::Wake)]);
        assert!(!steps[0].after_timers && steps[1].after_timers);
    }

    #[test]
    fn two_reads_commute_and_a_write_conflicts_with_any_touch() {
        let r = |object| Access::new(object, Mode::Read);
        let w = |object| Access::new(object, Mode::Write);
        let cell = Object::Resource(ResourceId(0));
        assert!(!conflict(&[r(cell)], &[r(cell)]));
        assert!(conflict(&[r(cell)], &[w(cell)]));
        assert!(conflict(&[Access::new(Object::Ready(TaskId(1)), Mode::Wake)], &[r(Object::Ready(TaskId(1)))]));
        assert!(!conflict(&[w(cell)], &[w(Object::Resource(ResourceId(1)))]));
    }

    /// Collects every step's footprint (FIFO order), asking for accesses.
    struct Collect(std::rc::Rc<std::cell::RefCell<Vec<Footprint>>>);

    impl crate::Scheduler for Collect {
        fn pick(&mut self, cx: &crate::strategy::PickContext<'_>) -> Result<usize, crate::Divergence> {
            self.0.borrow_mut().extend_from_slice(cx.steps);
            Ok(0)
        }
        fn draw(&mut self, _bound: u64) -> Result<u64, crate::Divergence> {
            Ok(0)
        }
        fn wants_accesses(&self) -> bool {
            true
        }
        fn ended(&mut self, steps: &[Footprint]) {
            self.0.borrow_mut().extend_from_slice(steps);
        }
    }

    #[test]
    fn a_run_records_what_each_step_touched() {
        use crate::{random_range, sleep, spawn, Runtime};
        use weft_traces::resource::Resource;
        use weft_traces::Op;
        let steps = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let run = Runtime::new().run_with(Box::new(Collect(steps.clone())), async {
            let flag = std::rc::Rc::new(Resource::event("flag"));
            let f = flag.clone();
            let child = spawn("child", async move {
                f.observe();
                sleep(std::time::Duration::from_secs(1)).await;
                f.record(|| Op::Set);
            });
            random_range(0..3);
            child.await.unwrap();
        });
        assert!(run.is_ok(), "{:?}", run.failure);
        let steps = steps.borrow();
        let (main, child) = (TaskId(0), TaskId(1));
        let has = |i: usize, object, mode| steps[i].accesses.contains(&Access::new(object, mode));
        let flag = Object::Resource(ResourceId(0));
        // Step 1, main: registers the flag, spawns the child, draws, awaits the child.
        assert_eq!(steps[0].task, main);
        assert!(has(0, Object::Registry, Mode::Write) && has(0, Object::Spawn, Mode::Write));
        assert!(has(0, Object::Ready(child), Mode::Wake) && has(0, Object::Draws, Mode::Write));
        // Awaiting a task is not a dependency on its end (see `JoinHandle::poll`).
        assert!(!steps[0].accesses.iter().any(|a| a.object == Object::Exit(child)));
        // Step 2, the child: looks at the flag, sets a timer.
        assert_eq!(steps[1].task, child);
        assert!(has(1, flag, Mode::Read) && has(1, Object::Timers(child), Mode::Write));
        assert!(!steps[1].after_timers);
        // Step 3, the child after its timer: sets the flag, ends, wakes main.
        assert!(steps[2].after_timers, "the clock advanced before it");
        assert!(has(2, flag, Mode::Write) && has(2, Object::Exit(child), Mode::Write));
        assert!(has(2, Object::Ready(main), Mode::Wake));
        // Step 4, main: reads the child's end.
        assert_eq!(steps[3].task, main);
        assert!(has(3, Object::Ready(main), Mode::Write));
        assert_eq!(steps.len(), 4);
    }
}
