//! asyncio's `Queue`, `LifoQueue` and `PriorityQueue` (CPython 3.13, `asyncio-semantics.md`
//! A.6): one algorithm, [`QueueOf`], over the container that orders the items
//! ([`Order`](crate::queue_order::Order): FIFO, LIFO or smallest first). What follows holds for
//! all three; "head" is the item the container gives next.
//!
//! # What it guarantees
//!
//! - **Items are conserved**: every item put is got exactly once, is still in the queue, or was
//!   discarded by `shutdown(immediate = true)`. A cancellation never loses an item (BZ-Q1): a
//!   getter takes its item only when its task runs, so a getter cancelled after its wake-up
//!   leaves the item in the queue and passes the wake-up on to the next getter.
//! - **Capacity**: `qsize() <= maxsize` for a bounded queue (`maxsize > 0`); `maxsize == 0` is
//!   unbounded (CPython's `maxsize <= 0`; weft takes a `usize`, so 0 is the only such value).
//! - **No lost wake-up**: `put` wakes the first waiting getter, `get` the first waiting putter,
//!   and a woken waiter that is cancelled before it runs wakes the next one if its item (or
//!   slot) is still there.
//! - **No leftover bookkeeping**: a cancelled getter, putter or joiner leaves its waiter list at
//!   once (BZ-Q3).
//! - **`join()`** returns once every item put has been marked `task_done()` (or was discarded
//!   by an immediate shutdown). A joiner woken by the last `task_done()` returns even if an
//!   item is put before it runs, as CPython's `Event.wait()` does.
//! - **`shutdown()`** (3.13): puts fail with [`PutError::QueueShutDown`]; gets fail with
//!   [`GetError::QueueShutDown`] once the queue is empty (at once after an immediate shutdown,
//!   which discards the items); every blocked getter and putter is woken.
//!
//! # Fairness: weft keeps CPython's
//!
//! Like CPython (gh-83055, open), the queue is **not FIFO-fair among waiters**: a woken getter
//! takes its item only when its task runs, so a newcomer `get()`/`get_nowait()` in between can
//! take it first (and a `put_nowait()` the slot a woken putter was promised); the woken one
//! then waits again at the *tail*. weft keeps this because it is what asyncio programs run on
//! and what `get_nowait()` after `qsize() > 0` relies on; the resource is registered with
//! `fifo: false` so the FIFO checker does not hold the queue to a promise it does not make.
//!
//! # State and its invariants
//!
//! - `items`: the queue's contents, oldest first.
//! - `getters`, `putters`, `joiners`: one [`WaitList`] each, in the order tasks began waiting.
//!   A listed getter is *waiting* or *woken* (its task is scheduled and will re-check
//!   `empty()` when it runs). No lost wake-up: while some listed getter is still waiting (not
//!   woken, not being cancelled), at least as many getters are woken as the queue holds items,
//!   because each item put wakes one getter and a woken getter that leaves without an item
//!   (cancelled) wakes the next one if an item remains. The same holds for putters and the free
//!   slots of a bounded queue.
//! - `unfinished`: items put and not yet `task_done()`; joiners wait while it is positive,
//!   and all of them are woken when it reaches 0.
//!
//! # Trace ops
//!
//! Under weft a queue is registered as a `Queue` resource with capacity `maxsize` (`None` when
//! unbounded) and `fifo: false`, and records (by the task doing it):
//!
//! - `Put { size }` when an item enters the queue (`put`, `put_nowait`), `size` being the new
//!   `qsize()`; `Get { size }` when one leaves it (`get`, `get_nowait`, and once per item an
//!   immediate `shutdown` discards). So `puts - gets == qsize()` at every point of the trace.
//! - `Wait` each time a getter, putter or joiner is put on its list; `Resume` when a woken one
//!   runs and leaves the list (a getter or putter then takes its item or slot, fails with
//!   `QueueShutDown`, or records `Wait` again at the tail); `Abandon` when a listed one's future
//!   is dropped (cancelled). The waiter lists record a `Wake { waiter }` for each wake-up; a
//!   wake-up skips a waiter whose task's cancellation is pending (asyncio's cancelled future,
//!   which `_wakeup_next` skips too): that one records `Abandon` at its next step.
//! - `TaskDone` for each successful `task_done()`, and for each unfinished count an immediate
//!   `shutdown` drops with an item; `Misuse` for `task_done()` called too many times.
//! - `Shutdown { immediate }` when `shutdown` is called, before the `Get`/`TaskDone`s of the
//!   discarded items and the wake-ups (joiners first, then getters, then putters, as CPython).
//!
//! `QueueFull`, `QueueEmpty` and `QueueShutDown` results are not misuse and record nothing.

