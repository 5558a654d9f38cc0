//! The run's state: clock, ready queue, timers, tasks, resources, choices and the event sink.
//! The executor loop (`executor.rs`) drives it; task code reaches it through `context`.

use crate::fault::FaultContext;
use crate::ready::ReadyQueue;
use crate::resources::Resources;
use crate::schedule::Choice;
use crate::strategy::{Divergence, FireContext, Footprints, Mode, Object, PickContext, Scheduler};
use crate::task::TaskRef;
use crate::timers::Timers;
use crate::watchdog::Watch;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Waker;
use weft_traces::{Checker, Event, Exit, Fault, Invariants, Op, Record, ResourceId, TaskId, Time, Violation};

/// The lists a fault offer hands its scheduler ([`FaultContext`]), refilled at each offer and
/// kept between runs with the rest of the run state (`reuse.rs`), so that an offer allocates
/// nothing once they have grown.
#[derive(Debug, Default)]
pub(crate) struct OfferLists {
    ready: Vec<TaskId>,
    suspended: Vec<TaskId>,
    timeouts: Vec<TaskId>,
}

impl OfferLists {
    /// Empties them, keeping their room.
    pub(crate) fn clear(&mut self) {
        // Every field named, so that a new one cannot be forgotten here.
        let OfferLists { ready, suspended, timeouts } = self;
        ready.clear();
        suspended.clear();
        timeouts.clear();
    }
}

/// What a blocked task waits on, for deadlock reports.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Waiting {
    /// It did `op` on a resource and has not been granted or resumed since.
    Resource(ResourceId, &'static str),
    /// It awaits another task's join handle.
    Join(TaskId),
}

#[derive(Debug)]
pub(crate) struct TaskMeta {
    /// The name given at spawn (it went into the `Spawn` event, and came back from it when no
    /// trace kept the event).
    pub(crate) name: String,
    pub(crate) done: bool,
    /// Cancellation was requested: the next step drops the future instead of polling it.
    pub(crate) cancel: bool,
    /// The cancellation was passed down to the tasks it awaits (asyncio's `fut_waiter.cancel()`)
    /// rather than kept for its own next step (`_must_cancel`): `uncancel` cannot revoke it.
    pub(crate) cancel_passed_on: bool,
    /// A loop callback's task (`call_soon`, a timer's callback, a done callback): asyncio's
    /// `Handle`, which no fault cancels (a `Task.cancel()` never reaches a handle).
    pub(crate) callback: bool,
    /// How many cancellations were requested and not revoked (asyncio's `cancelling()`).
    pub(crate) cancels: u32,
    /// The message of the first cancellation (asyncio's `cancel(msg)`), seen by the awaiter.
    pub(crate) cancel_message: Option<Rc<str>>,
    pub(crate) waiting: Option<Waiting>,
    /// The tasks whose join handles it left pending in its last step: what it awaits now (more
    /// than one under `gather` or a task group), each with whether a cancellation passed on to
    /// it carries its message (asyncio's `fut_waiter.cancel(msg)` does; a task group's abort
    /// cancels its children without one).
    pub(crate) joining: Vec<(TaskId, bool)>,
    /// How many steps it has begun.
    pub(crate) steps: u64,
}

impl TaskMeta {
    /// A new task's record, every field as new, its list of awaited tasks in the room of
    /// `joining` (a task of an earlier run's, emptied here).
    fn new(mut joining: Vec<(TaskId, bool)>) -> TaskMeta {
        joining.clear();
        TaskMeta {
            name: String::new(),
            done: false,
            cancel: false,
            cancel_passed_on: false,
            callback: false,
            cancels: 0,
            cancel_message: None,
            waiting: None,
            joining,
            steps: 0,
        }
    }
}

/// Where events go: the trace (when tracing) and the online checkers: weft's own first (with
/// checks on), then those the user added.
#[derive(Default)]
pub(crate) struct Sink {
    pub(crate) trace: Option<Vec<Record>>,
    pub(crate) invariants: Option<Box<Invariants>>,
    pub(crate) checkers: Vec<Box<dyn Checker>>,
    /// weft's checker, reset, while the thread's runs go without it (for the next that checks).
    spare: Option<Box<Invariants>>,
}

