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