use crate::queue_order::{Fifo, Lifo, Order, Priority};
use crate::waiters::{forced_yield, WaitList, WaiterKey};
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft_traces::{Resource, ResourceId};

/// Why an item could not be put; the item comes back.
///
/// ```
/// use weft_primitives::{PutError, Queue};
/// let queue = Queue::new(1);
/// queue.put_nowait("a").unwrap();
/// assert_eq!(queue.put_nowait("b"), Err(PutError::QueueFull("b")));
/// queue.shutdown(false);
/// assert_eq!(queue.put_nowait("c"), Err(PutError::QueueShutDown("c")));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PutError<T> {
    /// asyncio's `QueueFull`: `put_nowait` on a full queue (only `put_nowait` returns it).
    QueueFull(T),
    /// asyncio's `QueueShutDown`: the queue was shut down.
    QueueShutDown(T),
}

impl<T> PutError<T> {
    /// The item that was not put.
    ///
    /// ```
    /// use weft_primitives::PutError;
    /// assert_eq!(PutError::QueueFull(7).into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            PutError::QueueFull(item) | PutError::QueueShutDown(item) => item,
        }
    }
}

impl<T> fmt::Debug for PutError<T> {
    /// The variant without the item, so any `T` can be unwrapped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::QueueFull(_) => write!(f, "QueueFull(..)"),
            PutError::QueueShutDown(_) => write!(f, "QueueShutDown(..)"),
        }
    }
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::QueueFull(_) => {
                write!(f, "QueueFull: the queue holds maxsize items; await put() to wait for a free slot")
            }
            PutError::QueueShutDown(_) => {
                write!(f, "QueueShutDown: the queue was shut down and takes no more items")
            }
        }
    }
}

impl<T> std::error::Error for PutError<T> {}

/// Why no item could be got.
///
/// ```
/// use weft_primitives::{GetError, Queue};
/// let queue = Queue::<u32>::new(0);
/// assert_eq!(queue.get_nowait(), Err(GetError::QueueEmpty));
/// queue.shutdown(false);
/// assert_eq!(queue.get_nowait(), Err(GetError::QueueShutDown));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GetError {
    /// asyncio's `QueueEmpty`: `get_nowait` on an empty queue (only `get_nowait` returns it).
    QueueEmpty,
    /// asyncio's `QueueShutDown`: the queue was shut down and is empty (or was shut down
    /// immediately).
    QueueShutDown,
}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GetError::QueueEmpty => {
                write!(f, "QueueEmpty: the queue is empty; await get() to wait for an item")
            }
            GetError::QueueShutDown => {
                write!(f, "QueueShutDown: the queue was shut down and has no items left")
            }
        }
    }
}

impl std::error::Error for GetError {}

/// `task_done()` without an unfinished item: asyncio's `ValueError('task_done() called too many
/// times')`.
///
/// ```
/// let queue = weft_primitives::Queue::<u8>::new(0);
/// assert_eq!(queue.task_done().unwrap_err().to_string(), "task_done() called too many times");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskDoneError;

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task_done() called too many times")
    }
}

impl std::error::Error for TaskDoneError {}

/// A FIFO queue with asyncio's semantics, for any executor.
///
/// ```
/// use weft_primitives::Queue;
/// # futures::executor::block_on(async {
/// let queue = Queue::new(2);
/// queue.put("a").await.unwrap();
/// queue.put("b").await.unwrap();
/// assert!(queue.full());
/// assert_eq!(queue.get().await, Ok("a"));
/// queue.task_done().unwrap();
/// assert_eq!(queue.get().await, Ok("b"));
/// queue.task_done().unwrap();
/// queue.join().await; // every item is done
/// # });
/// ```
pub struct QueueOf<T, C: Order<T>> {
    state: RefCell<State<T, C>>,
    maxsize: usize,
    resource: Resource,
}