impl Sink {
    /// A run begins: traced if `tracing`, watched by weft's checker if `checks` (the one the
    /// thread's runs keep, reset, or a new one).
    pub(crate) fn begin(&mut self, tracing: bool, checks: bool) {
        self.trace = tracing.then(Vec::new);
        match checks {
            true if self.invariants.is_none() => self.invariants = Some(self.spare.take().unwrap_or_default()),
            false => self.spare = self.invariants.take().or(self.spare.take()),
            true => {}
        }
    }

    /// Whether anyone reads the events: a trace, weft's checker, a user's checker.
    pub(crate) fn heard(&self) -> bool {
        self.trace.is_some() || self.invariants.is_some() || !self.checkers.is_empty()
    }

    /// The run is over: no trace, the user's checkers dropped (their list's room kept), weft's
    /// reset.
    pub(crate) fn empty(&mut self) {
        self.trace = None;
        self.checkers.clear();
        if let Some(invariants) = &mut self.invariants {
            invariants.reset();
        }
    }
}

/// Asks the scheduler for each choice and keeps the list of choices made (and shows each to the
/// run's watchdog, which prints them if a poll hangs).
pub(crate) struct Chooser {
    pub(crate) scheduler: Box<dyn Scheduler>,
    pub(crate) made: Vec<Choice>,
    pub(crate) watch: Option<Arc<Watch>>,
    /// The hash of the picks made so far ([`PickHash`]), kept as they are made so that an
    /// exploration need not go over the schedule again.
    pub(crate) picks: PickHash,
    /// Whether a program draw was made.
    pub(crate) drew: bool,
}

impl Chooser {
    /// A run's chooser: its scheduler, the list its choices go in, its watch; no pick yet.
    pub(crate) fn new(scheduler: Box<dyn Scheduler>, made: Vec<Choice>, watch: Option<Arc<Watch>>) -> Chooser {
        Chooser { scheduler, made, watch, picks: PickHash::default(), drew: false }
    }

    #[inline]
    fn record(&mut self, choice: Choice) {
        self.made.push(choice);
        match choice {
            Choice::Pick(i) => self.picks.add(i),
            Choice::Draw(_) => self.drew = true,
            _ => {}
        }
        if let Some(watch) = &self.watch {
            watch.choice(choice);
        }
    }
}

/// Whether `event` holds no heap data: dropping it frees nothing. (The variants listed are
/// those with none; a variant added later is dropped as usual until it is listed.)
#[inline(always)]
fn owns_nothing(event: &Event) -> bool {
    match event {
        Event::Poll
        | Event::Suspend
        | Event::Wake { .. }
        | Event::Sleep { .. }
        | Event::Join { .. }
        | Event::TimerFired
        | Event::Cancel { .. }
        | Event::Fault { .. } => true,
        Event::Exit { exit } => matches!(exit, Exit::Returned | Exit::Cancelled),
        Event::Resource { op, .. } => !matches!(op, Op::Misuse { .. }),
        _ => false,
    }
}

/// A step the kernel has begun ([`Kernel::begin_step`]): whether the task's cancellation lands
/// in it, and the run's epoch, for the task's waker.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Begun {
    pub(crate) cancel: bool,
    pub(crate) epoch: u32,
}

/// FNV-1a over the picks of a schedule, each as the little-endian bytes of its index plus one
/// (draws and faults left out: an interleaving is the order of the steps).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PickHash(pub(crate) u64);

impl Default for PickHash {
    fn default() -> PickHash {
        PickHash(0xcbf2_9ce4_8422_2325)
    }
}

/// FNV-1a's 64-bit prime.
const FNV_PRIME: u64 = 0x0100_0000_01b3;
/// The prime's fourth power: four steps of zero bytes.
const FNV_PRIME_4: u64 = FNV_PRIME.wrapping_pow(4);

impl PickHash {
    #[inline]
    pub(crate) fn add(&mut self, pick: u32) {
        let bytes = pick.wrapping_add(1);
        // Most picks are below 255: their last three bytes are zero, and a zero byte's step is
        // the multiply alone, so the four steps are one multiply by the prime's fourth power.
        if bytes < 0x100 {
            self.0 = (self.0 ^ u64::from(bytes)).wrapping_mul(FNV_PRIME_4);
            return;
        }
        for byte in bytes.to_le_bytes() {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(FNV_PRIME);
        }
    }
}

