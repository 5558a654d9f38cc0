//! BZ-L0 and BZ-L2: the Lock of tulip (2013) and of CPython 3.6.0–3.6.1.

use crate::error::LockError;
use crate::waiters::{WaitList, WaiterKey};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft_traces::Resource;

/// Which historical Lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockBug {
    /// BZ-L0 (tulip, 2013, fixed by `01e947b`): `release()` does
    /// `self._waiters[0].set_result(True)` without checking the head, and `acquire()` has no
    /// cancellation handling. With the head cancelled, `set_result` raises `InvalidStateError`
    /// in the releasing task, and the next waiter is never woken.
    Tulip2013,
    /// BZ-L2 (bpo-27585 part 2, CPython 3.6.0–3.6.1): `acquire()` is
    /// `try: await fut; self._locked = True / finally: remove(fut)` with no `except
    /// CancelledError`: a waiter woken by `release()` and cancelled before it runs takes the
    /// wake-up with it, and the lock stays free with waiters queued.
    Bpo27585,
}

/// A Lock with one of the historical bugs of [`LockBug`], otherwise as [`crate::Lock`].
///
/// ```
/// use weft_primitives::mutants::{LockBug, MutantLock};
/// # futures::executor::block_on(async {
/// let lock = MutantLock::new(LockBug::Bpo27585);
/// assert!(lock.acquire().await);
/// lock.release().unwrap();
/// # });
/// ```
#[derive(Debug)]
pub struct MutantLock {
    bug: LockBug,
    state: RefCell<State>,
    resource: Resource,
}

#[derive(Debug, Default)]
struct State {
    locked: bool,
    waiters: WaitList,
}

impl MutantLock {
    /// An unlocked lock with `bug`, registered as a Lock named "lock".
    pub fn new(bug: LockBug) -> MutantLock {
        let resource = Resource::lock("lock");
        MutantLock { bug, state: RefCell::default(), resource }
    }

    /// Whether the lock is held.
    pub fn locked(&self) -> bool {
        self.state.borrow().locked
    }

    /// Acquires the lock.
    pub fn acquire(&self) -> MutantAcquire<'_> {
        MutantAcquire { lock: self, waiter: None }
    }

    /// Releases the lock, waking a waiter the historical way.
    ///
    /// # Panics
    /// `Tulip2013` panics with asyncio's `InvalidStateError` when the head's future is done, as
    /// the historical code raised in the releasing task.
    pub fn release(&self) -> Result<(), LockError> {
        let mut s = self.state.borrow_mut();
        if !s.locked {
            self.resource.misuse(LockError::NotAcquired);
            return Err(LockError::NotAcquired);
        }
        s.locked = false;
        self.resource.release();
        match self.bug {
            LockBug::Tulip2013 => {
                if s.waiters.head_is_done() {
                    panic!("InvalidStateError: invalid state (BZ-L0: release() set the result of a cancelled waiter's future)");
                }
                s.waiters.wake_head(&self.resource);
            }
            // 3.6.0: `for fut in self._waiters: if not fut.done(): fut.set_result(True); break`
            LockBug::Bpo27585 => {
                s.waiters.wake_next(1, &self.resource);
            }
        }
        Ok(())
    }
}

/// The future of [`MutantLock::acquire`].
#[derive(Debug)]
pub struct MutantAcquire<'a> {
    lock: &'a MutantLock,
    waiter: Option<WaiterKey>,
}

impl Future for MutantAcquire<'_> {
    type Output = bool;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let lock = self.lock;
        let mut s = lock.state.borrow_mut();
        match self.waiter {
            None => {
                lock.resource.request();
                let free = match lock.bug {
                    LockBug::Tulip2013 => s.waiters.is_empty() && !s.locked,
                    LockBug::Bpo27585 => !s.locked && s.waiters.all_cancelled(),
                };
                if !free {
                    self.waiter = Some(s.waiters.push(cx.waker()));
                    return Poll::Pending;
                }
            }
            Some(key) if s.waiters.is_woken(key, cx.waker()) => {
                s.waiters.remove(key);
                self.waiter = None;
            }
            Some(_) => return Poll::Pending,
        }
        s.locked = true;
        lock.resource.grant();
        Poll::Ready(true)
    }
}

impl Drop for MutantAcquire<'_> {
    /// The bug: the waiter leaves, taking any wake-up it received with it.
    fn drop(&mut self) {
        if let Some(key) = self.waiter.take() {
            self.lock.state.borrow_mut().waiters.remove(key);
            self.lock.resource.abandon();
        }
    }
}