struct State<T, C> {
    items: C,
    of: std::marker::PhantomData<T>,
    getters: WaitList,
    putters: WaitList,
    joiners: WaitList,
    unfinished: usize,
    shutdown: bool,
}

impl<T, C: Order<T>> State<T, C> {
    fn full(&self, maxsize: usize) -> bool {
        maxsize > 0 && self.items.len() >= maxsize
    }
}

impl<T: fmt::Debug, C: Order<T>> fmt::Debug for QueueOf<T, C> {
    /// CPython's `str()`: `<Queue maxsize=2 _queue=[1, 2] _getters[1] _putters[1] tasks=2
    /// shutdown>`, parts shown only when non-empty. `_getters`/`_putters` count listed waiters,
    /// including woken ones whose task has not run yet (CPython has already popped those).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.resource.observe();
        let s = self.state.borrow();
        write!(f, "<{} maxsize={}", C::NAME, self.maxsize)?;
        if !s.items.is_empty() {
            write!(f, " _queue={:?}", s.items.listed())?;
        }
        if !s.getters.is_empty() {
            write!(f, " _getters[{}]", s.getters.len())?;
        }
        if !s.putters.is_empty() {
            write!(f, " _putters[{}]", s.putters.len())?;
        }
        if s.unfinished > 0 {
            write!(f, " tasks={}", s.unfinished)?;
        }
        if s.shutdown {
            write!(f, " shutdown")?;
        }
        write!(f, ">")
    }
}

impl<T, C: Order<T>> QueueOf<T, C> {
    /// A queue of at most `maxsize` items (0: unbounded), named "queue" in traces.
    ///
    /// ```
    /// let queue = weft_primitives::Queue::<i32>::new(0);
    /// assert_eq!(queue.maxsize(), 0);
    /// assert!(!queue.full()); // an unbounded queue is never full
    /// ```
    pub fn new(maxsize: usize) -> QueueOf<T, C> {
        QueueOf::named("queue", maxsize)
    }

    /// A queue of at most `maxsize` items (0: unbounded) with a name for traces and reports.
    ///
    /// ```
    /// let queue = weft_primitives::Queue::<i32>::named("jobs", 3);
    /// assert_eq!(format!("{queue:?}"), "<Queue maxsize=3>");
    /// ```
    pub fn named(name: &str, maxsize: usize) -> QueueOf<T, C> {
        let resource = Resource::queue(name, maxsize as u64);
        QueueOf {
            state: RefCell::new(State {
                items: C::default(),
                of: std::marker::PhantomData,
                getters: WaitList::default(),
                putters: WaitList::default(),
                joiners: WaitList::default(),
                unfinished: 0,
                shutdown: false,
            }),
            maxsize,
            resource,
        }
    }

    /// The most items the queue holds; 0 means unbounded.
    ///
    /// ```
    /// assert_eq!(weft_primitives::Queue::<()>::new(5).maxsize(), 5);
    /// ```
    pub fn maxsize(&self) -> usize {
        self.maxsize
    }

    /// How many items are in the queue.
    ///
    /// ```
    /// let queue = weft_primitives::Queue::new(0);
    /// queue.put_nowait(1).unwrap();
    /// assert_eq!(queue.qsize(), 1);
    /// ```
    pub fn qsize(&self) -> usize {
        self.resource.observe();
        self.state.borrow().items.len()
    }

    /// Whether the queue holds no item.
    ///
    /// ```
    /// assert!(weft_primitives::Queue::<u8>::new(0).empty());
    /// ```
    pub fn empty(&self) -> bool {
        self.resource.observe();
        self.state.borrow().items.is_empty()
    }

    /// Whether the queue holds `maxsize` items; never for an unbounded queue.
    ///
    /// ```
    /// let queue = weft_primitives::Queue::new(1);
    /// queue.put_nowait(()).unwrap();
    /// assert!(queue.full());
    /// ```
    pub fn full(&self) -> bool {
        self.resource.observe();
        self.state.borrow().full(self.maxsize)
    }

    /// Whether [`shutdown`](Queue::shutdown) was called.
    ///
    /// ```
    /// let queue = weft_primitives::Queue::<u8>::new(0);
    /// queue.shutdown(false);
    /// assert!(queue.is_shutdown());
    /// ```
    pub fn is_shutdown(&self) -> bool {
        self.resource.observe();
        self.state.borrow().shutdown
    }

