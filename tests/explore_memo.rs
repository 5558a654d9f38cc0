//! The verdict memo (`Explore::memo`): a worker that takes the verdict of a schedule it has
//! passed before from memory reports exactly what it reports checking every run, for passing
//! and failing programs, every sampling strategy, faults, draws, deadlocks found only by the
//! checkers' report, violations only the checkers see, and any number of workers; and it does
//! skip the checkers on the schedules it met before.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use weft::traces::{Checker, Record};
use weft::{explore, random_range, spawn, yield_now, Faults, Lock, Report, Resource, Strategy, Violation};

/// Three tasks take a lock around a critical section that yields.
async fn critical_sections() {
    let lock = Rc::new(Lock::new());
    let inside = Rc::new(Cell::new(0));
    let tasks: Vec<_> = (0..3)
        .map(|i| {
            let (lock, inside) = (lock.clone(), inside.clone());
            spawn(format!("worker{i}"), async move {
                let _held = lock.lock().await;
                inside.set(inside.get() + 1);
                assert_eq!(inside.get(), 1, "two tasks inside the critical section");
                yield_now().await;
                inside.set(inside.get() - 1);
            })
        })
        .collect();
    for t in tasks {
        let _ = t.await;
    }
}

/// Mostly one short schedule of 39 (a draw below 39), rarely one of 50 more; one of those
/// grants a lock that is held: a violation the checkers see and the program does not (no
/// panic, nothing blocks), so the run fails only when checked.
async fn rare_double_grant() {
    let r = Rc::new(Resource::lock("l"));
    r.request();
    r.grant();
    if random_range(0..40) == 39 && random_range(0..50) == 0 {
        let r2 = r.clone();
        spawn("intruder", async move {
            r2.request();
            r2.grant();
        })
        .await
        .unwrap();
    }
    r.release();
}

/// Mostly two tasks that take a lock in turn; rarely (one draw in 2000, as above) the main
/// task holds the lock while it awaits a task that asks for it: a deadlock, which the run
/// reports with checks off too, in the kernel's words, and checked in the checkers'.
async fn rare_deadlock() {
    let lock = Rc::new(Lock::new());
    let held = match random_range(0..40) == 39 && random_range(0..50) == 0 {
        true => Some(lock.lock().await),
        false => None,
    };
    let tasks: Vec<_> = (0..2)
        .map(|i| {
            let lock = lock.clone();
            spawn(format!("t{i}"), async move {
                let _held = lock.lock().await;
                yield_now().await;
            })
        })
        .collect();
    for t in tasks {
        let _ = t.await;
    }
    drop(held);
}

fn report<Fut: std::future::Future + 'static>(
    program: impl Fn() -> Fut + Send + Sync + 'static,
    strategy: Strategy,
    faults: Faults,
    schedules: u64,
    jobs: usize,
    memo: bool,
) -> Report {
    explore(program)
        .name("memo")
        .strategy(strategy)
        .faults(faults)
        .schedules(schedules)
        .seed(5)
        .jobs(jobs)
        .memo(memo)
        .keep_runs(true)
        .environment(false)
        .run()
}

/// The two reports are equal (everything but the workers and the time); said in words if not.
fn assert_same(with: &Report, without: &Report, what: &str) {
    assert!(with == without, "{what}: the reports differ\nwith the memo:    {with}\nwithout the memo: {without}");
}

fn strategies() -> [Strategy; 4] {
    [Strategy::Random, Strategy::Pct { depth: 3 }, Strategy::Pos, Strategy::Fifo]
}

#[test]
fn a_passing_program_reports_the_same_with_and_without_the_memo() {
    for strategy in strategies() {
        for faults in [Faults::none(), Faults::all()] {
            let without = report(critical_sections, strategy.clone(), faults, 2000, 1, false);
            for jobs in [1, 2] {
                let with = report(critical_sections, strategy.clone(), faults, 2000, jobs, true);
                assert_same(&with, &without, &format!("{strategy}, faults {faults:?}, {jobs} job(s)"));
            }
            assert!(without.distinct < 2000, "{strategy}: the schedules repeat ({})", without.distinct);
        }
    }
}

