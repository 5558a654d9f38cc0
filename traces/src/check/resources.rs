//! The model the checkers read: what every task and resource is doing, rebuilt from the events
//! alone (so it is the same online, during a run, and offline, over a stored trace).
//!
//! - A **task** is *ready* from its `Spawn` or `Wake` until its next `Poll` (or its `Exit`, for a
//!   cancelled task whose future is dropped without a poll): the model mirrors the executor's
//!   ready queue, in order.
//! - A **resource** counts its `Grant`s and `Release`s: `free = initial + releases - grants`
//!   units, `initial` being the units it declared free at the start (its capacity, unless it
//!   declared otherwise: a `Semaphore(0)`). Its holders are the granted tasks; a `Release` gives
//!   back the releasing task's unit, or the oldest holder's when the releaser holds none
//!   (asyncio's locks have no owner).
//! - A waiter has a **wake-up in flight** while its task is ready (woken, and not yet run) or
//!   being cancelled (it will run its cancellation, which passes on what it received). A unit
//!   is *idle* when it is free and not in flight to a waiter (`free - in flight`). The idle
//!   units a request finds when no waiter is left unwoken are *spare* (asyncio 3.13: a release
//!   with nobody to wake leaves `_value > 0`, and a newcomer then queues behind a woken waiter
//!   "due to FIFO"); they stay spare, whatever later requests find, until a waiter's acquire
//!   ends (granted or withdrawn), whose exit hands out every free unit (3.13's `finally`), and a
//!   fast-path grant takes a spare unit first.
//! - A **request** (`Request`) is pending until its task's `Grant` or `Abandon`; it becomes a
//!   *waiter* when its task's step ends without the grant. A **wait** (`Wait`) is pending until
//!   `Resume` or `Abandon`. Both are kept in the order they began, and each task lists the
//!   resources it has one pending on (with whether a `Wake` was recorded for it).
//! - Each resource **counts** its waiters of unfinished tasks and those with a wake-up in
//!   flight, and the counts follow the tasks as they end steps, are woken, polled, cancelled and
//!   exit (each through its own short list): no rule counts a queue, so an event costs the
//!   checkers the same however many tasks wait.
//! - A task's **timers** are the deadlines of its `Sleep`s that have not fired (`TimerFired`)
//!   and whose instant has not passed. A timer dropped before it fires (a `timeout` whose
//!   future completed) is not in the events, so it counts until the clock passes its instant:
//!   the model's timers are a superset of the executor's.

use crate::event::{Event, Op, Record, ResourceKind};
use crate::ids::{ResourceId, TaskId, Time};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::name::Name;

/// One task as the events show it.
#[derive(Clone, Debug, Default)]
pub(crate) struct TaskState {
    pub(crate) name: Name,
    /// How many of its steps have ended.
    pub(crate) steps: u32,
    /// When it became ready (an order among wake-ups), if it is ready now.
    pub(crate) ready: Option<u64>,
    pub(crate) exited: bool,
    /// `Cancel` was recorded: its next step drops its future.
    pub(crate) cancel_requested: bool,
    /// The task it suspended awaiting the end of (`Join`), until it is polled again.
    pub(crate) joining: Option<TaskId>,
    /// How many of its requests count among their resources' waiters (whose counts then
    /// follow its wake-ups): looked at in place on every wake-up and poll.
    pub(crate) waiting: u32,
}

/// What the deadlock rule needs of a task, apart from [`TaskState`] (which stays small: a
/// run's tasks fit in one small allocation).
#[derive(Clone, Debug, Default)]
pub(crate) struct TaskWaits {
    /// Its pending requests and waits, one per resource and kind.
    pub(crate) pending: Pendings,
    /// How many of its timers count (see the module docs).
    pub(crate) timers: u32,
    /// How many of its timers fired and are still among the model's timer instants.
    fired: u32,
}

/// A task's pending request or wait, as its task lists it (the same as the resource's
/// [`Pending`], found without a search of the resource's list).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Waiting {
    pub(crate) id: ResourceId,
    /// A request (of a unit) rather than a wait.
    pub(crate) request: bool,
    /// Its task's ended steps when it began (see [`Pending::serial`]).
    pub(crate) serial: u32,
    /// The resource recorded a `Wake` for it (a hand-off or notification is in flight): kept
    /// here only, where a `Wake` finds it without a search of the resource's queue.
    pub(crate) woken: bool,
}

/// A task's [`Waiting`]s: the first inline (a task rarely waits on more than one thing at once,
/// so following a run allocates nothing for them), the others in a list.
#[derive(Clone, Debug, Default)]
pub(crate) struct Pendings {
    first: Option<Waiting>,
    more: Vec<Waiting>,
}

impl Pendings {
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Waiting> {
        self.first.iter().chain(&self.more)
    }

