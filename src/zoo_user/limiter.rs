//! TR-1: trio's `CapacityLimiter`, ported as a user-style primitive.
//!
//! **Invariant its bug breaks:** every pending-borrower entry belongs to a task still waiting
//! in `acquire` (no entry outlives its waiter).
//!
//! Source: issue <https://github.com/python-trio/trio/issues/548>, fixed by commit
//! `4e13a759480b5cc99338c431879e757db76ab6be`; trio 0.2.0–0.5.0 affected, fixed in 0.6.0
//! (release notes: "Fix a memory leak in `trio.CapacityLimiter`, that could occur when
//! `acquire` or `acquire_on_behalf_of` was cancelled. (#548)").
//!
//! trio's algorithm: `_borrowers` (a set), `_pending_borrowers` (task → borrower) and a
//! parking lot. `acquire_on_behalf_of` takes a token when one is free and nobody is parked;
//! otherwise it records `_pending_borrowers[task] = borrower` and parks. `release` hands the
//! token straight to the first parked task, moving its borrower from `_pending_borrowers` to
//! `_borrowers`. Before the fix, a cancelled `park()` left the task's entry in
//! `_pending_borrowers` forever; the fix pops it in `except Cancelled`. The mutant
//! ([`Limiter::mutant`]) leaves it. Only a leak: grants are unaffected, since `release`
//! unparks from the lot, which no longer holds the task.
//!
//! Described as a FIFO held resource of `total` units ([`Resource::foreign`]): `request` at
//! every acquire, `grant` when the acquiring task has the token, `release` at every release,
//! `wake` for the hand-off, `abandon` for a cancelled wait, so every checker of a held
//! resource applies. Waiters whose task is being cancelled ([`resource::is_cancelling`]) are
//! skipped by the hand-off (trio's cancelled task is no longer parked) and do not block the
//! fast path, as asyncio's Lock.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use weft_traces::resource::{self, Resource};
use weft_traces::TaskId;

/// A capacity limiter of `total` tokens, each held on behalf of a borrower, as trio's.
///
/// ```
/// use weft::zoo_user::limiter::Limiter;
/// # futures::executor::block_on(async {
/// let limiter = Limiter::new(1);
/// limiter.acquire(7).await;
/// assert_eq!(limiter.borrowed_tokens(), 1);
/// limiter.release(7);
/// assert_eq!(limiter.pending_borrowers(), 0);
/// # });
/// ```
pub struct Limiter {
    total: usize,
    borrowers: RefCell<BTreeSet<u64>>,
    pending: RefCell<BTreeMap<u64, u64>>,
    lot: RefCell<VecDeque<Rc<Parked>>>,
    ticket: Cell<u64>,
    res: Resource,
    pop_on_cancel: bool,
}

struct Parked {
    ticket: u64,
    task: Option<TaskId>,
    woken: Cell<bool>,
    waker: RefCell<Waker>,
}

impl Parked {
    fn cancelling(&self) -> bool {
        self.task.is_some_and(resource::is_cancelling)
    }
}

impl Limiter {
    /// The correct limiter (trio 0.6.0).
    pub fn new(total: usize) -> Limiter {
        Limiter::build(total, true)
    }

    /// The historical mutant (trio 0.2.0–0.5.0): a cancelled `acquire` leaves its
    /// pending-borrower entry behind.
    #[cfg(feature = "mutants")]
    pub fn mutant(total: usize) -> Limiter {
        Limiter::build(total, false)
    }

    fn build(total: usize, pop_on_cancel: bool) -> Limiter {
        Limiter {
            total,
            borrowers: RefCell::default(),
            pending: RefCell::default(),
            lot: RefCell::default(),
            ticket: Cell::new(0),
            res: Resource::foreign("limiter", total as u64, true),
            pop_on_cancel,
        }
    }

    /// `borrowed_tokens`.
    pub fn borrowed_tokens(&self) -> usize {
        self.borrowers.borrow().len()
    }

    /// The entries of `_pending_borrowers`.
    pub fn pending_borrowers(&self) -> usize {
        self.pending.borrow().len()
    }

    /// `acquire_on_behalf_of(borrower)`: waits for a token held on behalf of `borrower`.
    /// Dropping the future is trio's cancellation.
    pub fn acquire(&self, borrower: u64) -> Acquire<'_> {
        Acquire { limiter: self, borrower, parked: None }
    }

    /// `release_on_behalf_of(borrower)`: gives its token back, straight to the first parked
    /// task if any.
    ///
    /// # Panics
    /// When `borrower` holds no token (trio's `RuntimeError`).
    pub fn release(&self, borrower: u64) {
        let held = self.borrowers.borrow_mut().remove(&borrower);
        assert!(held, "this borrower isn't holding any of this CapacityLimiter's tokens");
        self.res.release();
        self.unpark_one();
    }

    /// Hands the free token to the first parked task that is not being cancelled.
    fn unpark_one(&self) {
        let mut lot = self.lot.borrow_mut();
        let Some(i) = lot.iter().position(|p| !p.cancelling()) else { return };
        let Some(p) = lot.remove(i) else { return };
        let borrower = self.pending.borrow_mut().remove(&p.ticket);
        if let Some(b) = borrower {
            self.borrowers.borrow_mut().insert(b);
        }
        p.woken.set(true);
        if let Some(task) = p.task {
            self.res.wake(task);
        }
        p.waker.borrow().wake_by_ref();
    }
}

/// The future of [`Limiter::acquire`].
#[must_use = "futures do nothing unless awaited"]
pub struct Acquire<'a> {
    limiter: &'a Limiter,
    borrower: u64,
    parked: Option<Rc<Parked>>,
}

impl Future for Acquire<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let l = self.limiter;
        match &self.parked {
            None => {
                l.res.request();
                let free = l.borrowers.borrow().len() < l.total && l.lot.borrow().iter().all(|p| p.cancelling());
                if free {
                    l.borrowers.borrow_mut().insert(self.borrower);
                    l.res.grant();
                    return Poll::Ready(());
                }
                let ticket = l.ticket.get();
                l.ticket.set(ticket + 1);
                l.pending.borrow_mut().insert(ticket, self.borrower);
                let parked = Rc::new(Parked {
                    ticket,
                    task: resource::current_task(),
                    woken: Cell::new(false),
                    waker: RefCell::new(cx.waker().clone()),
                });
                l.lot.borrow_mut().push_back(parked.clone());
                self.parked = Some(parked);
                Poll::Pending
            }
            Some(p) if p.woken.get() => {
                self.parked = None;
                l.res.grant(); // the token release handed to us
                Poll::Ready(())
            }
            Some(p) => {
                *p.waker.borrow_mut() = cx.waker().clone();
                Poll::Pending
            }
        }
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(p) = self.parked.take() else { return };
        let l = self.limiter;
        l.res.abandon();
        if p.woken.get() {
            // Handed a token and cancelled before running: pass it on.
            l.borrowers.borrow_mut().remove(&self.borrower);
            l.unpark_one();
            return;
        }
        l.lot.borrow_mut().retain(|x| !Rc::ptr_eq(x, &p));
        if l.pop_on_cancel {
            l.pending.borrow_mut().remove(&p.ticket);
        }
    }
}
