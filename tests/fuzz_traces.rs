//! Fuzzing stored traces: arbitrary bytes, byte-level damage to the JSON weft writes
//! (truncated, bit-flipped, bytes inserted, spans dropped or repeated) and structural edits of
//! it (numbers set to extremes, events repeated, dropped, swapped or changed in kind, header
//! strings replaced), through the reader (`Trace::from_json`, `Trace::stream`), the consistency
//! check, `check`, the streamed judge `weft check` uses, and the renderers. Nothing may panic or
//! run away; the streamed judge agrees with judging the parsed trace; every message is one line.
//!
//! Seeded and deterministic (proptest with a fixed seed; failures persist to
//! `tests/fuzz_traces.proptest-regressions`, checked in and replayed first). The long run:
//!
//! ```text
//! WEFT_FUZZ_CASES=100000 /usr/bin/time -v cargo test --release --test fuzz_traces -- --ignored --nocapture
//! ```

use proptest::prelude::*;
use proptest::strategy::Strategy as _;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed, TestCaseError, TestRunner};
use serde_json::Value;
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use weft::scenarios;
use weft::sim::check_header;
use weft::traces::check::{consistency, judge, judge_json, JudgeError};
use weft::{Faults, Strategy, Trace};

/// Traces weft writes, as JSON: tutorial programs, a failing one, workloads under faults.
fn corpus() -> &'static [Value] {
    static CORPUS: OnceLock<Vec<Value>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let runs = [
            ("lock-raise", Strategy::Fifo, Faults::none(), 0),
            ("lock-race", Strategy::Fifo, Faults::none(), 0),
            ("condition-wait-for", Strategy::Random, Faults::all().rate(0.2), 3),
            ("event-handoff", Strategy::Pct { depth: 3 }, Faults::none(), 1),
            ("barrier-two-cycles", Strategy::Random, Faults::all().rate(0.2), 2),
            ("workload-semaphore", Strategy::Random, Faults::all(), 4),
            ("workload-queue", Strategy::Random, Faults::all(), 5),
            ("semaphore-pool", Strategy::Dfs { max_preemptions: Some(2) }, Faults::none(), 0),
        ];
        runs.into_iter()
            .map(|(name, strategy, faults, seed)| {
                let scenario = scenarios::find(name).expect("in the catalog");
                let run = scenario
                    .runtime()
                    .strategy(strategy)
                    .faults(faults)
                    .seed(seed)
                    .max_steps(3_000)
                    .run((scenario.program)());
                serde_json::to_value(&run.trace).expect("a trace serializes")
            })
            .collect()
    })
}

/// Numbers that break assumptions.
const EXTREMES: [u64; 8] = [0, 1, 2, 3, 999, u32::MAX as u64, 1 << 53, u64::MAX];

/// A change to a trace's JSON.
#[derive(Clone, Debug)]
enum Edit {
    /// Set a numeric field of an event to a number.
    Number { event: usize, field: usize, value: u64, extreme: bool },
    /// Repeat an event right after itself.
    Repeat(usize),
    /// Drop an event.
    Drop(usize),
    /// Swap two events.
    Swap(usize, usize),
    /// Give an event another kind (its other fields stay).
    Kind(usize, usize),
    /// Set a field to null.
    Null(usize, usize),
    /// Replace the header's strategy or schedule.
    Header(bool, String),
}

/// Byte-level damage to the JSON text.
#[derive(Clone, Debug)]
enum Damage {
    Truncate(usize),
    FlipBit(usize, u8),
    Insert(usize, u8),
    DropSpan(usize, usize),
    RepeatSpan(usize, usize),
}

#[derive(Clone, Debug)]
enum Input {
    Bytes(Vec<u8>),
    Edited { base: usize, edits: Vec<Edit> },
    Damaged { base: usize, damage: Vec<Damage> },
}

const FIELDS: [&str; 8] = ["step", "time", "task", "id", "by", "parent", "target", "until"];
const KINDS: [&str; 13] = [
    "spawn",
    "poll",
    "suspend",
    "wake",
    "sleep",
    "join",
    "timer_fired",
    "cancel",
    "exit",
    "print",
    "new_resource",
    "resource",
    "fault",
];

