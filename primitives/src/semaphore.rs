//! asyncio's `Semaphore` and `BoundedSemaphore` (CPython 3.13, `asyncio-semantics.md` A.4).
//!
//! # What they guarantee
//!
//! - **Capacity**: at most `value` (the initial value) holders at once, as long as every
//!   `release()` gives back a permit that was taken. A plain [`Semaphore`] accepts extra
//!   releases (each adds a permit, as in asyncio); a [`BoundedSemaphore`] refuses them.
//! - **Strict FIFO, no barging**: permits go to waiters in the order they began waiting. A
//!   newcomer takes the fast path only when [`locked`](Semaphore::locked) is false, that is when
//!   a free permit exists *and* no waiter is listed, so it never passes a live waiter, including
//!   a woken one whose task has not run yet (BZ-S2). The fast path does not suspend (under weft,
//!   a forced-yield fault may first make it suspend once, changing no state).
//! - **Permits are reserved at wake time**: a wake-up carries one permit to its waiter, so a
//!   newcomer cannot take it back in between.
//! - **Every exit from `acquire` hands out all free permits** (3.13): after a waiter takes its
//!   permit, or gives it back by being dropped, as many further waiters are woken as there are
//!   free permits. So `value > 0` coexists with a still-waiting waiter only while a woken waiter
//!   is in flight, which hands the free permits out when its task runs (CPython 3.13 shows the
//!   same state: a newcomer queued behind a woken waiter with a permit free).
//! - **No lost hand-off**: an `acquire()` future dropped after its wake-up (state b) returns its
//!   reserved permit and passes it on in the same step (BZ-S1, BZ-S3); one dropped before its
//!   wake-up (state a) just leaves the queue.
//!
//! # State and its invariants
//!
//! - `value`: free, unreserved permits (asyncio's `_value`). `value > 0` together with
//!   `locked()` is legal: a woken waiter must take its permit first.
//! - `waiters`: the shared [`WaitList`]. A *woken* waiter owns exactly one reserved permit until
//!   its task runs (it takes it) or its future is dropped (it gives it back).
//! - Conservation: `value + woken waiters == initial + releases - grants`; when only holders
//!   release, that is `holders + value + woken waiters == initial`.
//!
//! # Decisions
//!
//! - **Over-release of a BoundedSemaphore is caught at once.** CPython compares only `_value`
//!   with the bound, so an extra `release()` during a hand-off (a permit reserved for a woken
//!   waiter) is accepted and the error surfaces later, at some innocent task's legitimate
//!   release. weft counts reserved permits too (`value + woken >= bound`), so the faulty
//!   `release()` itself gets asyncio's error, "BoundedSemaphore released too many times". The
//!   two agree whenever no hand-off is in flight.
//! - **A waiter whose task has a cancellation pending** (requested, not yet delivered) counts
//!   as asyncio's cancelled future: `release()` skips it, and `locked()` ignores it, so a
//!   newcomer may take a free permit when every listed waiter is being cancelled. Outside weft
//!   no waiter is known to be cancelled until its future is dropped.
//! - `Semaphore::new` takes a `usize`, so asyncio's "Semaphore initial value must be >= 0"
//!   cannot arise.
//!
//! # Trace
//!
//! Both speak the resource protocol (`Request`, `Grant`, `Release`, `Abandon`, `Wake`) and
//! register with `capacity: Some(initial value)` and `fifo: true`, so the capacity, FIFO and
//! lost-wake-up checkers apply to them.

use crate::error::SemaphoreError;
use crate::waiters::{forced_yield, WaitList, WaiterKey};
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft_traces::{Resource, ResourceId};

/// A counting semaphore with asyncio's semantics, for any executor.
///
/// ```
/// use weft_primitives::Semaphore;
/// # futures::executor::block_on(async {
/// let sem = Semaphore::new(2);
/// assert!(sem.acquire().await);
/// assert!(sem.acquire().await);
/// assert!(sem.locked());
/// sem.release();
/// assert_eq!(sem.value(), 1);
/// # });
/// ```
pub struct Semaphore {
    state: RefCell<State>,
    /// `Some(initial value)` for a BoundedSemaphore.
    bound: Option<usize>,
    resource: Resource,
}

#[derive(Debug, Default)]
struct State {
    value: usize,
    waiters: WaitList,
}

