//! Deadlocks: tasks that can never be woken, reported with their wait-for cycle.
//!
//! **The wait-for graph.** A blocked task waits, at once, for any of the tasks that could wake
//! it (an OR over its edges):
//!
//! - a *waiter* on a held resource (a Lock, a Semaphore, a Condition's lock, a foreign resource:
//!   a pending request whose task's step ended without the grant) waits for the resource's
//!   holders, any of whom may give a unit back;
//! - a task awaiting another task's join handle (`Join`) waits for that task.
//!
//! A task can be woken, and so is not deadlocked, if it is ready (or running), has a timer, is
//! suspended on something the events do not describe, waits on something that is not a held
//! resource (a Condition's notification, an Event, a Barrier, a Queue: any task may provide
//! it), or waits on a resource that has a free unit or a unit in flight to a waiter (a woken
//! request), or whose units are not all held by unfinished tasks (a unit held by a task that
//! finished, or a Semaphore made with no permit: only a release by some other task can give
//! one back, so the wait is judged at quiescence). A task deadlocks when none of the tasks it
//! waits for can be woken either: the set of such tasks is the *knot* of the graph, every task
//! of which waits only for tasks of the knot, and it always holds a cycle.
//!
//! **A unit is given back by its holder.** asyncio's Lock and Semaphore have no owner: any task
//! may `release()` them. The rule still counts only the holders as the tasks that can give a
//! unit back: a task that releases a lock it did not take uses it as a signal, which is what
//! Event and Condition are for, and if any running task could release any lock, no deadlock
//! could be reported while some other task (a heartbeat, a server loop) still runs, which is
//! exactly when it matters. Units no unfinished task holds are the exception above.
//!
//! **When it is judged.** The knot can only grow when a task stops being able to run: at the
//! end of a step that leaves its task blocked, or when the clock passes the last timer of a
//! blocked task (a dropped `timeout`, which the events do not show). Only then does the rule
//! search, from that task along its edges, stopping at the first task that can be woken: in the
//! usual case (its holder is ready or sleeping) that is one or two tasks looked at. When
//! nothing is ready and no timer is pending the run is at quiescence, and the report is left to
//! the quiescence checks (the executor's probes first, then [`report`]).

use super::resources::{Model, ResourceState};
use super::{thousands, Rule, Violation, ViolationKind, SCREENFUL};
use crate::event::Record;
use crate::ids::{ResourceId, TaskId};
use std::collections::BTreeMap;

/// Why a task waits for another: a resource the other holds, or the other's end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Edge {
    Holds(ResourceId),
    Join,
}

/// What a task waits for, as far as the deadlock rule is concerned.
enum Waits {
    /// It can be woken (see the module docs).
    Wakeable,
    /// It can be woken only by one of these tasks.
    On(Vec<(TaskId, Edge)>),
}

/// What `task` waits for in `model`.
fn waits(model: &Model, task: TaskId) -> Waits {
    let mut on = Vec::new();
    match waits_into(model, task, &mut on) {
        true => Waits::Wakeable,
        false => Waits::On(on),
    }
}

/// Whether `task` can be woken; if not, appends the tasks it waits for to `on` (at least one).
fn waits_into(model: &Model, task: TaskId, on: &mut Vec<(TaskId, Edge)>) -> bool {
    let Some(t) = model.tasks.get(task.index()) else { return true };
    let waits = model.waits_of(task);
    if t.exited || t.ready.is_some() || t.cancel_requested || waits.timers > 0 || model.stepping == Some(task) {
        return true;
    }
    let before = on.len();
    for w in &waits.pending {
        // A wait (not a request): anyone may notify, set, put or arrive.
        let Some(r) = model.resource(w.id).filter(|_| w.request) else { return true };
        if w.woken || !model.waiting_since_a_step(task, w) || !units_all_held(model, r) {
            return true;
        }
        on.extend(r.holders.iter().map(|h| (*h, Edge::Holds(w.id))));
    }
    if let Some(other) = t.joining {
        on.push((other, Edge::Join));
    }
    on.len() == before
}