    /// Items put and not yet marked [`task_done`](Queue::task_done) (CPython's
    /// `_unfinished_tasks`, shown as `tasks=` in its repr).
    ///
    /// ```
    /// let queue = weft_primitives::Queue::new(0);
    /// queue.put_nowait('x').unwrap();
    /// queue.get_nowait().unwrap();
    /// assert_eq!(queue.unfinished_tasks(), 1); // got, but not done
    /// ```
    pub fn unfinished_tasks(&self) -> usize {
        self.resource.observe();
        self.state.borrow().unfinished
    }

    /// How many `get()`s are listed waiting for an item: still waiting, or woken and not yet
    /// run (CPython's `len(queue._getters)`, the `_getters[n]` of its `str()`). A dropped
    /// `get()` leaves the list at once (BZ-Q3 was the bug of not doing so).
    ///
    /// ```
    /// use futures::FutureExt;
    /// let queue = weft_primitives::Queue::<u8>::new(0);
    /// let mut get = Box::pin(queue.get());
    /// assert!((&mut get).now_or_never().is_none());
    /// assert_eq!(queue.getters(), 1);
    /// drop(get);
    /// assert_eq!(queue.getters(), 0);
    /// ```
    pub fn getters(&self) -> usize {
        self.resource.observe();
        self.state.borrow().getters.len()
    }

    /// How many `put()`s are listed waiting for a free slot: still waiting, or woken and not
    /// yet run (CPython's `len(queue._putters)`).
    ///
    /// ```
    /// use futures::FutureExt;
    /// let queue = weft_primitives::Queue::new(1);
    /// queue.put_nowait(1).unwrap();
    /// let mut put = Box::pin(queue.put(2));
    /// assert!((&mut put).now_or_never().is_none()); // full: waits
    /// assert_eq!(queue.putters(), 1);
    /// drop(put);
    /// assert_eq!(queue.putters(), 0);
    /// ```
    pub fn putters(&self) -> usize {
        self.resource.observe();
        self.state.borrow().putters.len()
    }

    /// Puts `item` at the tail without waiting; wakes the first waiting getter. Fails with
    /// [`PutError::QueueFull`] when full and [`PutError::QueueShutDown`] after a shutdown,
    /// handing the item back.
    ///
    /// ```
    /// use weft_primitives::{PutError, Queue};
    /// let queue = Queue::new(1);
    /// assert!(queue.put_nowait(1).is_ok());
    /// assert_eq!(queue.put_nowait(2), Err(PutError::QueueFull(2)));
    /// ```
    pub fn put_nowait(&self, item: T) -> Result<(), PutError<T>> {
        self.put_now(&mut self.state.borrow_mut(), item)
    }

    fn put_now(&self, s: &mut State<T, C>, item: T) -> Result<(), PutError<T>> {
        if s.shutdown {
            return Err(PutError::QueueShutDown(item));
        }
        if s.full(self.maxsize) {
            return Err(PutError::QueueFull(item));
        }
        s.items.push(item);
        s.unfinished += 1;
        let size = s.items.len() as u64;
        self.resource.put(size);
        s.getters.wake_next(1, &self.resource);
        Ok(())
    }

    /// Takes the item at the head without waiting; wakes the first waiting putter. Fails with
    /// [`GetError::QueueEmpty`] when empty, [`GetError::QueueShutDown`] when empty after a
    /// shutdown.
    ///
    /// ```
    /// use weft_primitives::{GetError, Queue};
    /// let queue = Queue::new(0);
    /// queue.put_nowait("job").unwrap();
    /// assert_eq!(queue.get_nowait(), Ok("job"));
    /// assert_eq!(queue.get_nowait(), Err(GetError::QueueEmpty));
    /// ```
    pub fn get_nowait(&self) -> Result<T, GetError> {
        self.get_now(&mut self.state.borrow_mut())
    }

    fn get_now(&self, s: &mut State<T, C>) -> Result<T, GetError> {
        let Some(item) = s.items.pop() else {
            return Err(match s.shutdown {
                true => GetError::QueueShutDown,
                false => GetError::QueueEmpty,
            });
        };
        let size = s.items.len() as u64;
        self.resource.get(size);
        s.putters.wake_next(1, &self.resource);
        Ok(item)
    }

