//! An exploration that does not list its runs folds them into counts as it goes (its memory
//! does not grow with the number of schedules): the report must be the one that lists them,
//! count for count, with any number of workers, with and without a failure late in the order.

use weft::prelude::*;
use weft::Report;

/// Three tasks that yield around a shared counter; fails when the program's draw hits `bad`.
fn program(bad: Option<u64>) -> impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> + Send + Sync {
    move || {
        Box::pin(async move {
            for i in 0..3 {
                spawn(format!("t{i}"), async {
                    yield_now().await;
                    yield_now().await;
                });
            }
            let drawn = random_range(0..30_000);
            assert!(Some(drawn) != bad, "drew the bad value");
        })
    }
}

fn counts(r: &Report) -> (u64, u64, u64, Option<u64>, Option<u64>) {
    (r.schedules, r.distinct, r.steps, r.failure.as_ref().map(|f| f.index), r.first_draw)
}

#[test]
fn folded_runs_count_as_listed_ones_for_any_worker_count() {
    for bad in [None, Some(20_000)] {
        let run = |jobs: usize, keep: bool| {
            explore(program(bad)).schedules(12_000).jobs(jobs).keep_runs(keep).environment(false).run()
        };
        let listed = run(1, true);
        let runs = listed.runs.as_ref().expect("kept");
        assert_eq!(runs.len() as u64, listed.schedules);
        if bad.is_some() {
            // The failure is late enough that folding ran before it (more than 4096 runs).
            let at = listed.failure.as_ref().map(|f| f.index);
            assert!(at.is_some_and(|i| i > 5_000), "the draw fails at {at:?}: pick another bad value");
        }
        for jobs in [1, 2, 3] {
            let folded = run(jobs, false);
            assert_eq!(folded.runs, None);
            assert_eq!(counts(&folded), counts(&listed), "{jobs} workers, bad value {bad:?}");
        }
    }
}

#[test]
fn a_shard_that_did_not_list_its_runs_is_refused_by_merge_with_the_reason() {
    use weft::sim::explore::{json::ReportFile, merge};
    let shard = |k, keep: Option<bool>| {
        let e = explore(program(None)).schedules(20).shard(k, 2).environment(false);
        let e = match keep {
            Some(keep) => e.keep_runs(keep),
            None => e,
        };
        ReportFile::parse(&e.run().to_json()).unwrap()
    };
    // Shards list their runs by default.
    assert!(merge(&[shard(0, None), shard(1, None)]).is_ok());
    let bare = shard(1, Some(false));
    assert_eq!(bare.runs, None);
    let err = merge(&[shard(0, None), bare]).unwrap_err().to_string();
    assert!(err.contains("shard 1/2's report does not list its runs"), "{err}");
}

/// Four tasks that yield four times each: nearly every schedule is a new interleaving.
async fn many_interleavings() {
    for i in 0..4 {
        spawn(format!("t{i}"), async {
            for _ in 0..4 {
                yield_now().await;
            }
        });
    }
}

/// Past 65,536 distinct interleavings the count is an estimate from a bounded sample (memory
/// does not grow with the schedules): said so, close to the truth, never above the schedules,
/// and the same with any number of workers and from the merged shards, as the sample depends
/// on the set of interleavings alone. Below that it is exact.
#[test]
fn past_65536_interleavings_the_count_is_an_estimate_the_same_however_it_is_run() {
    use weft::sim::explore::{json::ReportFile, merge};
    let schedules = 80_000;
    let run = |jobs: usize, keep: bool| {
        explore(many_interleavings).schedules(schedules).jobs(jobs).keep_runs(keep).environment(false).run()
    };
    let listed = run(1, true);
    let runs = listed.runs.as_ref().expect("kept");
    let mut exact: Vec<u64> = runs.iter().map(|r| r.interleaving).collect();
    exact.sort_unstable();
    exact.dedup();
    let exact = exact.len() as u64;
    assert!(exact > 70_000, "the program's schedules repeat: {exact} distinct");
    assert!(listed.distinct_estimated);
    let error = (listed.distinct as f64 - exact as f64).abs() / exact as f64;
    assert!(error < 0.02 && listed.distinct <= schedules, "{} estimated for {exact} ({error})", listed.distinct);
    assert!(
        listed.to_string().contains(&format!("about {} distinct interleavings (estimated", listed.distinct)),
        "{listed}"
    );
    for jobs in [1, 2] {
        let folded = run(jobs, false);
        assert_eq!((folded.distinct, folded.distinct_estimated), (listed.distinct, true), "{jobs} workers");
    }
    let shard = |k| {
        let e = explore(many_interleavings).schedules(schedules).shard(k, 2).environment(false);
        ReportFile::parse(&e.run().to_json()).unwrap()
    };
    let merged = merge(&[shard(0), shard(1)]).unwrap();
    assert_eq!((merged.distinct, merged.distinct_estimated), (listed.distinct, true));
    assert_eq!(merged.to_json(), ReportFile::parse(&listed.to_json()).unwrap().to_json());
    // Below the bound: exact, and not said to be an estimate.
    let few = explore(many_interleavings).schedules(2_000).environment(false).run();
    assert!(!few.distinct_estimated && few.distinct > 1_900, "{few}");
    assert!(few.to_string().contains(&format!("{} distinct interleavings", few.distinct)), "{few}");
    assert!(!few.to_string().contains("about"), "{few}");
}

/// A shard whose runs list a hash that is not 16 hex digits (an edited or damaged file) is
/// refused, saying which run, not counted as some interleaving.
#[test]
fn a_shard_with_a_damaged_interleaving_hash_is_refused_by_merge() {
    use weft::sim::explore::{json::ReportFile, merge};
    let shard = |k| {
        ReportFile::parse(&explore(program(None)).schedules(20).shard(k, 2).environment(false).run().to_json()).unwrap()
    };
    for damaged in ["not a hash", "0123456789abcdeg", "0123456789abcdef0", ""] {
        let mut bad = shard(1);
        bad.runs.as_mut().unwrap()[3].1 = damaged.to_string();
        let err = merge(&[shard(0), bad]).unwrap_err().to_string();
        assert!(
            err.contains(&format!("shard 1/2 lists run 7 with the interleaving hash `{damaged}`, not 16 hex digits")),
            "{err}"
        );
    }
    assert!(merge(&[shard(0), shard(1)]).is_ok());
}
