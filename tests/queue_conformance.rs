//! Queue conformance: every rule of `asyncio-semantics.md` A.6 (with 3.13's shutdown), checked
//! under weft in asyncio's own order (FIFO), both cancellation states for getters, putters and
//! joiners, the BZ-Q1 and BZ-Q3 regression schedules, item conservation in the trace, a golden
//! trace, and runs under tokio and `futures::executor`.
//!
//! Expected values marked "CPython 3.13" were obtained by running the same program with
//! `~/.pyenv/versions/3.13.0/bin/python` (asyncio.Queue, tasks created in the same order,
//! `asyncio.sleep(0)` where these use `yield_now()`).

use std::rc::Rc;
use weft::prelude::*;
use weft::traces::{Event, Op};
use weft::{Cancelled, GetError, JoinHandle, PutError, Queue};

mod support;
use support::{log, push, Log};

/// Spawns a task that gets one item and logs `name=item` (or `name=<error>`).
fn getter(name: &str, queue: &Rc<Queue<String>>, log: &Log) -> JoinHandle<()> {
    let (queue, log, n) = (queue.clone(), log.clone(), name.to_string());
    spawn(name, async move {
        match queue.get().await {
            Ok(item) => push(&log, format!("{n}={item}")),
            Err(e) => push(&log, format!("{n}={e:?}")),
        }
    })
}

/// Spawns a task that puts `name` as its item and logs `name put` (or `name <error>`).
fn putter(name: &str, queue: &Rc<Queue<String>>, log: &Log) -> JoinHandle<()> {
    let (queue, log, n) = (queue.clone(), log.clone(), name.to_string());
    spawn(name, async move {
        match queue.put(n.clone()).await {
            Ok(()) => push(&log, format!("{n} put")),
            Err(e) => push(&log, format!("{n} {e:?}")),
        }
    })
}

/// Spawns a task that joins the queue and logs `name`.
fn joiner(name: &str, queue: &Rc<Queue<String>>, log: &Log) -> JoinHandle<()> {
    let (queue, log, n) = (queue.clone(), log.clone(), name.to_string());
    spawn(name, async move {
        queue.join().await;
        push(&log, n);
    })
}

fn queue(maxsize: usize) -> Rc<Queue<String>> {
    Rc::new(Queue::new(maxsize))
}

fn s(item: &str) -> String {
    item.to_string()
}

fn run_ok<T: 'static>(program: impl std::future::Future<Output = T> + 'static) -> T {
    let run = Runtime::new().run(program);
    assert!(run.is_ok(), "run failed: {}\n{}", run.failure.unwrap(), run.trace.to_text());
    run.output.unwrap()
}

// --- Basics -------------------------------------------------------------------------------

#[test]
fn maxsize_zero_is_unbounded() {
    let q = Queue::new(0);
    for i in 0..1000 {
        q.put_nowait(i).unwrap();
    }
    assert!(!q.full());
    assert_eq!(q.qsize(), 1000);
}

#[test]
fn put_nowait_on_a_full_queue_fails_with_queue_full_and_hands_the_item_back() {
    let q = Queue::new(2);
    q.put_nowait(s("a")).unwrap();
    q.put_nowait(s("b")).unwrap();
    assert!(q.full());
    let err = q.put_nowait(s("c")).unwrap_err();
    assert!(matches!(err, PutError::QueueFull(_)));
    assert_eq!(err.into_inner(), "c");
    assert_eq!(q.qsize(), 2);
}

#[test]
fn get_nowait_on_an_empty_queue_fails_with_queue_empty() {
    let q = Queue::<u8>::new(0);
    assert!(q.empty());
    assert_eq!(q.get_nowait(), Err(GetError::QueueEmpty));
}

#[test]
fn items_come_out_in_the_order_they_were_put() {
    let q = Queue::new(0);
    for i in 0..5 {
        q.put_nowait(i).unwrap();
    }
    let out: Vec<_> = (0..5).map(|_| q.get_nowait().unwrap()).collect();
    assert_eq!(out, [0, 1, 2, 3, 4]);
}

#[test]
fn get_of_an_available_item_and_put_into_a_free_slot_do_not_suspend() {
    let got = run_ok(async {
        let (q, log) = (queue(1), log());
        let l = log.clone();
        let other = spawn("other", async move { push(&l, "other") });
        q.put(s("x")).await.unwrap(); // fast path: "other" must not run in between
        let item = q.get().await.unwrap();
        push(&log, format!("main={item}"));
        other.await.unwrap();
        log.take()
    });
    assert_eq!(got, ["main=x", "other"]);
}

