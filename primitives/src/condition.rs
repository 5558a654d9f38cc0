//! asyncio's `Condition` (CPython 3.13, `asyncio-semantics.md` A.3).
//!
//! # What it guarantees
//!
//! - **`wait()` releases the lock, waits for a notification, and re-takes the lock** before it
//!   returns. Re-taking is an ordinary FIFO [`Lock::acquire`]: a notified task queues behind the
//!   tasks already waiting for the lock.
//! - **`notify(n)` wakes the first `n` waiters still waiting**, in the order they began waiting.
//!   Waiters already notified (whose tasks have not run yet) or whose cancellation is pending
//!   are skipped and not counted, so `notify(1); notify(1)` wakes two distinct waiters.
//! - **No lost notification** (3.13, gh-112202): a `wait()` abandoned after it was notified,
//!   whether before its task ran (state b) or while re-taking the lock (state c), passes one
//!   notification on to the next waiter.
//! - **Spurious wake-ups, as in 3.13**: *any* abandoned `wait()`, notified or not, passes one
//!   notification on (CPython's `except BaseException: self._notify(1)`). A waiter abandoned
//!   before any `notify()` (state a) therefore wakes the next waiter, whose `wait()` returns
//!   without a `notify()`. weft reproduces this on purpose: condition-variable code must
//!   tolerate spurious wake-ups (use [`wait_for`](Condition::wait_for) or a `while` loop), and
//!   exploring under weft should exercise that.
//! - **Misuse is an error, not a panic**: `wait()` and `notify()` without the lock held (by
//!   anyone, as asyncio checks) give asyncio's messages.
//!
//! # State and its invariants
//!
//! - `lock`: the [`Lock`], shared (`with_lock`) or its own (`new`). `acquire`, `release` and
//!   `locked` are the lock's.
//! - `waiters`: the shared [`WaitList`]. A *woken* waiter holds one notification until its task
//!   runs (it consumes it) or its future is dropped (it passes it on).
//!
//! # What "wait() exits holding the lock" means in Rust
//!
//! In asyncio a cancelled `wait()` still re-acquires the lock before the `CancelledError`
//! leaves it. Rust cannot await in `Drop`, so a dropped [`ConditionWait`] cannot re-take the
//! lock: **a `wait()` future dropped before it completes leaves the lock not held by its
//! caller** (any lock request it had made is withdrawn, passing a hand-off on). A completed
//! `wait()` always holds the lock.
//!
//! The notification a dropped `wait()` passes on therefore goes out at the drop, with the lock
//! as it is; CPython forwards it after the cancelled task has re-taken the lock, so there the
//! woken waiter resumes only after that task's `async with` has released it. Who is woken is
//! the same; the lock's next holder can differ.
//!
//! Under a task cancellation nothing of the caller's code runs after the drop, but its guards
//! are dropped too: an `async with cond: await cond.wait()` ported literally (a
//! [`ConditionGuard`] around [`Condition::wait`]) would have the guard release a lock that
//! another task took meanwhile, a mutual-exclusion break asyncio does not have (its `wait()`
//! re-takes the lock before the `CancelledError` reaches `__aexit__`; BZ-C1 was the bug of not
//! doing so). weft's guards therefore release only the hold they took: the lock names each hold
//! with a ticket, a completed `wait()` restores the ticket it found, and a guard whose hold is no
//! longer current releases nothing. Where only the `wait()` future is dropped (a `timeout`, a `select!`), a caller
//! that goes on to `release()` would release a lock it does not hold. The guard form makes that
//! impossible: [`ConditionGuard::wait`] consumes the guard and gives it back only on success,
//! so a dropped wait leaves no guard behind to release anything.
//!
//! ```
//! use weft_primitives::Condition;
//! # futures::executor::block_on(async {
//! let cond = Condition::new();
//! let held = cond.lock().await; // `async with cond:`
//! let (held, n) = held.wait_for(|| 42).await.unwrap(); // already true: no wait
//! assert_eq!(n, 42);
//! drop(held);
//! assert!(!cond.locked());
//! # });
//! ```
//!
//! # Trace
//!
//! The condition records `Wait` when a `wait()` suspends, `Notify { requested, woken }` and one
//! `Wake` per woken waiter, `Resume` when a notified waiter's task runs, and `Abandon` when a
//! waiting `wait()` is dropped (followed by the `Wake` that passes a notification on). The
//! lock records its own resource-protocol ops.

