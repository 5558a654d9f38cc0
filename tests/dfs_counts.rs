//! DFS enumerates exactly the schedules a small program has, with and without a preemption
//! bound, checked against closed forms.
//!
//! The program: `main` spawns tasks `a` and `b` and returns; each of them takes `k` steps (it
//! yields `k - 1` times). `main`'s single step offers no choice. From then on a choice exists
//! exactly while both `a` and `b` are ready, so schedules correspond one to one to the
//! interleavings of two sequences of `k` steps: C(2k, k) of them.
//!
//! Preemptions: an interleaving made of `blocks` maximal runs of one task switches tasks
//! `blocks - 1` times; exactly one switch is free (the one after the first task to finish has
//! taken its last step: it is no longer ready), every other one preempts a task that yielded
//! and is still ready. So an interleaving with `blocks` runs has `blocks - 2` preemptions.
//! Interleavings with `blocks` runs starting with `a`: for `blocks = 2m`, `a` and `b` each split
//! their `k` steps into `m` non-empty runs, C(k-1, m-1)² ways; for `blocks = 2m + 1`, `a` has
//! `m + 1` runs and `b` has `m`, C(k-1, m) · C(k-1, m-1) ways. Twice that counts both starts.

use weft::{explore, spawn, yield_now, Strategy};

fn binomial(n: u64, k: u64) -> u64 {
    if k > n {
        return 0;
    }
    (1..=k).fold(1, |acc, i| acc * (n + 1 - i) / i)
}

/// Interleavings of two k-step tasks made of exactly `blocks` runs.
fn with_blocks(k: u64, blocks: u64) -> u64 {
    let m = blocks / 2;
    let one_start =
        if blocks % 2 == 0 { binomial(k - 1, m - 1).pow(2) } else { binomial(k - 1, m) * binomial(k - 1, m - 1) };
    2 * one_start
}

/// Interleavings with at most `bound` preemptions (at most `bound + 2` runs).
fn bounded(k: u64, bound: u64) -> u64 {
    (2..=bound + 2).map(|b| with_blocks(k, b)).sum()
}

async fn two_tasks(k: u64) {
    for name in ["a", "b"] {
        spawn(name, async move {
            for _ in 1..k {
                yield_now().await;
            }
        });
    }
}

fn dfs(k: u64, max_preemptions: Option<u32>) -> weft::Report {
    let report = explore(move || two_tasks(k))
        .name("dfs_counts")
        .strategy(Strategy::Dfs { max_preemptions })
        .schedules(1_000_000)
        .environment(false)
        .run();
    report.assert_ok();
    report
}

#[test]
fn closed_forms_agree() {
    // The closed forms themselves: summing over every number of runs gives C(2k, k).
    for k in 1..=8 {
        assert_eq!(bounded(k, 2 * k), binomial(2 * k, k), "k = {k}");
    }
    assert_eq!(bounded(3, 0), 2);
    assert_eq!(bounded(3, 1), 2 + 4);
}

#[test]
fn unbounded_dfs_runs_every_interleaving_once() {
    for k in 1..=6 {
        let report = dfs(k, None);
        assert_eq!(report.schedules, binomial(2 * k, k), "k = {k}");
        assert_eq!(report.distinct, report.schedules, "k = {k}: a schedule ran twice");
        assert!(report.exhausted, "k = {k}");
    }
}

#[test]
fn preemption_bound_cuts_the_tree_as_the_closed_form_says() {
    for k in 1..=6 {
        for bound in 0..=3u32 {
            let report = dfs(k, Some(bound));
            assert_eq!(report.schedules, bounded(k, u64::from(bound)), "k = {k}, at most {bound} preemptions");
            assert_eq!(report.distinct, report.schedules);
            assert!(report.exhausted);
        }
    }
}

#[test]
fn budget_stops_dfs_before_exhaustion() {
    let report = explore(|| two_tasks(4))
        .strategy(Strategy::Dfs { max_preemptions: None })
        .schedules(10)
        .environment(false)
        .run();
    assert_eq!(report.schedules, 10);
    assert!(!report.exhausted);
}

#[test]
fn dfs_shards_partition_the_tree() {
    let k = 4;
    let mut total = 0;
    for shard in 0..3 {
        let report = explore(move || two_tasks(k))
            .strategy(Strategy::Dfs { max_preemptions: None })
            .schedules(1_000_000)
            .shard(shard, 3)
            .environment(false)
            .run();
        assert!(report.exhausted);
        total += report.schedules;
    }
    // The first pick has two options: shards 0 and 1 take one subtree each, shard 2 none.
    assert_eq!(total, binomial(2 * k, k));
}

#[test]
fn a_program_that_changes_between_runs_is_reported() {
    use std::sync::atomic::{AtomicU32, Ordering};
    // Shared state outside the run: the second run spawns a third task, so the tree changes.
    static RUNS: AtomicU32 = AtomicU32::new(0);
    let report = explore(|| async {
        let extra = RUNS.fetch_add(1, Ordering::Relaxed) > 0;
        spawn("a", yield_now());
        spawn("b", yield_now());
        if extra {
            spawn("c", yield_now());
        }
    })
    .strategy(Strategy::Dfs { max_preemptions: None })
    .schedules(100)
    .environment(false)
    .run();
    let found = report.failure.as_ref().expect("the change is caught");
    let message = found.failure.to_string();
    assert!(message.contains("the program is not deterministic"), "{message}");
}
