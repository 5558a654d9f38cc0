//! The Lock workload.

use super::{patience, pause};
use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use weft_primitives::{Lock, LockError};
use weft_sim::{random_range, spawn, timeout};

/// What the Lock workload needs of a lock.
pub trait LockLike: 'static {
    /// Takes the lock, waiting if needed.
    fn acquire(&self) -> impl Future<Output = bool> + '_;
    /// Gives it back.
    fn release(&self) -> Result<(), LockError>;
    /// Whether it is held.
    fn locked(&self) -> bool;
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
}

/// Releases the lock when dropped (also when its task is cancelled), as `async with` does.
struct Held<'a, L: LockLike> {
    lock: &'a L,
    holders: &'a Cell<u32>,
}

impl<L: LockLike> Drop for Held<'_, L> {
    fn drop(&mut self) {
        self.holders.set(self.holders.get() - 1);
        self.lock.release().expect("a holder releases a lock it holds");
    }
}

/// Three workers, three rounds each: take the lock (waiting, or with a timeout), hold it across
/// a pause, release it; or just pause. Asserts at most one holder at a time, and that the lock
/// ends free.
///
/// ```
/// use weft::{workloads, Lock, Runtime};
/// use std::rc::Rc;
/// let run = Runtime::new().seed(4).run(workloads::lock(Rc::new(Lock::new())));
/// assert!(run.is_ok(), "{:?}", run.failure);
/// ```
pub async fn lock<L: LockLike>(lock: Rc<L>) {
    let holders = Rc::new(Cell::new(0u32));
    let workers: Vec<_> = (1..=3)
        .map(|i| {
            let (lock, holders) = (lock.clone(), holders.clone());
            spawn(format!("worker{i}"), async move {
                for _ in 0..3 {
                    let acquired = match random_range(0..=2) {
                        0 => lock.acquire().await,
                        1 => timeout(patience(), lock.acquire()).await.unwrap_or(false),
                        _ => false,
                    };
                    if acquired {
                        holders.set(holders.get() + 1);
                        assert_eq!(holders.get(), 1, "two tasks hold the lock at once");
                        let _held = Held { lock: &*lock, holders: &holders };
                        pause().await;
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
}