use crate::error::ConditionError;
use crate::lock::{Acquire, Lock};
use crate::waiters::{WaitList, WaiterKey};
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use weft_traces::{Resource, ResourceId};

/// A condition variable with asyncio's semantics, for any executor.
///
/// ```
/// use weft_primitives::Condition;
/// # futures::executor::block_on(async {
/// let cond = Condition::new();
/// assert!(cond.notify(1).is_err()); // "cannot notify on un-acquired lock"
/// cond.acquire().await;
/// assert_eq!(cond.notify(1), Ok(0)); // nobody waits
/// cond.release().unwrap();
/// # });
/// ```
pub struct Condition {
    lock: Rc<Lock>,
    waiters: RefCell<WaitList>,
    resource: Resource,
}

impl Default for Condition {
    fn default() -> Condition {
        Condition::new()
    }
}

impl fmt::Debug for Condition {
    /// asyncio's repr: `<Condition [unlocked]>`, `<Condition [locked, waiters:2]>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.resource.observe();
        let state = if self.locked() { "locked" } else { "unlocked" };
        match self.waiters.borrow().len() {
            0 => write!(f, "<Condition [{state}]>"),
            n => write!(f, "<Condition [{state}, waiters:{n}]>"),
        }
    }
}

impl Condition {
    /// A condition with its own new lock, both named "condition" in traces.
    ///
    /// ```
    /// let cond = weft_primitives::Condition::new();
    /// assert!(!cond.locked());
    /// ```
    pub fn new() -> Condition {
        Condition::named("condition")
    }

    /// A condition with its own new lock, both named `name` in traces and reports.
    ///
    /// ```
    /// let cond = weft_primitives::Condition::named("items");
    /// assert_eq!(format!("{cond:?}"), "<Condition [unlocked]>");
    /// ```
    pub fn named(name: &str) -> Condition {
        let lock = Rc::new(Lock::named(name));
        Condition::named_with_lock(name, lock)
    }

    /// A condition on an existing lock, shared with whoever else holds the `Rc`
    /// (`Condition(lock=lock)`).
    ///
    /// ```
    /// use weft_primitives::{Condition, Lock};
    /// use std::rc::Rc;
    /// # futures::executor::block_on(async {
    /// let lock = Rc::new(Lock::new());
    /// let cond = Condition::with_lock(lock.clone());
    /// lock.acquire().await;
    /// assert!(cond.locked()); // the same lock
    /// # });
    /// ```
    pub fn with_lock(lock: Rc<Lock>) -> Condition {
        Condition::named_with_lock("condition", lock)
    }

    /// A condition on an existing lock, named `name` in traces and reports.
    ///
    /// ```
    /// use weft_primitives::{Condition, Lock};
    /// use std::rc::Rc;
    /// let cond = Condition::named_with_lock("items", Rc::new(Lock::new()));
    /// assert!(!cond.locked());
    /// ```
    pub fn named_with_lock(name: &str, lock: Rc<Lock>) -> Condition {
        let resource = Resource::condition(name);
        Condition { lock, waiters: RefCell::new(WaitList::default()), resource }
    }

    /// The underlying lock.
    ///
    /// ```
    /// let cond = weft_primitives::Condition::new();
    /// assert!(!cond.underlying_lock().locked());
    /// ```
    pub fn underlying_lock(&self) -> &Rc<Lock> {
        &self.lock
    }

