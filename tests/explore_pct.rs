//! PCT's defining properties in real runs, and strategies finding bugs that asyncio's own order
//! hides.
//!
//! PCT (Burckhardt et al., ASPLOS 2010) always runs the highest-priority ready task and lowers a
//! task's priority at `depth - 1` change points; weft's, as shuttle's, counts only the picks
//! with a choice (more than one task ready) and also lowers a task that yields.

#[path = "support/lost_wakeup.rs"]
mod lost_wakeup;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;
use weft::sim::strategy::{Pct, PickContext};
use weft::sim::{Divergence, Scheduler};
use weft::traces::Event;
use weft::{explore, sleep, spawn, yield_now, Runtime, Strategy, TaskId, ViolationKind};

/// The order in which tasks `a` (#1) and `b` (#2) were polled, as a string like "abab...".
fn polls(run: &weft::Run<()>) -> String {
    run.trace
        .events
        .iter()
        .filter(|r| matches!(r.event, Event::Poll))
        .filter_map(|r| match r.task {
            Some(TaskId(1)) => Some('a'),
            Some(TaskId(2)) => Some('b'),
            _ => None,
        })
        .collect()
}

const STEPS: u64 = 6;

/// `a` and `b` each yield `STEPS - 1` times.
async fn two_yielding_tasks() {
    for name in ["a", "b"] {
        spawn(name, async {
            for _ in 1..STEPS {
                yield_now().await;
            }
        });
    }
}

#[test]
fn a_yield_hands_over_to_the_other_task() {
    // A yielding task is lowered below every other ready task, so two tasks that only yield
    // alternate under depth 1 (no change point), whatever their priorities. Without the
    // lowering, depth 1 runs one task to its end first ("aaaaaabbbbbb").
    for seed in 0..50 {
        let run = Runtime::new().run_with(Box::new(Pct::new(1, seed, 2 * STEPS)), two_yielding_tasks());
        assert!(run.is_ok());
        let order = polls(&run);
        assert!(["abababababab", "babababababa"].contains(&order.as_str()), "seed {seed}: {order}");
    }
}

/// Main yields alone `alone` times (no choice), then `a` and `b` each sleep 1 ms `INSTANTS - 1`
/// times: at each of the `INSTANTS` instants both are ready, neither having yielded, and the
/// pick decides which runs first.
async fn sequential_then_timers(alone: u32) {
    const INSTANTS: u64 = 8;
    for _ in 0..alone {
        yield_now().await;
    }
    let tasks: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|name| {
            spawn(name, async {
                for _ in 1..INSTANTS {
                    sleep(Duration::from_millis(1)).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

/// PCT's picks, with asyncio's option at every timer point (all due timers fire at once), so
/// that who runs first at each instant is decided by the picks alone.
struct PicksOnly(Pct);

impl Scheduler for PicksOnly {
    fn pick(&mut self, cx: &PickContext<'_>) -> Result<usize, Divergence> {
        self.0.pick(cx)
    }

    fn draw(&mut self, bound: u64) -> Result<u64, Divergence> {
        self.0.draw(bound)
    }
}

#[test]
fn change_points_land_only_on_picks_with_a_choice() {
    // 8 instants, 8 picks between `a` and `b` (plus one with main at the end). With depth 2 and
    // 8 expected picks, the one change point is among picks 2..=8, so exactly one instant
    // flips the order, for every seed, however long main's sequential prefix. (Counted over
    // all steps, the change point would fall in the prefix and change nothing.)
    for alone in [0, 50] {
        for seed in 0..100 {
            let pct = PicksOnly(Pct::new(2, seed, 8));
            let run = Runtime::new().run_with(Box::new(pct), sequential_then_timers(alone));
            assert!(run.is_ok());
            let order = polls(&run);
            let firsts: Vec<u8> = order.as_bytes().chunks(2).map(|pair| pair[0]).collect();
            assert_eq!(firsts.len(), 8, "{order}");
            let flips = firsts.windows(2).filter(|w| w[0] != w[1]).count();
            assert_eq!(flips, 1, "alone {alone}, seed {seed}: {order}");
        }
    }
}

#[test]
fn pct_finds_the_two_task_lost_wakeup_within_a_few_schedules() {
    // The waiter yields between its check and its registration. Lowered there, it lets the
    // setter into the window whenever the setter's yield came first: every other schedule,
    // so 8 schedules miss it with probability 1/256 per seed. The program's three picks all
    // follow a yield, where a change point adds nothing, so every depth behaves so. (Before the
    // yield lowering, depth 1 never found it and depths 2 and 3 needed up to 31 and 28
    // schedules over these seeds; with a change point that undoes a yield's hand-over, depth 3
    // never found it.)
    for (depth, bound) in [(1, 8), (2, 8), (3, 8)] {
        for seed in 0..20 {
            let report = explore(lost_wakeup::program)
                .strategy(Strategy::Pct { depth })
                .schedules(bound)
                .seed(seed)
                .jobs(1)
                .environment(false)
                .run();
            let found = report.failure.as_ref().unwrap_or_else(|| panic!("pct:{depth}, seed {seed}: {report}"));
            assert_eq!(found.failure.kind(), Some(ViolationKind::LostWakeup), "{}", found.failure);
        }
    }
}

/// `a` reads, yields, writes; `b` yields `delay` times, then increments in one step: the update
/// is lost only if `b` increments between `a`'s read and write, which asyncio's order never does.
async fn delayed_increment(delay: u32) {
    let x = Rc::new(Cell::new(0));
    let xa = x.clone();
    let a = spawn("a", async move {
        let v = xa.get();
        yield_now().await;
        xa.set(v + 1);
    });
    let xb = x.clone();
    let b = spawn("b", async move {
        for _ in 0..delay {
            yield_now().await;
        }
        xb.set(xb.get() + 1);
    });
    a.await.unwrap();
    b.await.unwrap();
    assert_eq!(x.get(), 2, "an increment was lost");
}

#[test]
fn exploring_strategies_find_a_bug_asyncio_order_hides() {
    let run = |strategy: Strategy| {
        explore(|| delayed_increment(2)).strategy(strategy).schedules(300).seed(4).environment(false).run()
    };
    run(Strategy::Fifo).assert_ok();
    // Not PCT: `b` must take three steps in a row, each a yield, while `a` waits ready, and PCT
    // (as shuttle's) lowers a task at every yield (see `Pct`'s docs).
    for depth in [2, 3] {
        run(Strategy::Pct { depth }).assert_ok();
    }
    for strategy in [
        Strategy::Random,
        Strategy::Pos,
        Strategy::Dfs { max_preemptions: Some(1) },
        Strategy::Dfs { max_preemptions: None },
    ] {
        let report = run(strategy.clone());
        let found = report.failure.as_ref().unwrap_or_else(|| panic!("{strategy} missed it: {report}"));
        assert!(found.failure.to_string().contains("an increment was lost"), "{strategy}");
    }
    // No schedule with zero preemptions loses the update: DFS enumerates them all and passes.
    let report = run(Strategy::Dfs { max_preemptions: Some(0) });
    report.assert_ok();
    assert!(report.exhausted);
}