/// Whether `task` can obviously be woken: it is not blocked at all.
fn runs(model: &Model, task: TaskId) -> bool {
    let waits = model.waits_of(task);
    model.tasks.get(task.index()).is_none_or(|t| {
        t.exited
            || t.ready.is_some()
            || t.cancel_requested
            || waits.timers > 0
            || model.stepping == Some(task)
            || (waits.pending.is_empty() && t.joining.is_none())
    })
}

/// Whether `task` can be woken because one of the tasks it waits for obviously can: the usual
/// case (the holder is ready or sleeping), decided without a search or an allocation. Only
/// ever `true` where the search from `task` finds no knot (a test holds it to that).
pub(crate) fn waits_on_one_that_runs(model: &Model, task: TaskId) -> bool {
    let Some(t) = model.tasks.get(task.index()) else { return true };
    for w in &model.waits_of(task).pending {
        let Some(r) = model.resource(w.id).filter(|_| w.request) else { return true };
        if w.woken || !model.waiting_since_a_step(task, w) || !units_counted_held(r) {
            return true;
        }
        // One walk over the holders: a holder that finished counts as one that runs (`runs`),
        // so where `units_all_held` would say a finished task holds a unit, this says the same.
        if r.holders.iter().any(|h| runs(model, *h)) {
            return true;
        }
    }
    t.joining.is_some_and(|other| runs(model, other))
}

/// [`units_all_held`] without the look at whether the holders finished: no unit is free, and
/// some task holds one.
fn units_counted_held(r: &ResourceState) -> bool {
    r.free().is_some_and(|f| f <= 0) && !r.holders.is_empty()
}

/// Whether every unit of held resource `r` is held by an unfinished task: none free, and at
/// least one holder, none of which finished.
fn units_all_held(model: &Model, r: &ResourceState) -> bool {
    units_counted_held(r) && r.holders.iter().all(|h| !model.exited(*h))
}

/// A search's scratch space, kept between searches so that a search allocates nothing.
#[derive(Clone, Debug, Default)]
pub(crate) struct Search {
    /// Per task, the number of the last search that reached it.
    marks: Vec<u64>,
    serial: u64,
    stack: Vec<TaskId>,
    reached: Vec<TaskId>,
    on: Vec<(TaskId, Edge)>,
}

impl Search {
    /// The tasks `from` waits for, transitively, if none of them (nor `from`) can be woken:
    /// then they are all deadlocked. `None` as soon as one can be woken.
    fn knot(&mut self, model: &Model, from: TaskId) -> Option<&[TaskId]> {
        self.serial += 1;
        if self.marks.len() < model.tasks.len() {
            self.marks.resize(model.tasks.len(), 0);
        }
        self.stack.clear();
        self.reached.clear();
        self.reach(from);
        while let Some(task) = self.stack.pop() {
            let mut on = std::mem::take(&mut self.on);
            on.clear();
            let wakeable = waits_into(model, task, &mut on);
            // A task the events never spawned is not ours to judge.
            let unknown = on.iter().any(|(other, _)| other.index() >= self.marks.len());
            if !wakeable && !unknown {
                on.iter().for_each(|(other, _)| self.reach(*other));
            }
            self.on = on;
            if wakeable || unknown {
                return None;
            }
        }
        // Units in flight to a waiter that is not a holder (a foreign hand-off that recorded no
        // release): its task runs and may give the unit back later.
        let in_flight = self.reached.iter().any(|t| {
            model.waits_of(*t).pending.iter().any(|w| {
                model.resource(w.id).is_some_and(|r| {
                    r.requests.iter().any(|p| model.woken(p.task, r.id, true) && !model.exited(p.task))
                })
            })
        });
        (!in_flight).then_some(&self.reached[..])
    }

