//! KT-1 and KT-2: the `Semaphore` of kotlinx.coroutines 1.3.0-M1 to 1.3.0-RC, ported from its
//! own algorithm (not weft's waiter list), as it is what the bugs are in.
//!
//! The state is a counter of available permits, negative by the number of waiters while some
//! wait, and an unbounded array of slots with two indices: `acquire` decrements the counter
//! and, if no permit was free, takes the next enqueue slot and suspends there; `release`
//! increments it and, if someone waited, resumes the next dequeue slot. A slot is empty, holds
//! a suspended waiter, is `RESUMED` (a permit handed to its waiter, or left for the acquirer
//! that has not reached it yet), or `CANCELLED`. Kotlin's acquisition is *atomically
//! cancellable*: a waiter resumed before its cancellation completes its `acquire` and gives
//! the permit back through `withPermit`'s `finally`; dropping a resumed future here does that
//! `release`. Over-release is an error (`check(cur < permits)`).

use crate::error::SemaphoreError;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use weft_traces::Resource;
use weft_traces::{Op, ResourceKind, TaskId};

/// Which historical kotlinx.coroutines Semaphore.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KotlinBug {
    /// KT-1 (kotlinx.coroutines 1.3.0-M1 and -M2, fixed by Kotlin/kotlinx.coroutines PR #1323,
    /// commit `9077b014b`, in 1.3.0-RC: "Cancellation in `Semaphore` should resume the next
    /// waiting acquirer if and only if the canceled request has been resumed under a race").
    /// The cancellation handler of a waiting `acquire` marks its slot `CANCELLED` and then
    /// calls `release()`, which gives back the waiter's decrement *and*, the counter being
    /// still negative with other waiters, resumes the next slot: a permit that does not exist.
    /// With `A` holding a 1-permit semaphore and `B`, `C` waiting, cancelling `C` resumes `B`
    /// while `A` holds it. The code is that of `9077b014b^`, which also ignores
    /// `acquiredPermits` (KT-2, fixed later): use it with `acquired = 0`.
    Pr1323,
    /// KT-2 (kotlinx.coroutines 1.3.0-M1 to 1.3.0-RC, Kotlin/kotlinx.coroutines#1422, fixed by
    /// PR #1423, commit `420fed989`, in 1.3.0-RC2: "Properly use acquired permits in
    /// Semaphore"). `Semaphore(permits, acquiredPermits)` starts with `atomic(permits)`
    /// available, ignoring `acquiredPermits`: callers get more permits than the semaphore
    /// declares free, and releasing a pre-acquired permit fails the over-release check. The
    /// code is that of `420fed989^` (KT-1 fixed).
    Issue1422,
}

/// A kotlinx.coroutines `Semaphore(permits, acquiredPermits)` with one of the historical bugs
/// of [`KotlinBug`]. Registered as a Semaphore of `permits - acquired` units (its initial
/// value), named "semaphore".
///
/// ```
/// use weft_primitives::mutants::{KotlinBug, KotlinSemaphore};
/// # futures::executor::block_on(async {
/// let sem = KotlinSemaphore::new(KotlinBug::Issue1422, 2, 1);
/// assert_eq!(sem.value(), 2); // the bug: one permit was declared acquired
/// assert!(sem.acquire().await);
/// sem.release().unwrap();
/// # });
/// ```
#[derive(Debug)]
pub struct KotlinSemaphore {
    bug: KotlinBug,
    permits: usize,
    state: RefCell<State>,
    resource: Resource,
}

#[derive(Debug)]
struct State {
    /// `_availablePermits`: free permits, or minus the number of waiters.
    available: isize,
    slots: Vec<Slot>,
    enq: usize,
    deq: usize,
}

#[derive(Debug)]
enum Slot {
    /// `null`.
    Empty,
    /// A suspended waiter.
    Waiting { waker: Waker, task: Option<TaskId> },
    /// `RESUMED`, its waiter not run yet (only the waiter count tells this from `Resumed`).
    Handed,
    /// `RESUMED`: the waiter took its permit, or a permit waits for the acquirer to come.
    Resumed,
    /// `CANCELLED`.
    Cancelled,
}

impl State {
    fn slot(&mut self, i: usize) -> &mut Slot {
        while self.slots.len() <= i {
            self.slots.push(Slot::Empty);
        }
        &mut self.slots[i]
    }
}

impl KotlinSemaphore {
    /// `Semaphore(permits, acquiredPermits = acquired)` with `bug`.
    ///
    /// # Panics
    /// As Kotlin's `require`s: with `permits == 0` or `acquired > permits`.
    pub fn new(bug: KotlinBug, permits: usize, acquired: usize) -> KotlinSemaphore {
        assert!(permits > 0, "Semaphore should have at least 1 permit, but had {permits}");
        assert!(acquired <= permits, "The number of acquired permits should be in 0..{permits}");
        let initial = permits - acquired;
        let resource = Resource::new(ResourceKind::Semaphore, "semaphore", Some(initial as u64), true);
        // The bug of both versions: `atomic(permits)`, not `atomic(permits - acquiredPermits)`.
        let state = State { available: permits as isize, slots: Vec::new(), enq: 0, deq: 0 };
        KotlinSemaphore { bug, permits, state: RefCell::new(state), resource }
    }

    /// `availablePermits`: `max(available, 0)`.
    pub fn value(&self) -> usize {
        self.state.borrow().available.max(0) as usize
    }

    /// How many acquires wait in a slot, or were resumed and have not run yet.
    pub fn waiters(&self) -> usize {
        let s = self.state.borrow();
        s.slots.iter().filter(|slot| matches!(slot, Slot::Waiting { .. } | Slot::Handed)).count()
    }