    /// Acquires the underlying lock ([`Lock::acquire`]).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let cond = weft_primitives::Condition::new();
    /// assert!(cond.acquire().await);
    /// assert!(cond.locked());
    /// # });
    /// ```
    pub fn acquire(&self) -> Acquire<'_> {
        self.lock.acquire()
    }

    /// Releases the underlying lock ([`Lock::release`]), with its error if it is not held.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let cond = weft_primitives::Condition::new();
    /// assert!(cond.release().is_err());
    /// cond.acquire().await;
    /// assert!(cond.release().is_ok());
    /// # });
    /// ```
    pub fn release(&self) -> Result<(), crate::LockError> {
        self.lock.release()
    }

    /// Whether the underlying lock is held ([`Lock::locked`]).
    ///
    /// ```
    /// let cond = weft_primitives::Condition::new();
    /// assert!(!cond.locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.lock.locked()
    }

    /// How many tasks are listed waiting in [`wait`](Condition::wait): still waiting, or
    /// notified and not yet run (the `waiters:` of its repr; asyncio's `len(cond._waiters)`).
    /// A notified waiter re-taking the lock is no longer listed here; it waits on the lock.
    ///
    /// ```
    /// use futures::FutureExt;
    /// let cond = weft_primitives::Condition::new();
    /// assert!(cond.acquire().now_or_never().is_some());
    /// let mut wait = Box::pin(cond.wait());
    /// assert!((&mut wait).now_or_never().is_none()); // released the lock, waits
    /// assert_eq!(cond.waiters(), 1);
    /// drop(wait); // cancelled: leaves the list
    /// assert_eq!(cond.waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.resource.observe();
        self.waiters.borrow().len()
    }

    /// Acquires the underlying lock and returns a guard that releases it when dropped
    /// (`async with cond:`). The guard's [`wait`](ConditionGuard::wait) is the misuse-proof
    /// form of [`Condition::wait`].
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let cond = weft_primitives::Condition::new();
    /// {
    ///     let _held = cond.lock().await;
    ///     assert!(cond.locked());
    /// }
    /// assert!(!cond.locked());
    /// # });
    /// ```
    pub async fn lock(&self) -> ConditionGuard<'_> {
        self.acquire().await;
        ConditionGuard { cond: self, ticket: self.lock.ticket() }
    }

    /// Releases the lock, waits to be notified, re-acquires the lock (queuing FIFO behind the
    /// lock's other waiters) and resolves to `Ok(true)`. Errors with asyncio's "cannot wait on
    /// un-acquired lock" if the lock is not held; acquire it first.
    ///
    /// Dropping the future before it completes leaves the lock **not** held by the caller and
    /// passes one notification on (see the module docs); prefer [`ConditionGuard::wait`].
    ///
    /// ```
    /// use weft_primitives::Condition;
    /// # futures::executor::block_on(async {
    /// let cond = Condition::new();
    /// let error = cond.wait().await.unwrap_err();
    /// assert_eq!(error.to_string(), "cannot wait on un-acquired lock");
    /// # });
    /// ```
    pub fn wait(&self) -> ConditionWait<'_> {
        ConditionWait { cond: self, state: WaitState::Start, ticket: 0 }
    }

    /// Waits until `predicate()` is truthy and returns its value (asyncio's `wait_for`):
    /// `while !predicate() { wait() }`. A predicate already truthy returns at once, without
    /// suspending and without needing the lock. The predicate runs with the lock held otherwise.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let cond = weft_primitives::Condition::new();
    /// assert_eq!(cond.wait_for(|| vec![1, 2, 3]).await, Ok(vec![1, 2, 3]));
    /// # });
    /// ```
    pub async fn wait_for<T: Truthy>(&self, mut predicate: impl FnMut() -> T) -> Result<T, ConditionError> {
        let mut result = predicate();
        while !result.is_truthy() {
            self.wait().await?;
            result = predicate();
        }
        Ok(result)
    }

    /// Wakes the first `n` waiters still waiting (skipping those already notified) and returns
    /// how many it woke. They resume once they re-take the lock, so after the caller releases
    /// it. Errors with asyncio's "cannot notify on un-acquired lock" if the lock is not held.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let cond = weft_primitives::Condition::new();
    /// let _held = cond.lock().await;
    /// assert_eq!(cond.notify(3), Ok(0));
    /// # });
    /// ```
    pub fn notify(&self, n: usize) -> Result<usize, ConditionError> {
        if !self.locked() {
            return Err(self.misuse(ConditionError::NotifyNotAcquired));
        }
        let mut waiters = self.waiters.borrow_mut();
        let woken = n.min(waiters.waiting());
        self.resource.notify(n as u64, woken as u64);
        Ok(waiters.wake_next(n, &self.resource))
    }

    /// Wakes every waiter still waiting (asyncio's `notify(len(self._waiters))`); returns how
    /// many it woke. Same error as [`notify`](Condition::notify).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let cond = weft_primitives::Condition::new();
    /// assert!(cond.notify_all().is_err());
    /// let _held = cond.lock().await;
    /// assert_eq!(cond.notify_all(), Ok(0));
    /// # });
    /// ```
    pub fn notify_all(&self) -> Result<usize, ConditionError> {
        let listed = self.waiters.borrow().len();
        self.notify(listed)
    }

    /// The condition's resource id in the running simulation (it registers there on first use,
    /// wherever it was created); `None` outside a simulation.
    ///
    /// ```
    /// assert!(weft_primitives::Condition::new().resource_id().is_none()); // not in a run
    /// ```
    pub fn resource_id(&self) -> Option<ResourceId> {
        self.resource.id()
    }

    fn misuse(&self, error: ConditionError) -> ConditionError {
        self.resource.misuse(error);
        error
    }

    /// CPython 3.13's `_notify(1)` on an exceptional exit from `wait()`.
    fn pass_on(&self) {
        self.waiters.borrow_mut().wake_next(1, &self.resource);
    }
}

