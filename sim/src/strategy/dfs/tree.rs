//! The DFS tree between runs: its bounds, the current path, the run in progress's events, and
//! how the next schedule is found from them.

use super::node::{Kind, Node, Opt, Segment, Sleeper};
use super::races::{self, Event};
use super::Reduction;
use crate::fault::Faults;

/// What a tree enumerates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Config {
    pub(crate) max_preemptions: Option<u32>,
    pub(crate) faults: Faults,
    pub(crate) reduction: Reduction,
}

impl Config {
    /// Whether sleep sets prune: with reduction, unbounded or with no preemption at all. Under
    /// a bound of one or more, a sleeping task's covering branch may need more preemptions
    /// than the bound allows (Coons et al., OOPSLA 2013), so they are off.
    pub(crate) fn sleep_sets(&self) -> bool {
        self.reduction == Reduction::Dpor && matches!(self.max_preemptions, None | Some(0))
    }
}

/// How a tree's search is cut into *units*, the subtrees below the points at one depth (and the
/// schedules that end above it), numbered in the order DFS meets them, so that workers and
/// shards can share them out: a run that reaches a unit the tree does not own stops there.
pub(crate) struct Split {
    /// The depth (points from the root) of the units' roots.
    pub(crate) depth: usize,
    /// Called once per unit, in order: whether this tree explores it.
    pub(crate) owns: Box<dyn FnMut(u64) -> bool>,
}

impl std::fmt::Debug for Split {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Split").field("depth", &self.depth).finish_non_exhaustive()
    }
}

/// The tree's state.
#[derive(Debug)]
pub(crate) struct Tree {
    pub(crate) config: Config,
    /// The current schedule's points, root first.
    pub(crate) path: Vec<Node>,
    /// The points above this depth are fixed: the prefix of the part of the tree this one
    /// explores (0: the whole tree).
    pub(crate) floor: usize,
    /// Points passed by the run in progress.
    pub(crate) cursor: usize,
    pub(crate) exhausted: bool,
    /// The run in progress's events, for the analysis at its end, each with the point it
    /// follows.
    pub(crate) log: Vec<(Event, Option<usize>)>,
    /// The run in progress was stopped as covered by schedules run before.
    pub(crate) redundant: bool,
    /// How the search is shared out, if it is.
    pub(crate) split: Option<Split>,
    /// Units met so far.
    pub(crate) units: u64,
    /// Schedules this tree has run.
    pub(crate) runs: u64,
    /// The subtrees given away (`Tree::donate`) that the path has moved past since this was
    /// last taken, in DFS order: their schedules come after the runs before and before the
    /// runs after.
    pub(crate) crossed: Vec<usize>,
    /// `WEFT_DEBUG_DPOR` was set when the tree was made: each run's end prints its events and
    /// the backtrack points their races add (a debugging aid, `docs/search.md`).
    pub(crate) debug: bool,
}

/// A budget with this many schedules left or more counts as none when giving work away.
const UNLIMITED: u64 = 1 << 40;

impl Tree {
    pub(crate) fn new(max_preemptions: Option<u32>) -> Tree {
        Tree {
            config: Config { max_preemptions, faults: Faults::none(), reduction: Reduction::Off },
            path: Vec::new(),
            floor: 0,
            cursor: 0,
            exhausted: false,
            log: Vec::new(),
            redundant: false,
            split: None,
            units: 0,
            runs: 0,
            crossed: Vec::new(),
            debug: std::env::var_os("WEFT_DEBUG_DPOR").is_some(),
        }
    }

    /// Whether the point at `depth` is above the split depth: with reduction, such points
    /// explore every allowed option, so that what a unit explores does not depend on the units
    /// other workers and shards explore (races found in one are not known to the others).
    pub(crate) fn above_split(&self, depth: usize) -> bool {
        self.split.as_ref().is_some_and(|s| depth < s.depth)
    }

    /// A point is being added at `depth`: at the split depth it starts a unit. Returns whether
    /// the tree explores it (with no split, always).
    pub(crate) fn enter(&mut self, depth: usize) -> bool {
        let Some(split) = self.split.as_mut().filter(|s| s.depth == depth) else { return true };
        let unit = self.units;
        self.units += 1;
        (split.owns)(unit)
    }

    /// A tree that explores only the subtree below `prefix`, the points of a path another tree
    /// gave away (`Tree::donate`), the last one taking the option given.
    pub(crate) fn subtree(config: Config, prefix: Vec<Node>) -> Tree {
        let mut tree = Tree::new(config.max_preemptions);
        tree.config = config;
        tree.floor = prefix.len();
        tree.path = prefix;
        tree
    }

