//! DFS as an exploration runs it: the tree cut into units shared out among workers (and
//! shards), and the units' schedules put back in DFS order, so that the report is the one a
//! single worker gives.
//!
//! Every worker walks the same tree in the same order; at each unit (see `DfsTree::shard`) it
//! either claims it, if no worker has, or stops the run there and goes on to the next. Units are
//! claimed in order, so the claimed ones are always a prefix of the shard's: a worker about to
//! claim one knows that everything before it is claimed, and stops when those already hold the
//! budget's schedules or a failure. What each unit ran is kept apart, and the report is built
//! from the units in order, up to the first failure and the budget: the single worker's.

use super::progress::Batch;
use super::runs::{drew, pick_hash, tally, Context, Failed, Ran, Tally};
use crate::strategy::{split_depth, DfsTree, Reduction};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::future::Future;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// What the workers share.
struct Claims {
    /// The shard's next unit no worker has claimed, counted among the shard's units.
    next: AtomicU64,
    /// Schedules counted so far, in every unit.
    total: AtomicU64,
    /// The lowest unit with a failure (`u64::MAX`: none).
    failed: AtomicU64,
    /// The lowest unit a worker left unfinished when the time budget ran out (`u64::MAX`:
    /// none): the report ends with what it ran, so that its schedules are a prefix of the DFS
    /// order (see `budget.rs`).
    cut: AtomicU64,
}

/// What one unit ran: its schedules in DFS order (their pick hashes, steps and whether they drew)
/// and its failure, the last of them.
#[derive(Default)]
struct Unit {
    runs: Vec<(u64, u64, bool)>,
    failed: Option<Failed>,
}

/// The search's parameters.
pub(super) struct Search {
    pub(super) bound: Option<u32>,
    pub(super) seed: u64,
    pub(super) budget: u64,
    pub(super) shard: (u32, u32),
    pub(super) jobs: usize,
}

impl Search {
    /// The workers a search uses: with reduction and no shards, one (what a reduced search
    /// explores depends on the order it explores in, so it cannot be cut into units without
    /// exploring more: the report would depend on the worker count).
    pub(super) fn workers(&self, reduction: Reduction) -> usize {
        match (reduction, self.shard.1) {
            (Reduction::Dpor, 1) => 1,
            _ => self.jobs.max(1),
        }
    }

    /// The split depth, if the tree is cut (for more than one worker or shard). With
    /// reduction it depends on the shards alone, for the same reason.
    fn depth(&self, reduction: Reduction) -> Option<usize> {
        let workers = self.workers(reduction) as u64;
        let parts = match reduction {
            Reduction::Off => u64::from(self.shard.1) * workers,
            Reduction::Dpor => u64::from(self.shard.1),
        };
        (parts > 1 || workers > 1).then(|| split_depth(parts))
    }
}

impl<F, Fut> Context<'_, F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future + 'static,
{
    pub(super) fn dfs(&self, search: &Search) -> Tally {
        let claims = Arc::new(Claims {
            next: AtomicU64::new(0),
            total: AtomicU64::new(0),
            failed: AtomicU64::new(u64::MAX),
            cut: AtomicU64::new(u64::MAX),
        });
        let workers = search.workers(self.reduction);
        let work = || self.dfs_worker(search, &claims);
        let results: Vec<(BTreeMap<u64, Unit>, bool)> = if workers == 1 {
            vec![work()]
        } else {
            std::thread::scope(|s| {
                let handles: Vec<_> = (0..workers).map(|_| s.spawn(work)).collect();
                handles.into_iter().map(|h| h.join().expect("weft: an exploration worker panicked")).collect()
            })
        };
        let exhausted = results.iter().all(|(_, e)| *e);
        let mut units: BTreeMap<u64, Unit> = BTreeMap::new();
        for (u, _) in results {
            units.extend(u);
        }
        let mut ran = Ran::listing(self.keep_runs);
        let mut failed = None;
        let cut = claims.cut.load(Ordering::Relaxed);
        'units: for (u, unit) in units.into_iter().take_while(|(u, _)| *u <= cut) {
            for (i, &(hash, steps, drew)) in unit.runs.iter().enumerate() {
                let index = ran.seen.len() as u64;
                if index >= search.budget {
                    break 'units;
                }
                ran.record(index, hash, steps, drew);
                if i + 1 == unit.runs.len() {
                    if let Some(mut f) = unit.failed {
                        f.index = index;
                        failed = Some(f);
                        break 'units;
                    }
                }
            }
            if u == cut {
                break;
            }
        }
        // Every unit explored to its end: the tree had no schedule beyond those counted.
        let within = claims.total.load(Ordering::Relaxed) <= search.budget;
        let mut tally = tally(ran, failed);
        tally.enumerated = tally.failed.is_none() && exhausted && within;
        tally
    }

    /// One worker: walks the tree, exploring the units it claims. Returns what each ran, and
    /// whether it walked the whole tree.
    fn dfs_worker(&self, search: &Search, claims: &Arc<Claims>) -> (BTreeMap<u64, Unit>, bool) {
        let (k, n) = (u64::from(search.shard.0), u64::from(search.shard.1.max(1)));
        let mut tree = DfsTree::new(search.bound).faults(*self.faults).reduction(self.reduction);
        let halted = Rc::new(Cell::new(false));
        if let Some(depth) = search.depth(self.reduction) {
            let (shared, halt, budget) = (claims.clone(), halted.clone(), search.budget);
            let owns = move |unit: u64| {
                if unit % n != k || halt.get() {
                    return false;
                }
                let local = unit / n;
                // Everything before `unit` is claimed: stop if it holds a failure or the budget.
                if shared.failed.load(Ordering::Relaxed) < unit || shared.total.load(Ordering::Relaxed) >= budget {
                    halt.set(true);
                    return false;
                }
                shared.next.compare_exchange(local, local + 1, Ordering::Relaxed, Ordering::Relaxed).is_ok()
            };
            tree = tree.split(depth, Box::new(owns));
        }
        let mut units: BTreeMap<u64, Unit> = BTreeMap::new();
        let mut batch = Batch::default();
        let mut current: Option<u64> = None;
        let runtime = self.runtime(false);
        while !tree.is_exhausted() && !halted.get() {
            // The deadline is read before a run starts, never during one (see `budget.rs`).
            if self.deadline.passed() {
                if let Some(u) = current {
                    claims.cut.fetch_min(u, Ordering::Relaxed);
                }
                halted.set(true);
                break;
            }
            let run = self.untraced(&runtime, Box::new(tree.scheduler(search.seed)), search.seed);
            if !tree.finish_run() {
                continue;
            }
            let u = tree.last_unit().unwrap_or(0);
            current = Some(u);
            if claims.failed.load(Ordering::Relaxed) < u {
                units.remove(&u);
                halted.set(true);
                break;
            }
            let hash = pick_hash(&run.schedule);
            self.tracker.ran(&mut batch, hash, run.steps);
            claims.total.fetch_add(1, Ordering::Relaxed);
            let unit = units.entry(u).or_default();
            unit.runs.push((hash, run.steps, drew(&run.schedule)));
            if let Some(failure) = run.failure {
                unit.failed = Some(Failed { index: 0, seed: search.seed, failure, schedule: run.schedule });
                claims.failed.fetch_min(u, Ordering::Relaxed);
                halted.set(true);
                break;
            }
            if unit.runs.len() as u64 >= search.budget {
                // This unit alone holds the budget: nothing after it counts.
                halted.set(true);
                break;
            }
        }
        self.tracker.flush(&mut batch);
        (units, !halted.get() && tree.is_exhausted())
    }
}