pub(crate) struct Kernel {
    pub(crate) epoch: u32,
    pub(crate) now: Time,
    pub(crate) step: u64,
    pub(crate) current: Option<TaskId>,
    pub(crate) last: Option<TaskId>,
    pub(crate) ready: ReadyQueue,
    pub(crate) timers: Timers,
    pub(crate) tasks: Vec<TaskMeta>,
    /// The tasks of the thread's last run, by id (`Kernel::empty` keeps them whole): a new task
    /// writes its name and lists in the room of those of the task of its id, if there is one.
    pub(crate) retired: Vec<TaskMeta>,
    /// Tasks spawned during the current step; the executor moves them into its slab.
    pub(crate) spawned: Vec<(TaskId, TaskRef)>,
    pub(crate) resources: Resources,
    pub(crate) offer_lists: OfferLists,
    pub(crate) chooser: Chooser,
    /// What the steps since the last pick with a choice did, for the scheduler's next pick.
    pub(crate) footprints: Footprints,
    pub(crate) sink: Sink,
    /// The first violation; the run stops at the end of the step that found it.
    pub(crate) violation: Option<Violation>,
    pub(crate) divergence: Option<Divergence>,
    /// Set when the run is over: late wakes and records (from futures dropped at the end) are ignored.
    pub(crate) closed: bool,
    /// Someone reads the events (a trace, weft's checker, a user's checker) and the run is not
    /// closed: set when the run is made, cleared when it closes (`Kernel::close`).
    pub(crate) heard: bool,
    /// The scheduler injects faults ([`Scheduler::injects_faults`], asked when the run starts).
    pub(crate) faults: bool,
}

impl Kernel {
    /// Records `event` about the running task.
    #[inline(always)]
    pub(crate) fn record(&mut self, event: Event) {
        let task = self.current;
        self.record_for(task, event);
    }

    /// [`Kernel::record`], giving the event back when no trace kept it (see [`Kernel::emit`]).
    pub(crate) fn record_returning(&mut self, event: Event) -> Option<Event> {
        let task = self.current;
        self.emit(task, event)
    }

    /// Whether anyone reads the events: a trace, weft's checker, a user's checker.
    #[inline(always)]
    fn listened(&self) -> bool {
        self.heard
    }

    /// The run is over: late wakes and records are ignored.
    pub(crate) fn close(&mut self) {
        self.closed = true;
        self.heard = false;
    }

    /// Records `event` about `task`, and shows it to the checkers. Inlined where it is called,
    /// so that the record is built in place and, when no trace keeps it, dropped as the event
    /// it is (nothing to free for most): the checkers see it by reference, out of line.
    #[inline(always)]
    pub(crate) fn record_for(&mut self, task: Option<TaskId>, event: Event) {
        // Known here, where the event was just made, so that for most events dropping it (or
        // the record below) is nothing at all (the record itself went by reference to `show`,
        // after which the compiler no longer knows what it holds).
        let owns_nothing = owns_nothing(&event);
        if !self.listened() {
            if owns_nothing {
                std::mem::forget(event);
            }
            return;
        }
        let record = Record::new(self.step, self.now, task, event);
        self.show(&record);
        if self.sink.trace.is_some() {
            self.keep(record);
        } else if owns_nothing {
            std::mem::forget(record);
        }
    }

    /// Shows `record` to the checkers: weft's own first, then the user's. Inlined where the
    /// event is made, so that weft's checker (whose `observe` is inline) handles the events of
    /// its fast paths (a `Poll`, a `Wake`, a `Spawn`) in place, and every other event goes
    /// straight to its out-of-line rules: no call that only passes the record on. The user's
    /// checkers, rarely any, are shown it out of line.
    #[inline(always)]
    fn show(&mut self, record: &Record) {
        if let Some(invariants) = &mut self.sink.invariants {
            if let Some(v) = invariants.observe(record) {
                self.violation.get_or_insert(v);
            }
        }
        if !self.sink.checkers.is_empty() {
            self.show_checkers(record);
        }
    }