#[test]
fn put_wakes_the_first_waiting_getter_and_get_the_first_waiting_putter() {
    let got = run_ok(async {
        let (q, log) = (queue(1), log());
        let g1 = getter("G1", &q, &log);
        let g2 = getter("G2", &q, &log);
        yield_now().await;
        q.put_nowait(s("a")).unwrap();
        q.put(s("b")).await.unwrap(); // G1 has not taken "a" yet: the queue is full, main waits
        push(&log, "main put b");
        g1.await.unwrap();
        g2.await.unwrap();
        log.take()
    });
    assert_eq!(got, ["G1=a", "main put b", "G2=b"]);
}

#[test]
fn a_newcomer_can_take_the_item_a_woken_getter_was_woken_for() {
    // gh-83055, kept: G1 is woken for "1", main's get_nowait takes it first, G1 waits again at
    // the tail, behind G2. CPython 3.13: [('main', 1), ('G2', 2), ('G1', 3)].
    let got = run_ok(async {
        let (q, log) = (queue(0), log());
        let g1 = getter("G1", &q, &log);
        let g2 = getter("G2", &q, &log);
        yield_now().await;
        q.put_nowait(s("1")).unwrap();
        push(&log, format!("main={}", q.get_nowait().unwrap()));
        yield_now().await; // G1 runs, finds the queue empty, waits again
        q.put_nowait(s("2")).unwrap();
        q.put_nowait(s("3")).unwrap();
        g1.await.unwrap();
        g2.await.unwrap();
        log.take()
    });
    assert_eq!(got, ["main=1", "G2=2", "G1=3"]);
}

#[test]
fn task_done_called_too_many_times_errors() {
    // CPython 3.13: ValueError('task_done() called too many times').
    let q = Queue::new(0);
    q.put_nowait(1).unwrap();
    q.get_nowait().unwrap();
    q.task_done().unwrap();
    assert_eq!(q.task_done().unwrap_err().to_string(), "task_done() called too many times");
}

#[test]
fn join_returns_when_every_item_is_done() {
    let got = run_ok(async {
        let (q, log) = (queue(0), log());
        q.join().await; // nothing unfinished: does not suspend
        q.put_nowait(s("a")).unwrap();
        q.put_nowait(s("b")).unwrap();
        let j = joiner("J", &q, &log);
        yield_now().await;
        q.get_nowait().unwrap();
        q.task_done().unwrap();
        yield_now().await;
        push(&log, "one done");
        q.get_nowait().unwrap();
        q.task_done().unwrap();
        j.await.unwrap();
        log.take()
    });
    assert_eq!(got, ["one done", "J"]);
}

#[test]
fn a_joiner_woken_by_the_last_task_done_returns_even_if_an_item_is_put_before_it_runs() {
    // CPython 3.13: join() waits on an Event; the waiter woken by set() returns even though
    // put_nowait() cleared it again: ['J1'], unfinished 1.
    let got = run_ok(async {
        let (q, log) = (queue(0), log());
        q.put_nowait(s("a")).unwrap();
        q.get_nowait().unwrap();
        let j = joiner("J1", &q, &log);
        yield_now().await;
        q.task_done().unwrap();
        q.put_nowait(s("b")).unwrap();
        j.await.unwrap();
        assert_eq!(q.unfinished_tasks(), 1);
        log.take()
    });
    assert_eq!(got, ["J1"]);
}