    fn iter_mut(&mut self) -> impl Iterator<Item = &mut Waiting> {
        self.first.iter_mut().chain(&mut self.more)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    fn push(&mut self, w: Waiting) {
        match self.first {
            None => self.first = Some(w),
            Some(_) => self.more.push(w),
        }
    }

    /// Takes the listed request (`request`) or wait on `id` off the list, if there is one (as
    /// `retain` of every other would: there is at most one of each).
    #[inline]
    fn take(&mut self, id: ResourceId, request: bool) -> Option<Waiting> {
        let first = self.first?;
        if (first.id, first.request) == (id, request) {
            self.first = (!self.more.is_empty()).then(|| self.more.remove(0));
            return Some(first);
        }
        let at = self.more.iter().position(|w| (w.id, w.request) == (id, request))?;
        Some(self.more.remove(at))
    }

    fn retain(&mut self, keep: impl Fn(&Waiting) -> bool) {
        self.more.retain(&keep);
        if self.first.as_ref().is_some_and(|w| !keep(w)) {
            self.first = (!self.more.is_empty()).then(|| self.more.remove(0));
        }
    }
}

impl<'a> IntoIterator for &'a Pendings {
    type Item = &'a Waiting;
    type IntoIter = std::iter::Chain<std::option::Iter<'a, Waiting>, std::slice::Iter<'a, Waiting>>;

    fn into_iter(self) -> Self::IntoIter {
        self.first.iter().chain(&self.more)
    }
}

/// A request or wait that has not completed yet.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    pub(crate) task: TaskId,
    pub(crate) step: u64,
    /// Its task's ended steps when it began: once its task ends one more, it is a waiter, not a
    /// fast path in progress ([`Model::suspended`]).
    pub(crate) serial: u32,
    /// For an Event wait: the step of the `set()` that must wake it.
    pub(crate) set_at: Option<u64>,
}

/// One resource as the events show it.
#[derive(Clone, Debug)]
pub(crate) struct ResourceState {
    pub(crate) id: ResourceId,
    pub(crate) kind: ResourceKind,
    pub(crate) name: Name,
    pub(crate) capacity: Option<u64>,
    /// The units free at the start, when they differ from the capacity.
    pub(crate) initial: Option<u64>,
    pub(crate) fifo: bool,
    pub(crate) grants: u64,
    pub(crate) releases: u64,
    pub(crate) holders: Vec<TaskId>,
    /// Pending requests and waits, each list in the order they began (pushed at its end,
    /// removed in place): the FIFO rule reads the queue by it. Double-ended, so that a FIFO
    /// grant takes the first and a fast path's the last, each without moving the rest.
    pub(crate) requests: VecDeque<Pending>,
    pub(crate) waits: VecDeque<Pending>,
    /// An Event's flag.
    pub(crate) set: bool,
    /// A Queue's size, once an op reported it.
    pub(crate) size: Option<u64>,
    /// A Barrier's indices handed out in the current cycle.
    pub(crate) cycle: Vec<(u64, TaskId)>,
    /// Spare units (see the module docs): idle units a waiter may queue behind while a wake-up
    /// is in flight.
    pub(crate) spare: u64,
    /// A task whose woken request or wait was abandoned during the current step, with no wake
    /// recorded on the resource since: its hand-off (or notification) must reach another waiter
    /// before the step ends.
    pub(crate) dropped_handoff: Option<TaskId>,
    /// The model's `step_serial` when an op was last recorded on it.
    pub(crate) touched: u64,
    /// Its *waiters*: the requests whose task ended a step since they began and has not exited
    /// (the step-end rules' and a request's count, kept as the tasks' states change instead of
    /// counted over the list).
    pub(crate) waiters: u32,
    /// How many of its waiters have a wake-up in flight.
    pub(crate) waiters_in_flight: u32,
}

impl ResourceState {
    /// Units free now (`initial + releases - grants`), for a resource with units.
    pub(crate) fn free(&self) -> Option<i128> {
        let initial = self.initial.or(self.capacity)?;
        Some(initial as i128 + self.releases as i128 - self.grants as i128)
    }

    /// `Lock 'db' (r0)`.
    pub(crate) fn describe(&self) -> String {
        format!("{} '{}' ({})", self.kind.name(), self.name, self.id)
    }

    /// The pending request or wait of `task`, if it has one.
    pub(crate) fn pending_of(&self, task: TaskId) -> Option<&Pending> {
        self.requests.iter().chain(&self.waits).find(|p| p.task == task)
    }
}

/// The most resources a run may have for the rules at a step's end to look over every one of
/// them (cheap for so few) rather than keep a list of those each step touched.
pub(crate) const SCAN_AT_MOST: usize = 8;