    /// Shows `record` to the user's checkers, in the order they were added.
    #[inline(never)]
    fn show_checkers(&mut self, record: &Record) {
        for checker in &mut self.sink.checkers {
            if let Some(v) = checker.observe(record) {
                self.violation.get_or_insert(v);
            }
        }
    }

    /// Appends `record` to the trace.
    #[inline(never)]
    fn keep(&mut self, record: Record) {
        if let Some(trace) = &mut self.sink.trace {
            trace.push(record);
        }
    }

    /// [`Kernel::record_for`], giving the event back when no trace kept it (so that what it
    /// carries, a name, need not be copied to be kept elsewhere too). An event nobody listens
    /// to (no trace, no checker) is not even stamped.
    #[inline(always)]
    fn emit(&mut self, task: Option<TaskId>, event: Event) -> Option<Event> {
        if !self.listened() {
            return Some(event);
        }
        let record = Record::new(self.step, self.now, task, event);
        self.show(&record);
        match &mut self.sink.trace {
            Some(trace) => {
                trace.push(record);
                None
            }
            None => Some(record.event),
        }
    }

    /// The last event the trace kept.
    fn last_kept(&self) -> Option<&Event> {
        Some(&self.sink.trace.as_ref()?.last()?.event)
    }

    /// The running task touched `object` in `mode` (a step's footprint, for partial-order
    /// reduction; nothing unless the scheduler asked for accesses).
    #[inline]
    pub(crate) fn access(&mut self, object: Object, mode: Mode) {
        self.footprints.access(self.current, object, mode);
    }

    /// The running task went on past an `.await` made ready by a write of `object` (see
    /// [`Mode::Await`]).
    pub(crate) fn awaited(&mut self, object: Object) {
        self.footprints.awaited(self.current, object);
    }

    /// Records a resource op by the running task, and tracks what it waits on.
    #[inline(always)]
    pub(crate) fn record_op(&mut self, id: ResourceId, op: Op) {
        if self.footprints.accesses {
            let mode = self.resources.mode(id, &op);
            self.access(Object::Resource(id), mode);
        }
        if let Some(task) = self.current {
            self.footprints.touch(task, id);
            let meta = &mut self.tasks[task.index()];
            match op {
                Op::Request | Op::Wait => meta.waiting = Some(Waiting::Resource(id, op.name())),
                Op::Grant | Op::Resume | Op::Abandon => meta.waiting = None,
                _ => {}
            }
        }
        self.record(Event::Resource { id, op });
    }

    /// Makes `task` ready (asyncio's `call_soon` of its wake-up), unless it is done or queued.
    #[inline(always)]
    pub(crate) fn wake(&mut self, task: TaskId) {
        if self.closed || self.tasks.get(task.index()).is_none_or(|t| t.done) {
            self.access(Object::Exit(task), Mode::Read);
            return;
        }
        if !self.ready.push(task) {
            self.access(Object::Ready(task), Mode::Read);
        } else {
            self.access(Object::Ready(task), Mode::Wake);
            let by = self.current;
            if by == Some(task) {
                self.footprints.woke_itself(task);
            }
            self.record_for(Some(task), Event::Wake { by });
        }
    }

    /// Registers a new task, ready to take its first step at the tail of the ready queue. Its
    /// `name` is written in the room of the name of the last run's task of the same id (a
    /// spawn costs no allocation for its name once the thread has run such a task with a name
    /// as long), moves into the `Spawn` event, and back to the task when no trace keeps the
    /// event (a copy for the task otherwise).
    pub(crate) fn spawn(&mut self, name: &str, future: TaskRef) -> TaskId {
        let id = TaskId(self.tasks.len() as u32);
        let (mut buffer, joining) = match self.retired.get_mut(id.index()) {
            Some(room) => (std::mem::take(&mut room.name), std::mem::take(&mut room.joining)),
            None => (String::new(), Vec::new()),
        };
        buffer.clear();
        buffer.push_str(name);
        future.set_id(id);
        self.tasks.push(TaskMeta::new(joining));
        self.spawned.push((id, future));
        self.ready.push(id);
        self.access(Object::Spawn, Mode::Write);
        self.access(Object::Ready(id), Mode::Wake);
        let parent = self.current;
        let name = match self.emit(Some(id), Event::Spawn { name: buffer, parent }) {
            Some(Event::Spawn { name, .. }) => name,
            _ => match self.last_kept() {
                Some(Event::Spawn { name, .. }) => name.clone(),
                _ => String::new(),
            },
        };
        self.tasks[id.index()].name = name;
        id
    }

