//! Fuzzing schedule strings: arbitrary text and mutations of the strings weft writes (truncated,
//! extended, bit-flipped, base64 characters swapped or replaced, spliced with another
//! scenario's), through `Schedule::from_str`, the `replay:` strategy and `WEFT_REPLAY` readers,
//! and replay against the catalog's scenarios. Nothing may panic, abort or run away: a string is
//! read or refused with one line, and a replay runs, fails, or diverges with one line; every
//! replayed trace is consistent.
//!
//! Seeded and deterministic (proptest with a fixed seed; failures persist to
//! `tests/fuzz_schedules.proptest-regressions`, which is checked in and replayed first). The CI
//! run takes a few thousand inputs; the long run takes a count:
//!
//! ```text
//! WEFT_FUZZ_CASES=100000 /usr/bin/time -v cargo test --release --test fuzz_schedules -- --ignored --nocapture
//! ```

use proptest::prelude::*;
use proptest::strategy::Strategy as _;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed, TestCaseError, TestRunner};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use weft::scenarios::{self, Scenario};
use weft::sim::env::Overrides;
use weft::traces::check::consistency;
use weft::{Failure, Faults, Schedule, Strategy};

/// Schedule strings weft writes: each scenario's under several strategies and seeds, faults on
/// and off, and the golden snapshots' own.
fn corpus() -> &'static [(usize, String)] {
    static CORPUS: OnceLock<Vec<(usize, String)>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut out = Vec::new();
        for (i, scenario) in scenarios::all().iter().enumerate() {
            for (seed, strategy) in
                [Strategy::Fifo, Strategy::Random, Strategy::Pct { depth: 3 }].into_iter().enumerate()
            {
                for faults in [Faults::none(), Faults::all().rate(0.2)] {
                    let run = scenario
                        .runtime()
                        .strategy(strategy.clone())
                        .seed(seed as u64)
                        .faults(faults)
                        .max_steps(5_000)
                        .tracing(false)
                        .run((scenario.program)());
                    out.push((i, run.schedule.to_string()));
                }
            }
        }
        out.dedup();
        out
    })
}

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded URL-safe base64, as schedule strings use it (the test's own, to mutate the bytes).
fn encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// The bytes of unpadded URL-safe base64, `None` if it is not.
fn decode(text: &[u8]) -> Option<Vec<u8>> {
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::new();
    for chunk in text.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            let v = ALPHABET.iter().position(|a| a == c)? as u32;
            n |= v << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

/// One change to a schedule string.
#[derive(Clone, Debug)]
enum Edit {
    /// Keep the first `n` characters of the body (wraps around its length).
    Truncate(usize),
    /// Append base64 characters.
    Extend(Vec<u8>),
    /// Flip a bit of the decoded bytes, and encode again (so the result is valid base64).
    FlipBit(usize, u8),
    /// Swap two characters of the body.
    Swap(usize, usize),
    /// Replace a character of the body with any byte's character.
    Replace(usize, u8),
    /// Insert a decoded byte, and encode again.
    InsertByte(usize, u8),
    /// Keep the first `n` decoded bytes (wraps around their length), and encode again.
    TruncateBytes(usize),
}

/// An input: text to read as a schedule, and the scenario to replay it against.
#[derive(Clone, Debug)]
enum Input {
    /// Any text at all.
    Text(String),
    /// `weft2:` and the base64 of any bytes: decodes, into any varints.
    Bytes(Vec<u8>),
    /// A string weft wrote, edited.
    Mutated { base: usize, edits: Vec<Edit> },
    /// The head of one string weft wrote and the tail of another's.
    Spliced { a: usize, b: usize, cut_a: usize, cut_b: usize },
}

fn edit() -> impl proptest::strategy::Strategy<Value = Edit> {
    // Edits of the text mostly break the base64; edits of the bytes keep it, and reach the
    // decoder and the replay.
    prop_oneof![
        1 => any::<usize>().prop_map(Edit::Truncate),
        1 => prop::collection::vec(any::<u8>(), 1..12).prop_map(Edit::Extend),
        4 => (any::<usize>(), 0u8..8).prop_map(|(i, b)| Edit::FlipBit(i, b)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Edit::Swap(i, j)),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(i, c)| Edit::Replace(i, c)),
        3 => (any::<usize>(), any::<u8>()).prop_map(|(i, c)| Edit::InsertByte(i, c)),
        2 => any::<usize>().prop_map(Edit::TruncateBytes),
    ]
}

fn input() -> impl proptest::strategy::Strategy<Value = (Input, usize)> {
    let text = prop_oneof![
        ".{0,40}".prop_map(|s: String| s),
        ".{0,40}".prop_map(|s: String| format!("weft2:{s}")),
        "[A-Za-z0-9_-]{0,60}".prop_map(|s: String| format!("weft2:{s}")),
    ];
    let input = prop_oneof![
        1 => text.prop_map(Input::Text),
        2 => prop::collection::vec(any::<u8>(), 0..48).prop_map(Input::Bytes),
        6 => (any::<usize>(), prop::collection::vec(edit(), 1..3)).prop_map(|(base, edits)| Input::Mutated { base, edits }),
        1 => (any::<usize>(), any::<usize>(), any::<usize>(), any::<usize>())
            .prop_map(|(a, b, cut_a, cut_b)| Input::Spliced { a, b, cut_a, cut_b }),
    ];
    (input, any::<usize>())
}

fn body(text: &str) -> &str {
    text.strip_prefix("weft2:").unwrap_or(text)
}

fn apply(text: &str, edit: &Edit) -> String {
    let mut chars: Vec<u8> = body(text).as_bytes().to_vec();
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % len };
    match edit {
        Edit::Truncate(n) => chars.truncate(at(*n, chars.len() + 1)),
        Edit::Extend(more) => chars.extend(more.iter().map(|b| ALPHABET[*b as usize % 64])),
        Edit::Swap(i, j) if !chars.is_empty() => {
            let (i, j) = (at(*i, chars.len()), at(*j, chars.len()));
            chars.swap(i, j);
        }
        Edit::Replace(i, c) if !chars.is_empty() => {
            let i = at(*i, chars.len());
            chars[i] = if c.is_ascii_graphic() { *c } else { ALPHABET[*c as usize % 64] };
        }
        Edit::FlipBit(i, _) | Edit::InsertByte(i, _) | Edit::TruncateBytes(i) => {
            let Some(mut bytes) = decode(&chars) else { return text.to_string() };
            match edit {
                Edit::FlipBit(_, bit) if !bytes.is_empty() => {
                    let i = at(*i, bytes.len());
                    bytes[i] ^= 1 << bit;
                }
                Edit::InsertByte(_, byte) => bytes.insert(at(*i, bytes.len() + 1), *byte),
                Edit::TruncateBytes(_) => bytes.truncate(at(*i, bytes.len() + 1)),
                _ => {}
            }
            chars = encode(&bytes).into_bytes();
        }
        _ => {}
    }
    format!("weft2:{}", String::from_utf8_lossy(&chars))
}

