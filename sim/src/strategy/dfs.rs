//! Exhaustive depth-first enumeration of every choice a run makes, within a preemption bound
//! and fault budgets, with opt-in partial-order reduction.

mod node;
mod races;
mod tree;

pub(crate) use node::{Kind, Node, Opt, Sleeper};
pub(crate) use tree::Tree;

use super::{Divergence, DivergenceKind, Draws, FireContext, Footprint, PickContext, Scheduler};
use crate::fault::{FaultContext, FaultKind, Faults};
use crate::strategy::footprint::conflict;
use crate::strategy::Access;
use races::{fault_accesses, Event};
use std::cell::RefCell;
use std::rc::Rc;
use weft_traces::{Fault, TaskId};

/// Whether DFS prunes schedules that only reorder independent steps of one it runs.
///
/// ```
/// use weft_sim::strategy::Reduction;
/// assert_eq!(Reduction::default(), Reduction::Off);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Reduction {
    /// Every schedule within the bounds (the default): sound for any program.
    #[default]
    Off,
    /// Partial-order reduction (sleep sets and DPOR with source sets): runs one schedule of
    /// each class of schedules that differ only in the order of independent steps.
    ///
    /// **Valid only when all the state the tasks share is in weft primitives and weft cells**
    /// (`weft::cell`): two steps are independent when what each *recorded* touching is
    /// disjoint, so state weft cannot see (a `std` cell, a global, a foreign primitive's
    /// internals) could make two steps weft calls independent depend on each other, and a
    /// schedule that matters would be skipped. `docs/search.md` lists exactly what counts.
    Dpor,
}

impl Reduction {
    /// The name in reports, JSON and `WEFT_REDUCTION`: `off` or `dpor`.
    ///
    /// ```
    /// use weft_sim::strategy::Reduction;
    /// assert_eq!(Reduction::Dpor.name(), "dpor");
    /// assert_eq!("dpor".parse::<Reduction>(), Ok(Reduction::Dpor));
    /// assert!("por".parse::<Reduction>().unwrap_err().contains("`off` or `dpor`"));
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Reduction::Off => "off",
            Reduction::Dpor => "dpor",
        }
    }
}

impl std::fmt::Display for Reduction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Reduction {
    type Err = String;

    fn from_str(text: &str) -> Result<Reduction, String> {
        match text.trim() {
            "off" => Ok(Reduction::Off),
            "dpor" => Ok(Reduction::Dpor),
            other => Err(format!("no reduction `{}`: expected `off` or `dpor`", crate::strategy::quote(other))),
        }
    }
}

/// The tree of every choice a program's runs make, walked depth first, one schedule per run:
/// which ready task runs at each step, which fault is injected before it (with faults on),
/// whether a primitive's fast path yields (forced-yield faults), and, when the clock advances
/// to an instant at which several timers are due, which of them fire first. Within a preemption
/// bound (CHESS's iterative context bounding, Musuvathi and Qadeer, PLDI 2007; `None`:
/// unbounded) and the fault budgets ([`Faults`]: in all and per kind); with
/// [`Reduction::Dpor`], one schedule per class of equivalent ones.
///
/// A *preemption* is a pick of another task while the task polled in the previous step is
/// still ready: when the bound is used up, the only allowed pick is that task. Picking among
/// tasks when the previous one finished or blocked is free; so are faults and timer choices.
///
/// **Fairness.** A task that spins (`yield_now` until another task releases something) would
/// spin forever once the bound forbids switching away from it. As in CHESS's fair scheduling, a
/// task that has been picked 16 times in a row (`FAIR_STREAK`) while others were ready gives up its
/// claim: switching away from it is then free. Programs whose tasks yield fewer times in a row
/// than that are enumerated exactly as the definition above says. A spin loop still has
/// schedules of every length (spin once more, then switch), so the tree of such a program is
/// never exhausted: the exploration's schedule budget ends it.
///
/// **Faults.** Before each step (faults on), the run may inject one fault: any admissible one
/// within the budgets (cancel a task, poll a suspended one, fire a timeout early), or none; at
/// each primitive fast path it may force a yield. Each is a branch of the tree, option 0 (no
/// fault) first, so the first schedule is asyncio's order with no fault at all.
///
/// Each run follows the path of the previous one up to its deepest point that has an untried
/// option, takes that option, and below it takes the first allowed one (asyncio's own order
/// where allowed, no fault, all due timers). Program draws ([`crate::random_range`]) are **not**
/// branched: every run draws from the same seed, so they take the same values in the same
/// order, and the tree covers the schedules of that one input. Vary the input with the seed (or
/// proptest) around the enumeration.
///
/// **Reduction** ([`Reduction::Dpor`], valid only under its condition): each run's races add
/// the points where another order must be tried (`races.rs`), tasks whose next steps are covered
/// by a branch already explored sleep (sleep sets, Godefroid 1996) until something they depend
/// on runs, a fault is tried only at the points where something it depends on ran since the
/// previous one, and the timers due at one instant all fire together (their tasks' steps are
/// then ordered like any others). `docs/search.md` says why each is sound.
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
pub struct DfsTree(pub(crate) Rc<RefCell<Tree>>);

