//! The races of one run, and the backtrack points they call for: the dynamic half of the
//! partial-order reduction (source sets, Abdulla, Aronis, Jonsson, Sagonas, POPL 2014, on
//! Flanagan and Godefroid's DPOR, POPL 2005).
//!
//! A run is a sequence of *events*: the parts of its steps (each by a task, with the objects it
//! touched, [`Access`]; a step is cut where it went on past an `.await` that another step's
//! write made ready) and the faults injected (each its own thread, with the objects it
//! touches).
//! *Happens-before* orders two events when one follows the other in its task, when they touch a
//! common object and one of them writes it, or when timers fired between them (the clock
//! advances only when nothing is ready: every event before that instant happens before every
//! event after it). Two events of different tasks are in a *race* when they conflict directly
//! (nothing else orders them), and the later one was not made possible by the earlier one (the
//! earlier one queued its task, or wrote what the later one awaited): reversing them may give
//! another outcome. For each race the run found, the prefix
//! before the earlier step must also be explored with one of the *initials* of what follows
//! it: the steps that do not happen after the earlier one, up to the later one, whose task
//! could run first. If the point before the earlier step already explores (or sleeps on) one of
//! them, nothing is added; otherwise the first of them is.
//!
//! With a preemption bound, a backtrack point may be a preemption the bound forbids; as in
//! bounded partial-order reduction (Coons, Musuvathi, McKinley, OOPSLA 2013, and loom's
//! `rt/path.rs`), the same task is then also added where the earlier step's task began its run
//! of steps, a point where switching to it costs nothing.

use super::node::{Node, Opt};
use crate::strategy::{Access, Mode, Object};
use std::collections::BTreeMap;
use weft_traces::{Fault, TaskId};

/// One event of a run, for the analysis.
#[derive(Clone, Debug)]
pub(crate) enum Event {
    /// A step of `task`. `node` is the point on the path that chose it (`None`: it was the only
    /// task that could run). `after_timers`: timers fired just before it.
    Step { task: TaskId, accesses: Vec<Access>, after_timers: bool, node: Option<usize> },
    /// A fault injected at point `node`.
    Fault { accesses: Vec<Access>, node: usize },
}

impl Event {
    pub(crate) fn accesses(&self) -> &[Access] {
        match self {
            Event::Step { accesses, .. } | Event::Fault { accesses, .. } => accesses,
        }
    }
}

/// What the analysis takes of a step of `task` that touched `accesses`: all of it but its own
/// task's readiness (the step taking the task off the ready queue, a yield putting it back).
///
/// Those two never make another order differ. Another task's wake of `task` either queues it
/// or finds it queued: before the step it finds it queued (the step is about to run) and after
/// it queues it again, so the task runs again later, and what that later step does depends on
/// what the waker wrote through the objects they both touch, which conflict on their own. A
/// yield's wake-up finds the task off the queue in either order. What the wake does order, it
/// orders as a cause: a step is after the wake that queued it for it, an edge of happens-before
/// ([`Order::of`]) rather than a race. So the step and the wake are no race: the sleep sets and
/// the races see only the rest.
pub(crate) fn analysed(task: TaskId, accesses: &[Access]) -> Vec<Access> {
    accesses.iter().filter(|a| a.object != Object::Ready(task)).copied().collect()
}

/// What a fault touches, known before it is injected: a cancel requests the task's
/// cancellation and queues it; a spurious poll queues it; an early timeout fires one of its
/// timers, which queues it. Each also reads whether the task has ended.
pub(crate) fn fault_accesses(fault: Fault) -> Vec<Access> {
    let a = Access::new;
    match fault {
        Fault::Cancel { task } => vec![
            a(Object::Exit(task), Mode::Read),
            a(Object::Cancel(task), Mode::Write),
            a(Object::Ready(task), Mode::Wake),
        ],
        Fault::SpuriousPoll { task } => vec![a(Object::Exit(task), Mode::Read), a(Object::Ready(task), Mode::Wake)],
        Fault::FireTimeout { task } => vec![
            a(Object::Exit(task), Mode::Read),
            a(Object::Timers(task), Mode::Write),
            a(Object::Ready(task), Mode::Wake),
        ],
        // Forced yields happen inside a step and are part of its footprint.
        Fault::ForceYield => Vec::new(),
    }
}

