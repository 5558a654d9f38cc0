//! The invariant checkers: for each one, a deliberately broken resource or program it must catch
//! (with the violation's kind, naming the tasks and the resource), and correct programs it must
//! pass over many schedules of every strategy.
//!
//! CI-sized: a few hundred schedules per strategy. The heavy version (100,000 schedules per
//! strategy) is `heavy_correct_programs_pass_100k_schedules_per_strategy`, `#[ignore]`d:
//! `cargo test --release --test checkers -- --ignored`.

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use weft::sim::Failure;
use weft::traces::resource::{self, Held, Resource};
use weft::traces::{check, ResourceKind, Rule, TaskId};
use weft::{
    explore, sleep, spawn, yield_now, Barrier, Condition, Event, Faults, Lock, Queue, Runtime, Semaphore, Strategy,
    ViolationKind,
};

// ---------------------------------------------------------------------------------------------
// A small hand-off lock written the way a user writes their own primitive, marked with the
// foreign-resource API. Its modes break it in one way each.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    /// FIFO hand-off, passes a received hand-off on when dropped: correct.
    Correct,
    /// Hands the lock to the newest waiter.
    Lifo,
    /// A waiter woken with the hand-off and then dropped keeps it: the lock stays taken by nobody.
    DropsHandoff,
    /// `release()` frees the lock but wakes nobody.
    NoWake,
    /// `acquire()` checks, yields, then takes the lock: two tasks can get in.
    CheckThenAct,
}

struct HandoffLock {
    mode: Mode,
    locked: Cell<bool>,
    /// Waiters in arrival order: (ticket, task, waker).
    waiters: RefCell<Vec<(u64, Option<TaskId>, Waker)>>,
    /// Tickets the lock was handed to and that have not run yet.
    handed: RefCell<Vec<u64>>,
    next: Cell<u64>,
    res: Resource,
}

impl HandoffLock {
    fn new(mode: Mode) -> HandoffLock {
        HandoffLock {
            mode,
            locked: Cell::new(false),
            waiters: RefCell::new(Vec::new()),
            handed: RefCell::new(Vec::new()),
            next: Cell::new(0),
            res: Resource::foreign("handoff", 1, true),
        }
    }

    async fn lock(&self) -> Held<'_, ()> {
        if self.mode == Mode::CheckThenAct {
            return self
                .res
                .acquire(async {
                    while self.locked.get() {
                        yield_now().await;
                    }
                    yield_now().await;
                    self.locked.set(true);
                })
                .await;
        }
        self.res.acquire(Acquire { lock: self, ticket: None }).await
    }

    fn unlock(&self) {
        if self.mode == Mode::CheckThenAct || self.mode == Mode::NoWake {
            self.locked.set(false);
            return;
        }
        self.hand_on();
    }

    /// Hands the lock to the next waiter, or frees it.
    fn hand_on(&self) {
        let mut waiters = self.waiters.borrow_mut();
        if waiters.is_empty() {
            self.locked.set(false);
            return;
        }
        let (ticket, task, waker) = match self.mode {
            Mode::Lifo => waiters.pop().expect("not empty"),
            _ => waiters.remove(0),
        };
        self.handed.borrow_mut().push(ticket);
        if let Some(task) = task {
            self.res.wake(task);
        }
        waker.wake();
    }
}

struct Acquire<'a> {
    lock: &'a HandoffLock,
    ticket: Option<u64>,
}

impl Future for Acquire<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let lock = self.lock;
        match self.ticket {
            None if !lock.locked.get() => {
                lock.locked.set(true);
                Poll::Ready(())
            }
            None => {
                let ticket = lock.next.get();
                lock.next.set(ticket + 1);
                lock.waiters.borrow_mut().push((ticket, resource::current_task(), cx.waker().clone()));
                self.ticket = Some(ticket);
                Poll::Pending
            }
            Some(ticket) => {
                let mut handed = lock.handed.borrow_mut();
                match handed.iter().position(|t| *t == ticket) {
                    Some(i) => {
                        handed.remove(i);
                        self.ticket = None;
                        Poll::Ready(())
                    }
                    None => Poll::Pending,
                }
            }
        }
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(ticket) = self.ticket else { return };
        let lock = self.lock;
        lock.waiters.borrow_mut().retain(|(t, _, _)| *t != ticket);
        let was_handed = {
            let mut handed = lock.handed.borrow_mut();
            let at = handed.iter().position(|t| *t == ticket);
            at.map(|i| handed.remove(i)).is_some()
        };
        if was_handed && lock.mode != Mode::DropsHandoff {
            lock.hand_on();
        }
    }
}

