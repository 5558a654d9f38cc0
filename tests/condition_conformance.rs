//! Condition conformance: every rule of `asyncio-semantics.md` A.3, checked under weft in
//! asyncio's own order (FIFO), the bug-zoo regression schedules (BZ-C1, BZ-C2, BZ-C5), weft's
//! meaning of a dropped `wait()`, and a run under tokio. Expected outcomes were checked by running
//! the same schedules on CPython 3.13.0 (3.12.1 differs where noted: it has no forwarding).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;
use weft::prelude::*;
use weft::{Condition, ConditionError};

mod support;
use support::{log, push, Log};

/// Spawns `async with cond: await cond.wait(); log(name)` (the guard form).
fn waiter(name: &str, cond: &Rc<Condition>, log: &Log) -> weft::JoinHandle<()> {
    let (cond, log, n) = (cond.clone(), log.clone(), name.to_string());
    spawn(name, async move {
        let held = cond.lock().await;
        let _held = held.wait().await.expect("the waiter holds the lock");
        push(&log, n);
    })
}

fn run_ok<T: 'static>(program: impl std::future::Future<Output = T> + 'static) -> T {
    let run = Runtime::new().run(program);
    assert!(run.is_ok(), "run failed: {}\n{}", run.failure.unwrap(), run.trace.to_text());
    run.output.unwrap()
}

/// Lets every ready task run a few steps.
async fn settle() {
    for _ in 0..6 {
        yield_now().await;
    }
}

/// Three waiters A, B, C, all waiting when this returns.
async fn three_waiters(cond: &Rc<Condition>, log: &Log) -> Vec<weft::JoinHandle<()>> {
    let tasks = ["A", "B", "C"].iter().map(|n| waiter(n, cond, log)).collect();
    yield_now().await;
    tasks
}

/// Cancels whatever is still waiting, so the run ends cleanly.
async fn finish(tasks: Vec<weft::JoinHandle<()>>) {
    for t in &tasks {
        t.cancel();
    }
    for t in tasks {
        let _ = t.await;
    }
}

#[test]
fn wait_without_the_lock_errors() {
    futures::executor::block_on(async {
        let cond = Condition::new();
        let error = cond.wait().await.unwrap_err();
        assert_eq!(error, ConditionError::WaitNotAcquired);
        assert_eq!(error.to_string(), "cannot wait on un-acquired lock");
    });
}

#[test]
fn notify_without_the_lock_errors() {
    let cond = Condition::new();
    assert_eq!(cond.notify(1), Err(ConditionError::NotifyNotAcquired));
    assert_eq!(cond.notify_all(), Err(ConditionError::NotifyNotAcquired));
    assert_eq!(ConditionError::NotifyNotAcquired.to_string(), "cannot notify on un-acquired lock");
}

#[test]
fn lock_checks_ask_whether_anyone_holds_the_lock() {
    // asyncio checks `locked()`, not ownership: main may notify while "holder" holds the lock.
    run_ok(async {
        let cond = Rc::new(Condition::new());
        let c = cond.clone();
        spawn("holder", async move { c.acquire().await }).await.unwrap();
        assert_eq!(cond.notify(1), Ok(0));
    });
}

#[test]
fn acquire_release_locked_are_the_shared_locks() {
    run_ok(async {
        let lock = Rc::new(Lock::new());
        let cond = Condition::with_lock(lock.clone());
        cond.acquire().await;
        assert!(lock.locked() && cond.locked());
        lock.release().unwrap();
        assert!(!cond.locked());
        assert!(cond.release().is_err(), "Lock is not acquired.");
    });
}

#[test]
fn wait_for_returns_the_predicates_truthy_value() {
    let value = run_ok(async {
        let cond = Rc::new(Condition::new());
        let items = Rc::new(RefCell::new(Vec::new()));
        let (c, i) = (cond.clone(), items.clone());
        let consumer = spawn("consumer", async move {
            let _held = c.lock().await;
            c.wait_for(|| i.borrow().clone()).await
        });
        yield_now().await;
        for n in 1..=3 {
            let _held = cond.lock().await;
            items.borrow_mut().push(n);
            if n == 3 {
                cond.notify(1).unwrap();
            }
        }
        consumer.await.unwrap()
    });
    assert_eq!(value, Ok(vec![1, 2, 3]));
}

