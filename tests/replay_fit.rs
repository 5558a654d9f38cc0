//! A replayed schedule that does not fit the program says which way it does not fit, at which
//! choice and step: it ends early, it has choices left over, or it records an option the program
//! does not offer.

use weft::sim::shrink::Lenient;
use weft::sim::{DivergenceKind, Faults};
use weft::{spawn, yield_now, Choice, Failure, Runtime, Schedule, Strategy, TaskId};
use weft_traces::Fault;

/// Two tasks that yield twice each: a pick at every step where both are ready.
async fn two_yielders() {
    for name in ["a", "b"] {
        spawn(name, async {
            yield_now().await;
            yield_now().await;
        });
    }
}

fn replay(schedule: Schedule) -> Option<Failure> {
    Runtime::new().strategy(Strategy::Replay(schedule)).run(two_yielders()).failure
}

fn divergence(schedule: Schedule) -> weft::sim::Divergence {
    match replay(schedule) {
        Some(Failure::Diverged(d)) => d,
        other => panic!("expected a divergence, got {other:?}"),
    }
}

fn recorded() -> Schedule {
    Runtime::new().strategy(Strategy::Random).seed(5).run(two_yielders()).schedule
}

#[test]
fn the_recorded_schedule_fits_exactly() {
    let schedule = recorded();
    assert!(!schedule.is_empty());
    assert_eq!(replay(schedule), None);
}

#[test]
fn a_schedule_cut_short_ends_early_at_the_first_missing_choice() {
    let full = recorded();
    let cut = Schedule::from(full.choices[..full.len() - 1].to_vec());
    let d = divergence(cut.clone());
    assert_eq!(d.kind, DivergenceKind::Ended);
    assert_eq!((d.choice, d.recorded), (cut.len(), None));
    assert!(d.step >= 2, "the step of the missing pick: {d:?}");
    assert!(d.to_string().contains("cut short"), "{d}");
    let empty = divergence(Schedule::default());
    assert_eq!((empty.kind, empty.choice, empty.step), (DivergenceKind::Ended, 0, 2));
}

#[test]
fn choices_left_over_after_the_run_are_a_divergence() {
    let full = recorded();
    let mut long = full.clone();
    long.choices.extend([Choice::Pick(1), Choice::Draw(3)]);
    let d = divergence(long);
    assert_eq!(d.kind, DivergenceKind::LeftOver { left: 2 });
    assert_eq!((d.choice, d.recorded), (full.len(), Some(Choice::Pick(1))));
    let steps = Runtime::new().strategy(Strategy::Replay(full)).run(two_yielders()).steps;
    assert_eq!(d.step, steps, "named at the run's last step");
    assert!(d.to_string().contains("left over") && d.to_string().contains("another program"), "{d}");
}

#[test]
fn faults_left_over_after_the_run_are_a_divergence() {
    let full = recorded();
    for fault in [Fault::Cancel { task: TaskId(1) }, Fault::ForceYield] {
        let mut long = full.clone();
        long.choices.push(Choice::Fault { step: 10_000, fault });
        let d = divergence(long);
        assert_eq!(d.kind, DivergenceKind::LeftOver { left: 1 }, "{fault:?}");
        assert_eq!(d.choice, full.len());
    }
}

#[test]
fn faults_left_over_are_found_when_the_run_has_faults_on_too() {
    // With faults on, the replay runs inside the fault injector, which passes `finish` on.
    let mut long = recorded();
    long.choices.push(Choice::Pick(0));
    let run = Runtime::new().faults(Faults::all()).strategy(Strategy::Replay(long)).run(two_yielders());
    assert!(matches!(run.failure, Some(Failure::Diverged(d)) if matches!(d.kind, DivergenceKind::LeftOver { .. })));
}

#[test]
fn an_option_the_program_does_not_offer_names_what_it_offered() {
    let d = divergence(Schedule::from(vec![Choice::Pick(7)]));
    assert_eq!((d.kind, d.choice, d.step, d.recorded), (DivergenceKind::NotOffered, 0, 2, Some(Choice::Pick(7))));
    assert!(d.offered.contains("2 ready tasks"), "{d}");
    assert!(d.to_string().contains("The code changed since"), "{d}");
}

#[test]
fn every_divergence_is_one_line() {
    let mut long = recorded();
    long.choices.push(Choice::Pick(1));
    for schedule in [Schedule::default(), long, Schedule::from(vec![Choice::Pick(7)])] {
        let text = divergence(schedule).to_string();
        assert_eq!(text.lines().count(), 1, "{text}");
    }
}

#[test]
fn an_exploration_replaying_a_schedule_with_leftovers_reports_the_divergence() {
    let mut long = recorded();
    long.choices.push(Choice::Pick(1));
    let report = weft::explore(two_yielders).strategy(Strategy::Replay(long)).environment(false).run();
    let found = report.failure.expect("the leftover is a failure");
    assert!(matches!(&found.failure, Failure::Diverged(d) if matches!(d.kind, DivergenceKind::LeftOver { .. })));
}

#[test]
fn shrinking_replays_stay_lenient() {
    let mut long = recorded();
    long.choices.extend([Choice::Pick(9), Choice::Draw(3), Choice::Fault { step: 10_000, fault: Fault::ForceYield }]);
    let run = Runtime::new().run_with(Box::new(Lenient::new(&long)), two_yielders());
    assert!(run.is_ok(), "{:?}", run.failure);
}
