//! The ready queue: tasks that can run, in the order they were woken.

use weft_traces::TaskId;

/// Tasks that can run, in wake order (asyncio's `call_soon` order). A task is in it at most once.
///
/// The tasks are `queue[head..]`, always one slice (a scheduler reads them as one at every
/// pick): taking the head moves `head` on, taking another task closes the gap behind it, and
/// the room before `head` is reclaimed when the queue empties or that room outgrows the tasks.
#[derive(Debug, Default)]
pub(crate) struct ReadyQueue {
    queue: Vec<TaskId>,
    head: usize,
    queued: Vec<bool>,
}

/// Room before the head reclaimed once it is at least this big (and as big as the tasks).
const RECLAIM: usize = 32;

impl ReadyQueue {
    /// Appends `task` unless it is already queued; says whether it was appended.
    #[inline(always)]
    pub(crate) fn push(&mut self, task: TaskId) -> bool {
        let i = task.index();
        if self.queued.len() <= i {
            self.queued.resize(i + 1, false);
        }
        if self.queued[i] {
            return false;
        }
        self.queued[i] = true;
        if self.head == self.queue.len() {
            self.queue.clear();
            self.head = 0;
        } else if self.head >= RECLAIM && self.head * 2 >= self.queue.len() {
            self.queue.drain(..self.head);
            self.head = 0;
        }
        self.queue.push(task);
        true
    }

    /// Removes and returns the task at `index` (0 is the head).
    #[inline]
    pub(crate) fn take(&mut self, index: usize) -> TaskId {
        let task = self.as_slice()[index];
        match index {
            0 => self.head += 1,
            _ => {
                self.queue.remove(self.head + index);
            }
        }
        self.queued[task.index()] = false;
        task
    }

    /// The ready tasks, head first.
    #[inline]
    pub(crate) fn as_slice(&self) -> &[TaskId] {
        &self.queue[self.head..]
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.queue.len() - self.head
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes `task` wherever it is queued (a task that ended in the step it woke itself).
    pub(crate) fn remove(&mut self, task: TaskId) {
        if let Some(i) = self.as_slice().iter().position(|t| *t == task) {
            self.take(i);
        }
    }

    /// Empties it, keeping its room (see `reuse.rs`).
    pub(crate) fn clear(&mut self) {
        self.queue.clear();
        self.head = 0;
        self.queued.clear();
    }

    /// Whether `task` is queued.
    #[inline]
    pub(crate) fn contains(&self, task: TaskId) -> bool {
        self.queued.get(task.index()).copied().unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The queue against a plain list of the same operations: the same tasks in the same order
    /// whichever end they are taken from, across reclaims of the room before the head.
    #[test]
    fn keeps_wake_order_whatever_is_taken() {
        let mut queue = ReadyQueue::default();
        let mut model: Vec<TaskId> = Vec::new();
        let mut x: u64 = 7;
        for round in 0..5_000u64 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let task = TaskId((x >> 33) as u32 % 100);
            if !(x >> 20).is_multiple_of(3) {
                assert_eq!(queue.push(task), !model.contains(&task));
                if !model.contains(&task) {
                    model.push(task);
                }
            } else if !model.is_empty() {
                // Mostly the head, as FIFO takes it; sometimes another.
                let index = if round.is_multiple_of(4) { (x >> 40) as usize % model.len() } else { 0 };
                assert_eq!(queue.take(index), model.remove(index));
            }
            assert_eq!(queue.as_slice(), model.as_slice());
            assert_eq!(queue.len(), model.len());
            assert!(model.iter().all(|t| queue.contains(*t)));
        }
    }
}
