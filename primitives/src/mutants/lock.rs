//! BZ-L0, BZ-L2 and TK-1: the Lock of tulip (2013), of CPython 3.6.0–3.6.1, and tokio
//! 0.2.0–0.2.3's `sync::Mutex`.

use crate::error::LockError;
use crate::waiters::{WaitList, WaiterKey};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft_traces::Resource;
use weft_traces::{Op, ResourceKind};

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
    /// TK-1 (tokio 0.2.0–0.2.3 `sync::Mutex`, tokio-rs/tokio#1898, fixed by PR #1902, commit
    /// `c632337e6`, released in 0.2.4: "`sync::Mutex` deadlock when `lock()` future is dropped
    /// early"). The mutex is a one-permit semaphore that hands off directly: `unlock` assigns
    /// the permit to the waiter node at the head of the queue and wakes it, so the lock stays
    /// taken through the hand-off. `lock()` kept its `semaphore::Permit` in a local, and
    /// `Permit` has no `Drop`: a `lock()` future dropped while it waits never withdraws its
    /// node (`cancel_interest`), and one dropped after the assignment never gives the permit
    /// back. The next unlock assigns the permit to that orphan (or it already holds it), and
    /// the mutex stays locked forever, every later `lock()` queuing behind nobody. The fix
    /// built the guard before awaiting, so that its `Drop` releases the permit whatever its
    /// state.
    Tokio1898,
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
    /// TK-1: waiters the lock was assigned to, taken off the queue, that have not run yet (an
    /// orphan's stays here forever).
    assigned: Vec<WaiterKey>,
}

impl MutantLock {
    /// An unlocked lock with `bug`, registered as a Lock named "lock".
    pub fn new(bug: LockBug) -> MutantLock {
        let resource = Resource::new(ResourceKind::Lock, "lock", Some(1), true);
        MutantLock { bug, state: RefCell::default(), resource }
    }

    /// Whether the lock is held (for `Tokio1898`, also while it is assigned to a waiter that
    /// has not run yet, as tokio's `try_lock` fails then).
    pub fn locked(&self) -> bool {
        self.state.borrow().locked
    }

    /// How many acquires are listed waiting, or were handed the lock and have not run yet.
    pub fn waiters(&self) -> usize {
        let s = self.state.borrow();
        s.waiters.len() + s.assigned.len()
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
            self.resource.record(|| Op::Misuse { message: LockError::NotAcquired.to_string() });
            return Err(LockError::NotAcquired);
        }
        self.resource.record(|| Op::Release);
        if self.bug == LockBug::Tokio1898 {
            // `add_permits(1)`: assign the permit to the head node (the lock stays taken), or
            // keep it if nobody is queued.
            match s.waiters.assign_head(&self.resource) {
                Some(head) => s.assigned.push(head),
                None => s.locked = false,
            }
            return Ok(());
        }
        s.locked = false;
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
            LockBug::Tokio1898 => unreachable!("handled above"),
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
                lock.resource.record(|| Op::Request);
                let free = match lock.bug {
                    LockBug::Tulip2013 => s.waiters.is_empty() && !s.locked,
                    LockBug::Bpo27585 => !s.locked && s.waiters.all_cancelled(),
                    // A permit is free only when nobody is queued.
                    LockBug::Tokio1898 => !s.locked,
                };
                if !free {
                    self.waiter = Some(s.waiters.push(cx.waker()));
                    return Poll::Pending;
                }
            }
            Some(key) if lock.bug == LockBug::Tokio1898 => {
                // The permit was assigned to this node by `unlock`: the lock is already taken.
                let Some(i) = s.assigned.iter().position(|k| *k == key) else {
                    s.waiters.is_woken(key, cx.waker()); // still queued: keep the newest waker
                    return Poll::Pending;
                };
                s.assigned.remove(i);
                self.waiter = None;
            }
            Some(key) if s.waiters.is_woken(key, cx.waker()) => {
                s.waiters.remove(key);
                self.waiter = None;
            }
            Some(_) => return Poll::Pending,
        }
        s.locked = true;
        lock.resource.record(|| Op::Grant);
        Poll::Ready(true)
    }
}

impl Drop for MutantAcquire<'_> {
    /// The bugs: the waiter leaves, taking any wake-up it received with it (BZ-L0, BZ-L2);
    /// or its node stays queued, and a permit assigned to it stays with it (TK-1).
    fn drop(&mut self) {
        if let Some(key) = self.waiter.take() {
            if self.lock.bug != LockBug::Tokio1898 {
                self.lock.state.borrow_mut().waiters.remove(key);
            }
            self.lock.resource.record(|| Op::Abandon);
        }
    }
}