    /// Registers a loop callback's task (see [`TaskMeta::callback`]), at the tail of the ready
    /// queue.
    pub(crate) fn spawn_callback(&mut self, future: TaskRef) -> TaskId {
        let id = self.spawn("callback", future);
        self.tasks[id.index()].callback = true;
        id
    }

    /// Requests cancellation of `task` (asyncio's `Task.cancel()`): its future is dropped at
    /// its next step, which is scheduled now if it is not already. Says whether the task was
    /// still running. Every request counts (`cancelling()`); the first message is kept.
    ///
    /// A suspended task that awaits other tasks' join handles is not scheduled: as asyncio
    /// cancels the future a task waits on, the awaited tasks are cancelled instead (in the order
    /// it awaits them, and so on down a chain of awaits, with the same message), and the task's
    /// own cancellation lands at its next step, when an awaited task has finished and its join
    /// wakes it.
    ///
    /// Footprint: each task reached reads its end and writes its cancellation (every request
    /// counts, `cancelling()` sees it); it reads its place in the ready queue, or wakes it; an
    /// awaited task's end is read to pass the cancellation on.
    pub(crate) fn cancel(&mut self, task: TaskId, message: Option<&Rc<str>>) -> bool {
        self.access(Object::Exit(task), Mode::Read);
        if self.closed || self.tasks.get(task.index()).is_none_or(|t| t.done) {
            return false;
        }
        let by = self.current;
        let mut next = vec![(task, message.cloned())];
        while let Some((t, message)) = next.pop() {
            self.access(Object::Exit(t), Mode::Read);
            let meta = &mut self.tasks[t.index()];
            if meta.done {
                continue;
            }
            self.access(Object::Cancel(t), Mode::Write);
            let meta = &mut self.tasks[t.index()];
            meta.cancels += 1;
            if meta.cancel_message.is_none() {
                meta.cancel_message = message.clone();
            }
            let again = meta.cancel;
            if again && !meta.cancel_passed_on {
                continue;
            }
            meta.cancel = true;
            let queued = self.ready.contains(t);
            self.access(Object::Ready(t), Mode::Read);
            if !queued {
                let joined: Vec<TaskId> = self.tasks[t.index()].joining.iter().map(|(a, _)| *a).collect();
                for a in joined {
                    self.access(Object::Exit(a), Mode::Read);
                }
            }
            let tasks = &self.tasks;
            let awaited: Vec<(TaskId, Option<Rc<str>>)> = if queued {
                Vec::new()
            } else {
                let live = |(a, _): &&(TaskId, bool)| !tasks[a.index()].done;
                let passed = |&(a, with_message): &(TaskId, bool)| (a, message.clone().filter(|_| with_message));
                tasks[t.index()].joining.iter().filter(live).map(passed).collect()
            };
            if again {
                // Passed on again, as asyncio's `cancel()` calls `fut_waiter.cancel()` each time.
                next.extend(awaited.into_iter().rev());
                continue;
            }
            self.record_for(Some(t), Event::Cancel { by });
            if awaited.is_empty() {
                if self.ready.push(t) {
                    self.access(Object::Ready(t), Mode::Wake);
                    self.record_for(Some(t), Event::Wake { by: None });
                }
            } else {
                self.tasks[t.index()].cancel_passed_on = true;
                next.extend(awaited.into_iter().rev());
            }
        }
        true
    }

    /// Whether `task`'s cancellation was requested and has not landed yet (a read of its
    /// cancellation and its end).
    pub(crate) fn is_cancelling(&mut self, task: TaskId) -> bool {
        self.access(Object::Cancel(task), Mode::Read);
        self.access(Object::Exit(task), Mode::Read);
        self.tasks.get(task.index()).is_some_and(|t| t.cancel && !t.done)
    }