/// `program` fails, under each of `strategies`, well after the first windows of runs (by then
/// a worker tries runs unchecked first), with a failure that starts with `kind`; and the report
/// is the same with the memo, on one worker and two.
fn found_alike<Fut: std::future::Future + 'static>(
    program: impl Fn() -> Fut + Send + Sync + Copy + 'static,
    strategies: &[Strategy],
    kind: &str,
) {
    for strategy in strategies {
        let without = report(program, strategy.clone(), Faults::none(), 20_000, 1, false);
        let found = without.failure.as_ref().unwrap_or_else(|| panic!("{strategy}: not found: {without}"));
        assert!(found.failure.to_string().starts_with(kind), "{}", found.failure);
        assert!(found.index > 500, "{strategy}: found at {}", found.index);
        for jobs in [1, 2] {
            let with = report(program, strategy.clone(), Faults::none(), 20_000, jobs, true);
            assert_same(&with, &without, &format!("{strategy}, {jobs} job(s)"));
        }
    }
}

#[test]
fn a_violation_only_the_checkers_see_is_found_at_the_same_schedule_with_the_memo() {
    found_alike(rare_double_grant, &[Strategy::Random, Strategy::Fifo], "mutual-exclusion");
}

#[test]
fn a_deadlock_is_reported_in_the_checkers_words_with_the_memo() {
    found_alike(rare_deadlock, &[Strategy::Random, Strategy::Pct { depth: 3 }, Strategy::Pos], "deadlock");
}

/// A checker that counts the runs it is made for, and sees nothing wrong.
struct Counted;

impl Checker for Counted {
    fn observe(&mut self, _: &Record) -> Option<Violation> {
        None
    }
}

/// How many runs `explore` checked with the user's checker, and its report.
fn checked_runs(memo: bool, checks: bool) -> (u64, Report) {
    let made = Arc::new(AtomicU64::new(0));
    let counter = made.clone();
    let report = explore(critical_sections)
        .name("memo")
        .strategy(Strategy::Random)
        .schedules(3000)
        .seed(5)
        .jobs(1)
        .checks(checks)
        .memo(memo)
        .checker(move || {
            counter.fetch_add(1, Ordering::Relaxed);
            Box::new(Counted)
        })
        .keep_runs(true)
        .environment(false)
        .run();
    (made.load(Ordering::Relaxed), report)
}

#[test]
fn the_memo_skips_the_checkers_on_schedules_it_has_passed() {
    let (every, without) = checked_runs(false, true);
    assert!(without.is_ok(), "{without}");
    assert_eq!(every, 3000, "without the memo every run is checked");
    let (some, with) = checked_runs(true, true);
    assert_same(&with, &without, "a user's checker");
    // Checked: the first windows of runs, then a run per schedule met for the first time.
    assert!(some >= with.distinct, "{some} checked runs for {} interleavings", with.distinct);
    assert!(some < every / 4, "{some} of {every} runs checked");
    // A user's checker alone (weft's off) is skipped the same way.
    let (alone, report) = checked_runs(true, false);
    assert!(alone < every / 4, "{alone} of {every} runs checked");
    assert_eq!(report.schedules, 3000);
}

/// Every scenario of the catalogue (the tutorial's programs, the workloads, and with feature
/// `mutants` the zoo's broken primitives, which must fail): the same report with the memo as
/// without, under Random and PCT, with the scenario's faults. (The zoo's bugs are found in the
/// first runs, before a worker tries any unchecked: the tests above, whose failures come late,
/// are the ones that catch a memo counting a run it should have checked.)
#[test]
fn every_scenario_reports_the_same_with_and_without_the_memo() {
    let mut engaged = 0;
    for scenario in weft::scenarios::all() {
        for strategy in [Strategy::Random, Strategy::Pct { depth: 3 }] {
            let run = |memo| {
                explore(move || (scenario.program)())
                    .name(scenario.name)
                    .strategy(strategy.clone())
                    .faults(scenario.faults)
                    .schedules(400)
                    .seed(3)
                    .jobs(1)
                    .memo(memo)
                    .keep_runs(true)
                    .environment(false)
                    .run()
            };
            let without = run(false);
            assert_same(&run(true), &without, &format!("{} under {strategy}", scenario.name));
            engaged += usize::from(without.failure.is_none() && without.distinct < 100);
        }
    }
    // Enough of them repeat their schedules for the memo to take the unchecked path.
    assert!(engaged >= 4, "{engaged} explorations whose schedules repeat");
}
