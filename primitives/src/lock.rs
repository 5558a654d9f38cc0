//! asyncio's `Lock` (CPython 3.13, `asyncio-semantics.md` A.1).
//!
//! # What it guarantees
//!
//! - **Mutual exclusion**: at most one holder. There is no ownership: any task may release (as in
//!   asyncio), and the lock is not reentrant (re-acquiring it in the holder deadlocks).
//! - **Strict FIFO**: waiters are granted in the order they began waiting; at most one waiter is
//!   woken per `release()`.
//! - **No barging**: a newcomer takes the fast path only when the lock is free *and* every listed
//!   waiter is cancelled (asyncio's "jumping the queue if all are cancelled is an optimization":
//!   a waiter whose task has a cancellation pending, not yet delivered), so it never passes a live
//!   waiter, including a woken one whose task has not run yet. Outside weft no waiter is known to
//!   be cancelled until its future is dropped, so there the fast path needs an empty list.
//! - **No lost hand-off**: a waiter whose `acquire()` future is dropped, before its wake-up
//!   (state a) or after it (state b), wakes the next waiter if the lock is free.
//!
//! # State and its invariants
//!
//! - `locked`: someone holds the lock. It is **false during a hand-off** (after `release()` woke
//!   the head, before the head's task runs), exactly as CPython's `locked()` (gh-138121).
//! - `waiters`: the [`WaitList`]. If `!locked` and some waiter is listed, then the head is woken
//!   (a hand-off is in flight) or is about to be woken by the task that just removed itself.
//! - An acquire that returns `Ready(true)` holds the lock; nothing after setting `locked`
//!   suspends, so an acquire cannot be cancelled after taking the lock.
//!
use crate::error::LockError;
use crate::waiters::{forced_yield, WaitList, WaiterKey};
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft_traces::{Resource, ResourceId};

/// A mutual-exclusion lock with asyncio's semantics, for any executor.
///
/// ```
/// use weft_primitives::Lock;
/// # futures::executor::block_on(async {
/// let lock = Lock::new();
/// assert!(lock.acquire().await);
/// assert!(lock.locked());
/// lock.release().unwrap();
/// assert_eq!(lock.release().unwrap_err().to_string(), "Lock is not acquired.");
/// # });
/// ```
pub struct Lock {
    state: RefCell<State>,
    resource: Resource,
}

#[derive(Debug, Default)]
struct State {
    locked: bool,
    waiters: WaitList,
    /// How many times the lock has been granted: names the current hold, so a guard releases
    /// only the hold it took.
    ticket: u64,
}

impl Default for Lock {
    fn default() -> Lock {
        Lock::new()
    }
}

impl fmt::Debug for Lock {
    /// asyncio's repr: `<Lock [unlocked]>` or `<Lock [locked, waiters:2]>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.resource.observe();
        let s = self.state.borrow();
        let state = if s.locked { "locked" } else { "unlocked" };
        match s.waiters.len() {
            0 => write!(f, "<Lock [{state}]>"),
            n => write!(f, "<Lock [{state}, waiters:{n}]>"),
        }
    }
}

impl Lock {
    /// A new, unlocked lock named "lock" in traces.
    ///
    /// ```
    /// let lock = weft_primitives::Lock::new();
    /// assert!(!lock.locked());
    /// ```
    pub fn new() -> Lock {
        Lock::named("lock")
    }

    /// A new, unlocked lock with a name for traces and reports.
    ///
    /// ```
    /// let lock = weft_primitives::Lock::named("db");
    /// assert_eq!(format!("{lock:?}"), "<Lock [unlocked]>");
    /// ```
    pub fn named(name: &str) -> Lock {
        let resource = Resource::lock(name).handoff();
        Lock { state: RefCell::new(State::default()), resource }
    }

    /// Whether the lock is held. False during a hand-off, as in CPython.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let lock = weft_primitives::Lock::new();
    /// lock.acquire().await;
    /// assert!(lock.locked());
    /// # });
    /// ```
    pub fn locked(&self) -> bool {
        self.resource.observe();
        self.state.borrow().locked
    }

