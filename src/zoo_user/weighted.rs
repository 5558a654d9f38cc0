//! GO-1: Go's `golang.org/x/sync/semaphore.Weighted`, ported as a user-style primitive.
//!
//! **Invariant its bug breaks:** while waiters are listed, the head waiter is not left waiting
//! when its request fits in the free tokens (`size - cur >= n(head)`): the head would be woken.
//!
//! Source: commit `43a5402ce75a95522677f77c619865d66b8c57ab` ("semaphore: unblock waiters when
//! the front waiter cancels", <https://github.com/golang/sync/pull/10>, reviewed on
//! <https://go-review.googlesource.com/c/sync/+/223418>). Affected: x/sync from `5a06fca`
//! (2017-03-17, the first `Weighted`) to the fix, pseudo-version
//! `v0.0.0-20200317015054-43a5402ce75a`.
//!
//! Go's algorithm exactly: `size`, `cur`, a FIFO list of `{n, ready}`; `Acquire(n)` takes the
//! fast path only when `n` fits *and* nobody waits; `Release(n)` runs `notifyWaiters`, which
//! grants from the front while the front fits. Before the fix, a cancelled waiter was removed
//! from the list without waking anybody, so when the front waiter (a large request) gives up,
//! the smaller ones behind it sleep on free tokens. The fix: `isFront && size > cur` →
//! `notifyWaiters()`. The mutant ([`Weighted::mutant`]) drops those two lines.
//!
//! One honest difference: Go's `select` may see `ready` after the cancellation and keep the
//! tokens; a dropped Rust future cannot return, so a woken waiter dropped before it runs gives
//! its `n` back and notifies (what x/sync does since `14be23e`). Only the unwoken front is buggy.
//!
//! Described to the checkers as a held resource of `size` units ([`Resource::foreign`]): each
//! grant of `n` tokens is `grant_units(n)` when the acquiring task runs, each release
//! `release_units(n)`, so capacity is checked. The waiters are not recorded as unit requests:
//! the checkers' work conservation counts units, not weights, and would call a correct head
//! that does not fit a lost wake-up. The weighted rule is the workload's own
//! ([`workloads::weighted`](super::workloads::weighted)), over [`Weighted::blocked_head`].

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use weft_traces::resource::Resource;

/// A weighted semaphore of `size` tokens, FIFO, as Go's `semaphore.Weighted`.
///
/// ```
/// use weft::zoo_user::weighted::Weighted;
/// # futures::executor::block_on(async {
/// let sem = Weighted::new(10);
/// assert!(sem.acquire(3).await);
/// assert!(!sem.try_acquire(8));
/// sem.release(3);
/// assert!(sem.try_acquire(10));
/// # });
/// ```
pub struct Weighted {
    size: u64,
    cur: Cell<u64>,
    waiters: RefCell<VecDeque<Rc<Waiter>>>,
    res: Resource,
    wake_on_front_cancel: bool,
}

struct Waiter {
    n: u64,
    ready: Cell<bool>,
    waker: RefCell<Waker>,
}

impl Weighted {
    /// The correct semaphore (x/sync after `43a5402`).
    pub fn new(size: u64) -> Weighted {
        Weighted::build(size, true)
    }

    /// The historical mutant (x/sync before `43a5402`): a cancelled front waiter is removed
    /// without waking the waiters behind it.
    #[cfg(feature = "mutants")]
    pub fn mutant(size: u64) -> Weighted {
        Weighted::build(size, false)
    }

    fn build(size: u64, wake_on_front_cancel: bool) -> Weighted {
        let res = Resource::foreign("weighted", size, true);
        Weighted { size, cur: Cell::new(0), waiters: RefCell::new(VecDeque::new()), res, wake_on_front_cancel }
    }

    /// Its size (the tokens it has).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The tokens free now (`size - cur`).
    pub fn available(&self) -> u64 {
        self.size - self.cur.get()
    }

    /// The request of the head waiter when it is still waiting (not made ready), with the
    /// tokens free: what the workload's rule reads.
    pub fn blocked_head(&self) -> Option<(u64, u64)> {
        let waiters = self.waiters.borrow();
        let head = waiters.front()?;
        (!head.ready.get()).then(|| (head.n, self.available()))
    }

    /// `Acquire(ctx, n)`: waits for `n` tokens; true once they are held. Dropping the future
    /// is the context's cancellation. `n` above the size waits until dropped, as in Go.
    pub fn acquire(&self, n: u64) -> Acquire<'_> {
        Acquire { sem: self, n, waiter: None }
    }

    /// `TryAcquire(n)`: the fast path only.
    pub fn try_acquire(&self, n: u64) -> bool {
        let ok = self.available() >= n && self.waiters.borrow().is_empty();
        if ok {
            self.cur.set(self.cur.get() + n);
            self.res.grant_units(n);
        }
        ok
    }

    /// `Release(n)`.
    ///
    /// # Panics
    /// When more tokens are released than held, as Go's `panic("semaphore: released more than held")`.
    pub fn release(&self, n: u64) {
        assert!(self.cur.get() >= n, "semaphore: released more than held");
        self.cur.set(self.cur.get() - n);
        self.res.release_units(n);
        self.notify_waiters();
    }

    fn notify_waiters(&self) {
        let mut waiters = self.waiters.borrow_mut();
        while let Some(front) = waiters.front() {
            if self.available() < front.n {
                break; // FIFO: no smaller request passes a larger one at the front
            }
            self.cur.set(self.cur.get() + front.n);
            front.ready.set(true);
            front.waker.borrow().wake_by_ref();
            waiters.pop_front();
        }
    }
}

/// The future of [`Weighted::acquire`].
#[must_use = "futures do nothing unless awaited"]
pub struct Acquire<'a> {
    sem: &'a Weighted,
    n: u64,
    waiter: Option<Rc<Waiter>>,
}

impl Future for Acquire<'_> {
    type Output = bool;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let sem = self.sem;
        match &self.waiter {
            None => {
                if sem.try_acquire(self.n) {
                    return Poll::Ready(true);
                }
                let waiter =
                    Rc::new(Waiter { n: self.n, ready: Cell::new(false), waker: RefCell::new(cx.waker().clone()) });
                sem.waiters.borrow_mut().push_back(waiter.clone());
                self.waiter = Some(waiter);
                Poll::Pending
            }
            Some(w) if w.ready.get() => {
                sem.res.grant_units(self.n); // the tokens notifyWaiters reserved, taken now
                self.waiter = None;
                Poll::Ready(true)
            }
            Some(w) => {
                *w.waker.borrow_mut() = cx.waker().clone();
                Poll::Pending
            }
        }
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(w) = self.waiter.take() else { return };
        let sem = self.sem;
        if w.ready.get() {
            // Reserved for us, not taken: give it back (x/sync since 14be23e).
            sem.cur.set(sem.cur.get() - w.n);
            sem.notify_waiters();
            return;
        }
        let is_front = {
            let mut waiters = sem.waiters.borrow_mut();
            let is_front = waiters.front().is_some_and(|f| Rc::ptr_eq(f, &w));
            waiters.retain(|x| !Rc::ptr_eq(x, &w));
            is_front
        };
        if sem.wake_on_front_cancel && is_front && sem.size > sem.cur.get() {
            sem.notify_waiters();
        }
    }
}
