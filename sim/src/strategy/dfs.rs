//! Exhaustive depth-first enumeration of schedules with a preemption bound.

use super::{Divergence, Draws, FireContext, PickContext, Scheduler};
use std::cell::RefCell;
use std::rc::Rc;

/// The tree of scheduling points a program offers, walked depth first one schedule per run,
/// with at most `max_preemptions` preemptions per schedule (CHESS's iterative context bounding,
/// Musuvathi and Qadeer, PLDI 2007; `None` enumerates every schedule).
///
/// The tree branches at both kinds of scheduling point: which ready task runs next
/// ([`Scheduler::pick`]), and, when the clock advances to an instant at which more than one timer
/// is due, which of them fire first ([`Scheduler::fire`]: option 0 all of them, in asyncio's
/// order, or option `i` the `i`-th alone). So "every schedule" covers the orders in which
/// simultaneous timers land. Choosing among due timers is never a preemption.
///
/// A *preemption* is a pick of another task while the task polled in the previous step is still
/// ready ([`PickContext::last`]): when the bound is used up, the only allowed pick is that task.
/// Picking among tasks when the previous one finished or blocked is free.
///
/// **Fairness.** A task that spins (`yield_now` until another task releases something) would
/// spin forever once the bound forbids switching away from it. As in CHESS's fair scheduling, a
/// task that has been picked 16 times in a row (`FAIR_STREAK`) while others were ready gives up its
/// claim: switching away from it is then free. Programs whose tasks yield fewer times in a row
/// than that are enumerated exactly as the definition above says. A spin loop still has
/// schedules of every length (spin once more, then switch), so the tree of such a program is
/// never exhausted: the exploration's schedule budget ends it.
///
/// Each run follows the path of the previous one up to its deepest scheduling point that has an
/// untried allowed alternative, takes that alternative, and below it takes the first allowed
/// option (index 0, asyncio's own order, when it is allowed). Program draws
/// ([`crate::random_range`]) are **not** branched: every run draws from the same seed, so they
/// take the same values in the same order, and the tree covers the schedules of that one input.
/// Vary the input with the seed (or proptest) around the enumeration. Fault choices are not
/// branched either: an exploration with faults on samples them, one pattern per schedule (and so
/// does not call its verdict exhaustive).
///
/// DFS is sequential by nature (each run's path depends on the previous one), so an exploration
/// with DFS runs on one worker whatever `jobs` says. A shard `(i, n)` keeps the subtrees whose
/// first scheduling point takes an option `o` with `o % n == i`: the shards partition the tree
/// with no overlap (a shard whose first point has no such option has nothing to explore).
///
/// ```
/// use weft_sim::strategy::DfsTree;
/// use weft_sim::{spawn, yield_now, Runtime};
///
/// // Two tasks of two steps each: C(4, 2) = 6 interleavings.
/// let tree = DfsTree::new(None);
/// let mut schedules = 0;
/// while !tree.is_exhausted() {
///     Runtime::new().run_with(Box::new(tree.scheduler(0)), async {
///         spawn("a", async { yield_now().await });
///         spawn("b", async { yield_now().await });
///     });
///     tree.finish_run();
///     schedules += 1;
/// }
/// assert_eq!(schedules, 6);
/// ```
#[derive(Clone, Debug)]
pub struct DfsTree(Rc<RefCell<Tree>>);

#[derive(Debug)]
struct Tree {
    max_preemptions: Option<u32>,
    shard: (u32, u32),
    /// The current schedule's scheduling points, root first.
    path: Vec<Branch>,
    /// Points passed by the run in progress.
    cursor: usize,
    exhausted: bool,
    /// The last run took a first pick outside this shard: its schedule is not ours.
    foreign: bool,
}

/// After this many consecutive picks of the same task with others ready, switching away from it
/// no longer counts as a preemption (see [`DfsTree`]).
pub const FAIR_STREAK: u32 = 16;

/// The kind of a scheduling point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Point {
    /// Which ready task runs.
    Pick,
    /// Which due timers fire.
    Fire,
}

/// One scheduling point on the current path.
#[derive(Clone, Copy, Debug)]
struct Branch {
    point: Point,
    chosen: usize,
    options: usize,
    /// Where the previously polled task sits among the ready tasks, if it is still ready.
    last: Option<usize>,
    /// Preemptions spent by the picks above this one.
    preemptions: u32,
    /// Switching away from `last` here is free (it has had its fair share in a row).
    free: bool,
}

impl Tree {
    fn allowed(&self, depth: usize, b: &Branch, option: usize) -> bool {
        let (shard, shards) = self.shard;
        if depth == 0 && option as u32 % shards != shard {
            return false;
        }
        match (b.last, self.max_preemptions) {
            (Some(last), Some(max)) if b.preemptions >= max && !b.free => option == last,
            _ => true,
        }
    }

    fn first_allowed(&self, depth: usize, b: &Branch, from: usize) -> Option<usize> {
        (from..b.options).find(|&o| self.allowed(depth, b, o))
    }
}

impl DfsTree {
    /// A fresh tree with a preemption bound (`None`: unbounded).
    pub fn new(max_preemptions: Option<u32>) -> DfsTree {
        DfsTree(Rc::new(RefCell::new(Tree {
            max_preemptions,
            shard: (0, 1),
            path: Vec::new(),
            cursor: 0,
            exhausted: false,
            foreign: false,
        })))
    }

