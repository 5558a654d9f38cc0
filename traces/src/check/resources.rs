//! The model the checkers read: what every task and resource is doing, rebuilt from the events
//! alone (so it is the same online, during a run, and offline, over a stored trace).
//!
//! - A **task** is *ready* from its `Spawn` or `Wake` until its next `Poll` (or its `Exit`, for a
//!   cancelled task whose future is dropped without a poll): the model mirrors the executor's
//!   ready queue, in order.
//! - A **resource** counts its `Grant`s and `Release`s: `free = capacity + releases - grants`
//!   units (a plain Semaphore's extra releases add units, as in asyncio). Its holders are the
//!   granted tasks; a `Release` gives back the releasing task's unit, or the oldest holder's when
//!   the releaser holds none (asyncio's locks have no owner).
//! - A **request** (`Request`) is pending until its task's `Grant` or `Abandon`; it becomes a
//!   *waiter* when its task's step ends without the grant. A **wait** (`Wait`) is pending until
//!   `Resume` or `Abandon`. Both are kept in the order they began.

use crate::event::{Event, Op, Record, ResourceKind};
use crate::ids::{ResourceId, TaskId, Time};

/// One task as the events show it.
#[derive(Clone, Debug, Default)]
pub(crate) struct TaskState {
    pub(crate) name: String,
    pub(crate) exited: bool,
    /// `Cancel` was recorded: its next step drops its future.
    pub(crate) cancel_requested: bool,
}

/// A request or wait that has not completed yet.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    pub(crate) task: TaskId,
    /// Order among all requests and waits of the run.
    pub(crate) seq: u64,
    pub(crate) step: u64,
    /// Its task's step ended after it began: it is a waiter, not a fast path in progress.
    pub(crate) suspended: bool,
    /// The resource recorded a `Wake` for it (a hand-off or notification is in flight).
    pub(crate) woken: bool,
    /// For an Event wait: the step of the `set()` that must wake it.
    pub(crate) set_at: Option<u64>,
}

/// One resource as the events show it.
#[derive(Clone, Debug)]
pub(crate) struct ResourceState {
    pub(crate) id: ResourceId,
    pub(crate) kind: ResourceKind,
    pub(crate) name: String,
    pub(crate) capacity: Option<u64>,
    pub(crate) fifo: bool,
    pub(crate) grants: u64,
    pub(crate) releases: u64,
    pub(crate) holders: Vec<TaskId>,
    pub(crate) requests: Vec<Pending>,
    pub(crate) waits: Vec<Pending>,
    /// An Event's flag.
    pub(crate) set: bool,
    /// A Queue's size, once an op reported it.
    pub(crate) size: Option<u64>,
    /// A Barrier's indices handed out in the current cycle.
    pub(crate) cycle: Vec<(u64, TaskId)>,
    /// A task whose woken request or wait was abandoned during the current step, with no wake
    /// recorded on the resource since: its hand-off (or notification) must reach another waiter
    /// before the step ends.
    pub(crate) dropped_handoff: Option<TaskId>,
}

