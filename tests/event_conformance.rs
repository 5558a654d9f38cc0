//! Event conformance: every rule of `asyncio-semantics.md` A.2, checked under weft in asyncio's
//! own order (FIFO), plus runs under tokio and `futures::executor`. Expected outcomes were
//! checked by running the same schedules on CPython 3.13.0 (upstream `test_wait`,
//! `test_clear_with_waiters`).

use std::rc::Rc;
use weft::prelude::*;
use weft::traces::{Event as TraceEvent, Op};
use weft::Event;

mod support;
use support::{log, push, Log};

/// Spawns a task that waits for `event` and logs `name` with what `wait()` returned.
fn waiter(name: &str, event: &Rc<Event>, log: &Log) -> weft::JoinHandle<()> {
    let (event, log, n) = (event.clone(), log.clone(), name.to_string());
    spawn(name, async move {
        let woke = event.wait().await;
        push(&log, format!("{n}:{woke}"));
    })
}

fn run_ok<T: 'static>(program: impl std::future::Future<Output = T> + 'static) -> T {
    let run = Runtime::new().run(program);
    assert!(run.is_ok(), "run failed: {}\n{}", run.failure.unwrap(), run.trace.to_text());
    run.output.unwrap()
}

#[test]
fn wait_on_a_set_event_returns_true_without_yielding() {
    let order = run_ok(async {
        let (event, log) = (Event::new(), log());
        event.set();
        let l = log.clone();
        let other = spawn("other", async move { push(&l, "other") });
        assert!(event.wait().await);
        push(&log, "main");
        other.await.unwrap();
        log.take()
    });
    assert_eq!(order, ["main", "other"]);
}

#[test]
fn set_wakes_every_waiter_in_fifo_order_after_tasks_already_ready() {
    // Upstream test_wait: t1 and t2 wait, t3 is created (not started), set(): [3, 1, 2].
    let order = run_ok(async {
        let (event, log) = (Rc::new(Event::new()), log());
        let t1 = waiter("1", &event, &log);
        let t2 = waiter("2", &event, &log);
        yield_now().await;
        let t3 = waiter("3", &event, &log);
        event.set();
        yield_now().await;
        for t in [t1, t2, t3] {
            t.await.unwrap();
        }
        log.take()
    });
    assert_eq!(order, ["3:true", "1:true", "2:true"]);
}

#[test]
fn a_woken_waiter_returns_true_even_if_cleared_before_it_runs() {
    let (order, is_set) = run_ok(async {
        let (event, log) = (Rc::new(Event::new()), log());
        let a = waiter("A", &event, &log);
        let b = waiter("B", &event, &log);
        yield_now().await;
        event.set();
        event.clear(); // same step: A and B must not lose their wake-up
        a.await.unwrap();
        b.await.unwrap();
        (log.take(), event.is_set())
    });
    assert_eq!(order, ["A:true", "B:true"]);
    assert!(!is_set);
}

#[test]
fn clear_does_not_touch_waiters_and_second_set_is_a_no_op() {
    // Upstream test_clear_with_waiters: set(); clear(); set(); set() leaves one waiter listed,
    // which then returns True.
    let run = Runtime::new().run(async {
        let (event, log) = (Rc::new(Event::new()), log());
        let a = waiter("A", &event, &log);
        yield_now().await;
        assert!(log.borrow().is_empty());
        event.set();
        event.clear();
        assert!(!event.is_set());
        event.set();
        event.set();
        assert_eq!(format!("{event:?}"), "<Event [set, waiters:1]>");
        yield_now().await;
        assert_eq!(format!("{event:?}"), "<Event [set]>");
        a.await.unwrap();
        log.take()
    });
    assert!(run.is_ok(), "{:?}", run.failure);
    assert_eq!(run.output.unwrap(), ["A:true"]);
    let sets = run.trace.events.iter().filter(|r| matches!(&r.event, TraceEvent::Resource { op: Op::Set, .. })).count();
    let wakes = run
        .trace
        .events
        .iter()
        .filter(|r| matches!(&r.event, TraceEvent::Resource { op: Op::Wake { .. }, .. }))
        .count();
    assert_eq!(sets, 2, "the second set() of a set event records nothing");
    assert_eq!(wakes, 1, "A is woken once");
}

