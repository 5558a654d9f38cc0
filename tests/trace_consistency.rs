//! A stored trace is judged only if it is one weft's executor could have recorded
//! (`weft_traces::check::consistency`): every trace weft writes passes, and each way of
//! contradicting the executor is caught at its record, with what is wrong.

use weft::scenarios;
use weft::sim::check_header;
use weft::traces::check::{consistency, judge, judge_json, Inconsistency, JudgeError};
use weft::traces::{Event, Exit, Op, Record, ResourceId, TaskId, Time};
use weft::{Faults, Runtime, Strategy, Trace};

fn strategies() -> [Strategy; 5] {
    [
        Strategy::Fifo,
        Strategy::Random,
        Strategy::Pct { depth: 3 },
        Strategy::Dfs { max_preemptions: Some(2) },
        Strategy::Dfs { max_preemptions: None },
    ]
}

/// Every trace weft writes is consistent and its header parses; with `streamed`, the streamed
/// verdict of its JSON is also the verdict of the trace itself.
fn assert_consistent_as(trace: &Trace, what: &str, streamed: bool) {
    if let Err(e) = consistency(trace) {
        panic!("{what}: {e}");
    }
    check_header(&trace.header).unwrap_or_else(|e| panic!("{what}: {e}"));
    if !streamed {
        return;
    }
    let judged = judge_json(trace.to_json().as_bytes(), check_header).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(judged.violation, weft::check(trace), "{what}");
    assert_eq!(judged.events, trace.events.len(), "{what}");
    assert_eq!(judged.header, trace.header, "{what}");
}

fn assert_consistent(trace: &Trace, what: &str) {
    assert_consistent_as(trace, what, true);
}

#[test]
fn every_trace_weft_writes_is_consistent() {
    let mut traces = 0;
    for scenario in scenarios::all() {
        for strategy in strategies() {
            for faults in [Faults::none(), Faults::all(), Faults::all().rate(0.3).budget(6)] {
                for checks in [true, false] {
                    for seed in 0..2 {
                        let run = scenario
                            .runtime()
                            .strategy(strategy.clone())
                            .seed(seed)
                            .faults(faults)
                            .checks(checks)
                            // Some runs under faults spin to the budget: a short one keeps the
                            // test fast and still covers traces the budget ends.
                            .max_steps(5_000)
                            .run((scenario.program)());
                        let what = format!("{} {strategy} faults {faults} checks {checks} seed {seed}", scenario.name);
                        assert_consistent_as(&run.trace, &what, seed == 0 && checks);
                        traces += 1;
                    }
                }
            }
        }
    }
    assert!(traces >= 1000, "{traces}");
}

#[test]
fn failure_traces_an_exploration_writes_are_consistent() {
    // The failing run's trace (replayed with tracing on), for scenarios that fail under faults.
    for scenario in scenarios::all() {
        let report = weft::explore(move || (scenario.program)())
            .name(scenario.name)
            .faults(Faults::all())
            .schedules(200)
            .environment(false)
            .run();
        if let Some(found) = &report.failure {
            assert_consistent(&found.trace, scenario.name);
        }
    }
}

#[test]
fn replayed_runs_are_consistent_and_their_header_names_replay() {
    let scenario = scenarios::find("condition-wait-for").unwrap();
    let recorded =
        scenario.runtime().strategy(Strategy::Random).seed(3).faults(Faults::all()).run((scenario.program)());
    let replayed = scenario.runtime().strategy(Strategy::Replay(recorded.schedule.clone())).run((scenario.program)());
    assert_eq!(replayed.trace.header.strategy, "replay");
    assert_consistent(&replayed.trace, "replay");
}

/// lock-raise in asyncio's order: three tasks take a lock in turn, with sleeps.
fn lock_raise() -> Trace {
    scenarios::find("lock-raise").unwrap().run(0).trace
}

/// The index of the first record matching `f`.
fn find(trace: &Trace, f: impl Fn(&Record) -> bool) -> usize {
    trace.events.iter().position(f).expect("such a record")
}

fn inconsistency(trace: &Trace) -> Inconsistency {
    consistency(trace).expect_err("inconsistent")
}

