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
//!
//! Timers due at one instant are a scheduling point too (see `simultaneous_timers` below).

use std::collections::BTreeSet;
use std::time::Duration;
use weft::sim::strategy::DfsTree;
use weft::{explore, sleep, spawn, timeout, yield_now, Faults, Runtime, Strategy};

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
    let mut sizes = Vec::new();
    for shard in 0..3 {
        let report = explore(move || two_tasks(k))
            .strategy(Strategy::Dfs { max_preemptions: None })
            .schedules(1_000_000)
            .shard(shard, 3)
            .jobs(1)
            .environment(false)
            .run();
        assert!(report.exhausted);
        assert_eq!(report.distinct, report.schedules, "a shard ran a schedule twice");
        sizes.push(report.schedules);
    }
    // Together exactly the tree (each shard's schedules are distinct: the sum is the union
    // only if no two shards share one, which the count shows), and balanced.
    assert_eq!(sizes.iter().sum::<u64>(), binomial(2 * k, k), "{sizes:?}");
    let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
    assert!(max <= &(2 * min), "unbalanced shards: {sizes:?}");
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
    // One worker: with two, which worker's first run sees the unchanged program is a race
    // between threads, and the worker that must catch the change may not be the one that saw it.
    .jobs(1)
    .environment(false)
    .run();
    let found = report.failure.as_ref().expect("the change is caught");
    let message = found.failure.to_string();
    assert!(message.contains("the program is not deterministic"), "{message}");
}

#[test]
fn a_dfs_verdict_names_the_bounds_it_was_exhaustive_under() {
    let report = dfs(3, Some(1));
    assert_eq!(report.covered(), format!("all {} schedules with at most 1 preemption", bounded(3, 1)));
    let report = dfs(2, Some(0));
    assert_eq!(report.covered(), "all 2 schedules with no preemption");
    let report = dfs(2, None);
    assert_eq!(report.covered(), format!("all {} schedules", binomial(4, 2)));
    assert!(report.to_string().ends_with(&format!("ok (all {} schedules)", binomial(4, 2))), "{report}");
}

#[test]
fn a_dfs_run_with_faults_on_enumerates_them_and_names_their_budgets() {
    // Forced yields happen at primitives' fast paths: these tasks take none, so the faults add
    // no schedule, and the verdict is exhaustive under both bounds.
    let report = explore(|| two_tasks(3))
        .strategy(Strategy::Dfs { max_preemptions: Some(1) })
        .faults(Faults { force_yield: true, ..Faults::none() })
        .schedules(1_000_000)
        .environment(false)
        .run();
    report.assert_ok();
    assert_eq!(report.schedules, bounded(3, 1));
    assert!(report.exhausted);
    assert_eq!(
        report.covered(),
        format!("all {} schedules with at most 1 preemption and 2 forced yields", bounded(3, 1))
    );
    // One task that yields once, with at most one cancellation: no fault, or cancel it before
    // its first step or before its second.
    let report = explore(|| async {
        let _ = spawn("t", yield_now()).await;
    })
    .strategy(Strategy::Dfs { max_preemptions: None })
    .faults("cancel<=1".parse().unwrap())
    .environment(false)
    .run();
    report.assert_ok();
    assert_eq!(report.covered(), "all 3 schedules with at most 1 cancellation");
}

#[test]
fn a_dfs_run_cut_short_by_its_budget_says_so() {
    let report = explore(|| two_tasks(4))
        .strategy(Strategy::Dfs { max_preemptions: None })
        .schedules(10)
        .environment(false)
        .run();
    assert_eq!(report.covered(), "10 DFS schedules, not exhaustive: the schedule budget ran out first");
}

/// `n` tasks each sleep one virtual second, so that `n` timers are due at the same instant.
///
/// `main` spawns them and returns: `n!` orders in which they are first polled (each registers
/// its timer and suspends). Then the clock jumps and the `n` timers are due together: a
/// scheduling point with `n + 1` options, 0 firing all of them (their tasks then run in any of
/// `n!` orders, each finishing in one step) and `i` firing the `i`-th alone (its task runs and
/// finishes, then the remaining `n - 1` are due again). So the orders below the first point
/// number F(n) = n! + n · F(n - 1), F(0) = F(1) = 1, and the program has n! · F(n) schedules.
async fn simultaneous_timers(n: usize) {
    for i in 0..n {
        spawn(format!("t{i}"), sleep(Duration::from_secs(1)));
    }
}

