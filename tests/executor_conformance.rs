//! The executor against CPython 3.13: programs whose asyncio version is in `tests/cpython/`, each
//! with the log CPython 3.13 prints, which weft must print in asyncio's order (FIFO), in virtual
//! time. `cpython_prints_the_logs_these_tests_expect` (ignored: it needs pyenv's CPython 3.13)
//! runs the Python programs and checks that the logs here are what they print:
//! `cargo test --test executor_conformance -- --ignored`.

use std::cell::Cell;
use std::rc::Rc;
use weft::prelude::*;
use weft::sim::strategy::{FireContext, PickContext, Scheduler};
use weft::sim::Divergence;
use weft::{Choice, Elapsed};

/// The virtual time in whole seconds, as the Python programs print `loop.time() - start`.
fn secs() -> u64 {
    now().as_secs()
}

/// Python's spelling of a bool.
fn py(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// The lines a run printed.
fn printed<T>(run: &weft::Run<T>) -> Vec<String> {
    assert!(run.is_ok(), "{}\n{}", run.failure.as_ref().unwrap(), run.trace.to_text());
    run.trace.output().map(str::to_string).collect()
}

// ---------------------------------------------------------------------------------------------
// A timeout whose deadline falls at the instant of the lock hand-off that would complete it.

const TIMEOUT_HANDOFF_PY: &str = include_str!("cpython/timeout_handoff.py");

/// What CPython 3.13 prints for `tests/cpython/timeout_handoff.py`: every timer callback due
/// at an instant runs before any task, so the deadline cancels the waiter before the holder's
/// release can hand it the lock; the release finds the waiter's future cancelled, and the lock
/// is left free.
const TIMEOUT_HANDOFF_LOG: &[&str] =
    &["1s holder releases", "1s waiter timed out, lock locked: False", "1s lock locked: False"];

/// `tests/cpython/timeout_handoff.py` in weft: main holds the lock; `holder` releases it at 1 s;
/// `waiter` waits for it under a timeout of 1 s.
async fn timeout_handoff() {
    let lock = Rc::new(Lock::named("lock"));
    lock.acquire().await;
    let l = lock.clone();
    let holder = spawn("holder", async move {
        sleep(Duration::from_secs(1)).await;
        weft::println!("{}s holder releases", secs());
        l.release().unwrap();
    });
    let l = lock.clone();
    let waiter = spawn("waiter", async move {
        match timeout(Duration::from_secs(1), l.acquire()).await {
            Ok(_) => {
                weft::println!("{}s waiter acquired", secs());
                l.release().unwrap();
            }
            Err(Elapsed) => weft::println!("{}s waiter timed out, lock locked: {}", secs(), py(l.locked())),
        }
    });
    holder.await.unwrap();
    waiter.await.unwrap();
    weft::println!("{}s lock locked: {}", secs(), py(lock.locked()));
}

#[test]
fn a_deadline_at_the_instant_of_the_handoff_wins_as_in_cpython() {
    let run = Runtime::new().run(timeout_handoff());
    assert_eq!(printed(&run), TIMEOUT_HANDOFF_LOG);
}

/// asyncio's order everywhere, except that at every timer scheduling point it fires only the
/// first due timer (option 1), letting its task run before the others fire.
struct FirstTimerAlone;

impl Scheduler for FirstTimerAlone {
    fn pick(&mut self, _cx: &PickContext<'_>) -> Result<usize, Divergence> {
        Ok(0)
    }

    fn draw(&mut self, _bound: u64) -> Result<u64, Divergence> {
        Ok(0)
    }

    fn fire(&mut self, _cx: &FireContext<'_>) -> Result<usize, Divergence> {
        Ok(1)
    }
}

#[test]
fn the_handoff_before_the_deadline_is_the_other_order_at_that_instant() {
    let run = Runtime::new().run_with(Box::new(FirstTimerAlone), timeout_handoff());
    // The holder's timer fires alone: it releases, the lock is handed to the waiter, whose
    // acquire completes before its deadline fires.
    assert_eq!(printed(&run), ["1s holder releases", "1s waiter acquired", "1s lock locked: False"]);
    assert_eq!(run.schedule.choices.iter().filter(|c| **c == Choice::Pick(1)).count(), 1, "{:?}", run.schedule);
    // A recorded choice: the schedule replays it.
    let again = Runtime::new().strategy(Strategy::Replay(run.schedule.clone())).run(timeout_handoff());
    assert_eq!(printed(&again), printed(&run));
}

#[test]
fn exploring_strategies_reach_both_orders_at_that_instant() {
    // Random and PCT choose at timer scheduling points too (asyncio's order half the time), with
    // or without faults (which wrap the strategy): over a few seeds each of the three orders of
    // the two timers due at 1 s shows up.
    let spurious = Faults { spurious: true, ..Faults::none() };
    for (strategy, faults) in
        [(Strategy::Random, Faults::none()), (Strategy::Pct { depth: 3 }, Faults::none()), (Strategy::Random, spurious)]
    {
        let mut outcomes = std::collections::BTreeSet::new();
        for seed in 0..32 {
            let run = Runtime::new().strategy(strategy.clone()).faults(faults).seed(seed).run(timeout_handoff());
            let log = printed(&run);
            outcomes.extend(log.into_iter().filter(|line| line.contains("waiter")));
        }
        // All timers at once (asyncio's): timed out, lock free; the holder's alone: acquired;
        // the deadline alone: timed out while the holder still holds the lock.
        let expected =
            ["1s waiter acquired", "1s waiter timed out, lock locked: False", "1s waiter timed out, lock locked: True"];
        assert_eq!(outcomes.iter().map(String::as_str).collect::<Vec<_>>(), expected, "{strategy} {faults:?}");
    }
    // FIFO keeps asyncio's order at every seed.
    for seed in 0..8 {
        assert_eq!(printed(&Runtime::new().seed(seed).run(timeout_handoff())), TIMEOUT_HANDOFF_LOG);
    }
}

// ---------------------------------------------------------------------------------------------
// A task cancelled while it awaits another task; a task nobody awaits.

const JOIN_CANCEL_PY: &str = include_str!("cpython/join_cancel.py");

/// What CPython 3.13 prints for `tests/cpython/join_cancel.py`: `parent.cancel()` cancels the
/// task `parent` awaits; `parent` gets its `CancelledError` from that await once `child` has
/// finished cancelled. The task nobody awaits runs to its end.
const JOIN_CANCEL_LOG: &[&str] = &[
    "1s child cancelled",
    "1s parent cancelled",
    "1s child cancelled: True, parent cancelled: True",
    "3s detached finished",
    "4s main done",
];

/// Prints `what` and sets `cancelled` when dropped armed: where asyncio's `except
/// CancelledError:` runs.
struct OnCancel {
    what: &'static str,
    armed: bool,
    cancelled: Rc<Cell<bool>>,
}

impl OnCancel {
    fn new(what: &'static str) -> (OnCancel, Rc<Cell<bool>>) {
        let cancelled = Rc::new(Cell::new(false));
        (OnCancel { what, armed: true, cancelled: cancelled.clone() }, cancelled)
    }
}

impl Drop for OnCancel {
    fn drop(&mut self) {
        if self.armed {
            self.cancelled.set(true);
            weft::println!("{}s {}", secs(), self.what);
        }
    }
}

/// `tests/cpython/join_cancel.py` in weft.
async fn join_cancel() {
    let (on_cancel, child_cancelled) = OnCancel::new("child cancelled");
    let child = spawn("child", async move {
        let mut cancelled = on_cancel; // the whole guard lives in the task
        sleep(Duration::from_secs(10)).await;
        cancelled.armed = false;
        weft::println!("child finished");
    });
    let parent = spawn("parent", async move {
        let (mut cancelled, _) = OnCancel::new("parent cancelled");
        let result = child.await;
        cancelled.armed = false;
        weft::println!("parent finished");
        result
    });
    sleep(Duration::from_secs(1)).await;
    parent.cancel();
    let parent_result = parent.await;
    weft::println!(
        "{}s child cancelled: {}, parent cancelled: {}",
        secs(),
        py(child_cancelled.get()),
        py(parent_result == Err(weft::Cancelled::new()))
    );
    let detached = spawn("detached", async {
        sleep(Duration::from_secs(2)).await;
        weft::println!("{}s detached finished", secs());
    });
    drop(detached); // nobody awaits it: it runs on
    sleep(Duration::from_secs(3)).await;
    weft::println!("{}s main done", secs());
}

#[test]
fn a_task_cancelled_while_it_awaits_another_cancels_that_task_first_as_in_cpython() {
    let run = Runtime::new().run(join_cancel());
    assert_eq!(printed(&run), JOIN_CANCEL_LOG);
}

// ---------------------------------------------------------------------------------------------
// CPython itself.

/// The first `~/.pyenv/versions/3.13.*/bin/python`.
fn cpython_3_13() -> Option<std::path::PathBuf> {
    let versions = std::path::Path::new(&std::env::var_os("HOME")?).join(".pyenv/versions");
    let mut found: Vec<_> = std::fs::read_dir(versions)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("3.13"))
        .map(|e| e.path().join("bin/python"))
        .filter(|p| p.exists())
        .collect();
    found.sort();
    found.into_iter().next()
}

