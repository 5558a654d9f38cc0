//! The ready queue: tasks that can run, in the order they were woken.

use std::collections::VecDeque;
use weft_traces::TaskId;

/// Tasks that can run, in wake order (asyncio's `call_soon` order). A task is in it at most once.
#[derive(Debug, Default)]
pub(crate) struct ReadyQueue {
    queue: VecDeque<TaskId>,
    queued: Vec<bool>,
}

impl ReadyQueue {
    /// Appends `task` unless it is already queued; says whether it was appended.
    pub(crate) fn push(&mut self, task: TaskId) -> bool {
        let i = task.index();
        if self.queued.len() <= i {
            self.queued.resize(i + 1, false);
        }
        if self.queued[i] {
            return false;
        }
        self.queued[i] = true;
        self.queue.push_back(task);
        true
    }

    /// Removes and returns the task at `index` (0 is the head).
    pub(crate) fn take(&mut self, index: usize) -> TaskId {
        let task = self.queue.remove(index).expect("index chosen among the ready tasks");
        self.queued[task.index()] = false;
        task
    }

    /// The ready tasks, head first.
    pub(crate) fn as_slice(&mut self) -> &[TaskId] {
        self.queue.make_contiguous()
    }

    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Removes `task` wherever it is queued (a task that ended in the step it woke itself).
    pub(crate) fn remove(&mut self, task: TaskId) {
        if let Some(i) = self.queue.iter().position(|t| *t == task) {
            self.take(i);
        }
    }

    /// Empties it, keeping its room (see `reuse.rs`).
    pub(crate) fn clear(&mut self) {
        self.queue.clear();
        self.queued.clear();
    }

    /// Whether `task` is queued.
    pub(crate) fn contains(&self, task: TaskId) -> bool {
        self.queued.get(task.index()).copied().unwrap_or(false)
    }
}