impl State {
    /// asyncio's `locked()`: an `acquire()` now would wait, because no permit is free or a
    /// live waiter (woken or still waiting, not being cancelled) must go first.
    fn locked(&self) -> bool {
        self.value == 0 || !self.waiters.all_cancelled()
    }

    /// asyncio's `_wake_up_next`: reserve a permit for the first still-waiting waiter.
    fn wake_up_next(&mut self, id: &Resource) -> bool {
        if self.value == 0 || self.waiters.wake_next(1, id) == 0 {
            return false;
        }
        self.value -= 1;
        true
    }

    /// The 3.13 `finally` of `acquire`: hand every free permit to a waiter.
    fn wake_free(&mut self, id: &Resource) {
        while self.value > 0 && self.wake_up_next(id) {}
    }

    /// Permits reserved for woken waiters whose tasks have not run yet.
    fn reserved(&self) -> usize {
        self.waiters.woken()
    }
}

impl fmt::Debug for Semaphore {
    /// asyncio's repr: `<Semaphore [unlocked, value:1]>`, `<Semaphore [locked, waiters:2]>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.resource.observe();
        let s = self.state.borrow();
        let class = match self.bound {
            Some(_) => "BoundedSemaphore",
            None => "Semaphore",
        };
        let mut extra = match s.locked() {
            true => "locked".to_string(),
            false => format!("unlocked, value:{}", s.value),
        };
        if !s.waiters.is_empty() {
            extra = format!("{extra}, waiters:{}", s.waiters.len());
        }
        write!(f, "<{class} [{extra}]>")
    }
}

impl Semaphore {
    /// A semaphore with `value` permits, named "semaphore" in traces.
    ///
    /// ```
    /// let sem = weft_primitives::Semaphore::new(0);
    /// assert!(sem.locked()); // asyncio: Semaphore(0).locked() is True
    /// ```
    pub fn new(value: usize) -> Semaphore {
        Semaphore::named("semaphore", value)
    }

    /// A semaphore with `value` permits and a name for traces and reports.
    ///
    /// ```
    /// let sem = weft_primitives::Semaphore::named("pool", 3);
    /// assert_eq!(format!("{sem:?}"), "<Semaphore [unlocked, value:3]>");
    /// ```
    pub fn named(name: &str, value: usize) -> Semaphore {
        Semaphore::with_resource(Resource::semaphore(name, value as u64).handoff(), value, None)
    }

    fn with_resource(resource: Resource, value: usize, bound: Option<usize>) -> Semaphore {
        Semaphore { state: RefCell::new(State { value, waiters: WaitList::default() }), bound, resource }
    }

    /// Whether an `acquire()` now would wait: no free permit, or a live waiter must go first
    /// (asyncio 3.11+'s definition).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let sem = weft_primitives::Semaphore::new(1);
    /// assert!(!sem.locked());
    /// sem.acquire().await;
    /// assert!(sem.locked());
    /// # });
    /// ```
    pub fn locked(&self) -> bool {
        self.resource.observe();
        self.state.borrow().locked()
    }

    /// Free permits not reserved for a woken waiter (asyncio's `_value`, which the tutorial
    /// prints).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let sem = weft_primitives::Semaphore::new(3);
    /// sem.acquire().await;
    /// assert_eq!(sem.value(), 2);
    /// # });
    /// ```
    pub fn value(&self) -> usize {
        self.resource.observe();
        self.state.borrow().value
    }

