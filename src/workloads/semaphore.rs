//! The Semaphore workload.

use super::{patience, pause};
use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use weft_primitives::Semaphore;
use weft_sim::{random_range, spawn, timeout};

/// What the Semaphore workload needs of a semaphore.
pub trait SemaphoreLike: 'static {
    /// Takes a permit, waiting if needed.
    fn acquire(&self) -> impl Future<Output = bool> + '_;
    /// Gives one back.
    fn release(&self);
}

impl SemaphoreLike for Semaphore {
    fn acquire(&self) -> impl Future<Output = bool> + '_ {
        Semaphore::acquire(self)
    }
    fn release(&self) {
        Semaphore::release(self)
    }
}

#[cfg(feature = "mutants")]
impl SemaphoreLike for weft_primitives::mutants::MutantSemaphore {
    fn acquire(&self) -> impl Future<Output = bool> + '_ {
        weft_primitives::mutants::MutantSemaphore::acquire(self)
    }
    fn release(&self) {
        weft_primitives::mutants::MutantSemaphore::release(self)
    }
}

/// Gives a permit back when dropped (also on cancellation).
struct Permit<'a, S: SemaphoreLike> {
    sem: &'a S,
    holders: &'a Cell<usize>,
}

impl<S: SemaphoreLike> Drop for Permit<'_, S> {
    fn drop(&mut self) {
        self.holders.set(self.holders.get() - 1);
        self.sem.release();
    }
}

/// Four workers share a semaphore of `permits`, three rounds each: take a permit (waiting, or
/// with a timeout), hold it across a pause, and give it back, sometimes taking it again at once
/// in the same step (the release-then-reacquire that broke FIFO in BZ-S2). Asserts at most
/// `permits` holders at a time.
///
/// ```
/// use weft::{workloads, Runtime, Semaphore};
/// use std::rc::Rc;
/// let run = Runtime::new().seed(2).run(workloads::semaphore(Rc::new(Semaphore::new(2)), 2));
/// assert!(run.is_ok(), "{:?}", run.failure);
/// ```
pub async fn semaphore<S: SemaphoreLike>(sem: Rc<S>, permits: usize) {
    let holders = Rc::new(Cell::new(0usize));
    let workers: Vec<_> = (1..=4)
        .map(|i| {
            let (sem, holders) = (sem.clone(), holders.clone());
            spawn(format!("worker{i}"), async move {
                for _ in 0..3 {
                    let acquired = match random_range(0..=2) {
                        0 | 1 => sem.acquire().await,
                        _ => timeout(patience(), sem.acquire()).await.unwrap_or(false),
                    };
                    if !acquired {
                        continue;
                    }
                    holders.set(holders.get() + 1);
                    assert!(holders.get() <= permits, "{} tasks hold a semaphore of {permits}", holders.get());
                    let held = Permit { sem: &*sem, holders: &holders };
                    pause().await;
                    if random_range(0..=1) == 0 {
                        drop(held);
                        sem.acquire().await; // release, then acquire again in the same step
                        holders.set(holders.get() + 1);
                        let _again = Permit { sem: &*sem, holders: &holders };
                        pause().await;
                    }
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.await;
    }
}
