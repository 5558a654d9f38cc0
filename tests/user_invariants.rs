//! The user's own rules, explored like weft's: an invariant over the program's state
//! (`weft::invariant`), a checker added to the exploration (`Explore::checker`), and liveness
//! monitors (`weft::eventually`, `weft::eventually_within`). Each fails a run with the user's
//! words, is shrunk to a schedule that fails the same rule, and replays from its schedule.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;
use weft::prelude::*;
use weft::sim::Failure;
use weft::traces::{Checker, Event as TraceEvent, Record, Rule, TaskId, Time};
use weft::{eventually, eventually_within, invariant, Found, Violation, ViolationKind};

/// Two workers each step into a room without a lock; `guarded` makes them take one.
async fn room(guarded: bool) {
    let (inside, lock) = (Rc::new(Cell::new(0u32)), Rc::new(Lock::new()));
    let i = inside.clone();
    invariant("one inside at a time", move || match i.get() {
        0 | 1 => Ok(()),
        n => Err(format!("{n} workers inside")),
    });
    let workers: Vec<_> = (0..3)
        .map(|w| {
            let (i, lock) = (inside.clone(), lock.clone());
            spawn(format!("w{w}"), async move {
                yield_now().await;
                let _held = match guarded {
                    true => Some(lock.lock().await),
                    false => None,
                };
                i.set(i.get() + 1);
                yield_now().await;
                i.set(i.get() - 1);
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
}

fn explore_room(guarded: bool, schedules: u64) -> weft::Report {
    explore(move || room(guarded)).schedules(schedules).seed(3).environment(false).run()
}

fn violation(found: &Found) -> &Violation {
    match &found.failure {
        Failure::Violation(v) => v,
        other => panic!("not a violation: {other}"),
    }
}

#[test]
fn an_invariant_fails_the_run_with_the_users_words_and_is_shrunk_and_replayed() {
    let report = explore_room(false, 500);
    let found = report.failure.as_ref().expect("two workers get inside");
    let v = violation(found);
    assert_eq!((v.kind, &v.rule), (ViolationKind::Invariant, &Rule::User("one inside at a time".into())));
    assert!(v.message.starts_with("invariant 'one inside at a time' failed after the step of #"), "{v}");
    assert!(v.message.ends_with(": 2 workers inside"), "{v}");
    // Shrunk to a schedule that fails the same rule, which replays to the same failure.
    assert!(found.reproduced, "{report}");
    let shrunk = found.shrunk.as_ref().expect("shrunk");
    assert!(shrunk.schedule.deviations() <= found.first.schedule.deviations());
    let replay = explore(|| room(false)).strategy(Strategy::Replay(found.schedule.clone())).environment(false).run();
    let again = replay.failure.as_ref().expect("the replay fails");
    assert_eq!(again.failure, found.failure, "the replay line reproduces the failure printed");
    let printed = report.failure_report().expect("a failure report");
    assert!(printed.contains(&format!("WEFT_REPLAY={}", found.schedule)), "{printed}");
    // With the lock, no schedule breaks it.
    explore_room(true, 500).assert_ok();
}

#[test]
fn two_user_rules_are_different_failures() {
    let a = Violation::invariant(3, Time::ZERO, None, "a", "x");
    let b = Violation::invariant(3, Time::ZERO, None, "b", "x");
    let a_later = Violation::invariant(9, Time::ZERO, None, "a", "other words");
    assert!(!a.same_way(&b));
    assert!(a.same_way(&a_later));
    // And a user's invariant is not a built-in rule of the same kind of words.
    let panic = Violation::panic(3, Time::ZERO, TaskId(0), "main", "x", None);
    assert!(!a.same_way(&panic));
}

/// A user's checker: no task may be spawned after a task finished (a "no late spawns" rule).
struct NoLateSpawns {
    finished: bool,
}

impl Checker for NoLateSpawns {
    fn observe(&mut self, record: &Record) -> Option<Violation> {
        match &record.event {
            TraceEvent::Exit { .. } => self.finished = true,
            TraceEvent::Spawn { name, .. } if self.finished => {
                let rule = Rule::User("no-late-spawns".into());
                let message = format!("'{name}' was spawned after a task had finished");
                return Some(Violation::at(record, ViolationKind::Invariant, rule, None, message));
            }
            _ => {}
        }
        None
    }
}

#[test]
fn a_checker_added_to_the_exploration_runs_on_every_schedule_and_its_failure_is_shrunk() {
    let program = || async {
        let first = spawn("first", async { yield_now().await });
        let second = spawn("second", async {
            yield_now().await;
            yield_now().await;
            spawn("late", async {}).await.unwrap();
        });
        first.await.unwrap();
        second.await.unwrap();
    };
    let report = explore(program)
        .checker(|| Box::new(NoLateSpawns { finished: false }))
        .checks(false) // a user checker runs with weft's own off too
        .schedules(200)
        .environment(false)
        .run();
    let found = report.failure.as_ref().expect("'late' comes after 'first' finished");
    let v = violation(found);
    assert_eq!((v.kind, &v.rule), (ViolationKind::Invariant, &Rule::User("no-late-spawns".into())));
    assert_eq!(v.message, "'late' was spawned after a task had finished");
    assert!(found.reproduced, "{report}");
    // Without the checker, the same exploration passes.
    explore(program).schedules(200).environment(false).run().assert_ok();
}

/// A server answers requests from a queue; `drops` makes it drop the last one.
async fn server(drops: bool) {
    let (pending, queue) = (Rc::new(Cell::new(0u32)), Rc::new(Queue::<u32>::new(0)));
    let p = pending.clone();
    eventually("every request is answered", move || p.get() == 0);
    let (p, q) = (pending.clone(), queue.clone());
    let server = spawn("server", async move {
        while let Ok(request) = q.get().await {
            sleep(Duration::from_millis(100)).await;
            if !(drops && request == 2) {
                p.set(p.get() - 1);
            }
        }
    });
    for request in 0..3 {
        pending.set(pending.get() + 1);
        queue.put_nowait(request).unwrap();
        sleep(Duration::from_millis(random_range(0..=2) * 50)).await;
    }
    queue.shutdown(false); // the server drains the queue, then stops
    server.await.unwrap();
}

#[test]
fn a_liveness_monitor_still_hot_at_the_end_of_the_run_fails_it() {
    let report = explore(|| server(true)).schedules(100).environment(false).run();
    let found = report.failure.as_ref().expect("request 2 is never answered");
    let v = violation(found);
    assert_eq!((v.kind, &v.rule), (ViolationKind::Liveness, &Rule::User("every request is answered".into())));
    assert!(
        v.message.starts_with(
            "liveness monitor 'every request is answered' did not reach its goal: still hot at the end of the run"
        ),
        "{v}"
    );
    assert!(found.reproduced, "{report}");
    assert!(!found.trace.events.is_empty(), "reported with its trace");
    // A server that answers everything passes every schedule.
    explore(|| server(false)).schedules(300).environment(false).run().assert_ok();
}

/// Answers each request after `delay`; the monitor allows 250 ms.
async fn answered_within(delay: Duration) {
    let pending = Rc::new(Cell::new(0u32));
    let p = pending.clone();
    eventually_within("answered within 250ms", Duration::from_millis(250), move || p.get() == 0);
    for _ in 0..2 {
        pending.set(pending.get() + 1);
        let p = pending.clone();
        spawn("answer", async move {
            sleep(delay).await;
            p.set(p.get() - 1);
        });
        sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn a_liveness_monitor_hot_for_longer_than_its_bound_fails_when_the_clock_passes_it() {
    let run = Runtime::new().run(answered_within(Duration::from_millis(300)));
    let v = run.violation().expect("300 ms is too slow");
    assert_eq!(v.kind, ViolationKind::Liveness, "{v}");
    assert!(v.message.contains("hot since 0.000s for more than 0.250s of virtual time, still at 0.300s"), "{v}");
    // Answering in time, however the steps interleave, passes: the monitor is hot from the
    // first request until none is pending, at most 200 ms here.
    explore(|| answered_within(Duration::from_millis(100))).schedules(300).environment(false).run().assert_ok();
}