/// `trace` is found inconsistent at `record`, saying `what`.
fn assert_caught(trace: &Trace, record: usize, what: &str) {
    let e = inconsistency(trace);
    assert_eq!(e.record, Some(record), "{e}");
    assert_eq!(e.step, Some(trace.events[record].step), "{e}");
    assert!(e.problem.contains(what), "{e} does not say {what:?}");
    assert_eq!(e.to_string().lines().count(), 1, "{e}");
    // The judges agree, and give no verdict.
    assert_eq!(judge(trace), Err(e.clone()));
    match judge_json(trace.to_json().as_bytes(), check_header) {
        Err(JudgeError::Inconsistent(streamed)) => assert_eq!(streamed, e),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_grant_to_a_task_never_spawned() {
    let mut trace = lock_raise();
    let at = find(&trace, |r| matches!(r.event, Event::Resource { op: Op::Grant, .. }));
    trace.events[at].task = Some(TaskId(999));
    assert_caught(&trace, at, "task #999, which was never spawned (tasks #0 to #3 are spawned so far)");
}

#[test]
fn time_running_backwards() {
    let mut trace = lock_raise();
    let at = find(&trace, |r| r.time > Time::ZERO);
    let later = trace.events[at].time;
    for r in &mut trace.events[..at] {
        r.time = later;
    }
    trace.events[at].time = Time(later.0 - 1);
    assert_caught(&trace, at, "virtual time goes backwards");
}

#[test]
fn time_changing_inside_a_step() {
    let mut trace = lock_raise();
    // Raise1's first step: poll, request, grant, prints, sleep, suspend.
    let at = find(&trace, |r| matches!(r.event, Event::Resource { op: Op::Grant, .. }));
    for r in &mut trace.events[at..] {
        r.time = Time(r.time.0 + 1);
    }
    assert_caught(&trace, at, "virtual time changes inside a step");
}

#[test]
fn a_step_of_two_to_the_64_minus_one() {
    let mut trace = lock_raise();
    let at = find(&trace, |r| r.step == 3);
    trace.events[at].step = u64::MAX;
    assert_caught(&trace, at, "the step jumps from 2 to 18446744073709551615");
    let mut trace = lock_raise();
    let at = find(&trace, |r| r.step == 3);
    trace.events[at].step = 1;
    assert_caught(&trace, at, "the step goes backwards, from 2 to 1");
}

#[test]
fn every_event_twice() {
    let mut trace = lock_raise();
    trace.events = trace.events.iter().flat_map(|r| [r.clone(), r.clone()]).collect();
    assert_caught(&trace, 1, "task #0 is spawned twice (first at record 0)");
}

#[test]
fn one_event_twice() {
    // A poll repeated: a second poll inside the step.
    let mut trace = lock_raise();
    let at = find(&trace, |r| r.step == 2 && r.event == Event::Poll);
    trace.events.insert(at + 1, trace.events[at].clone());
    assert_caught(&trace, at + 1, "polled inside a step");
    // A wake repeated: a task woken while it is ready.
    let mut trace = lock_raise();
    let at = find(&trace, |r| matches!(r.event, Event::Wake { .. }));
    trace.events.insert(at + 1, trace.events[at].clone());
    assert_caught(&trace, at + 1, "woken while it is already ready");
    // A suspend repeated: outside any step.
    let mut trace = lock_raise();
    let at = find(&trace, |r| r.event == Event::Suspend);
    trace.events.insert(at + 1, trace.events[at].clone());
    assert_caught(&trace, at + 1, "suspend outside any step");
    // A resource registered twice.
    let mut trace = lock_raise();
    let at = find(&trace, |r| matches!(r.event, Event::NewResource { .. }));
    trace.events.insert(at + 1, trace.events[at].clone());
    assert_caught(&trace, at + 1, "resource r0 is registered twice");
}

#[test]
fn an_operation_on_a_resource_never_registered() {
    let mut trace = lock_raise();
    let at = find(&trace, |r| matches!(r.event, Event::Resource { op: Op::Request, .. }));
    trace.events[at].event = Event::Resource { id: ResourceId(7), op: Op::Request };
    // lock-raise registers its Lock (r0) and its tracked cell X (r1).
    assert_caught(&trace, at, "on resource r7, which was never registered (resources r0 to r1 are registered so far)");
}

#[test]
fn a_task_s_event_outside_its_step() {
    let mut trace = lock_raise();
    // Raise2 prints during Raise1's step.
    let at = find(&trace, |r| matches!(r.event, Event::Print { .. }));
    trace.events[at].task = Some(TaskId(2));
    assert_caught(&trace, at, "task #2's print inside task #1's step");
    // main's wake-up attributed to a task that is not running.
    let mut trace = lock_raise();
    let at = find(&trace, |r| matches!(r.event, Event::Wake { by: Some(_) }));
    let runner = trace.events[at].event.clone();
    let Event::Wake { by: Some(by) } = runner else { unreachable!() };
    trace.events[at].event = Event::Wake { by: Some(TaskId(if by.0 == 3 { 2 } else { 3 })) };
    assert_caught(&trace, at, "woke a task inside task");
}

#[test]
fn events_after_a_task_s_exit() {
    let mut trace = lock_raise();
    let exit = find(&trace, |r| matches!(r.event, Event::Exit { .. }) && r.task == Some(TaskId(1)));
    let task = trace.events[exit].task;
    let step = trace.events[exit].step;
    let time = trace.events[exit].time;
    // Raise1 prints after its exit, still in its step: caught as after its exit.
    trace.events.insert(exit + 1, Record::new(step, time, task, Event::Print { text: "ghost".into() }));
    assert_caught(&trace, exit + 1, "task #1 exited at record");
}

#[test]
fn a_step_that_does_not_end() {
    // Raise1's suspend removed: Raise2's poll begins a step before Raise1's ended.
    let mut trace = lock_raise();
    let at = find(&trace, |r| r.step == 2 && r.event == Event::Suspend);
    trace.events.remove(at);
    assert_caught(&trace, at, "begins before the step in progress (task #1's) ended");
}

#[test]
fn a_poll_of_a_task_that_is_not_ready() {
    let mut trace = lock_raise();
    let at = find(&trace, |r| r.step == 3 && r.event == Event::Poll);
    for r in &mut trace.events[at..] {
        if r.step == 3 {
            r.task = Some(TaskId(0)); // main, which waits for Raise1
        }
    }
    assert_caught(&trace, at, "task #0 is polled, but it was not ready");
}

#[test]
fn a_probe_while_tasks_are_ready() {
    // A poll that keeps the step number is only the quiescence probe, when nothing is ready.
    let mut trace = lock_raise();
    let at = find(&trace, |r| r.step == 3 && r.event == Event::Poll);
    trace.events[at].step = 2;
    assert_caught(&trace, at, "polled without a new step while task #2 is ready");
}

#[test]
fn a_timer_firing_inside_a_step() {
    let mut trace = lock_raise();
    let at = find(&trace, |r| r.event == Event::TimerFired);
    // Move it inside the step before (after that step's poll).
    let fired = trace.events.remove(at);
    let poll = find(&trace, |r| r.step == fired.step && r.event == Event::Poll);
    trace.events.insert(poll + 1, Record { time: trace.events[poll].time, ..fired });
    assert_caught(&trace, poll + 1, "a timer fires inside a step");
}

#[test]
fn a_cancel_step_for_a_task_never_cancelled() {
    // A step that begins without a poll is a cancelled task's drop.
    let mut trace = lock_raise();
    let at = find(&trace, |r| r.step == 3 && r.event == Event::Poll);
    trace.events.remove(at);
    assert_caught(&trace, at, "its cancellation was never requested");
}

#[test]
fn a_header_that_does_not_parse() {
    let mut trace = lock_raise();
    trace.header.strategy = "pct:0".to_string();
    let e = check_header(&trace.header).unwrap_err();
    assert_eq!((e.record, e.step), (None, None));
    assert!(e.to_string().starts_with("header: its strategy cannot be read"), "{e}");
    match judge_json(trace.to_json().as_bytes(), check_header) {
        Err(JudgeError::Inconsistent(streamed)) => assert_eq!(streamed, e),
        other => panic!("{other:?}"),
    }
    let mut trace = lock_raise();
    trace.header.schedule = "weft2:***".to_string();
    let e = check_header(&trace.header).unwrap_err();
    assert!(e.to_string().contains("its schedule cannot be read (schedule is damaged"), "{e}");
}

#[test]
fn an_inconsistency_after_a_violation_still_wins() {
    // lock-race panics; an inconsistency far after the violation still means no verdict.
    let mut trace = scenarios::find("lock-race").unwrap().run(0).trace;
    assert!(weft::check(&trace).is_some());
    let last = trace.events.len() - 1;
    trace.events[last].task = Some(TaskId(4242));
    let Err(JudgeError::Inconsistent(e)) = judge_json(trace.to_json().as_bytes(), check_header) else {
        panic!("no verdict for an inconsistent trace")
    };
    assert_eq!(e.record, Some(last));
}

#[test]
fn the_streamed_reader_reads_what_from_json_reads() {
    let trace = lock_raise();
    let json = trace.to_json();
    let mut header = None;
    let mut events = Vec::new();
    let read = Trace::stream(
        json.as_bytes(),
        |h| {
            header = Some(h);
            Ok::<_, ()>(())
        },
        |r| {
            events.push(r);
            Ok(())
        },
    );
    assert!(read.is_ok());
    assert_eq!(Trace { header: header.unwrap(), events }, trace);
    // Field order does not matter; unknown fields are ignored.
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let reordered =
        format!("{{\"extra\": [1, {{}}], \"events\": {}, \"header\": {}}}", value["events"], value["header"]);
    let judged = judge_json(reordered.as_bytes(), check_header).unwrap();
    assert_eq!(judged.events, trace.events.len());
    // A missing or repeated field is not a trace.
    for bad in [
        format!("{{\"header\": {}}}", value["header"]),
        format!("{{\"events\": {}}}", value["events"]),
        format!("{{\"header\": {0}, \"header\": {0}, \"events\": []}}", value["header"]),
        format!("{{\"header\": {}, \"events\": []}} trailing", value["header"]),
        "[]".to_string(),
    ] {
        assert!(matches!(judge_json(bad.as_bytes(), check_header), Err(JudgeError::Read(_))), "{bad}");
    }
}

#[test]
fn exits_of_dropped_tasks_are_consistent_only_as_cancellations() {
    // A cancel step (no poll) whose task "returns" cannot be.
    let run = Runtime::new().run(async {
        let t = weft::spawn("sleeper", weft::sleep(std::time::Duration::from_secs(5)));
        weft::yield_now().await;
        t.cancel();
        let _ = t.await;
    });
    let mut trace = run.trace;
    assert_consistent(&trace, "cancel");
    let at = find(&trace, |r| matches!(r.event, Event::Exit { exit: Exit::Cancelled }));
    trace.events[at].event = Event::Exit { exit: Exit::Returned };
    assert_caught(&trace, at, "returns in a step that dropped its future");
}

/// Writes a long consistent trace for measuring `weft check` on a large file (not a test: run it
/// with `WEFT_BIG_TRACE=/tmp/big.json WEFT_BIG_TRACE_ROUNDS=600000 cargo test --release --test
/// trace_consistency -- --ignored write_a_large_trace`, then `/usr/bin/time -v weft check
/// /tmp/big.json`). Three workers take a lock in turn and yield while they hold it.
#[test]
#[ignore]
fn write_a_large_trace() {
    let Some(path) = std::env::var_os("WEFT_BIG_TRACE") else { return };
    let rounds: u64 = std::env::var("WEFT_BIG_TRACE_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let run = Runtime::new().name("big").max_steps(u64::MAX).run(async move {
        let lock = std::rc::Rc::new(weft::Lock::new());
        let workers: Vec<_> = (0..3)
            .map(|i| {
                let lock = lock.clone();
                weft::spawn(format!("worker{i}"), async move {
                    for _ in 0..rounds {
                        let _held = lock.lock().await;
                        weft::yield_now().await;
                    }
                })
            })
            .collect();
        for w in workers {
            w.await.unwrap();
        }
    });
    assert!(run.is_ok(), "{:?}", run.failure);
    let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    serde_json::to_writer_pretty(file, &run.trace).unwrap();
}