/// Tasks and resources, rebuilt event by event.
#[derive(Clone, Debug)]
pub(crate) struct Model {
    pub(crate) tasks: Vec<TaskState>,
    pub(crate) resources: Vec<ResourceState>,
    /// How many tasks are ready (the executor's ready queue's length).
    pub(crate) ready_count: usize,
    wakes: u64,
    /// The task whose step is in progress (polled, not yet suspended or exited).
    pub(crate) stepping: Option<TaskId>,
    /// Counts step ends: a resource whose `touched` equals it was touched in the current step.
    pub(crate) step_serial: u64,
    /// The `step_serial` when an op was last recorded on any resource.
    touched_any: u64,
    /// The resources touched in the current step, each once, in the order first touched: what
    /// the rules at the step's end look at (with what the task waits on), not every resource.
    /// Kept only while `listing`, once the run has more than [`SCAN_AT_MOST`] resources: with
    /// fewer, a look over every one is as cheap as the list.
    touched_list: Vec<ResourceId>,
    listing: bool,
    pub(crate) last_step: u64,
    pub(crate) last_time: Time,
    /// Some resource is an Event or a Condition, whose step-end accounting rules then apply.
    pub(crate) has_wait_rules: bool,
    /// Per task, what it waits on and its timers (grown on a task's first wait or timer).
    waits: Vec<TaskWaits>,
    /// Every task's timer instants, earliest first, to drop those the clock has passed.
    timer_instants: BinaryHeap<Reverse<(Time, TaskId)>>,
    /// How many timers the tasks have in all.
    pub(crate) timer_count: usize,
    /// Blocked tasks whose last timer the clock passed without firing it: what they wait on
    /// may have become a deadlock (the deadlock rule looks again at the next step's end).
    pub(crate) timer_expired: Vec<TaskId>,
    /// Resource states of earlier runs, their lists emptied, for this run's new resources
    /// (see [`Model::reset`]).
    spare: Vec<ResourceState>,
}

impl Default for Model {
    /// Room for a typical run's tasks and resources, so that following it rarely reallocates.
    fn default() -> Model {
        Model {
            tasks: Vec::with_capacity(16),
            resources: Vec::with_capacity(4),
            ready_count: 0,
            wakes: 0,
            stepping: None,
            step_serial: 1,
            touched_any: 0,
            touched_list: Vec::new(),
            listing: false,
            last_step: 0,
            last_time: Time::ZERO,
            has_wait_rules: false,
            waits: Vec::new(),
            timer_instants: BinaryHeap::new(),
            timer_count: 0,
            timer_expired: Vec::new(),
            spare: Vec::new(),
        }
    }
}

impl Model {
    /// Forgets every task and resource, as a new model would, keeping its room: the vectors are
    /// emptied, not freed, and each resource's lists wait in `spare` for the next run's
    /// resources.
    pub(crate) fn reset(&mut self) {
        // Every field named, so that a new one cannot be forgotten here.
        let Model {
            tasks,
            resources,
            ready_count,
            wakes,
            stepping,
            step_serial,
            touched_any,
            touched_list,
            listing,
            last_step,
            last_time,
            has_wait_rules,
            waits,
            timer_instants,
            timer_count,
            timer_expired,
            spare,
        } = self;
        for mut r in resources.drain(..) {
            r.holders.clear();
            r.requests.clear();
            r.waits.clear();
            r.cycle.clear();
            spare.push(r);
        }
        tasks.clear();
        waits.clear();
        timer_instants.clear();
        timer_expired.clear();
        touched_list.clear();
        *listing = false;
        (*ready_count, *wakes, *stepping, *step_serial, *touched_any) = (0, 0, None, 1, 0);
        (*last_step, *last_time, *has_wait_rules, *timer_count) = (0, Time::ZERO, false, 0);
    }

    /// `'name' (#1)`.
    pub(crate) fn task(&self, task: TaskId) -> String {
        match self.tasks.get(task.index()) {
            Some(t) if !t.name.as_str().is_empty() => format!("'{}' ({task})", t.name),
            _ => format!("task {task}"),
        }
    }

    /// The ready tasks, in the order they became ready (the executor's ready queue).
    pub(crate) fn ready(&self) -> Vec<TaskId> {
        let mut ready: Vec<(u64, TaskId)> =
            self.tasks.iter().enumerate().filter_map(|(i, t)| Some((t.ready?, TaskId(i as u32)))).collect();
        ready.sort();
        ready.into_iter().map(|(_, t)| t).collect()
    }

    pub(crate) fn is_ready(&self, task: TaskId) -> bool {
        self.tasks.get(task.index()).is_some_and(|t| t.ready.is_some())
    }

    pub(crate) fn is_live(&self, task: TaskId) -> bool {
        self.tasks.get(task.index()).is_some_and(|t| !t.exited && !t.cancel_requested)
    }

    /// Whether a waiter of `task` has a wake-up in flight: its task is ready, or being
    /// cancelled (see the module docs).
    pub(crate) fn in_flight(&self, task: TaskId) -> bool {
        self.tasks.get(task.index()).is_some_and(|t| t.ready.is_some() || t.cancel_requested)
    }

    /// `r`'s idle units (free, less the waiters with a wake-up in flight), if none of its
    /// waiters is left unwoken; `None` if one is. (A request reads them once the requester's
    /// own earlier request, which it replaces, no longer counts.)
    #[inline]
    fn idle_if_none_unwoken(r: &ResourceState) -> Option<u64> {
        let free = r.free()?;
        if r.waiters > r.waiters_in_flight {
            return None;
        }
        Some(u64::try_from(free - i128::from(r.waiters_in_flight)).unwrap_or(0))
    }

