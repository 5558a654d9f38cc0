//! Faults as explored choices: each kind is injected, recorded in the schedule, replayed exactly,
//! and shrunk away when a failure does not need it; correct primitives survive them.

use std::collections::BTreeSet;
use std::rc::Rc;
use weft::prelude::*;
use weft::sim::Failure;
use weft::traces::{Event, Fault};
use weft::Choice;

/// Three workers take a lock with a timeout, hold it across a sleep, and release it; main
/// tolerates cancelled workers. The lock must end free and nobody may be left waiting.
async fn lock_workload() {
    let lock = Rc::new(Lock::named("shared"));
    let workers: Vec<_> = (0..3)
        .map(|i| {
            let lock = lock.clone();
            spawn(format!("w{i}"), async move {
                for _ in 0..2 {
                    if let Ok(true) = timeout(Duration::from_secs(3), lock.acquire()).await {
                        let _held = ReleaseOnDrop(&lock);
                        sleep(Duration::from_secs(1)).await;
                    }
                    yield_now().await;
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.await; // a cancelled worker is fine
    }
    assert!(!lock.locked(), "every holder released the lock");
}

/// Releases a lock acquired with `acquire()` when dropped, including on cancellation.
struct ReleaseOnDrop<'a>(&'a Lock);

impl Drop for ReleaseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.release().expect("the worker holds the lock");
    }
}

fn faults_of(schedule: &Schedule) -> Vec<Fault> {
    schedule
        .choices
        .iter()
        .filter_map(|c| match c {
            Choice::Fault { fault, .. } => Some(*fault),
            _ => None,
        })
        .collect()
}

#[test]
fn faults_are_off_by_default() {
    for seed in 0..50 {
        let run = Runtime::new().seed(seed).strategy(Strategy::Random).run(lock_workload());
        assert!(run.is_ok(), "{:?}", run.failure);
        assert!(faults_of(&run.schedule).is_empty());
    }
}

#[test]
fn every_kind_of_fault_is_injected_and_recorded_in_both_cancellation_states() {
    let mut kinds = BTreeSet::new();
    let (mut before_wakeup, mut after_wakeup) = (0, 0);
    for seed in 0..300 {
        let faults = Faults::all().rate(0.3).budget(4);
        let run = Runtime::new().seed(seed).strategy(Strategy::Random).faults(faults).run(lock_workload());
        assert!(run.is_ok(), "seed {seed}: {}\n{}", run.failure.unwrap(), run.trace.to_text());
        for fault in faults_of(&run.schedule) {
            kinds.insert(match fault {
                Fault::Cancel { .. } => "cancel",
                Fault::SpuriousPoll { .. } => "spurious",
                Fault::FireTimeout { .. } => "timeout",
                Fault::ForceYield => "yield",
            });
        }
        // A cancel of a ready task (state b) needs no wake; one of a suspended task (state a)
        // is followed by the wake that schedules its cancellation.
        let events = &run.trace.events;
        for (i, r) in events.iter().enumerate() {
            if let Event::Fault { fault: Fault::Cancel { task } } = r.event {
                let woke = events[i + 1..]
                    .iter()
                    .take(2)
                    .any(|n| n.task == Some(task) && matches!(n.event, Event::Wake { .. }));
                if woke {
                    before_wakeup += 1;
                } else {
                    after_wakeup += 1;
                }
            }
        }
    }
    assert_eq!(kinds.len(), 4, "cancel, spurious poll, early timeout and forced yield all occur");
    assert!(before_wakeup > 0 && after_wakeup > 0, "state a: {before_wakeup}, state b: {after_wakeup}");
}

#[test]
fn a_run_with_faults_replays_exactly_from_its_schedule() {
    let mut replayed = 0;
    for seed in 0..100 {
        let faults = Faults::all().rate(0.3).budget(4);
        let first = Runtime::new().seed(seed).strategy(Strategy::Random).faults(faults).run(lock_workload());
        if faults_of(&first.schedule).is_empty() {
            continue;
        }
        let schedule: Schedule = first.schedule.to_string().parse().unwrap();
        let again = Runtime::new().seed(seed).strategy(Strategy::Replay(schedule)).run(lock_workload());
        assert_eq!(again.trace.events, first.trace.events, "seed {seed}");
        replayed += 1;
    }
    assert!(replayed > 50, "most runs injected a fault ({replayed})");
}

#[test]
fn an_early_timeout_fires_inside_its_window() {
    // Faults are offered before each step, so a ticker supplies steps inside the window.
    let only_timeouts = Faults { timeout: true, ..Faults::none() }.rate(1.0);
    let run = Runtime::new().faults(only_timeouts).run(async {
        let waiter = spawn("waiter", async { timeout(Duration::from_secs(10), sleep(Duration::from_secs(60))).await });
        let ticker = spawn("ticker", async {
            for _ in 0..5 {
                sleep(Duration::from_secs(1)).await;
            }
        });
        let result = waiter.await.unwrap();
        let at = now();
        ticker.await.unwrap();
        (result, at)
    });
    let (result, at) = run.output.expect("main returns");
    assert_eq!(result, Err(weft::Elapsed));
    assert!(at < Duration::from_secs(10), "fired early, at {at:?}");
    assert_eq!(faults_of(&run.schedule), [Fault::FireTimeout { task: weft::TaskId(1) }]);
}

#[test]
fn a_forced_yield_makes_a_fast_path_suspend_once() {
    let only_yields = Faults { force_yield: true, ..Faults::none() }.rate(1.0).budget(1);
    let run = Runtime::new().faults(only_yields).run(async {
        let lock = Rc::new(Lock::new());
        let l = lock.clone();
        let other = spawn("other", async move { l.locked() });
        lock.acquire().await; // free: the fast path, forced to yield, lets "other" run first
        let seen_by_other = other.await.unwrap();
        lock.release().unwrap();
        seen_by_other
    });
    assert!(run.is_ok(), "{:?}", run.failure);
    assert_eq!(run.output, Some(false), "`other` ran while main was suspended before taking the lock");
    assert_eq!(faults_of(&run.schedule), [Fault::ForceYield]);
}

#[test]
fn the_lock_survives_every_kind_of_fault_under_exploration() {
    let report = explore(lock_workload)
        .strategy(Strategy::Random)
        .faults(Faults::all().rate(0.2).budget(3))
        .schedules(2_000)
        .seed(1)
        .environment(false)
        .run();
    report.assert_ok();
}

#[test]
fn faults_a_failure_does_not_need_are_shrunk_away() {
    let race = weft::scenarios::find("lock-race").unwrap();
    let report = explore(move || (race.program)())
        .strategy(Strategy::Random)
        .faults(Faults { spurious: true, force_yield: true, ..Faults::none() }.rate(0.5).budget(4))
        .schedules(200)
        .environment(false)
        .run();
    let found = report.failure.as_ref().expect("the race is found");
    assert!(matches!(found.failure, Failure::Violation(_)));
    let shrunk = found.minimal();
    assert!(
        faults_of(shrunk).is_empty(),
        "the race needs no fault, yet the minimal schedule keeps {:?}",
        faults_of(shrunk)
    );
}
