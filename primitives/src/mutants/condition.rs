//! BZ-C5: the Condition of CPython 3.12 and earlier, which drops a notification whose waiter
//! is cancelled.

use crate::error::ConditionError;
use crate::lock::{Acquire, Lock};
use crate::waiters::{WaitList, WaiterKey};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft_traces::{Resource, ResourceKind};

/// gh-112202 (3.12 and earlier): `wait()` has no `except BaseException: self._notify(1)`, so a
/// waiter notified and cancelled before it runs (or while it re-takes the lock) takes the
/// notification with it; with the condition's state changed and nobody else notified, the
/// other waiters sleep on (a lost wake-up). Otherwise as [`crate::Condition`], on its own
/// [`Lock`].
///
/// ```
/// use weft_primitives::mutants::MutantCondition;
/// # futures::executor::block_on(async {
/// let cond = MutantCondition::new();
/// cond.acquire().await;
/// assert_eq!(cond.notify(1), Ok(0));
/// cond.release().unwrap();
/// # });
/// ```
#[derive(Debug)]
pub struct MutantCondition {
    lock: Lock,
    waiters: RefCell<WaitList>,
    resource: Resource,
}

impl Default for MutantCondition {
    fn default() -> MutantCondition {
        MutantCondition::new()
    }
}

impl MutantCondition {
    /// A condition with its own lock, registered as a Condition named "condition".
    pub fn new() -> MutantCondition {
        let lock = Lock::named("condition lock");
        let resource = Resource::new(ResourceKind::Condition, "condition", None, true);
        MutantCondition { lock, waiters: RefCell::default(), resource }
    }

    /// Acquires the underlying lock.
    pub fn acquire(&self) -> Acquire<'_> {
        self.lock.acquire()
    }

    /// Releases the underlying lock.
    pub fn release(&self) -> Result<(), crate::LockError> {
        self.lock.release()
    }

    /// Whether the underlying lock is held.
    pub fn locked(&self) -> bool {
        self.lock.locked()
    }

    /// Releases the lock, waits for a notification, re-takes the lock.
    pub fn wait(&self) -> MutantWait<'_> {
        MutantWait { cond: self, stage: Stage::Start }
    }

    /// `while !predicate() { wait() }`, as [`crate::Condition::wait_for`].
    pub async fn wait_for(&self, mut predicate: impl FnMut() -> bool) -> Result<bool, ConditionError> {
        while !predicate() {
            self.wait().await?;
        }
        Ok(true)
    }

    /// Wakes every waiter still waiting; returns how many it woke.
    pub fn notify_all(&self) -> Result<usize, ConditionError> {
        let listed = self.waiters();
        self.notify(listed)
    }

    /// How many waits are listed (still waiting, or notified and not yet run).
    pub fn waiters(&self) -> usize {
        self.waiters.borrow().len()
    }

    /// Wakes the first `n` waiters still waiting; returns how many it woke.
    pub fn notify(&self, n: usize) -> Result<usize, ConditionError> {
        if !self.locked() {
            self.resource.misuse(ConditionError::NotifyNotAcquired);
            return Err(ConditionError::NotifyNotAcquired);
        }
        let woken = self.waiters.borrow_mut().wake_next(n, &self.resource);
        self.resource.notify(n as u64, woken as u64);
        Ok(woken)
    }
}

enum Stage<'a> {
    Start,
    Waiting(WaiterKey),
    Relocking(Acquire<'a>),
    Done,
}

/// The future of [`MutantCondition::wait`].
pub struct MutantWait<'a> {
    cond: &'a MutantCondition,
    stage: Stage<'a>,
}

impl<'a> Future for MutantWait<'a> {
    type Output = Result<bool, ConditionError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let cond: &'a MutantCondition = self.cond;
        loop {
            match &mut self.stage {
                Stage::Start => {
                    if !cond.locked() {
                        cond.resource.misuse(ConditionError::WaitNotAcquired);
                        return Poll::Ready(Err(ConditionError::WaitNotAcquired));
                    }
                    cond.lock.release().expect("checked locked above");
                    let key = cond.waiters.borrow_mut().push(cx.waker());
                    cond.resource.wait();
                    self.stage = Stage::Waiting(key);
                    return Poll::Pending;
                }
                Stage::Waiting(key) => {
                    let key = *key;
                    let mut waiters = cond.waiters.borrow_mut();
                    if !waiters.is_woken(key, cx.waker()) {
                        return Poll::Pending;
                    }
                    waiters.remove(key);
                    drop(waiters);
                    cond.resource.resume();
                    self.stage = Stage::Relocking(cond.lock.acquire());
                }
                Stage::Relocking(acquire) => {
                    if Pin::new(acquire).poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    self.stage = Stage::Done;
                    return Poll::Ready(Ok(true));
                }
                Stage::Done => return Poll::Ready(Ok(true)),
            }
        }
    }
}

impl Drop for MutantWait<'_> {
    /// The bug: a received notification leaves with the waiter.
    fn drop(&mut self) {
        if let Stage::Waiting(key) = self.stage {
            self.cond.waiters.borrow_mut().remove(key);
            self.cond.resource.abandon();
        }
    }
}
