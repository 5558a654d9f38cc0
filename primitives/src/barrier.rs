//! asyncio's `Barrier` (CPython 3.13, `asyncio-semantics.md` A.5).
//!
//! # What it guarantees
//!
//! - **A cycle trips when `parties` tasks are inside [`Barrier::wait`]**: the last arrival trips
//!   it, gets index `parties - 1` and returns first, without suspending; then every other arrival
//!   of the cycle is woken in the order it arrived and returns its own index.
//! - **Indices are unique within a cycle** and run over `0..parties`. This is where weft
//!   deviates from CPython (gh-155233, open): CPython hands out `index = _count`, so after a
//!   waiter is cancelled while filling, the next arrival gets an index a live waiter already
//!   holds. weft hands each arrival **the smallest index no live arrival of the cycle holds**.
//!   With no cancellation that is the arrival order, exactly as CPython; after a cancellation
//!   the next arrival takes the index the cancelled one gave back; and the tripping arrival
//!   still always gets `parties - 1` (an index is handed out above all the others only when all
//!   below it are held, which makes it the last).
//! - **Cycles never mix**: once a cycle has tripped (draining) or is being reset (resetting),
//!   new arrivals wait until every task of the old cycle has left `wait()`.
//! - **Broken stays broken**: after [`Barrier::abort`], waiting tasks and later arrivals get a
//!   [`BrokenBarrierError`] until [`Barrier::reset`].
//!
//! # State and its invariants
//!
//! - `phase` is one of [`BarrierState`]'s filling / draining / resetting / broken.
//! - `count` is the number of tasks inside `wait()`: arrived (they hold an index) and not yet
//!   left. `count < parties` while filling. When `count` drops to 0, draining and resetting
//!   return to filling and every task blocked at the entrance is woken.
//! - `next_index` and `vacated` describe the filling cycle's indices: the held ones are
//!   `0..next_index` minus `vacated`, and `count == next_index - vacated.len()` while filling.
//!   They are cleared when the cycle ends (trip, abort, reset).
//! - `waiters` is the one [`WaitList`], in the order tasks began waiting, holding both kinds of
//!   waiting task: *blocked* (waiting to enter while draining/resetting) and *inside* (arrived,
//!   waiting for the trip). Every state change wakes all of them, as CPython's `notify_all()`
//!   does; a woken task re-checks the state when it runs. While filling, no inside waiter is
//!   woken.
//!
//! # Cancellation
//!
//! Dropping the future of [`Barrier::wait`] is asyncio's `Task.cancel()`:
//!
//! - while *filling* (arrived, not yet released): the task leaves, `n_waiting()` drops by one,
//!   the barrier stays filling and its index is given to the next arrival;
//! - after the trip, *woken but not yet run* (state b): the cycle has tripped for everyone
//!   else; the task leaves without its index, and if it was the last one inside the barrier
//!   returns to filling;
//! - while *blocked* at the entrance: it just leaves the list.
//!
//! A task whose cancellation is requested but not yet delivered still counts as inside until
//! its task runs, as in CPython (where `_count` drops only when the cancelled task runs): an
//! arrival in between can trip the barrier with it, and that cycle then releases one task fewer.
//! Wake-ups skip such a task (asyncio's cancelled future), and it leaves with `Abandon`.
//!
//! CPython runs Barrier on a Condition, whose cancelled `wait()` also notifies one more waiter
//! (a spurious wake-up). That waiter re-checks, finds nothing changed and waits again at the
//! *tail*, which can reorder the release order of a later trip. weft's Barrier does not spurious-
//! wake: after a trip, the remaining waiters are released in their arrival order.
//!
//! # Trace ops
//!
//! Under weft a barrier is registered as a `Barrier` resource with capacity `parties` and
//! `fifo: false`, and records (all by the task that does the thing):
//!
//! - `Arrive { index }` when a task enters a filling cycle with `index`;
//! - `Trip` right after the `Arrive` of the arrival that fills the cycle, followed in the same
//!   step by a `Wake { waiter }` for every task then waiting on the barrier (in list order),
//!   except a task whose cancellation is pending: it gets no wake-up and records `Abandon` at
//!   its next step;
//! - `Wait` each time a task is put on the waiter list: at the entrance (draining/resetting) or
//!   after its `Arrive` (filling);
//! - `Resume` when a woken task runs and leaves the list; it then arrives, returns its index,
//!   gets a [`BrokenBarrierError`], or (only if it was woken spuriously) records `Wait` again;
//! - `Abandon` when a listed task's future is dropped (cancelled). A task that arrived and is
//!   abandoned while the barrier is still filling gives its index back to the cycle;
//! - `Abort` and `Reset` by the caller of [`Barrier::abort`] and [`Barrier::reset`], each
//!   followed by a `Wake` for every task still waiting (not yet woken, not being cancelled).
//!
//! So a cycle is: `Arrive`s with distinct indices (an `Abandon` by an arrived task before the
//! `Trip` frees its index), a `Trip` after exactly `parties` live arrivals, and then a `Resume`
//! by each of the other arrivals that is not cancelled. The tripping task records no `Wait` or
//! `Resume`. A `BrokenBarrierError` records no op of its own (the `Abort`/`Reset` is already in
//! the trace): a waiting task's comes right after its `Resume`, and a `wait()` on a broken
//! barrier records nothing at all.