/// The depth at which to cut a tree into units for `parts` workers or shards: each point
/// has two options at least, so about 32 units each.
pub(crate) fn split_depth(parts: u64) -> usize {
    (64 - (32 * parts.max(1) - 1).leading_zeros()) as usize
}

/// After this many consecutive picks of the same task with others ready, switching away from it
/// no longer counts as a preemption (see [`DfsTree`]).
pub const FAIR_STREAK: u32 = 16;

impl DfsTree {
    /// A fresh tree with a preemption bound (`None`: unbounded), no faults, no reduction.
    pub fn new(max_preemptions: Option<u32>) -> DfsTree {
        DfsTree(Rc::new(RefCell::new(Tree::new(max_preemptions))))
    }

    /// The same tree branching on `faults` too, within their budgets (their rate is ignored:
    /// every choice is enumerated).
    ///
    /// ```
    /// use weft_sim::fault::FaultKind;
    /// use weft_sim::strategy::DfsTree;
    /// use weft_sim::{spawn, yield_now, Faults, Runtime};
    /// // One task that yields once, and at most one cancellation: no fault, or cancel the task
    /// // before its first step, or before its second.
    /// let tree = DfsTree::new(None).faults(Faults::none().at_most(FaultKind::Cancel, 1));
    /// let mut schedules = 0;
    /// while !tree.is_exhausted() {
    ///     let run = Runtime::new().run_with(Box::new(tree.scheduler(0)), async {
    ///         let _ = spawn("t", yield_now()).await;
    ///     });
    ///     assert!(run.is_ok());
    ///     tree.finish_run();
    ///     schedules += 1;
    /// }
    /// assert_eq!(schedules, 3);
    /// ```
    pub fn faults(self, faults: Faults) -> DfsTree {
        self.0.borrow_mut().config.faults = faults;
        self
    }

    /// The same tree with `reduction` (see [`Reduction`] for when it is valid).
    ///
    /// ```
    /// use weft_sim::strategy::{DfsTree, Reduction};
    /// use weft_sim::{spawn, yield_now, Runtime};
    /// // Two tasks that touch nothing in common: one order covers both.
    /// let tree = DfsTree::new(None).reduction(Reduction::Dpor);
    /// let mut schedules = 0;
    /// while !tree.is_exhausted() {
    ///     Runtime::new().run_with(Box::new(tree.scheduler(0)), async {
    ///         spawn("a", async { yield_now().await });
    ///         spawn("b", async { yield_now().await });
    ///     });
    ///     if tree.finish_run() {
    ///         schedules += 1;
    ///     }
    /// }
    /// assert_eq!(schedules, 1);
    /// ```
    pub fn reduction(self, reduction: Reduction) -> DfsTree {
        self.0.borrow_mut().config.reduction = reduction;
        self
    }

    /// Only shard `index` of `count` of the tree: the tree is cut into units, the subtrees
    /// below the points at a depth that gives each shard about 32 of them, numbered in DFS
    /// order, and the shard explores the units `u` with `u % count == index` (with reduction,
    /// the points above that depth explore every option, so that no shard depends on what
    /// another found). The shards never overlap and together run every schedule of the tree.
    ///
    /// ```
    /// use weft_sim::strategy::DfsTree;
    /// use weft_sim::{spawn, yield_now, Runtime};
    /// let count = |shard| {
    ///     let tree = DfsTree::new(None).shard(shard, 2);
    ///     let mut schedules = 0;
    ///     while !tree.is_exhausted() {
    ///         Runtime::new().run_with(Box::new(tree.scheduler(0)), async {
    ///             spawn("a", async { yield_now().await });
    ///             spawn("b", async { yield_now().await });
    ///         });
    ///         if tree.finish_run() {
    ///             schedules += 1;
    ///         }
    ///     }
    ///     schedules
    /// };
    /// assert_eq!(count(0) + count(1), 6);
    /// ```
    pub fn shard(self, index: u32, count: u32) -> DfsTree {
        let count = count.max(1);
        if count > 1 {
            let owns = move |unit: u64| unit % u64::from(count) == u64::from(index);
            return self.split(split_depth(u64::from(count)), Box::new(owns));
        }
        self
    }