    /// How many tasks are listed waiting for the lock: still waiting, or woken by a hand-off
    /// and not yet run (the `waiters:` of its repr; asyncio's `len(lock._waiters)`). A dropped
    /// `acquire()` leaves the list at once.
    ///
    /// ```
    /// use futures::FutureExt;
    /// let lock = weft_primitives::Lock::new();
    /// assert!(lock.acquire().now_or_never().is_some());
    /// let mut second = Box::pin(lock.acquire());
    /// assert!((&mut second).now_or_never().is_none()); // held: waits
    /// assert_eq!(lock.waiters(), 1);
    /// drop(second); // cancelled: leaves the list
    /// assert_eq!(lock.waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.resource.observe();
        self.state.borrow().waiters.len()
    }

    /// Acquires the lock, waiting in FIFO order if it is held or others wait; resolves to `true`.
    /// A free lock with no waiters is taken without suspending. Dropping the future while it
    /// waits withdraws the request and passes any received hand-off on.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let lock = weft_primitives::Lock::new();
    /// assert!(lock.acquire().await);
    /// # });
    /// ```
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire { lock: self, waiter: None, done: false }
    }

    /// Releases the lock and wakes the first waiter. Errors with asyncio's "Lock is not
    /// acquired." if the lock is not held.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let lock = weft_primitives::Lock::new();
    /// assert!(lock.release().is_err());
    /// lock.acquire().await;
    /// assert!(lock.release().is_ok());
    /// # });
    /// ```
    pub fn release(&self) -> Result<(), LockError> {
        let mut s = self.state.borrow_mut();
        if !s.locked {
            self.resource.misuse(LockError::NotAcquired);
            return Err(LockError::NotAcquired);
        }
        s.locked = false;
        self.resource.release();
        s.waiters.wake_head(&self.resource);
        Ok(())
    }

    /// Acquires the lock and returns a guard that releases it when dropped (`async with lock:`).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let lock = weft_primitives::Lock::new();
    /// {
    ///     let _guard = lock.lock().await;
    ///     assert!(lock.locked());
    /// }
    /// assert!(!lock.locked());
    /// # });
    /// ```
    pub async fn lock(&self) -> LockGuard<'_> {
        self.acquire().await;
        LockGuard { lock: self, ticket: self.ticket() }
    }

    /// Names the current hold: it changes with every grant. A guard remembers the ticket of the
    /// hold it took and releases the lock only while that hold is current, so a guard never
    /// releases a lock someone else has taken since (after a `Condition::wait` dropped mid-way
    /// left the lock to others, say). A completed `Condition::wait` restores the ticket it found,
    /// so a wait inside a guard leaves the guard's hold current.
    pub(crate) fn ticket(&self) -> u64 {
        self.state.borrow().ticket
    }

    /// Makes `ticket` current again (a `Condition::wait` that re-took the lock for its caller).
    pub(crate) fn restore_ticket(&self, ticket: u64) {
        self.state.borrow_mut().ticket = ticket;
    }

    /// Releases the lock if the hold named by `ticket` is current; otherwise the caller no longer
    /// holds it and there is nothing to release.
    pub(crate) fn release_hold(&self, ticket: u64) -> Result<(), LockError> {
        let current = {
            let s = self.state.borrow();
            s.locked && s.ticket == ticket
        };
        if current {
            // What it looked at (held, this hold) only a grant or a release changes, and the
            // release conflicts with those on its own: no separate observation, which would
            // make the release look like a plain write to partial-order reduction.
            return self.release();
        }
        self.resource.observe();
        Ok(())
    }

    /// The lock's resource id in the running simulation (it registers there on first use, wherever
    /// it was created); `None` outside a simulation.
    pub fn resource_id(&self) -> Option<ResourceId> {
        self.resource.id()
    }
}

/// The future of [`Lock::acquire`].
#[must_use = "futures do nothing unless awaited"]
pub struct Acquire<'a> {
    lock: &'a Lock,
    waiter: Option<WaiterKey>,
    done: bool,
}

impl Future for Acquire<'_> {
    type Output = bool;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let lock = self.lock;
        let mut s = lock.state.borrow_mut();
        match self.waiter {
            None => {
                let free = !s.locked && s.waiters.all_cancelled();
                if free && forced_yield(cx) {
                    return Poll::Pending;
                }
                lock.resource.request();
                if free {
                    return self.grant(&mut s);
                }
                self.waiter = Some(s.waiters.push(cx.waker()));
                Poll::Pending
            }
            Some(key) if s.waiters.is_woken(key, cx.waker()) => {
                s.waiters.remove(key);
                self.waiter = None;
                self.grant(&mut s)
            }
            Some(_) => Poll::Pending,
        }
    }
}

impl Acquire<'_> {
    fn grant(&mut self, s: &mut State) -> Poll<bool> {
        s.locked = true;
        s.ticket += 1;
        self.done = true;
        self.lock.resource.grant();
        Poll::Ready(true)
    }
}

impl Drop for Acquire<'_> {
    /// Cancellation while waiting (states a and b): withdraw, and if the lock is free wake the
    /// head, so a hand-off this waiter received passes on (CPython's `except CancelledError`).
    fn drop(&mut self) {
        let Some(key) = self.waiter.take() else {
            return;
        };
        let mut s = self.lock.state.borrow_mut();
        s.waiters.remove(key);
        self.lock.resource.abandon();
        if !s.locked {
            s.waiters.wake_head(&self.lock.resource);
        }
    }
}

/// Holds a [`Lock`] until dropped (`async with lock:`).
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a> {
    lock: &'a Lock,
    /// The hold this guard took (see [`Lock::ticket`]).
    ticket: u64,
}

impl fmt::Debug for LockGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockGuard").field("lock", self.lock).finish()
    }
}

impl LockGuard<'_> {
    /// The guarded lock.
    pub fn lock(&self) -> &Lock {
        self.lock
    }
}

impl Drop for LockGuard<'_> {
    /// Releases the lock (`__aexit__`), if the guard's hold is still current: if someone else
    /// released it meanwhile (asyncio has no ownership) and perhaps another task took it, the
    /// guard leaves the lock alone rather than releasing another task's hold.
    fn drop(&mut self) {
        let _ = self.lock.release_hold(self.ticket);
    }
}