fn edit() -> impl proptest::strategy::Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), any::<usize>(), any::<u64>(), any::<bool>())
            .prop_map(|(event, field, value, extreme)| Edit::Number { event, field, value, extreme }),
        2 => any::<usize>().prop_map(Edit::Repeat),
        2 => any::<usize>().prop_map(Edit::Drop),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Edit::Swap(i, j)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(i, k)| Edit::Kind(i, k)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(i, f)| Edit::Null(i, f)),
        1 => (any::<bool>(), prop_oneof![".{0,12}", "weft2:[A-Za-z0-9_-]{0,16}", "(pct|dfs|random|fifo|replay)(:[0-9]{0,12})?"])
            .prop_map(|(strategy, s)| Edit::Header(strategy, s)),
    ]
}

fn damage() -> impl proptest::strategy::Strategy<Value = Damage> {
    prop_oneof![
        any::<usize>().prop_map(Damage::Truncate),
        (any::<usize>(), 0u8..8).prop_map(|(i, b)| Damage::FlipBit(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Damage::Insert(i, b)),
        (any::<usize>(), 0usize..64).prop_map(|(i, n)| Damage::DropSpan(i, n)),
        (any::<usize>(), 0usize..64).prop_map(|(i, n)| Damage::RepeatSpan(i, n)),
    ]
}

fn input() -> impl proptest::strategy::Strategy<Value = Input> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(Input::Bytes),
        6 => (any::<usize>(), prop::collection::vec(edit(), 1..4)).prop_map(|(base, edits)| Input::Edited { base, edits }),
        2 => (any::<usize>(), prop::collection::vec(damage(), 1..3)).prop_map(|(base, damage)| Input::Damaged { base, damage }),
    ]
}

fn edit_value(trace: &mut Value, edit: &Edit) {
    let Some(events) = trace["events"].as_array_mut() else { return };
    let n = events.len();
    if n == 0 {
        return;
    }
    match edit {
        Edit::Number { event, field, value, extreme } => {
            let value = if *extreme { EXTREMES[*value as usize % EXTREMES.len()] } else { value % 64 };
            let e = &mut events[event % n];
            let field = FIELDS[field % FIELDS.len()];
            if e.get(field).is_some() {
                e[field] = value.into();
            } else if let Some(op) = e.get_mut("op").and_then(Value::as_object_mut) {
                // Inside an op: `{"wake": {"waiter": 3}}` and the like.
                if let Some(inner) = op.values_mut().next().and_then(Value::as_object_mut) {
                    if let Some(v) = inner.values_mut().next() {
                        *v = value.into();
                    }
                }
            }
        }
        Edit::Repeat(i) => {
            let e = events[i % n].clone();
            events.insert(i % n, e);
        }
        Edit::Drop(i) => {
            events.remove(i % n);
        }
        Edit::Swap(i, j) => events.swap(i % n, j % n),
        Edit::Kind(i, k) => events[i % n]["event"] = KINDS[k % KINDS.len()].into(),
        Edit::Null(i, f) => {
            let e = &mut events[i % n];
            let field = FIELDS[f % FIELDS.len()];
            if e.get(field).is_some() {
                e[field] = Value::Null;
            }
        }
        Edit::Header(strategy, s) => {
            let field = if *strategy { "strategy" } else { "schedule" };
            trace["header"][field] = s.clone().into();
        }
    }
}

fn damage_bytes(bytes: &mut Vec<u8>, damage: &Damage) {
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % len };
    match damage {
        Damage::Truncate(n) => bytes.truncate(at(*n, bytes.len() + 1)),
        Damage::FlipBit(i, b) if !bytes.is_empty() => {
            let i = at(*i, bytes.len());
            bytes[i] ^= 1 << b;
        }
        Damage::Insert(i, b) => bytes.insert(at(*i, bytes.len() + 1), *b),
        Damage::DropSpan(i, n) => {
            let i = at(*i, bytes.len() + 1);
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
        Damage::RepeatSpan(i, n) => {
            let i = at(*i, bytes.len() + 1);
            let end = (i + n).min(bytes.len());
            let span = bytes[i..end].to_vec();
            bytes.splice(end..end, span);
        }
        _ => {}
    }
}

fn materialize(input: &Input) -> Vec<u8> {
    let corpus = corpus();
    match input {
        Input::Bytes(b) => b.clone(),
        Input::Edited { base, edits } => {
            let mut trace = corpus[base % corpus.len()].clone();
            edits.iter().for_each(|e| edit_value(&mut trace, e));
            serde_json::to_vec(&trace).expect("JSON serializes")
        }
        Input::Damaged { base, damage } => {
            let mut bytes = serde_json::to_vec_pretty(&corpus[base % corpus.len()]).expect("JSON serializes");
            damage.iter().for_each(|d| damage_bytes(&mut bytes, d));
            bytes
        }
    }
}