use crate::waiters::{forced_yield, WaitList, WaiterKey};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft_traces::{Resource, ResourceId};

/// Where a barrier is in its cycle (CPython's `_BarrierState`).
///
/// ```
/// use weft_primitives::{Barrier, BarrierState};
/// let barrier = Barrier::new(2).unwrap();
/// assert_eq!(barrier.state(), BarrierState::Filling);
/// assert_eq!(BarrierState::Filling.to_string(), "filling");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BarrierState {
    /// Arrivals are being counted towards the next trip.
    Filling,
    /// The cycle tripped; its tasks are leaving. New arrivals wait.
    Draining,
    /// `reset()` was called with tasks inside; they are leaving with an error. New arrivals wait.
    Resetting,
    /// `abort()` was called: every `wait()` fails until `reset()`.
    Broken,
}

impl fmt::Display for BarrierState {
    /// CPython's string values: `filling`, `draining`, `resetting`, `broken`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BarrierState::Filling => "filling",
            BarrierState::Draining => "draining",
            BarrierState::Resetting => "resetting",
            BarrierState::Broken => "broken",
        })
    }
}

/// `Barrier::new(0)`: asyncio's `ValueError('parties must be > 0')`.
///
/// ```
/// let err = weft_primitives::Barrier::new(0).unwrap_err();
/// assert_eq!(err.to_string(), "parties must be > 0");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidParties;

impl fmt::Display for InvalidParties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "parties must be > 0")
    }
}

impl std::error::Error for InvalidParties {}

/// asyncio's `BrokenBarrierError`, with CPython's two messages.
///
/// ```
/// use weft_primitives::BrokenBarrierError;
/// assert_eq!(BrokenBarrierError::Aborted.to_string(), "Barrier aborted");
/// assert_eq!(BrokenBarrierError::AbortOrReset.to_string(), "Abort or reset of barrier");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrokenBarrierError {
    /// `wait()` on a broken barrier ("Barrier aborted"): call `reset()` to use it again.
    Aborted,
    /// The barrier was aborted or reset while the task was inside `wait()` ("Abort or reset of
    /// barrier").
    AbortOrReset,
}

impl fmt::Display for BrokenBarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BrokenBarrierError::Aborted => write!(f, "Barrier aborted"),
            BrokenBarrierError::AbortOrReset => write!(f, "Abort or reset of barrier"),
        }
    }
}

impl std::error::Error for BrokenBarrierError {}

/// A barrier for a fixed number of tasks, with asyncio's semantics, for any executor.
///
/// ```
/// use weft_primitives::Barrier;
/// use futures::future::join3;
/// # futures::executor::block_on(async {
/// let barrier = Barrier::new(3).unwrap();
/// let (a, b, c) = join3(barrier.wait(), barrier.wait(), barrier.wait()).await;
/// assert_eq!((a, b, c), (Ok(0), Ok(1), Ok(2)));
/// # });
/// ```
pub struct Barrier {
    state: RefCell<State>,
    parties: usize,
    resource: Resource,
}

#[derive(Debug)]
struct State {
    phase: BarrierState,
    count: usize,
    next_index: usize,
    vacated: BTreeSet<usize>,
    waiters: WaitList,
}