    /// `acquire()`.
    pub fn acquire(&self) -> KotlinAcquire<'_> {
        KotlinAcquire { sem: self, slot: None, started: false }
    }

    /// `release()`: fails as Kotlin's `check(cur < permits)` does when every permit is free.
    pub fn release(&self) -> Result<(), SemaphoreError> {
        let mut s = self.state.borrow_mut();
        self.inc_permits(&mut s, true)?;
        Ok(())
    }

    /// `incPermits()`, then (as `release()`) the resumption of the next slot if some task
    /// waited. `record` is false in the cancellation handler, which gives back a decrement,
    /// not a permit.
    fn inc_permits(&self, s: &mut State, record: bool) -> Result<(), SemaphoreError> {
        let p = s.available;
        if p >= self.permits as isize {
            let message = match self.bug {
                KotlinBug::Pr1323 => "The number of acquired permits cannot be greater than `permits`".to_string(),
                KotlinBug::Issue1422 => {
                    format!("The number of released permits cannot be greater than {}", self.permits)
                }
            };
            self.resource.record(|| Op::Misuse { message: format!("IllegalStateException: {message}") });
            return Err(SemaphoreError::ReleasedTooManyTimes);
        }
        s.available += 1;
        if record {
            self.resource.record(|| Op::Release);
        }
        if p < 0 {
            self.resume_next(s);
        }
        Ok(())
    }

    /// `resumeNextFromQueue()`.
    fn resume_next(&self, s: &mut State) {
        loop {
            let i = s.deq;
            s.deq += 1;
            match std::mem::replace(s.slot(i), Slot::Resumed) {
                Slot::Empty => return, // a permit for the acquirer to come
                Slot::Cancelled => match self.bug {
                    // "Cancelled continuation invokes `release` and resumes next suspended
                    // acquirer if needed": nothing here.
                    KotlinBug::Pr1323 => {
                        s.slots[i] = Slot::Cancelled;
                        return;
                    }
                    KotlinBug::Issue1422 => {
                        s.slots[i] = Slot::Cancelled;
                        continue;
                    }
                },
                Slot::Waiting { waker, task } => {
                    s.slots[i] = Slot::Handed;
                    if let Some(waiter) = task {
                        self.resource.record(|| Op::Wake { waiter });
                    }
                    waker.wake();
                    return;
                }
                Slot::Handed | Slot::Resumed => unreachable!("a slot is dequeued once"),
            }
        }
    }
}

/// The future of [`KotlinSemaphore::acquire`].
#[derive(Debug)]
pub struct KotlinAcquire<'a> {
    sem: &'a KotlinSemaphore,
    slot: Option<usize>,
    started: bool,
}

impl Future for KotlinAcquire<'_> {
    type Output = bool;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let sem = self.sem;
        let mut s = sem.state.borrow_mut();
        if !self.started {
            self.started = true;
            sem.resource.record(|| Op::Request);
            let p = s.available;
            s.available -= 1;
            if p > 0 {
                sem.resource.record(|| Op::Grant);
                return Poll::Ready(true);
            }
            // `addToQueueAndSuspend()`.
            let i = s.enq;
            s.enq += 1;
            if let Slot::Resumed = s.slot(i) {
                sem.resource.record(|| Op::Grant); // already resumed
                return Poll::Ready(true);
            }
            *s.slot(i) = Slot::Waiting { waker: cx.waker().clone(), task: weft_traces::resource::current_task() };
            self.slot = Some(i);
            return Poll::Pending;
        }
        let Some(i) = self.slot else {
            return Poll::Pending;
        };
        match s.slot(i) {
            Slot::Handed => {
                s.slots[i] = Slot::Resumed;
                self.slot = None;
                sem.resource.record(|| Op::Grant);
                Poll::Ready(true)
            }
            Slot::Waiting { waker, .. } => {
                if !waker.will_wake(cx.waker()) {
                    *waker = cx.waker().clone();
                }
                Poll::Pending
            }
            _ => Poll::Pending,
        }
    }
}

impl Drop for KotlinAcquire<'_> {
    fn drop(&mut self) {
        let Some(i) = self.slot.take() else { return };
        let sem = self.sem;
        let mut s = sem.state.borrow_mut();
        sem.resource.record(|| Op::Abandon);
        let handed = matches!(s.slots[i], Slot::Handed);
        let released = if handed {
            // Resumed before the cancellation: Kotlin's acquire completes, and `withPermit`'s
            // `finally` releases the permit.
            s.slots[i] = Slot::Resumed;
            sem.inc_permits(&mut s, false)
        } else {
            // The cancellation handler of a waiting acquire.
            match sem.bug {
                // `segment.cancel(index); semaphore.release()`: always resumes the next slot.
                KotlinBug::Pr1323 => {
                    s.slots[i] = Slot::Cancelled;
                    sem.inc_permits(&mut s, false)
                }
                // `incPermits(); if (segment.cancel(index)) return; resumeNextFromQueue()`.
                KotlinBug::Issue1422 => {
                    let p = s.available;
                    s.slots[i] = Slot::Cancelled;
                    if p >= sem.permits as isize {
                        Err(SemaphoreError::ReleasedTooManyTimes)
                    } else {
                        s.available += 1;
                        Ok(())
                    }
                }
            }
        };
        if released.is_err() && !std::thread::panicking() {
            panic!("IllegalStateException in a cancelled acquire: more permits released than the semaphore has");
        }
    }
}