fn factorial(n: u64) -> u64 {
    (1..=n).product()
}

fn timer_orders(n: u64) -> u64 {
    match n {
        0 | 1 => 1,
        _ => factorial(n) + n * timer_orders(n - 1),
    }
}

#[test]
fn dfs_enumerates_the_orders_of_timers_due_at_one_instant() {
    assert_eq!((timer_orders(2), timer_orders(3)), (4, 18));
    for n in 1..=3 {
        let report = explore(move || simultaneous_timers(n))
            .strategy(Strategy::Dfs { max_preemptions: None })
            .schedules(1_000_000)
            .environment(false)
            .run();
        report.assert_ok();
        let expected = factorial(n as u64) * timer_orders(n as u64);
        assert_eq!(report.schedules, expected, "n = {n}");
        assert_eq!(report.distinct, expected, "n = {n}: a schedule ran twice");
        assert!(report.exhausted);
    }
}

#[test]
fn choosing_among_due_timers_is_not_a_preemption() {
    // One task: a timeout and the sleep inside it are due at the same instant. No pick is ever
    // offered, so the preemption bound 0 changes nothing: the three options of the one timer
    // point (both, the sleep alone, the deadline alone) are all run, and between them the
    // sleep completes first (Ok) or the deadline does (Elapsed).
    let program =
        || async { spawn("t", timeout(Duration::from_secs(1), sleep(Duration::from_secs(1)))).await.unwrap() };
    let tree = DfsTree::new(Some(0));
    let mut outcomes = BTreeSet::new();
    let mut schedules = 0;
    while !tree.is_exhausted() {
        let run = Runtime::new().run_with(Box::new(tree.scheduler(0)), program());
        tree.finish_run();
        outcomes.insert(run.output.expect("the program returns").is_ok());
        schedules += 1;
    }
    assert_eq!(schedules, 3);
    assert_eq!(outcomes, BTreeSet::from([false, true]), "both orders of the deadline and the sleep ran");
}

#[test]
fn a_time_budget_cuts_a_parallel_dfs_at_a_prefix_of_the_dfs_order() {
    // Two tasks of 9 steps: C(18, 9) = 48,620 schedules, more than a 100 ms budget holds. With
    // 2 workers (the tree cut into units), the schedules run must still be the first N of the
    // order, which the same DFS run with a count of N gives.
    let program = || async {
        for name in ["a", "b"] {
            spawn(name, async {
                for _ in 0..8 {
                    yield_now().await;
                }
            });
        }
    };
    let dfs = || {
        explore(program).strategy(Strategy::Dfs { max_preemptions: None }).keep_runs(true).environment(false).jobs(2)
    };
    let timed = dfs().schedules(u64::MAX).time_budget(Duration::from_millis(100)).run();
    assert!(timed.out_of_time && timed.schedules > 0 && timed.schedules < 48_620, "{timed}");
    assert!(timed.covered().ends_with("not exhaustive: the time budget ran out first"), "{}", timed.covered());
    let counted = dfs().schedules(timed.schedules).run();
    assert_eq!(timed.runs, counted.runs);
}

/// Three tasks of `k` steps each: (3k)! / (k!)³ interleavings (k = 3: 1,680). With
/// `fail_on: Some((first, order))`, the run in which task `first` takes the first step and
/// the tasks finish in `order` fails. DFS tries the first pick's options in ready order (a, b,
/// c), so a failure that needs `c` first sits in the last third of the DFS order.
type FailOn = Option<(&'static str, [&'static str; 3])>;

async fn three_tasks(k: u64, fail_on: FailOn) {
    let log = std::rc::Rc::new(std::cell::RefCell::new((None, Vec::new())));
    for name in ["a", "b", "c"] {
        let log = log.clone();
        spawn(name, async move {
            log.borrow_mut().0.get_or_insert(name);
            for _ in 1..k {
                yield_now().await;
            }
            let mut log = log.borrow_mut();
            log.1.push(name);
            if log.1.len() == 3 && fail_on.is_some_and(|(first, order)| log.0 == Some(first) && log.1[..] == order) {
                panic!("{first:?} first, finished in the order {:?}", log.1, first = log.0);
            }
        });
    }
}