impl State {
    /// The smallest index no live arrival of the filling cycle holds.
    fn take_index(&mut self) -> usize {
        self.vacated.pop_first().unwrap_or_else(|| {
            self.next_index += 1;
            self.next_index - 1
        })
    }

    /// The filling cycle is over: the next one hands out indices from 0.
    fn end_cycle(&mut self) {
        self.next_index = 0;
        self.vacated.clear();
    }

    /// A task inside `wait()` leaves (CPython's `finally: _count -= 1; _exit()`).
    fn leave(&mut self, id: &Resource) {
        self.count -= 1;
        if self.count > 0 {
            return;
        }
        if matches!(self.phase, BarrierState::Draining | BarrierState::Resetting) {
            self.phase = BarrierState::Filling;
        }
        self.waiters.wake_next(usize::MAX, id);
    }
}

impl fmt::Debug for Barrier {
    /// asyncio's repr: `<Barrier [filling, waiters:2/5]>`, `<Barrier [broken]>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.resource.observe();
        let state = self.state();
        match state {
            BarrierState::Broken => write!(f, "<Barrier [broken]>"),
            _ => write!(f, "<Barrier [{state}, waiters:{}/{}]>", self.n_waiting(), self.parties),
        }
    }
}

impl Barrier {
    /// A barrier for `parties` tasks, named "barrier" in traces. Errors with asyncio's
    /// "parties must be > 0" for 0.
    ///
    /// ```
    /// use weft_primitives::Barrier;
    /// assert_eq!(Barrier::new(3).unwrap().parties(), 3);
    /// assert!(Barrier::new(0).is_err());
    /// ```
    pub fn new(parties: usize) -> Result<Barrier, InvalidParties> {
        Barrier::named("barrier", parties)
    }

    /// A barrier for `parties` tasks with a name for traces and reports.
    ///
    /// ```
    /// let barrier = weft_primitives::Barrier::named("round", 5).unwrap();
    /// assert_eq!(format!("{barrier:?}"), "<Barrier [filling, waiters:0/5]>");
    /// ```
    pub fn named(name: &str, parties: usize) -> Result<Barrier, InvalidParties> {
        if parties == 0 {
            return Err(InvalidParties);
        }
        let resource = Resource::barrier(name, parties as u64);
        Ok(Barrier {
            state: RefCell::new(State {
                phase: BarrierState::Filling,
                count: 0,
                next_index: 0,
                vacated: BTreeSet::new(),
                waiters: WaitList::default(),
            }),
            parties,
            resource,
        })
    }

    /// How many tasks it takes to trip the barrier.
    ///
    /// ```
    /// assert_eq!(weft_primitives::Barrier::new(4).unwrap().parties(), 4);
    /// ```
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// How many tasks wait in the filling cycle; 0 in any other state (as CPython's `n_waiting`).
    ///
    /// ```
    /// use futures::FutureExt;
    /// let barrier = weft_primitives::Barrier::new(2).unwrap();
    /// let mut first = Box::pin(barrier.wait());
    /// assert!((&mut first).now_or_never().is_none()); // arrived, waiting
    /// assert_eq!(barrier.n_waiting(), 1);
    /// ```
    pub fn n_waiting(&self) -> usize {
        self.resource.observe();
        let s = self.state.borrow();
        match s.phase {
            BarrierState::Filling => s.count,
            _ => 0,
        }
    }

