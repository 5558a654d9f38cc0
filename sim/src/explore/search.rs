//! DFS as an exploration runs it: workers that share the tree by giving each other subtrees,
//! and the subtrees' schedules put back in DFS order, so that the report is the one a single
//! worker gives.
//!
//! One worker starts at the root (of its shard's units, with shards). A worker with nothing to
//! do says so, and a busy one gives it the shallowest option it has left (`DfsTree::donate`):
//! the *item* that subtree is starts as a pending child of the giver's, and becomes an entry of
//! it when the giver's path moves past it, so each item's entries, its runs and its children,
//! are in DFS order. Walking the items from the root then lists every schedule in DFS order,
//! whatever gave what to whom: the report is built from that walk, up to the first failure and
//! the budget. The same walk tells a worker how many schedules come before its current one (at
//! least: items still being explored may add to them), so it stops once they reach the budget
//! or a failure comes before: no work past the budget's schedules but what was under way.

use super::progress::Batch;
use super::runs::{drew, pick_hash, tally, Context, Failed, Ran, Tally};
use crate::strategy::{DfsTree, Node, Reduction};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

/// One schedule: the hash of its picks, its steps, whether it drew.
type Record = (u64, u64, bool);

/// What an item holds, in DFS order.
enum Entry {
    Runs(Vec<Record>),
    /// A subtree given away, which the path has since moved past.
    Child(usize),
}

/// How far an item was explored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum State {
    /// Queued or being explored.
    #[default]
    Open,
    /// Explored to its end.
    Done,
    /// Left before its end: past the budget, after a failure, at its own failure, or when the
    /// time budget ran out.
    Left,
}

/// A subtree one worker explores.
#[derive(Default)]
struct Item {
    entries: Vec<Entry>,
    /// Subtrees given away that the path has not moved past yet, with the depth of the point
    /// they were given at: they come after the item's current end, the deepest first.
    pending: Vec<(usize, usize)>,
    state: State,
    /// Its last run failed.
    failed: Option<Failed>,
}

/// Where a walk of the items stopped.
#[derive(PartialEq)]
enum Walked {
    /// At the end of the item looked for.
    Target,
    /// At a failure.
    Failure,
    /// It went on (through the whole tree when nothing stopped it).
    On,
}

/// What the workers share, behind a lock.
#[derive(Default)]
struct Pool {
    items: Vec<Item>,
    /// Items given away and not started, with the path to each.
    queue: Vec<(usize, Vec<Node>)>,
    /// Workers waiting for an item.
    idle: usize,
    /// No item is left to explore.
    over: bool,
}

impl Pool {
    /// How many schedules come, in DFS order, up to the current end of item `target`, as far
    /// as is known (items still explored may add to those before it), and whether a failure
    /// comes first.
    fn position(&self, target: usize) -> (u64, bool) {
        let mut count = 0;
        let walked = self.walk(0, target, &mut count);
        (count, walked == Walked::Failure)
    }

    fn walk(&self, id: usize, target: usize, count: &mut u64) -> Walked {
        let item = &self.items[id];
        for entry in &item.entries {
            match entry {
                Entry::Runs(runs) => *count += runs.len() as u64,
                Entry::Child(child) => match self.walk(*child, target, count) {
                    Walked::On => {}
                    stopped => return stopped,
                },
            }
        }
        if item.failed.is_some() {
            return Walked::Failure;
        }
        if id == target {
            return Walked::Target;
        }
        let mut pending = item.pending.clone();
        pending.sort_by_key(|&(depth, _)| std::cmp::Reverse(depth));
        for (_, child) in pending {
            match self.walk(child, target, count) {
                Walked::On => {}
                stopped => return stopped,
            }
        }
        Walked::On
    }

    /// Lists the schedules in DFS order into `ran`, up to `budget`, the first failure (its
    /// index set), or the end of the first item not explored to its end (the time budget cut
    /// it: what is listed is a prefix of the DFS order).
    fn list(&mut self, id: usize, budget: u64, ran: &mut Ran, failed: &mut Option<Failed>) -> bool {
        let entries = std::mem::take(&mut self.items[id].entries);
        for entry in entries {
            match entry {
                Entry::Runs(runs) => {
                    for (hash, steps, drew) in runs {
                        let index = ran.seen.len() as u64;
                        if index >= budget {
                            return false;
                        }
                        ran.record(index, hash, steps, drew);
                    }
                }
                Entry::Child(child) => {
                    if !self.list(child, budget, ran, failed) {
                        return false;
                    }
                }
            }
        }
        let item = &mut self.items[id];
        if let Some(mut f) = item.failed.take() {
            f.index = ran.seen.len() as u64 - 1;
            *failed = Some(f);
            return false;
        }
        item.state == State::Done
    }
}

/// The pool and how workers wait on it.
struct Shared {
    pool: Mutex<Pool>,
    wake: Condvar,
    /// Workers waiting for an item (read by busy workers after each run).
    hungry: AtomicUsize,
    /// The time budget ran out.
    stop: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
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
    /// The workers a search uses: with reduction, one (what a reduced search explores depends
    /// on the order it explores in, so a subtree given away would explore more than it does
    /// in place, and the report would depend on the worker count).
    pub(super) fn workers(&self, reduction: Reduction) -> usize {
        match reduction {
            Reduction::Dpor => 1,
            Reduction::Off => self.jobs.max(1),
        }
    }
}

