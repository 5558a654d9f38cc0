//! The tutorial's Condition, Semaphore and Event programs (2.1–2.4, 3.1, 3.2, 4) under FIFO print
//! what CPython 3.13 prints for the same code, in the same order (random values aside), take the
//! tutorial's virtual time, and keep their invariant. The expected lines below are CPython
//! 3.13.0's output of the tutorial's code (run with `random.seed(1)`, the CPU-busy loop shortened,
//! values then masked); they also equal the tutorial's own printed output, masked the same way.

use std::time::Duration;
use weft::scenarios;

/// Runs the scenario under FIFO and returns its printed lines with the random values masked.
fn masked_output(name: &str, seed: u64) -> (Vec<String>, weft::Run<()>) {
    let run = scenarios::find(name).expect("scenario exists").run(seed);
    let lines = run.trace.output().map(mask).collect();
    (lines, run)
}

/// `... an item : 37` becomes `... an item : N`, after checking 37 is a `randint(1, 50)`.
fn mask(line: &str) -> String {
    match line.split_once("item : ") {
        Some((head, value)) => {
            let value: u64 = value.parse().expect("an item is a number");
            assert!((1..=50).contains(&value), "{value} is not randint(1, 50)");
            format!("{head}item : N")
        }
        None => line.to_string(),
    }
}