    /// How many tasks are on the barrier's waiter list, in any state: arrived and waiting for
    /// the trip, or blocked at the entrance while a cycle drains or resets, including woken
    /// ones not yet run (CPython: `len(barrier._cond._waiters)`). Unlike
    /// [`n_waiting`](Barrier::n_waiting) it counts every state; 0 once nobody waits.
    ///
    /// ```
    /// use futures::FutureExt;
    /// let barrier = weft_primitives::Barrier::new(2).unwrap();
    /// let mut first = Box::pin(barrier.wait());
    /// assert!((&mut first).now_or_never().is_none());
    /// assert_eq!(barrier.waiters(), 1);
    /// drop(first);
    /// assert_eq!(barrier.waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.resource.observe();
        self.state.borrow().waiters.len()
    }

    /// Whether the barrier is broken (aborted and not reset since).
    ///
    /// ```
    /// let barrier = weft_primitives::Barrier::new(2).unwrap();
    /// barrier.abort();
    /// assert!(barrier.broken());
    /// ```
    pub fn broken(&self) -> bool {
        self.state() == BarrierState::Broken
    }

    /// Where the barrier is in its cycle (CPython's private `_state`, shown in its repr).
    ///
    /// ```
    /// use weft_primitives::{Barrier, BarrierState};
    /// let barrier = Barrier::new(1).unwrap();
    /// barrier.abort();
    /// assert_eq!(barrier.state(), BarrierState::Broken);
    /// ```
    pub fn state(&self) -> BarrierState {
        self.resource.observe();
        self.state.borrow().phase
    }

    /// Waits until `parties` tasks are waiting, and returns this task's index in the cycle,
    /// `0..parties`. The last arrival gets `parties - 1` and returns at once, without
    /// suspending. Arrivals while the previous cycle drains or resets wait for it to empty.
    ///
    /// Fails with [`BrokenBarrierError::Aborted`] on a broken barrier, and with
    /// [`BrokenBarrierError::AbortOrReset`] if the barrier is aborted or reset while the task
    /// is inside. Dropping the future withdraws the task (see the module docs).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let barrier = weft_primitives::Barrier::new(1).unwrap();
    /// assert_eq!(barrier.wait().await, Ok(0));
    /// assert_eq!(barrier.wait().await, Ok(0)); // a new cycle
    /// # });
    /// ```
    pub fn wait(&self) -> BarrierWait<'_> {
        BarrierWait { barrier: self, stage: Stage::Start }
    }

    /// Breaks the barrier: tasks inside `wait()` fail with "Abort or reset of barrier", later
    /// `wait()`s with "Barrier aborted", until [`reset`](Barrier::reset).
    ///
    /// CPython's `abort()` is a coroutine, but it never suspends (its condition lock is never
    /// held across a suspension), so weft's is a plain function: `barrier.abort()` for
    /// `await barrier.abort()`.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// use weft_primitives::{Barrier, BrokenBarrierError};
    /// let barrier = Barrier::new(2).unwrap();
    /// barrier.abort();
    /// assert_eq!(barrier.wait().await, Err(BrokenBarrierError::Aborted));
    /// # });
    /// ```
    pub fn abort(&self) {
        let mut s = self.state.borrow_mut();
        s.phase = BarrierState::Broken;
        s.end_cycle();
        self.resource.abort();
        s.waiters.wake_next(usize::MAX, &self.resource);
    }

    /// Returns the barrier to filling: tasks inside `wait()` (waiting, or released but not yet
    /// run) fail with "Abort or reset of barrier"; the barrier is filling again once they have
    /// left (at once if none is inside; this also repairs a broken barrier).
    ///
    /// A plain function for CPython's never-suspending `await barrier.reset()`, as
    /// [`abort`](Barrier::abort).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let barrier = weft_primitives::Barrier::new(1).unwrap();
    /// barrier.abort();
    /// barrier.reset();
    /// assert!(!barrier.broken());
    /// assert_eq!(barrier.wait().await, Ok(0));
    /// # });
    /// ```
    pub fn reset(&self) {
        let mut s = self.state.borrow_mut();
        if s.count > 0 {
            s.phase = BarrierState::Resetting;
        } else {
            s.phase = BarrierState::Filling;
        }
        s.end_cycle();
        self.resource.reset();
        s.waiters.wake_next(usize::MAX, &self.resource);
    }

    /// The barrier's resource id in the running simulation (it registers there on first use,
    /// wherever it was created); `None` outside a simulation.
    ///
    /// ```
    /// // Outside a simulation there is none.
    /// assert!(weft_primitives::Barrier::new(2).unwrap().resource_id().is_none());
    /// ```
    pub fn resource_id(&self) -> Option<ResourceId> {
        self.resource.id()
    }
}

/// Where a [`BarrierWait`] future is.
#[derive(Clone, Copy, Debug)]
enum Stage {
    /// Not polled yet.
    Start,
    /// Waiting at the entrance for a draining or resetting cycle to empty.
    Blocked(WaiterKey),
    /// Arrived with `index`, waiting for the trip.
    Inside { index: usize, key: WaiterKey },
    /// Returned.
    Done,
}