    /// Whether the search from `from` finds a knot (for the tests of the quick look).
    #[cfg(test)]
    pub(crate) fn finds_knot(&mut self, model: &Model, from: TaskId) -> bool {
        self.knot(model, from).is_some()
    }

    fn reach(&mut self, task: TaskId) {
        let Some(mark) = self.marks.get_mut(task.index()) else { return };
        if *mark != self.serial {
            *mark = self.serial;
            self.stack.push(task);
            self.reached.push(task);
        }
    }
}

/// The deadlock rule at the end of `task`'s step: if what it waits for can never wake it, the
/// violation, with the cycle. `record` is the step's end (its `Suspend` or `Exit`).
#[inline]
pub(crate) fn at_step_end(model: &Model, search: &mut Search, record: &Record, task: TaskId) -> Option<Violation> {
    if !model.is_running() || !model.is_blocked(task) || waits_on_one_that_runs(model, task) {
        return None; // at quiescence the probes speak first, then `report`
    }
    knotted(model, search, record, task)
}

/// The search for a knot from `task`, and its report (out of line: most steps end with the
/// quick look above).
#[inline(never)]
fn knotted(model: &Model, search: &mut Search, record: &Record, task: TaskId) -> Option<Violation> {
    let knot = search.knot(model, task)?.to_vec();
    let mut stuck = deadlocked(model);
    stuck.extend(&knot);
    stuck.sort_unstable();
    stuck.dedup();
    let header = format!(
        "{} task(s) can never be woken, while the run goes on without them (other tasks are ready or have timers pending):",
        thousands(stuck.len())
    );
    let message = describe(model, &stuck, &knot, header);
    Some(Violation::at(record, ViolationKind::Deadlock, Rule::Deadlock, None, message).about(Some(task)))
}

/// Every task that can never be woken (see the module docs), in id order: the tasks from which
/// no task that can be woken is reachable.
fn deadlocked(model: &Model) -> Vec<TaskId> {
    let tasks = model.tasks.len();
    let mut waited_by: Vec<Vec<TaskId>> = vec![Vec::new(); tasks];
    let mut wakeable = vec![false; tasks];
    let mut queue = Vec::new();
    for (i, can_wake) in wakeable.iter_mut().enumerate() {
        let task = TaskId(i as u32);
        match waits(model, task) {
            Waits::Wakeable => {
                *can_wake = true;
                queue.push(task);
            }
            Waits::On(on) => {
                for (other, _) in on {
                    match waited_by.get_mut(other.index()) {
                        Some(list) => list.push(task),
                        None => {
                            *can_wake = true;
                            queue.push(task);
                        }
                    }
                }
            }
        }
    }
    while let Some(task) = queue.pop() {
        for &waiter in &waited_by[task.index()] {
            if !wakeable[waiter.index()] {
                wakeable[waiter.index()] = true;
                queue.push(waiter);
            }
        }
    }
    (0..tasks).filter(|i| !wakeable[*i] && !model.tasks[*i].exited).map(|i| TaskId(i as u32)).collect()
}

/// The deadlock violation at quiescence (nothing ready, no timer pending, no probe progressed):
/// every unfinished task, with what it waits on and the wait-for cycle among them.
pub(crate) fn report(model: &Model, record: &Record) -> Violation {
    let blocked = model.unfinished();
    let header = format!(
        "{} task(s) blocked with nothing ready and no timer pending, and none could progress:",
        thousands(blocked.len())
    );
    let message = describe(model, &blocked, &blocked, header);
    Violation::at(record, ViolationKind::Deadlock, Rule::Deadlock, None, message).about(None)
}

