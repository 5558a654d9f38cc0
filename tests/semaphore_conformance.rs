//! Semaphore and BoundedSemaphore conformance: every rule of `asyncio-semantics.md` A.4, checked
//! under weft in asyncio's own order (FIFO), the bug-zoo regression schedules (BZ-S1, BZ-S2,
//! BZ-S3), and runs under tokio and `futures::executor`. Expected outcomes were checked by
//! running the same schedules on CPython 3.13.0 (and 3.12.1, which agrees on all of them).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;
use weft::prelude::*;
use weft::traces::{Event as TraceEvent, Op};
use weft::{BoundedSemaphore, Semaphore, SemaphoreError};

mod support;
use support::{log, push, Log};

/// Spawns a task that acquires a permit, logs `name`, and keeps the permit.
fn taker(name: &str, sem: &Rc<Semaphore>, log: &Log) -> weft::JoinHandle<()> {
    let (sem, log, n) = (sem.clone(), log.clone(), name.to_string());
    spawn(name, async move {
        sem.acquire().await;
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
    for _ in 0..4 {
        yield_now().await;
    }
}

#[test]
fn semaphore_of_zero_is_locked() {
    assert!(Semaphore::new(0).locked());
    assert!(!Semaphore::new(1).locked());
}

#[test]
fn acquire_when_not_locked_does_not_yield() {
    let order = run_ok(async {
        let (sem, log) = (Rc::new(Semaphore::new(2)), log());
        let l = log.clone();
        let other = spawn("other", async move { push(&l, "other") });
        sem.acquire().await; // fast path: "other" must not run in between
        push(&log, "main");
        other.await.unwrap();
        (log.take(), sem.value())
    });
    assert_eq!(order, (vec!["main".to_string(), "other".to_string()], 1));
}

#[test]
fn permits_are_granted_in_fifo_order() {
    let order = run_ok(async {
        let (sem, log) = (Rc::new(Semaphore::new(0)), log());
        let tasks: Vec<_> = ["A", "B", "C"].iter().map(|n| taker(n, &sem, &log)).collect();
        yield_now().await;
        for _ in 0..3 {
            sem.release();
        }
        for t in tasks {
            t.await.unwrap();
        }
        log.take()
    });
    assert_eq!(order, ["A", "B", "C"]);
}

#[test]
fn permits_are_reserved_at_wake_time_so_value_and_locked_can_both_be_set() {
    // CPython 3.13: Semaphore(0), one waiter, release() twice: value 1 and locked() True.
    run_ok(async {
        let (sem, log) = (Rc::new(Semaphore::new(0)), log());
        let a = taker("A", &sem, &log);
        yield_now().await;
        sem.release(); // reserved for A
        sem.release(); // free
        assert_eq!(sem.value(), 1);
        assert!(sem.locked(), "the woken A must take its permit first");
        a.await.unwrap();
        assert_eq!(sem.value(), 1);
        assert!(!sem.locked());
    });
}

#[test]
fn locked_ignores_waiters_whose_cancellation_is_pending() {
    // CPython 3.13: A's acquire is cancelled (not yet run), release(): locked() False, value 1,
    // and a newcomer takes the permit at once; A ends cancelled, value 0.
    let order = run_ok(async {
        let (sem, log) = (Rc::new(Semaphore::new(1)), log());
        sem.acquire().await;
        let a = taker("A", &sem, &log);
        yield_now().await;
        a.cancel();
        sem.release(); // skips A
        assert!(!sem.locked());
        assert_eq!(sem.value(), 1);
        sem.acquire().await; // fast path past the cancelled A
        push(&log, "main");
        assert_eq!(a.await, Err(weft::Cancelled::new()));
        assert_eq!(sem.value(), 0);
        assert!(sem.locked());
        log.take()
    });
    assert_eq!(order, ["main"]);
}

#[test]
fn newcomer_does_not_barge_past_a_woken_waiter() {
    // Under `futures`' LocalPool, polling the newcomer by hand at the exact moment: A is woken
    // (its permit reserved) and one more permit is free, yet the newcomer must queue behind A.
    use futures::task::{noop_waker_ref, LocalSpawnExt};
    use std::future::Future;
    use std::task::{Context, Poll};
    let mut pool = futures::executor::LocalPool::new();
    let (sem, log) = (Rc::new(Semaphore::new(0)), log());
    let (s, l) = (sem.clone(), log.clone());
    pool.spawner()
        .spawn_local(async move {
            s.acquire().await;
            push(&l, "A");
        })
        .unwrap();
    pool.run_until_stalled(); // A waits
    sem.release(); // reserved for A
    sem.release(); // free
    let mut newcomer = Box::pin(sem.acquire());
    let mut cx = Context::from_waker(noop_waker_ref());
    assert_eq!(newcomer.as_mut().poll(&mut cx), Poll::Pending, "barged past A");
    pool.run_until_stalled(); // A takes its permit and, leaving, wakes the newcomer
    assert_eq!(newcomer.as_mut().poll(&mut cx), Poll::Ready(true));
    assert_eq!(log.take(), ["A"]);
    assert_eq!(sem.value(), 0);
}

#[test]
fn release_then_reacquire_in_one_step_keeps_fifo_order() {
    // BZ-S2 (bpo-45997), upstream test_acquire_fifo_order: 3.8 gave c1_1, c1_2, c3_1, ...
    let order = run_ok(async {
        let (sem, log) = (Rc::new(Semaphore::new(1)), log());
        let tasks: Vec<_> = ["c1", "c2", "c3"]
            .iter()
            .map(|tag| {
                let (sem, log, tag) = (sem.clone(), log.clone(), tag.to_string());
                spawn(tag.clone(), async move {
                    for round in 1..=2 {
                        sem.acquire().await;
                        push(&log, format!("{tag}_{round}"));
                        sleep(Duration::from_millis(10)).await;
                        sem.release();
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        log.take()
    });
    assert_eq!(order, ["c1_1", "c2_1", "c3_1", "c1_2", "c2_2", "c3_2"]);
}

#[test]
fn every_exit_from_acquire_wakes_as_many_waiters_as_there_are_free_permits() {
    // A is woken by one release; two more releases leave two free permits while B and C queue
    // behind A. When A takes its permit it must wake both (CPython 3.13: ['A', 'B', 'C'], value
    // 0); without the 3.13 loop they would wait for ever. Run under `futures`' LocalPool with B
    // and C polled by hand at that moment.
    use futures::task::{noop_waker_ref, LocalSpawnExt};
    use std::future::Future;
    use std::task::{Context, Poll};
    let mut pool = futures::executor::LocalPool::new();
    let (sem, log) = (Rc::new(Semaphore::new(0)), log());
    let (s, l) = (sem.clone(), log.clone());
    pool.spawner()
        .spawn_local(async move {
            s.acquire().await;
            push(&l, "A");
        })
        .unwrap();
    pool.run_until_stalled(); // A waits
    sem.release();
    sem.release();
    sem.release();
    let mut cx = Context::from_waker(noop_waker_ref());
    let (mut b, mut c) = (Box::pin(sem.acquire()), Box::pin(sem.acquire()));
    assert_eq!(b.as_mut().poll(&mut cx), Poll::Pending, "B barged past the woken A");
    assert_eq!(c.as_mut().poll(&mut cx), Poll::Pending, "C barged past the woken A");
    assert_eq!(sem.value(), 2);
    pool.run_until_stalled(); // A takes its permit and wakes B and C on its way out
    assert_eq!(b.as_mut().poll(&mut cx), Poll::Ready(true));
    assert_eq!(c.as_mut().poll(&mut cx), Poll::Ready(true));
    assert_eq!(log.take(), ["A"]);
    assert_eq!(sem.value(), 0);
}

#[test]
fn free_permits_reach_waiters_that_queued_behind_a_woken_one() {
    // The same rule under weft, with its checkers on: B and C first run after A is woken, find
    // two free permits but A listed, and queue; A's exit wakes both. (CPython 3.13, same
    // program: ['A', 'B', 'C'], value 0.)
    let (order, value) = run_ok(async {
        let (sem, log) = (Rc::new(Semaphore::new(0)), log());
        let a = taker("A", &sem, &log);
        yield_now().await;
        let b = taker("B", &sem, &log);
        let c = taker("C", &sem, &log);
        sem.release();
        sem.release();
        sem.release();
        for t in [a, b, c] {
            t.await.unwrap();
        }
        (log.take(), sem.value())
    });
    assert_eq!(order, ["A", "B", "C"]);
    assert_eq!(value, 0);
}

#[test]
fn cancel_before_wakeup_takes_no_permit_and_release_skips_it() {
    // State (a): A is cancelled while waiting, release() in the same step goes to B.
    let (order, value) = run_ok(async {
        let (sem, log) = (Rc::new(Semaphore::new(0)), log());
        let a = taker("A", &sem, &log);
        let b = taker("B", &sem, &log);
        yield_now().await;
        a.cancel();
        sem.release();
        assert_eq!(a.await, Err(weft::Cancelled::new()));
        b.await.unwrap();
        (log.take(), sem.value())
    });
    assert_eq!(order, ["B"]);
    assert_eq!(value, 0);
}

#[test]
fn cancel_after_wakeup_returns_the_permit_and_wakes_every_free_permits_worth() {
    // State (b): A and B are woken by two releases, A is cancelled before it runs. A gives its
    // permit back and, on its way out, wakes C (CPython 3.13: ['B', 'C'], value 0).
    let (order, value) = run_ok(async {
        let (sem, log) = (Rc::new(Semaphore::new(0)), log());
        let tasks: Vec<_> = ["A", "B", "C"].iter().map(|n| taker(n, &sem, &log)).collect();
        yield_now().await;
        sem.release();
        sem.release();
        tasks[0].cancel();
        settle().await;
        (log.take(), sem.value())
    });
    assert_eq!(order, ["B", "C"]);
    assert_eq!(value, 0);
}

#[test]
fn bz_s1() {
    // python/asyncio#270: Semaphore(0), t1 and t2 wait; release(); t1.cancel() in one step.
    // Expected: t2 acquires and the value ends at 0. The 3.4 code left t2 hanging, value 1.
    let (order, value, locked) = run_ok(async {
        let (sem, log) = (Rc::new(Semaphore::new(0)), log());
        let t1 = taker("t1", &sem, &log);
        let t2 = taker("t2", &sem, &log);
        yield_now().await;
        sem.release();
        t1.cancel();
        assert_eq!(t1.await, Err(weft::Cancelled::new()));
        t2.await.unwrap();
        (log.take(), sem.value(), sem.locked())
    });
    assert_eq!(order, ["t2"]);
    assert_eq!(value, 0);
    assert!(locked);
}

#[test]
fn bz_s3() {
    // gh-90155 (`_wakeup_scheduled` hang), upstream test_acquire_no_hang: c1 releases (waking
    // c2) and at once cancels c2, before it runs; a later acquire must still succeed.
    let acquired = run_ok(async {
        let sem = Rc::new(Semaphore::new(1));
        let t2: Rc<RefCell<Option<weft::JoinHandle<()>>>> = Rc::new(RefCell::new(None));
        let (s1, t2_for_c1) = (sem.clone(), t2.clone());
        let c1 = spawn("c1", async move {
            {
                let _permit = s1.permit().await;
                yield_now().await;
            }
            t2_for_c1.borrow().as_ref().unwrap().cancel();
        });
        let s2 = sem.clone();
        *t2.borrow_mut() = Some(spawn("c2", async move {
            let _permit = s2.permit().await;
            panic!("c2 was cancelled before it could run");
        }));
        c1.await.unwrap();
        let c2 = t2.borrow_mut().take().unwrap();
        assert_eq!(c2.await, Err(weft::Cancelled::new()));
        timeout(Duration::from_secs(1), sem.acquire()).await
    });
    assert_eq!(acquired, Ok(true), "the acquire hung after a cancelled hand-off");
}

#[test]
fn plain_semaphore_release_never_fails_and_adds_a_permit() {
    let sem = Semaphore::new(1);
    sem.release();
    assert_eq!(sem.value(), 2);
}

#[test]
fn bounded_semaphore_release_beyond_initial_value_errors() {
    futures::executor::block_on(async {
        let sem = BoundedSemaphore::new(2);
        assert_eq!(sem.release(), Err(SemaphoreError::ReleasedTooManyTimes));
        sem.acquire().await;
        assert_eq!(sem.release(), Ok(()));
        let error = sem.release().unwrap_err();
        assert_eq!(error.to_string(), "BoundedSemaphore released too many times");
        assert_eq!(sem.value(), 2, "a refused release changes nothing");
    });
}

#[test]
fn bounded_over_release_during_a_hand_off_is_caught_at_once() {
    // CPython 3.13 accepts this extra release (the permit reserved for A is not counted) and
    // raises at A's later, legitimate release instead. weft refuses the faulty release itself.
    run_ok(async {
        let sem = Rc::new(BoundedSemaphore::new(1));
        sem.acquire().await;
        let s = sem.clone();
        let a = spawn("A", async move {
            s.acquire().await;
            s.release()
        });
        yield_now().await;
        sem.release().unwrap(); // hands the permit to A
        assert_eq!(sem.release(), Err(SemaphoreError::ReleasedTooManyTimes));
        assert_eq!(a.await.unwrap(), Ok(()), "A's own release is legitimate");
        assert_eq!(sem.value(), 1);
    });
}

#[test]
fn permit_guard_gives_the_permit_back_on_drop() {
    run_ok(async {
        let sem = Semaphore::new(1);
        {
            let _permit = sem.permit().await;
            assert_eq!(sem.value(), 0);
        }
        assert_eq!(sem.value(), 1);
    });
}

#[test]
fn semaphore_speaks_the_resource_protocol_with_its_initial_value() {
    let run = Runtime::new().run(async {
        let (sem, log) = (Rc::new(Semaphore::named("pool", 1)), log());
        sem.acquire().await;
        let a = taker("A", &sem, &log);
        let b = taker("B", &sem, &log);
        yield_now().await;
        b.cancel();
        sem.release();
        a.await.unwrap();
        let _ = b.await;
    });
    assert!(run.is_ok(), "{:?}", run.failure);
    let registered = run.trace.events.iter().find_map(|r| match &r.event {
        TraceEvent::NewResource { name, capacity, initial, fifo, .. } if name == "pool" => {
            Some((*capacity, *initial, *fifo))
        }
        _ => None,
    });
    // A plain Semaphore has no bound (an extra release adds a permit): its value is its initial
    // units, declared apart from a capacity.
    assert_eq!(registered, Some((None, Some(1), true)));
    let ops: Vec<&str> = run
        .trace
        .events
        .iter()
        .filter_map(|r| match &r.event {
            TraceEvent::Resource { op, .. } => Some(op.name()),
            _ => None,
        })
        .collect();
    // main takes it; A and B queue; release wakes A; B's cancellation lands; A takes it.
    assert_eq!(ops, ["request", "grant", "request", "request", "release", "wake", "abandon", "grant"]);
    assert!(run.trace.events.iter().any(|r| matches!(&r.event, TraceEvent::Resource { op: Op::Wake { .. }, .. })));
}

#[test]
fn semaphore_works_under_tokio_local_set() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let order = tokio::task::LocalSet::new().block_on(&rt, async {
        let (sem, log) = (Rc::new(BoundedSemaphore::new(2)), log());
        let tasks: Vec<_> = (0..5)
            .map(|i| {
                let (sem, log) = (sem.clone(), log.clone());
                tokio::task::spawn_local(async move {
                    let _permit = sem.permit().await;
                    push(&log, format!("in{i}"));
                    tokio::task::yield_now().await;
                    push(&log, format!("out{i}"));
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(sem.value(), 2);
        log.take()
    });
    // At most two inside at once, admitted in FIFO order.
    let mut inside = 0;
    for entry in &order {
        inside += if entry.starts_with("in") { 1 } else { -1 };
        assert!(inside <= 2, "three holders at once: {order:?}");
    }
    let admitted: Vec<_> = order.iter().filter(|e| e.starts_with("in")).collect();
    assert_eq!(admitted, ["in0", "in1", "in2", "in3", "in4"]);
}

#[test]
fn permit_under_a_fired_timeout_with_a_forced_yield_ends_cleanly() {
    // Faults at every chance: the fast path of `permit()` yields (waking its own task) in the
    // same step in which the timeout fires and the task returns. The finished task must not be
    // run again (weft's executor once panicked: "a ready task has its future").
    let faults: weft::sim::Faults = "timeout,yield".parse().unwrap();
    let run = Runtime::new().seed(0).faults(faults.rate(1.0).budget(8)).run(async {
        let sem = Rc::new(Semaphore::new(1));
        let s = sem.clone();
        let taker = spawn("taker", async move {
            let _ = timeout(Duration::from_millis(5), s.permit()).await;
        });
        taker.await.unwrap();
        sem.value()
    });
    assert!(run.is_ok(), "{:?}", run.failure);
    assert_eq!(run.output, Some(1), "the permit came back");
    let text = run.trace.to_text();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines
            .windows(2)
            .any(|w| w[0].contains("woken by taker") && w[1].contains("taker") && w[1].ends_with("returned")),
        "the run no longer exercises a self-wake in the task's last step:\n{text}"
    );
}

/// Counts a holder from when it got its permit until it is dropped, cancelled or not.
struct Holding(Rc<std::cell::Cell<usize>>);

impl Holding {
    fn enter(holders: &Rc<std::cell::Cell<usize>>, capacity: usize) -> Holding {
        holders.set(holders.get() + 1);
        assert!(holders.get() <= capacity, "{} holders of a Semaphore({capacity})", holders.get());
        Holding(holders.clone())
    }
}

impl Drop for Holding {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

/// Five tasks take a permit of a Semaphore(`capacity`) twice each, through a short timeout (a
/// cancellation in state a or b), while main cancels one task at a random point. The program
/// asserts that no more than `capacity` hold at once and that every permit comes back.
async fn permits_under_cancellation(capacity: usize) {
    let sem = Rc::new(Semaphore::named("pool", capacity));
    let holders = Rc::new(std::cell::Cell::new(0usize));
    let tasks: Vec<_> = (0..5)
        .map(|i| {
            let (sem, holders) = (sem.clone(), holders.clone());
            spawn(format!("t{i}"), async move {
                for _ in 0..2 {
                    let wait = Duration::from_millis(random_range(0..=2));
                    let Ok(permit) = timeout(wait, sem.permit()).await else {
                        continue;
                    };
                    let holding = Holding::enter(&holders, capacity);
                    sleep(Duration::from_millis(1)).await; // may be cancelled here
                    drop(holding);
                    drop(permit);
                }
            })
        })
        .collect();
    sleep(Duration::from_millis(random_range(0..=2))).await;
    tasks[random_range(0..=4) as usize].cancel();
    for t in tasks {
        let _ = t.await;
    }
    assert_eq!(sem.value(), capacity, "permits were lost or invented");
    assert!(!sem.locked());
}

#[test]
fn permits_are_conserved_under_random_schedules_with_cancellations() {
    // With weft's checkers on: capacity, FIFO, lost wake-ups, accounting.
    // Then again with faults: timeouts firing early, spurious polls, forced yields on fast paths.
    let faulty: weft::sim::Faults = "timeout,spurious,yield".parse().unwrap();
    for (capacity, faults) in [
        (1, Faults::none()),
        (2, Faults::none()),
        (2, faulty.rate(0.2).budget(4)),
        (2, Faults::all().rate(0.2).budget(4)), // and cancellations at any suspension point
    ] {
        let report = weft::explore(move || permits_under_cancellation(capacity))
            .strategy(Strategy::Random)
            .schedules(1000)
            .seed(3)
            .jobs(1)
            .environment(false)
            .faults(faults)
            .run();
        report.assert_ok();
        assert_eq!(report.schedules, 1000);
        assert!(report.distinct > 900, "only {} distinct interleavings", report.distinct);
    }
}