    /// Whether `task`'s listed `w` counts among its resource's waiters (a request, of a task
    /// that ended a step since it began and has not exited).
    #[inline]
    pub(crate) fn counts(&self, task: TaskId, w: &Waiting) -> bool {
        w.request && self.tasks.get(task.index()).is_some_and(|t| t.steps > w.serial && !t.exited)
    }

    /// The counts of `task`'s waiting requests, as it begins (`now` true) or stops to have a
    /// wake-up in flight (called only when it has some: [`TaskState::waiting`]).
    #[inline(never)]
    fn in_flight_changed(&mut self, task: TaskId, now: bool) {
        let Model { tasks, resources, waits, .. } = self;
        let steps = tasks[task.index()].steps;
        // `for_each`, not a `for` loop: the chain of the inline first and the rest is walked
        // as two plain loops.
        waits[task.index()].pending.iter().filter(|w| w.request && steps > w.serial).for_each(|w| {
            let r = &mut resources[w.id.index()];
            match now {
                true => r.waiters_in_flight += 1,
                false => r.waiters_in_flight -= 1,
            }
        });
    }

    /// `task`'s listed request `w` on `id` leaves the resource's list: it no longer counts.
    #[inline]
    fn uncount(&mut self, task: TaskId, w: &Waiting) {
        if self.counts(task, w) {
            let in_flight = self.in_flight(task);
            self.tasks[task.index()].waiting -= 1;
            let r = &mut self.resources[w.id.index()];
            r.waiters -= 1;
            r.waiters_in_flight -= u32::from(in_flight);
        }
    }

    pub(crate) fn exited(&self, task: TaskId) -> bool {
        self.tasks.get(task.index()).is_some_and(|t| t.exited)
    }

    /// Tasks that have not exited, in id order.
    pub(crate) fn unfinished(&self) -> Vec<TaskId> {
        (0..self.tasks.len() as u32).map(TaskId).filter(|t| !self.exited(*t)).collect()
    }

    pub(crate) fn resource(&self, id: ResourceId) -> Option<&ResourceState> {
        self.resources.get(id.index())
    }

    #[inline(always)]
    pub(crate) fn task_mut(&mut self, task: TaskId) -> &mut TaskState {
        if self.tasks.len() <= task.index() {
            self.grow_tasks(task);
        }
        &mut self.tasks[task.index()]
    }

    #[cold]
    fn grow_tasks(&mut self, task: TaskId) {
        self.tasks.resize_with(task.index() + 1, TaskState::default);
    }

    #[inline]
    pub(crate) fn make_ready(&mut self, task: TaskId) {
        let seq = self.wakes;
        let t = self.task_mut(task);
        if t.ready.is_none() {
            t.ready = Some(seq);
            let shifts = t.waiting > 0 && !t.cancel_requested;
            self.ready_count += 1;
            self.wakes += 1;
            if shifts {
                self.in_flight_changed(task, true);
            }
        }
    }

    #[inline(always)]
    fn unready(&mut self, task: TaskId) {
        let t = self.task_mut(task);
        if t.ready.take().is_some() {
            let shifts = t.waiting > 0 && !t.cancel_requested;
            self.ready_count -= 1;
            if shifts {
                self.in_flight_changed(task, false);
            }
        }
    }

    /// `Cancel` of `task`: a wake-up is in flight to its waits from now on.
    fn cancel_requested(&mut self, task: TaskId) {
        let t = self.task_mut(task);
        let shifts = t.waiting > 0 && t.ready.is_none() && !t.cancel_requested;
        t.cancel_requested = true;
        if shifts {
            self.in_flight_changed(task, true);
        }
    }

    /// What `task` waits on and its timers.
    #[inline]
    pub(crate) fn waits_of(&self, task: TaskId) -> &TaskWaits {
        static NONE: TaskWaits = TaskWaits { pending: Pendings { first: None, more: Vec::new() }, timers: 0, fired: 0 };
        self.waits.get(task.index()).unwrap_or(&NONE)
    }

    fn waits_mut(&mut self, task: TaskId) -> &mut TaskWaits {
        if self.waits.len() <= task.index() {
            self.waits.resize_with(task.index() + 1, TaskWaits::default);
        }
        &mut self.waits[task.index()]
    }

    /// Whether `task` waits on something: a pending request or wait, or another task's end.
    #[inline]
    pub(crate) fn is_blocked(&self, task: TaskId) -> bool {
        self.tasks
            .get(task.index())
            .is_some_and(|t| !t.exited && (t.joining.is_some() || !self.waits_of(task).pending.is_empty()))
    }

    /// Whether `task` lists a pending request or wait on `id` (as the resource's lists do: the
    /// two are kept in step).
    #[cfg(test)]
    pub(crate) fn waits_on(&self, task: TaskId, id: ResourceId) -> bool {
        self.waits_of(task).pending.iter().any(|w| w.id == id)
    }

    /// Whether `task`'s request (`request`) or wait on `id` was woken (a `Wake` recorded for it).
    pub(crate) fn woken(&self, task: TaskId, id: ResourceId, request: bool) -> bool {
        self.waits_of(task).pending.iter().any(|w| (w.id, w.request) == (id, request) && w.woken)
    }