/// Three workers take the lock twice each, with a yield inside; the main task checks they never
/// overlap (so a broken lock fails by the checkers first, not by this assertion alone).
async fn workers(mode: Mode) {
    let lock = Rc::new(HandoffLock::new(mode));
    let tasks: Vec<_> = (0..3)
        .map(|i| {
            let lock = lock.clone();
            spawn(format!("w{i}"), async move {
                for _ in 0..2 {
                    let held = lock.lock().await;
                    yield_now().await;
                    drop(held);
                    lock.unlock();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

/// main holds the lock; a and b queue; main releases (handing it to a) and cancels a before it
/// runs (state b): a's hand-off must reach b.
async fn handoff_then_cancel(mode: Mode) {
    let lock = Rc::new(HandoffLock::new(mode));
    let held = lock.lock().await;
    let (l1, l2) = (lock.clone(), lock.clone());
    let a = spawn("a", async move {
        let _h = l1.lock().await;
        l1.unlock();
    });
    let b = spawn("b", async move {
        let h = l2.lock().await;
        drop(h);
        l2.unlock();
    });
    yield_now().await;
    drop(held);
    lock.unlock();
    a.cancel();
    let _ = a.await;
    b.await.unwrap();
}

fn strategies() -> Vec<Strategy> {
    vec![Strategy::Random, Strategy::Pct { depth: 3 }, Strategy::Dfs { max_preemptions: Some(2) }]
}

/// Explores `program` under `strategy` and returns the first failure's kind and message.
fn first_failure<F, Fut>(strategy: Strategy, schedules: u64, program: F) -> Option<(ViolationKind, String)>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future + 'static,
{
    let report = explore(program).strategy(strategy).schedules(schedules).environment(false).shrink(false).run();
    report.failure.map(|found| match &found.failure {
        Failure::Violation(v) => (v.kind, v.message.clone()),
        other => panic!("expected a violation, got {other}"),
    })
}

fn assert_caught<F, Fut>(program: F, kind: ViolationKind, needles: &[&str])
where
    F: Fn() -> Fut + Send + Sync + Clone,
    Fut: Future + 'static,
{
    for strategy in strategies() {
        let (found, message) = first_failure(strategy.clone(), 500, program.clone())
            .unwrap_or_else(|| panic!("{strategy} missed the {} violation", kind.name()));
        assert_eq!(found, kind, "{strategy}: {message}");
        for needle in needles {
            assert!(message.contains(needle), "{strategy}: {needle:?} missing from: {message}");
        }
    }
}

/// Explores `program` under every strategy; every schedule must pass, and every strategy must run
/// all `schedules` (or exhaust the program's schedules, as bounded DFS may). Returns a line per
/// strategy saying how many schedules (and distinct interleavings) ran.
fn assert_holds<F, Fut>(program: F, schedules: u64, faults: Faults) -> Vec<String>
where
    F: Fn() -> Fut + Send + Sync + Clone,
    Fut: Future + 'static,
{
    let mut ran = Vec::new();
    for strategy in strategies() {
        let report = explore(program.clone())
            .strategy(strategy)
            .schedules(schedules)
            .faults(faults)
            .environment(false)
            .shrink(false)
            .run();
        report.assert_ok();
        assert!(report.schedules == schedules || report.enumerated, "{report}");
        ran.push(format!("{report}"));
    }
    ran
}

// ---------------------------------------------------------------------------------------------
// Mutual exclusion.

#[test]
fn a_check_then_act_lock_breaks_mutual_exclusion() {
    assert_caught(|| workers(Mode::CheckThenAct), ViolationKind::MutualExclusion, &["Resource 'handoff'", "admits 1"]);
}

#[test]
fn the_correct_handoff_lock_and_weft_lock_keep_mutual_exclusion() {
    assert_holds(|| workers(Mode::Correct), 300, Faults::none());
    assert_holds(
        || async {
            let lock = Rc::new(Lock::named("l"));
            let tasks: Vec<_> = (0..3)
                .map(|i| {
                    let lock = lock.clone();
                    spawn(format!("w{i}"), async move {
                        let _g = lock.lock().await;
                        yield_now().await;
                    })
                })
                .collect();
            for t in tasks {
                let _ = t.await;
            }
        },
        300,
        Faults { cancel: true, ..Faults::none() },
    );
}

// ---------------------------------------------------------------------------------------------
// FIFO fairness.

#[test]
fn a_lifo_handoff_breaks_fifo() {
    assert_caught(|| workers(Mode::Lifo), ViolationKind::Fifo, &["promises FIFO order", "waiting since step"]);
}

#[test]
fn weft_semaphore_grants_in_fifo_order_under_cancellations() {
    assert_holds(
        || async {
            let sem = Rc::new(Semaphore::named("s", 1));
            let tasks: Vec<_> = (0..4)
                .map(|i| {
                    let sem = sem.clone();
                    spawn(format!("w{i}"), async move {
                        for _ in 0..2 {
                            let _p = sem.permit().await;
                            yield_now().await;
                        }
                    })
                })
                .collect();
            for t in tasks {
                let _ = t.await;
            }
        },
        300,
        Faults { cancel: true, ..Faults::none() },
    );
}

// ---------------------------------------------------------------------------------------------
// Lost wake-ups and lost hand-offs.

/// main holds the lock while `a` queues, then releases it once.
async fn release_once(mode: Mode) {
    let lock = Rc::new(HandoffLock::new(mode));
    let held = lock.lock().await;
    let l = lock.clone();
    let a = spawn("a", async move {
        let h = l.lock().await;
        drop(h);
        l.unlock();
    });
    yield_now().await;
    drop(held);
    lock.unlock();
    a.await.unwrap();
}

#[test]
fn a_release_that_wakes_nobody_is_a_lost_wakeup_at_the_end_of_its_step() {
    let run = Runtime::new().run(release_once(Mode::NoWake));
    let v = run.violation().expect("caught");
    assert_eq!(v.kind, ViolationKind::LostWakeup, "{v}");
    assert!(v.message.contains("Resource 'handoff' (r0) has 1 free unit(s) at the end of 'main' (#0)'s step"), "{v}");
    assert!(v.message.contains("'a' (#1) (waiting since step 2) was not woken"), "{v}");
    assert_eq!(v.step, 3, "caught in the releasing step itself, not at quiescence");
    assert_caught(|| release_once(Mode::NoWake), ViolationKind::LostWakeup, &["Resource 'handoff'"]);
    assert_holds(|| release_once(Mode::Correct), 100, Faults::none());
}

#[test]
fn a_woken_then_cancelled_waiter_that_keeps_its_handoff_is_an_accounting_violation() {
    let run = Runtime::new().run(handoff_then_cancel(Mode::DropsHandoff));
    let v = run.violation().expect("caught");
    assert_eq!(v.kind, ViolationKind::Accounting, "{v}");
    assert!(v.message.contains("'a' (#1) was woken with a hand-off of Resource 'handoff'"), "{v}");
    assert!(v.message.contains("did not reach 'b' (#2)"), "{v}");
    // The same program with a lock that passes the hand-off on holds, in every order.
    assert!(Runtime::new().run(handoff_then_cancel(Mode::Correct)).is_ok());
    assert_holds(|| handoff_then_cancel(Mode::Correct), 200, Faults::none());
}

/// A flag written without marks: `set()` forgets to wake the waiter, whose poll would see it.
struct Flag {
    set: Cell<bool>,
    waiter: RefCell<Option<Waker>>,
    wakes: bool,
}

async fn flag_program(wakes: bool) {
    let flag = Rc::new(Flag { set: Cell::new(false), waiter: RefCell::new(None), wakes });
    let f = flag.clone();
    let waiter = spawn("waiter", async move {
        poll_fn(|cx| {
            if f.set.get() {
                return Poll::Ready(());
            }
            *f.waiter.borrow_mut() = Some(cx.waker().clone());
            Poll::Pending
        })
        .await
    });
    yield_now().await;
    flag.set.set(true);
    if flag.wakes {
        if let Some(w) = flag.waiter.borrow_mut().take() {
            w.wake();
        }
    }
    waiter.await.unwrap();
}

#[test]
fn a_spurious_poll_at_quiescence_tells_a_lost_wakeup_from_a_deadlock() {
    let run = Runtime::new().run(flag_program(false));
    let v = run.violation().expect("caught");
    assert_eq!(v.kind, ViolationKind::LostWakeup, "{v}");
    assert!(v.message.contains("a spurious poll of 'waiter' (#1)"), "{v}");
    assert!(v.message.contains("made progress"), "{v}");
    assert!(Runtime::new().run(flag_program(true)).is_ok());
    // With checks off there is no probe: the same run is reported as a plain deadlock.
    let run = Runtime::new().checks(false).run(flag_program(false));
    assert_eq!(run.failure.and_then(|f| f.kind()), Some(ViolationKind::Deadlock));
}

// ---------------------------------------------------------------------------------------------
// Deadlock.

async fn two_locks(inverted: bool) {
    let a = Rc::new(Lock::named("a"));
    let b = Rc::new(Lock::named("b"));
    let (a1, b1) = (a.clone(), b.clone());
    let t1 = spawn("t1", async move {
        let _x = a1.lock().await;
        yield_now().await;
        let _y = b1.lock().await;
    });
    let t2 = spawn("t2", async move {
        let (first, second) = if inverted { (b, a) } else { (a, b) };
        let _x = first.lock().await;
        yield_now().await;
        let _y = second.lock().await;
    });
    t1.await.unwrap();
    t2.await.unwrap();
}

#[test]
fn a_lock_order_inversion_is_a_deadlock_with_its_wait_for_cycle() {
    let run = Runtime::new().run(two_locks(true));
    let v = run.violation().expect("deadlocks in FIFO order");
    assert_eq!(v.kind, ViolationKind::Deadlock, "{v}");
    for needle in [
        "'t1' (#1) waits on Lock 'b' (r1), held by 't2' (#2)",
        "'t2' (#2) waits on Lock 'a' (r0), held by 't1' (#1)",
        "'main' (#0) waits for task 't1' (#1) to finish",
        "wait-for cycle: 't1' (#1) holds Lock 'a' (r0) and waits for Lock 'b' (r1), held by 't2' (#2), which waits for Lock 'a' (r0), held by 't1' (#1)",
    ] {
        assert!(v.message.contains(needle), "{needle:?} missing from:\n{v}");
    }
    assert_holds(|| two_locks(false), 300, Faults::none());
}

/// Beats every second until `done` (forever, if the program deadlocks before it sets it).
fn heartbeat(done: Rc<Cell<bool>>) {
    spawn("heartbeat", async move {
        while !done.get() {
            sleep(Duration::from_secs(1)).await;
        }
    });
}

/// `a` and `b` take two locks in opposite orders while a heartbeat runs.
async fn cycle_with_heartbeat(inverted: bool) {
    let done = Rc::new(Cell::new(false));
    heartbeat(done.clone());
    let (l1, l2) = (Rc::new(Lock::named("l1")), Rc::new(Lock::named("l2")));
    let (a1, a2) = (l1.clone(), l2.clone());
    let a = spawn("a", async move {
        let _x = a1.lock().await;
        yield_now().await;
        let _y = a2.lock().await;
    });
    let b = spawn("b", async move {
        let (first, second) = if inverted { (l2, l1) } else { (l1, l2) };
        let _x = first.lock().await;
        yield_now().await;
        let _y = second.lock().await;
    });
    a.await.unwrap();
    b.await.unwrap();
    done.set(true);
}

#[test]
fn a_lock_order_cycle_is_a_deadlock_at_the_step_it_closes_while_a_heartbeat_runs() {
    let run = Runtime::new().run(cycle_with_heartbeat(true));
    let v = run.violation().expect("the cycle is found");
    assert_eq!(v.kind, ViolationKind::Deadlock, "{v}");
    // Steps: main, heartbeat (sleeps), a (takes l1), b (takes l2), a (waits for l2), b (waits
    // for l1): the cycle closes at step 6, at 0 s, with the heartbeat's timer pending.
    assert_eq!((v.step, v.time), (6, weft::traces::Time::ZERO), "{v}");
    assert_eq!(v.task, Some(TaskId(3)), "'b' closed it");
    for needle in [
        // main waits for 'a' to finish: it can never be woken either.
        "3 task(s) can never be woken, while the run goes on without them",
        "wait-for cycle: 'a' (#2) holds Lock 'l1' (r0) and waits for Lock 'l2' (r1), held by 'b' (#3), which waits for Lock 'l1' (r0), held by 'a' (#2)",
        "'main' (#0) waits for task 'a' (#2) to finish",
        "'a' (#2) waits on Lock 'l2' (r1), held by 'b' (#3) (since step 5)",
        "'b' (#3) waits on Lock 'l1' (r0), held by 'a' (#2) (since step 6)",
    ] {
        assert!(v.message.contains(needle), "{needle:?} missing from:\n{v}");
    }
    assert!(!v.message.contains("heartbeat"), "the heartbeat is not part of it:\n{v}");
    same_verdict_offline(Runtime::new().run(cycle_with_heartbeat(true)));
    assert_caught(|| cycle_with_heartbeat(true), ViolationKind::Deadlock, &["wait-for cycle: ", "Lock 'l1' (r0)"]);
    assert_holds(|| cycle_with_heartbeat(false), 300, Faults::none());
}

/// `w` takes the lock, `h1` and `h2` a permit each of a Semaphore of 2; then `w` waits for a
/// permit and `h1` for the lock. `h2` either also waits for the lock (a knot: every holder of
/// the semaphore is stuck) or sleeps and gives its permit back (no deadlock: `w` waits for any
/// holder, and one of them still runs).
async fn semaphore_knot(every_holder_stuck: bool) {
    let done = Rc::new(Cell::new(false));
    heartbeat(done.clone());
    let sem = Rc::new(Semaphore::named("s", 2));
    let lock = Rc::new(Lock::named("l"));
    let (s, l) = (sem.clone(), lock.clone());
    let w = spawn("w", async move {
        let _held = l.lock().await;
        yield_now().await;
        let _permit = s.permit().await;
    });
    let (s, l) = (sem.clone(), lock.clone());
    let h1 = spawn("h1", async move {
        let _permit = s.permit().await;
        yield_now().await;
        let _held = l.lock().await;
    });
    let h2 = spawn("h2", async move {
        let _permit = sem.permit().await;
        match every_holder_stuck {
            true => {
                yield_now().await;
                let _held = lock.lock().await;
            }
            false => sleep(Duration::from_secs(3)).await,
        }
    });
    for t in [w, h1, h2] {
        t.await.unwrap();
    }
    done.set(true);
}

#[test]
fn a_semaphore_waiter_is_deadlocked_only_when_every_holder_is() {
    let run = Runtime::new().run(semaphore_knot(true));
    let v = run.violation().expect("the knot is found");
    assert_eq!(v.kind, ViolationKind::Deadlock, "{v}");
    for needle in [
        "4 task(s) can never be woken",
        "wait-for cycle: 'w' (#2) holds Lock 'l' (r1) and waits for Semaphore 's' (r0), held by 'h1' (#3), which waits for Lock 'l' (r1), held by 'w' (#2)",
        "'w' (#2) waits on Semaphore 's' (r0), held by 'h1' (#3), 'h2' (#4)",
        "'h2' (#4) waits on Lock 'l' (r1), held by 'w' (#2)",
    ] {
        assert!(v.message.contains(needle), "{needle:?} missing from:\n{v}");
    }
    same_verdict_offline(Runtime::new().run(semaphore_knot(true)));
    // One holder still runs: nobody is deadlocked, in any order.
    let run = Runtime::new().run(semaphore_knot(false));
    assert!(run.is_ok(), "{:?}", run.failure);
    assert_holds(|| semaphore_knot(false), 300, Faults::none());
}

/// `a` holds `l1` and waits for `l2` under a `timeout` of 5 s; `b` holds `l2` and waits for `l1`.
/// With `give_up`, `a`'s deadline breaks the cycle; without, `a`'s acquire of a third lock,
/// under a 10 s timeout that completes at once, leaves a deadline the events do not show (and
/// no deadline on the cycle).
async fn cycle_with_timeout(give_up: bool) -> Option<bool> {
    let done = Rc::new(Cell::new(false));
    heartbeat(done.clone());
    let (l1, l2, l3) = (Rc::new(Lock::named("l1")), Rc::new(Lock::named("l2")), Rc::new(Lock::named("l3")));
    let (a1, a2) = (l1.clone(), l2.clone());
    let a = spawn("a", async move {
        let _x = a1.lock().await;
        // Completes in its second step: its 10 s deadline is dropped, which no event records.
        let _z = weft::timeout(Duration::from_secs(10), async {
            yield_now().await;
            l3.lock().await
        })
        .await;
        match give_up {
            true => weft::timeout(Duration::from_secs(5), a2.lock()).await.is_ok(),
            false => {
                let _y = a2.lock().await;
                true
            }
        }
    });
    let b = spawn("b", async move {
        let _x = l2.lock().await;
        yield_now().await;
        let _y = l1.lock().await;
    });
    let acquired = a.await.ok();
    b.await.unwrap();
    done.set(true);
    acquired
}

#[test]
fn a_wait_with_a_deadline_is_not_a_deadlock() {
    let run = Runtime::new().run(cycle_with_timeout(true));
    assert!(run.is_ok(), "{:?}", run.failure);
    assert_eq!(run.output, Some(Some(false)), "'a' gave up at its deadline, and 'b' got 'l1'");
    assert_holds(|| cycle_with_timeout(true), 200, Faults::none());
}

#[test]
fn a_cycle_behind_a_dropped_deadline_is_found_once_the_clock_passes_it() {
    let run = Runtime::new().run(cycle_with_timeout(false));
    let v = run.violation().expect("the cycle is found");
    assert_eq!(v.kind, ViolationKind::Deadlock, "{v}");
    // 'a' counts as able to wake until its dropped 10 s deadline has passed: the heartbeat's
    // step at 11 s is the first step end after that.
    assert_eq!(v.time, weft::traces::Time::from(Duration::from_secs(11)), "{v}");
    assert!(v.message.contains("wait-for cycle: 'a' (#2) holds Lock 'l1' (r0) and waits for Lock 'l2' (r1)"), "{v}");
    same_verdict_offline(Runtime::new().run(cycle_with_timeout(false)));
}

/// `main` waits on a Semaphore of 0 that a signaller releases after 2 s, while a heartbeat runs.
async fn semaphore_signal() {
    let done = Rc::new(Cell::new(false));
    heartbeat(done.clone());
    let signal = Rc::new(Semaphore::named("signal", 0));
    let s = signal.clone();
    spawn("signaller", async move {
        sleep(Duration::from_secs(2)).await;
        s.release();
    });
    signal.acquire().await;
    done.set(true);
}

#[test]
fn a_semaphore_used_as_a_signal_is_not_a_deadlock() {
    // Nobody holds a unit of it: any task may release one, so the wait is judged at quiescence.
    let run = Runtime::new().run(semaphore_signal());
    assert!(run.is_ok(), "{:?}", run.failure);
    assert_holds(semaphore_signal, 200, Faults::none());
}

// ---------------------------------------------------------------------------------------------
// Accounting over weft's own Event, Condition, Barrier and Queue (correct) ...

async fn event_program() {
    event_program_n(3).await
}

async fn event_program_n(waiters: usize) {
    let event = Rc::new(Event::named("e"));
    let tasks: Vec<_> = (0..waiters)
        .map(|i| {
            let event = event.clone();
            spawn(format!("w{i}"), async move {
                event.wait().await;
            })
        })
        .collect();
    yield_now().await;
    event.set();
    event.clear();
    event.set();
    for t in tasks {
        let _ = t.await;
    }
}

async fn condition_program() {
    condition_program_n(2).await
}

/// `n` consumers each wait for an item; the main task produces `n`, one `notify(1)` each.
async fn condition_program_n(n: usize) {
    let cond = Rc::new(Condition::named("c"));
    let items = Rc::new(Cell::new(0));
    let consumers: Vec<_> = (0..n)
        .map(|i| {
            let (cond, items) = (cond.clone(), items.clone());
            spawn(format!("c{i}"), async move {
                let _g = cond.lock().await;
                let _ = cond.wait_for(|| items.get() > 0).await;
                items.set(items.get() - 1);
            })
        })
        .collect();
    for _ in 0..n {
        yield_now().await;
        let _g = cond.lock().await;
        items.set(items.get() + 1);
        cond.notify(1).unwrap();
    }
    for t in consumers {
        let _ = t.await;
    }
}

async fn barrier_program() {
    barrier_program_n(3, 2).await
}

async fn barrier_program_n(parties: usize, cycles: usize) {
    let barrier = Rc::new(Barrier::named("b", parties).unwrap());
    let tasks: Vec<_> = (0..parties)
        .map(|i| {
            let barrier = barrier.clone();
            spawn(format!("p{i}"), async move {
                for _ in 0..cycles {
                    let _ = barrier.wait().await;
                }
            })
        })
        .collect();
    for t in tasks {
        let _ = t.await;
    }
}

async fn queue_program() {
    queue_program_n(1, 5).await
}

/// `pairs` producers each put `items` into a 2-slot queue; `pairs` consumers each take as many.
async fn queue_program_n(pairs: usize, items: usize) {
    let queue = Rc::new(Queue::named("q", 2));
    let mut tasks = Vec::new();
    for p in 0..pairs {
        let q = queue.clone();
        tasks.push(spawn(format!("producer{p}"), async move {
            for i in 0..items {
                let _ = q.put(i).await;
            }
        }));
        let q = queue.clone();
        tasks.push(spawn(format!("consumer{p}"), async move {
            for _ in 0..items {
                let _ = q.get().await;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

/// `n` tasks each take weft's Lock (`permits == 0`) or a Semaphore of `permits` `rounds` times,
/// yielding while they hold it.
async fn held_program_n(n: usize, rounds: usize, permits: usize) {
    let lock = Rc::new(Lock::named("l"));
    let sem = Rc::new(Semaphore::named("s", permits.max(1)));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (lock, sem) = (lock.clone(), sem.clone());
            spawn(format!("w{i}"), async move {
                for _ in 0..rounds {
                    if permits == 0 {
                        let _g = lock.lock().await;
                        yield_now().await;
                    } else {
                        let _p = sem.permit().await;
                        yield_now().await;
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        let _ = t.await;
    }
}

#[test]
fn weft_event_wakes_every_waiter_at_set() {
    assert_holds(event_program, 300, Faults::none());
}

#[test]
fn weft_condition_notifications_are_consumed_or_passed_on() {
    assert_holds(condition_program, 300, Faults { cancel: true, ..Faults::none() });
}

#[test]
fn weft_barrier_indices_are_unique_per_cycle() {
    assert_holds(barrier_program, 300, Faults::none());
}

#[test]
fn weft_queue_conserves_items() {
    assert_holds(queue_program, 300, Faults::none());
}

// ... and over broken ones, described through the recorder as a user's own primitive would be.

/// An Event whose woken waiter re-checks the flag, so `set(); clear()` loses the wake-up.
struct RecheckingEvent {
    value: Cell<bool>,
    waiters: RefCell<Vec<Waker>>,
    res: Resource,
}

async fn rechecking_event_program() {
    let event = Rc::new(RecheckingEvent {
        value: Cell::new(false),
        waiters: RefCell::new(Vec::new()),
        res: Resource::event("recheck"),
    });
    let e = event.clone();
    let waiter = spawn("waiter", async move {
        let mut waiting = false;
        poll_fn(|cx| {
            if e.value.get() {
                if waiting {
                    e.res.resume();
                }
                return Poll::Ready(());
            }
            e.waiters.borrow_mut().push(cx.waker().clone());
            e.res.wait();
            waiting = true;
            Poll::Pending
        })
        .await
    });
    yield_now().await;
    event.value.set(true);
    event.res.set();
    for w in event.waiters.borrow_mut().drain(..) {
        w.wake();
    }
    event.value.set(false);
    event.res.clear();
    let _ = waiter.await;
}

#[test]
fn an_event_whose_waiters_recheck_the_flag_loses_a_set() {
    let run = Runtime::new().run(rechecking_event_program());
    let v = run.violation().expect("caught");
    assert_eq!(v.kind, ViolationKind::Accounting, "{v}");
    assert!(v.message.contains("'waiter' (#1) was waiting on Event 'recheck' (r0) when it was set"), "{v}");
}

/// A Barrier that hands out `count` as the index (CPython's gh-155233): after a cancellation an
/// index is handed out twice.
async fn reusing_barrier_program() {
    let barrier = Rc::new(Resource::barrier("reuse", 3));
    let count = Rc::new(Cell::new(0u64));
    let arrive = |barrier: &Resource, count: &Cell<u64>| {
        barrier.arrive(count.get());
        count.set(count.get() + 1);
        barrier.wait();
    };
    let (c, r) = (count.clone(), barrier.clone());
    let a = spawn("a", async move {
        arrive(&r, &c);
        let _cancel_guard = Defer(move || {
            c.set(c.get() - 1);
            r.abandon();
        });
        std::future::pending::<()>().await;
    });
    let (c, r) = (count.clone(), barrier.clone());
    let b = spawn("b", async move {
        arrive(&r, &c);
        std::future::pending::<()>().await;
    });
    yield_now().await;
    a.cancel();
    yield_now().await;
    let (c, r) = (count.clone(), barrier.clone());
    let _c = spawn("c", async move { arrive(&r, &c) });
    yield_now().await;
    b.cancel();
}

struct Defer<F: FnMut()>(F);

impl<F: FnMut()> Drop for Defer<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}

#[test]
fn a_barrier_that_reuses_an_index_within_a_cycle_is_caught() {
    let run = Runtime::new().run(reusing_barrier_program());
    let v = run.violation().expect("caught");
    assert_eq!(v.kind, ViolationKind::Accounting, "{v}");
    assert!(v.message.contains("'c' (#3) got index 1 from Barrier 'reuse' (r0), already held by 'b' (#2)"), "{v}");
}

#[test]
fn a_release_without_a_grant_makes_a_unit_out_of_nothing() {
    let run = Runtime::new().run(async {
        let sem = Resource::bounded_semaphore("bounded", 1);
        sem.request();
        sem.grant();
        sem.release();
        sem.release(); // over-release accepted: a second permit appears
    });
    let v = run.violation().expect("caught");
    assert_eq!(v.kind, ViolationKind::Accounting, "{v}");
    assert!(v.message.contains("'main' (#0) released BoundedSemaphore 'bounded' (r0) more often than it was granted"));
    // A plain Semaphore's extra release is asyncio's documented behaviour: it adds a permit.
    let run = Runtime::new().run(async {
        let sem = Semaphore::named("plain", 1);
        sem.release();
        let _a = sem.permit().await;
        let _b = sem.permit().await;
    });
    assert!(run.is_ok(), "{:?}", run.failure);
}

#[test]
fn a_queue_that_loses_an_item_is_caught() {
    let run = Runtime::new().run(async {
        let queue = Resource::queue("lossy", 0);
        queue.put(1);
        queue.put(2);
        queue.get(0); // two items gone for one get
    });
    let v = run.violation().expect("caught");
    assert_eq!(v.kind, ViolationKind::Accounting, "{v}");
    assert!(v.message.contains("held 2 item(s); after a get by 'main' (#0) it reports 0"), "{v}");
}

#[test]
fn a_condition_waiter_that_drops_its_notification_is_caught() {
    let run = Runtime::new().run(async {
        let cond = Rc::new(Resource::condition("c"));
        let wait = |cond: Rc<Resource>| async move {
            cond.wait();
            let _abandon = Defer(move || cond.abandon());
            std::future::pending::<()>().await;
        };
        let a = spawn("a", wait(cond.clone()));
        let _b = spawn("b", wait(cond.clone()));
        yield_now().await;
        cond.notify(1, 1);
        cond.wake(a.id());
        a.cancel(); // a's notification is dropped with it; b is never told
    });
    let v = run.violation().expect("caught");
    assert_eq!(v.kind, ViolationKind::Accounting, "{v}");
    assert!(v.message.contains("'a' (#1) was notified on Condition 'c' (r0) and withdrew"), "{v}");
    assert!(v.message.contains("'b' (#2) still waits"), "{v}");
}

/// CPython 3.13's `wait()` passes a notification it cannot use on with `_notify(1)`, which
/// reaches the waiters listed at that moment. A notified waiter whose timeout cuts it short,
/// and which at once waits again in the same step (its predicate is still false: another task
/// took the item), is not one of them: its new wait is not owed the notification it dropped.
#[test]
fn a_notified_waiter_that_withdraws_and_waits_again_at_once_is_not_owed_its_own_notification() {
    let run = Runtime::new().run(async {
        let c = Rc::new(Resource::condition("c"));
        let id = c.clone();
        let a = spawn("a", async move {
            id.wait();
            yield_now().await; // main notifies it meanwhile
            id.abandon(); // its timeout fired first
            id.wait(); // and it waits again, in the same step
            yield_now().await;
            id.resume();
        });
        yield_now().await;
        c.notify(1, 1);
        c.wake(a.id());
        yield_now().await;
        c.notify(1, 1);
        c.wake(a.id());
        let _ = a.await;
    });
    assert!(run.is_ok(), "{:?}", run.failure);
}

// ---------------------------------------------------------------------------------------------
// Work conservation and counted units: a user's counting primitive, described through the
// resource API, whose `release(n)` wakes one waiter (`lazy`) or as many as it freed.

/// A waiter of `Counting`: its task, its waker, and whether it was woken.
type CountingWaiter = (Option<TaskId>, Waker, Rc<Cell<bool>>);

struct Counting {
    value: Cell<u64>,
    /// Waiters in arrival order.
    waiters: RefCell<Vec<CountingWaiter>>,
    res: Resource,
    lazy: bool,
}

impl Counting {
    fn new(initial: u64, lazy: bool) -> Counting {
        let res = Resource::counting(ResourceKind::Foreign, "counting", initial, None, true);
        Counting { value: Cell::new(initial), waiters: RefCell::new(Vec::new()), res, lazy }
    }

    async fn acquire(&self) {
        self.res.request();
        let woken = Rc::new(Cell::new(false));
        let mut queued = false;
        poll_fn(|cx| {
            let first = !queued && self.waiters.borrow().is_empty();
            if self.value.get() > 0 && (first || woken.get()) {
                self.value.set(self.value.get() - 1);
                self.res.grant();
                return Poll::Ready(());
            }
            if !queued {
                queued = true;
                self.waiters.borrow_mut().push((resource::current_task(), cx.waker().clone(), woken.clone()));
            }
            Poll::Pending
        })
        .await
    }

    fn release(&self, n: u64) {
        self.value.set(self.value.get() + n);
        self.res.release_units(n);
        let wake = if self.lazy { 1 } else { n };
        for _ in 0..wake {
            let mut waiters = self.waiters.borrow_mut();
            if waiters.is_empty() {
                break;
            }
            let (task, waker, woken) = waiters.remove(0);
            woken.set(true);
            if let Some(task) = task {
                self.res.wake(task);
            }
            waker.wake();
        }
    }
}

/// Two tasks wait on a `Counting` that starts at 0; main releases two units at once.
async fn release_two(lazy: bool) {
    let sem = Rc::new(Counting::new(0, lazy));
    let takers: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|name| {
            let s = sem.clone();
            spawn(name, async move { s.acquire().await })
        })
        .collect();
    yield_now().await;
    sem.release(2);
    for t in takers {
        let _ = t.await;
    }
}

#[test]
fn a_release_of_two_units_that_wakes_one_of_two_waiters_is_a_lost_wakeup() {
    let run = Runtime::new().run(release_two(true));
    let v = run.violation().expect("caught");
    assert_eq!((v.kind, &v.rule), (ViolationKind::LostWakeup, &Rule::Handoff), "{v}");
    assert!(v.message.contains("Resource 'counting' (r0) has 2 free unit(s) at the end of 'main' (#0)'s step"), "{v}");
    assert!(v.message.contains("only 1 of its 2 waiter(s) have a wake-up in flight"), "{v}");
    // Waking as many waiters as units were freed is right, in every schedule.
    assert_holds(|| release_two(false), 200, Faults::none());
}

#[test]
fn a_counting_resource_is_judged_from_its_initial_value() {
    // A `Semaphore(0)` released three times has three units to grant, and no more.
    let run = Runtime::new().run(async {
        let jobs = Resource::counting(ResourceKind::Foreign, "jobs", 0, Some(3), true);
        jobs.release_units(3);
        for _ in 0..3 {
            jobs.request();
            jobs.grant();
        }
        jobs.release_units(3);
    });
    assert!(run.is_ok(), "{:?}", run.failure);
    let run = Runtime::new().run(async {
        let jobs = Resource::counting(ResourceKind::Foreign, "jobs", 0, Some(3), true);
        jobs.release_units(3);
        jobs.release(); // a fourth unit, beyond the capacity
    });
    let v = run.violation().expect("caught");
    assert_eq!((v.kind, &v.rule), (ViolationKind::Accounting, &Rule::Conservation), "{v}");
    assert!(v.message.contains("whose 3 unit(s) were all free already (0 at the start, 0 grants, 3 releases"), "{v}");
    let run = Runtime::new().run(async {
        let jobs = Resource::counting(ResourceKind::Foreign, "jobs", 0, None, true);
        jobs.release();
        jobs.grant();
        jobs.grant(); // the one unit released is granted twice
    });
    let v = run.violation().expect("caught");
    assert_eq!((v.kind, &v.rule), (ViolationKind::MutualExclusion, &Rule::Capacity), "{v}");
    assert!(v.message.contains("has no free unit (0 at the start, 1 releases, 1 grants so far)"), "{v}");
    // weft's own `Semaphore(0)`, released three times, grants three waiters.
    let run = Runtime::new().run(async {
        let sem = Rc::new(Semaphore::named("signal", 0));
        let takers: Vec<_> = (0..3)
            .map(|i| {
                let s = sem.clone();
                spawn(format!("t{i}"), async move { s.acquire().await })
            })
            .collect();
        yield_now().await;
        for _ in 0..3 {
            sem.release();
        }
        for t in takers {
            assert!(t.await.unwrap());
        }
    });
    assert!(run.is_ok(), "{:?}", run.failure);
}

// ---------------------------------------------------------------------------------------------
// Panics and livelock, in the same form.

#[test]
fn panics_and_livelocks_are_violations_too() {
    let run = Runtime::new().run(async {
        spawn("boom", async { panic!("my assertion") }).await.ok();
    });
    let v = run.violation().expect("panicked");
    // The panic's location is the `panic!` above, four lines up.
    let at = format!("tests/checkers.rs:{}:31", line!() - 4);
    assert_eq!(v.location.as_deref(), Some(at.as_str()));
    let message = format!("task 'boom' (#1) panicked at {at}: my assertion");
    assert_eq!((v.kind, v.message.as_str()), (ViolationKind::Panic, message.as_str()));
    // Offline, from the trace alone, the same words.
    assert_eq!(weft::check(&run.trace).as_ref(), Some(v));
    let run = Runtime::new().max_steps(50).run(async {
        loop {
            yield_now().await;
        }
    });
    assert_eq!(run.violation().map(|v| v.kind), Some(ViolationKind::Livelock));
}

// ---------------------------------------------------------------------------------------------
// Offline checking gives the online verdict.

fn same_verdict_offline<T: 'static>(run: weft::Run<T>) {
    // Word for word, deadlocks included: join waits are in the trace (`Join` events).
    let offline = check(&run.trace);
    let online = run.violation().cloned();
    assert_eq!(online, offline, "online and offline verdicts differ");
}

#[test]
fn offline_check_gives_the_online_verdict_on_passing_and_failing_runs() {
    // Failing runs, one per kind.
    same_verdict_offline(Runtime::new().run(handoff_then_cancel(Mode::DropsHandoff)));
    same_verdict_offline(Runtime::new().run(release_once(Mode::NoWake)));
    same_verdict_offline(Runtime::new().run(workers(Mode::NoWake)));
    same_verdict_offline(Runtime::new().run(flag_program(false)));
    same_verdict_offline(Runtime::new().run(two_locks(true)));
    same_verdict_offline(Runtime::new().run(rechecking_event_program()));
    same_verdict_offline(Runtime::new().run(reusing_barrier_program()));
    same_verdict_offline(Runtime::new().max_steps(40).run(async {
        loop {
            yield_now().await;
        }
    }));
    same_verdict_offline(Runtime::new().run(async {
        spawn("boom", async { panic!("my assertion") }).await.ok();
    }));
    // Failing and passing runs under other strategies and seeds.
    for seed in 0..40 {
        for strategy in strategies() {
            let rt = || Runtime::new().strategy(strategy.clone()).seed(seed);
            same_verdict_offline(rt().run(workers(Mode::CheckThenAct)));
            same_verdict_offline(rt().run(workers(Mode::Lifo)));
            same_verdict_offline(rt().run(workers(Mode::Correct)));
            same_verdict_offline(rt().run(condition_program()));
            same_verdict_offline(rt().run(event_program()));
            same_verdict_offline(rt().run(queue_program()));
            // With every fault (cancellations, early timeouts, spurious polls, forced yields).
            let faulty = || rt().faults(Faults::all().rate(0.2));
            same_verdict_offline(faulty().run(handoff_then_cancel(Mode::DropsHandoff)));
            same_verdict_offline(faulty().run(handoff_then_cancel(Mode::Correct)));
            same_verdict_offline(faulty().run(held_program_n(4, 2, 2)));
            same_verdict_offline(faulty().run(condition_program()));
            same_verdict_offline(faulty().run(barrier_program()));
        }
    }
    // A stored trace is checked the same after a JSON round trip.
    let run = Runtime::new().run(release_once(Mode::NoWake));
    let back = weft::Trace::from_json(&run.trace.to_json()).unwrap();
    assert_eq!(check(&back), run.violation().cloned());
}

// ---------------------------------------------------------------------------------------------
// Heavy: 100,000 schedules per strategy of the correct programs (release mode).

#[test]
#[ignore = "heavy: cargo test --release --test checkers -- --ignored"]
fn heavy_correct_programs_pass_100k_schedules_per_strategy() {
    let n = 100_000;
    let mut ran = Vec::new();
    let cancel = Faults { cancel: true, ..Faults::none() };
    ran.extend(assert_holds(|| workers(Mode::Correct), n, Faults::none()));
    ran.extend(assert_holds(|| handoff_then_cancel(Mode::Correct), n, Faults::none()));
    ran.extend(assert_holds(|| two_locks(false), n, Faults::none()));
    ran.extend(assert_holds(|| held_program_n(6, 2, 0), n, cancel));
    ran.extend(assert_holds(|| held_program_n(6, 2, 2), n, cancel));
    ran.extend(assert_holds(|| event_program_n(5), n, cancel));
    ran.extend(assert_holds(|| condition_program_n(4), n, cancel));
    ran.extend(assert_holds(|| barrier_program_n(4, 3), n, Faults::none()));
    ran.extend(assert_holds(|| queue_program_n(2, 4), n, Faults::none()));
    for line in ran {
        eprintln!("{line}");
    }
}
