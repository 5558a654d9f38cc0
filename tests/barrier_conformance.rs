//! Barrier conformance: every rule of `asyncio-semantics.md` A.5, checked under weft in asyncio's
//! own order (FIFO), both cancellation states, weft's fix of gh-155233 (BZ-B1), the trace ops the
//! checkers rely on, a golden trace, and runs under tokio and `futures::executor`.
//!
//! Expected values marked "CPython 3.13" were obtained by running the same program with
//! `~/.pyenv/versions/3.13.0/bin/python` (asyncio.Barrier, tasks created in the same order,
//! `asyncio.sleep(0)` where these use `yield_now()`).

use std::cell::RefCell;
use std::rc::Rc;
use weft::prelude::*;
use weft::traces::{Event, Op};
use weft::{Barrier, BarrierState, BrokenBarrierError, JoinHandle};

/// What each task got: `(name, index)` or `(name, error message)`.
type Log = Rc<RefCell<Vec<(String, String)>>>;

fn log() -> Log {
    Rc::new(RefCell::new(Vec::new()))
}

/// Spawns a task named `name` that waits on `barrier` once and logs what it got.
fn waiter(name: &str, barrier: &Rc<Barrier>, log: &Log) -> JoinHandle<()> {
    let (barrier, log, n) = (barrier.clone(), log.clone(), name.to_string());
    spawn(name, async move {
        let got = match barrier.wait().await {
            Ok(index) => index.to_string(),
            Err(e) => e.to_string(),
        };
        log.borrow_mut().push((n, got));
    })
}

fn entries(log: &Log) -> Vec<(String, String)> {
    log.borrow().clone()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

fn run_ok<T: 'static>(program: impl std::future::Future<Output = T> + 'static) -> T {
    let run = Runtime::new().run(program);
    assert!(run.is_ok(), "run failed: {}\n{}", run.failure.unwrap(), run.trace.to_text());
    run.output.unwrap()
}

#[test]
fn zero_parties_is_an_error_with_cpythons_message() {
    // CPython 3.13.0: ValueError('parties must be > 0').
    let err = Barrier::new(0).unwrap_err();
    assert_eq!(err.to_string(), "parties must be > 0");
    assert_eq!(Barrier::new(1).unwrap().parties(), 1);
}

#[test]
fn the_last_arrival_trips_gets_parties_minus_one_and_returns_first() {
    // CPython 3.13: arrivals A, B, C return [('C', 2), ('A', 0), ('B', 1)].
    let got = run_ok(async {
        let (barrier, log) = (Rc::new(Barrier::new(3).unwrap()), log());
        let tasks: Vec<_> = ["A", "B", "C"].iter().map(|n| waiter(n, &barrier, &log)).collect();
        for t in tasks {
            t.await.unwrap();
        }
        entries(&log)
    });
    assert_eq!(got, pairs(&[("C", "2"), ("A", "0"), ("B", "1")]));
}

#[test]
fn the_tripping_arrival_does_not_suspend() {
    let got = run_ok(async {
        let (barrier, log) = (Rc::new(Barrier::new(2).unwrap()), log());
        let a = waiter("A", &barrier, &log);
        yield_now().await; // A arrives and waits
        let l = log.clone();
        let other = spawn("other", async move { l.borrow_mut().push(("other".into(), "ran".into())) });
        let index = barrier.wait().await.unwrap(); // trips: "other" must not run in between
        log.borrow_mut().push(("main".into(), index.to_string()));
        a.await.unwrap();
        other.await.unwrap();
        entries(&log)
    });
    assert_eq!(got, pairs(&[("main", "1"), ("other", "ran"), ("A", "0")]));
}