impl ResourceState {
    /// Units free now (`capacity + releases - grants`), for a held resource.
    pub(crate) fn free(&self) -> Option<i128> {
        let capacity = self.capacity?;
        Some(capacity as i128 + self.releases as i128 - self.grants as i128)
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

/// Tasks and resources, rebuilt event by event.
#[derive(Clone, Debug, Default)]
pub(crate) struct Model {
    pub(crate) tasks: Vec<TaskState>,
    pub(crate) resources: Vec<ResourceState>,
    /// The executor's ready queue, in order.
    pub(crate) ready: Vec<TaskId>,
    /// The task whose step is in progress (polled, not yet suspended or exited).
    pub(crate) stepping: Option<TaskId>,
    /// Resources touched during the current step (their ids, unsorted, deduplicated).
    pub(crate) touched: Vec<ResourceId>,
    pub(crate) last_step: u64,
    pub(crate) last_time: Time,
    next_seq: u64,
}

impl Model {
    /// `'name' (#1)`.
    pub(crate) fn task(&self, task: TaskId) -> String {
        match self.tasks.get(task.index()) {
            Some(t) => format!("'{}' ({task})", t.name),
            None => format!("task {task}"),
        }
    }

    pub(crate) fn is_ready(&self, task: TaskId) -> bool {
        self.ready.contains(&task)
    }

    pub(crate) fn is_live(&self, task: TaskId) -> bool {
        self.tasks.get(task.index()).is_some_and(|t| !t.exited && !t.cancel_requested)
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

    fn task_mut(&mut self, task: TaskId) -> &mut TaskState {
        if self.tasks.len() <= task.index() {
            self.tasks.resize_with(task.index() + 1, TaskState::default);
        }
        &mut self.tasks[task.index()]
    }

    fn make_ready(&mut self, task: TaskId) {
        if !self.ready.contains(&task) {
            self.ready.push(task);
        }
    }

    fn unready(&mut self, task: TaskId) {
        self.ready.retain(|t| *t != task);
    }

    /// Updates the model with `record`.
    pub(crate) fn apply(&mut self, record: &Record) {
        self.last_step = record.step;
        self.last_time = record.time;
        let task = record.task;
        match (&record.event, task) {
            (Event::Spawn { name, .. }, Some(t)) => {
                self.task_mut(t).name = name.clone();
                self.make_ready(t);
            }
            (Event::Poll, Some(t)) => {
                self.unready(t);
                self.stepping = Some(t);
            }
            (Event::Wake { .. }, Some(t)) => self.make_ready(t),
            (Event::Cancel { .. }, Some(t)) => self.task_mut(t).cancel_requested = true,
            (Event::Suspend, Some(t)) => self.end_step(t),
            (Event::Exit { .. }, Some(t)) => {
                self.unready(t);
                self.task_mut(t).exited = true;
                for r in &mut self.resources {
                    r.requests.retain(|p| p.task != t);
                    r.waits.retain(|p| p.task != t);
                }
                self.end_step(t);
            }
            (Event::NewResource { id, kind, name, capacity, fifo }, _) => {
                self.new_resource(*id, *kind, name, *capacity, *fifo)
            }
            (Event::Resource { id, op }, _) => self.op(*id, op, task, record.step),
            _ => {}
        }
    }

    fn end_step(&mut self, task: TaskId) {
        for r in &mut self.resources {
            for p in r.requests.iter_mut().chain(r.waits.iter_mut()) {
                if p.task == task {
                    p.suspended = true;
                }
            }
        }
        if self.stepping == Some(task) {
            self.stepping = None;
        }
    }

    /// Called by the checker once its step-end rules have run.
    pub(crate) fn clear_step(&mut self) {
        for id in std::mem::take(&mut self.touched) {
            if let Some(r) = self.resources.get_mut(id.index()) {
                r.dropped_handoff = None;
            }
        }
    }

    fn new_resource(&mut self, id: ResourceId, kind: ResourceKind, name: &str, capacity: Option<u64>, fifo: bool) {
        while self.resources.len() <= id.index() {
            let next = ResourceId(self.resources.len() as u32);
            self.resources.push(ResourceState {
                id: next,
                kind,
                name: String::new(),
                capacity: None,
                fifo: false,
                grants: 0,
                releases: 0,
                holders: Vec::new(),
                requests: Vec::new(),
                waits: Vec::new(),
                set: false,
                size: None,
                cycle: Vec::new(),
                dropped_handoff: None,
            });
        }
        let r = &mut self.resources[id.index()];
        r.kind = kind;
        r.name = name.to_string();
        r.capacity = capacity;
        r.fifo = fifo;
    }

    fn op(&mut self, id: ResourceId, op: &Op, task: Option<TaskId>, step: u64) {
        if self.resources.len() <= id.index() {
            self.new_resource(id, ResourceKind::Foreign, "", None, false);
        }
        if !self.touched.contains(&id) {
            self.touched.push(id);
        }
        let seq = self.next_seq;
        let r = &mut self.resources[id.index()];
        let pending = |task| Pending { task, seq, step, suspended: false, woken: false, set_at: None };
        match (op, task) {
            (Op::Request, Some(t)) => {
                r.requests.retain(|p| p.task != t);
                r.requests.push(pending(t));
                self.next_seq += 1;
            }
            (Op::Wait, Some(t)) => {
                r.waits.retain(|p| p.task != t);
                r.waits.push(pending(t));
                self.next_seq += 1;
            }
            (Op::Grant, _) => {
                r.grants += 1;
                if let Some(t) = task {
                    r.requests.retain(|p| p.task != t);
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
                if r.requests.iter().any(|p| p.task == t && p.woken) {
                    r.dropped_handoff = Some(t);
                }
                if r.waits.iter().any(|p| p.task == t && p.woken) {
                    r.dropped_handoff = Some(t);
                }
                r.requests.retain(|p| p.task != t);
                r.waits.retain(|p| p.task != t);
                r.cycle.retain(|(_, holder)| *holder != t);
            }
            (Op::Resume, Some(t)) => r.waits.retain(|p| p.task != t),
            (Op::Wake { waiter }, _) => {
                r.dropped_handoff = None;
                for p in r.requests.iter_mut().chain(r.waits.iter_mut()) {
                    if p.task == *waiter {
                        p.woken = true;
                    }
                }
            }
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
    }
}
