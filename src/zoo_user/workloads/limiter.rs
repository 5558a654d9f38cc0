//! The capacity-limiter workload (TR-1).

use super::{patience, pause};
use crate::zoo_user::limiter::Limiter;
use std::cell::Cell;
use std::rc::Rc;
use weft_sim::{invariant, random_range, spawn, timeout};

/// Four workers, each its own borrower, share `limiter` for three rounds: acquire (waiting or
/// with a timeout), hold across a pause, release. Rule "no pending borrower without a waiter",
/// checked after every step: the limiter's pending-borrower entries never outnumber the
/// workers still inside `acquire`.
///
/// ```
/// use weft::{zoo_user::{limiter::Limiter, workloads}, Runtime};
/// use std::rc::Rc;
/// let run = Runtime::new().seed(2).run(workloads::limiter(Rc::new(Limiter::new(2))));
/// assert!(run.is_ok(), "{:?}", run.failure);
/// ```
pub async fn limiter(limiter: Rc<Limiter>) {
    let waiting = Rc::new(Cell::new(0usize));
    let (watched, w) = (limiter.clone(), waiting.clone());
    invariant("no pending borrower without a waiter", move || match (watched.pending_borrowers(), w.get()) {
        (pending, waiting) if pending > waiting => {
            Err(format!("{pending} pending-borrower entries, but only {waiting} tasks wait in acquire"))
        }
        _ => Ok(()),
    });
    let workers: Vec<_> = (1..=4u64)
        .map(|borrower| {
            let (limiter, waiting) = (limiter.clone(), waiting.clone());
            spawn(format!("worker{borrower}"), async move {
                for _ in 0..3 {
                    let acquired = {
                        let _inside = Inside::enter(&waiting);
                        match random_range(0..=1) {
                            0 => {
                                limiter.acquire(borrower).await;
                                true
                            }
                            _ => timeout(patience(), limiter.acquire(borrower)).await.is_ok(),
                        }
                    };
                    if acquired {
                        let _back = Release { limiter: &limiter, borrower };
                        pause().await;
                    } else {
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

/// Counts a task inside `acquire` until dropped (also on cancellation).
struct Inside<'a>(&'a Cell<usize>);

impl<'a> Inside<'a> {
    fn enter(count: &'a Cell<usize>) -> Inside<'a> {
        count.set(count.get() + 1);
        Inside(count)
    }
}

impl Drop for Inside<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

/// Releases on behalf of `borrower` when dropped (also on cancellation).
struct Release<'a> {
    limiter: &'a Limiter,
    borrower: u64,
}

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.limiter.release(self.borrower);
    }
}
