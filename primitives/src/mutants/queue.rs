//! BZ-Q1, BZ-Q3 and FU-1: three historical queues, each ported onto [`crate::Queue`] (its
//! putters, `task_done`/`join` and `shutdown` as there) with the bug at its spot.

use crate::queue::{GetError, PutError, TaskDoneError};
use crate::waiters::{WaitList, WaiterKey};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft_traces::Resource;
use weft_traces::{Op, ResourceKind};

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
    /// FU-1 (futures-channel 0.2.0-alpha bounded `mpsc`, rust-lang/futures-rs#861, fixed by
    /// PR #865, commit `97af31e5`, released in futures 0.2.0): the receiver's non-blocking
    /// `try_next` pops a message but skips `unpark_one()` and `dec_num_messages()`, which only
    /// the `Stream::poll_next` path did. A parked sender is never woken, and the message count
    /// that decides "full" stays up over an emptied buffer: `try_send` fails as full and
    /// `send` waits forever with room in the channel. Here `get_nowait` is `try_next` and
    /// `get()` is `poll_next`: `full()` reads a count of messages that only `get()` brings
    /// down, and only `get()` wakes a putter. futures' capacity is `buffer + senders`, weft's
    /// is `maxsize`: the counts differ, the mechanism is the same.
    Futures861,
}

/// A Queue with one of the historical bugs of [`QueueBug`], otherwise as [`crate::Queue`].
///
/// ```
/// use weft_primitives::mutants::{MutantQueue, QueueBug};
/// # futures::executor::block_on(async {
/// let q = MutantQueue::new(QueueBug::Futures861, 1);
/// q.put_nowait(7).unwrap();
/// assert_eq!(q.get_nowait(), Ok(7));
/// assert_eq!(q.qsize(), 0);
/// assert!(q.put_nowait(8).is_err()); // the bug: "full" with no item in it
/// # });
/// ```
pub struct MutantQueue<T> {
    bug: QueueBug,
    maxsize: usize,
    state: RefCell<State<T>>,
    resource: Resource,
}

struct State<T> {
    items: VecDeque<T>,
    getters: WaitList,
    putters: WaitList,
    joiners: WaitList,
    unfinished: usize,
    shutdown: bool,
    /// BZ-Q1: items already handed to woken getters, by getter.
    handed: Vec<(WaiterKey, T)>,
    /// FU-1: futures' `num_messages`, which `full()` reads and only `get()` decrements.
    messages: usize,
}

/// Which receive path a get took (FU-1 differs between them).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Path {
    /// `get_nowait`: futures' `try_next`.
    Nowait,
    /// `get().await`: futures' `poll_next`.
    Await,
}

impl<T> fmt::Debug for MutantQueue<T> {
    /// CPython's `str()`, with `_getters[n]` counting listed getters (leaked ones included).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.borrow();
        write!(f, "<Queue maxsize={}", self.maxsize)?;
        if !s.getters.is_empty() {
            write!(f, " _getters[{}]", s.getters.len())?;
        }
        if !s.putters.is_empty() {
            write!(f, " _putters[{}]", s.putters.len())?;
        }
        write!(f, ">")
    }
}

impl<T> MutantQueue<T> {
    /// An empty queue of at most `maxsize` items (0: unbounded) with `bug`, registered as a
    /// Queue named "queue".
    pub fn new(bug: QueueBug, maxsize: usize) -> MutantQueue<T> {
        let capacity = (maxsize > 0).then_some(maxsize as u64);
        let resource = Resource::new(ResourceKind::Queue, "queue", capacity, false);
        let state = State {
            items: VecDeque::new(),
            getters: WaitList::default(),
            putters: WaitList::default(),
            joiners: WaitList::default(),
            unfinished: 0,
            shutdown: false,
            handed: Vec::new(),
            messages: 0,
        };
        MutantQueue { bug, maxsize, state: RefCell::new(state), resource }
    }

    /// The most items it holds; 0 means unbounded.
    pub fn maxsize(&self) -> usize {
        self.maxsize
    }

    /// Items in the queue.
    pub fn qsize(&self) -> usize {
        self.state.borrow().items.len()
    }

    /// How many gets are listed (leaked ones included).
    pub fn getters(&self) -> usize {
        self.state.borrow().getters.len()
    }