    /// Restricts the walk to shard `index` of `count` (see the type's docs).
    ///
    /// ```
    /// let tree = weft_sim::strategy::DfsTree::new(Some(2)).shard(1, 3);
    /// assert!(!tree.is_exhausted());
    /// ```
    pub fn shard(self, index: u32, count: u32) -> DfsTree {
        self.0.borrow_mut().shard = (index, count.max(1));
        self
    }

    /// The scheduler for the next run (program draws from `seed`).
    pub fn scheduler(&self, seed: u64) -> Dfs {
        let mut tree = self.0.borrow_mut();
        tree.cursor = 0;
        tree.foreign = false;
        Dfs { tree: self.clone(), draws: Draws::new(seed), preemptions: 0, streak: 0 }
    }

    /// Called after each run: moves to the next schedule. Returns whether the finished run's
    /// schedule belongs to this tree's shard (false only for the first run of a shard whose
    /// subtrees are all empty).
    pub fn finish_run(&self) -> bool {
        let mut guard = self.0.borrow_mut();
        let tree = &mut *guard;
        let cursor = tree.cursor;
        tree.path.truncate(cursor);
        // A run with no pick at all is the program's only schedule: shard 0 owns it.
        if tree.foreign || (tree.path.is_empty() && tree.shard.0 != 0) {
            tree.exhausted = true;
            return false;
        }
        while let Some(b) = tree.path.last().copied() {
            let depth = tree.path.len() - 1;
            if let Some(next) = tree.first_allowed(depth, &b, b.chosen + 1) {
                tree.path[depth].chosen = next;
                return true;
            }
            tree.path.pop();
        }
        tree.exhausted = true;
        true
    }

    /// Whether every schedule within the bound (and shard) has been run.
    pub fn is_exhausted(&self) -> bool {
        self.0.borrow().exhausted
    }
}

/// The scheduler of one DFS run: follows the tree's current path, then extends it.
#[derive(Debug)]
pub struct Dfs {
    tree: DfsTree,
    draws: Draws,
    preemptions: u32,
    /// Consecutive picks that continued the previously polled task.
    streak: u32,
}

impl Dfs {
    /// The option to take at the run's next scheduling point, of kind `point` with `options`
    /// options (`last`: where the previously polled task sits among them, for a pick): the
    /// path's choice where the run follows the path, else the first allowed one, extending it.
    fn choose(&mut self, point: Point, options: usize, last: Option<usize>, step: u64) -> Result<usize, Divergence> {
        let mut guard = self.tree.0.borrow_mut();
        let tree = &mut *guard;
        let depth = tree.cursor;
        tree.cursor += 1;
        match tree.path.get(depth) {
            Some(b) if b.point == point && b.options == options && b.last == last => Ok(b.chosen),
            Some(b) => {
                let was = match b.point {
                    Point::Pick => format!("a pick among {} ready tasks", b.options),
                    Point::Fire => format!("a choice among {} timers due at one instant", b.options - 1),
                };
                let now = match point {
                    Point::Pick => format!("a pick among {options} ready tasks"),
                    Point::Fire => format!("a choice among {} timers due at one instant", options - 1),
                };
                Err(Divergence {
                    kind: super::DivergenceKind::Nondeterministic,
                    choice: depth,
                    step,
                    recorded: Some(crate::Choice::Pick(b.chosen as u32)),
                    offered: format!(
                        "{now} where an earlier run of the same schedule offered {was}: the program is not deterministic (does it use real time, OS randomness or HashMap order?)"
                    ),
                })
            }
            None => {
                let free = self.streak >= FAIR_STREAK;
                let mut b = Branch { point, chosen: 0, options, last, preemptions: self.preemptions, free };
                match tree.first_allowed(depth, &b, 0) {
                    Some(o) => b.chosen = o,
                    None => tree.foreign = true,
                }
                tree.path.push(b);
                Ok(b.chosen)
            }
        }
    }
}

impl Scheduler for Dfs {
    fn reads_steps(&self) -> bool {
        false
    }

    fn pick(&mut self, cx: &PickContext<'_>) -> Result<usize, Divergence> {
        let last = cx.last.and_then(|l| cx.ready.iter().position(|&t| t == l));
        let chosen = self.choose(Point::Pick, cx.ready.len(), last, cx.step)?;
        let free = self.streak >= FAIR_STREAK;
        match last {
            Some(l) if l == chosen => self.streak += 1,
            Some(_) if !free => {
                self.preemptions += 1;
                self.streak = 0;
            }
            _ => self.streak = 0,
        }
        Ok(chosen)
    }

    /// A branch of `due.len() + 1` options (0: all, `i`: the `i`-th alone); not a preemption,
    /// and it leaves the preemption count and the streak as they are.
    fn fire(&mut self, cx: &FireContext<'_>) -> Result<usize, Divergence> {
        self.choose(Point::Fire, cx.due.len() + 1, None, cx.step)
    }

    fn draw(&mut self, bound: u64) -> Result<u64, Divergence> {
        Ok(self.draws.below(bound))
    }
}