    /// The same tree cut into units at `depth`, exploring those `owns` accepts (see
    /// [`DfsTree::shard`]).
    pub(crate) fn split(self, depth: usize, owns: Box<dyn FnMut(u64) -> bool>) -> DfsTree {
        self.0.borrow_mut().split = Some(tree::Split { depth, owns });
        self
    }

    /// Gives away part of what is left to explore, as subtree `id`, `room` the schedules the
    /// budget has left (see `Tree::donate`): the path to it, for [`DfsTree::subtree`] on another worker.
    pub(crate) fn donate(&self, id: usize, room: u64) -> Option<Vec<Node>> {
        self.0.borrow_mut().donate(id, room)
    }

    /// A tree exploring only the subtree that `prefix` (from [`DfsTree::donate`]) leads to,
    /// with this tree's bounds.
    pub(crate) fn subtree(&self, prefix: Vec<Node>) -> DfsTree {
        let config = self.0.borrow().config;
        DfsTree(Rc::new(RefCell::new(Tree::subtree(config, prefix))))
    }

    /// The subtrees given away that the path moved past since the last call, in DFS order.
    pub(crate) fn take_crossed(&self) -> Vec<usize> {
        std::mem::take(&mut self.0.borrow_mut().crossed)
    }

    /// The scheduler for the next run (program draws from `seed`).
    pub fn scheduler(&self, seed: u64) -> Dfs {
        self.0.borrow_mut().start_run();
        Dfs {
            tree: self.clone(),
            draws: Draws::new(seed),
            preemptions: 0,
            streak: 0,
            injected: [0; 4],
            sleep: Vec::new(),
            seen: 0,
            decided: None,
            chose: None,
            current: None,
            since_fault_point: None,
            last_faults: None,
            spare_ready: Vec::new(),
        }
    }

    /// Called after each run: analyses it (its races, with reduction), then moves to the next
    /// schedule. Returns whether the run was a schedule of its own: false when the tree stopped
    /// it early because every way it could go on is covered by a schedule run before (with
    /// reduction; such a run is not counted).
    pub fn finish_run(&self) -> bool {
        self.0.borrow_mut().finish_run()
    }

    /// Whether every schedule within the bounds has been run.
    pub fn is_exhausted(&self) -> bool {
        self.0.borrow().exhausted
    }
}

/// The faults admissible at the previous fault point, whether one was injected there, and the
/// task polled before it.
#[derive(Clone, Debug)]
struct FaultPoint {
    menu: Vec<Fault>,
    injected: bool,
    last: Option<TaskId>,
}

/// The scheduler of one DFS run: follows the tree's current path, then extends it.
#[derive(Debug)]
pub struct Dfs {
    tree: DfsTree,
    draws: Draws,
    preemptions: u32,
    /// Consecutive picks that continued the previously polled task.
    streak: u32,
    /// Faults injected so far, by [`FaultKind`] order.
    injected: [u32; 4],
    /// The sleep set now (reduction with sleep sets).
    sleep: Vec<Sleeper>,
    /// The last step whose footprint the run has taken in.
    seen: u64,
    /// The task chosen at the fault point of this step, for the pick that follows.
    decided: Option<TaskId>,
    /// The point that chose the step about to run: `(step, point)`.
    chose: Option<(u64, usize)>,
    /// The last point the run passed: the events since follow it.
    current: Option<usize>,
    /// What the steps since the previous fault point touched (`None`: timers fired between).
    since_fault_point: Option<Vec<Access>>,
    /// The previous fault point.
    last_faults: Option<FaultPoint>,
    /// The ready list of the last point the run met on the path (its node has its own): the
    /// room for the next point's, so that a pick allocates nothing once the run has made one.
    spare_ready: Vec<TaskId>,
}

impl Dfs {
    fn covered(step: u64) -> Divergence {
        Divergence {
            kind: DivergenceKind::Covered,
            choice: 0,
            step,
            recorded: None,
            offered: "nothing new: every way on is covered by a schedule run before".to_string(),
        }
    }