fn parallel(jobs: usize, budget: u64, fail_on: FailOn) -> weft::Report {
    explore(move || three_tasks(3, fail_on))
        .name("parallel")
        .strategy(Strategy::Dfs { max_preemptions: None })
        .schedules(budget)
        .jobs(jobs)
        .keep_runs(true)
        .shrink(false)
        .environment(false)
        .run()
}

#[test]
fn a_parallel_dfs_reports_what_one_worker_does() {
    // The whole tree, then budgets that end inside it (the first schedule alone, one inside
    // the first task's subtree, most of the tree, all but one, exactly all, one more): the
    // schedules, their order and pick hashes, `exhausted`, for 1 to 4 workers.
    let all = 1_680;
    for budget in [u64::MAX, 1, 37, 700, all - 1, all, all + 1] {
        let one = parallel(1, budget, None);
        assert_eq!(one.schedules, budget.min(all), "budget {budget}");
        assert_eq!(one.exhausted, budget >= all, "budget {budget}");
        assert_eq!(one.distinct, one.schedules, "budget {budget}: a schedule ran twice");
        let runs = one.runs.as_ref().expect("runs kept");
        assert!(runs.iter().enumerate().all(|(i, r)| r.index == i as u64), "budget {budget}: runs out of order");
        for jobs in 2..=4 {
            assert_eq!(parallel(jobs, budget, None), one, "budget {budget}, {jobs} workers");
        }
    }
}

#[test]
fn a_parallel_dfs_finds_the_failure_one_worker_finds_at_the_same_index() {
    let all = 1_680;
    // `a` first and finishing a, b, c: asyncio's order, the first schedule. `b` first: in the
    // middle third. `c` first: in the last third; with a budget that stops short of it too.
    let first = parallel(1, u64::MAX, Some(("a", ["a", "b", "c"])));
    assert_eq!(first.schedules, 1);
    let middle = parallel(1, u64::MAX, Some(("b", ["c", "a", "b"])));
    assert!(middle.schedules > all / 3 && middle.schedules <= 2 * all / 3, "{}", middle.schedules);
    let late = parallel(1, u64::MAX, Some(("c", ["b", "a", "c"])));
    assert!(late.schedules > 2 * all / 3, "{}", late.schedules);
    let cases = [
        (("a", ["a", "b", "c"]), u64::MAX),
        (("b", ["c", "a", "b"]), u64::MAX),
        (("c", ["b", "a", "c"]), u64::MAX),
        (("c", ["b", "a", "c"]), late.schedules - 1),
        (("c", ["b", "a", "c"]), late.schedules),
    ];
    for (fail_on, budget) in cases {
        let one = parallel(1, budget, Some(fail_on));
        assert_eq!(one.failure.is_some(), budget >= late.schedules || fail_on.0 != "c", "{fail_on:?}, budget {budget}");
        if let Some(found) = &one.failure {
            assert!(found.failure.to_string().contains("finished in the order"), "{}", found.failure);
            assert_eq!(found.index + 1, one.schedules, "the failure is the last schedule counted");
        }
        for jobs in 2..=4 {
            assert_eq!(parallel(jobs, budget, Some(fail_on)), one, "{fail_on:?}, budget {budget}, {jobs} workers");
        }
    }
}

#[test]
fn a_shard_reports_the_same_for_any_number_of_workers() {
    // The units a shard takes depend on the shard count alone, never on the workers in it.
    for (k, n) in [(0, 2), (1, 2), (2, 3)] {
        let shard = |jobs| {
            explore(|| three_tasks(3, None))
                .strategy(Strategy::Dfs { max_preemptions: None })
                .schedules(u64::MAX)
                .shard(k, n)
                .jobs(jobs)
                .keep_runs(true)
                .environment(false)
                .run()
        };
        let one = shard(1);
        assert!(one.exhausted && one.schedules > 0);
        for jobs in 2..=4 {
            assert_eq!(shard(jobs), one, "shard {k}/{n}, {jobs} workers");
        }
    }
}
