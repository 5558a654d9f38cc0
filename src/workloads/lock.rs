//! The Lock workload: acquire (waiting, or with a timeout), hold, release, and release-then-
//! acquire-again in one step.

use super::timing::{pause, Timing};
use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use weft_primitives::{Lock, LockError};
use weft_sim::{random_range, spawn};

/// What the Lock workload needs of a lock.
///
/// ```
/// use weft::workloads::LockLike;
/// use weft::{Lock, Runtime};
/// fn locked_after_acquire<L: LockLike>(lock: &L) -> impl std::future::Future<Output = bool> + '_ {
///     async move { lock.acquire().await && lock.locked() }
/// }
/// let run = Runtime::new().run(async { locked_after_acquire(&Lock::new()).await });
/// assert_eq!(run.output, Some(true));
/// ```
pub trait LockLike: 'static {
    /// Takes the lock, waiting if needed; `true` once it holds it. Dropping the future while it
    /// waits withdraws the request.
    fn acquire(&self) -> impl Future<Output = bool> + '_;
    /// Gives it back.
    fn release(&self) -> Result<(), LockError>;
    /// Whether it is held.
    fn locked(&self) -> bool;
    /// How many tasks are listed waiting for it (still waiting, or woken and not yet run).
    fn waiters(&self) -> usize;
}

impl LockLike for Lock {
    fn acquire(&self) -> impl Future<Output = bool> + '_ {
        Lock::acquire(self)
    }
    fn release(&self) -> Result<(), LockError> {
        Lock::release(self)
    }
    fn locked(&self) -> bool {
        Lock::locked(self)
    }
    fn waiters(&self) -> usize {
        Lock::waiters(self)
    }
}

#[cfg(feature = "mutants")]
impl LockLike for weft_primitives::mutants::MutantLock {
    fn acquire(&self) -> impl Future<Output = bool> + '_ {
        weft_primitives::mutants::MutantLock::acquire(self)
    }
    fn release(&self) -> Result<(), LockError> {
        weft_primitives::mutants::MutantLock::release(self)
    }
    fn locked(&self) -> bool {
        weft_primitives::mutants::MutantLock::locked(self)
    }
    fn waiters(&self) -> usize {
        weft_primitives::mutants::MutantLock::waiters(self)
    }
}

/// One round of a Lock worker, drawn from the run.
///
/// ```
/// use weft::workloads::LockOp;
/// use weft::Runtime;
/// let run = Runtime::new().seed(9).run(async { (0..30).map(|_| LockOp::draw()).collect::<Vec<_>>() });
/// let ops = run.output.unwrap();
/// assert!(ops.contains(&LockOp::Skip));
/// assert!(ops.iter().any(|op| matches!(op, LockOp::Retake(_))));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockOp {
    /// Take the lock (as [`Timing`] says), hold it across a [`pause`], release it.
    Hold(Timing),
    /// As `Hold`, then release it and at once, in the same step, take it again (untimed): a
    /// newcomer racing the waiter the release woke, which it must not pass.
    Retake(Timing),
    /// Leave the lock alone this round.
    Skip,
}

impl LockOp {
    /// `Hold` one time in two, `Retake` and `Skip` one in four each.
    pub fn draw() -> LockOp {
        match random_range(0..=3) {
            0 | 1 => LockOp::Hold(Timing::draw()),
            2 => LockOp::Retake(Timing::draw()),
            _ => LockOp::Skip,
        }
    }
}

/// The workload's own count of holders, against which it checks the lock.
#[derive(Default)]
struct Holders(Cell<u32>);

/// Releases the lock when dropped (also when its task is cancelled), as `async with` does.
struct Held<'a, L: LockLike> {
    lock: &'a L,
    holders: &'a Holders,
}

impl<L: LockLike> Drop for Held<'_, L> {
    fn drop(&mut self) {
        self.holders.0.set(self.holders.0.get() - 1);
        let released = self.lock.release();
        if !std::thread::panicking() {
            released.expect("a holder releases a lock it holds");
        }
    }
}

/// Takes `lock` as `timing` says; the hold, or `None` if the timeout expired first.
async fn take<'a, L: LockLike>(lock: &'a L, holders: &'a Holders, timing: Timing) -> Option<Held<'a, L>> {
    if !timing.run(lock.acquire()).await? {
        return None;
    }
    holders.0.set(holders.0.get() + 1);
    assert_eq!(holders.0.get(), 1, "two tasks hold the lock at once");
    assert!(lock.locked(), "a task holds the lock, yet locked() is false");
    Some(Held { lock, holders })
}

/// Three workers, three rounds of [`LockOp`] each: take the lock (waiting, or with a timeout
/// that cancels the request while it waits or after its hand-off), hold it across a pause and
/// release it, sometimes taking it again at once in the same step; or just pause. Asserts at
/// most one holder at a time and `locked()` while one holds it; once every worker is done,
/// that the lock is free, lists no waiter, and refuses a release.
///
/// ```
/// use weft::{workloads, Lock, Runtime};
/// use std::rc::Rc;
/// let run = Runtime::new().seed(4).run(workloads::lock(Rc::new(Lock::new())));
/// assert!(run.is_ok(), "{:?}", run.failure);
/// ```
pub async fn lock<L: LockLike>(lock: Rc<L>) {
    let holders = Rc::new(Holders::default());
    let workers: Vec<_> = (1..=3)
        .map(|i| {
            let (lock, holders) = (lock.clone(), holders.clone());
            spawn(format!("worker{i}"), async move {
                for _ in 0..3 {
                    let (timing, again) = match LockOp::draw() {
                        LockOp::Hold(timing) => (timing, false),
                        LockOp::Retake(timing) => (timing, true),
                        LockOp::Skip => {
                            pause().await;
                            continue;
                        }
                    };
                    if let Some(held) = take(&*lock, &holders, timing).await {
                        pause().await;
                        drop(held);
                        if again {
                            // Released; take it again before anything else runs.
                            let held = take(&*lock, &holders, Timing::Untimed).await;
                            pause().await;
                            drop(held);
                        }
                    }
                    pause().await;
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.await; // a worker may be cancelled by a fault
    }
    assert!(!lock.locked(), "every holder released the lock, yet it is still locked");
    let waiters = lock.waiters();
    assert_eq!(waiters, 0, "no task waits for the lock, yet it lists {waiters} waiter(s)");
    assert!(lock.release().is_err(), "release() of a free lock was accepted (asyncio raises RuntimeError)");
}