    /// Whether any task is ready or has a timer: the run goes on, or the clock can advance.
    pub(crate) fn is_running(&self) -> bool {
        self.ready_count > 0 || self.timer_count > 0
    }

    /// Updates the model with `record`. (Inlined into the checker's `observe`, its one caller,
    /// where it runs for every event.)
    #[inline(always)]
    pub(crate) fn apply(&mut self, record: &Record) {
        self.stamp(record);
        let task = record.task;
        match (&record.event, task) {
            (Event::Spawn { name, .. }, Some(t)) => self.spawned(t, name),
            (Event::Poll, Some(t)) => self.polled(t),
            (Event::Join { target }, Some(t)) => self.task_mut(t).joining = Some(*target),
            (Event::Wake { .. }, Some(t)) => self.make_ready(t),
            (Event::Cancel { .. }, Some(t)) => self.cancel_requested(t),
            (Event::Suspend, Some(t)) => self.end_step(t),
            (Event::Exit { .. }, Some(t)) => self.exit(t),
            (Event::Sleep { until }, Some(t)) => {
                self.waits_mut(t).timers += 1;
                self.timer_instants.push(Reverse((*until, t)));
                self.timer_count += 1;
            }
            (Event::TimerFired, Some(t)) => {
                // One of its timers fired; its instant leaves the heap when the clock passes it.
                let waits = self.waits_mut(t);
                if waits.timers > 0 {
                    waits.timers -= 1;
                    waits.fired += 1;
                    self.timer_count -= 1;
                }
            }
            (Event::NewResource { id, kind, name, capacity, initial, fifo }, _) => {
                self.new_resource(*id, *kind, name, *capacity, *initial, *fifo)
            }
            (Event::Resource { id, op }, _) => self.op(*id, op, task, record.step),
            _ => {}
        }
    }

    /// `Exit` of `task`: it is no longer ready, and what it waited on and its timers are
    /// forgotten (its timers' instants stay, to be passed); its step ends.
    #[inline]
    pub(crate) fn exit(&mut self, task: TaskId) {
        self.unready(task);
        // Most tasks end waiting on nothing, with no timer: nothing to forget.
        if self.waits.get(task.index()).is_some_and(|w| !w.pending.is_empty() || w.timers > 0) {
            self.forget_waits(task);
        }
        self.task_mut(task).exited = true;
        self.end_step(task);
    }

    /// What an exiting `task` waited on, and its timers.
    #[inline(never)]
    fn forget_waits(&mut self, task: TaskId) {
        let waits = std::mem::take(&mut self.waits[task.index()]);
        waits.pending.iter().for_each(|w| self.uncount(task, w));
        self.timer_count -= waits.timers as usize;
        self.waits[task.index()].fired = waits.fired; // its instants are still to be passed
        for w in &waits.pending {
            let r = &mut self.resources[w.id.index()];
            r.requests.retain(|p| p.task != task);
            r.waits.retain(|p| p.task != task);
        }
    }

    /// The step and time of `record`, the first thing [`Model::apply`] does with any record.
    #[inline(always)]
    pub(crate) fn stamp(&mut self, record: &Record) {
        if record.time > self.last_time {
            self.clock_passed(record.time);
        }
        self.last_step = record.step;
        self.last_time = record.time;
    }

    /// `Spawn` of `task` named `name`: it is ready.
    #[inline(always)]
    pub(crate) fn spawned(&mut self, task: TaskId, name: &str) {
        if self.tasks.len() == task.index() {
            // The next task, as a run spawns them: made with its name.
            self.tasks.push(TaskState { name: Name::new(name), ..TaskState::default() });
        } else {
            self.task_mut(task).name = Name::new(name);
        }
        self.make_ready(task);
    }

    /// `Poll` of `task`: its step begins.
    #[inline(always)]
    pub(crate) fn polled(&mut self, task: TaskId) {
        self.unready(task);
        self.stepping = Some(task);
        self.task_mut(task).joining = None;
    }

    /// The clock moved to `now`: the timers of earlier instants have fired or were dropped.
    ///
    /// The clock never passes a pending timer, and timers fire in deadline order, so by the time
    /// an instant is passed every timer of it fired (already counted down, at its `TimerFired`)
    /// or was dropped (counted down here): each instant passed counts down a fired timer of its
    /// task if there is one, else a dropped one.
    fn clock_passed(&mut self, now: Time) {
        while let Some(&Reverse((at, task))) = self.timer_instants.peek() {
            if at >= now {
                break;
            }
            self.timer_instants.pop();
            let waits = self.waits_mut(task);
            if waits.fired > 0 {
                waits.fired -= 1;
                continue;
            }
            if waits.timers == 0 {
                continue;
            }
            waits.timers -= 1;
            let last = waits.timers == 0;
            self.timer_count -= 1;
            if last && self.is_blocked(task) {
                self.timer_expired.push(task);
            }
        }
    }

