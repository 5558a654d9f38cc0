//! The weighted-semaphore workload (GO-1).

use super::{patience, pause};
use crate::zoo_user::weighted::Weighted;
use std::rc::Rc;
use weft_sim::{invariant, random_range, spawn, timeout};

/// Four workers share `sem`, three rounds each: ask for 1 to `size` tokens (waiting, with a
/// timeout, or `try_acquire`), hold them across a pause, give them back. Rule "weighted head
/// served", checked after every step: the head waiter is never left waiting while its request
/// fits in the free tokens.
///
/// ```
/// use weft::{zoo_user::{weighted::Weighted, workloads}, Runtime};
/// use std::rc::Rc;
/// let run = Runtime::new().seed(2).run(workloads::weighted(Rc::new(Weighted::new(3))));
/// assert!(run.is_ok(), "{:?}", run.failure);
/// ```
pub async fn weighted(sem: Rc<Weighted>) {
    let watched = sem.clone();
    invariant("weighted head served", move || match watched.blocked_head() {
        Some((n, free)) if n <= free => {
            Err(format!("the head waiter asks for {n} tokens, {free} are free, and nobody woke it"))
        }
        _ => Ok(()),
    });
    let size = sem.size();
    let workers: Vec<_> = (1..=4)
        .map(|i| {
            let sem = sem.clone();
            spawn(format!("worker{i}"), async move {
                for _ in 0..3 {
                    let n = random_range(1..=size);
                    let held = match random_range(0..=3) {
                        0 => sem.acquire(n).await,
                        1 | 2 => timeout(patience(), sem.acquire(n)).await.unwrap_or(false),
                        _ => sem.try_acquire(n),
                    };
                    if held {
                        let _back = Release { sem: &sem, n };
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

/// Gives `n` tokens back when dropped (also on cancellation).
struct Release<'a> {
    sem: &'a Weighted,
    n: u64,
}

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.sem.release(self.n);
    }
}
