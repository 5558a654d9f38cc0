//! Shards of a DFS are balanced: on the catalog's scenarios whose DFS tree a search exhausts,
//! split into `n` shards (`WEFT_SHARD=k/n`) for n = 2, 3, 4, no shard runs more than twice the
//! schedules of another, with reduction and without. (With reduction, a sharded search expands
//! every option above the split depth, so the shards together may run more than the whole:
//! lock-polling's 192 reduced schedules are 2 x 288 in two shards.)

use weft::scenarios::{self, Expect, Scenario};
use weft::sim::Reduction;
use weft::Strategy;

/// The cap above which a scenario's tree counts as not exhaustible here.
const CAP: u64 = 1_000;

fn dfs(s: &Scenario, reduction: Reduction, shard: (u32, u32)) -> weft::Report {
    weft::explore(s.program)
        .name(s.name)
        .strategy(Strategy::Dfs { max_preemptions: None })
        .reduction(reduction)
        .schedules(CAP)
        .shard(shard.0, shard.1)
        .jobs(1)
        .shrink(false)
        .environment(false)
        .run()
}

#[test]
fn no_shard_runs_more_than_twice_another() {
    let mut measured = 0;
    for s in scenarios::all().iter().filter(|s| s.expect == Expect::Holds) {
        let reductions: &[Reduction] = if s.tracked { &[Reduction::Off, Reduction::Dpor] } else { &[Reduction::Off] };
        for &reduction in reductions {
            let whole = dfs(s, reduction, (0, 1));
            if !whole.exhausted || whole.schedules < 16 {
                continue; // not exhaustible here, or too small to cut in four
            }
            measured += 1;
            for n in 2..=4 {
                let counts: Vec<u64> = (0..n).map(|k| dfs(s, reduction, (k, n)).schedules).collect();
                let (min, max) = (*counts.iter().min().unwrap(), *counts.iter().max().unwrap());
                eprintln!("{:<28} {reduction:?} {n} shards: {counts:?} (whole {})", s.name, whole.schedules);
                assert!(max <= 2 * min, "{} ({reduction:?}) in {n} shards runs {counts:?} schedules", s.name);
            }
        }
    }
    assert!(measured >= 3, "only {measured} scenarios' trees were exhaustible");
}