/// `header`, the wait-for cycle among `cycle_among` in words, then what each of `blocked`
/// waits on (a screenful of them).
fn describe(model: &Model, blocked: &[TaskId], cycle_among: &[TaskId], header: String) -> String {
    let mut among = vec![false; model.tasks.len()];
    for t in cycle_among {
        if let Some(slot) = among.get_mut(t.index()) {
            *slot = true;
        }
    }
    let mut edges: BTreeMap<TaskId, Vec<(TaskId, Edge)>> = BTreeMap::new();
    for &task in cycle_among {
        if let Waits::On(on) = waits_at_quiescence(model, task) {
            let among = |t: &TaskId| among.get(t.index()).copied().unwrap_or(false);
            edges.insert(task, on.into_iter().filter(|(t, _)| among(t)).collect());
        }
    }
    let mut lines = vec![header];
    if let Some(cycle) = find_cycle(&edges) {
        lines.push(format!("  wait-for cycle: {}", cycle_in_words(model, &cycle)));
    }
    for &task in blocked.iter().take(SCREENFUL) {
        lines.push(format!("  {} {}", model.task(task), what_it_waits_on(model, task)));
    }
    if blocked.len() > SCREENFUL {
        lines.push(format!("  ... and {} more", thousands(blocked.len() - SCREENFUL)));
    }
    lines.join("\n")
}

/// The edges of `task` among held resources and joins, whatever else could wake it (at
/// quiescence nothing else can: every task is blocked).
fn waits_at_quiescence(model: &Model, task: TaskId) -> Waits {
    let Some(t) = model.tasks.get(task.index()) else { return Waits::Wakeable };
    let mut on = Vec::new();
    for w in model.waits_of(task).pending.iter().filter(|w| w.request) {
        let Some(r) = model.resource(w.id) else { continue };
        on.extend(r.holders.iter().map(|h| (*h, Edge::Holds(w.id))));
    }
    if let Some(other) = t.joining {
        on.push((other, Edge::Join));
    }
    Waits::On(on)
}

/// `'a' (#1) holds Lock 'l1' (r0) and waits for Lock 'l2' (r1), held by 'b' (#2), which waits
/// for Lock 'l1' (r0), held by 'a' (#1)`, for a closed cycle `[(a, a→b), (b, b→a)]`.
fn cycle_in_words(model: &Model, cycle: &[(TaskId, TaskId, Edge)]) -> String {
    let name = |id: ResourceId| model.resource(id).map_or(format!("resource {id}"), |r| r.describe());
    let (first, ..) = cycle[0];
    let mut words = model.task(first);
    if let (Some((_, _, Edge::Holds(id))), true) = (cycle.last(), cycle.len() > 1) {
        words.push_str(&format!(" holds {} and", name(*id)));
    }
    for (i, (from, to, edge)) in cycle.iter().enumerate() {
        let clause = match edge {
            Edge::Holds(id) if from == to => format!("waits for {}, which it already holds", name(*id)),
            Edge::Holds(id) => format!("waits for {}, held by {}", name(*id), model.task(*to)),
            Edge::Join => format!("waits for {} to finish", model.task(*to)),
        };
        words.push_str(if i == 0 { " " } else { ", which " });
        words.push_str(&clause);
    }
    words
}

/// What `task` waits on, for its line of the report.
fn what_it_waits_on(model: &Model, task: TaskId) -> String {
    let t = &model.tasks[task.index()];
    let mut waits = Vec::new();
    for w in &model.waits_of(task).pending {
        let Some(r) = model.resource(w.id) else { continue };
        let list = if w.request { &r.requests } else { &r.waits };
        let Some(p) = list.iter().find(|p| p.task == task) else { continue };
        let what = if w.request {
            let holders: Vec<String> = r.holders.iter().map(|h| model.task(*h)).collect();
            if r.holders.contains(&task) {
                format!("waits on {}, which it already holds", r.describe())
            } else if holders.is_empty() {
                format!("waits on {}, held by nobody", r.describe())
            } else {
                format!("waits on {}, held by {}", r.describe(), holders.join(", "))
            }
        } else {
            format!("waits on {}", r.describe())
        };
        waits.push(format!("{what} (since step {})", p.step));
    }
    if let Some(other) = t.joining {
        waits.push(format!("waits for task {} to finish", model.task(other)));
    }
    if waits.is_empty() {
        waits.push(
            "is suspended on something outside weft's resources (a channel, an unmarked foreign primitive)".to_string(),
        );
    }
    waits.join("; ")
}