    /// How many tasks are listed waiting for a permit: still waiting, or woken (a permit
    /// reserved for them) and not yet run (the `waiters:` of its repr; asyncio's
    /// `len(sem._waiters)`). A dropped `acquire()` leaves the list at once.
    ///
    /// ```
    /// use futures::FutureExt;
    /// let sem = weft_primitives::Semaphore::new(0);
    /// let mut waiting = Box::pin(sem.acquire());
    /// assert!((&mut waiting).now_or_never().is_none());
    /// assert_eq!(sem.waiters(), 1);
    /// sem.release(); // reserves the permit for the waiter, which stays listed until it runs
    /// assert_eq!((sem.value(), sem.waiters()), (0, 1));
    /// assert_eq!(waiting.now_or_never(), Some(true));
    /// assert_eq!(sem.waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.resource.observe();
        self.state.borrow().waiters.len()
    }

    /// Takes a permit, waiting in FIFO order if none is free or others wait; resolves to `true`.
    /// Takes it without suspending when [`locked`](Semaphore::locked) is false. Dropping the
    /// future while it waits withdraws the request and passes a reserved permit on.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let sem = weft_primitives::Semaphore::new(1);
    /// assert!(sem.acquire().await);
    /// assert_eq!(sem.value(), 0);
    /// # });
    /// ```
    pub fn acquire(&self) -> SemaphoreAcquire<'_> {
        SemaphoreAcquire { sem: self, waiter: None }
    }

    /// Gives a permit back and wakes the first waiter, reserving the permit for it. Never fails:
    /// a plain semaphore has no bound, so an extra release adds a permit (as in asyncio).
    ///
    /// ```
    /// let sem = weft_primitives::Semaphore::new(0);
    /// sem.release();
    /// assert_eq!(sem.value(), 1);
    /// ```
    pub fn release(&self) {
        // Unbounded: `try_release` cannot fail.
        let _ = self.try_release();
    }

    fn try_release(&self) -> Result<(), SemaphoreError> {
        let mut s = self.state.borrow_mut();
        if let Some(bound) = self.bound {
            if s.value + s.reserved() >= bound {
                let error = SemaphoreError::ReleasedTooManyTimes;
                self.resource.misuse(error);
                return Err(error);
            }
        }
        s.value += 1;
        self.resource.release();
        s.wake_up_next(&self.resource);
        Ok(())
    }

    /// Takes a permit and returns a guard that gives it back when dropped
    /// (`async with semaphore:`).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let sem = weft_primitives::Semaphore::new(1);
    /// {
    ///     let _permit = sem.permit().await;
    ///     assert!(sem.locked());
    /// }
    /// assert!(!sem.locked());
    /// # });
    /// ```
    pub async fn permit(&self) -> SemaphorePermit<'_> {
        self.acquire().await;
        SemaphorePermit { sem: self }
    }

    /// The semaphore's resource id in the running simulation (it registers there on first use,
    /// wherever it was created); `None` outside a simulation.
    ///
    /// ```
    /// assert!(weft_primitives::Semaphore::new(1).resource_id().is_none()); // not in a run
    /// ```
    pub fn resource_id(&self) -> Option<ResourceId> {
        self.resource.id()
    }
}

/// A semaphore whose `release()` refuses to go above the initial value, with asyncio's error
/// "BoundedSemaphore released too many times" (caught at the faulty release itself; see the
/// module docs).
///
/// ```
/// use weft_primitives::BoundedSemaphore;
/// # futures::executor::block_on(async {
/// let sem = BoundedSemaphore::new(1);
/// sem.acquire().await;
/// sem.release().unwrap();
/// let error = sem.release().unwrap_err();
/// assert_eq!(error.to_string(), "BoundedSemaphore released too many times");
/// # });
/// ```
pub struct BoundedSemaphore {
    sem: Semaphore,
}

impl fmt::Debug for BoundedSemaphore {
    /// asyncio's repr, as for [`Semaphore`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.sem.fmt(f)
    }
}

impl BoundedSemaphore {
    /// A bounded semaphore with `value` permits (and bound), named "semaphore" in traces.
    ///
    /// ```
    /// let sem = weft_primitives::BoundedSemaphore::new(2);
    /// assert_eq!(sem.value(), 2);
    /// ```
    pub fn new(value: usize) -> BoundedSemaphore {
        BoundedSemaphore::named("semaphore", value)
    }

    /// A bounded semaphore with `value` permits and a name for traces and reports.
    ///
    /// ```
    /// let sem = weft_primitives::BoundedSemaphore::named("pool", 3);
    /// assert_eq!(format!("{sem:?}"), "<BoundedSemaphore [unlocked, value:3]>");
    /// ```
    pub fn named(name: &str, value: usize) -> BoundedSemaphore {
        BoundedSemaphore {
            sem: Semaphore::with_resource(
                Resource::bounded_semaphore(name, value as u64).handoff(),
                value,
                Some(value),
            ),
        }
    }