#[test]
fn repr_matches_cpythons_str() {
    // CPython 3.13: `<Queue maxsize=1 _queue=['full'] _putters[1] tasks=1>`.
    run_ok(async {
        let (q, log) = (queue(1), log());
        q.put_nowait(s("full")).unwrap();
        let p = putter("P", &q, &log);
        yield_now().await;
        assert_eq!(format!("{q:?}"), r#"<Queue maxsize=1 _queue=["full"] _putters[1] tasks=1>"#);
        q.shutdown(true);
        p.await.unwrap();
        assert_eq!(format!("{q:?}"), "<Queue maxsize=1 shutdown>");
    });
}

// --- Shutdown (3.13) ----------------------------------------------------------------------

#[test]
fn shutdown_fails_puts_and_lets_gets_drain_the_queue_first() {
    let q = Queue::new(0);
    q.put_nowait(1).unwrap();
    q.shutdown(false);
    assert!(q.is_shutdown());
    assert_eq!(q.put_nowait(2), Err(PutError::QueueShutDown(2)));
    assert_eq!(q.get_nowait(), Ok(1));
    assert_eq!(q.get_nowait(), Err(GetError::QueueShutDown));
}

#[test]
fn shutdown_wakes_blocked_getters_and_putters_with_queue_shut_down() {
    // CPython 3.13: a getter blocked on an empty queue and a putter blocked on a full one both
    // raise QueueShutDown; the item already in the full queue can still be got.
    let got = run_ok(async {
        let (empty, full, log) = (queue(0), queue(1), log());
        full.put_nowait(s("a")).unwrap();
        let g = getter("G1", &empty, &log);
        let p = putter("P1", &full, &log);
        yield_now().await;
        empty.shutdown(false);
        full.shutdown(false);
        g.await.unwrap();
        p.await.unwrap();
        assert_eq!(full.get_nowait(), Ok(s("a")));
        assert_eq!(full.get_nowait(), Err(GetError::QueueShutDown));
        log.take()
    });
    assert_eq!(got, ["G1=QueueShutDown", "P1 QueueShutDown(..)"]);
}

#[test]
fn immediate_shutdown_discards_items_and_counts_them_done() {
    // CPython 3.13: 3 put, 1 got (not done), shutdown(immediate=True): qsize 0, unfinished 1,
    // the joiner still waits; one task_done() releases it; another errors.
    let got = run_ok(async {
        let (q, log) = (queue(0), log());
        for i in 0..3 {
            q.put_nowait(i.to_string()).unwrap();
        }
        q.get_nowait().unwrap();
        let j = joiner("J1", &q, &log);
        yield_now().await;
        q.shutdown(true);
        yield_now().await;
        assert_eq!((q.qsize(), q.unfinished_tasks()), (0, 1));
        assert_eq!(log.borrow().len(), 0, "the joiner must still wait");
        q.task_done().unwrap();
        j.await.unwrap();
        assert!(q.task_done().is_err());
        assert_eq!(q.get_nowait(), Err(GetError::QueueShutDown));
        log.take()
    });
    assert_eq!(got, ["J1"]);
}

#[test]
fn immediate_shutdown_wakes_joiners_before_putters() {
    // CPython 3.13: ['J', 'P'].
    let got = run_ok(async {
        let (q, log) = (queue(1), log());
        q.put_nowait(s("0")).unwrap();
        let j = joiner("J", &q, &log);
        let p = putter("P", &q, &log);
        yield_now().await;
        q.shutdown(true);
        j.await.unwrap();
        p.await.unwrap();
        log.take()
    });
    assert_eq!(got, ["J", "P QueueShutDown(..)"]);
}

// --- Cancellation -------------------------------------------------------------------------

#[test]
fn a_getter_cancelled_before_its_wake_up_leaves_the_next_getter_first_in_line() {
    // State (a).
    let got = run_ok(async {
        let (q, log) = (queue(0), log());
        let g1 = getter("G1", &q, &log);
        let g2 = getter("G2", &q, &log);
        yield_now().await;
        g1.cancel();
        assert_eq!(g1.await, Err(Cancelled::new()));
        assert_eq!(format!("{q:?}"), "<Queue maxsize=0 _getters[1]>");
        q.put_nowait(s("x")).unwrap();
        g2.await.unwrap();
        log.take()
    });
    assert_eq!(got, ["G2=x"]);
}

#[test]
fn a_put_skips_a_getter_whose_cancellation_is_pending() {
    // State (a) in the same step as the put: `g1.cancel(); q.put_nowait(x)`. The put wakes G2,
    // not the cancelled G1. CPython 3.13: [('G2', 'x')], G1 cancelled, qsize 0.
    let got = run_ok(async {
        let (q, log) = (queue(0), log());
        let g1 = getter("G1", &q, &log);
        let g2 = getter("G2", &q, &log);
        yield_now().await;
        g1.cancel();
        q.put_nowait(s("x")).unwrap();
        assert_eq!(g1.await, Err(Cancelled::new()));
        g2.await.unwrap();
        assert_eq!(q.qsize(), 0);
        log.take()
    });
    assert_eq!(got, ["G2=x"]);
}

#[test]
fn bz_q1_a_getter_cancelled_after_its_wake_up_leaves_the_item_in_the_queue() {
    // bpo-23812, state (b): `g = create_task(q.get()); sleep(0); q.put_nowait(x); g.cancel()`.
    // CPython 3.13: qsize() == 1, `<Queue maxsize=0 _queue=['x'] tasks=1>`.
    let got = run_ok(async {
        let (q, log) = (queue(0), log());
        let g = getter("G1", &q, &log);
        yield_now().await;
        q.put_nowait(s("x")).unwrap();
        g.cancel();
        assert_eq!(g.await, Err(Cancelled::new()));
        assert_eq!(q.qsize(), 1, "the item was lost to the cancellation");
        assert_eq!(format!("{q:?}"), r#"<Queue maxsize=0 _queue=["x"] tasks=1>"#);
        log.take()
    });
    assert!(got.is_empty());
}

#[test]
fn a_getter_cancelled_after_its_wake_up_passes_it_on() {
    // State (b), with a second getter. CPython 3.13: [('G2', 'x')], qsize 0.
    let got = run_ok(async {
        let (q, log) = (queue(0), log());
        let g1 = getter("G1", &q, &log);
        let g2 = getter("G2", &q, &log);
        yield_now().await;
        q.put_nowait(s("x")).unwrap();
        g1.cancel();
        assert_eq!(g1.await, Err(Cancelled::new()));
        g2.await.unwrap();
        assert_eq!(q.qsize(), 0);
        log.take()
    });
    assert_eq!(got, ["G2=x"]);
}

#[test]
fn a_putter_cancelled_before_or_after_its_wake_up_leaves_the_slot_to_the_next() {
    // A full Queue(1), putters P1 and P2 waiting. P1 is cancelled before (a) or after (b) a
    // get_nowait() frees the slot. CPython 3.13, both: the queue ends holding ['P2'], and
    // (a) shows `<Queue maxsize=1 _queue=['full'] _putters[1] tasks=1>` after the cancel.
    for woken in [false, true] {
        let got = run_ok(async move {
            let (q, log) = (queue(1), log());
            q.put_nowait(s("full")).unwrap();
            let p1 = putter("P1", &q, &log);
            let p2 = putter("P2", &q, &log);
            yield_now().await;
            if woken {
                push(&log, q.get_nowait().unwrap());
                p1.cancel();
            } else {
                p1.cancel();
                yield_now().await;
                assert_eq!(format!("{q:?}"), r#"<Queue maxsize=1 _queue=["full"] _putters[1] tasks=1>"#);
                push(&log, q.get_nowait().unwrap());
            }
            assert_eq!(p1.await, Err(Cancelled::new()));
            p2.await.unwrap();
            assert_eq!(q.get_nowait(), Ok(s("P2")));
            log.take()
        });
        assert_eq!(got, ["full", "P2 put"], "woken: {woken}");
    }
}

#[test]
fn a_joiner_cancelled_before_or_after_its_wake_up_leaves_the_others_released() {
    // CPython 3.13, state (b): J1 cancelled after the last task_done(): ['J2'], J1 cancelled.
    for woken in [false, true] {
        let got = run_ok(async move {
            let (q, log) = (queue(0), log());
            q.put_nowait(s("a")).unwrap();
            q.get_nowait().unwrap();
            let j1 = joiner("J1", &q, &log);
            let j2 = joiner("J2", &q, &log);
            yield_now().await;
            if woken {
                q.task_done().unwrap();
                j1.cancel();
            } else {
                j1.cancel();
                yield_now().await;
                q.task_done().unwrap();
            }
            assert_eq!(j1.await, Err(Cancelled::new()));
            j2.await.unwrap();
            log.take()
        });
        assert_eq!(got, ["J2"], "woken: {woken}");
    }
}

#[test]
fn bz_q3_cancelled_getters_and_putters_are_not_held() {
    // bpo-31620 / bpo-32574: `wait_for(q.get(), t)` in a loop must not grow `_getters` (nor a
    // full queue's `_putters`).
    run_ok(async {
        let q = queue(1);
        for _ in 0..5 {
            assert!(timeout(Duration::from_millis(10), q.get()).await.is_err());
        }
        assert_eq!(format!("{q:?}"), "<Queue maxsize=1>");
        q.put_nowait(s("full")).unwrap();
        for _ in 0..5 {
            assert!(timeout(Duration::from_millis(10), q.put(s("more"))).await.is_err());
        }
        assert_eq!(format!("{q:?}"), r#"<Queue maxsize=1 _queue=["full"] tasks=1>"#);
    });
}

// --- Trace ops ----------------------------------------------------------------------------

/// The queue ops of a run as `task:op` (with sizes for put/get).
fn queue_ops(trace: &weft::Trace) -> Vec<String> {
    let mut names = Vec::new();
    let mut ops = Vec::new();
    for record in &trace.events {
        match &record.event {
            Event::Spawn { name, .. } => names.push(name.clone()),
            Event::Resource { op, .. } => {
                let task = &names[record.task.unwrap().index()];
                let op = match op {
                    Op::Put { size } => format!("put{size}"),
                    Op::Get { size } => format!("get{size}"),
                    Op::Wake { waiter } => format!("wake({})", names[waiter.index()]),
                    Op::Shutdown { immediate } => format!("shutdown({immediate})"),
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
fn trace_records_waits_wakes_and_sizes_of_hand_offs() {
    let run = Runtime::new().run(async {
        let (q, log) = (queue(1), log());
        let p = putter("P", &q, &log);
        q.put_nowait(s("a")).unwrap();
        yield_now().await; // P finds the queue full and waits
        let g = getter("G", &q, &log); // takes "a" at once and wakes P
        g.await.unwrap();
        p.await.unwrap();
        let g2 = getter("G2", &q, &log);
        q.get_nowait().unwrap(); // takes "P"
        yield_now().await; // G2 finds the queue empty and waits
        q.put_nowait(s("c")).unwrap();
        g2.await.unwrap();
        for _ in 0..3 {
            q.task_done().unwrap();
        }
        assert!(q.task_done().is_err());
        q.shutdown(true);
    });
    assert!(run.is_ok(), "{}", run.failure.unwrap());
    assert_eq!(
        queue_ops(&run.trace),
        [
            "main:put1",
            "P:wait",
            "G:get0",
            "G:wake(P)",
            "P:resume",
            "P:put1",
            "main:get0",
            "G2:wait",
            "main:put1",
            "main:wake(G2)",
            "G2:resume",
            "G2:get0",
            "main:task_done",
            "main:task_done",
            "main:task_done",
            "main:misuse",
            "main:shutdown(true)",
        ]
    );
}

#[test]
fn trace_conserves_items_through_cancellations_and_an_immediate_shutdown() {
    let run = Runtime::new().run(async {
        let (q, log) = (queue(2), log());
        let getters: Vec<_> = (0..3).map(|i| getter(&format!("G{i}"), &q, &log)).collect();
        yield_now().await;
        for i in 0..2 {
            q.put_nowait(i.to_string()).unwrap();
        }
        getters[0].cancel(); // woken, then cancelled: passes its wake-up to G2
        let putters: Vec<_> = (0..4).map(|i| putter(&format!("P{i}"), &q, &log)).collect();
        yield_now().await;
        putters[3].cancel();
        yield_now().await;
        q.shutdown(true);
        for t in getters.into_iter().chain(putters) {
            let _ = t.await;
        }
        log.take()
    });
    assert!(run.is_ok(), "{}", run.failure.unwrap());
    let (mut size, mut puts, mut gets) = (0i64, 0, 0);
    for op in queue_ops(&run.trace) {
        let op = op.split(':').nth(1).unwrap();
        if let Some(n) = op.strip_prefix("put") {
            puts += 1;
            size += 1;
            assert_eq!(n.parse::<i64>().unwrap(), size, "put size");
        } else if let Some(n) = op.strip_prefix("get") {
            gets += 1;
            size -= 1;
            assert_eq!(n.parse::<i64>().unwrap(), size, "get size");
        }
    }
    assert_eq!(size, 0, "the immediate shutdown discarded the rest");
    assert_eq!(puts, gets);
    let got = run.output.unwrap();
    assert!(got.contains(&s("G1=0")) && got.contains(&s("G2=1")), "{got:?}");
}

#[test]
fn golden_trace_of_the_producer_consumer() {
    let scenario = weft::scenarios::find("queue-producer-consumer").unwrap();
    let run = scenario.run(0);
    assert!(run.is_ok(), "{}", run.failure.unwrap());
    insta::assert_snapshot!("queue-producer-consumer", run.trace.to_text());
}

// --- Other executors ----------------------------------------------------------------------

#[test]
fn works_under_tokio_current_thread_with_a_local_set() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let local = tokio::task::LocalSet::new();
    let got = local.block_on(&rt, async {
        let q = Rc::new(Queue::new(1));
        let consumer = {
            let q = q.clone();
            tokio::task::spawn_local(async move {
                let mut got = Vec::new();
                while let Ok(item) = q.get().await {
                    got.push(item);
                    q.task_done().unwrap();
                }
                got
            })
        };
        for i in 0..5 {
            q.put(i).await.unwrap();
        }
        q.join().await;
        q.shutdown(false);
        consumer.await.unwrap()
    });
    assert_eq!(got, [0, 1, 2, 3, 4]);
}

#[test]
fn works_under_futures_executor() {
    let got = futures::executor::block_on(async {
        let q = Queue::new(1);
        let consume = async {
            let mut got = Vec::new();
            for _ in 0..3 {
                got.push(q.get().await.unwrap());
            }
            got
        };
        let produce = async {
            for i in 0..3 {
                q.put(i).await.unwrap();
            }
        };
        futures::future::join(consume, produce).await.0
    });
    assert_eq!(got, [0, 1, 2]);
}

// --- Under other schedules ----------------------------------------------------------------

/// Two producers put 3 items each and two consumers try to get 4 items each, every operation
/// under a random `timeout` (so getters and putters are cancelled in both states). Every item
/// put is got exactly once or is still in the queue at the end.
async fn impatient_producers_and_consumers() {
    let q = Rc::new(Queue::new(2));
    let (put, got) = (log(), log());
    let mut tasks = Vec::new();
    for p in 0..2 {
        let (q, put) = (q.clone(), put.clone());
        tasks.push(spawn(format!("producer{p}"), async move {
            for i in 0..3 {
                let patience = Duration::from_millis(10 * weft::random_range(0..=2));
                let item = format!("{p}.{i}");
                if let Ok(Ok(())) = timeout(patience, q.put(item.clone())).await {
                    push(&put, item);
                }
            }
        }));
    }
    for c in 0..2 {
        let (q, got) = (q.clone(), got.clone());
        tasks.push(spawn(format!("consumer{c}"), async move {
            for _ in 0..4 {
                let patience = Duration::from_millis(10 * weft::random_range(0..=2));
                if let Ok(Ok(item)) = timeout(patience, q.get()).await {
                    push(&got, item);
                }
            }
        }));
    }
    for t in tasks {
        // Under fault injection a task may itself be cancelled.
        let _ = t.await;
    }
    while let Ok(item) = q.get_nowait() {
        push(&got, item);
    }
    let (mut put, mut got) = (put.take(), got.take());
    put.sort();
    got.sort();
    assert_eq!(put, got, "items were lost or duplicated");
}

#[test]
fn items_are_conserved_under_random_schedules_with_cancellations() {
    let mut abandons = 0;
    for seed in 0..60 {
        let run = Runtime::new().strategy(Strategy::Random).seed(seed).run(impatient_producers_and_consumers());
        assert!(run.is_ok(), "seed {seed}: {}\n{}", run.failure.unwrap(), run.trace.to_text());
        let ops = queue_ops(&run.trace);
        abandons += ops.iter().filter(|o| o.ends_with(":abandon")).count();
    }
    assert!(abandons > 20, "the runs must cancel waiters: {abandons} abandons");
}

#[test]
fn the_producer_consumer_scenario_holds_under_random_and_pct_schedules() {
    let scenario = weft::scenarios::find("queue-producer-consumer").unwrap();
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
fn items_are_conserved_under_fault_injection() {
    // Cancellations at any suspension point (states a and b), early timeouts, spurious polls and
    // forced yields at fast paths; the program checks conservation itself, weft's accounting
    // checker checks every reported size.
    weft::explore(impatient_producers_and_consumers)
        .strategy(Strategy::Random)
        .faults(weft::Faults::all().rate(0.1).budget(4))
        .schedules(200)
        .seed(3)
        .environment(false)
        .run()
        .assert_ok();
}
