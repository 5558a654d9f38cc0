//! The weft programs with their shared counter in a tracked cell ([`weft::cell::Cell`]), for the
//! search bench (`cargo bench -p weft-peer-bench --bench search`).
//!
//! DFS's partial-order reduction decides which steps commute from what each step recorded
//! touching. The programs of [`crate::weft_side`] keep their counter in a `std::cell::Cell`,
//! which weft does not see: under reduction two steps racing on it would look independent and
//! an order would be skipped. Here every piece of state the tasks share is a weft primitive or a
//! tracked cell, so the reduction is valid; without reduction both versions explore the same
//! tree.

use crate::Program;
use std::rc::Rc;
use weft::cell::Cell;
use weft::{spawn, yield_now, Lock, Semaphore};

/// Runs `program` once, its shared state tracked. The producer-consumer program is not part of
/// the search figures (its queue is not tracked): it panics.
pub async fn run(program: Program) {
    match program {
        Program::Counter { tasks } => counter(tasks).await,
        Program::Semaphore { tasks, permits } => semaphore(tasks, permits).await,
        Program::ProducerConsumer { .. } => panic!("the producer-consumer program has no tracked version"),
    }
}

/// `tasks` tasks: lock, read the counter, yield, write it plus one, unlock; the counter ends at
/// `tasks`.
async fn counter(tasks: usize) {
    let lock = Rc::new(Lock::new());
    let x = Rc::new(Cell::named("x", 0));
    let handles: Vec<_> = (0..tasks)
        .map(|i| {
            let (lock, x) = (lock.clone(), x.clone());
            spawn(crate::task_name(i), async move {
                let _held = lock.lock().await;
                let v = x.get();
                yield_now().await;
                x.set(v + 1);
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(x.get(), tasks);
}

/// `tasks` tasks on a semaphore of `permits`: acquire, count in (at most `permits` inside),
/// yield, count out, release.
async fn semaphore(tasks: usize, permits: usize) {
    let sem = Rc::new(Semaphore::new(permits));
    let inside = Rc::new(Cell::named("inside", 0));
    let handles: Vec<_> = (0..tasks)
        .map(|i| {
            let (sem, inside) = (sem.clone(), inside.clone());
            spawn(crate::task_name(i), async move {
                let _permit = sem.permit().await;
                inside.set(inside.get() + 1);
                assert!(inside.get() <= permits);
                yield_now().await;
                inside.set(inside.get() - 1);
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
}