    /// Gives away part of what is left to explore, for another worker: the next option at a
    /// point at or below the floor (and the split depth, so that units stay whole). Returns
    /// the path to that option; this tree skips it, and `crossed` gets `id` when the path moves
    /// past it. Full DFS only: with reduction, what a subtree explores depends on the races
    /// found in the others.
    ///
    /// Which point: the shallowest (the largest part, the fewest hand-overs) whose options are
    /// known to hold at most half of `room`, the schedules the budget has left, so that the
    /// part given away starts within the budget; with no budget to speak of, simply the
    /// shallowest; failing both, the deepest (the part that comes next in DFS order).
    pub(crate) fn donate(&mut self, id: usize, room: u64) -> Option<Vec<Node>> {
        if self.exhausted || self.config.reduction != Reduction::Off {
            return None;
        }
        let top = self.floor.max(self.split.as_ref().map_or(0, |s| s.depth));
        let open: Vec<usize> = (top..self.path.len()).filter(|&d| self.path[d].next().is_some()).collect();
        let fits = |d: &usize| match self.path[*d].option_size() {
            Some(size) => size <= room / 2,
            None => room >= UNLIMITED,
        };
        let depth = open.iter().copied().find(fits).or_else(|| open.last().copied())?;
        let node = &mut self.path[depth];
        let option = node.next()?;
        node.done.push(option);
        node.given.push(id);
        let mut prefix = self.path[..=depth].to_vec();
        for n in &mut prefix {
            n.given.clear();
        }
        let last = prefix.last_mut().expect("the prefix ends at the point given");
        last.chosen = option;
        last.segment = None;
        Some(prefix)
    }

    pub(crate) fn start_run(&mut self) {
        self.cursor = 0;
        self.log.clear();
        self.redundant = false;
    }

    /// Analyses the run that ended and moves to the next schedule; says whether the run was a
    /// schedule of its own (not stopped as covered).
    pub(crate) fn finish_run(&mut self) -> bool {
        let mut schedule = !self.redundant;
        let log = std::mem::take(&mut self.log);
        // Points the run did not reach (it stopped early) are not on its path.
        self.path.truncate(self.cursor.max(self.floor));
        if let Some(split) = self.split.as_mut().filter(|s| self.path.len() <= s.depth) {
            // A schedule that ends above the split depth is a unit of its own.
            if schedule {
                let unit = self.units;
                self.units += 1;
                schedule = (split.owns)(unit);
            }
        }
        if schedule {
            self.runs += 1;
        }
        self.note_segments(&log);
        if self.config.reduction == Reduction::Dpor {
            let events: Vec<Event> = log.into_iter().map(|(e, _)| e).collect();
            let debug = self.debug;
            if debug {
                for (i, e) in events.iter().enumerate() {
                    eprintln!("  event {i}: {e:?}");
                }
            }
            for (n, task) in races::backtracks(&self.path, &events, self.floor, self.config.max_preemptions) {
                if debug {
                    eprintln!("  want {task} at point {n} ({:?})", self.path[n].kind);
                }
                self.path[n].want(Opt::Task(task));
            }
        }
        self.advance();
        schedule
    }

    /// Records, for each point whose choice this run took first, what the events up to the
    /// next point touched.
    fn note_segments(&mut self, log: &[(Event, Option<usize>)]) {
        for n in 0..self.path.len() {
            if self.path[n].segment.is_some() {
                continue;
            }
            let mut accesses = Vec::new();
            for (event, after) in log {
                if *after == Some(n) {
                    accesses.extend_from_slice(event.accesses());
                }
            }
            accesses.sort_unstable();
            accesses.dedup();
            let sleepable = !matches!(self.path.get(n + 1).map(|next| &next.kind), Some(Kind::Yield));
            self.path[n].segment = Some(Segment { accesses, sleepable });
        }
    }

    /// Moves the path to the next schedule: the deepest point with an option left to explore
    /// takes it; the points below it go. Marks the tree exhausted when none is left.
    fn advance(&mut self) {
        let sleep_sets = self.config.sleep_sets();
        while self.path.len() > self.floor {
            let node = self.path.last_mut().expect("the path is longer than the floor");
            let chosen = node.chosen;
            node.done.push(chosen);
            node.sizes += self.runs - node.began;
            node.measured += 1;
            // The options given away here come next in DFS order.
            self.crossed.append(&mut node.given);
            if let (true, Opt::Task(task), Some(segment)) = (sleep_sets, chosen, &node.segment) {
                if segment.sleepable {
                    node.explored.push(Sleeper { task, accesses: segment.accesses.clone() });
                }
            }
            if let Some(next) = node.next() {
                node.chosen = next;
                node.segment = None;
                node.began = self.runs;
                return;
            }
            self.path.pop();
        }
        self.exhausted = true;
    }
}
