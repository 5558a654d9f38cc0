//! One scheduling point on the current path of the DFS tree: what it offers, what was chosen,
//! what is left to explore there, and the sleep set that holds there.

use crate::strategy::footprint::conflict;
use crate::strategy::Access;
use weft_traces::{Fault, TaskId};

/// An option at a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Opt {
    /// Run this ready task's next step.
    Task(TaskId),
    /// Inject this fault before the step.
    Fault(Fault),
    /// Option `i` of a timer point (0 all, `i` the `i`-th alone) or of a forced-yield point
    /// (0 no, 1 yes).
    Index(usize),
}

/// What kind of point a node is, with what it offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Before a step: which ready task runs it, or (with faults on, once per step) which fault
    /// is injected first. `ready` in ready-queue order; `faults` every fault admissible here
    /// within the budgets, in menu order.
    Step {
        ready: Vec<TaskId>,
        faults: Vec<Fault>,
        /// The task polled in the previous step, if it is still ready.
        last: Option<TaskId>,
        /// Preemptions spent by the picks above this one.
        preemptions: u32,
        /// Switching away from `last` here is free (it has had its fair share in a row).
        free: bool,
    },
    /// The clock advanced to an instant with `due` timers: 0 fires them all, `i` the `i`-th.
    Fire { due: usize },
    /// A primitive's fast path: 0 goes on, 1 suspends once (a forced-yield fault).
    Yield,
}

impl Kind {
    /// What the point offered, for a divergence message.
    pub(crate) fn describe(&self) -> String {
        match self {
            Kind::Step { ready, faults, .. } if faults.is_empty() => {
                format!("a pick among {} ready tasks", ready.len())
            }
            Kind::Step { ready, faults, .. } => {
                format!("a pick among {} ready tasks or {} faults", ready.len(), faults.len())
            }
            Kind::Fire { due } => format!("a choice among {due} timers due at one instant"),
            Kind::Yield => "a primitive fast path that may yield".to_string(),
        }
    }

    /// Every option, in the order the tree explores them: tasks in ready order (asyncio's
    /// first), then faults; indices ascending.
    pub(crate) fn options(&self) -> Vec<Opt> {
        match self {
            Kind::Step { ready, faults, .. } => {
                ready.iter().map(|&t| Opt::Task(t)).chain(faults.iter().map(|&f| Opt::Fault(f))).collect()
            }
            Kind::Fire { due } => (0..=*due).map(Opt::Index).collect(),
            Kind::Yield => vec![Opt::Index(0), Opt::Index(1)],
        }
    }
}

/// A task asleep at a node: running its next segment first is covered by a branch explored
/// elsewhere, as long as nothing run since conflicts with `accesses`, that segment's
/// footprint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Sleeper {
    pub(crate) task: TaskId,
    pub(crate) accesses: Vec<Access>,
}

impl Sleeper {
    /// Whether running something with `accesses` wakes it (they conflict).
    pub(crate) fn woken_by(&self, accesses: &[Access]) -> bool {
        conflict(&self.accesses, accesses)
    }
}

/// What the segment that an option starts touched: every event from the option to the next
/// point. `sleepable` is false when that next point is inside a step (a forced-yield point),
/// so the segment does not cover the step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    pub(crate) accesses: Vec<Access>,
    pub(crate) sleepable: bool,
}

/// Whether `opt` may be taken at a point of `kind` within the preemption bound `max` (what
/// [`Node::allows`] says, before there is a node).
pub(crate) fn allows(kind: &Kind, opt: Opt, max: Option<u32>) -> bool {
    match (kind, opt) {
        (Kind::Step { last: Some(last), preemptions, free, .. }, Opt::Task(t)) => match max {
            Some(max) if *preemptions >= max && !free => t == *last,
            _ => true,
        },
        _ => true,
    }
}

/// Whether task `t` is asleep under the sleep set `sleep` (what [`Node::asleep`] says, before
/// there is a node).
pub(crate) fn asleep(sleep: &[Sleeper], t: TaskId) -> bool {
    sleep.iter().any(|s| s.task == t)
}

/// One scheduling point on the current path.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    /// The option the current path takes.
    pub(crate) chosen: Opt,
    /// The options to explore here, in the order found; `chosen` and `done` are among them.
    /// Full DFS: every allowed option. Reduced: the backtrack set (tasks), fresh faults.
    pub(crate) todo: Vec<Opt>,
    /// The options whose subtrees have been explored.
    pub(crate) done: Vec<Opt>,
    /// The sleep set at this point.
    pub(crate) sleep: Vec<Sleeper>,
    /// Tasks explored here, with their segments' footprints: asleep in later siblings' subtrees
    /// while independent of what runs there.
    pub(crate) explored: Vec<Sleeper>,
    /// The chosen option's segment, once a run has taken it.
    pub(crate) segment: Option<Segment>,
    /// The options given away to other workers here (see `Tree::donate`), by the ids of their
    /// subtrees: the next ones after `chosen`, in option order, which the tree skips.
    pub(crate) given: Vec<usize>,
    /// The tree's schedule count when the chosen option's subtree began, and the schedules and
    /// number of the options explored here: the size of an option's subtree, on average, so
    /// that a part given away under a schedule budget can be one that the budget reaches.
    pub(crate) began: u64,
    pub(crate) sizes: u64,
    pub(crate) measured: u64,
}

impl Node {
    /// A point first reached, taking `chosen`, with `todo` to explore and `sleep` holding.
    pub(crate) fn new(kind: Kind, chosen: Opt, todo: Vec<Opt>, sleep: Vec<Sleeper>) -> Node {
        Node {
            kind,
            chosen,
            todo,
            done: Vec::new(),
            sleep,
            explored: Vec::new(),
            segment: None,
            given: Vec::new(),
            began: 0,
            sizes: 0,
            measured: 0,
        }
    }

    /// Whether task `t` is asleep here.
    pub(crate) fn asleep(&self, t: TaskId) -> bool {
        asleep(&self.sleep, t)
    }

    /// The sleep set the chosen option's subtree starts from: the node's, plus (for a task)
    /// the tasks explored here before it, without the chosen task itself.
    pub(crate) fn child_sleep(&self) -> Vec<Sleeper> {
        let mut sleep: Vec<Sleeper> = self.sleep.clone();
        if let Opt::Task(chosen) = self.chosen {
            sleep.extend(self.explored.iter().cloned());
            sleep.retain(|s| s.task != chosen);
        }
        sleep
    }

    /// Whether `task` may be picked here within the preemption bound `max`.
    pub(crate) fn allows(&self, opt: Opt, max: Option<u32>) -> bool {
        allows(&self.kind, opt, max)
    }

    /// The option whose subtree the tree explores next here, if any: the first in option order
    /// that is to explore, not explored yet, not the current one, and not asleep.
    pub(crate) fn next(&self) -> Option<Opt> {
        self.kind.options().into_iter().find(|o| {
            self.todo.contains(o)
                && !self.done.contains(o)
                && *o != self.chosen
                && !matches!(o, Opt::Task(t) if self.asleep(*t))
        })
    }

    /// The average size of an option's subtree here, once one has been explored.
    pub(crate) fn option_size(&self) -> Option<u64> {
        (self.measured > 0).then(|| self.sizes / self.measured)
    }

    /// Adds `opt` to the options to explore here (a backtrack point), if it is offered.
    pub(crate) fn want(&mut self, opt: Opt) {
        if !self.todo.contains(&opt) && self.kind.options().contains(&opt) {
            self.todo.push(opt);
        }
    }
}