    /// Takes in the steps run since the scheduler last looked: logs them for the analysis and
    /// wakes the sleepers they conflict with. A step of a sleeping task (the only one that
    /// could run) makes the run redundant.
    fn absorb(&mut self, steps: &[Footprint]) -> Result<(), Divergence> {
        let mut tree = self.tree.0.borrow_mut();
        let seen = self.seen;
        for f in steps.iter().filter(|f| f.step > seen) {
            self.seen = f.step;
            let accesses = races::analysed(f.task, &f.accesses);
            let node = match self.chose {
                Some((step, node)) if step == f.step => Some(node),
                _ => None,
            };
            if f.after_timers {
                self.sleep.clear();
                self.since_fault_point = None;
            }
            if self.sleep.iter().any(|s| s.task == f.task) {
                tree.redundant = true;
            }
            self.sleep.retain(|s| s.task != f.task && !s.woken_by(&accesses));
            if let Some(between) = &mut self.since_fault_point {
                // Faults touch tasks' readiness: a step's own counts for their placement.
                between.extend_from_slice(&f.accesses);
            }
            let after = self.current;
            tree.log.push((Event::Step { task: f.task, accesses, after_timers: f.after_timers, node }, after));
        }
        match tree.redundant {
            true => Err(Dfs::covered(self.seen)),
            false => Ok(()),
        }
    }

    /// The option to take at the run's next point, of `kind`, with `todo` the options to
    /// explore if the point is new (`None`: nothing is left to run here, the run is covered):
    /// the path's choice where the run follows the path, else `first`, extending it.
    fn choose(
        &mut self,
        kind: Kind,
        step: u64,
        first: impl FnOnce(&Tree, &Kind, &[Sleeper]) -> Option<(Opt, Vec<Opt>)>,
    ) -> Result<(usize, Opt), Divergence> {
        let mut guard = self.tree.0.borrow_mut();
        let tree = &mut *guard;
        let depth = tree.cursor;
        match tree.path.get(depth) {
            Some(node) if node.kind == kind => {
                tree.cursor += 1;
                self.sleep = node.sleep.clone();
                self.current = Some(depth);
                if let Kind::Step { ready, .. } = kind {
                    self.spare_ready = ready;
                }
                Ok((depth, node.chosen))
            }
            Some(node) => Err(Divergence {
                kind: DivergenceKind::Nondeterministic,
                choice: depth,
                step,
                recorded: None,
                offered: format!(
                    "{} where an earlier run of the same schedule offered {}: the program is not deterministic (does it use real time, OS randomness or HashMap order?)",
                    kind.describe(),
                    node.kind.describe()
                ),
            }),
            None => {
                let Some((chosen, todo)) = first(tree, &kind, &self.sleep) else {
                    tree.redundant = true;
                    return Err(Dfs::covered(step));
                };
                if !tree.enter(depth) {
                    // Another worker's or shard's unit.
                    tree.redundant = true;
                    return Err(Dfs::covered(step));
                }
                let mut node = Node::new(kind, chosen, todo, self.sleep.clone());
                node.began = tree.runs;
                tree.path.push(node);
                tree.cursor += 1;
                self.current = Some(depth);
                Ok((depth, chosen))
            }
        }
    }

    /// The sleep set below the point just chosen.
    fn descend(&mut self, point: usize) {
        let tree = self.tree.0.borrow();
        self.sleep = match tree.config.sleep_sets() {
            true => tree.path[point].child_sleep(),
            false => Vec::new(),
        };
    }

    /// The step point's kind for a pick among `ready` (`previous`: the task polled last).
    fn step_kind(&mut self, ready: &[TaskId], faults: Vec<Fault>, previous: Option<TaskId>) -> Kind {
        let mut list = std::mem::take(&mut self.spare_ready);
        list.clear();
        list.extend_from_slice(ready);
        Kind::Step {
            ready: list,
            faults,
            last: previous.filter(|p| ready.contains(p)),
            preemptions: self.preemptions,
            free: self.streak >= FAIR_STREAK,
        }
    }