    pub(crate) fn end_step(&mut self, task: TaskId) {
        let t = self.task_mut(task);
        let ended = t.steps;
        t.steps += 1;
        let exited = t.exited;
        if self.stepping == Some(task) {
            self.stepping = None;
        }
        // The requests it made during the step it ended are waiters now.
        if !exited && self.waits.get(task.index()).is_some_and(|w| !w.pending.is_empty()) {
            self.count_waiters(task, ended);
        }
    }

    /// `task`'s requests that began during its step `ended` (their serial) become waiters.
    #[inline(never)]
    fn count_waiters(&mut self, task: TaskId, ended: u32) {
        let Model { tasks, resources, waits, .. } = self;
        let t = &mut tasks[task.index()];
        let in_flight = u32::from(t.ready.is_some() || t.cancel_requested);
        waits[task.index()].pending.iter().filter(|w| w.request && w.serial == ended).for_each(|w| {
            let r = &mut resources[w.id.index()];
            r.waiters += 1;
            r.waiters_in_flight += in_flight;
            t.waiting += 1;
        });
    }

    /// Whether `p`'s task has suspended since it began: it is a waiter.
    pub(crate) fn suspended(&self, p: &Pending) -> bool {
        self.tasks.get(p.task.index()).is_some_and(|t| t.steps > p.serial)
    }

    /// The same for `task`'s listed `w`.
    pub(crate) fn waiting_since_a_step(&self, task: TaskId, w: &Waiting) -> bool {
        self.tasks.get(task.index()).is_some_and(|t| t.steps > w.serial)
    }

    /// Called by the checker once its step-end rules have run: the next step begins.
    pub(crate) fn clear_step(&mut self) {
        self.step_serial += 1;
        self.touched_list.clear();
    }

    /// Whether the rules at a step's end look over every resource (in id order, at those
    /// touched in the step or that the task waits on) rather than go down the lists of those
    /// ([`Model::step_end_resources`]): while the run has at most [`SCAN_AT_MOST`] resources,
    /// and no list of what each step touched is kept.
    #[inline]
    pub(crate) fn step_end_scans_every_resource(&self) -> bool {
        !self.listing
    }

    /// Whether the rules at the end of `task`'s step look at `r`: touched in the step, or waited
    /// on by the task (what [`Model::step_end_resources`] lists).
    #[inline]
    pub(crate) fn looked_at_step_end(&self, task: TaskId, r: &ResourceState) -> bool {
        self.touched(r) || self.waits_of(task).pending.iter().any(|w| w.id == r.id)
    }

    /// The resources the rules at the end of `task`'s step look at, from the step's list of
    /// those it touched, then the task's list of what it waits on that the step did not touch
    /// (one may come more than once: a rule that reports the lowest id among them sees the
    /// same resource again, no other). O(what the step did), not O(the run's resources).
    pub(crate) fn step_end_resources(&self, task: TaskId) -> impl Iterator<Item = &ResourceState> {
        let touched = self.touched_list.iter().filter_map(|id| self.resources.get(id.index()));
        let waited = self.waits_of(task).pending.iter().filter_map(|w| self.resources.get(w.id.index()));
        touched.chain(waited.filter(|r| !self.touched(r)))
    }

    /// Whether resource `r` was touched (an op recorded on it) during the current step.
    pub(crate) fn touched(&self, r: &ResourceState) -> bool {
        r.touched == self.step_serial
    }

    /// Whether any resource was touched during the current step.
    #[inline]
    pub(crate) fn touched_any(&self) -> bool {
        self.touched_any == self.step_serial
    }

    fn new_resource(
        &mut self,
        id: ResourceId,
        kind: ResourceKind,
        name: &str,
        capacity: Option<u64>,
        initial: Option<u64>,
        fifo: bool,
    ) {
        while self.resources.len() <= id.index() {
            let next = ResourceId(self.resources.len() as u32);
            // An earlier run's lists (emptied) if there are any: their room is kept.
            let (holders, requests, waits, cycle) = match self.spare.pop() {
                Some(r) => (r.holders, r.requests, r.waits, r.cycle),
                None => (Vec::with_capacity(2), VecDeque::with_capacity(8), VecDeque::new(), Vec::new()),
            };
            self.resources.push(ResourceState {
                id: next,
                kind,
                name: Name::default(),
                capacity: None,
                initial: None,
                fifo: false,
                grants: 0,
                releases: 0,
                holders,
                requests,
                waits,
                set: false,
                size: None,
                cycle,
                spare: 0,
                dropped_handoff: None,
                touched: 0,
                waiters: 0,
                waiters_in_flight: 0,
            });
        }
        if !self.listing && self.resources.len() > SCAN_AT_MOST {
            // From now on the step's resources are listed, beginning with those it touched.
            self.listing = true;
            let serial = self.step_serial;
            self.touched_list.extend(self.resources.iter().filter(|r| r.touched == serial).map(|r| r.id));
        }
        self.has_wait_rules |= matches!(kind, ResourceKind::Event | ResourceKind::Condition);
        let r = &mut self.resources[id.index()];
        r.kind = kind;
        r.name = Name::new(name);
        r.capacity = capacity;
        r.initial = initial;
        r.fifo = fifo;
    }