#[test]
fn wait_for_with_a_true_predicate_needs_no_lock_and_does_not_yield() {
    let order = run_ok(async {
        let (cond, log) = (Condition::new(), log());
        let l = log.clone();
        let other = spawn("other", async move { push(&l, "other") });
        assert_eq!(cond.wait_for(|| 7u32).await, Ok(7)); // no lock held: still fine
        push(&log, "main");
        other.await.unwrap();
        log.take()
    });
    assert_eq!(order, ["main", "other"]);
}

#[test]
fn notify_wakes_waiters_in_fifo_order() {
    let order = run_ok(async {
        let (cond, log) = (Rc::new(Condition::new()), log());
        let tasks = three_waiters(&cond, &log).await;
        for _ in 0..3 {
            let _held = cond.lock().await;
            assert_eq!(cond.notify(1), Ok(1));
            drop(_held);
            settle().await;
        }
        finish(tasks).await;
        log.take()
    });
    assert_eq!(order, ["A", "B", "C"]);
}

#[test]
fn notify_skips_already_woken_waiters() {
    // CPython 3.13: notify(1); notify(1) wakes ['A', 'B'].
    let order = run_ok(async {
        let (cond, log) = (Rc::new(Condition::new()), log());
        let tasks = three_waiters(&cond, &log).await;
        {
            let _held = cond.lock().await;
            assert_eq!(cond.notify(1), Ok(1));
            assert_eq!(cond.notify(1), Ok(1));
        }
        settle().await;
        finish(tasks).await;
        log.take()
    });
    assert_eq!(order, ["A", "B"]);
}

#[test]
fn notify_counts_only_the_waiters_it_wakes() {
    run_ok(async {
        let (cond, log) = (Rc::new(Condition::new()), log());
        let tasks = three_waiters(&cond, &log).await;
        {
            let _held = cond.lock().await;
            assert_eq!(cond.notify(1), Ok(1));
            assert_eq!(cond.notify(5), Ok(2), "A is already woken: not counted");
            assert_eq!(cond.notify_all(), Ok(0));
        }
        settle().await;
        assert_eq!(log.borrow().len(), 3);
        finish(tasks).await;
    });
}

#[test]
fn notify_all_wakes_every_waiter_in_fifo_order() {
    let order = run_ok(async {
        let (cond, log) = (Rc::new(Condition::new()), log());
        let tasks = three_waiters(&cond, &log).await;
        {
            let _held = cond.lock().await;
            assert_eq!(cond.notify_all(), Ok(3));
        }
        for t in tasks {
            t.await.unwrap();
        }
        log.take()
    });
    assert_eq!(order, ["A", "B", "C"]);
}

#[test]
fn notify_does_not_release_the_lock() {
    let order = run_ok(async {
        let (cond, log) = (Rc::new(Condition::new()), log());
        let a = waiter("A", &cond, &log);
        yield_now().await;
        let held = cond.lock().await;
        cond.notify(1).unwrap();
        settle().await; // A is woken but cannot re-take the lock
        push(&log, "main releases");
        drop(held);
        a.await.unwrap();
        log.take()
    });
    assert_eq!(order, ["main releases", "A"]);
}

#[test]
fn wait_returns_holding_the_lock() {
    run_ok(async {
        let cond = Rc::new(Condition::new());
        let c = cond.clone();
        let a = spawn("A", async move {
            c.acquire().await;
            c.wait().await.unwrap();
            let held = c.locked();
            c.release().unwrap();
            held
        });
        yield_now().await;
        assert!(!cond.locked(), "wait() released the lock");
        cond.acquire().await;
        cond.notify(1).unwrap();
        cond.release().unwrap();
        assert!(a.await.unwrap());
    });
}