/// The first cycle of the wait-for graph (depth-first from the lowest task id, edges in order),
/// as its edges `(from, to, why)`, starting at its lowest task id.
fn find_cycle(edges: &BTreeMap<TaskId, Vec<(TaskId, Edge)>>) -> Option<Vec<(TaskId, TaskId, Edge)>> {
    const NEW: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let size = edges.iter().flat_map(|(from, on)| std::iter::once(*from).chain(on.iter().map(|(t, _)| *t)));
    let mut state = vec![NEW; size.map(|t| t.index() + 1).max().unwrap_or(0)];
    let no_edges = Vec::new();
    for &start in edges.keys() {
        if state[start.index()] != NEW {
            continue;
        }
        // The path from `start`: each task, the index of its next edge to try, and the edge it
        // was reached by.
        let mut path: Vec<(TaskId, usize, Edge)> = vec![(start, 0, Edge::Join)];
        state[start.index()] = ON_PATH;
        while let Some((at, next, _)) = path.last_mut() {
            let out = edges.get(at).unwrap_or(&no_edges);
            let Some(&(to, why)) = out.get(*next) else {
                state[at.index()] = DONE;
                path.pop();
                continue;
            };
            *next += 1;
            match state[to.index()] {
                NEW => {
                    state[to.index()] = ON_PATH;
                    path.push((to, 0, why));
                }
                ON_PATH => {
                    let from = path.iter().position(|(t, _, _)| *t == to).unwrap_or(0);
                    let on_cycle = &path[from..];
                    let mut cycle: Vec<(TaskId, TaskId, Edge)> = (0..on_cycle.len())
                        .map(|k| {
                            let (task, _, _) = on_cycle[k];
                            let (next_task, _, by) = on_cycle.get(k + 1).copied().unwrap_or((to, 0, why));
                            (task, next_task, by)
                        })
                        .collect();
                    let lowest = (0..cycle.len()).min_by_key(|i| cycle[*i].0).unwrap_or(0);
                    cycle.rotate_left(lowest);
                    return Some(cycle);
                }
                _ => {}
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hold(id: u32) -> Edge {
        Edge::Holds(ResourceId(id))
    }

    #[test]
    fn a_cycle_behind_a_first_edge_that_leads_nowhere_is_found() {
        // #1 waits on a semaphore held by #2 and #3; #2 waits on nothing; #3 waits on #1.
        let edges = BTreeMap::from([
            (TaskId(1), vec![(TaskId(2), hold(0)), (TaskId(3), hold(0))]),
            (TaskId(3), vec![(TaskId(1), Edge::Join)]),
        ]);
        let cycle = find_cycle(&edges).unwrap();
        assert_eq!(cycle, vec![(TaskId(1), TaskId(3), hold(0)), (TaskId(3), TaskId(1), Edge::Join)]);
    }

    #[test]
    fn a_cycle_starts_at_its_lowest_task() {
        // #0 waits for #2, which waits for #1, which waits for #2.
        let edges = BTreeMap::from([
            (TaskId(0), vec![(TaskId(2), Edge::Join)]),
            (TaskId(1), vec![(TaskId(2), hold(1))]),
            (TaskId(2), vec![(TaskId(1), hold(0))]),
        ]);
        let cycle = find_cycle(&edges).unwrap();
        assert_eq!(cycle, vec![(TaskId(1), TaskId(2), hold(1)), (TaskId(2), TaskId(1), hold(0))]);
    }

    #[test]
    fn no_cycle_in_a_chain() {
        let edges =
            BTreeMap::from([(TaskId(0), vec![(TaskId(1), Edge::Join)]), (TaskId(1), vec![(TaskId(2), Edge::Join)])]);
        assert_eq!(find_cycle(&edges), None);
    }
}