    /// Puts `item`, waiting while the queue is full. A free queue takes it without suspending.
    /// Fails with [`PutError::QueueShutDown`] (handing the item back) if the queue is or gets
    /// shut down. Dropping the future while it waits withdraws it, and passes a received
    /// wake-up on if the slot is still free.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let queue = weft_primitives::Queue::new(1);
    /// queue.put(1).await.unwrap();
    /// assert_eq!(queue.qsize(), 1);
    /// # });
    /// ```
    pub fn put(&self, item: T) -> QueuePut<'_, T, C> {
        QueuePut { queue: self, item: Some(item), waiter: None }
    }

    /// Takes the item at the head, waiting while the queue is empty. A non-empty queue gives
    /// it without suspending. Fails with [`GetError::QueueShutDown`] once the queue is shut
    /// down and empty. Dropping the future while it waits withdraws it and passes a received
    /// wake-up on; the item stays in the queue.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let queue = weft_primitives::Queue::new(0);
    /// queue.put_nowait(5).unwrap();
    /// assert_eq!(queue.get().await, Ok(5));
    /// # });
    /// ```
    pub fn get(&self) -> QueueGet<'_, T, C> {
        QueueGet { queue: self, waiter: None }
    }

    /// Marks one item got earlier as processed; when none is left unfinished, wakes every
    /// joiner. Errors with asyncio's "task_done() called too many times".
    ///
    /// ```
    /// let queue = weft_primitives::Queue::new(0);
    /// queue.put_nowait(()).unwrap();
    /// queue.get_nowait().unwrap();
    /// assert!(queue.task_done().is_ok());
    /// assert!(queue.task_done().is_err());
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut s = self.state.borrow_mut();
        if s.unfinished == 0 {
            self.resource.misuse(TaskDoneError);
            return Err(TaskDoneError);
        }
        s.unfinished -= 1;
        self.resource.task_done();
        if s.unfinished == 0 {
            s.joiners.wake_next(usize::MAX, &self.resource);
        }
        Ok(())
    }

    /// Waits until every item put has been marked [`task_done`](Queue::task_done). Returns at
    /// once, without suspending, when none is unfinished.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let queue = weft_primitives::Queue::<u8>::new(0);
    /// queue.join().await; // nothing was put
    /// # });
    /// ```
    pub fn join(&self) -> QueueJoin<'_, T, C> {
        QueueJoin { queue: self, waiter: None }
    }

    /// Shuts the queue down (3.13): puts fail from now on, gets once the queue is empty. With
    /// `immediate`, the items are discarded at once (each drops one unfinished count, not below
    /// 0, which may release joiners) and gets fail at once. Wakes every blocked getter and
    /// putter to let them see it.
    ///
    /// ```
    /// use weft_primitives::{GetError, Queue};
    /// let queue = Queue::new(0);
    /// queue.put_nowait(1).unwrap();
    /// queue.shutdown(false);
    /// assert_eq!(queue.get_nowait(), Ok(1)); // items already in still come out
    /// assert_eq!(queue.get_nowait(), Err(GetError::QueueShutDown));
    /// ```
    pub fn shutdown(&self, immediate: bool) {
        let id = &self.resource;
        let mut s = self.state.borrow_mut();
        s.shutdown = true;
        id.shutdown(immediate);
        if immediate {
            while s.items.pop().is_some() {
                let size = s.items.len() as u64;
                id.get(size);
                if s.unfinished > 0 {
                    s.unfinished -= 1;
                    id.task_done();
                }
            }
            if s.unfinished == 0 {
                s.joiners.wake_next(usize::MAX, id);
            }
        }
        s.getters.wake_next(usize::MAX, id);
        s.putters.wake_next(usize::MAX, id);
    }

    /// The queue's resource id in the running simulation (it registers there on first use,
    /// wherever it was created); `None` outside a simulation.
    ///
    /// ```
    /// // Outside a simulation there is none.
    /// assert!(weft_primitives::Queue::<u8>::new(0).resource_id().is_none());
    /// ```
    pub fn resource_id(&self) -> Option<ResourceId> {
        self.resource.id()
    }
}