    /// How many puts are listed.
    pub fn putters(&self) -> usize {
        self.state.borrow().putters.len()
    }

    fn id(&self) -> &Resource {
        &self.resource
    }

    fn full(&self, s: &State<T>) -> bool {
        let count = match self.bug {
            QueueBug::Futures861 => s.messages,
            QueueBug::Bpo23812 | QueueBug::Bpo31620 => s.items.len(),
        };
        self.maxsize > 0 && count >= self.maxsize
    }

    /// Puts `item` without waiting and wakes a getter, the historical way.
    pub fn put_nowait(&self, item: T) -> Result<(), PutError<T>> {
        self.put_now(&mut self.state.borrow_mut(), item)
    }

    fn put_now(&self, s: &mut State<T>, item: T) -> Result<(), PutError<T>> {
        if s.shutdown {
            return Err(PutError::QueueShutDown(item));
        }
        if self.full(s) {
            return Err(PutError::QueueFull(item));
        }
        s.unfinished += 1;
        s.messages += 1;
        let size = s.items.len() as u64;
        self.resource.record(|| Op::Put { size: size + 1 });
        match self.bug {
            QueueBug::Bpo23812 => match s.getters.wake_next_key(self.id()) {
                Some(getter) => s.handed.push((getter, item)), // the item leaves the queue
                None => s.items.push_back(item),
            },
            QueueBug::Bpo31620 => {
                s.items.push_back(item);
                s.getters.pop_abandoned_front();
                s.getters.wake_next(1, self.id());
            }
            QueueBug::Futures861 => {
                s.items.push_back(item);
                s.getters.wake_next(1, self.id());
            }
        }
        Ok(())
    }

    /// Takes an item if there is one.
    pub fn get_nowait(&self) -> Result<T, GetError> {
        self.get_now(&mut self.state.borrow_mut(), Path::Nowait)
    }

    fn get_now(&self, s: &mut State<T>, path: Path) -> Result<T, GetError> {
        let Some(item) = s.items.pop_front() else {
            return Err(match s.shutdown {
                true => GetError::QueueShutDown,
                false => GetError::QueueEmpty,
            });
        };
        let size = s.items.len() as u64;
        self.resource.record(|| Op::Get { size });
        if self.bug == QueueBug::Futures861 && path == Path::Nowait {
            return Ok(item); // the bug: no `unpark_one()`, no `dec_num_messages()`
        }
        s.messages -= 1;
        s.putters.wake_next(1, self.id());
        Ok(item)
    }

    /// Puts `item`, waiting while the queue is full.
    pub fn put(&self, item: T) -> MutantPut<'_, T> {
        MutantPut { queue: self, item: Some(item), waiter: None }
    }

    /// Takes an item, waiting for one.
    pub fn get(&self) -> MutantGet<'_, T> {
        MutantGet { queue: self, waiter: None }
    }

    /// Marks an item got earlier as processed, as [`crate::Queue::task_done`].
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut s = self.state.borrow_mut();
        if s.unfinished == 0 {
            self.resource.record(|| Op::Misuse { message: TaskDoneError.to_string() });
            return Err(TaskDoneError);
        }
        s.unfinished -= 1;
        self.resource.record(|| Op::TaskDone);
        if s.unfinished == 0 {
            s.joiners.wake_next(usize::MAX, self.id());
        }
        Ok(())
    }

    /// Waits until every item put was marked done, as [`crate::Queue::join`].
    pub fn join(&self) -> MutantJoin<'_, T> {
        MutantJoin { queue: self, waiter: None }
    }

    /// Shuts the queue down, as [`crate::Queue::shutdown`].
    pub fn shutdown(&self, immediate: bool) {
        let id = self.id();
        let mut s = self.state.borrow_mut();
        s.shutdown = true;
        self.resource.record(|| Op::Shutdown { immediate });
        if immediate {
            while s.items.pop_front().is_some() {
                s.messages = s.messages.saturating_sub(1);
                let size = s.items.len() as u64;
                self.resource.record(|| Op::Get { size });
                if s.unfinished > 0 {
                    s.unfinished -= 1;
                    self.resource.record(|| Op::TaskDone);
                }
            }
            if s.unfinished == 0 {
                s.joiners.wake_next(usize::MAX, id);
            }
        }
        s.getters.wake_next(usize::MAX, id);
        s.putters.wake_next(usize::MAX, id);
    }
}