/// The text an input stands for, and the scenario it is replayed against.
fn materialize(input: &Input, scenario: usize) -> (String, Scenario) {
    let all = scenarios::all();
    let corpus = corpus();
    let text = match input {
        Input::Text(t) => t.clone(),
        Input::Bytes(b) => format!("weft2:{}", encode(b)),
        Input::Mutated { base, edits } => edits.iter().fold(corpus[base % corpus.len()].1.clone(), |t, e| apply(&t, e)),
        Input::Spliced { a, b, cut_a, cut_b } => {
            let (a, b) = (body(&corpus[a % corpus.len()].1), body(&corpus[b % corpus.len()].1));
            let (ca, cb) = (cut_a % (a.len() + 1), cut_b % (b.len() + 1));
            format!("weft2:{}{}", &a[..ca], &b[cb..])
        }
    };
    // Another scenario's string now and then: replayed against the one it was written for, or any.
    let target = match input {
        Input::Mutated { base, .. } if scenario % 2 == 0 => corpus[base % corpus.len()].0,
        _ => scenario % all.len(),
    };
    (text, all[target])
}

fn one_line(what: &str, message: &str) -> Result<(), TestCaseError> {
    prop_assert!(!message.is_empty() && message.lines().count() == 1, "{what}: not one line: {message:?}");
    Ok(())
}

/// What became of an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Refused,
    Diverged,
    Failed,
    Held,
}