    pub(crate) fn op(&mut self, id: ResourceId, op: &Op, task: Option<TaskId>, step: u64) {
        if self.resources.len() <= id.index() {
            self.new_resource(id, ResourceKind::Foreign, "", None, None, false);
        }
        // The ops of every acquire and release, and a wake-up, each in what it needs of the
        // general case below (which stays the definition: each shortcut is that code with the
        // other ops' parts left out).
        match (op, task) {
            (Op::Request, Some(t)) => return self.request(id, t, step),
            (Op::Grant, Some(t)) => return self.grant(id, t),
            (Op::Release, _) => return self.release(id, task),
            (Op::Wake { waiter }, _) => return self.wake(id, *waiter),
            _ => {}
        }
        self.any_op(id, op, task, step);
    }

    /// Whether resource `id` was registered (by its `NewResource`, or its first op).
    #[inline(always)]
    pub(crate) fn is_registered(&self, id: ResourceId) -> bool {
        id.index() < self.resources.len()
    }

    /// Marks resource `id` touched in the current step (an op was recorded on it).
    #[inline(always)]
    fn touch(&mut self, id: ResourceId) -> &mut ResourceState {
        self.touched_any = self.step_serial;
        let r = &mut self.resources[id.index()];
        if r.touched != self.step_serial {
            r.touched = self.step_serial;
            r.dropped_handoff = None;
            if self.listing {
                self.touched_list.push(id);
            }
        }
        r
    }

    /// `Request` by `task`: [`Model::any_op`] for it.
    #[inline]
    pub(crate) fn request(&mut self, id: ResourceId, task: TaskId, step: u64) {
        let serial = self.tasks.get(task.index()).map_or(0, |t| t.steps);
        // The task's earlier request here, which this one replaces.
        let old = self.waits_mut(task).pending.take(id, true);
        if let Some(old) = &old {
            self.uncount(task, old);
        }
        let spare_at_request = Model::idle_if_none_unwoken(&self.resources[id.index()]);
        let r = self.touch(id);
        if old.is_some() {
            r.requests.retain(|p| p.task != task);
        }
        r.requests.push_back(Pending { task, step, serial, set_at: None });
        if let Some(idle) = spare_at_request {
            r.spare = r.spare.max(idle);
        }
        self.waits[task.index()].pending.push(Waiting { id, request: true, serial, woken: false });
    }

    /// `Grant` to `task`: [`Model::any_op`] for it.
    #[inline]
    pub(crate) fn grant(&mut self, id: ResourceId, task: TaskId) {
        // The request it closes, off the task's list.
        let request = self.waits_mut(task).pending.take(id, true);
        let waiter_granted = request.is_some_and(|w| self.waiting_since_a_step(task, &w));
        if let Some(w) = &request {
            self.uncount(task, w);
        }
        let r = self.touch(id);
        r.grants += 1;
        r.spare = match waiter_granted {
            true => 0,
            false => r.spare.saturating_sub(1),
        };
        // A fast path's request is the last one; a waiter's is usually the first: each taken
        // off its end without moving the rest.
        let mine = |p: &Pending| p.task == task;
        if r.requests.back().is_some_and(mine) {
            r.requests.pop_back();
        } else if r.requests.front().is_some_and(mine) {
            r.requests.pop_front();
        } else if let Some(i) = r.requests.iter().position(mine) {
            r.requests.remove(i);
        }
        r.holders.push(task);
    }

    /// `Release` (by `task`, if a task released): [`Model::any_op`] for it.
    #[inline]
    pub(crate) fn release(&mut self, id: ResourceId, task: Option<TaskId>) {
        let r = self.touch(id);
        r.releases += 1;
        let at = task.and_then(|t| r.holders.iter().position(|h| *h == t)).or((!r.holders.is_empty()).then_some(0));
        if let Some(at) = at {
            r.holders.remove(at);
        }
    }

    /// `Wake` of `waiter`: [`Model::any_op`] for it.
    #[inline]
    pub(crate) fn wake(&mut self, id: ResourceId, waiter: TaskId) {
        self.touch(id).dropped_handoff = None;
        self.mark_woken(id, waiter);
    }

    /// Marks `waiter`'s listed request and wait on `id` woken.
    #[inline]
    fn mark_woken(&mut self, id: ResourceId, waiter: TaskId) {
        if let Some(t) = self.waits.get_mut(waiter.index()) {
            t.pending.iter_mut().filter(|w| w.id == id).for_each(|w| w.woken = true);
        }
    }