#[test]
#[ignore = "needs pyenv's CPython 3.13: cargo test --test executor_conformance -- --ignored"]
fn cpython_prints_the_logs_these_tests_expect() {
    let python = cpython_3_13().expect("no ~/.pyenv/versions/3.13.*/bin/python");
    for (program, log) in [(TIMEOUT_HANDOFF_PY, TIMEOUT_HANDOFF_LOG), (JOIN_CANCEL_PY, JOIN_CANCEL_LOG)] {
        let out = std::process::Command::new(&python).arg("-c").arg(program).output().expect("python runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let printed = String::from_utf8(out.stdout).unwrap();
        assert_eq!(printed.lines().collect::<Vec<_>>(), log, "{program}");
    }
}

// ---------------------------------------------------------------------------------------------
// A task's end: its future's drop handlers run before its join wakes the awaiter, and within
// the run, whoever still holds the join handle.

/// The index in `run`'s trace of the first event by `task` that `is` picks out.
fn position<T>(run: &weft::Run<T>, task: weft::TaskId, is: impl Fn(&weft::traces::Event) -> bool) -> usize {
    let found = run.trace.events.iter().position(|r| r.task == Some(task) && is(&r.event));
    found.unwrap_or_else(|| panic!("no such event by {task:?} in\n{}", run.trace.to_text()))
}

/// `child` releases a lock in its future's drop and its end wakes `main`: the release comes
/// first in the trace.
fn release_then_wake(run: &weft::Run<weft::TaskId>) {
    use weft::traces::{Event, Op};
    let child = run.output.expect("the run returns the child's id");
    let release = position(run, child, |e| matches!(e, Event::Resource { op: Op::Release, .. }));
    let wakes_main = |r: &weft::traces::Record| {
        r.task != Some(child) && matches!(r.event, Event::Wake { by: Some(by) } if by == child)
    };
    let wake = run.trace.events.iter().position(wakes_main).expect("the child's end wakes main");
    assert!(release < wake, "the join woke its awaiter before the future's drop released:\n{}", run.trace.to_text());
}

#[test]
fn a_cancelled_task_runs_its_drop_handlers_before_its_join_wakes_the_awaiter() {
    let run = Runtime::new().run(async {
        let lock = Rc::new(Lock::new());
        let held = lock.clone();
        let child = spawn("child", async move {
            let _guard = held.lock().await;
            std::future::pending::<()>().await;
        });
        yield_now().await; // the child holds the lock
        let id = child.id();
        child.cancel();
        assert!(child.await.is_err());
        id
    });
    assert!(run.is_ok(), "{:?}", run.failure);
    release_then_wake(&run);
}

/// Returns at its first poll and releases the lock it holds only when dropped, as a
/// hand-written future may.
struct ReturnsHolding(#[allow(dead_code)] weft::primitives::LockGuard<'static>);

impl std::future::Future for ReturnsHolding {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        std::task::Poll::Ready(())
    }
}

#[test]
fn a_returning_task_drops_its_future_before_its_join_wakes_the_awaiter() {
    let run = Runtime::new().run(async {
        let lock: &'static Lock = Box::leak(Box::new(Lock::new()));
        let guard = lock.lock().await;
        // The task's future itself returns holding the lock (not a future awaited inside an
        // async block, which the block drops before it returns).
        let child = spawn("child", ReturnsHolding(guard));
        let id = child.id();
        child.await.unwrap();
        id
    });
    assert!(run.is_ok(), "{:?}", run.failure);
    release_then_wake(&run);
}

#[test]
fn a_task_whose_handle_outlives_the_run_has_its_future_dropped_in_the_run() {
    let dropped = Rc::new(Cell::new(false));
    let seen = dropped.clone();
    let run = Runtime::new().run(async move {
        struct Flag(Rc<Cell<bool>>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.set(true);
            }
        }
        let flag = Flag(seen);
        // Never finishes; its handle is the run's output (in a tuple: clippy takes an async
        // block that returns a future for a missing `.await`).
        (spawn("forever", async move {
            let _flag = flag;
            std::future::pending::<()>().await;
        }),)
    });
    let (handle,) = run.output.expect("main returned the handle");
    assert!(dropped.get(), "the task's future outlived the run");
    assert!(handle.cancelled(), "a task whose future the run's end dropped finishes cancelled");
}