    /// The first option of a new step point and what it explores: the first allowed task that
    /// is awake (asyncio's where allowed), else the first fault worth trying.
    fn first_step_option(tree: &Tree, kind: &Kind, sleep: &[Sleeper], fresh: &[Fault]) -> Option<(Opt, Vec<Opt>)> {
        let max = tree.config.max_preemptions;
        let tasks: Vec<Opt> = kind.options().into_iter().filter(|o| matches!(o, Opt::Task(_))).collect();
        let allowed: Vec<Opt> = tasks.into_iter().filter(|o| node::allows(kind, *o, max)).collect();
        let awake = allowed.iter().copied().find(|o| !matches!(o, Opt::Task(t) if node::asleep(sleep, *t)));
        let full = tree.config.reduction == Reduction::Off || tree.above_split(tree.cursor);
        let faults: Vec<Opt> = match full {
            false => fresh.iter().map(|&f| Opt::Fault(f)).collect(),
            true => kind.options().into_iter().filter(|o| matches!(o, Opt::Fault(_))).collect(),
        };
        let first = awake.or_else(|| faults.first().copied())?;
        let mut todo = match full {
            false => vec![first],
            true => allowed,
        };
        for f in faults {
            if !todo.contains(&f) {
                todo.push(f);
            }
        }
        if !todo.contains(&first) {
            todo.push(first);
        }
        Some((first, todo))
    }

    /// Counts the pick of `chosen` among `ready` against the preemption bound.
    fn count_pick(&mut self, ready: &[TaskId], previous: Option<TaskId>, chosen: TaskId) {
        let free = self.streak >= FAIR_STREAK;
        match previous.filter(|p| ready.contains(p)) {
            Some(l) if l == chosen => self.streak += 1,
            Some(_) if !free => {
                self.preemptions += 1;
                self.streak = 0;
            }
            _ => self.streak = 0,
        }
    }

    fn index_of(ready: &[TaskId], task: TaskId, step: u64) -> Result<usize, Divergence> {
        ready.iter().position(|&t| t == task).ok_or_else(|| Divergence {
            kind: DivergenceKind::Nondeterministic,
            choice: 0,
            step,
            recorded: None,
            offered: format!("a pick among {ready:?} without {task}, which an earlier run of the same schedule had ready: the program is not deterministic"),
        })
    }
}

/// The task a fault hits.
fn target(fault: Fault) -> Option<TaskId> {
    match fault {
        Fault::Cancel { task } | Fault::SpuriousPoll { task } | Fault::FireTimeout { task } => Some(task),
        Fault::ForceYield => None,
    }
}

impl Scheduler for Dfs {
    fn pick(&mut self, cx: &PickContext<'_>) -> Result<usize, Divergence> {
        self.absorb(cx.steps)?;
        if let Some(task) = self.decided.take() {
            // Chosen at this step's fault point, and counted there.
            return Dfs::index_of(cx.ready, task, cx.step);
        }
        let kind = self.step_kind(cx.ready, Vec::new(), cx.last);
        let max = self.tree.0.borrow().config.max_preemptions;
        let mut allowed = cx.ready.iter().copied().filter(|&t| node::allows(&kind, Opt::Task(t), max));
        if let (Some(only), None) = (allowed.next(), allowed.next()) {
            // The bound leaves one choice: not a point of the tree.
            if node::asleep(&self.sleep, only) {
                self.tree.0.borrow_mut().redundant = true;
                return Err(Dfs::covered(cx.step));
            }
            self.count_pick(cx.ready, cx.last, only);
            return Dfs::index_of(cx.ready, only, cx.step);
        }
        let (point, chosen) =
            self.choose(kind, cx.step, |tree, kind, sleep| Dfs::first_step_option(tree, kind, sleep, &[]))?;
        let Opt::Task(task) = chosen else { unreachable!("a pick point offers tasks only") };
        self.descend(point);
        self.chose = Some((cx.step, point));
        self.count_pick(cx.ready, cx.last, task);
        Dfs::index_of(cx.ready, task, cx.step)
    }

    /// A branch of `due.len() + 1` options (0: all, `i`: the `i`-th alone); not a preemption,
    /// and it leaves the preemption count and the streak as they are. With reduction (and no
    /// spurious polls to tell a due timer from a fired one) the timers all fire: the order of
    /// their tasks' steps is then chosen like any other.
    fn fire(&mut self, cx: &FireContext<'_>) -> Result<usize, Divergence> {
        self.absorb(cx.steps)?;
        let config = self.tree.0.borrow().config;
        if config.reduction == Reduction::Dpor && !config.faults.spurious {
            return Ok(0);
        }
        let kind = Kind::Fire { due: cx.due.len() };
        let options = kind.options();
        let (_, chosen) = self.choose(kind, cx.step, |_, _, _| Some((Opt::Index(0), options)))?;
        let Opt::Index(i) = chosen else { unreachable!("a timer point offers indices only") };
        Ok(i)
    }

