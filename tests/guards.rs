//! Guards release only the hold they took. asyncio's `wait()` re-takes the lock before a
//! cancellation leaves it, so `async with cond: await cond.wait()` is safe there; a Rust drop
//! cannot re-take anything, so a guard around a `wait()` dropped mid-way must not release the
//! lock another task took meanwhile (BZ-C1's mutual-exclusion break, reintroduced by a literal
//! port).

use std::rc::Rc;
use weft::prelude::*;
use weft::Condition;

/// `waiter` holds `cond.lock()` and waits; `holder` takes the lock; `waiter` is cancelled;
/// `third` asks for the lock. Returns whether `third` got it while `holder` still held it.
async fn cancel_a_guarded_wait() -> bool {
    let cond = Rc::new(Condition::new());
    let c = cond.clone();
    let waiter = spawn("waiter", async move {
        let _held = c.lock().await; // async with cond:
        c.wait().await.unwrap(); //     await cond.wait()
    });
    yield_now().await;
    let c = cond.clone();
    let holder = spawn("holder", async move {
        let _held = c.lock().await;
        sleep(Duration::from_secs(1)).await;
    });
    yield_now().await;
    waiter.cancel(); // dropped while waiting: it does not hold the lock
    yield_now().await;
    let c = cond.clone();
    let third = spawn("third", async move {
        let _held = c.lock().await;
    });
    yield_now().await;
    let barged = third.is_finished();
    holder.await.unwrap();
    third.await.unwrap();
    barged
}

#[test]
fn a_guard_around_a_cancelled_wait_does_not_release_another_tasks_hold() {
    let run = Runtime::new().run(cancel_a_guarded_wait());
    assert!(run.is_ok(), "{}\n{}", run.failure.unwrap(), run.trace.to_text());
    assert_eq!(run.output, Some(false), "`third` must wait for `holder`");
    assert!(!run.trace.to_text().contains("Lock is not acquired"), "nobody released a lock they did not hold");
}

#[test]
fn a_guard_around_a_completed_wait_releases_as_usual() {
    let run = Runtime::new().run(async {
        let cond = Rc::new(Condition::new());
        let c = cond.clone();
        let waiter = spawn("waiter", async move {
            let _held = c.lock().await;
            c.wait().await.unwrap();
            assert!(c.locked(), "wait() returns holding the lock");
        });
        yield_now().await;
        {
            let _held = cond.lock().await;
            cond.notify(1).unwrap();
        }
        waiter.await.unwrap();
        cond.locked()
    });
    assert_eq!(run.output, Some(false), "the guard released after its wait: {:?}", run.failure);
}

#[test]
fn a_lock_guard_does_not_release_a_hold_taken_after_a_foreign_release() {
    let run = Runtime::new().run(async {
        let lock = Rc::new(Lock::new());
        let guard = lock.lock().await;
        lock.release().unwrap(); // asyncio allows any task to release
        let l = lock.clone();
        let other = spawn("other", async move {
            let _held = l.lock().await;
            sleep(Duration::from_secs(1)).await;
        });
        yield_now().await;
        drop(guard); // must not release `other`'s hold
        let still_held = lock.locked();
        other.await.unwrap();
        still_held
    });
    assert_eq!(run.output, Some(true));
}