/// asyncio's `Queue`: items in FIFO order.
pub type Queue<T> = QueueOf<T, Fifo<T>>;

/// asyncio's `LifoQueue`: the item put last is got first; otherwise a [`Queue`] (waiters,
/// capacity, `task_done`/`join`, `shutdown`).
///
/// ```
/// # futures::executor::block_on(async {
/// use weft_primitives::{GetError, LifoQueue};
/// let queue = LifoQueue::new(0);
/// for i in 1..=3 {
///     queue.put_nowait(i).unwrap();
/// }
/// assert_eq!(format!("{queue:?}"), "<LifoQueue maxsize=0 _queue=[1, 2, 3] tasks=3>");
/// assert_eq!(queue.get().await, Ok(3));
/// queue.shutdown(true);
/// assert_eq!(queue.get_nowait(), Err(GetError::QueueShutDown));
/// # });
/// ```
pub type LifoQueue<T> = QueueOf<T, Lifo<T>>;

/// asyncio's `PriorityQueue`: the smallest item is got first (put `(priority, item)` tuples);
/// otherwise a [`Queue`].
///
/// ```
/// use weft_primitives::PriorityQueue;
/// let queue = PriorityQueue::new(0);
/// for job in [(2, "b"), (1, "a"), (3, "c")] {
///     queue.put_nowait(job).unwrap();
/// }
/// assert_eq!(queue.get_nowait(), Ok((1, "a")));
/// assert_eq!(queue.get_nowait(), Ok((2, "b")));
/// ```
pub type PriorityQueue<T> = QueueOf<T, Priority<T>>;

/// A woken waiter that runs leaves its list (`Resume`); one still waiting stays `Pending`.
fn woken(list: &mut WaitList, key: WaiterKey, cx: &Context<'_>, id: &Resource) -> bool {
    if !list.is_woken(key, cx.waker()) {
        return false;
    }
    list.remove(key);
    id.resume();
    true
}

/// Withdraws a dropped waiter (`Abandon`); says whether it had been woken.
fn abandon(list: &mut WaitList, key: WaiterKey, id: &Resource) -> bool {
    let was_woken = list.remove(key).unwrap_or(false);
    id.abandon();
    was_woken
}

/// The future of [`Queue::put`]. Dropping it while it waits withdraws the item (cancellation).
///
/// ```
/// use futures::FutureExt;
/// let queue = weft_primitives::Queue::new(1);
/// queue.put_nowait("first").unwrap();
/// let mut put = Box::pin(queue.put("second"));
/// assert!((&mut put).now_or_never().is_none()); // full: waits
/// assert_eq!(queue.get_nowait(), Ok("first")); // frees the slot, wakes the putter
/// assert_eq!(put.now_or_never(), Some(Ok(())));
/// assert_eq!(queue.get_nowait(), Ok("second"));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct QueuePut<'a, T, C: Order<T> = Fifo<T>> {
    queue: &'a QueueOf<T, C>,
    item: Option<T>,
    waiter: Option<WaiterKey>,
}

impl<T, C: Order<T>> Unpin for QueuePut<'_, T, C> {}

impl<T, C: Order<T>> Future for QueuePut<'_, T, C> {
    type Output = Result<(), PutError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let queue = self.queue;
        let mut s = queue.state.borrow_mut();
        // A woken waiter leaves the list (`woken` removes it) and re-checks, as CPython's loop.
        let first = match self.waiter {
            Some(key) if !woken(&mut s.putters, key, cx, &queue.resource) => return Poll::Pending,
            Some(_) => {
                self.waiter = None;
                false
            }
            None => true,
        };
        let waits = s.full(queue.maxsize) && !s.shutdown;
        if first && !waits && forced_yield(cx) {
            return Poll::Pending;
        }
        let item = self.item.take().expect("`QueuePut` polled after it completed");
        if waits {
            self.item = Some(item);
            self.waiter = Some(s.putters.push(cx.waker()));
            queue.resource.wait();
            return Poll::Pending;
        }
        Poll::Ready(queue.put_now(&mut s, item))
    }
}