/// What one input must satisfy; returns what became of it and how long it took.
fn property(input: &Input, scenario: usize) -> Result<(Outcome, Duration), TestCaseError> {
    let (text, scenario) = materialize(input, scenario);
    let started = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<Outcome, TestCaseError> {
        let parsed = text.parse::<Schedule>();
        // The other readers of schedule strings agree with the parser.
        let strategy = format!("replay:{text}").parse::<Strategy>();
        prop_assert_eq!(strategy.is_ok(), parsed.is_ok());
        let env = Overrides::from_lookup(|n| (n == "WEFT_REPLAY").then(|| text.clone()));
        let blank = text.trim().is_empty();
        prop_assert_eq!(env.is_ok(), parsed.is_ok() || blank, "WEFT_REPLAY={:?}", text);
        if let Err(e) = &env {
            one_line("WEFT_REPLAY", &e.to_string())?;
        }
        let schedule = match parsed {
            Err(e) => return one_line("refusal", &e.to_string()).map(|()| Outcome::Refused),
            Ok(s) => s,
        };
        prop_assert!(schedule.len() as u64 <= Schedule::MAX_CHOICES);
        let again = schedule.to_string().parse::<Schedule>();
        prop_assert_eq!(again.as_ref(), Ok(&schedule));
        let run = scenario.runtime().strategy(Strategy::Replay(schedule)).max_steps(10_000).run((scenario.program)());
        if let Some(failure @ Failure::Diverged(_)) = &run.failure {
            one_line("divergence", &failure.to_string())?;
        }
        if let Err(e) = consistency(&run.trace) {
            return Err(TestCaseError::fail(format!("the replayed trace is inconsistent: {e}")));
        }
        Ok(match run.failure {
            None => Outcome::Held,
            Some(Failure::Diverged(_)) => Outcome::Diverged,
            Some(Failure::Violation(_)) => Outcome::Failed,
        })
    }));
    match outcome {
        Ok(result) => result.map(|o| (o, started.elapsed())),
        Err(_) => Err(TestCaseError::fail(format!("panicked on {text:?} against {}", scenario.name))),
    }
}

/// Runs `cases` inputs from the fixed seed; returns the slowest input's time and how many inputs
/// had each outcome.
fn fuzz(cases: u32) -> (Duration, std::collections::BTreeMap<Outcome, u32>) {
    let config = Config {
        cases,
        rng_seed: RngSeed::Fixed(0x5eed_0011),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/fuzz_schedules.proptest-regressions",
        ))),
        max_shrink_iters: 2_000,
        ..Config::default()
    };
    let slowest = std::cell::Cell::new(Duration::ZERO);
    let outcomes = std::cell::RefCell::new(std::collections::BTreeMap::new());
    let result = TestRunner::new(config).run(&input(), |(input, scenario)| {
        let (outcome, took) = property(&input, scenario)?;
        slowest.set(slowest.get().max(took));
        *outcomes.borrow_mut().entry(outcome).or_insert(0) += 1;
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    (slowest.get(), outcomes.into_inner())
}

#[test]
fn the_test_s_base64_is_the_schedules_base64() {
    let s: Schedule = "weft2:AiMCFwIDAhsCKWk".parse().unwrap();
    let bytes = decode(b"AiMCFwIDAhsCKWk").unwrap();
    assert_eq!(format!("weft2:{}", encode(&bytes)), s.to_string());
    for n in 0..8u8 {
        let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(97)).collect();
        assert_eq!(decode(encode(&bytes).as_bytes()), Some(bytes));
    }
}

#[test]
fn schedule_strings_are_read_or_refused_and_replayed_or_diverge() {
    let (_, outcomes) = fuzz(2_000);
    // The inputs reach every outcome: the fuzzer is not only feeding the parser garbage. (The
    // counts depend on the catalog, which `--features mutants` extends.)
    for outcome in [Outcome::Refused, Outcome::Diverged, Outcome::Failed, Outcome::Held] {
        assert!(outcomes.get(&outcome).is_some_and(|n| *n >= 5), "{outcomes:?}");
    }
}

/// The long run (see the module docs).
#[test]
#[ignore]
fn schedule_strings_long_run() {
    let cases = std::env::var("WEFT_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let started = Instant::now();
    let (slowest, outcomes) = fuzz(cases);
    eprintln!("fuzz_schedules: {cases} inputs in {:.1?}, slowest input {slowest:.1?}, {outcomes:?}", started.elapsed());
}