    fn draw(&mut self, bound: u64) -> Result<u64, Divergence> {
        Ok(self.draws.below(bound))
    }

    fn reads_steps(&self) -> bool {
        self.wants_accesses()
    }

    fn wants_accesses(&self) -> bool {
        self.tree.0.borrow().config.reduction == Reduction::Dpor
    }

    fn ended(&mut self, steps: &[Footprint]) {
        let _ = self.absorb(steps);
    }

    fn injects_faults(&self) -> bool {
        self.tree.0.borrow().config.faults.any()
    }

    /// A point before each step: run one of the ready tasks (the pick that follows), or inject
    /// one of the faults admissible here within the budgets.
    fn fault(&mut self, cx: &FaultContext<'_>) -> Result<Option<Fault>, Divergence> {
        self.absorb(cx.steps)?;
        let config = self.tree.0.borrow().config;
        let faults = config.faults;
        let fits = |kind| faults.fits(kind, &self.injected);
        let mut menu: Vec<Fault> = Vec::new();
        if fits(FaultKind::Cancel) {
            let mut tasks: Vec<TaskId> = cx.ready.iter().chain(cx.suspended).copied().collect();
            tasks.sort_unstable();
            menu.extend(tasks.into_iter().map(|task| Fault::Cancel { task }));
        }
        if fits(FaultKind::Spurious) {
            menu.extend(cx.suspended.iter().map(|&task| Fault::SpuriousPoll { task }));
        }
        if fits(FaultKind::Timeout) {
            menu.extend(cx.timeouts.iter().map(|&task| Fault::FireTimeout { task }));
        }
        // A fault worth trying here: not one that could have gone at the previous point with
        // nothing it depends on run between (that placement covers this one).
        let previous = self.last_faults.take();
        let between = self.since_fault_point.replace(Vec::new());
        // Under a bound, a fault that queues the task polled before the previous point would
        // change what the pick there cost: it stays fresh.
        let bounded = config.max_preemptions.is_some();
        let fresh: Vec<Fault> = menu
            .iter()
            .copied()
            .filter(|&f| match (&previous, &between) {
                (Some(p), _) if bounded && p.last.is_some() && target(f) == p.last => true,
                (Some(p), Some(between)) if !p.injected && p.menu.contains(&f) => conflict(&fault_accesses(f), between),
                _ => true,
            })
            .collect();
        let kind = self.step_kind(cx.queue, menu.clone(), cx.last);
        let allowed = cx.queue.iter().filter(|&&t| node::allows(&kind, Opt::Task(t), config.max_preemptions)).count();
        if allowed + menu.len() < 2 {
            self.last_faults = Some(FaultPoint { menu, injected: false, last: cx.last });
            return Ok(None);
        }
        let (point, chosen) =
            self.choose(kind, cx.step, |tree, kind, sleep| Dfs::first_step_option(tree, kind, sleep, &fresh))?;
        self.descend(point);
        match chosen {
            Opt::Task(task) => {
                self.chose = Some((cx.step, point));
                self.count_pick(cx.queue, cx.last, task);
                // The pick that follows (if more than one task is ready) takes this task.
                self.decided = (cx.queue.len() > 1).then_some(task);
                self.last_faults = Some(FaultPoint { menu, injected: false, last: cx.last });
                Ok(None)
            }
            Opt::Fault(fault) => {
                self.injected[FaultKind::of(fault) as usize] += 1;
                let accesses = fault_accesses(fault);
                self.sleep.retain(|s| !s.woken_by(&accesses));
                self.tree.0.borrow_mut().log.push((Event::Fault { accesses, node: point }, Some(point)));
                self.last_faults = Some(FaultPoint { menu, injected: true, last: cx.last });
                Ok(Some(fault))
            }
            Opt::Index(_) => unreachable!("a step point offers tasks and faults"),
        }
    }

    /// A point at each primitive fast path, while the budget allows a forced yield: 0 goes on,
    /// 1 suspends once.
    fn force_yield(&mut self, step: u64) -> Result<bool, Divergence> {
        if !self.tree.0.borrow().config.faults.fits(FaultKind::Yield, &self.injected) {
            return Ok(false);
        }
        let (_, chosen) = self.choose(Kind::Yield, step, |_, _, _| Some((Opt::Index(0), Kind::Yield.options())))?;
        let yields = chosen == Opt::Index(1);
        if yields {
            self.injected[FaultKind::Yield as usize] += 1;
        }
        Ok(yields)
    }
}
