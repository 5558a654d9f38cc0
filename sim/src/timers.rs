//! Timers: wakers due at virtual instants, fired in (deadline, registration) order.

use std::collections::BTreeMap;
use std::task::Waker;
use weft_traces::{TaskId, Time};

/// A registered timer's key: its deadline, then its registration number.
pub(crate) type TimerKey = (Time, u64);

/// Pending timers, ordered by (deadline, registration).
#[derive(Debug, Default)]
pub(crate) struct Timers {
    pending: BTreeMap<TimerKey, (TaskId, Waker)>,
    registered: u64,
}

impl Timers {
    /// Registers `waker` (of `task`) to fire at `deadline`.
    pub(crate) fn insert(&mut self, deadline: Time, task: TaskId, waker: Waker) -> TimerKey {
        let key = (deadline, self.registered);
        self.registered += 1;
        self.pending.insert(key, (task, waker));
        key
    }

    /// Replaces the waker of a pending timer (a re-poll with another waker).
    pub(crate) fn update(&mut self, key: TimerKey, waker: &Waker) {
        if let Some((_, w)) = self.pending.get_mut(&key) {
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

    /// The earliest deadline.
    pub(crate) fn next_deadline(&self) -> Option<Time> {
        self.pending.keys().next().map(|(t, _)| *t)
    }

    /// Removes every timer due at or before `now`, in firing order.
    pub(crate) fn due(&mut self, now: Time) -> Vec<(TaskId, Waker)> {
        let later = self.pending.split_off(&(Time(now.0.saturating_add(1)), 0));
        std::mem::replace(&mut self.pending, later)
            .into_values()
            .collect()
    }
}