/// A woken waiter that runs leaves its list (`Resume`); one still waiting stays `Pending`.
fn woken(list: &mut WaitList, key: WaiterKey, cx: &Context<'_>, resource: &Resource) -> bool {
    if !list.is_woken(key, cx.waker()) {
        return false;
    }
    list.remove(key);
    resource.record(|| Op::Resume);
    true
}

/// The future of [`MutantQueue::put`].
pub struct MutantPut<'a, T> {
    queue: &'a MutantQueue<T>,
    item: Option<T>,
    waiter: Option<WaiterKey>,
}

impl<T> Unpin for MutantPut<'_, T> {}

impl<T> Future for MutantPut<'_, T> {
    type Output = Result<(), PutError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let queue = self.queue;
        let mut s = queue.state.borrow_mut();
        if let Some(key) = self.waiter {
            if !woken(&mut s.putters, key, cx, &queue.resource) {
                return Poll::Pending;
            }
            self.waiter = None;
        }
        let item = self.item.take().expect("`MutantPut` polled after it completed");
        if queue.full(&s) && !s.shutdown {
            self.item = Some(item);
            self.waiter = Some(s.putters.push(cx.waker()));
            queue.resource.record(|| Op::Wait);
            return Poll::Pending;
        }
        Poll::Ready(queue.put_now(&mut s, item))
    }
}

impl<T> Drop for MutantPut<'_, T> {
    fn drop(&mut self) {
        let Some(key) = self.waiter.take() else { return };
        let queue = self.queue;
        let mut s = queue.state.borrow_mut();
        let was_woken = s.putters.remove(key).unwrap_or(false);
        queue.resource.record(|| Op::Abandon);
        if was_woken && !queue.full(&s) {
            s.putters.wake_next(1, queue.id());
        }
    }
}

/// The future of [`MutantQueue::get`].
pub struct MutantGet<'a, T> {
    queue: &'a MutantQueue<T>,
    waiter: Option<WaiterKey>,
}

impl<T> Future for MutantGet<'_, T> {
    type Output = Result<T, GetError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let queue = self.queue;
        let mut s = queue.state.borrow_mut();
        if let Some(key) = self.waiter {
            if !woken(&mut s.getters, key, cx, &queue.resource) {
                return Poll::Pending;
            }
            self.waiter = None;
            if let Some(i) = s.handed.iter().position(|(k, _)| *k == key) {
                let (_, item) = s.handed.remove(i);
                s.messages -= 1;
                let size = s.items.len() as u64;
                queue.resource.record(|| Op::Get { size });
                return Poll::Ready(Ok(item));
            }
        }
        if s.items.is_empty() && !s.shutdown {
            self.waiter = Some(s.getters.push(cx.waker()));
            queue.resource.record(|| Op::Wait);
            return Poll::Pending;
        }
        Poll::Ready(queue.get_now(&mut s, Path::Await))
    }
}

impl<T> Drop for MutantGet<'_, T> {
    fn drop(&mut self) {
        let Some(key) = self.waiter.take() else { return };
        let queue = self.queue;
        let mut s = queue.state.borrow_mut();
        queue.resource.record(|| Op::Abandon);
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
                    s.getters.wake_next(1, queue.id());
                }
            }
            QueueBug::Futures861 => {
                if s.getters.remove(key) == Some(true) && !s.items.is_empty() {
                    s.getters.wake_next(1, queue.id());
                }
            }
        }
    }
}

/// The future of [`MutantQueue::join`].
pub struct MutantJoin<'a, T> {
    queue: &'a MutantQueue<T>,
    waiter: Option<WaiterKey>,
}

impl<T> Future for MutantJoin<'_, T> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let queue = self.queue;
        let mut s = queue.state.borrow_mut();
        match self.waiter {
            Some(key) if woken(&mut s.joiners, key, cx, &queue.resource) => {
                self.waiter = None;
                Poll::Ready(())
            }
            Some(_) => Poll::Pending,
            None if s.unfinished == 0 => Poll::Ready(()),
            None => {
                self.waiter = Some(s.joiners.push(cx.waker()));
                queue.resource.record(|| Op::Wait);
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for MutantJoin<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.waiter.take() {
            self.queue.state.borrow_mut().joiners.remove(key);
            self.queue.resource.record(|| Op::Abandon);
        }
    }
}
