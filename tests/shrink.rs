//! Shrinking reaches the minimal schedule of a bug that needs exactly one deviation from
//! asyncio's order.
//!
//! The program: `main` spawns `a` and `b` and awaits `a`, then `b`. `a` reads a counter, yields,
//! and writes it back plus one; `b` yields once, then increments the counter in one step. In
//! asyncio's order `a` reads, `b` yields, `a` writes, `b` increments: the counter ends at 2. The
//! update is lost only if `b`'s increment runs between `a`'s read and `a`'s write, and exactly two
//! schedules do that with a single deviation (a pick other than the ready queue's head):
//!
//! - `[0, 0, 1]`: `a` reads (ready `[a, b]`, pick 0); `b` yields (ready `[b, a]`, pick 0); `b`
//!   increments before `a` writes (ready `[a, b]`, pick 1);
//! - `[1, 0, 0]`: `b` yields first (pick 1); `a` reads (ready `[a, b]`, pick 0); `b` increments
//!   (ready `[b, a]`, pick 0).
//!
//! After `b` finishes only `a` is ready (`main` waits for `a`), so no further choice is made.

use std::cell::Cell;
use std::rc::Rc;
use weft::sim::shrink::{shrink, shrink_program, Lenient};
use weft::{explore, spawn, yield_now, Choice, Failure, Runtime, Schedule, Strategy, ViolationKind};

async fn one_deviation_bug(noise: u32) {
    let x = Rc::new(Cell::new(0));
    let xa = x.clone();
    let a = spawn("a", async move {
        let v = xa.get();
        yield_now().await;
        xa.set(v + 1);
    });
    let xb = x.clone();
    let b = spawn("b", async move {
        yield_now().await;
        xb.set(xb.get() + 1);
    });
    // Tasks that only add choice points to the schedule.
    for i in 0..noise {
        spawn(format!("noise{i}"), async {
            for _ in 0..3 {
                yield_now().await;
            }
        });
    }
    a.await.unwrap();
    b.await.unwrap();
    assert_eq!(x.get(), 2, "an increment was lost");
}

fn picks(s: &Schedule) -> Vec<u32> {
    s.choices
        .iter()
        .map(|c| match c {
            Choice::Pick(i) => *i,
            other => panic!("unexpected choice {other}"),
        })
        .collect()
}

#[test]
fn asyncio_order_does_not_lose_the_update() {
    let run = Runtime::new().run(one_deviation_bug(0));
    assert!(run.is_ok(), "{:?}", run.failure);
    assert_eq!(picks(&run.schedule), [0, 0, 0, 0]);
}

#[test]
fn the_two_minimal_schedules_fail() {
    for minimal in [[0, 0, 1], [1, 0, 0]] {
        let schedule = Schedule::from(minimal.map(Choice::Pick).to_vec());
        let run = Runtime::new().strategy(Strategy::Replay(schedule)).run(one_deviation_bug(0));
        assert_eq!(run.failure.and_then(|f| f.kind()), Some(ViolationKind::Panic), "{minimal:?}");
    }
}

#[test]
fn shrinking_a_noisy_schedule_reaches_a_minimal_one() {
    // The first failing schedule Random finds (it may hold needless deviations).
    let run = (1..=12)
        .map(|seed| Runtime::new().strategy(Strategy::Random).seed(seed).tracing(false).run(one_deviation_bug(0)))
        .find(|run| !run.is_ok())
        .expect("random finds the bug");
    let (failing, violation) = (&run.schedule, run.violation().expect("a panic"));
    let shrunk = shrink_program(&|| one_deviation_bug(0), failing, violation, 10_000, 1000);
    let got = picks(&shrunk.schedule);
    assert!(got == [0, 0, 1] || got == [1, 0, 0], "shrunk to {got:?} from {failing}");
}

#[test]
fn exploration_reports_a_one_deviation_schedule_among_noise() {
    let report = explore(|| one_deviation_bug(3))
        .name("shrink_noise")
        .strategy(Strategy::Random)
        .schedules(500)
        .environment(false)
        .run();
    let found = report.failure.as_ref().expect("the bug is found");
    let shrunk = found.shrunk.as_ref().expect("it is shrunk");
    assert_eq!(shrunk.original, found.first.schedule);
    assert_eq!(shrunk.schedule, found.schedule, "the schedule reported is the shrunk one");
    assert_eq!(shrunk.schedule.deviations(), 1, "{}", shrunk.schedule);
    assert!(shrunk.schedule.len() <= found.first.schedule.len());
    // The shrunk schedule replays exactly (strictly, not leniently) to the failure reported.
    let replay = Runtime::new().strategy(Strategy::Replay(shrunk.schedule.clone())).run(one_deviation_bug(3));
    assert_eq!(replay.failure.as_ref(), Some(&found.failure));
    assert_eq!(replay.schedule, shrunk.schedule);
}

#[test]
fn lenient_replay_falls_back_to_asyncio_order() {
    // Out-of-range picks and a schedule that runs out both take index 0.
    let odd = Schedule::from(vec![Choice::Pick(9)]);
    let run = Runtime::new().run_with(Box::new(Lenient::new(&odd)), one_deviation_bug(0));
    assert!(run.is_ok());
    assert_eq!(picks(&run.schedule), [0, 0, 0, 0]);
}