#[test]
fn reacquisition_queues_behind_existing_lock_waiters() {
    // CPython 3.13: A notified while B already queues on the lock: B gets it first.
    let order = run_ok(async {
        let (cond, log) = (Rc::new(Condition::new()), log());
        let a = waiter("A", &cond, &log);
        yield_now().await;
        cond.acquire().await;
        let (c, l) = (cond.clone(), log.clone());
        let b = spawn("B", async move {
            let _held = c.lock().await;
            push(&l, "B");
        });
        yield_now().await; // B queues on the lock
        cond.notify(1).unwrap();
        yield_now().await; // A queues on the lock behind B
        cond.release().unwrap();
        a.await.unwrap();
        b.await.unwrap();
        log.take()
    });
    assert_eq!(order, ["B", "A"]);
}

#[test]
fn cancel_before_notify_wakes_the_next_waiter_spuriously_as_in_3_13() {
    // State (a). CPython 3.13: cancelling A (never notified) wakes B: ['B']. 3.12: [].
    let order = run_ok(async {
        let (cond, log) = (Rc::new(Condition::new()), log());
        let tasks = three_waiters(&cond, &log).await;
        tasks[0].cancel();
        settle().await;
        finish(tasks).await;
        log.take()
    });
    assert_eq!(order, ["B"]);
}

#[test]
fn cancel_then_notify_in_one_step_wakes_two_as_in_3_13() {
    // State (a) with a notify in the same step. CPython 3.13: ['B', 'C']; 3.12: ['B'].
    let order = run_ok(async {
        let (cond, log) = (Rc::new(Condition::new()), log());
        let tasks = three_waiters(&cond, &log).await;
        tasks[0].cancel();
        {
            let _held = cond.lock().await;
            assert_eq!(cond.notify(1), Ok(1), "the cancelled A is skipped");
        }
        settle().await;
        finish(tasks).await;
        log.take()
    });
    assert_eq!(order, ["B", "C"]);
}

#[test]
fn notified_then_cancelled_waiter_passes_the_notification_on() {
    // State (b), gh-112202. CPython 3.13: ['B'] and A cancelled; 3.12 loses it: [].
    let (order, a_cancelled) = run_ok(async {
        let (cond, log) = (Rc::new(Condition::new()), log());
        let mut tasks = three_waiters(&cond, &log).await;
        {
            let _held = cond.lock().await;
            cond.notify(1).unwrap();
            tasks[0].cancel();
        }
        settle().await;
        let a = tasks.remove(0);
        let a_cancelled = a.await == Err(weft::Cancelled::new());
        finish(tasks).await;
        (log.take(), a_cancelled)
    });
    assert_eq!(order, ["B"]);
    assert!(a_cancelled);
}

#[test]
fn cancelled_while_reacquiring_passes_the_notification_on() {
    // State (c): A is notified and queued on the lock when it is cancelled.
    // CPython 3.13: ['B'] and A cancelled; 3.12: [].
    let (order, a_cancelled, locked) = run_ok(async {
        let (cond, log) = (Rc::new(Condition::new()), log());
        let mut tasks = three_waiters(&cond, &log).await;
        cond.acquire().await;
        cond.notify(1).unwrap();
        yield_now().await; // A queues on the lock
        tasks[0].cancel();
        yield_now().await;
        cond.release().unwrap();
        settle().await;
        let a = tasks.remove(0);
        let a_cancelled = a.await == Err(weft::Cancelled::new());
        finish(tasks).await;
        (log.take(), a_cancelled, cond.locked())
    });
    assert_eq!(order, ["B"]);
    assert!(a_cancelled);
    assert!(!locked);
}

#[test]
fn dropped_wait_leaves_the_lock_not_held_by_its_caller() {
    // weft's documented meaning of "wait() exits holding the lock" when only the wait future is
    // dropped (a timeout): the lock is released and the guard is gone with the future.
    run_ok(async {
        let cond = Condition::new();
        let held = cond.lock().await;
        let timed_out = timeout(Duration::from_secs(1), held.wait()).await;
        assert!(timed_out.is_err(), "nobody notifies");
        assert!(!cond.locked(), "the dropped wait must not keep or re-take the lock");
    });
}