impl<F, Fut> Context<'_, F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future + 'static,
{
    pub(super) fn dfs(&self, search: &Search) -> Tally {
        let mut pool = Pool::default();
        pool.items.push(Item::default());
        let shared = Shared {
            pool: Mutex::new(pool),
            wake: Condvar::new(),
            hungry: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        };
        let workers = search.workers(self.reduction);
        if workers == 1 {
            self.dfs_worker(search, &shared, workers, true);
        } else {
            let shared = &shared;
            std::thread::scope(|s| {
                let handles: Vec<_> =
                    (0..workers).map(|w| s.spawn(move || self.dfs_worker(search, shared, workers, w == 0))).collect();
                for h in handles {
                    h.join().expect("weft: an exploration worker panicked");
                }
            });
        }
        let mut pool = shared.pool.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
        let total: u64 = pool
            .items
            .iter()
            .flat_map(|i| &i.entries)
            .map(|e| match e {
                Entry::Runs(runs) => runs.len() as u64,
                Entry::Child(_) => 0,
            })
            .sum();
        let done = pool.items.iter().all(|i| i.state == State::Done);
        let mut ran = Ran::listing(self.keep_runs);
        let mut failed = None;
        pool.list(0, search.budget, &mut ran, &mut failed);
        let mut tally = tally(ran, failed);
        // Every item explored to its end: the tree had no schedule beyond those counted.
        tally.enumerated = tally.failed.is_none() && done && total <= search.budget;
        tally
    }

    /// The tree a search starts from: its bounds, and with shards the shard's units.
    fn root(&self, search: &Search) -> DfsTree {
        let tree = DfsTree::new(search.bound).faults(*self.faults).reduction(self.reduction);
        let (k, n) = search.shard;
        match n > 1 {
            true => tree.shard(k, n),
            false => tree,
        }
    }

    /// One worker: explores the root if `first`, then the items others give it, until none is
    /// left.
    fn dfs_worker(&self, search: &Search, shared: &Shared, workers: usize, first: bool) {
        let template = self.root(search);
        let mut batch = Batch::default();
        let runtime = self.runtime(false);
        let mut next = first.then(|| (0, template.clone()));
        loop {
            let (id, tree) = match next.take() {
                Some(work) => work,
                None => match self.dfs_take(search, shared, workers, &template) {
                    Some(work) => work,
                    None => break,
                },
            };
            let state = self.dfs_item(search, shared, &runtime, &mut batch, id, &tree);
            shared.lock().items[id].state = state;
        }
        self.tracker.flush(&mut batch);
    }

    /// Waits for an item to explore; `None` when none is left.
    fn dfs_take(
        &self,
        search: &Search,
        shared: &Shared,
        workers: usize,
        template: &DfsTree,
    ) -> Option<(usize, DfsTree)> {
        let mut pool = shared.lock();
        loop {
            if pool.over || shared.stop.load(Ordering::Relaxed) {
                return None;
            }
            if let Some((id, prefix)) = pool.queue.pop() {
                let (position, failed) = pool.position(id);
                if failed || position >= search.budget {
                    pool.items[id].state = State::Left;
                    continue;
                }
                return Some((id, template.subtree(prefix)));
            }
            if pool.idle + 1 == workers {
                // Nobody is exploring: nothing more will be given.
                pool.over = true;
                shared.wake.notify_all();
                return None;
            }
            pool.idle += 1;
            shared.hungry.store(pool.idle, Ordering::Relaxed);
            pool = shared.wake.wait(pool).unwrap_or_else(|poisoned| poisoned.into_inner());
            pool.idle -= 1;
            shared.hungry.store(pool.idle, Ordering::Relaxed);
        }
    }

    /// Explores item `id` with `tree`, giving parts of it away to idle workers; returns how far
    /// it got.
    fn dfs_item(
        &self,
        search: &Search,
        shared: &Shared,
        runtime: &crate::runtime::Runtime,
        batch: &mut Batch,
        id: usize,
        tree: &DfsTree,
    ) -> State {
        loop {
            if tree.is_exhausted() {
                return State::Done;
            }
            // The deadline is read before a run starts, never during one (see `budget.rs`).
            if shared.stop.load(Ordering::Relaxed) || self.deadline.passed() {
                shared.stop.store(true, Ordering::Relaxed);
                shared.wake.notify_all();
                return State::Left;
            }
            let run = self.untraced(runtime, Box::new(tree.scheduler(search.seed)), search.seed);
            let counted = tree.finish_run();
            let crossed = tree.take_crossed();
            let hash = counted.then(|| pick_hash(&run.schedule));
            if let Some(hash) = hash {
                self.tracker.ran(batch, hash, run.steps);
            }
            let mut pool = shared.lock();
            let item = &mut pool.items[id];
            if let Some(hash) = hash {
                let record = (hash, run.steps, drew(&run.schedule));
                match item.entries.last_mut() {
                    Some(Entry::Runs(runs)) => runs.push(record),
                    _ => item.entries.push(Entry::Runs(vec![record])),
                }
            }
            if let (true, Some(failure)) = (counted, run.failure) {
                // The item's last run: what the path moved past comes after it.
                item.failed = Some(Failed { index: 0, seed: search.seed, failure, schedule: run.schedule });
                return State::Left;
            }
            for child in crossed {
                item.pending.retain(|&(_, c)| c != child);
                item.entries.push(Entry::Child(child));
            }
            if !counted {
                continue;
            }
            let (position, failed) = pool.position(id);
            if failed || position >= search.budget {
                return if tree.is_exhausted() { State::Done } else { State::Left };
            }
            if shared.hungry.load(Ordering::Relaxed) > pool.queue.len() {
                let child = pool.items.len();
                if let Some(prefix) = tree.donate(child, search.budget - position) {
                    pool.items.push(Item::default());
                    pool.items[id].pending.push((prefix.len() - 1, child));
                    pool.queue.push((child, prefix));
                    shared.wake.notify_one();
                }
            }
        }
    }
}