/// Whether an access in `mode` conflicts with an access in any mode.
fn conflicts_with_all(mode: Mode) -> bool {
    mode.writes() && !matches!(mode, Mode::Enqueue | Mode::Release | Mode::Unlock)
}

/// A vector clock: for each thread, how many of its events happen before an event (itself
/// included).
type Clock = [u32];

fn join(into: &mut Clock, other: &Clock) {
    for (a, b) in into.iter_mut().zip(other) {
        *a = (*a).max(*b);
    }
}

/// Happens-before over a run's events. The per-event clocks live in one array, `threads` to an
/// event, and the direct conflicts in another, so that a run's analysis allocates a handful of
/// times, not several times per event.
struct Order {
    /// Threads: tasks by id first, then one thread per fault.
    threads: usize,
    /// Each event's thread.
    thread: Vec<usize>,
    /// Each event's position in its thread, from 1.
    local: Vec<u32>,
    /// Each event's clock (`threads` entries from `e * threads`).
    clocks: Vec<u32>,
    /// Each event's clock before its conflicts: its task's previous event and the last
    /// instant timers fired (laid out as `clocks`).
    bases: Vec<u32>,
    /// Each event's direct conflicts: earlier events that touched an object it touches in a
    /// mode that conflicts with its own, `preds[pred_at[e]..pred_at[e + 1]]`.
    preds: Vec<usize>,
    pred_at: Vec<usize>,
    /// For a step, the event that queued its task for it, if one did since the task's previous
    /// step (a timer firing is not an event).
    enabler: Vec<Option<usize>>,
    /// Each event's task, `None` for a fault.
    task: Vec<Option<TaskId>>,
}

/// An event as the analysis sees it: a step cut into its parts.
struct Flat<'a> {
    /// The task; `None` for a fault.
    task: Option<TaskId>,
    /// Its accesses (a step's accesses are in part order: a part's are all recorded before the
    /// next part begins).
    accesses: &'a [Access],
    /// The index of the run's event it comes from.
    event: usize,
    /// The first part of its step (or a fault).
    first: bool,
    after_timers: bool,
}

fn flatten(events: &[Event]) -> Vec<Flat<'_>> {
    let mut flat = Vec::with_capacity(events.len() + events.len() / 4);
    for (i, event) in events.iter().enumerate() {
        match event {
            Event::Step { task, accesses, after_timers, .. } => {
                debug_assert!(accesses.windows(2).all(|w| w[0].part <= w[1].part), "accesses in part order");
                let mut rest = &accesses[..];
                let mut part = 0;
                loop {
                    // (`<=`: an access out of part order would join the part it follows.)
                    let len = rest.iter().take_while(|a| a.part <= part).count();
                    let (this, next) = rest.split_at(len);
                    flat.push(Flat {
                        task: Some(*task),
                        accesses: this,
                        event: i,
                        first: part == 0,
                        after_timers: *after_timers && part == 0,
                    });
                    match next.first() {
                        Some(a) => {
                            // Parts with no access of their own still count as parts.
                            part += 1;
                            while part < a.part {
                                flat.push(Flat {
                                    task: Some(*task),
                                    accesses: &[],
                                    event: i,
                                    first: false,
                                    after_timers: false,
                                });
                                part += 1;
                            }
                            rest = next;
                        }
                        None => break,
                    }
                }
            }
            Event::Fault { accesses, .. } => {
                flat.push(Flat { task: None, accesses, event: i, first: true, after_timers: false })
            }
        }
    }
    flat
}