    /// Revokes one cancellation request of `task` (asyncio's `Task.uncancel()`): when none is
    /// left and the cancellation has not landed nor been passed on to an awaited task, the task
    /// runs on. Returns the requests left.
    pub(crate) fn uncancel(&mut self, task: TaskId) -> u32 {
        self.access(Object::Exit(task), Mode::Read);
        self.access(Object::Cancel(task), Mode::Write);
        let Some(meta) = self.tasks.get_mut(task.index()) else { return 0 };
        if meta.cancels > 0 {
            meta.cancels -= 1;
            if meta.cancels == 0 && meta.cancel && !meta.done && !meta.cancel_passed_on {
                // It stays queued: its next step polls it (a poll nobody woke, which every
                // future tolerates) instead of dropping it.
                meta.cancel = false;
                meta.cancel_message = None;
            }
        }
        meta.cancels
    }

    /// Which ready task runs next: the scheduler decides when more than one is ready, seeing
    /// what the steps since its previous pick did. Either way the step about to run is noted.
    /// (A divergence comes boxed: the step loop moves the result at every step.)
    pub(crate) fn pick(&mut self) -> Result<usize, Box<Divergence>> {
        let (step, last) = (self.step + 1, self.last);
        let index = match self.ready.len() {
            0 | 1 => 0,
            _ => {
                let steps = self.footprints.as_slice();
                let cx = PickContext { ready: self.ready.as_slice(), last, step, steps };
                let index = self.chooser.scheduler.pick(&cx).map_err(Box::new)?;
                self.chooser.record(Choice::Pick(index as u32));
                self.footprints.clear();
                index
            }
        };
        if let Some(&task) = self.ready.as_slice().get(index) {
            self.footprints.open(task, step);
        }
        Ok(index)
    }

    /// Begins a step of `task`, just taken off the ready queue: it is current, and its poll is
    /// recorded, unless its cancellation lands instead (its future is dropped).
    #[inline(always)]
    pub(crate) fn begin_step(&mut self, task: TaskId) -> Begun {
        self.step += 1;
        self.current = Some(task);
        // The step takes the task off the ready queue and looks at its cancellation.
        self.access(Object::Ready(task), Mode::Write);
        self.access(Object::Cancel(task), Mode::Read);
        if let Some(watch) = &self.chooser.watch {
            watch.step(self.step, task, &self.tasks[task.index()].name);
        }
        let meta = &mut self.tasks[task.index()];
        meta.steps += 1;
        meta.joining.clear();
        let cancel = meta.cancel;
        if !cancel {
            self.record(Event::Poll);
        }
        Begun { cancel, epoch: self.epoch }
    }

    /// Which of the timers due now fire (see [`Choice::Pick`]): `0` all, `i` only the `i`-th.
    /// A recorded choice when more than one is due.
    pub(crate) fn fire(&mut self, due: &[TaskId]) -> Result<usize, Divergence> {
        if due.len() <= 1 {
            return Ok(0);
        }
        let cx = FireContext { due, step: self.step, steps: self.footprints.as_slice() };
        let chosen = self.chooser.scheduler.fire(&cx)?;
        self.chooser.record(Choice::Pick(chosen as u32));
        Ok(chosen)
    }

    /// A program draw in `0..bound`, a recorded choice.
    pub(crate) fn draw(&mut self, bound: u64) -> u64 {
        self.access(Object::Draws, Mode::Write);
        match self.chooser.scheduler.draw(bound) {
            Ok(v) => {
                self.chooser.record(Choice::Draw(v));
                v
            }
            Err(mut d) => {
                d.step = self.step;
                self.divergence.get_or_insert(d);
                0
            }
        }
    }

    /// The fault hook, once before each step's pick: offers the scheduler the tasks a fault could
    /// hit (so a timeout fires early at any step inside its window, and a cancel lands between
    /// any two steps) and
    /// applies the fault it chooses (a recorded choice). Returns the waker of a `timeout`
    /// deadline to fire, which the caller wakes once the kernel is no longer borrowed.
    #[inline]
    pub(crate) fn inject_fault(&mut self) -> Result<Option<Waker>, Divergence> {
        match self.faults {
            true => self.offer_fault(),
            false => Ok(None),
        }
    }

