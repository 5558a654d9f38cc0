//! Timers: wakers (a sleeping task's) and loop callbacks (`call_later`, `call_at`) due at
//! virtual instants, fired in (deadline, registration) order.

use std::collections::BTreeMap;
use std::task::Waker;
use weft_traces::{TaskId, Time};

/// A registered timer's key: its deadline, then its registration number.
pub(crate) type TimerKey = (Time, u64);

#[derive(Debug)]
struct Timer {
    /// The task that registered it.
    task: TaskId,
    fire: Fire,
    /// The deadline of a `timeout`, which a fault may fire early.
    timeout: bool,
}

/// What a timer does when it fires.
pub(crate) enum Fire {
    /// Wakes a task (its sleep or deadline is over).
    Wake(Waker),
    /// Runs a loop callback (asyncio's `call_later` handle), as a step of its own at once.
    Call(Box<dyn FnOnce()>),
}

/// Pending timers, ordered by (deadline, registration), and the lists the clock's advances
/// hand out (kept, emptied, across advances and runs: an advance allocates nothing once they
/// have grown).
#[derive(Debug, Default)]
pub(crate) struct Timers {
    pending: BTreeMap<TimerKey, Timer>,
    registered: u64,
    due_tasks: Vec<TaskId>,
    fired: Vec<(TaskId, Fire)>,
}

impl std::fmt::Debug for Fire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Fire::Wake(_) => "wake",
            Fire::Call(_) => "call",
        })
    }
}

impl Timers {
    /// Registers `waker` (of `task`) to fire at `deadline`; `timeout` marks a `timeout` deadline.
    pub(crate) fn insert(&mut self, deadline: Time, task: TaskId, waker: Waker, timeout: bool) -> TimerKey {
        let key = (deadline, self.registered);
        self.registered += 1;
        self.pending.insert(key, Timer { task, fire: Fire::Wake(waker), timeout });
        key
    }

    /// Registers the loop callback `call`, registered by `task`, to run at `deadline`.
    pub(crate) fn insert_call(&mut self, deadline: Time, task: TaskId, call: Box<dyn FnOnce()>) -> TimerKey {
        let key = (deadline, self.registered);
        self.registered += 1;
        self.pending.insert(key, Timer { task, fire: Fire::Call(call), timeout: false });
        key
    }

    /// Replaces the waker of a pending timer (a re-poll with another waker).
    pub(crate) fn update(&mut self, key: TimerKey, waker: &Waker) {
        if let Some(Timer { fire: Fire::Wake(w), .. }) = self.pending.get_mut(&key) {
            if !w.will_wake(waker) {
                *w = waker.clone();
            }
        }
    }

    /// Cancels a timer; says whether it was still pending.
    pub(crate) fn remove(&mut self, key: TimerKey) -> bool {
        self.pending.remove(&key).is_some()
    }

    /// Whether `key` is still pending (has not fired).
    pub(crate) fn is_pending(&self, key: TimerKey) -> bool {
        self.pending.contains_key(&key)
    }

    /// The task that registered the pending timer `key`.
    pub(crate) fn task_of(&self, key: TimerKey) -> Option<TaskId> {
        self.pending.get(&key).map(|t| t.task)
    }

    /// The earliest deadline.
    pub(crate) fn next_deadline(&self) -> Option<Time> {
        self.pending.keys().next().map(|(t, _)| *t)
    }

    /// The tasks of the timers due at or before `now`, in firing order (in the kept list: give
    /// it back with [`Timers::keep_due_tasks`]).
    pub(crate) fn due_tasks(&mut self, now: Time) -> Vec<TaskId> {
        let mut tasks = std::mem::take(&mut self.due_tasks);
        tasks.clear();
        tasks.extend(self.pending.range(..(Time(now.0.saturating_add(1)), 0)).map(|(_, t)| t.task));
        tasks
    }

    /// Gives back the list [`Timers::due_tasks`] handed out.
    pub(crate) fn keep_due_tasks(&mut self, tasks: Vec<TaskId>) {
        self.due_tasks = tasks;
    }

    /// Removes the timers due at or before `now` that fire now and returns them, in firing
    /// order (in the kept list: give it back with [`Timers::keep_fired`]): `which` 0, every one
    /// of them; `i`, the `i`-th (from 1) alone.
    pub(crate) fn fire_due(&mut self, now: Time, which: usize) -> Vec<(TaskId, Fire)> {
        let mut fired = std::mem::take(&mut self.fired);
        fired.clear();
        match which {
            0 => {
                while let Some(entry) = self.pending.first_entry() {
                    if entry.key().0 > now {
                        break;
                    }
                    let timer = entry.remove();
                    fired.push((timer.task, timer.fire));
                }
            }
            i => {
                let due = self.pending.range(..(Time(now.0.saturating_add(1)), 0)).nth(i - 1);
                if let Some(key) = due.map(|(key, _)| *key) {
                    fired.extend(self.pending.remove(&key).map(|t| (t.task, t.fire)));
                }
            }
        }
        fired
    }

    /// Gives back the list [`Timers::fire_due`] handed out (emptied here if it is not).
    pub(crate) fn keep_fired(&mut self, mut fired: Vec<(TaskId, Fire)>) {
        fired.clear();
        self.fired = fired;
    }

    /// Drops every pending timer and starts the registration count over, keeping the lists'
    /// room (for the thread's next run, `reuse.rs`).
    pub(crate) fn clear(&mut self) {
        // Every field named, so that a new one cannot be forgotten here.
        let Timers { pending, registered, due_tasks, fired } = self;
        // Most runs end with no timer pending: an empty map is left as it is (clearing one
        // drops and remakes it).
        if !pending.is_empty() {
            pending.clear();
        }
        *registered = 0;
        due_tasks.clear();
        fired.clear();
    }

    /// Tasks with a pending `timeout` deadline, by id, each once, into `tasks` (emptied first).
    pub(crate) fn timeout_tasks_into(&self, tasks: &mut Vec<TaskId>) {
        tasks.clear();
        tasks.extend(self.pending.values().filter(|t| t.timeout).map(|t| t.task));
        tasks.sort_unstable();
        tasks.dedup();
    }

    /// Removes the earliest pending `timeout` deadline of `task` and returns its waker, to fire
    /// it now.
    pub(crate) fn take_timeout_of(&mut self, task: TaskId) -> Option<Waker> {
        let key = *self.pending.iter().find(|(_, t)| t.timeout && t.task == task)?.0;
        match self.pending.remove(&key)?.fire {
            Fire::Wake(waker) => Some(waker),
            Fire::Call(_) => None,
        }
    }
}