impl Order {
    fn of(events: &[Flat<'_>]) -> Order {
        let tasks = events.iter().filter_map(|e| e.task.map(|t| t.index() + 1)).max().unwrap_or(0);
        let faults = events.iter().filter(|e| e.task.is_none()).count();
        let threads = tasks + faults;
        let n = events.len();
        let mut o = Order {
            threads,
            thread: Vec::with_capacity(n),
            local: Vec::with_capacity(n),
            clocks: vec![0; n * threads],
            bases: vec![0; n * threads],
            preds: Vec::with_capacity(2 * n),
            pred_at: Vec::with_capacity(n + 1),
            enabler: Vec::with_capacity(n),
            task: Vec::with_capacity(n),
        };
        o.pred_at.push(0);
        let mut last_of_thread: Vec<Option<usize>> = vec![None; threads];
        let mut count: Vec<u32> = vec![0; threads];
        let mut barrier: Vec<u32> = vec![0; threads];
        let mut all: Vec<u32> = vec![0; threads];
        // Per object, the accesses since the last one that conflicts with every mode (a plain
        // write): the earlier ones all happen before that one, hence before any later access.
        let mut objects: BTreeMap<Object, Vec<(usize, Mode)>> = BTreeMap::new();
        let mut last_wake: BTreeMap<TaskId, usize> = BTreeMap::new();
        let mut faults_seen = 0;
        for (e, event) in events.iter().enumerate() {
            if event.after_timers {
                barrier.copy_from_slice(&all);
            }
            let task = event.task;
            let thread = match task {
                Some(task) => task.index(),
                None => {
                    faults_seen += 1;
                    tasks + faults_seen - 1
                }
            };
            let (done, rest) = o.clocks.split_at_mut(e * threads);
            let clock = &mut rest[..threads];
            let base = &mut o.bases[e * threads..(e + 1) * threads];
            base.copy_from_slice(&barrier);
            if let Some(prev) = last_of_thread[thread] {
                join(base, &done[prev * threads..(prev + 1) * threads]);
            }
            let from = o.preds.len();
            // What made this event possible: the wake that queued its task for its step (a first
            // part), or the write of what it awaited (a later part).
            let mut enabler = None;
            for access in event.accesses {
                let Some(earlier) = objects.get(&access.object) else { continue };
                o.preds.extend(earlier.iter().filter(|(_, m)| m.conflicts(access.mode)).map(|&(p, _)| p));
                if access.mode == Mode::Await {
                    let write = earlier.iter().rev().find(|(_, m)| m.writes()).map(|&(p, _)| p);
                    enabler = enabler.max(write);
                }
            }
            if event.accesses.iter().any(|a| a.object == Object::Halt) {
                // The run failed here: every other thread's latest event conflicts with it.
                o.preds.extend(last_of_thread.iter().enumerate().filter(|&(t, _)| t != thread).filter_map(|(_, e)| *e));
            }
            let preds = &mut o.preds[from..];
            preds.sort_unstable();
            let kept = dedup(preds);
            o.preds.truncate(from + kept);
            clock.copy_from_slice(base);
            for &p in &o.preds[from..] {
                join(clock, &done[p * threads..(p + 1) * threads]);
            }
            count[thread] += 1;
            clock[thread] = count[thread];
            if event.first {
                enabler = task.and_then(|t| {
                    let since = last_of_thread[thread];
                    last_wake.get(&t).copied().filter(|&w| since.is_none_or(|s| w > s))
                });
                // The wake that queued the task for this step happens before it (the step's
                // own readiness is not among its accesses, see `analysed`).
                if let Some(w) = enabler {
                    let waker = &done[w * threads..(w + 1) * threads];
                    join(base, waker);
                    join(clock, waker);
                }
            }
            for access in event.accesses {
                let entry = objects.entry(access.object).or_default();
                if conflicts_with_all(access.mode) {
                    entry.clear();
                }
                entry.push((e, access.mode));
                if let (Object::Ready(t), Mode::Wake) = (access.object, access.mode) {
                    last_wake.insert(t, e);
                }
            }
            join(&mut all, clock);
            last_of_thread[thread] = Some(e);
            o.thread.push(thread);
            o.local.push(count[thread]);
            o.pred_at.push(o.preds.len());
            o.enabler.push(enabler);
            o.task.push(task);
        }
        o
    }

    fn clock(&self, e: usize) -> &Clock {
        &self.clocks[e * self.threads..(e + 1) * self.threads]
    }

    fn base(&self, e: usize) -> &Clock {
        &self.bases[e * self.threads..(e + 1) * self.threads]
    }

    fn preds(&self, e: usize) -> &[usize] {
        &self.preds[self.pred_at[e]..self.pred_at[e + 1]]
    }

    /// Whether event `a` happens before event `b` (`a` earlier in the run).
    fn before(&self, a: usize, b: usize) -> bool {
        self.clock(b)[self.thread[a]] >= self.local[a]
    }

    /// Whether `a` happens before `b` other than through their direct conflict.
    fn ordered_otherwise(&self, a: usize, b: usize) -> bool {
        let t = self.thread[a];
        if self.base(b)[t] >= self.local[a] {
            return true;
        }
        self.preds(b).iter().any(|&p| p != a && self.clock(p)[t] >= self.local[a])
    }

    /// The initials of `notdep(a).b`: the tasks (`None` for a fault) whose first event among
    /// the events after `a` that do not happen after it, then `b`, has no predecessor there.
    fn initials(&self, a: usize, b: usize) -> Vec<Option<TaskId>> {
        // Each thread's first event there, by its position in the thread (in the order met).
        let mut first: Vec<(usize, u32)> = Vec::new();
        let mut initials = Vec::new();
        let in_v = (a + 1..b).filter(|&x| !self.before(a, x)).chain(std::iter::once(b));
        for x in in_v {
            let t = self.thread[x];
            if first.iter().any(|&(u, _)| u == t) {
                continue;
            }
            let clock = self.clock(x);
            if first.iter().all(|&(u, at)| clock[u] < at) {
                initials.push(self.task[x]);
            }
            first.push((t, self.local[x]));
        }
        initials
    }
}

/// Removes the repeats from sorted `v` in place; returns how many distinct values lead it.
fn dedup(v: &mut [usize]) -> usize {
    let mut kept = 0;
    for i in 0..v.len() {
        if kept == 0 || v[i] != v[kept - 1] {
            v[kept] = v[i];
            kept += 1;
        }
    }
    kept
}

/// The backtrack points the races of a run call for, as `(point, task)`: `path` is the run's
/// points, `events` its events, `floor` the first point that may change (those above belong
/// to the prefix of the part of the tree being explored). `bounded`: a preemption bound is in
/// force (see the module docs).
pub(crate) fn backtracks(
    path: &[Node],
    events: &[Event],
    floor: usize,
    max_preemptions: Option<u32>,
) -> Vec<(usize, TaskId)> {
    let flat = flatten(events);
    let order = Order::of(&flat);
    let mut wanted: Vec<(usize, TaskId)> = Vec::new();
    for (b, event) in flat.iter().enumerate() {
        if event.task.is_none() {
            continue; // a fault is placed at every point that matters already
        }
        for &a in order.preds(b) {
            if order.thread[a] == order.thread[b] || order.enabler[b] == Some(a) || order.ordered_otherwise(a, b) {
                continue;
            }
            let a = hold_start(&flat, a, b).unwrap_or(a);
            let initials = order.initials(a, b);
            if initials.iter().any(Option::is_none) {
                continue; // a fault first: faults are tried at every point where they differ
            }
            let initials: Vec<TaskId> = initials.into_iter().flatten().collect();
            // The point before the earlier event: the one that chose its step, if it is a
            // step's first part.
            let at = match (&events[flat[a].event], flat[a].first) {
                (Event::Step { node, .. }, true) => *node,
                (Event::Step { .. }, false) => None,
                (Event::Fault { node, .. }, _) => Some(*node),
            };
            if let Some(n) = at.filter(|&n| n >= floor) {
                want(&path[n], n, &initials, max_preemptions, &mut wanted);
            }
            if max_preemptions.is_some() {
                if let Some(s) = run_start(events, flat[a].event).filter(|&s| s >= floor && Some(s) != at) {
                    want(&path[s], s, &initials, max_preemptions, &mut wanted);
                }
            }
        }
    }
    wanted
}

/// Where the race between events `a` and `b` is reversed, if not before `a`: `a` unlocks a lock
/// (a hand-off resource with one unit, [`Mode::Unlock`]) and `b`'s step begins by acquiring it
/// ([`Mode::Acquire`]). Anywhere between the start of the hold that `a` ends and `a`, the lock
/// is held, so `b`'s task would do nothing there but join the waiters and take the lock when
/// `a` hands it over: the order already run, up to the step at which it takes it
/// ([`Mode::Enqueue`]). The other order the race stands for is `b`'s task asking before the
/// holder did: the race is reversed where the holder asked for the hold (its request, or the
/// acquire that was its request and grant at once). `None` when the events are not such a pair,
/// or the hold cannot be traced back through the lock's accesses alone.
fn hold_start(flat: &[Flat<'_>], a: usize, b: usize) -> Option<usize> {
    let task = flat[b].task.filter(|_| flat[b].first)?;
    let own = |o: Object| matches!(o, Object::Cancel(t) | Object::Ready(t) if t == task);
    let first = flat[b].accesses.iter().find(|x| !own(x.object))?;
    let lock = first.object;
    if first.mode != Mode::Acquire || !flat[a].accesses.iter().any(|x| x.object == lock && x.mode == Mode::Unlock) {
        return None;
    }
    let on_lock = |x: usize| flat[x].accesses.iter().find(|y| y.object == lock).map(|y| y.mode);
    // The grant of the hold `a` ends: the last grant before it, with nothing between but other
    // tasks joining the waiters or looking.
    let mut grant = None;
    for x in (0..a).rev() {
        match on_lock(x) {
            None | Some(Mode::Enqueue | Mode::Read) => continue,
            Some(Mode::Acquire | Mode::Grant | Mode::Handover) => {
                grant = Some(x);
                break;
            }
            Some(_) => return None,
        }
    }
    let grant = grant?;
    if on_lock(grant) == Some(Mode::Acquire) {
        return Some(grant);
    }
    // A waiter's grant: the hold began with its request.
    let holder = flat[grant].task?;
    (0..grant)
        .rev()
        .find(|&x| flat[x].task == Some(holder) && on_lock(x).is_some())
        .filter(|&x| on_lock(x) == Some(Mode::Enqueue))
}

/// Adds to `wanted` the backtrack point at `node` (index `n`) for `initials`, unless the node
/// explores or sleeps on one of them already.
fn want(node: &Node, n: usize, initials: &[TaskId], max: Option<u32>, wanted: &mut Vec<(usize, TaskId)>) {
    let explores = |t: &TaskId| node.todo.contains(&Opt::Task(*t)) || node.asleep(*t) || wanted.contains(&(n, *t));
    if initials.iter().any(explores) {
        return;
    }
    let offered = |t: &TaskId| node.kind.options().contains(&Opt::Task(*t)) && node.allows(Opt::Task(*t), max);
    match initials.iter().find(|t| offered(t)) {
        Some(&t) => wanted.push((n, t)),
        None if initials.iter().all(|t| !node.kind.options().contains(&Opt::Task(*t))) => {
            // None of them could run there: every task that could is a candidate.
            for opt in node.kind.options() {
                if let Opt::Task(t) = opt {
                    if node.allows(opt, max) && !node.asleep(t) {
                        wanted.push((n, t));
                    }
                }
            }
        }
        None => {} // the bound forbids them there; the run's start covers it
    }
}

/// The point that chose the first of the steps of one task that run in a row up to event `a`
/// (for a fault, up to the step before it): where switching to another task was free.
fn run_start(events: &[Event], a: usize) -> Option<usize> {
    let steps = |i: usize| match &events[i] {
        Event::Step { task, node, .. } => Some((*task, *node)),
        Event::Fault { .. } => None,
    };
    let last = (0..=a).rev().find_map(steps)?;
    let mut start = last.1;
    for i in (0..=a).rev() {
        match steps(i) {
            Some((task, node)) if task == last.0 => start = node.or(start),
            Some(_) => break,
            None => {}
        }
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::dfs::node::Kind;

    fn step(task: u32, accesses: &[(Object, Mode)], node: Option<usize>) -> Event {
        Event::Step {
            task: TaskId(task),
            accesses: accesses.iter().map(|&(o, m)| Access::new(o, m)).collect(),
            after_timers: false,
            node,
        }
    }

    fn pick(ready: &[u32], chosen: u32) -> Node {
        let kind = Kind::Step {
            ready: ready.iter().map(|&t| TaskId(t)).collect(),
            faults: Vec::new(),
            last: None,
            preemptions: 0,
            free: false,
        };
        Node::new(kind, Opt::Task(TaskId(chosen)), vec![Opt::Task(TaskId(chosen))], Vec::new())
    }

    const X: Object = Object::Resource(weft_traces::ResourceId(0));
    const Y: Object = Object::Resource(weft_traces::ResourceId(1));

    #[test]
    fn two_writes_of_one_cell_race_and_the_other_order_is_wanted() {
        // Tasks 1 and 2 both ready; 1 writes X, then 2 writes X.
        let path = [pick(&[1, 2], 1), pick(&[2], 2)];
        let events = [step(1, &[(X, Mode::Write)], Some(0)), step(2, &[(X, Mode::Write)], Some(1))];
        assert_eq!(backtracks(&path, &events, 0, None), [(0, TaskId(2))]);
    }

    #[test]
    fn independent_steps_and_two_reads_do_not_race() {
        let path = [pick(&[1, 2], 1), pick(&[2], 2)];
        let disjoint = [step(1, &[(X, Mode::Write)], Some(0)), step(2, &[(Y, Mode::Write)], Some(1))];
        assert!(backtracks(&path, &disjoint, 0, None).is_empty());
        let reads = [step(1, &[(X, Mode::Read)], Some(0)), step(2, &[(X, Mode::Read)], Some(1))];
        assert!(backtracks(&path, &reads, 0, None).is_empty());
    }

    #[test]
    fn a_step_does_not_race_with_the_step_that_woke_its_task() {
        // Task 1 releases a lock (writes X) and wakes task 2, whose step then takes it.
        let wake = (Object::Ready(TaskId(2)), Mode::Wake);
        let path = [pick(&[1, 3], 1)];
        let events = [step(1, &[(X, Mode::Write), wake], Some(0)), step(2, &[(X, Mode::Write)], None)];
        assert!(backtracks(&path, &events, 0, None).is_empty());
    }

    #[test]
    fn a_race_ordered_through_a_third_step_is_not_reversed_directly() {
        // 1 writes X; 3 reads X and writes Y; 2 reads Y and writes X: 1 -> 3 -> 2.
        let path = [pick(&[1, 2, 3], 1), pick(&[2, 3], 3), pick(&[2], 2)];
        let events = [
            step(1, &[(X, Mode::Write)], Some(0)),
            step(3, &[(X, Mode::Read), (Y, Mode::Write)], Some(1)),
            step(2, &[(Y, Mode::Read), (X, Mode::Write)], Some(2)),
        ];
        // Races: (1, 3) on X, wanting 3 first at point 0; (3, 2) on Y, wanting 2 at point 1.
        // (1, 2) on X is ordered through 3, so it calls for nothing.
        assert_eq!(backtracks(&path, &events, 0, None), [(0, TaskId(3)), (1, TaskId(2))]);
    }

    #[test]
    fn the_initial_wanted_may_be_another_task_than_the_racing_one() {
        // 1 writes X; 3 writes Z and wakes 2; 2 writes X. Reversing (1, 2) needs 3 first.
        let z = Object::Resource(weft_traces::ResourceId(2));
        let path = [pick(&[1, 3], 1), pick(&[3], 3)];
        let events = [
            step(1, &[(X, Mode::Write)], Some(0)),
            step(3, &[(z, Mode::Write), (Object::Ready(TaskId(2)), Mode::Wake)], Some(1)),
            step(2, &[(X, Mode::Write)], None),
        ];
        assert_eq!(backtracks(&path, &events, 0, None), [(0, TaskId(3))]);
    }

    #[test]
    fn a_step_and_a_later_wake_of_its_task_are_no_race() {
        // Task 1 steps (off the ready queue) and blocks; task 2 then wakes it. As recorded
        // they touch task 1's readiness, a race; as analysed, not: in the other order the wake
        // finds task 1 queued and its later step is caused by nothing more.
        let ready = Object::Ready(TaskId(1));
        let path = [pick(&[1, 2], 1), pick(&[2], 2)];
        let recorded = [(ready, Mode::Write), (Y, Mode::Write)];
        let raw = [step(1, &recorded, Some(0)), step(2, &[(ready, Mode::Wake), (X, Mode::Write)], Some(1))];
        assert_eq!(backtracks(&path, &raw, 0, None), [(0, TaskId(2))]);
        let own = analysed(TaskId(1), raw[0].accesses());
        assert_eq!(own, [Access::new(Y, Mode::Write)]);
        let events =
            [Event::Step { task: TaskId(1), accesses: own, after_timers: false, node: Some(0) }, raw[1].clone()];
        assert!(backtracks(&path, &events, 0, None).is_empty());
    }

    #[test]
    fn a_step_is_after_the_wake_that_queued_it() {
        // 2 wakes 1, which was not queued; 1's step touches nothing 2's did (its own readiness
        // is not analysed): the wake alone orders them. 3's step, unrelated, is ordered with
        // neither.
        let events = [
            step(2, &[(Object::Ready(TaskId(1)), Mode::Wake)], Some(0)),
            step(1, &[(X, Mode::Write)], Some(1)),
            step(3, &[(Y, Mode::Write)], Some(2)),
        ];
        let flat = flatten(&events);
        let order = Order::of(&flat);
        assert!(order.before(0, 1));
        assert!(!order.before(0, 2) && !order.before(1, 2));
    }

    const L: Object = Object::Resource(weft_traces::ResourceId(9));

    #[test]
    fn a_waiters_request_and_a_release_of_a_handoff_lock_are_no_race() {
        // 1 holds the lock; 2 asks and waits; 1 unlocks and wakes 2, which takes it.
        let path = [pick(&[1, 2], 1), pick(&[2, 1], 2), pick(&[1], 1)];
        let events = [
            step(1, &[(L, Mode::Acquire)], Some(0)),
            step(2, &[(L, Mode::Enqueue)], Some(1)),
            step(1, &[(L, Mode::Unlock), (Object::Ready(TaskId(2)), Mode::Wake)], Some(2)),
            step(2, &[(L, Mode::Handover)], None),
        ];
        // Only the order of the two requests: 2 asking before 1 did.
        assert_eq!(backtracks(&path, &events, 0, None), [(0, TaskId(2))]);
    }

    #[test]
    fn a_lock_taken_after_its_release_races_where_the_hold_began() {
        // 1 takes the lock, yields, writes X and unlocks; then 2 takes it at once and reads X.
        // Before the unlock 2 would only have waited: the race is reversed before 1's acquire.
        let path = [pick(&[1, 2], 1), pick(&[1, 2], 1), pick(&[2], 2)];
        let events = [
            step(1, &[(L, Mode::Acquire)], Some(0)),
            step(1, &[(X, Mode::Write), (L, Mode::Unlock)], Some(1)),
            step(2, &[(Object::Cancel(TaskId(2)), Mode::Read), (L, Mode::Acquire), (X, Mode::Read)], Some(2)),
        ];
        assert_eq!(backtracks(&path, &events, 0, None), [(0, TaskId(2))]);
        // A plain write (a primitive without the hand-off promise) races where it is.
        let plain = [
            step(1, &[(L, Mode::Write)], Some(0)),
            step(1, &[(X, Mode::Write), (L, Mode::Write)], Some(1)),
            step(2, &[(L, Mode::Write), (X, Mode::Read)], Some(2)),
        ];
        assert_eq!(backtracks(&path, &plain, 0, None), [(1, TaskId(2))]);
        // So does a step that touches something else before it asks for the lock.
        let reads_first =
            [events[0].clone(), events[1].clone(), step(2, &[(X, Mode::Read), (L, Mode::Acquire)], Some(2))];
        assert_eq!(backtracks(&path, &reads_first, 0, None), [(1, TaskId(2))]);
    }

    #[test]
    fn points_above_the_floor_are_left_alone() {
        let path = [pick(&[1, 2], 1), pick(&[2], 2)];
        let events = [step(1, &[(X, Mode::Write)], Some(0)), step(2, &[(X, Mode::Write)], Some(1))];
        assert!(backtracks(&path, &events, 1, None).is_empty());
    }
}