/// Two bugs: the lost update of `one_deviation_bug` (which needs one deviation), and a check at
/// the end that fails whenever the update was *not* lost, so asyncio's own order reaches it.
async fn two_bugs(noise: u32) {
    let x = Rc::new(Cell::new(0));
    let xa = x.clone();
    let a = spawn("a", async move {
        let v = xa.get();
        yield_now().await;
        xa.set(v + 1);
    });
    let xb = x.clone();
    let b = spawn("b", async move {
        yield_now().await;
        xb.set(xb.get() + 1);
    });
    for i in 0..noise {
        spawn(format!("noise{i}"), async {
            for _ in 0..3 {
                yield_now().await;
            }
        });
    }
    a.await.unwrap();
    b.await.unwrap();
    assert_eq!(x.get(), 2, "an increment was lost");
    assert_ne!(x.get(), 2, "the second bug");
}

#[test]
fn shrinking_keeps_the_bug_it_started_from() {
    let lost = |f: &Failure| f.to_string().contains("an increment was lost");
    // The first seed whose first schedule loses the update (every schedule fails one way or
    // the other, so each exploration stops at its first schedule).
    let report = (0..64)
        .map(|seed| {
            explore(|| two_bugs(2))
                .name("two_bugs")
                .strategy(Strategy::Random)
                .seed(seed)
                .schedules(1)
                .environment(false)
                .run()
        })
        .find(|r| r.failure.as_ref().is_some_and(|f| lost(&f.first.failure)))
        .expect("some seed loses the update");
    let found = report.failure.as_ref().unwrap();
    // Zeroing every deviation would reach the second bug (a panic too, but at another line):
    // that is not failing the same way, so shrinking keeps the lost update and its deviation.
    assert!(lost(&found.failure), "shrinking switched bugs: {}", found.failure);
    assert_eq!(found.schedule.deviations(), 1, "{}", found.schedule);
    let (Failure::Violation(now), Failure::Violation(first)) = (&found.failure, &found.first.failure) else {
        panic!("violations expected");
    };
    assert!(now.same_way(first));
    // The schedule printed replays to exactly the failure printed, and its trace is the one kept.
    let replay = Runtime::new().strategy(Strategy::Replay(found.schedule.clone())).run(two_bugs(2));
    assert_eq!(replay.failure.as_ref(), Some(&found.failure));
    assert_eq!(replay.trace.events, found.trace.events);
}

#[test]
fn a_failure_with_nothing_to_shrink_is_already_minimal() {
    let report = explore(|| async { panic!("boom") }).name("boom").environment(false).run();
    let found = report.failure.as_ref().expect("it fails");
    let shrunk = found.shrunk.as_ref().expect("shrinking ran");
    assert!(shrunk.complete && !shrunk.shrank());
    assert!(shrunk.to_string().starts_with("already minimal"), "{shrunk}");
    let text = report.failure_report().unwrap();
    assert!(text.contains("\n  already minimal (no smaller schedule fails the same way"), "{text}");
    assert!(!text.contains("found first as"), "{text}");
}

#[test]
fn a_longer_schedule_is_kept_only_for_fewer_departures_and_the_report_says_so() {
    let p = |picks: &[u32]| Schedule::from(picks.iter().map(|&i| Choice::Pick(i)).collect::<Vec<_>>());
    // Zeroing the one deviation makes the program take a longer path that still fails: kept,
    // because it departs from asyncio's order less.
    let shrunk = shrink(&p(&[1]), 100, |c| (c == &p(&[0])).then(|| p(&[0, 0, 0])));
    assert_eq!(shrunk.schedule, p(&[0, 0, 0]));
    assert_eq!(
        shrunk.to_string(),
        format!(
            "shrunk from 1 choice (1 deviation from asyncio's order) to 3 (0 deviations): longer, for fewer departures from the default choices (0 instead of 1) in {} candidate runs",
            shrunk.runs
        )
    );
    // A longer path with as many departures is never "smaller": nothing shrinks.
    let original = p(&[1, 0]);
    let shrunk = shrink(&original, 100, |_| Some(p(&[1, 0, 0])));
    assert_eq!(shrunk.schedule, original);
    assert!(shrunk.to_string().starts_with("already minimal"), "{shrunk}");
    // Draws and faults count as departures, and the report names them.
    let drawn = Schedule::from(vec![Choice::Draw(3), Choice::Pick(0)]);
    let shrunk = shrink(&drawn, 100, |c| Some(c.clone()));
    assert_eq!(shrunk.schedule, Schedule::default());
    assert!(
        shrunk.to_string().starts_with(
            "shrunk from 2 choices (0 deviations from asyncio's order, 1 non-zero draw) to 0 (0 deviations)"
        ),
        "{shrunk}"
    );
}

#[test]
fn a_spent_budget_is_not_called_minimal() {
    let original = Schedule::from(vec![Choice::Pick(1), Choice::Pick(1)]);
    let shrunk = shrink(&original, 1, |_| None);
    assert!(!shrunk.complete);
    assert_eq!(shrunk.runs, 1);
    assert!(shrunk.to_string().starts_with("not shrunk: the budget of 1 candidate run ran out"), "{shrunk}");
}