fn expected(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

fn assert_program(name: &str, cpython: &str, seconds: u64) {
    for seed in [0, 1, 2] {
        let (lines, run) = masked_output(name, seed);
        assert!(run.is_ok(), "{name} seed {seed}: {:?}", run.failure);
        assert_eq!(lines, expected(cpython), "{name} seed {seed}");
        assert_eq!(run.elapsed, Duration::from_secs(seconds), "{name} seed {seed}");
    }
}

#[test]
fn condition_wait_prints_cpythons_lines_in_eight_virtual_seconds() {
    assert_program("condition-wait", CONDITION_WAIT, 8);
}

#[test]
fn condition_wait_for_prints_cpythons_lines_in_eight_virtual_seconds() {
    assert_program("condition-wait-for", CONDITION_WAIT_FOR, 8);
}

#[test]
fn condition_context_prints_the_same_as_condition_wait() {
    // 2.3 is 2.1 with `async with`; CPython prints the same lines for both.
    assert_program("condition-context", CONDITION_WAIT, 8);
}

#[test]
fn condition_notify_all_wakes_every_processor_to_recheck() {
    assert_program("condition-notify-all", CONDITION_NOTIFY_ALL, 8);
}

#[test]
fn semaphore_pool_prints_cpythons_lines_in_zero_virtual_seconds() {
    assert_program("semaphore-pool", SEMAPHORE_POOL, 0);
}

#[test]
fn semaphore_context_prints_the_same_as_semaphore_pool() {
    assert_program("semaphore-context", SEMAPHORE_POOL, 0);
}

#[test]
fn event_handoff_prints_cpythons_lines_in_eight_virtual_seconds() {
    assert_program("event-handoff", EVENT_HANDOFF, 8);
}

#[test]
fn the_values_set_are_the_values_processed() {
    for name in ["condition-wait", "condition-wait-for", "condition-context", "condition-notify-all", "event-handoff"] {
        let run = scenarios::find(name).unwrap().run(7);
        let value = |line: &str, what: &str| line.split_once(what).map(|(_, v)| v.parse::<u64>().unwrap());
        let set: Vec<_> = run.trace.output().filter_map(|l| value(l, "setting an item : ")).collect();
        let processed: Vec<_> = run.trace.output().filter_map(|l| value(l, "processing an item : ")).collect();
        assert_eq!(set.len(), 5, "{name}");
        assert_eq!(processed, set, "{name}");
    }
}

#[test]
fn golden_traces_of_the_condition_semaphore_and_event_programs() {
    for name in [
        "condition-wait",
        "condition-wait-for",
        "condition-context",
        "condition-notify-all",
        "semaphore-pool",
        "semaphore-context",
        "event-handoff",
    ] {
        let run = scenarios::find(name).unwrap().run(0);
        insta::assert_snapshot!(name, run.trace.to_text());
    }
}

/// Tutorial 2.1 as CPython 3.13.0 prints it (random values masked as N).
const CONDITION_WAIT: &str = "\
Task : 'SetItem1' setting an item : N
Task : 'SetItem2' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'SetItem3' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'SetItem4' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'SetItem5' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'ProcessItem1' processing an item : N
Task : 'ProcessItem2' tried to process item but it was not set. It'll wait for the condition.
Task : 'ProcessItem3' tried to process item but it was not set. It'll wait for the condition.
Task : 'ProcessItem4' tried to process item but it was not set. It'll wait for the condition.
Task : 'ProcessItem5' tried to process item but it was not set. It'll wait for the condition.
Task : 'SetItem2' setting an item : N
Task : 'SetItem3' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'SetItem4' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'SetItem5' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'ProcessItem2' processing an item : N
Task : 'SetItem3' setting an item : N
Task : 'SetItem4' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'SetItem5' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'ProcessItem3' processing an item : N
Task : 'SetItem4' setting an item : N
Task : 'SetItem5' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'ProcessItem4' processing an item : N
Task : 'SetItem5' setting an item : N
Task : 'ProcessItem5' processing an item : N
";

/// Tutorial 2.2 as CPython 3.13.0 prints it (random values masked as N).
const CONDITION_WAIT_FOR: &str = "\
Task : 'SetItem1' setting an item : N
Task : 'SetItem2' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'SetItem3' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'SetItem4' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'SetItem5' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'ProcessItem1' processing an item : N
Task : 'SetItem2' setting an item : N
Task : 'SetItem3' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'SetItem4' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'SetItem5' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'ProcessItem2' processing an item : N
Task : 'SetItem3' setting an item : N
Task : 'SetItem4' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'SetItem5' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'ProcessItem3' processing an item : N
Task : 'SetItem4' setting an item : N
Task : 'SetItem5' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'ProcessItem4' processing an item : N
Task : 'SetItem5' setting an item : N
Task : 'ProcessItem5' processing an item : N
";

/// Tutorial 2.4 as CPython 3.13.0 prints it (random values masked as N).
const CONDITION_NOTIFY_ALL: &str = "\
Task : 'SetItem1' setting an item : N
Task : 'SetItem2' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'SetItem3' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'SetItem4' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'SetItem5' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'ProcessItem1' processing an item : N
Task : 'ProcessItem2' tried to process item but it was not set. It'll wait for the condition.
Task : 'ProcessItem3' tried to process item but it was not set. It'll wait for the condition.
Task : 'ProcessItem4' tried to process item but it was not set. It'll wait for the condition.
Task : 'ProcessItem5' tried to process item but it was not set. It'll wait for the condition.
Task : 'SetItem2' setting an item : N
Task : 'SetItem3' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'SetItem4' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'SetItem5' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'ProcessItem2' processing an item : N
Task : 'ProcessItem3' tried to process item but it was not set. It'll wait for the condition.
Task : 'ProcessItem4' tried to process item but it was not set. It'll wait for the condition.
Task : 'ProcessItem5' tried to process item but it was not set. It'll wait for the condition.
Task : 'SetItem3' setting an item : N
Task : 'SetItem4' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'SetItem5' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'ProcessItem3' processing an item : N
Task : 'ProcessItem4' tried to process item but it was not set. It'll wait for the condition.
Task : 'ProcessItem5' tried to process item but it was not set. It'll wait for the condition.
Task : 'SetItem4' setting an item : N
Task : 'SetItem5' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'ProcessItem4' processing an item : N
Task : 'ProcessItem5' tried to process item but it was not set. It'll wait for the condition.
Task : 'SetItem5' setting an item : N
Task : 'ProcessItem5' processing an item : N
";

/// Tutorial 3.1 as CPython 3.13.0 prints it (random values masked as N).
const SEMAPHORE_POOL: &str = "\
Task : 'ProcessItem1' acquired resource. Semaphore : 2
Task : 'ProcessItem1' uses 'Connection1' object for transferring data.
Task : 'ProcessItem1' released resource. X : ['Connection2', 'Connection3', 'Connection1']
Task : 'ProcessItem2' acquired resource. Semaphore : 2
Task : 'ProcessItem2' uses 'Connection2' object for transferring data.
Task : 'ProcessItem2' released resource. X : ['Connection3', 'Connection1', 'Connection2']
Task : 'ProcessItem3' acquired resource. Semaphore : 2
Task : 'ProcessItem3' uses 'Connection3' object for transferring data.
Task : 'ProcessItem3' released resource. X : ['Connection1', 'Connection2', 'Connection3']
Task : 'ProcessItem4' acquired resource. Semaphore : 2
Task : 'ProcessItem4' uses 'Connection1' object for transferring data.
Task : 'ProcessItem4' released resource. X : ['Connection2', 'Connection3', 'Connection1']
Task : 'ProcessItem5' acquired resource. Semaphore : 2
Task : 'ProcessItem5' uses 'Connection2' object for transferring data.
Task : 'ProcessItem5' released resource. X : ['Connection3', 'Connection1', 'Connection2']
Task : 'ProcessItem6' acquired resource. Semaphore : 2
Task : 'ProcessItem6' uses 'Connection3' object for transferring data.
Task : 'ProcessItem6' released resource. X : ['Connection1', 'Connection2', 'Connection3']
Task : 'ProcessItem7' acquired resource. Semaphore : 2
Task : 'ProcessItem7' uses 'Connection1' object for transferring data.
Task : 'ProcessItem7' released resource. X : ['Connection2', 'Connection3', 'Connection1']
Task : 'ProcessItem8' acquired resource. Semaphore : 2
Task : 'ProcessItem8' uses 'Connection2' object for transferring data.
Task : 'ProcessItem8' released resource. X : ['Connection3', 'Connection1', 'Connection2']
Task : 'ProcessItem9' acquired resource. Semaphore : 2
Task : 'ProcessItem9' uses 'Connection3' object for transferring data.
Task : 'ProcessItem9' released resource. X : ['Connection1', 'Connection2', 'Connection3']
Task : 'ProcessItem10' acquired resource. Semaphore : 2
Task : 'ProcessItem10' uses 'Connection1' object for transferring data.
Task : 'ProcessItem10' released resource. X : ['Connection2', 'Connection3', 'Connection1']
";

/// Tutorial 4 as CPython 3.13.0 prints it (random values masked as N).
const EVENT_HANDOFF: &str = "\
Task : 'SetItem' setting an item : N
Task : 'SetItem' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'ProcessItem1' processing an item : N
Task : 'ProcessItem2' tried to process item but it was not set. It'll wait for the condition.
Task : 'SetItem' setting an item : N
Task : 'SetItem' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'ProcessItem2' processing an item : N
Task : 'ProcessItem3' tried to process item but it was not set. It'll wait for the condition.
Task : 'SetItem' setting an item : N
Task : 'SetItem' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'ProcessItem3' processing an item : N
Task : 'ProcessItem4' tried to process item but it was not set. It'll wait for the condition.
Task : 'SetItem' setting an item : N
Task : 'SetItem' tried to set item but its already set. It'll go to sleep for 2 seconds now.
Task : 'ProcessItem4' processing an item : N
Task : 'ProcessItem5' tried to process item but it was not set. It'll wait for the condition.
Task : 'SetItem' setting an item : N
Task : 'ProcessItem5' processing an item : N
";
