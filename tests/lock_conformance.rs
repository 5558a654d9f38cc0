//! Lock conformance: every rule of `asyncio-semantics.md` A.1, checked under weft in asyncio's
//! own order (FIFO), plus runs under tokio and `futures::executor` to show the Lock needs no weft.

use std::rc::Rc;
use weft::prelude::*;
use weft::{LockError, ViolationKind};

mod support;
use support::{log, push, Log};

/// Spawns a task that acquires `lock`, logs `name`, and releases it.
fn acquirer(name: &str, lock: &Rc<Lock>, log: &Log) -> weft::JoinHandle<()> {
    let (lock, log, n) = (lock.clone(), log.clone(), name.to_string());
    spawn(name, async move {
        lock.acquire().await;
        push(&log, n);
        lock.release().unwrap();
    })
}

fn run_ok<T: 'static>(program: impl std::future::Future<Output = T> + 'static) -> T {
    let run = Runtime::new().run(program);
    assert!(run.is_ok(), "run failed: {}\n{}", run.failure.unwrap(), run.trace.to_text());
    run.output.unwrap()
}

#[test]
fn waiters_are_granted_in_fifo_order() {
    let order = run_ok(async {
        let (lock, log) = (Rc::new(Lock::new()), log());
        lock.acquire().await;
        let tasks: Vec<_> = ["A", "B", "C"].iter().map(|n| acquirer(n, &lock, &log)).collect();
        yield_now().await; // all three queue
        lock.release().unwrap();
        for t in tasks {
            t.await.unwrap();
        }
        log.take()
    });
    assert_eq!(order, ["A", "B", "C"]);
}

#[test]
fn acquiring_a_free_lock_does_not_yield() {
    let order = run_ok(async {
        let (lock, log) = (Rc::new(Lock::new()), log());
        let l = log.clone();
        let other = spawn("other", async move { push(&l, "other") });
        lock.acquire().await; // fast path: "other" must not run in between
        push(&log, "main");
        lock.release().unwrap();
        other.await.unwrap();
        log.take()
    });
    assert_eq!(order, ["main", "other"]);
}

#[test]
fn locked_is_false_during_a_hand_off_yet_a_newcomer_still_queues() {
    let order = run_ok(async {
        let (lock, log) = (Rc::new(Lock::new()), log());
        lock.acquire().await;
        let a = acquirer("A", &lock, &log);
        yield_now().await;
        lock.release().unwrap(); // A is woken but has not run
        assert!(!lock.locked(), "CPython's locked() is False during a hand-off (gh-138121)");
        lock.acquire().await; // must not barge past the woken A
        push(&log, "main");
        lock.release().unwrap();
        a.await.unwrap();
        log.take()
    });
    assert_eq!(order, ["A", "main"]);
}

#[test]
fn release_of_unlocked_lock_errors() {
    let lock = Lock::new();
    assert_eq!(lock.release(), Err(LockError::NotAcquired));
    assert_eq!(LockError::NotAcquired.to_string(), "Lock is not acquired.");
}

#[test]
fn any_task_may_release_the_lock() {
    run_ok(async {
        let lock = Rc::new(Lock::new());
        let l = lock.clone();
        spawn("holder", async move { l.acquire().await }).await.unwrap();
        assert!(lock.locked());
        lock.release().unwrap(); // main releases what "holder" acquired, as asyncio allows
        assert!(!lock.locked());
    });
}

#[test]
fn cancel_before_wakeup_passes_the_lock_to_the_next_waiter() {
    // State (a): A is cancelled while still waiting; release() in the same tick.
    let (order, locked) = run_ok(async {
        let (lock, log) = (Rc::new(Lock::new()), log());
        lock.acquire().await;
        let a = acquirer("A", &lock, &log);
        let b = acquirer("B", &lock, &log);
        yield_now().await;
        a.cancel();
        lock.release().unwrap();
        assert_eq!(a.await, Err(weft::Cancelled::new()));
        b.await.unwrap();
        (log.take(), lock.locked())
    });
    assert_eq!(order, ["B"]);
    assert!(!locked);
}

#[test]
fn cancel_after_wakeup_passes_the_lock_to_the_next_waiter() {
    // State (b), BZ-L2's schedule: release() wakes B, then B is cancelled before it runs; C must
    // acquire and the lock must end held by C.
    let run = Runtime::new().run(async {
        let lock = Rc::new(Lock::new());
        lock.acquire().await;
        let take = |name: &str| {
            let lock = lock.clone();
            spawn(name, async move { lock.acquire().await })
        };
        let (b, c) = (take("B"), take("C"));
        yield_now().await;
        lock.release().unwrap(); // B's wake-up is in flight
        b.cancel(); // B already woken: the cancel lands at its next step
        for _ in 0..3 {
            yield_now().await;
        }
        (b.await, c.await, lock.locked())
    });
    assert!(run.is_ok(), "{:?}", run.failure);
    assert_eq!(run.output, Some((Err(weft::Cancelled::new()), Ok(true), true)));
}

