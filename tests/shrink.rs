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
use weft::sim::shrink::{shrink_program, Lenient};
use weft::{explore, spawn, yield_now, Choice, Runtime, Schedule, Strategy, ViolationKind};

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
    let failing = (1..=12)
        .map(|seed| Runtime::new().strategy(Strategy::Random).seed(seed).tracing(false).run(one_deviation_bug(0)))
        .find(|run| !run.is_ok())
        .expect("random finds the bug")
        .schedule;
    let shrunk = shrink_program(&|| one_deviation_bug(0), &failing, ViolationKind::Panic, 10_000, 1000);
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
    assert_eq!(shrunk.original, found.schedule);
    assert_eq!(shrunk.schedule.deviations(), 1, "{}", shrunk.schedule);
    assert!(shrunk.schedule.len() <= found.schedule.len());
    // The shrunk schedule replays exactly (strictly, not leniently) to the same kind of failure.
    let replay = Runtime::new().strategy(Strategy::Replay(shrunk.schedule.clone())).run(one_deviation_bug(3));
    assert_eq!(replay.failure.and_then(|f| f.kind()), Some(ViolationKind::Panic));
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