/// What became of an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    NotATrace,
    Inconsistent,
    Violated,
    Held,
}

fn one_line(what: &str, message: &str) -> Result<(), TestCaseError> {
    prop_assert!(!message.is_empty() && message.lines().count() == 1, "{what}: not one line: {message:?}");
    Ok(())
}

fn property(bytes: &[u8]) -> Result<Outcome, TestCaseError> {
    let text = String::from_utf8_lossy(bytes);
    let parsed = Trace::from_json(&text);
    let judged = judge_json(bytes, check_header);
    // Any trace that parses is drawn without a panic, consistent or not.
    if let Ok(trace) = &parsed {
        if trace.events.len() <= 3_000 {
            let _ = (trace.to_text(), trace.to_svg(), trace.to_chrome_json());
        }
    }
    match (judged, &parsed) {
        (Err(JudgeError::Read(e)), _) => {
            one_line("not a trace", &e.to_string())?;
            Ok(Outcome::NotATrace)
        }
        (Err(JudgeError::Inconsistent(e)), parsed) => {
            one_line("inconsistent", &JudgeError::Inconsistent(e.clone()).to_string())?;
            // The whole trace, judged at once, finds the same inconsistency: in its header or
            // its first inconsistent record, whichever the file holds first.
            if let (Ok(trace), Ok(_)) = (parsed, std::str::from_utf8(bytes)) {
                let (header, events) = (check_header(&trace.header).err(), judge(trace).err());
                prop_assert!(
                    header.as_ref() == Some(&e) || events.as_ref() == Some(&e),
                    "streamed {e:?}, whole {header:?} / {events:?}"
                );
            }
            Ok(Outcome::Inconsistent)
        }
        (Ok(judged), Ok(trace)) => {
            prop_assert!(consistency(trace).is_ok());
            prop_assert_eq!(judged.events, trace.events.len());
            prop_assert_eq!(&judged.violation, &weft::check(trace));
            if let Some(v) = &judged.violation {
                prop_assert!(!v.message.is_empty());
            }
            Ok(if judged.violation.is_some() { Outcome::Violated } else { Outcome::Held })
        }
        (Ok(_), Err(e)) => {
            // Only lossy UTF-8 can make the two readers see different text.
            prop_assert!(std::str::from_utf8(bytes).is_err(), "streamed a trace from_json refuses: {}", e);
            Ok(Outcome::Held)
        }
    }
}

/// Runs `cases` inputs from the fixed seed: the slowest input's time, and the outcomes.
fn fuzz(cases: u32) -> (Duration, BTreeMap<Outcome, u32>) {
    let config = Config {
        cases,
        rng_seed: RngSeed::Fixed(0x5eed_0012),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("tests/fuzz_traces.proptest-regressions"))),
        max_shrink_iters: 2_000,
        ..Config::default()
    };
    let slowest = std::cell::Cell::new(Duration::ZERO);
    let outcomes = std::cell::RefCell::new(BTreeMap::new());
    let result = TestRunner::new(config).run(&input(), |input| {
        let bytes = materialize(&input);
        let started = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| property(&bytes)))
            .unwrap_or_else(|_| Err(TestCaseError::fail("panicked")))?;
        slowest.set(slowest.get().max(started.elapsed()));
        *outcomes.borrow_mut().entry(outcome).or_insert(0) += 1;
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    (slowest.get(), outcomes.into_inner())
}

#[test]
fn stored_traces_are_read_judged_or_refused_and_drawn() {
    let (_, outcomes) = fuzz(600);
    // The inputs reach every outcome, not only the JSON parser's errors.
    for outcome in [Outcome::NotATrace, Outcome::Inconsistent, Outcome::Violated, Outcome::Held] {
        assert!(outcomes.get(&outcome).is_some_and(|n| *n >= 10), "{outcomes:?}");
    }
}

/// The long run (see the module docs).
#[test]
#[ignore]
fn stored_traces_long_run() {
    let cases = std::env::var("WEFT_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let started = Instant::now();
    let (slowest, outcomes) = fuzz(cases);
    eprintln!("fuzz_traces: {cases} inputs in {:.1?}, slowest input {slowest:.1?}, {outcomes:?}", started.elapsed());
}