#[test]
fn a_newcomer_jumps_a_queue_of_cancelled_waiters_without_yielding() {
    // Verified on CPython 3.13.0: with A's acquire cancelled and the lock released in the same
    // tick, the waiters are ['cancelled'] and main's acquire() takes the fast path before A runs.
    let run = Runtime::new().run(async {
        let lock = Rc::new(Lock::new());
        lock.acquire().await;
        let l = lock.clone();
        let a = spawn("A", async move { l.acquire().await });
        yield_now().await;
        a.cancel();
        lock.release().unwrap(); // A is being cancelled: release wakes nobody
        lock.acquire().await; // fast path: all listed waiters are cancelled
        let a_done_when_main_got_it = a.is_finished();
        lock.release().unwrap();
        (a_done_when_main_got_it, a.await)
    });
    assert!(run.is_ok(), "{:?}", run.failure);
    assert_eq!(run.output, Some((false, Err(weft::Cancelled::new()))));
}

#[test]
fn cancelling_a_waiter_leaves_nobody_waiting_on_a_free_lock() {
    // A timeout drops the waiting acquire: the lock stays usable.
    run_ok(async {
        let lock = Rc::new(Lock::new());
        lock.acquire().await;
        let l = lock.clone();
        let impatient = spawn("impatient", async move { timeout(Duration::from_secs(1), l.acquire()).await });
        sleep(Duration::from_secs(2)).await;
        assert!(impatient.await.unwrap().is_err());
        lock.release().unwrap();
        assert!(lock.acquire().await, "the lock is free and nobody waits");
        assert_eq!(format!("{lock:?}"), "<Lock [locked]>");
    });
}

#[test]
fn the_guard_releases_on_drop_even_when_its_task_is_cancelled() {
    run_ok(async {
        let lock = Rc::new(Lock::new());
        let l = lock.clone();
        let holder = spawn("holder", async move {
            let _held = l.lock().await;
            sleep(Duration::from_secs(60)).await;
        });
        yield_now().await;
        assert!(lock.locked());
        holder.cancel();
        assert_eq!(holder.await, Err(weft::Cancelled::new()));
        assert!(!lock.locked(), "`async with` releases when CancelledError propagates");
    });
}

#[test]
fn the_lock_is_not_reentrant() {
    let run = Runtime::new().run(async {
        let lock = Lock::named("db");
        lock.acquire().await;
        lock.acquire().await; // deadlocks, as in asyncio
    });
    let v = run.violation().expect("a re-acquire by the holder deadlocks");
    assert_eq!(v.kind, ViolationKind::Deadlock);
    assert!(v.message.contains("'main'") && v.message.contains("Lock 'db'"), "{v}");
}

#[test]
fn repr_shows_state_and_waiters() {
    run_ok(async {
        let lock = Rc::new(Lock::new());
        assert_eq!(format!("{lock:?}"), "<Lock [unlocked]>");
        lock.acquire().await;
        let l = lock.clone();
        let w = spawn("w", async move { l.acquire().await });
        yield_now().await;
        assert_eq!(format!("{lock:?}"), "<Lock [locked, waiters:1]>");
        lock.release().unwrap();
        w.await.unwrap();
    });
}

#[test]
fn works_under_futures_local_pool() {
    use futures::task::LocalSpawnExt;
    let mut pool = futures::executor::LocalPool::new();
    let (lock, log) = (Rc::new(Lock::new()), log());
    for name in ["A", "B", "C"] {
        let (lock, log) = (lock.clone(), log.clone());
        pool.spawner()
            .spawn_local(async move {
                let _held = lock.lock().await;
                push(&log, format!("{name} in"));
                futures::future::ready(()).await;
                push(&log, format!("{name} out"));
            })
            .unwrap();
    }
    pool.run();
    assert_eq!(*log.borrow(), ["A in", "A out", "B in", "B out", "C in", "C out"]);
    assert!(!lock.locked());
}

#[test]
fn works_under_tokio_local_set() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let local = tokio::task::LocalSet::new();
    let order = local.block_on(&rt, async {
        let (lock, log) = (Rc::new(Lock::new()), log());
        let guard = lock.lock().await;
        let tasks: Vec<_> = ["A", "B"]
            .into_iter()
            .map(|n| {
                let (lock, log) = (lock.clone(), log.clone());
                tokio::task::spawn_local(async move {
                    let _held = lock.lock().await;
                    push(&log, n);
                })
            })
            .collect();
        tokio::task::yield_now().await;
        drop(guard);
        for t in tasks {
            t.await.unwrap();
        }
        log.take()
    });
    assert_eq!(order, ["A", "B"]);
}
