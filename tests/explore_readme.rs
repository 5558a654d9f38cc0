//! The README's exploration example, verbatim, so that it keeps compiling and passing.

use std::{cell::Cell, rc::Rc};
use weft::prelude::*;

#[test]
fn increments_are_not_lost() {
    explore(|| async {
        let (lock, x) = (Rc::new(Lock::new()), Rc::new(Cell::new(0)));
        let tasks: Vec<_> = (0..3)
            .map(|i| {
                let (lock, x) = (lock.clone(), x.clone());
                spawn(format!("inc{i}"), async move {
                    let _held = lock.lock().await;
                    let v = x.get();
                    yield_now().await;
                    x.set(v + 1);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(x.get(), 3);
    })
    .strategy(Strategy::Pct { depth: 3 })
    .schedules(10_000)
    .run()
    .assert_ok();
}

/// The README's workload example (step 7), verbatim.
#[test]
fn my_lock_survives_the_lock_workload() {
    explore(|| weft::workloads::lock(Rc::new(Lock::new()))) // your LockLike here
        .faults(Faults::all())
        .schedules(2_000)
        .run()
        .assert_ok();
}
