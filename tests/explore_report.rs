//! What an exploration reports is what it checked: the failure printed is the failure of the
//! schedule printed, schedules are counted from 1 everywhere, FIFO does not repeat its one
//! schedule, the full failure report is reachable without a panic, and progress only observes.

use std::sync::{Arc, Mutex};
use weft::sim::explore::{Phase, Progress};
use weft::sim::strategy::Replay;
use weft::{explore, random_range, spawn, yield_now, Failure, Faults, Report, Runtime, Strategy};

/// The README's example: `weft explore condition-wait-for --faults=yield,spurious`, through the
/// API with the CLI's settings (random, seed 0, 1000 schedules).
fn condition_wait_for() -> Report {
    let scenario = weft::scenarios::find("condition-wait-for").expect("the scenario exists");
    explore(scenario.program)
        .name("condition-wait-for")
        .strategy(Strategy::Random)
        .faults(Faults { spurious: true, force_yield: true, ..Faults::none() })
        .environment(false)
        .run()
}

#[test]
fn the_failure_printed_is_the_failure_of_the_schedule_printed() {
    let report = condition_wait_for();
    let found = report.failure.as_ref().expect("the tutorial's setter loses a value");
    assert!(found.reproduced);
    let scenario = weft::scenarios::find("condition-wait-for").unwrap();
    // Replaying the printed schedule exactly gives the printed failure: kind, step, task and
    // message, word for word, and the trace kept and written is that replay's.
    let replay = Runtime::new()
        .name("condition-wait-for")
        .seed(found.seed)
        .strategy(Strategy::Random)
        .run_with(Box::new(Replay::new(found.schedule.clone())), (scenario.program)());
    assert_eq!(replay.failure.as_ref(), Some(&found.failure));
    assert_eq!(replay.trace.to_json(), found.trace.to_json());
    let file = std::fs::read_to_string(found.trace_file.as_ref().expect("written")).unwrap();
    assert_eq!(file, found.trace.to_json());
    // Here shrinking changed the schedule, and the failure the exploration first saw (another
    // step, another task) is kept for reference, failing the same way.
    assert_ne!(found.schedule, found.first.schedule);
    let (Failure::Violation(now), Failure::Violation(first)) = (&found.failure, &found.first.failure) else {
        panic!("violations expected");
    };
    assert!(now.same_way(first), "{now} / {first}");
    let text = report.failure_report().unwrap();
    assert!(text.contains(&format!("\n  failure: {}\n", found.failure)), "{text}");
    assert!(text.contains(&format!("found first as {}: {}", found.first.schedule, found.first.failure)), "{text}");
    assert!(text.contains(&format!("WEFT_REPLAY={} cargo test condition-wait-for", found.schedule)), "{text}");
}

#[test]
fn schedules_are_counted_from_one_as_the_report_counts_them() {
    let report = condition_wait_for();
    let found = report.failure.as_ref().unwrap();
    assert_eq!(found.number(), report.schedules, "the failing schedule ends the count");
    assert_eq!(found.number(), found.index + 1);
    let text = report.failure_report().unwrap();
    assert!(text.starts_with(&format!("weft: condition-wait-for: schedule {} failed", report.schedules)), "{text}");
    let line = report.to_string();
    assert!(line.contains(&format!(": {} schedules (", report.schedules)), "{line}");
    assert!(line.contains(&format!("FAILED at schedule {}: ", report.schedules)), "{line}");
}

#[test]
fn assert_ok_panics_with_the_failure_report() {
    let report = condition_wait_for();
    let text = report.failure_report().expect("a failure");
    let panic = std::panic::catch_unwind(|| report.assert_ok()).expect_err("it panics");
    assert_eq!(panic.downcast_ref::<String>(), Some(&text));
    let ok = explore(|| async {}).schedules(3).environment(false).run();
    assert_eq!(ok.failure_report(), None);
    ok.assert_ok();
}

/// Two tasks that yield: several schedules, under any strategy but FIFO.
async fn two_yielders() {
    spawn("a", yield_now());
    spawn("b", yield_now());
}

#[test]
fn fifo_runs_a_program_without_random_values_once() {
    let report = explore(two_yielders).strategy(Strategy::Fifo).schedules(1000).environment(false).run();
    assert_eq!(report.schedules, 1);
    assert!(report.enumerated && report.exhausted && !report.drew);
    assert_eq!(report.covered(), "the one FIFO schedule: the program draws no random value");
    // A program that draws values has an input per seed: FIFO samples them.
    let drawing = || async {
        let n = random_range(0..=2);
        for _ in 0..n {
            yield_now().await;
        }
    };
    let report = explore(drawing).strategy(Strategy::Fifo).schedules(50).environment(false).run();
    assert_eq!(report.schedules, 50);
    assert!(!report.exhausted && report.drew);
    // So does one with faults: each run samples its own.
    let report = explore(two_yielders)
        .strategy(Strategy::Fifo)
        .faults(Faults { force_yield: true, ..Faults::none() })
        .schedules(50)
        .environment(false)
        .run();
    assert_eq!(report.schedules, 50);
    assert!(!report.exhausted);
}

/// Every call of a progress callback, as (phase, schedules, budget, distinct).
type Calls = Arc<Mutex<Vec<(Phase, u64, u64, u64)>>>;

fn watched(strategy: Strategy, jobs: usize) -> (Report, Calls) {
    let calls: Calls = Arc::default();
    let seen = calls.clone();
    let report = explore(two_yielders)
        .name("progress")
        .strategy(strategy)
        .schedules(3000)
        .jobs(jobs)
        .environment(false)
        .progress(move |p: &Progress<'_>| seen.lock().unwrap().push((p.phase, p.schedules, p.budget, p.distinct)))
        .run();
    (report, calls)
}

#[test]
fn progress_only_observes_and_ends_with_the_reports_counts() {
    for strategy in [Strategy::Random, Strategy::Dfs { max_preemptions: None }] {
        let plain =
            explore(two_yielders).name("progress").strategy(strategy.clone()).schedules(3000).environment(false).run();
        for jobs in [1, 2] {
            let (report, calls) = watched(strategy.clone(), jobs);
            assert_eq!(report, plain, "{strategy}, {jobs} job(s): progress changed the report");
            let calls = calls.lock().unwrap();
            let last = *calls.last().expect("called at least at the end");
            assert_eq!(last, (Phase::Done, report.schedules, 3000, report.distinct), "{strategy}");
            assert_eq!(calls.iter().filter(|c| c.0 == Phase::Done).count(), 1);
            assert!(calls.windows(2).all(|w| w[0].1 <= w[1].1), "{strategy}: counts go down: {calls:?}");
        }
    }
}