/// A value with Python truthiness, for [`Condition::wait_for`]'s predicate: `false`, `None`,
/// zero and empty collections are falsy.
///
/// ```
/// use weft_primitives::Truthy;
/// assert!(!0u64.is_truthy());
/// assert!(Some(0).is_truthy());
/// assert!(!Vec::<u8>::new().is_truthy());
/// ```
pub trait Truthy {
    /// Whether Python would treat the value as true.
    fn is_truthy(&self) -> bool;
}

impl Truthy for bool {
    fn is_truthy(&self) -> bool {
        *self
    }
}

impl<T> Truthy for Option<T> {
    fn is_truthy(&self) -> bool {
        self.is_some()
    }
}

impl<T> Truthy for Vec<T> {
    fn is_truthy(&self) -> bool {
        !self.is_empty()
    }
}

impl Truthy for String {
    fn is_truthy(&self) -> bool {
        !self.is_empty()
    }
}

impl Truthy for &str {
    fn is_truthy(&self) -> bool {
        !self.is_empty()
    }
}

macro_rules! truthy_numbers {
    ($($t:ty),*) => {$(
        impl Truthy for $t {
            fn is_truthy(&self) -> bool {
                *self != 0
            }
        }
    )*};
}

truthy_numbers!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

/// The future of [`Condition::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct ConditionWait<'a> {
    cond: &'a Condition,
    state: WaitState<'a>,
    /// The lock's hold when the wait released it; restored once the wait re-takes it, so a
    /// guard around the wait stays current (see `Lock::ticket`).
    ticket: u64,
}

enum WaitState<'a> {
    /// Not polled yet: nothing has happened.
    Start,
    /// The lock was released; waiting to be notified.
    Waiting(WaiterKey),
    /// Notified; re-taking the lock.
    Reacquiring(Acquire<'a>),
    /// Returned (or refused): nothing left to undo.
    Done,
}

impl fmt::Debug for ConditionWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            WaitState::Start => "start",
            WaitState::Waiting(_) => "waiting",
            WaitState::Reacquiring(_) => "reacquiring",
            WaitState::Done => "done",
        };
        f.debug_struct("ConditionWait").field("cond", self.cond).field("state", &state).finish()
    }
}

impl Future for ConditionWait<'_> {
    type Output = Result<bool, ConditionError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let cond = self.cond;
        loop {
            match &mut self.state {
                WaitState::Start => {
                    if !cond.locked() {
                        self.state = WaitState::Done;
                        return Poll::Ready(Err(cond.misuse(ConditionError::WaitNotAcquired)));
                    }
                    // Cannot fail: the lock is held (by someone; asyncio has no owner).
                    self.ticket = cond.lock.ticket();
                    let _ = cond.lock.release();
                    let key = cond.waiters.borrow_mut().push(cx.waker());
                    cond.resource.wait();
                    self.state = WaitState::Waiting(key);
                    return Poll::Pending;
                }
                WaitState::Waiting(key) => {
                    let key = *key;
                    let mut waiters = cond.waiters.borrow_mut();
                    if !waiters.is_woken(key, cx.waker()) {
                        return Poll::Pending;
                    }
                    waiters.remove(key);
                    drop(waiters);
                    cond.resource.resume();
                    self.state = WaitState::Reacquiring(cond.lock.acquire());
                }
                WaitState::Reacquiring(acquire) => {
                    return match Pin::new(acquire).poll(cx) {
                        Poll::Ready(_) => {
                            self.state = WaitState::Done;
                            cond.lock.restore_ticket(self.ticket);
                            Poll::Ready(Ok(true))
                        }
                        Poll::Pending => Poll::Pending,
                    };
                }
                WaitState::Done => panic!("ConditionWait polled after it completed"),
            }
        }
    }
}