/// The future of [`Barrier::wait`]: the task's index in the cycle, or why the barrier broke.
/// Dropping it while it waits withdraws the task (cancellation).
///
/// ```
/// use futures::FutureExt;
/// let barrier = weft_primitives::Barrier::new(2).unwrap();
/// let mut waiting = Box::pin(barrier.wait());
/// assert!((&mut waiting).now_or_never().is_none());
/// assert_eq!(barrier.n_waiting(), 1);
/// drop(waiting); // cancelled while filling: the barrier forgets it
/// assert_eq!(barrier.n_waiting(), 0);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct BarrierWait<'a> {
    barrier: &'a Barrier,
    stage: Stage,
}

impl fmt::Debug for BarrierWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWait").field("barrier", self.barrier).field("stage", &self.stage).finish()
    }
}

impl Future for BarrierWait<'_> {
    type Output = Result<usize, BrokenBarrierError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let barrier = self.barrier;
        let id = &barrier.resource;
        let mut s = barrier.state.borrow_mut();
        match self.stage {
            Stage::Start => {
                // A wait that would complete at once (trip, or a broken barrier) is a fast path.
                let completes = match s.phase {
                    BarrierState::Broken => true,
                    BarrierState::Filling => s.count + 1 == barrier.parties,
                    BarrierState::Draining | BarrierState::Resetting => false,
                };
                if completes && forced_yield(cx) {
                    return Poll::Pending;
                }
                self.enter(&mut s, cx)
            }
            Stage::Blocked(key) => {
                if !s.waiters.is_woken(key, cx.waker()) {
                    return Poll::Pending;
                }
                s.waiters.remove(key);
                id.resume();
                self.enter(&mut s, cx)
            }
            Stage::Inside { index, key } => {
                if !s.waiters.is_woken(key, cx.waker()) {
                    return Poll::Pending;
                }
                s.waiters.remove(key);
                id.resume();
                let result = match s.phase {
                    BarrierState::Filling => {
                        // Woken with nothing changed: wait again, at the tail.
                        let key = s.waiters.push(cx.waker());
                        id.wait();
                        self.stage = Stage::Inside { index, key };
                        return Poll::Pending;
                    }
                    BarrierState::Draining => Ok(index),
                    BarrierState::Resetting | BarrierState::Broken => Err(BrokenBarrierError::AbortOrReset),
                };
                self.stage = Stage::Done;
                s.leave(id);
                Poll::Ready(result)
            }
            Stage::Done => panic!("barrier `BarrierWait` polled after it completed"),
        }
    }
}

impl BarrierWait<'_> {
    /// CPython's `_block()` and arrival: wait at the entrance while draining or resetting, fail
    /// if broken, else take an index and trip or wait for the trip.
    fn enter(&mut self, s: &mut State, cx: &mut Context<'_>) -> Poll<<Self as Future>::Output> {
        let id = &self.barrier.resource;
        match s.phase {
            BarrierState::Draining | BarrierState::Resetting => {
                self.stage = Stage::Blocked(s.waiters.push(cx.waker()));
                id.wait();
                return Poll::Pending;
            }
            BarrierState::Broken => {
                self.stage = Stage::Done;
                return Poll::Ready(Err(BrokenBarrierError::Aborted));
            }
            BarrierState::Filling => {}
        }
        let index = s.take_index();
        s.count += 1;
        id.arrive(index as u64);
        if s.count < self.barrier.parties {
            self.stage = Stage::Inside { index, key: s.waiters.push(cx.waker()) };
            id.wait();
            return Poll::Pending;
        }
        s.phase = BarrierState::Draining;
        s.end_cycle();
        id.trip();
        s.waiters.wake_next(usize::MAX, id);
        self.stage = Stage::Done;
        s.leave(id);
        Poll::Ready(Ok(index))
    }
}

impl Drop for BarrierWait<'_> {
    /// Cancellation (states a and b): leave the list; a task that had arrived leaves the
    /// barrier, giving its index back if the cycle is still filling.
    fn drop(&mut self) {
        let (key, index) = match self.stage {
            Stage::Start | Stage::Done => return,
            Stage::Blocked(key) => (key, None),
            Stage::Inside { index, key } => (key, Some(index)),
        };
        let id = &self.barrier.resource;
        let mut s = self.barrier.state.borrow_mut();
        s.waiters.remove(key);
        id.abandon();
        let Some(index) = index else { return };
        if s.phase == BarrierState::Filling {
            s.vacated.insert(index);
        }
        s.leave(id);
    }
}