    /// [`Kernel::inject_fault`] for a scheduler that injects faults.
    #[inline(never)]
    fn offer_fault(&mut self) -> Result<Option<Waker>, Divergence> {
        let step = self.step + 1;
        // Most steps are offered nothing: the candidates are not collected for them.
        if !self.chooser.scheduler.offers_fault(step) {
            return Ok(None);
        }
        // Any task but main and the loop's callbacks may be hit, unless it is already being
        // cancelled.
        let tasks = &self.tasks;
        let candidate = |t: &TaskId| *t != TaskId(0) && !tasks[t.index()].cancel && !tasks[t.index()].callback;
        let OfferLists { ready, suspended, timeouts } = &mut self.offer_lists;
        ready.clear();
        ready.extend(self.ready.as_slice().iter().copied().filter(candidate));
        suspended.clear();
        suspended.extend(
            (0..tasks.len() as u32)
                .map(TaskId)
                .filter(|t| !tasks[t.index()].done && !self.ready.contains(*t) && candidate(t)),
        );
        self.timers.timeout_tasks_into(timeouts);
        let cx = FaultContext {
            step,
            ready,
            suspended,
            timeouts,
            queue: self.ready.as_slice(),
            last: self.last,
            steps: self.footprints.as_slice(),
        };
        let Some(fault) = self.chooser.scheduler.fault(&cx)? else { return Ok(None) };
        self.chooser.record(Choice::Fault { step, fault });
        let target = match fault {
            Fault::Cancel { task } | Fault::SpuriousPoll { task } | Fault::FireTimeout { task } => Some(task),
            Fault::ForceYield => None,
        };
        self.record_for(target, Event::Fault { fault });
        Ok(match fault {
            Fault::Cancel { task } => {
                self.cancel(task, None);
                None
            }
            Fault::SpuriousPoll { task } => {
                // Made ready with no wake-up from anyone (the event says so: `by` nobody).
                if self.ready.push(task) {
                    self.record_for(Some(task), Event::Wake { by: None });
                }
                None
            }
            Fault::FireTimeout { task } => self.timers.take_timeout_of(task),
            Fault::ForceYield => None,
        })
    }

    /// Whether the primitive fast path the running task reached suspends once anyway (a
    /// forced-yield fault, a recorded choice).
    pub(crate) fn force_yield(&mut self) -> bool {
        if !self.faults {
            return false;
        }
        let step = self.step;
        match self.chooser.scheduler.force_yield(step) {
            Ok(false) => false,
            Ok(true) => {
                let fault = Fault::ForceYield;
                self.chooser.record(Choice::Fault { step, fault });
                self.record(Event::Fault { fault });
                true
            }
            Err(d) => {
                self.divergence.get_or_insert(d);
                false
            }
        }
    }

    /// The running task, or a panic naming `what` when called from outside any task.
    #[track_caller]
    pub(crate) fn current(&self, what: &str) -> TaskId {
        self.current.unwrap_or_else(|| panic!("weft: `{what}` must be called from inside a task"))
    }
}

#[cfg(test)]
mod tests {
    use super::{PickHash, FNV_PRIME};

    /// FNV-1a over the picks' bytes as written out, one step a byte: the definition.
    fn bytewise(picks: &[u32]) -> u64 {
        let mut h = 0xcbf2_9ce4_8422_2325_u64;
        for pick in picks {
            for byte in (pick + 1).to_le_bytes() {
                h = (h ^ u64::from(byte)).wrapping_mul(FNV_PRIME);
            }
        }
        h
    }

    #[test]
    fn the_pick_hash_is_fnv_1a_over_each_picks_bytes() {
        let edges = [0, 1, 7, 253, 254, 255, 256, 65_534, 65_535, 1 << 24, u32::MAX - 1];
        // Seeded: a fixed mix of the edges and small picks, in every order the walk gives.
        let mut state = 0x9e37_79b9_u32;
        let mut picks = Vec::new();
        for _ in 0..2_000 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let pick = match state % 3 {
                0 => edges[(state as usize / 3) % edges.len()],
                _ => state % 300,
            };
            picks.push(pick);
            let mut h = PickHash::default();
            picks.iter().for_each(|&p| h.add(p));
            assert_eq!(h.0, bytewise(&picks), "after {} picks", picks.len());
        }
    }
}