#[test]
fn the_last_task_out_sees_filling_the_others_draining() {
    // CPython 3.13 (`test_draining_state`): [('C', 2, 'draining'), ('A', 0, 'draining'),
    // ('B', 1, 'filling')].
    let got = run_ok(async {
        let barrier = Rc::new(Barrier::new(3).unwrap());
        let seen = Rc::new(RefCell::new(Vec::new()));
        let tasks: Vec<_> = ["A", "B", "C"]
            .iter()
            .map(|n| {
                let (barrier, seen, n) = (barrier.clone(), seen.clone(), n.to_string());
                spawn(n.clone(), async move {
                    let index = barrier.wait().await.unwrap();
                    seen.borrow_mut().push(format!("{n}{index} {}", barrier.state()));
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        seen.take()
    });
    assert_eq!(got, ["C2 draining", "A0 draining", "B1 filling"]);
}

#[test]
fn arrivals_while_draining_wait_for_the_cycle_to_empty() {
    // Two tasks pass a 2-party barrier twice. B trips the first cycle, returns first, and
    // arrives again while A has not left: it must wait for the next cycle, not join the old.
    // CPython 3.13: [('B', 0, 1), ('A', 0, 0), ('B', 1, 1), ('A', 1, 0)] as (task, round, index).
    let got = run_ok(async {
        let barrier = Rc::new(Barrier::new(2).unwrap());
        let seen = Rc::new(RefCell::new(Vec::new()));
        let tasks: Vec<_> = ["A", "B"]
            .iter()
            .map(|n| {
                let (barrier, seen, n) = (barrier.clone(), seen.clone(), n.to_string());
                spawn(n.clone(), async move {
                    for round in 0..2 {
                        let index = barrier.wait().await.unwrap();
                        seen.borrow_mut().push(format!("{n} {round} {index}"));
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        seen.take()
    });
    assert_eq!(got, ["B 0 1", "A 0 0", "B 1 1", "A 1 0"]);
}

#[test]
fn n_waiting_counts_arrivals_while_filling_and_is_zero_otherwise() {
    run_ok(async {
        let (barrier, log) = (Rc::new(Barrier::new(3).unwrap()), log());
        assert_eq!(barrier.n_waiting(), 0);
        let a = waiter("A", &barrier, &log);
        let b = waiter("B", &barrier, &log);
        yield_now().await;
        assert_eq!(barrier.n_waiting(), 2);
        assert_eq!(format!("{barrier:?}"), "<Barrier [filling, waiters:2/3]>");
        assert_eq!(barrier.wait().await, Ok(2));
        assert_eq!(barrier.state(), BarrierState::Draining);
        assert_eq!(barrier.n_waiting(), 0, "CPython: n_waiting is 0 unless filling");
        assert_eq!(format!("{barrier:?}"), "<Barrier [draining, waiters:0/3]>");
        a.await.unwrap();
        b.await.unwrap();
        assert_eq!(barrier.state(), BarrierState::Filling);
    });
}

#[test]
fn abort_fails_waiters_with_abort_or_reset_and_later_waits_with_barrier_aborted() {
    // CPython 3.13: [('A', 'Abort or reset of barrier'), ('B', 'Abort or reset of barrier'),
    // ('late', 'Barrier aborted')], broken True, repr "[broken]", n_waiting 0; after reset,
    // broken False and state filling.
    let got = run_ok(async {
        let (barrier, log) = (Rc::new(Barrier::new(3).unwrap()), log());
        let a = waiter("A", &barrier, &log);
        let b = waiter("B", &barrier, &log);
        yield_now().await;
        barrier.abort();
        a.await.unwrap();
        b.await.unwrap();
        assert_eq!(barrier.wait().await, Err(BrokenBarrierError::Aborted));
        assert!(barrier.broken());
        assert_eq!(format!("{barrier:?}"), "<Barrier [broken]>");
        assert_eq!(barrier.n_waiting(), 0);
        barrier.reset();
        assert!(!barrier.broken());
        assert_eq!(barrier.state(), BarrierState::Filling);
        entries(&log)
    });
    let msg = "Abort or reset of barrier";
    assert_eq!(got, pairs(&[("A", msg), ("B", msg)]));
}

#[test]
fn reset_fails_released_tasks_that_have_not_run_yet() {
    // CPython 3.13: the tripping C returns 2; reset() while draining sets "resetting", A and B
    // (released but not yet run) raise "Abort or reset of barrier"; the state ends "filling".
    let got = run_ok(async {
        let (barrier, log) = (Rc::new(Barrier::new(3).unwrap()), log());
        let a = waiter("A", &barrier, &log);
        let b = waiter("B", &barrier, &log);
        yield_now().await;
        assert_eq!(barrier.wait().await, Ok(2));
        assert_eq!(barrier.state(), BarrierState::Draining);
        barrier.reset();
        assert_eq!(barrier.state(), BarrierState::Resetting);
        a.await.unwrap();
        b.await.unwrap();
        assert_eq!(barrier.state(), BarrierState::Filling);
        entries(&log)
    });
    let msg = "Abort or reset of barrier";
    assert_eq!(got, pairs(&[("A", msg), ("B", msg)]));
}

#[test]
fn arrivals_while_resetting_wait_and_join_the_next_cycle() {
    // CPython 3.13: A waits; reset() -> "resetting"; main arrives while A is still inside and
    // blocks; A raises and leaves; C (spawned before main blocked) and main form the next
    // cycle: [('A', 'Abort or reset of barrier'), ('main', 1), ('C', 0)].
    let got = run_ok(async {
        let (barrier, log) = (Rc::new(Barrier::new(2).unwrap()), log());
        let a = waiter("A", &barrier, &log);
        yield_now().await;
        barrier.reset();
        assert_eq!(barrier.state(), BarrierState::Resetting);
        let c = waiter("C", &barrier, &log);
        let index = barrier.wait().await.unwrap(); // blocked at the entrance until A leaves
        log.borrow_mut().push(("main".into(), index.to_string()));
        a.await.unwrap();
        c.await.unwrap();
        entries(&log)
    });
    assert_eq!(got, pairs(&[("A", "Abort or reset of barrier"), ("main", "1"), ("C", "0")]));
}

#[test]
fn a_one_party_barrier_trips_on_every_wait() {
    // CPython 3.13: Barrier(1).wait() returns 0 each time and the state stays "filling".
    run_ok(async {
        let barrier = Barrier::new(1).unwrap();
        assert_eq!(barrier.wait().await, Ok(0));
        assert_eq!(barrier.wait().await, Ok(0));
        assert_eq!(barrier.state(), BarrierState::Filling);
    });
}

// --- Cancellation -------------------------------------------------------------------------

#[test]
fn cancelled_while_filling_leaves_the_barrier_filling_with_one_fewer_waiter() {
    // State (a). CPython 3.13 (`test_filling_tasks_cancel_one`): n_waiting 2 -> 1, filling.
    run_ok(async {
        let (barrier, log) = (Rc::new(Barrier::new(3).unwrap()), log());
        let a = waiter("A", &barrier, &log);
        let b = waiter("B", &barrier, &log);
        yield_now().await;
        assert_eq!(barrier.n_waiting(), 2);
        a.cancel();
        assert_eq!(a.await, Err(weft::Cancelled::new()));
        assert_eq!(barrier.n_waiting(), 1);
        assert_eq!(barrier.state(), BarrierState::Filling);
        barrier.abort(); // let B go, or the run ends in a deadlock
        b.await.unwrap();
    });
}

#[test]
fn bz_b1_indices_stay_unique_within_a_cycle_after_a_cancellation() {
    // gh-155233: A=0 and B=1 wait on a 3-party barrier, A is cancelled, then C and D arrive.
    // CPython 3.13 returns [('D', 2), ('B', 1), ('C', 1)]: C reuses B's index. weft gives C the
    // index A gave back, so the cycle's indices are exactly {0, 1, 2}.
    let got = run_ok(async {
        let (barrier, log) = (Rc::new(Barrier::new(3).unwrap()), log());
        let a = waiter("A", &barrier, &log);
        let b = waiter("B", &barrier, &log);
        yield_now().await;
        a.cancel();
        yield_now().await;
        let c = waiter("C", &barrier, &log);
        let d = waiter("D", &barrier, &log);
        for t in [b, c, d] {
            t.await.unwrap();
        }
        entries(&log)
    });
    assert_eq!(got, pairs(&[("D", "2"), ("B", "1"), ("C", "0")]));
}

#[test]
fn cancelled_after_the_trip_before_running_leaves_the_others_released() {
    // State (b). CPython 3.13: C trips (2), A is cancelled before it runs, B still returns 1;
    // the barrier ends filling with nobody inside.
    let got = run_ok(async {
        let (barrier, log) = (Rc::new(Barrier::new(3).unwrap()), log());
        let a = waiter("A", &barrier, &log);
        let b = waiter("B", &barrier, &log);
        yield_now().await;
        assert_eq!(barrier.wait().await, Ok(2)); // A and B woken, not run yet
        a.cancel();
        assert_eq!(a.await, Err(weft::Cancelled::new()));
        b.await.unwrap();
        assert_eq!(barrier.state(), BarrierState::Filling);
        assert_eq!(barrier.n_waiting(), 0);
        // The next cycle starts at index 0 again.
        let late = waiter("late", &barrier, &log);
        yield_now().await;
        assert_eq!(barrier.n_waiting(), 1);
        barrier.abort();
        late.await.unwrap();
        entries(&log)
    });
    assert_eq!(got, pairs(&[("B", "1"), ("late", "Abort or reset of barrier")]));
}

#[test]
fn an_arrival_while_a_cancellation_is_pending_trips_with_the_cancelled_task() {
    // A waits on a 2-party barrier and is cancelled; before A runs, main arrives. A still
    // counts as inside (its count drops only when it runs), so main trips the barrier with
    // index 1, and the cycle releases nobody else. CPython 3.13: [('main', 1), ('state',
    // 'draining'), ('A', 'cancelled'), ('state', 'filling', 0)].
    run_ok(async {
        let (barrier, log) = (Rc::new(Barrier::new(2).unwrap()), log());
        let a = waiter("A", &barrier, &log);
        yield_now().await;
        a.cancel();
        assert_eq!(barrier.wait().await, Ok(1));
        assert_eq!(barrier.state(), BarrierState::Draining);
        assert_eq!(a.await, Err(weft::Cancelled::new()));
        assert_eq!(barrier.state(), BarrierState::Filling);
        assert_eq!(barrier.n_waiting(), 0);
        assert!(log.borrow().is_empty());
    });
}

#[test]
fn cancelled_while_blocked_at_the_entrance_just_leaves() {
    // T trips a 2-party barrier and arrives again while A has not left: T blocks at the
    // entrance. T is cancelled before the cycle empties (state a) or after A left and woke it
    // (state b). Either way the next cycle is Y and Z alone. CPython 3.13, both states:
    // [('T', 1), ('A', 0), ('Z', 1), ('Y', 0)], "draining" then (b) "filling".
    for woken in [false, true] {
        let got = run_ok(async move {
            let (barrier, log) = (Rc::new(Barrier::new(2).unwrap()), log());
            let a = waiter("A", &barrier, &log);
            yield_now().await;
            let (b2, l2) = (barrier.clone(), log.clone());
            let t = spawn("T", async move {
                let index = b2.wait().await.unwrap(); // trips the first cycle
                l2.borrow_mut().push(("T".into(), index.to_string()));
                let _ = b2.wait().await; // A is still inside: blocked at the entrance
                panic!("T is cancelled while blocked");
            });
            yield_now().await;
            assert_eq!(barrier.state(), BarrierState::Draining);
            if woken {
                yield_now().await; // A leaves: the cycle empties and T is woken
                assert_eq!(barrier.state(), BarrierState::Filling);
            }
            t.cancel();
            assert_eq!(t.await, Err(weft::Cancelled::new()));
            a.await.unwrap();
            assert_eq!(barrier.n_waiting(), 0);
            let y = waiter("Y", &barrier, &log);
            let z = waiter("Z", &barrier, &log);
            y.await.unwrap();
            z.await.unwrap();
            entries(&log)
        });
        assert_eq!(got, pairs(&[("T", "1"), ("A", "0"), ("Z", "1"), ("Y", "0")]), "woken: {woken}");
    }
}

#[test]
fn a_cancelled_waiter_does_not_reorder_the_release() {
    // A, B, C wait on a 4-party barrier; A is cancelled; D and E arrive. CPython 3.13 returns
    // [('E', 3), ('C', 2), ('B', 1), ('D', 2)]: its Condition's cancelled wait() spuriously
    // wakes B, which waits again at the tail (and D reuses C's index, gh-155233). weft has no
    // spurious wake-up and no index reuse: the release follows arrival order.
    let got = run_ok(async {
        let (barrier, log) = (Rc::new(Barrier::new(4).unwrap()), log());
        let a = waiter("A", &barrier, &log);
        let b = waiter("B", &barrier, &log);
        let c = waiter("C", &barrier, &log);
        yield_now().await;
        a.cancel();
        yield_now().await;
        yield_now().await;
        let d = waiter("D", &barrier, &log);
        yield_now().await;
        let e = waiter("E", &barrier, &log);
        for t in [b, c, d, e] {
            t.await.unwrap();
        }
        entries(&log)
    });
    assert_eq!(got, pairs(&[("E", "3"), ("B", "1"), ("C", "2"), ("D", "0")]));
}

// --- Trace ops ----------------------------------------------------------------------------

/// The barrier ops of a run, rendered `task:op` (with the index for arrivals).
fn barrier_ops(trace: &weft::Trace) -> Vec<String> {
    let mut names = Vec::new();
    let mut ops = Vec::new();
    for record in &trace.events {
        match &record.event {
            Event::Spawn { name, .. } => names.push(name.clone()),
            Event::Resource { op, .. } => {
                let task = &names[record.task.unwrap().index()];
                let op = match op {
                    Op::Arrive { index } => format!("arrive{index}"),
                    Op::Wake { waiter } => format!("wake({})", names[waiter.index()]),
                    op => op.name().to_string(),
                };
                ops.push(format!("{task}:{op}"));
            }
            _ => {}
        }
    }
    ops
}

#[test]
fn trace_records_arrivals_the_trip_and_everyone_released_together() {
    let run = Runtime::new().run(async {
        let (barrier, log) = (Rc::new(Barrier::new(3).unwrap()), log());
        let tasks: Vec<_> = ["A", "B", "C"].iter().map(|n| waiter(n, &barrier, &log)).collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert!(run.is_ok());
    assert_eq!(
        barrier_ops(&run.trace),
        [
            "A:arrive0",
            "A:wait",
            "B:arrive1",
            "B:wait",
            "C:arrive2",
            "C:trip",
            "C:wake(A)",
            "C:wake(B)",
            "A:resume",
            "B:resume",
        ]
    );
}

#[test]
fn trace_records_an_abandoned_arrival_whose_index_is_given_back() {
    let run = Runtime::new().run(async {
        let (barrier, log) = (Rc::new(Barrier::new(2).unwrap()), log());
        let a = waiter("A", &barrier, &log);
        yield_now().await;
        a.cancel();
        yield_now().await;
        barrier.abort();
        barrier.reset();
    });
    assert!(run.is_ok());
    assert_eq!(barrier_ops(&run.trace), ["A:arrive0", "A:wait", "A:abandon", "main:abort", "main:reset"]);
}

#[test]
fn golden_trace_of_the_three_party_barrier_over_two_cycles() {
    let scenario = weft::scenarios::find("barrier-two-cycles").unwrap();
    let run = scenario.run(0);
    assert!(run.is_ok(), "{}", run.failure.unwrap());
    insta::assert_snapshot!("barrier-two-cycles", run.trace.to_text());
}

// --- Other executors ----------------------------------------------------------------------

#[test]
fn works_under_tokio_current_thread_with_a_local_set() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let local = tokio::task::LocalSet::new();
    let mut got = local.block_on(&rt, async {
        let barrier = Rc::new(Barrier::new(3).unwrap());
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                let barrier = barrier.clone();
                tokio::task::spawn_local(async move { barrier.wait().await.unwrap() })
            })
            .collect();
        let mut got = Vec::new();
        for t in tasks {
            got.push(t.await.unwrap());
        }
        got
    });
    got.sort();
    assert_eq!(got, [0, 1, 2]);
}

#[test]
fn works_under_futures_executor() {
    let got = futures::executor::block_on(async {
        let barrier = Barrier::new(2).unwrap();
        let first = futures::future::join(barrier.wait(), barrier.wait()).await;
        let second = futures::future::join(barrier.wait(), barrier.wait()).await;
        (first, second)
    });
    assert_eq!(got, ((Ok(0), Ok(1)), (Ok(0), Ok(1))));
}

// --- Under other schedules ----------------------------------------------------------------

/// Four tasks pass a 3-party barrier three times each, with random delays and random patience
/// (a `timeout` that cancels the wait, in either cancellation state); the main task aborts the
/// barrier at the end to release whoever is left.
async fn parties_with_patience() {
    let barrier = Rc::new(Barrier::new(3).unwrap());
    let parties: Vec<_> = (0..4)
        .map(|p| {
            let barrier = barrier.clone();
            spawn(format!("party{p}"), async move {
                for _ in 0..3 {
                    sleep(Duration::from_millis(10 * weft::random_range(0..=2))).await;
                    let patience = Duration::from_millis(10 * weft::random_range(1..=3));
                    if let Ok(Ok(index)) = timeout(patience, barrier.wait()).await {
                        assert!(index < 3, "index {index} of a 3-party barrier");
                    }
                }
            })
        })
        .collect();
    sleep(Duration::from_secs(1)).await;
    barrier.abort();
    for party in parties {
        // Under fault injection a party may itself be cancelled.
        let _ = party.await;
    }
}

/// Replays the barrier ops of `trace`: indices unique among the live arrivals of a cycle, and
/// a trip only with `parties` of them.
fn check_cycles(trace: &weft::Trace, parties: usize) {
    let mut cycle: Vec<(u64, weft::TaskId)> = Vec::new();
    for record in &trace.events {
        let Event::Resource { op, .. } = &record.event else {
            continue;
        };
        let task = record.task.unwrap();
        match op {
            Op::Arrive { index } => {
                assert!(
                    cycle.iter().all(|(i, _)| i != index),
                    "index {index} handed out twice in one cycle at step {}\n{}",
                    record.step,
                    trace.to_text()
                );
                cycle.push((*index, task));
            }
            Op::Abandon => cycle.retain(|(_, t)| *t != task),
            Op::Trip => {
                assert_eq!(cycle.len(), parties, "trip at step {}", record.step);
                cycle.clear();
            }
            Op::Abort | Op::Reset => cycle.clear(),
            _ => {}
        }
    }
}

#[test]
fn indices_stay_unique_under_random_schedules_with_cancellations() {
    let (mut trips, mut abandons) = (0, 0);
    for seed in 0..60 {
        let run = Runtime::new().strategy(Strategy::Random).seed(seed).run(parties_with_patience());
        assert!(run.is_ok(), "seed {seed}: {}\n{}", run.failure.unwrap(), run.trace.to_text());
        check_cycles(&run.trace, 3);
        let ops = barrier_ops(&run.trace);
        trips += ops.iter().filter(|o| o.ends_with(":trip")).count();
        abandons += ops.iter().filter(|o| o.ends_with(":abandon")).count();
    }
    // The runs must actually exercise both trips and cancellations.
    assert!(trips > 20 && abandons > 20, "trips {trips}, abandons {abandons}");
}

#[test]
fn the_two_cycles_scenario_holds_under_random_and_pct_schedules() {
    let scenario = weft::scenarios::find("barrier-two-cycles").unwrap();
    for strategy in [Strategy::Random, Strategy::Pct { depth: 3 }] {
        weft::explore(move || (scenario.program)())
            .strategy(strategy)
            .schedules(50)
            .seed(1)
            .environment(false)
            .run()
            .assert_ok();
    }
}

#[test]
fn indices_stay_unique_under_fault_injection() {
    // Cancellations at any suspension point (states a and b), early timeouts, spurious polls and
    // forced yields at fast paths; weft's accounting checker verifies the indices of every
    // cycle, its lost-wake-up checker that nobody is left behind.
    weft::explore(parties_with_patience)
        .strategy(Strategy::Random)
        .faults(weft::Faults::all().rate(0.1).budget(4))
        .schedules(200)
        .seed(3)
        .environment(false)
        .run()
        .assert_ok();
}
