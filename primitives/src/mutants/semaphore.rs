//! BZ-S1, BZ-S2 and BZ-S3: three historical Semaphores.

use crate::waiters::{WaitList, WaiterKey};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft_traces::Resource;

/// Which historical Semaphore.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SemaphoreBug {
    /// BZ-S1 (python/asyncio#270, the 3.4 original): the fast path is `not waiters and value >
    /// 0`; a woken waiter decrements `value` when it runs; `release()` wakes the first not-done
    /// waiter; no cancellation handling. A waiter woken and cancelled before it runs leaves the
    /// permit free and the next waiter asleep.
    Asyncio270,
    /// BZ-S2 (bpo-45997 / gh-90155, 3.8): `while value <= 0: wait` then `value -= 1`; `release`
    /// pops and wakes one waiter without reserving. A task that releases and re-acquires in one
    /// step takes the permit back; the woken waiter finds 0 and requeues at the tail: not FIFO.
    Bpo45997,
    /// BZ-S3 (gh-90155 follow-up, 3.9.12+ and 3.10.4–3.10.7): a `_wakeup_scheduled` flag, set
    /// when a waiter is woken and reset only after a normal wake-up, blocks the fast path. A
    /// woken waiter cancelled before it runs leaves the flag set with nobody to reset it: every
    /// later `acquire()` hangs.
    Gh90155,
}

/// A Semaphore with one of the historical bugs of [`SemaphoreBug`].
///
/// ```
/// use weft_primitives::mutants::{MutantSemaphore, SemaphoreBug};
/// # futures::executor::block_on(async {
/// let sem = MutantSemaphore::new(SemaphoreBug::Bpo45997, 1);
/// assert!(sem.acquire().await);
/// sem.release();
/// # });
/// ```
#[derive(Debug)]
pub struct MutantSemaphore {
    bug: SemaphoreBug,
    state: RefCell<State>,
    resource: Resource,
}

#[derive(Debug, Default)]
struct State {
    value: usize,
    waiters: WaitList,
    /// BZ-S3's flag.
    wakeup_scheduled: bool,
}

impl MutantSemaphore {
    /// A semaphore with `value` permits and `bug`, registered as a Semaphore named "semaphore".
    pub fn new(bug: SemaphoreBug, value: usize) -> MutantSemaphore {
        let resource = Resource::semaphore("semaphore", value as u64);
        MutantSemaphore { bug, state: RefCell::new(State { value, ..State::default() }), resource }
    }

    /// Free permits.
    pub fn value(&self) -> usize {
        self.state.borrow().value
    }

    /// How many acquires are listed waiting (still waiting, or woken and not yet run).
    pub fn waiters(&self) -> usize {
        self.state.borrow().waiters.len()
    }

    /// Acquires a permit.
    pub fn acquire(&self) -> MutantSemaphoreAcquire<'_> {
        MutantSemaphoreAcquire { sem: self, waiter: None, requested: false }
    }

    /// Returns a permit and wakes a waiter, the historical way.
    pub fn release(&self) {
        let mut s = self.state.borrow_mut();
        s.value += 1;
        self.resource.release();
        self.wake_up_next(&mut s);
    }

    fn wake_up_next(&self, s: &mut State) {
        if s.waiters.wake_next(1, &self.resource) == 1 && self.bug == SemaphoreBug::Gh90155 {
            s.wakeup_scheduled = true;
        }
    }
}

/// The future of [`MutantSemaphore::acquire`].
#[derive(Debug)]
pub struct MutantSemaphoreAcquire<'a> {
    sem: &'a MutantSemaphore,
    waiter: Option<WaiterKey>,
    requested: bool,
}

impl Future for MutantSemaphoreAcquire<'_> {
    type Output = bool;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let sem = self.sem;
        let mut s = sem.state.borrow_mut();
        if !self.requested {
            self.requested = true;
            sem.resource.request();
        }
        if let Some(key) = self.waiter {
            if !s.waiters.is_woken(key, cx.waker()) {
                return Poll::Pending;
            }
            s.waiters.remove(key);
            self.waiter = None;
            if sem.bug == SemaphoreBug::Gh90155 {
                s.wakeup_scheduled = false; // reset *after* waiting for a future
            }
            if sem.bug == SemaphoreBug::Asyncio270 {
                return self.take(&mut s); // the woken waiter decrements without re-checking
            }
        }
        let must_wait = match sem.bug {
            SemaphoreBug::Asyncio270 => !s.waiters.is_empty() || s.value == 0,
            SemaphoreBug::Bpo45997 => s.value == 0,
            SemaphoreBug::Gh90155 => s.wakeup_scheduled || s.value == 0,
        };
        if must_wait {
            self.waiter = Some(s.waiters.push(cx.waker()));
            return Poll::Pending;
        }
        self.take(&mut s)
    }
}

impl MutantSemaphoreAcquire<'_> {
    fn take(&mut self, s: &mut State) -> Poll<bool> {
        s.value = s.value.saturating_sub(1);
        self.sem.resource.grant();
        Poll::Ready(true)
    }
}

impl Drop for MutantSemaphoreAcquire<'_> {
    fn drop(&mut self) {
        let Some(key) = self.waiter.take() else { return };
        let sem = self.sem;
        let mut s = sem.state.borrow_mut();
        let woken = s.waiters.remove(key) == Some(true);
        sem.resource.abandon();
        match sem.bug {
            SemaphoreBug::Asyncio270 => {} // no cancellation handling at all
            // `except: fut.cancel(); if value > 0 and not fut.cancelled(): _wake_up_next()`
            SemaphoreBug::Bpo45997 => {
                if woken && s.value > 0 {
                    sem.wake_up_next(&mut s);
                }
            }
            // `except CancelledError: _wake_up_next(); raise`, leaving the flag as it was.
            SemaphoreBug::Gh90155 => sem.wake_up_next(&mut s),
        }
    }
}