#[test]
fn bz_c1() {
    // bpo-22970, upstream test_wait_cancel_after_notify: the waiter is notified, then
    // cancelled while main holds the lock. The buggy wait() returned without the lock and its
    // `async with` released main's lock. Here the cancelled wait must leave main's lock alone.
    run_ok(async {
        let (cond, log) = (Rc::new(Condition::new()), log());
        let w = waiter("w", &cond, &log);
        yield_now().await; // w waits, lock free
        cond.acquire().await;
        cond.notify(1).unwrap();
        yield_now().await; // w queues on the lock main holds
        w.cancel();
        assert_eq!(w.await, Err(weft::Cancelled::new()));
        assert!(cond.locked(), "the cancelled waiter released main's lock");
        assert_eq!(cond.release(), Ok(()), "main's own release must succeed");
        assert!(log.borrow().is_empty());
    });
}

#[test]
fn bz_c2() {
    // bpo-32841: a cancellation after notify must not be swallowed by the re-acquire loop.
    run_ok(async {
        let (cond, log) = (Rc::new(Condition::new()), log());
        let w = waiter("waiter", &cond, &log);
        yield_now().await;
        cond.acquire().await;
        cond.notify(1).unwrap();
        yield_now().await; // waiter now queued on the lock
        w.cancel();
        yield_now().await;
        cond.release().unwrap();
        yield_now().await;
        assert_eq!(w.await, Err(weft::Cancelled::new()), "the cancellation was swallowed");
        assert!(log.borrow().is_empty(), "the waiter finished normally");
        assert!(!cond.locked());
    });
}

/// gh-112202's test_cancelled_wakeup (and `_relock` with `relock`): two consumers, one state
/// increment, notify(1), and the notified consumer cancelled. The other must consume it.
fn bz_c5_schedule(relock: bool) -> i32 {
    run_ok(async move {
        let cond = Rc::new(Condition::new());
        let state = Rc::new(Cell::new(0i32));
        let consumers: Vec<_> = (0..2)
            .map(|i| {
                let (cond, state) = (cond.clone(), state.clone());
                spawn(format!("consumer{i}"), async move {
                    let mut held = cond.lock().await;
                    loop {
                        let (h, _) = held.wait_for(|| state.get() != 0).await.unwrap();
                        held = h;
                        if state.get() < 0 {
                            return;
                        }
                        state.set(state.get() - 1);
                    }
                })
            })
            .collect();
        yield_now().await;
        {
            let held = cond.lock().await;
            state.set(state.get() + 1);
            cond.notify(1).unwrap();
            if relock {
                yield_now().await; // consumer0 is now blocked re-taking the lock
            }
            consumers[0].cancel();
            // Wait (with the lock released) until someone consumed it, or give up.
            let s = state.clone();
            let _ = timeout(Duration::from_millis(10), held.wait_for(move || s.get() == 0)).await;
        }
        let consumed = state.get();
        {
            let _held = cond.lock().await;
            state.set(-1);
            cond.notify_all().unwrap();
        }
        for c in consumers {
            let _ = c.await;
        }
        consumed
    })
}

#[test]
fn bz_c5() {
    assert_eq!(bz_c5_schedule(false), 0, "the notification was lost");
}

#[test]
fn bz_c5_relock() {
    assert_eq!(bz_c5_schedule(true), 0, "the notification was lost");
}

#[test]
fn condition_works_under_tokio_local_set() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let got = tokio::task::LocalSet::new().block_on(&rt, async {
        let cond = Rc::new(Condition::new());
        let item = Rc::new(Cell::new(None));
        let (c, i) = (cond.clone(), item.clone());
        let consumer = tokio::task::spawn_local(async move {
            let held = c.lock().await;
            let (_held, value) = held.wait_for(|| i.take()).await.unwrap();
            value
        });
        tokio::task::yield_now().await;
        {
            let _held = cond.lock().await;
            item.set(Some(42));
            cond.notify_all().unwrap();
        }
        consumer.await.unwrap()
    });
    assert_eq!(got, Some(42));
}

