//! PCT's defining property, and strategies finding a bug that asyncio's own order hides.
//!
//! PCT (Burckhardt et al., ASPLOS 2010) always runs the highest-priority ready task and lowers
//! the running task's priority at `depth - 1` change points. With two tasks that only yield, a
//! switch between them happens only at a change point or when the running task finishes, so a
//! run is made of at most `depth + 1` maximal blocks of one task's steps (`depth - 1` switches
//! at change points, one at the first task's end). Depth 1 is "run one task to completion, then
//! the other": exactly 2 interleavings.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::rc::Rc;
use weft::sim::strategy::Pct;
use weft::traces::Event;
use weft::{explore, spawn, yield_now, Runtime, Strategy, TaskId};

const STEPS: u64 = 6;

async fn two_tasks() {
    for name in ["a", "b"] {
        spawn(name, async {
            for _ in 1..STEPS {
                yield_now().await;
            }
        });
    }
}

/// The order in which tasks `a` and `b` were polled, as a string like "aabbba...".
fn interleaving(depth: u32, seed: u64) -> String {
    // Change points spread over the run's real length (2 * STEPS steps plus main's).
    let pct = Pct::new(depth, seed, 2 * STEPS + 1);
    let run = Runtime::new().run_with(Box::new(pct), two_tasks());
    assert!(run.is_ok());
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

fn blocks(s: &str) -> usize {
    let b = s.as_bytes();
    1 + b.windows(2).filter(|w| w[0] != w[1]).count()
}

#[test]
fn pct_runs_have_at_most_depth_plus_one_blocks() {
    for depth in 1..=4u32 {
        let seen: BTreeSet<String> = (0..300).map(|seed| interleaving(depth, seed)).collect();
        let most = seen.iter().map(|s| blocks(s)).max().unwrap();
        assert!(most <= depth as usize + 1, "depth {depth}: {seen:?}");
        // The bound is reached: some seed puts every change point inside the run.
        assert_eq!(most, depth as usize + 1, "depth {depth}: {seen:?}");
        if depth == 1 {
            let expected: BTreeSet<String> = ["aaaaaabbbbbb", "bbbbbbaaaaaa"].map(String::from).into();
            assert_eq!(seen, expected);
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
    for strategy in [
        Strategy::Random,
        Strategy::Pct { depth: 2 },
        Strategy::Pct { depth: 3 },
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