    /// As [`Semaphore::locked`].
    ///
    /// ```
    /// assert!(weft_primitives::BoundedSemaphore::new(0).locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.sem.locked()
    }

    /// As [`Semaphore::value`].
    ///
    /// ```
    /// assert_eq!(weft_primitives::BoundedSemaphore::new(3).value(), 3);
    /// ```
    pub fn value(&self) -> usize {
        self.sem.value()
    }

    /// As [`Semaphore::waiters`].
    ///
    /// ```
    /// assert_eq!(weft_primitives::BoundedSemaphore::new(1).waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.sem.waiters()
    }

    /// As [`Semaphore::acquire`].
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let sem = weft_primitives::BoundedSemaphore::new(1);
    /// assert!(sem.acquire().await);
    /// # });
    /// ```
    pub fn acquire(&self) -> SemaphoreAcquire<'_> {
        self.sem.acquire()
    }

    /// Gives a permit back, as [`Semaphore::release`], unless every permit is already free or
    /// reserved for a woken waiter: then nothing changes and the error is asyncio's
    /// "BoundedSemaphore released too many times". Fix the caller that releases a permit it
    /// did not take.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let sem = weft_primitives::BoundedSemaphore::new(1);
    /// assert!(sem.release().is_err());
    /// sem.acquire().await;
    /// assert!(sem.release().is_ok());
    /// # });
    /// ```
    pub fn release(&self) -> Result<(), SemaphoreError> {
        self.sem.try_release()
    }

    /// As [`Semaphore::permit`].
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let sem = weft_primitives::BoundedSemaphore::new(1);
    /// let permit = sem.permit().await;
    /// assert!(sem.locked());
    /// drop(permit);
    /// assert_eq!(sem.value(), 1);
    /// # });
    /// ```
    pub async fn permit(&self) -> SemaphorePermit<'_> {
        self.sem.permit().await
    }

    /// As [`Semaphore::resource_id`].
    ///
    /// ```
    /// assert!(weft_primitives::BoundedSemaphore::new(1).resource_id().is_none());
    /// ```
    pub fn resource_id(&self) -> Option<ResourceId> {
        self.sem.resource.id()
    }
}

/// The future of [`Semaphore::acquire`] and [`BoundedSemaphore::acquire`].
#[must_use = "futures do nothing unless awaited"]
pub struct SemaphoreAcquire<'a> {
    sem: &'a Semaphore,
    waiter: Option<WaiterKey>,
}

impl fmt::Debug for SemaphoreAcquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphoreAcquire").field("sem", self.sem).field("waiting", &self.waiter.is_some()).finish()
    }
}

impl Future for SemaphoreAcquire<'_> {
    type Output = bool;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let sem = self.sem;
        let mut s = sem.state.borrow_mut();
        match self.waiter {
            None => {
                let free = !s.locked();
                if free && forced_yield(cx) {
                    return Poll::Pending;
                }
                sem.resource.request();
                if free {
                    s.value -= 1;
                    sem.resource.grant();
                    return Poll::Ready(true);
                }
                self.waiter = Some(s.waiters.push(cx.waker()));
                Poll::Pending
            }
            Some(key) if s.waiters.is_woken(key, cx.waker()) => {
                // The permit was reserved at wake time: take it.
                s.waiters.remove(key);
                self.waiter = None;
                sem.resource.grant();
                s.wake_free(&sem.resource);
                Poll::Ready(true)
            }
            Some(_) => Poll::Pending,
        }
    }
}

impl Drop for SemaphoreAcquire<'_> {
    /// Cancellation while waiting: leave the queue; in state (b) give the reserved permit back;
    /// then hand out every free permit (CPython's `except CancelledError` and 3.13 `finally`).
    fn drop(&mut self) {
        let Some(key) = self.waiter.take() else {
            return;
        };
        let mut s = self.sem.state.borrow_mut();
        if s.waiters.remove(key) == Some(true) {
            s.value += 1;
        }
        self.sem.resource.abandon();
        s.wake_free(&self.sem.resource);
    }
}

/// Holds one permit of a [`Semaphore`] or [`BoundedSemaphore`] until dropped
/// (`async with semaphore:`).
///
/// ```
/// # futures::executor::block_on(async {
/// let sem = weft_primitives::Semaphore::new(1);
/// let permit = sem.permit().await;
/// assert_eq!(sem.value(), 0);
/// drop(permit);
/// assert_eq!(sem.value(), 1);
/// # });
/// ```
#[must_use = "the permit is given back as soon as the guard is dropped"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit").field("sem", self.sem).finish()
    }
}

impl Drop for SemaphorePermit<'_> {
    /// Gives the permit back (`__aexit__`). A BoundedSemaphore that someone else over-released
    /// refuses it; the misuse is recorded in the trace rather than panicking in a destructor.
    fn drop(&mut self) {
        let _ = self.sem.try_release();
    }
}