/// Marks the one task inside the critical section; a second one entering is a broken lock.
struct Inside(Rc<Cell<bool>>);

impl Inside {
    fn enter(inside: &Rc<Cell<bool>>) -> Inside {
        assert!(!inside.replace(true), "two tasks inside the condition's critical section");
        Inside(inside.clone())
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// Three consumers take six items a producer hands over with notify(1), then notify_all() when
/// done; main cancels one consumer at a random point (in `lock()`, in `wait()`, notified or not).
/// The program asserts mutual exclusion around every wait, and that every item is consumed
/// exactly once by the surviving consumers.
async fn consumers_under_cancellation() {
    let cond = Rc::new(Condition::new());
    let items = Rc::new(RefCell::new(std::collections::VecDeque::new()));
    let consumed = Rc::new(RefCell::new(Vec::new()));
    let (inside, done) = (Rc::new(Cell::new(false)), Rc::new(Cell::new(false)));
    let consumers: Vec<_> = (0..3)
        .map(|i| {
            let (cond, items, consumed) = (cond.clone(), items.clone(), consumed.clone());
            let (inside, done) = (inside.clone(), done.clone());
            spawn(format!("consumer{i}"), async move {
                loop {
                    let mut held = cond.lock().await;
                    let mut mark = Inside::enter(&inside);
                    while items.borrow().is_empty() && !done.get() {
                        drop(mark);
                        held = held.wait().await.expect("the consumer holds the lock");
                        mark = Inside::enter(&inside);
                    }
                    let Some(item) = items.borrow_mut().pop_front() else {
                        return; // done, and nothing left
                    };
                    consumed.borrow_mut().push(item);
                    drop(mark);
                    drop(held);
                    yield_now().await;
                }
            })
        })
        .collect();
    let (c, i, m, d) = (cond.clone(), items.clone(), inside.clone(), done.clone());
    let producer = spawn("producer", async move {
        for item in 0..6 {
            {
                let _held = c.lock().await;
                let _mark = Inside::enter(&m);
                i.borrow_mut().push_back(item);
                c.notify(1).unwrap();
                yield_now().await; // hold the lock across a suspension
            }
            sleep(Duration::from_millis(random_range(0..=1))).await;
        }
        let _held = c.lock().await;
        d.set(true);
        c.notify_all().unwrap();
    });
    sleep(Duration::from_millis(random_range(0..=3))).await;
    consumers[random_range(0..=2) as usize].cancel();
    producer.await.unwrap();
    for t in consumers {
        let _ = t.await;
    }
    let mut consumed = consumed.take();
    consumed.sort();
    assert_eq!(consumed, [0, 1, 2, 3, 4, 5], "items lost or consumed twice");
    assert!(items.borrow().is_empty());
    assert!(!cond.locked(), "the lock is still held after every task finished");
}

#[test]
fn mutual_exclusion_and_items_hold_under_random_schedules_with_cancellations() {
    // With weft's checkers on: mutual exclusion and FIFO of the lock, lost wake-ups, accounting.
    // Once as is, once with faults: spurious polls, forced yields on the lock's fast path.
    let faulty: weft::sim::Faults = "spurious,yield".parse().unwrap();
    for faults in [Faults::none(), faulty.rate(0.2).budget(4)] {
        let report = weft::explore(consumers_under_cancellation)
            .strategy(Strategy::Random)
            .schedules(1000)
            .seed(5)
            .jobs(1)
            .environment(false)
            .faults(faults)
            .run();
        report.assert_ok();
        assert_eq!(report.schedules, 1000);
        assert!(report.distinct > 900, "only {} distinct interleavings", report.distinct);
    }
}