    /// Any op on resource `id` (registered): the definition of what each op does to the model.
    pub(crate) fn any_op(&mut self, id: ResourceId, op: &Op, task: Option<TaskId>, step: u64) {
        let serial = task.and_then(|t| self.tasks.get(t.index())).map_or(0, |t| t.steps);
        // Whether the task already has a request (a wait) listed here, which a new one replaces:
        // known from its own list, so a new waiter costs no search of a long queue.
        let listed = |request| {
            let waits = task.map(|t| self.waits_of(t));
            waits.is_some_and(|w| w.pending.iter().any(|w| (w.id, w.request) == (id, request)))
        };
        let had = match op {
            Op::Request => listed(true),
            Op::Wait => listed(false),
            _ => false,
        };
        // A grant ends a waiter's acquire, or is a fast path; a request that no unwoken waiter
        // precedes finds the idle units spare (see the module docs).
        let waiter_granted = match (op, task) {
            (Op::Grant, Some(t)) => {
                self.waits_of(t).pending.iter().any(|w| w.id == id && w.request && self.waiting_since_a_step(t, w))
            }
            _ => false,
        };
        let woken_here = match (op, task) {
            (Op::Abandon, Some(t)) => self.woken(t, id, true) || self.woken(t, id, false),
            _ => false,
        };
        // The ops that take the task's request off the resource's list take it off its count.
        if let (Op::Request | Op::Grant | Op::Abandon, Some(t)) = (op, task) {
            let request = self.waits_of(t).pending.iter().find(|w| w.id == id && w.request).copied();
            if let Some(w) = request {
                self.uncount(t, &w);
            }
        }
        let spare_at_request = match op {
            Op::Request => Model::idle_if_none_unwoken(&self.resources[id.index()]),
            _ => None,
        };
        let r = &mut self.resources[id.index()];
        self.touched_any = self.step_serial;
        if r.touched != self.step_serial {
            r.touched = self.step_serial;
            r.dropped_handoff = None;
            if self.listing {
                self.touched_list.push(id);
            }
        }
        let pending = |task| Pending { task, step, serial, set_at: None };
        match (op, task) {
            (Op::Request, Some(t)) => {
                if had {
                    r.requests.retain(|p| p.task != t);
                }
                r.requests.push_back(pending(t));
                // Spare units stay spare until a waiter's acquire ends: a later request never
                // lowers them (a spuriously polled waiter looks woken to it, and is not).
                if let Some(idle) = spare_at_request {
                    r.spare = r.spare.max(idle);
                }
            }
            (Op::Wait, Some(t)) => {
                if had {
                    r.waits.retain(|p| p.task != t);
                }
                r.waits.push_back(pending(t));
            }
            (Op::Grant, _) => {
                r.grants += 1;
                r.spare = match waiter_granted {
                    true => 0,
                    false => r.spare.saturating_sub(1),
                };
                if let Some(t) = task {
                    // A fast path's request is the last one; a waiter's is usually the first.
                    let mine = |p: &Pending| p.task == t;
                    let at = match r.requests.back().is_some_and(mine) {
                        true => Some(r.requests.len() - 1),
                        false => r.requests.iter().position(mine),
                    };
                    if let Some(i) = at {
                        r.requests.remove(i);
                    }
                    r.holders.push(t);
                }
            }
            (Op::Release, _) => {
                r.releases += 1;
                let at =
                    task.and_then(|t| r.holders.iter().position(|h| *h == t)).or((!r.holders.is_empty()).then_some(0));
                if let Some(at) = at {
                    r.holders.remove(at);
                }
            }
            (Op::Abandon, Some(t)) => {
                r.spare = 0;
                if woken_here {
                    r.dropped_handoff = Some(t);
                }
                r.requests.retain(|p| p.task != t);
                r.waits.retain(|p| p.task != t);
                r.cycle.retain(|(_, holder)| *holder != t);
            }
            (Op::Resume, Some(t)) => r.waits.retain(|p| p.task != t),
            // The waiter's listed request or wait is marked woken (`list_pending`).
            (Op::Wake { .. }, _) => r.dropped_handoff = None,
            (Op::Set, _) => {
                r.set = true;
                for p in &mut r.waits {
                    p.set_at.get_or_insert(step);
                }
            }
            (Op::Clear, _) => r.set = false,
            (Op::Put { size } | Op::Get { size }, _) => r.size = Some(*size),
            (Op::Shutdown { immediate: true }, _) => r.size = None,
            (Op::Arrive { index }, Some(t)) => r.cycle.push((*index, t)),
            (Op::Trip | Op::Reset | Op::Abort, _) => r.cycle.clear(),
            _ => {}
        }
        self.list_pending(id, op, task, serial);
    }

    /// Keeps the task's list of its pending requests and waits in step with the resource's.
    fn list_pending(&mut self, id: ResourceId, op: &Op, task: Option<TaskId>, serial: u32) {
        if let Op::Wake { waiter } = op {
            self.mark_woken(id, *waiter);
            return;
        }
        let Some(task) = task else { return };
        let (request, open) = match op {
            Op::Request => (true, true),
            Op::Wait => (false, true),
            Op::Grant => (true, false),
            Op::Resume => (false, false),
            Op::Abandon => {
                self.waits_mut(task).pending.retain(|w| w.id != id);
                return;
            }
            _ => return,
        };
        let listed = &mut self.waits_mut(task).pending;
        listed.retain(|w| (w.id, w.request) != (id, request));
        if open {
            listed.push(Waiting { id, request, serial, woken: false });
        }
    }
}