#[test]
fn cancel_before_wakeup_needs_no_hand_off() {
    // State (a): A is cancelled while waiting; set() in the same step still wakes B.
    let order = run_ok(async {
        let (event, log) = (Rc::new(Event::new()), log());
        let a = waiter("A", &event, &log);
        let b = waiter("B", &event, &log);
        yield_now().await;
        a.cancel();
        event.set();
        assert_eq!(a.await, Err(weft::Cancelled::new()));
        b.await.unwrap();
        log.take()
    });
    assert_eq!(order, ["B:true"]);
}

#[test]
fn cancel_after_wakeup_needs_no_hand_off() {
    // State (b): A is woken by set() and cancelled before it runs; B returns true regardless.
    let (order, listed) = run_ok(async {
        let (event, log) = (Rc::new(Event::new()), log());
        let a = waiter("A", &event, &log);
        let b = waiter("B", &event, &log);
        yield_now().await;
        event.set();
        a.cancel();
        assert_eq!(a.await, Err(weft::Cancelled::new()));
        b.await.unwrap();
        (log.take(), format!("{event:?}"))
    });
    assert_eq!(order, ["B:true"]);
    assert_eq!(listed, "<Event [set]>", "the cancelled waiter left the list");
}

#[test]
fn event_works_under_tokio_local_set() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let order = tokio::task::LocalSet::new().block_on(&rt, async {
        let (event, log) = (Rc::new(Event::new()), log());
        let tasks: Vec<_> = ["A", "B"]
            .iter()
            .map(|n| {
                let (event, log, n) = (event.clone(), log.clone(), n.to_string());
                tokio::task::spawn_local(async move {
                    let woke = event.wait().await;
                    push(&log, format!("{n}:{woke}"));
                })
            })
            .collect();
        tokio::task::yield_now().await;
        event.set();
        event.clear();
        for t in tasks {
            t.await.unwrap();
        }
        log.take()
    });
    assert_eq!(order, ["A:true", "B:true"]);
}

/// Four waiters wait three times each, some through a short timeout, while a setter sets and
/// clears the event and main cancels one waiter at a random point. A final `set()` must release
/// every waiter still waiting: the run ends with all of them finished (else weft reports the
/// deadlock or lost wake-up).
async fn waiters_under_cancellation() {
    let event = Rc::new(Event::named("flag"));
    let returned = Rc::new(std::cell::Cell::new(0u32));
    let waiters: Vec<_> = (0..4)
        .map(|i| {
            let (event, returned) = (event.clone(), returned.clone());
            spawn(format!("waiter{i}"), async move {
                for _ in 0..3 {
                    let patience = std::time::Duration::from_millis(random_range(1..=3));
                    if let Ok(woke) = timeout(patience, event.wait()).await {
                        assert!(woke, "wait() returned false");
                        returned.set(returned.get() + 1);
                    }
                }
                event.wait().await;
            })
        })
        .collect();
    let e = event.clone();
    let setter = spawn("setter", async move {
        for _ in 0..3 {
            sleep(std::time::Duration::from_millis(random_range(0..=2))).await;
            e.set();
            if random_range(0..=1) == 1 {
                e.clear();
            }
        }
        e.set();
    });
    sleep(std::time::Duration::from_millis(random_range(0..=2))).await;
    waiters[random_range(0..=3) as usize].cancel();
    setter.await.unwrap();
    for w in waiters {
        let _ = w.await;
    }
    assert!(event.is_set());
}

#[test]
fn every_waiter_is_released_under_random_schedules_with_cancellations() {
    // With weft's checkers on: every set() wakes every task waiting then; no lost wake-up.
    // Once as is, once with faults: timeouts firing early, spurious polls, forced yields.
    let faulty: weft::sim::Faults = "timeout,spurious,yield".parse().unwrap();
    for faults in [Faults::none(), faulty.rate(0.2).budget(4)] {
        let report = weft::explore(waiters_under_cancellation)
            .strategy(Strategy::Random)
            .schedules(1000)
            .seed(11)
            .jobs(1)
            .environment(false)
            .faults(faults)
            .run();
        report.assert_ok();
        assert_eq!(report.schedules, 1000);
        assert!(report.distinct > 900, "only {} distinct interleavings", report.distinct);
    }
}
