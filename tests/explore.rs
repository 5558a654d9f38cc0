//! `weft::explore`: every strategy finds the tutorial's race and an injected lock bug; failures
//! replay to the identical trace; reports do not depend on the number of workers; shards
//! partition an exploration; replay strings that are malformed or no longer fit say so.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use weft::sim::strategy::Replay;
use weft::{explore, spawn, yield_now, Failure, Lock, Report, Runtime, Schedule, Strategy};
use weft::{Choice, ViolationKind};

fn strategies() -> Vec<Strategy> {
    vec![
        Strategy::Fifo,
        Strategy::Random,
        Strategy::Pct { depth: 2 },
        Strategy::Pct { depth: 3 },
        Strategy::Dfs { max_preemptions: Some(2) },
        Strategy::Dfs { max_preemptions: None },
    ]
}

/// Two tasks read a counter, yield, and write it back plus one: asyncio's own order already
/// loses an update.
async fn lost_update() {
    let x = Rc::new(Cell::new(0));
    let tasks: Vec<_> = (0..2)
        .map(|i| {
            let x = x.clone();
            spawn(format!("inc{i}"), async move {
                let v = x.get();
                yield_now().await;
                x.set(v + 1);
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(x.get(), 2, "an increment was lost");
}

/// A lock with a check-then-act bug: it suspends between seeing the lock free and taking it.
#[derive(Default)]
struct BuggyLock {
    locked: Cell<bool>,
}

impl BuggyLock {
    async fn acquire(&self) {
        while self.locked.get() {
            yield_now().await;
        }
        yield_now().await; // the bug: another task can take the lock here
        self.locked.set(true);
    }

    fn release(&self) {
        self.locked.set(false);
    }
}

/// Three tasks take the buggy lock around a critical section that yields, and assert that they
/// are alone in it. With `correct`, the same tasks use weft's `Lock` instead.
async fn critical_sections(correct: bool) {
    let buggy = Rc::new(BuggyLock::default());
    let lock = Rc::new(Lock::new());
    let inside = Rc::new(Cell::new(0));
    let tasks: Vec<_> = (0..3)
        .map(|i| {
            let (buggy, lock, inside) = (buggy.clone(), lock.clone(), inside.clone());
            spawn(format!("worker{i}"), async move {
                let guard = if correct {
                    Some(lock.lock().await)
                } else {
                    buggy.acquire().await;
                    None
                };
                inside.set(inside.get() + 1);
                assert_eq!(inside.get(), 1, "two tasks inside the critical section");
                yield_now().await;
                inside.set(inside.get() - 1);
                drop(guard);
                if !correct {
                    buggy.release();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

fn run_scenario(name: &'static str, strategy: Strategy) -> Report {
    let scenario = weft::scenarios::find(name).expect("the scenario exists");
    explore(move || (scenario.program)())
        .name(name)
        .strategy(strategy)
        .schedules(200)
        .environment(false)
        .shrink(false)
        .run()
}

#[test]
fn every_strategy_finds_the_tutorial_race() {
    for strategy in strategies() {
        let report = run_scenario("lock-race", strategy.clone());
        let found = report.failure.as_ref().unwrap_or_else(|| panic!("{strategy} missed the race: {report}"));
        assert_eq!(found.failure.kind(), Some(ViolationKind::Panic), "{strategy}");
        assert!(found.failure.to_string().contains("interleaved"), "{strategy}: {}", found.failure);
    }
}

#[test]
fn every_strategy_passes_the_tutorial_with_a_lock() {
    for strategy in strategies() {
        run_scenario("lock-raise", strategy).assert_ok();
    }
}

#[test]
fn every_strategy_finds_an_injected_lock_bug() {
    for strategy in strategies() {
        let report =
            explore(|| critical_sections(false)).strategy(strategy.clone()).schedules(500).environment(false).run();
        let found = report.failure.as_ref().unwrap_or_else(|| panic!("{strategy} missed the bug: {report}"));
        assert!(found.failure.to_string().contains("two tasks inside"), "{strategy}: {}", found.failure);
        // The same program with weft's Lock holds under the same exploration.
        explore(|| critical_sections(true)).strategy(strategy).schedules(500).environment(false).run().assert_ok();
    }
}

#[test]
fn a_failure_replays_to_the_byte_identical_trace() {
    let report = explore(lost_update)
        .name("replay_test")
        .strategy(Strategy::Random)
        .schedules(100)
        .seed(3)
        .environment(false)
        .run();
    let found = report.failure.as_ref().expect("the lost update is found");
    assert!(found.reproduced);
    assert!(!found.trace.events.is_empty(), "the failure's trace is kept");
    let json = found.trace.to_json();
    let replay_of = |schedule: &Schedule| {
        Runtime::new()
            .name("replay_test")
            .seed(found.seed)
            .strategy(Strategy::Random)
            .run_with(Box::new(Replay::new(schedule.clone())), lost_update())
    };

    // The trace reported is the reported schedule's: replaying it gives the same JSON, byte for
    // byte, and the same failure.
    let replay = replay_of(&found.schedule);
    assert_eq!(replay.trace.to_json(), json);
    assert_eq!(replay.failure.as_ref(), Some(&found.failure));
    // The schedule as first found is what a plain run of the strategy with the failing run's
    // seed makes, and its replay is byte-identical to that run.
    let rerun = Runtime::new().name("replay_test").seed(found.seed).strategy(Strategy::Random).run(lost_update());
    assert_eq!(rerun.schedule, found.first.schedule);
    assert_eq!(rerun.failure.as_ref(), Some(&found.first.failure));
    assert_eq!(replay_of(&found.first.schedule).trace.to_json(), rerun.trace.to_json());
    // And the file the exploration wrote holds exactly the reported trace.
    let path = found.trace_file.as_ref().expect("the trace file is written");
    assert!(path.ends_with(format!("weft/failures/replay_test-{}.json", found.seed)));
    assert_eq!(std::fs::read_to_string(path).unwrap(), json);
}

#[test]
fn reports_do_not_depend_on_the_number_of_workers() {
    for strategy in [Strategy::Random, Strategy::Pct { depth: 3 }] {
        let failing = |jobs| {
            explore(|| critical_sections(false))
                .name("jobs")
                .strategy(strategy.clone())
                .schedules(400)
                .seed(11)
                .jobs(jobs)
                .environment(false)
                .run()
        };
        let one = failing(1);
        assert!(one.failure.is_some());
        assert_eq!(one, failing(2), "{strategy}");
        assert_eq!(one, failing(3), "{strategy}");

        let passing = |jobs| {
            explore(|| critical_sections(true))
                .name("jobs")
                .strategy(strategy.clone())
                .schedules(300)
                .seed(11)
                .jobs(jobs)
                .environment(false)
                .run()
        };
        let one = passing(1);
        assert_eq!(one.schedules, 300);
        assert!(one.distinct > 1 && one.distinct <= 300);
        assert_eq!(one, passing(2), "{strategy}");
    }
}

#[test]
fn shards_partition_an_exploration() {
    let run = |shard: Option<(u32, u32)>| {
        let e =
            explore(|| critical_sections(true)).strategy(Strategy::Random).schedules(100).seed(5).environment(false);
        match shard {
            Some((i, n)) => e.shard(i, n),
            None => e,
        }
        .run()
    };
    let whole = run(None);
    let shards: Vec<Report> = (0..3).map(|i| run(Some((i, 3)))).collect();
    assert_eq!(shards.iter().map(|r| r.schedules).collect::<Vec<_>>(), [34, 33, 33]);
    assert_eq!(shards.iter().map(|r| r.steps).sum::<u64>(), whole.steps);
}

#[test]
fn assert_ok_says_what_failed_and_how_to_reproduce_it() {
    let report = explore(lost_update).name("my_test").strategy(Strategy::Random).schedules(50).environment(false).run();
    let message = catch_unwind(AssertUnwindSafe(|| report.assert_ok()))
        .expect_err("assert_ok panics on a failure")
        .downcast::<String>()
        .expect("a formatted message");
    let found = report.failure.as_ref().unwrap();
    assert!(message.contains("an increment was lost"), "{message}");
    assert!(message.contains(&format!("run seed {}", found.seed)), "{message}");
    assert!(message.contains(&found.schedule.to_string()), "{message}");
    let minimal = found.minimal().to_string();
    assert!(message.contains(&format!("WEFT_REPLAY={minimal} cargo test my_test")), "{message}");
    let path = found.trace_file.as_ref().unwrap();
    assert!(message.contains(&path.display().to_string()), "{message}");

    // The printed line replays a failure of the same kind.
    let replayed = explore(lost_update).strategy(Strategy::Replay(minimal.parse().unwrap())).environment(false).run();
    assert!(replayed.replayed);
    assert_eq!(replayed.schedules, 1);
    let again = replayed.failure.as_ref().expect("the replay fails");
    assert_eq!(again.failure.kind(), found.failure.kind());
}

#[test]
fn the_default_name_is_the_test_thread_name() {
    let report = explore(|| async {}).schedules(1).environment(false).run();
    assert_eq!(report.name, "the_default_name_is_the_test_thread_name");
}

#[test]
fn malformed_replay_strings_say_what_is_wrong() {
    let cases = [
        ("weft3:AAAA", "expected it to start with `weft2:`"),
        ("weft1:HQ", "recorded by an earlier weft"),
        ("weft2:***", "not URL-safe base64"),
        ("weft2:gg", "ends in the middle of a choice"),
    ];
    for (text, expected) in cases {
        let error = text.parse::<Schedule>().unwrap_err().to_string();
        assert!(error.contains(expected), "{text}: {error}");
    }
}

#[test]
fn a_schedule_that_no_longer_fits_stops_with_a_divergence() {
    // Recorded on a program with three tasks ready at once, replayed on one with two.
    let schedule = Schedule::from(vec![Choice::Pick(2)]);
    let run = Runtime::new().strategy(Strategy::Replay(schedule)).run(async {
        spawn("a", async {});
        yield_now().await;
    });
    let Some(Failure::Diverged(d)) = &run.failure else {
        panic!("expected a divergence, got {:?}", run.failure);
    };
    assert_eq!(d.choice, 0);
    assert_eq!(d.recorded, Some(Choice::Pick(2)));
    let message = d.to_string();
    assert!(message.contains("choice 0 (step 2)"), "{message}");
    assert!(message.contains("recorded `pick ready[2]`"), "{message}");
    assert!(message.contains("a pick among 2 ready tasks"), "{message}");

    // A schedule that ends before the program does.
    let run = Runtime::new().strategy(Strategy::Replay(Schedule::default())).run(async {
        spawn("a", async {});
        yield_now().await;
    });
    let message = run.failure.expect("diverged").to_string();
    assert!(message.contains("the schedule ended"), "{message}");
}

#[test]
fn an_explorations_budget_grows_with_the_program_as_a_runs_does() {
    // 60,000 tasks that each yield once take about 180,000 steps: past the base budget of
    // 100,000, within the 1,000 steps each spawned task adds.
    let program = || async {
        let tasks: Vec<_> = (0..60_000).map(|i| spawn(format!("t{i}"), yield_now())).collect();
        for t in tasks {
            t.await.unwrap();
        }
    };
    let report = explore(program).strategy(Strategy::Fifo).schedules(1).environment(false).run();
    report.assert_ok();
    assert!(report.steps > weft::sim::DEFAULT_MAX_STEPS, "{report}");
    // An explicit budget stays exact.
    let report =
        explore(program).strategy(Strategy::Fifo).max_steps(1_000).shrink(false).schedules(1).environment(false).run();
    assert_eq!(report.failure.map(|f| f.failure.kind()), Some(Some(ViolationKind::Livelock)));
}