impl<T, C: Order<T>> Drop for QueuePut<'_, T, C> {
    /// Cancellation while waiting (states a and b): withdraw, and if this putter had been woken
    /// and a slot is free, wake the next putter (CPython's `except` branch in `put`).
    fn drop(&mut self) {
        let Some(key) = self.waiter.take() else {
            return;
        };
        let queue = self.queue;
        let mut s = queue.state.borrow_mut();
        if abandon(&mut s.putters, key, &queue.resource) && !s.full(queue.maxsize) {
            s.putters.wake_next(1, &queue.resource);
        }
    }
}

/// The future of [`Queue::get`]. Dropping it while it waits withdraws it; any item stays in
/// the queue.
///
/// ```
/// use futures::FutureExt;
/// let queue = weft_primitives::Queue::new(0);
/// let mut get = Box::pin(queue.get());
/// assert!((&mut get).now_or_never().is_none()); // empty: waits
/// queue.put_nowait(7).unwrap();
/// drop(get); // woken, then cancelled: the item is not lost
/// assert_eq!(queue.qsize(), 1);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct QueueGet<'a, T, C: Order<T> = Fifo<T>> {
    queue: &'a QueueOf<T, C>,
    waiter: Option<WaiterKey>,
}

impl<T, C: Order<T>> Future for QueueGet<'_, T, C> {
    type Output = Result<T, GetError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let queue = self.queue;
        let mut s = queue.state.borrow_mut();
        // A woken waiter leaves the list (`woken` removes it) and re-checks, as CPython's loop.
        let first = match self.waiter {
            Some(key) if !woken(&mut s.getters, key, cx, &queue.resource) => return Poll::Pending,
            Some(_) => {
                self.waiter = None;
                false
            }
            None => true,
        };
        let waits = s.items.is_empty() && !s.shutdown;
        if first && !waits && forced_yield(cx) {
            return Poll::Pending;
        }
        if waits {
            self.waiter = Some(s.getters.push(cx.waker()));
            queue.resource.wait();
            return Poll::Pending;
        }
        Poll::Ready(queue.get_now(&mut s))
    }
}

impl<T, C: Order<T>> Drop for QueueGet<'_, T, C> {
    /// Cancellation while waiting (states a and b): withdraw, and if this getter had been woken
    /// and an item is there, wake the next getter; the item stays in the queue (BZ-Q1).
    fn drop(&mut self) {
        let Some(key) = self.waiter.take() else {
            return;
        };
        let queue = self.queue;
        let mut s = queue.state.borrow_mut();
        if abandon(&mut s.getters, key, &queue.resource) && !s.items.is_empty() {
            s.getters.wake_next(1, &queue.resource);
        }
    }
}

/// The future of [`Queue::join`].
///
/// ```
/// use futures::FutureExt;
/// let queue = weft_primitives::Queue::new(0);
/// queue.put_nowait(()).unwrap();
/// let mut join = Box::pin(queue.join());
/// assert!((&mut join).now_or_never().is_none()); // one unfinished item
/// queue.get_nowait().unwrap();
/// queue.task_done().unwrap();
/// assert_eq!(join.now_or_never(), Some(()));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct QueueJoin<'a, T, C: Order<T> = Fifo<T>> {
    queue: &'a QueueOf<T, C>,
    waiter: Option<WaiterKey>,
}

impl<T, C: Order<T>> Future for QueueJoin<'_, T, C> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let queue = self.queue;
        let mut s = queue.state.borrow_mut();
        match self.waiter {
            // Woken by the last task_done(): done, whatever was put since (Event semantics).
            Some(key) if woken(&mut s.joiners, key, cx, &queue.resource) => {
                self.waiter = None;
                Poll::Ready(())
            }
            Some(_) => Poll::Pending,
            None if s.unfinished == 0 && forced_yield(cx) => Poll::Pending,
            None if s.unfinished == 0 => Poll::Ready(()),
            None => {
                self.waiter = Some(s.joiners.push(cx.waker()));
                queue.resource.wait();
                Poll::Pending
            }
        }
    }
}

impl<T, C: Order<T>> Drop for QueueJoin<'_, T, C> {
    /// Cancellation while waiting: withdraw. Every joiner is woken at once, so there is no
    /// wake-up to pass on.
    fn drop(&mut self) {
        if let Some(key) = self.waiter.take() {
            let mut s = self.queue.state.borrow_mut();
            abandon(&mut s.joiners, key, &self.queue.resource);
        }
    }
}