impl Drop for ConditionWait<'_> {
    /// Cancellation. Waiting: leave the list. Re-taking the lock: withdraw that request (the
    /// lock passes any hand-off on). Either way pass one notification on, as 3.13 does on every
    /// exceptional exit, and leave the lock not held by this caller.
    fn drop(&mut self) {
        match std::mem::replace(&mut self.state, WaitState::Done) {
            WaitState::Waiting(key) => {
                self.cond.waiters.borrow_mut().remove(key);
                self.cond.resource.abandon();
                self.cond.pass_on();
            }
            WaitState::Reacquiring(acquire) => {
                drop(acquire);
                self.cond.pass_on();
            }
            WaitState::Start | WaitState::Done => {}
        }
    }
}

/// Holds a [`Condition`]'s lock until dropped (`async with cond:`), and waits without the risk
/// of releasing a lock it no longer holds.
///
/// ```
/// # futures::executor::block_on(async {
/// let cond = weft_primitives::Condition::new();
/// let held = cond.lock().await;
/// held.condition().notify_all().unwrap();
/// drop(held);
/// assert!(!cond.locked());
/// # });
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct ConditionGuard<'a> {
    cond: &'a Condition,
    /// The hold this guard took (see `Lock::ticket`).
    ticket: u64,
}

impl fmt::Debug for ConditionGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConditionGuard").field("cond", self.cond).finish()
    }
}

impl<'a> ConditionGuard<'a> {
    /// The guarded condition.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let cond = weft_primitives::Condition::new();
    /// let held = cond.lock().await;
    /// assert!(held.condition().locked());
    /// # });
    /// ```
    pub fn condition(&self) -> &'a Condition {
        self.cond
    }

    /// [`Condition::wait`], consuming the guard and giving it back once the lock is re-taken.
    /// If the future is dropped first, the guard is gone with it, and with it any way to
    /// release a lock this caller no longer holds. Errors only if someone else released the
    /// lock under this guard (asyncio has no lock ownership).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let cond = weft_primitives::Condition::new();
    /// let held = cond.lock().await;
    /// let wait = held.wait();
    /// drop(wait); // never polled: it still held the lock, and releases it
    /// assert!(!cond.locked());
    /// # });
    /// ```
    pub fn wait(self) -> GuardedWait<'a> {
        let (cond, ticket) = (self.cond, self.ticket);
        // The lock now belongs to the wait: it releases and re-takes it.
        std::mem::forget(self);
        GuardedWait { wait: cond.wait(), ticket }
    }

    /// [`Condition::wait_for`] with the guard: returns the guard and the predicate's truthy
    /// value.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let cond = weft_primitives::Condition::new();
    /// let (held, ok) = cond.lock().await.wait_for(|| true).await.unwrap();
    /// assert!(ok && held.condition().locked());
    /// # });
    /// ```
    pub async fn wait_for<T: Truthy>(
        self,
        mut predicate: impl FnMut() -> T,
    ) -> Result<(ConditionGuard<'a>, T), ConditionError> {
        let mut guard = self;
        let mut result = predicate();
        while !result.is_truthy() {
            guard = guard.wait().await?;
            result = predicate();
        }
        Ok((guard, result))
    }
}

impl Drop for ConditionGuard<'_> {
    /// Releases the lock (`__aexit__`) if the guard's hold is still current. It is not after a
    /// [`Condition::wait`] inside the guard was dropped mid-way (a cancelled task): that wait
    /// left the lock, perhaps to another task, and asyncio's `wait()` would have re-taken it
    /// before the cancellation reached `__aexit__`; releasing then would release another task's
    /// hold (BZ-C1's mutual-exclusion break). The guard leaves the lock alone instead.
    fn drop(&mut self) {
        let _ = self.cond.lock.release_hold(self.ticket);
    }
}

/// The future of [`ConditionGuard::wait`]: the guard back once the lock is re-taken.
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct GuardedWait<'a> {
    wait: ConditionWait<'a>,
    /// The consumed guard's hold.
    ticket: u64,
}

impl<'a> Future for GuardedWait<'a> {
    type Output = Result<ConditionGuard<'a>, ConditionError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (cond, ticket) = (self.wait.cond, self.ticket);
        Pin::new(&mut self.wait).poll(cx).map(|r| r.map(|_| ConditionGuard { cond, ticket }))
    }
}

impl Drop for GuardedWait<'_> {
    /// Dropped before its first poll, the wait still holds the guard's lock: release it, as the
    /// guard would have.
    fn drop(&mut self) {
        if matches!(self.wait.state, WaitState::Start) {
            let _ = self.wait.cond.lock.release_hold(self.ticket);
        }
    }
}
