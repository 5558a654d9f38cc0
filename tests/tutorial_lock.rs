//! The tutorial's Lock programs (1.1–1.4) under FIFO print exactly what the tutorial shows,
//! take the tutorial's virtual time, and keep (or, for 1.1, break) their invariant.

use std::time::Duration;
use weft::scenarios;
use weft::ViolationKind;

fn output(name: &str) -> (Vec<String>, weft::Run<()>) {
    let run = scenarios::find(name).expect("scenario exists").run(0);
    let lines = run.trace.output().map(str::to_string).collect();
    (lines, run)
}

/// The tutorial's printed lines for 1.2 and 1.4 (identical).
const SERIALIZED_OUTPUT: [&str; 9] = [
    "'Raise1' acquired lock? True",
    "Value of X Initially : 3",
    "Value of X After Raise : 27",
    "'Raise2' acquired lock? True",
    "Value of X Initially : 27",
    "Value of X After Raise : 19683",
    "'Raise3' acquired lock? True",
    "Value of X Initially : 19683",
    "Value of X After Raise : 7625597484987",
];

#[test]
fn lock_race_prints_the_tutorials_corrupted_values_and_fails_its_invariant() {
    let (lines, run) = output("lock-race");
    assert_eq!(
        lines,
        [
            "Value of X Initially : 3",
            "Value of X Initially : 3",
            "Value of X Initially : 3",
            "Value of X After Raise : 243",
            "Value of X After Raise : 729",
            "Value of X After Raise : 2187",
        ]
    );
    assert_eq!(run.elapsed, Duration::from_secs(4));
    let violation = run.violation().expect("the race breaks the invariant");
    assert_eq!(violation.kind, ViolationKind::Panic);
    assert!(violation.message.contains("X ended at 2187"), "{violation}");
}

#[test]
fn lock_raise_serializes_the_raises_in_twelve_virtual_seconds() {
    let (lines, run) = output("lock-raise");
    assert_eq!(lines, SERIALIZED_OUTPUT);
    assert_eq!(run.elapsed, Duration::from_secs(12));
    assert!(run.is_ok(), "{:?}", run.failure);
}

#[test]
fn lock_context_prints_the_same_as_lock_raise() {
    let (lines, run) = output("lock-context");
    assert_eq!(lines, SERIALIZED_OUTPUT);
    assert_eq!(run.elapsed, Duration::from_secs(12));
    assert!(run.is_ok(), "{:?}", run.failure);
}

#[test]
fn lock_polling_prints_the_polling_messages_in_the_tutorials_order() {
    let (lines, run) = output("lock-polling");
    let busy = |t: &str| format!("'{t}' tried to acquire lock but it was occupied. Going to sleep again.");
    let expected = [
        "'Raise1' acquired lock? True".to_string(),
        "Value of X Initially : 3".to_string(),
        busy("Raise2"),
        busy("Raise3"),
        busy("Raise2"),
        busy("Raise3"),
        "Value of X After Raise : 27".to_string(),
        "'Raise2' acquired lock? True".to_string(),
        "Value of X Initially : 27".to_string(),
        busy("Raise3"),
        busy("Raise3"),
        "Value of X After Raise : 19683".to_string(),
        "'Raise3' acquired lock? True".to_string(),
        "Value of X Initially : 19683".to_string(),
        "Value of X After Raise : 7625597484987".to_string(),
    ];
    assert_eq!(lines, expected);
    assert_eq!(run.elapsed, Duration::from_secs(12));
    assert!(run.is_ok(), "{:?}", run.failure);
}

#[test]
fn golden_traces_of_the_lock_programs() {
    for name in ["lock-race", "lock-raise", "lock-polling", "lock-context"] {
        let run = scenarios::find(name).unwrap().run(0);
        insta::assert_snapshot!(name, run.trace.to_text());
    }
}
