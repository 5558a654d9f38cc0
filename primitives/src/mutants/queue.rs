//! BZ-Q1 and BZ-Q3: two historical Queues (unbounded; `get`, `put_nowait`, `get_nowait`).

use crate::waiters::{WaitList, WaiterKey};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft_traces::Resource;

/// Which historical Queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueBug {
    /// BZ-Q1 (bpo-23812, ≤ 3.4.3): `put_nowait` with a getter waiting hands the item straight
    /// into the getter's future (`getter.set_result(self._get())`). A getter cancelled after
    /// that, before it runs, takes the item with it: the item is lost.
    Bpo23812,
    /// BZ-Q3 (bpo-31620 getters, bpo-32574 putters): a cancelled `get()` never removes its
    /// future from `_getters`. Wake-ups skip it (it is done), but it stays listed until a later
    /// wake-up pops past it: bookkeeping that grows under `wait_for(q.get(), t)` polling.
    Bpo31620,
}

/// An unbounded Queue with one of the historical bugs of [`QueueBug`].
///
/// ```
/// use weft_primitives::mutants::{MutantQueue, QueueBug};
/// # futures::executor::block_on(async {
/// let q = MutantQueue::new(QueueBug::Bpo31620);
/// q.put_nowait(7);
/// assert_eq!(q.get().await, 7);
/// assert_eq!(format!("{q:?}"), "<Queue maxsize=0>");
/// # });
/// ```
pub struct MutantQueue<T> {
    bug: QueueBug,
    state: RefCell<State<T>>,
    resource: Resource,
}

struct State<T> {
    items: VecDeque<T>,
    getters: WaitList,
    /// BZ-Q1: items already handed to woken getters, by getter.
    handed: Vec<(WaiterKey, T)>,
}

impl<T> fmt::Debug for MutantQueue<T> {
    /// CPython's `str()`, with `_getters[n]` counting listed getters (leaked ones included).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.borrow();
        write!(f, "<Queue maxsize=0")?;
        if !s.getters.is_empty() {
            write!(f, " _getters[{}]", s.getters.len())?;
        }
        write!(f, ">")
    }
}

impl<T> MutantQueue<T> {
    /// An empty unbounded queue with `bug`, registered as a Queue named "queue".
    pub fn new(bug: QueueBug) -> MutantQueue<T> {
        let resource = Resource::queue("queue", 0);
        let state = State { items: VecDeque::new(), getters: WaitList::default(), handed: Vec::new() };
        MutantQueue { bug, state: RefCell::new(state), resource }
    }

    /// Items in the queue.
    pub fn qsize(&self) -> usize {
        self.state.borrow().items.len()
    }

    /// Puts `item` without waiting (the queue is unbounded) and wakes a getter.
    pub fn put_nowait(&self, item: T) {
        let mut s = self.state.borrow_mut();
        let size = s.items.len() as u64;
        self.resource.put(size + 1);
        match self.bug {
            QueueBug::Bpo23812 => match s.getters.wake_next_key(&self.resource) {
                Some(getter) => s.handed.push((getter, item)), // the item leaves the queue
                None => s.items.push_back(item),
            },
            QueueBug::Bpo31620 => {
                s.items.push_back(item);
                s.getters.pop_abandoned_front();
                s.getters.wake_next(1, &self.resource);
            }
        }
    }

    /// Takes an item if there is one.
    pub fn get_nowait(&self) -> Option<T> {
        let mut s = self.state.borrow_mut();
        let item = s.items.pop_front()?;
        let size = s.items.len() as u64;
        self.resource.get(size);
        Some(item)
    }

    /// Takes an item, waiting for one.
    pub fn get(&self) -> MutantGet<'_, T> {
        MutantGet { queue: self, waiter: None }
    }
}

/// The future of [`MutantQueue::get`].
pub struct MutantGet<'a, T> {
    queue: &'a MutantQueue<T>,
    waiter: Option<WaiterKey>,
}

impl<T> Future for MutantGet<'_, T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let queue = self.queue;
        let mut s = queue.state.borrow_mut();
        if let Some(key) = self.waiter {
            if !s.getters.is_woken(key, cx.waker()) {
                return Poll::Pending;
            }
            s.getters.remove(key);
            self.waiter = None;
            queue.resource.resume();
            if let Some(i) = s.handed.iter().position(|(k, _)| *k == key) {
                let (_, item) = s.handed.remove(i);
                let size = s.items.len() as u64;
                queue.resource.get(size);
                return Poll::Ready(item);
            }
        }
        if let Some(item) = s.items.pop_front() {
            let size = s.items.len() as u64;
            queue.resource.get(size);
            return Poll::Ready(item);
        }
        self.waiter = Some(s.getters.push(cx.waker()));
        queue.resource.wait();
        Poll::Pending
    }
}

impl<T> Drop for MutantGet<'_, T> {
    fn drop(&mut self) {
        let Some(key) = self.waiter.take() else { return };
        let queue = self.queue;
        let mut s = queue.state.borrow_mut();
        queue.resource.abandon();
        match queue.bug {
            // The item handed to this getter, if any, is dropped with it.
            QueueBug::Bpo23812 => {
                s.getters.remove(key);
                s.handed.retain(|(k, _)| *k != key);
            }
            // `except: getter.cancel(); if not empty and not cancelled: _wakeup_next(); raise`
            // with no `self._getters.remove(getter)`.
            QueueBug::Bpo31620 => {
                let woken = s.getters.abandon_in_place(key);
                if woken && !s.items.is_empty() {
                    s.getters.wake_next(1, &queue.resource);
                }
            }
        }
    }
}
