//! [`Invariants`]: every rule of this module, as one online checker.

use super::resources::Model;
use super::{accounting, deadlock, exclusion, fifo, wakeup, Checker, Violation};
use crate::event::{Event, Exit, Op, Record};
use crate::ids::{ResourceId, TaskId};
use std::any::Any;

/// All of weft's invariants over the event stream: mutual exclusion and capacity, FIFO
/// fairness, lost wake-ups (at every step's end and at quiescence, with the executor's probes),
/// deadlock with its wait-for cycle (at the step it forms, and at quiescence), accounting
/// (Event, Condition, Barrier, Queue), and panics.
///
/// [`Runtime::new()`](../../weft_sim/struct.Runtime.html) installs one per run; the offline
/// [`check`](super::check) runs one over a stored trace, so both give the same verdict.
///
/// ```
/// use weft_traces::check::Invariants;
/// use weft_traces::{Checker, Event, Op, Record, ResourceId, ResourceKind, TaskId, Time, ViolationKind};
///
/// let mut checker = Invariants::new();
/// let at = |step, task, event| Record::new(step, Time::ZERO, Some(TaskId(task)), event);
/// let lock = ResourceId(0);
/// let op = |op| Event::Resource { id: lock, op };
/// let events = [
///     at(0, 0, Event::Spawn { name: "a".into(), parent: None }),
///     at(0, 1, Event::Spawn { name: "b".into(), parent: None }),
///     at(1, 0, Event::Poll),
///     at(1, 0, Event::NewResource { id: lock, kind: ResourceKind::Lock, name: "l".into(), capacity: Some(1), initial: None, fifo: true }),
///     at(1, 0, op(Op::Request)),
///     at(1, 0, op(Op::Grant)),
///     at(1, 0, Event::Suspend),
///     at(2, 1, Event::Poll),
///     at(2, 1, op(Op::Request)),
///     at(2, 1, op(Op::Grant)), // a second holder of a Lock
/// ];
/// let found = events.iter().find_map(|r| checker.observe(r)).unwrap();
/// assert_eq!(found.kind, ViolationKind::MutualExclusion);
/// assert_eq!(found.step, 2);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Invariants {
    model: Model,
    probe: Option<Probe>,
    search: deadlock::Search,
}

/// A violation found inside the checker.
type Found = Option<Box<Violation>>;

/// The executor's probes at quiescence: each blocked task is polled once without a wake-up.
#[derive(Clone, Debug)]
struct Probe {
    current: Option<TaskId>,
}

impl Invariants {
    /// A checker that has seen nothing yet.
    ///
    /// ```
    /// let checker = weft_traces::check::Invariants::new();
    /// # let _ = checker;
    /// ```
    pub fn new() -> Invariants {
        Invariants::default()
    }

    /// Forgets everything it has seen, as [`Invariants::new`] would, keeping the room its model
    /// made (a simulator that runs many schedules reuses one checker instead of building one
    /// per run).
    ///
    /// ```
    /// use weft_traces::check::Invariants;
    /// use weft_traces::{Checker, Event, Record, TaskId, Time};
    /// let mut checker = Invariants::new();
    /// let spawn = Record::new(0, Time::ZERO, Some(TaskId(0)), Event::Spawn { name: "main".into(), parent: None });
    /// assert!(checker.observe(&spawn).is_none());
    /// checker.reset();
    /// assert!(checker.deadlock().is_none()); // main is forgotten: nothing is blocked
    /// ```
    pub fn reset(&mut self) {
        self.model.reset();
        self.probe = None;
    }

    /// The verdict at the end of a stored trace, after every record was observed: a trace that
    /// stops with tasks still ready ran out of steps (livelock); one that stops with tasks
    /// blocked and no probes recorded (checks were off) is a deadlock.
    pub(crate) fn finish(&mut self) -> Option<Violation> {
        let m = &self.model;
        let last = Record::new(m.last_step, m.last_time, None, Event::Suspend);
        if m.ready_count > 0 {
            let ready: Vec<String> = m.ready().iter().map(|t| format!("'{}'", m.tasks[t.index()].name)).collect();
            return Some(Violation::livelock(m.last_step, m.last_time, &ready));
        }
        if m.unfinished().is_empty() {
            return None;
        }
        Some(deadlock::report(m, &last))
    }

    /// The deadlock report at quiescence, once the executor's probes found no lost wake-up:
    /// the wait-for cycle in words and every blocked task with what it waits on (a resource, and
    /// who holds it; or another task's end), a screenful of them, all read from the events, so a
    /// stored trace gives the same report. `None` if no task is blocked.
    ///
    /// ```
    /// let checker = weft_traces::check::Invariants::new();
    /// assert!(checker.deadlock().is_none());
    /// ```
    pub fn deadlock(&self) -> Option<Violation> {
        let m = &self.model;
        if m.unfinished().is_empty() {
            return None;
        }
        let last = Record::new(m.last_step, m.last_time, None, Event::Suspend);
        Some(deadlock::report(m, &last))
    }

    /// Rules that read the model as it was before `record`. (Violations travel boxed inside
    /// the checker: a pointer-sized `None` on the hot path.)
    fn before(&mut self, record: &Record) -> Found {
        if self.probe.is_some() || matches!(record.event, Event::Poll) {
            if let Some(v) = self.probing(record) {
                return Some(Box::new(v));
            }
        }
        let Event::Resource { id, op } = &record.event else {
            return None;
        };
        self.before_op(record, *id, op)
    }

    /// The rules that read the model before a resource op.
    #[inline(always)]
    fn before_op(&self, record: &Record, id: ResourceId, op: &Op) -> Found {
        let id = &id;
        match (op, record.task) {
            (Op::Grant, task) => exclusion::on_grant(&self.model, record, *id, task)
                .or_else(|| fifo::on_grant(&self.model, record, *id, task?))
                .map(Box::new),
            (Op::Wait | Op::Release | Op::Arrive { .. } | Op::Put { .. } | Op::Get { .. }, _) => {
                accounting::before_op(&self.model, record, *id, op).map(Box::new)
            }
            _ => None,
        }
    }

    /// Quiescence and probes: a poll of a task that was not woken, while no task is ready, is
    /// the executor's probe.
    fn probing(&mut self, record: &Record) -> Option<Violation> {
        let task = record.task;
        if let (Event::Poll, Some(t)) = (&record.event, task) {
            if self.model.ready_count == 0 {
                let first = self.probe.is_none();
                let probe = self.probe.get_or_insert(Probe { current: None });
                probe.current = Some(t);
                if first {
                    return wakeup::at_quiescence(&self.model, record);
                }
                return None;
            }
        }
        let probe = self.probe.as_mut()?;
        let probed = probe.current?;
        if task == Some(probed) {
            match record.event {
                Event::Suspend => {
                    probe.current = None;
                    return None;
                }
                // Still awaiting the same task's end: a wait declared again, not progress.
                Event::Join { .. } => return None,
                _ => {}
            }
        }
        Some(wakeup::probe_progressed(&self.model, record, probed))
    }

    /// Rules that read the model after `record`.
    fn after(&mut self, record: &Record) -> Found {
        match (&record.event, record.task) {
            (Event::Exit { exit: Exit::Panicked { message, location } }, Some(t)) => {
                let name = self.model.tasks[t.index()].name.to_string();
                let v = Violation::panic(record.step, record.time, t, &name, message, location.as_deref());
                Some(Box::new(v))
            }
            (Event::Suspend | Event::Exit { .. }, Some(t)) => self.step_ended(record, t),
            _ => None,
        }
    }

    /// The rules at the end of `task`'s step (its `Suspend` or `Exit`, already applied); then
    /// the next step begins.
    fn step_ended(&mut self, record: &Record, t: TaskId) -> Found {
        let found = wakeup::at_step_end(&self.model, record, t)
            .or_else(|| {
                let waits = self.model.has_wait_rules;
                waits.then(|| accounting::at_step_end(&self.model, record, t)).flatten()
            })
            .or_else(|| self.deadlock_at_step_end(record, t))
            .map(Box::new);
        self.model.clear_step();
        found
    }

    /// A resource op outside the probes: [`Invariants::observe_all`] for it, without the
    /// dispatch on every other kind of event (no rule reads the model after an op). An
    /// acquire's and a release's ops, and a wake-up, each have rules of their own, out of line;
    /// the dispatch is inline where the op is recorded, where the op is often known already
    /// (weft records each of these through a hook of its own), and then costs nothing.
    #[inline(always)]
    fn on_op(&mut self, record: &Record, id: ResourceId, op: &Op) -> Option<Violation> {
        if !self.model.is_registered(id) {
            return self.on_any_op(record, id, op);
        }
        match (op, record.task) {
            (Op::Request, Some(t)) => self.on_request(record, id, t),
            (Op::Grant, Some(t)) => self.on_grant(record, id, t),
            (Op::Release, task) => self.on_release(record, id, task),
            (Op::Wake { waiter }, _) => self.on_wake_op(record, id, *waiter),
            _ => self.on_any_op(record, id, op),
        }
    }

    /// A `Request` by `t` on a registered resource: what the general case does for it.
    #[inline(never)]
    fn on_request(&mut self, record: &Record, id: ResourceId, t: TaskId) -> Option<Violation> {
        self.model.stamp(record);
        self.model.request(id, t, record.step);
        None
    }

    /// A `Grant` to `t` on a registered resource: what the general case does for it.
    #[inline(never)]
    fn on_grant(&mut self, record: &Record, id: ResourceId, t: TaskId) -> Option<Violation> {
        let found = exclusion::on_grant(&self.model, record, id, Some(t))
            .or_else(|| fifo::on_grant(&self.model, record, id, t));
        self.model.stamp(record);
        self.model.grant(id, t);
        found
    }

    /// A `Release` on a registered resource (by `task`, if a task released): what the general
    /// case does for it.
    #[inline(never)]
    fn on_release(&mut self, record: &Record, id: ResourceId, task: Option<TaskId>) -> Option<Violation> {
        let found = accounting::on_release(&self.model, record, id);
        self.model.stamp(record);
        self.model.release(id, task);
        found
    }

    /// A `Wake` of `waiter` on a registered resource: what the general case does for it.
    #[inline(never)]
    fn on_wake_op(&mut self, record: &Record, id: ResourceId, waiter: TaskId) -> Option<Violation> {
        self.model.stamp(record);
        self.model.wake(id, waiter);
        None
    }

    /// Any other op, or one on a resource not registered: the rules that read the model
    /// before it, then the model's update.
    #[inline(never)]
    fn on_any_op(&mut self, record: &Record, id: ResourceId, op: &Op) -> Option<Violation> {
        let found = self.before_op(record, id, op);
        self.model.stamp(record);
        self.model.op(id, op, record.task, record.step);
        found.map(|v| *v)
    }

    /// A `Spawn` outside the probes: [`Invariants::observe_all`] for it (no rule reads it),
    /// out of line (a task's name is copied into the model).
    #[inline(never)]
    fn on_spawn(&mut self, record: &Record, task: TaskId, name: &str) -> Option<Violation> {
        self.model.stamp(record);
        self.model.spawned(task, name);
        None
    }

    /// A `Suspend` outside the probes: [`Invariants::observe_all`] for it (no rule reads the
    /// model before a suspension).
    #[inline(never)]
    fn on_suspend(&mut self, record: &Record, task: TaskId) -> Option<Violation> {
        self.model.stamp(record);
        self.model.end_step(task);
        self.step_ended(record, task).map(|v| *v)
    }
}

impl Invariants {
    /// An `Exit` that is no panic, outside the probes: [`Invariants::observe_all`] for it (no
    /// rule reads the model before it).
    #[inline(never)]
    fn on_exit(&mut self, record: &Record, task: TaskId) -> Option<Violation> {
        self.model.stamp(record);
        self.model.exit(task);
        self.step_ended(record, task).map(|v| *v)
    }

    /// The deadlock rule, where the wait-for graph may have closed: the task whose step ended
    /// blocked, and blocked tasks whose last timer the clock passed (not during the probes).
    fn deadlock_at_step_end(&mut self, record: &Record, task: TaskId) -> Option<Violation> {
        if self.probe.is_some() {
            return None;
        }
        // A task that waits on nothing cannot be in a knot (the rule's own first look, made
        // here without a call: most steps end so).
        let found = match self.model.is_blocked(task) {
            true => deadlock::at_step_end(&self.model, &mut self.search, record, task),
            false => None,
        };
        if self.model.timer_expired.is_empty() {
            return found;
        }
        // Looked at once, then forgotten (the list keeps its room).
        let mut expired = std::mem::take(&mut self.model.timer_expired);
        let found = found
            .or_else(|| expired.iter().find_map(|&t| deadlock::at_step_end(&self.model, &mut self.search, record, t)));
        expired.clear();
        self.model.timer_expired = expired;
        found
    }
}

impl Invariants {
    /// Every rule on `record`: those that read the model before it, the model's update, those
    /// that read it after.
    #[inline(never)]
    fn observe_all(&mut self, record: &Record) -> Option<Violation> {
        let found = self.before(record);
        self.model.apply(record);
        let after = self.after(record);
        found.or(after).map(|v| *v)
    }
}

impl Checker for Invariants {
    /// The events no rule reads before or after them outside the probes at quiescence (a
    /// `Spawn`, a `Wake`, a `Join`; a `Poll` while tasks are ready) only update the model, in a
    /// few instructions; a resource op, a `Suspend` and an `Exit` that is no panic go through
    /// their own rules only; every other event, and every event during the probes, through all
    /// the rules (`observe_all`, the one definition the shortcuts follow).
    #[inline(always)]
    fn observe(&mut self, record: &Record) -> Option<Violation> {
        if self.probe.is_none() {
            match (&record.event, record.task) {
                (Event::Poll, Some(t)) if self.model.ready_count != 0 => {
                    self.model.stamp(record);
                    self.model.polled(t);
                    return None;
                }
                (Event::Wake { .. }, Some(t)) => {
                    self.model.stamp(record);
                    self.model.make_ready(t);
                    return None;
                }
                (Event::Spawn { name, .. }, Some(t)) => return self.on_spawn(record, t, name),
                (Event::Join { target }, Some(t)) => {
                    self.model.stamp(record);
                    self.model.task_mut(t).joining = Some(*target);
                    return None;
                }
                (Event::Resource { id, op }, _) => return self.on_op(record, *id, op),
                (Event::Suspend, Some(t)) => return self.on_suspend(record, t),
                (Event::Exit { exit: Exit::Returned | Exit::Cancelled }, Some(t)) => return self.on_exit(record, t),
                _ => {}
            }
        }
        self.observe_all(record)
    }

    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::resources::SCAN_AT_MOST;
    use crate::event::{Fault, ResourceKind};
    use crate::ids::{ResourceId, Time};

    /// A small seeded generator (the tests must not depend on anything but the seed).
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % n
        }
    }

    /// A stream of records over a few tasks and resources: mostly the shapes of real runs
    /// (polls, ops, suspensions), with every other kind of event mixed in, in any order.
    fn stream(seed: u64, len: usize) -> Vec<Record> {
        stream_over(seed, len, 3)
    }

    /// [`stream`] over `resources` resources.
    fn stream_over(seed: u64, len: usize, resources: u64) -> Vec<Record> {
        let mut g = Lcg(seed);
        let (mut step, mut time) = (0, 0);
        let kinds = [
            ResourceKind::Lock,
            ResourceKind::Semaphore,
            ResourceKind::BoundedSemaphore,
            ResourceKind::Condition,
            ResourceKind::Event,
            ResourceKind::Barrier,
            ResourceKind::Queue,
        ];
        let mut records = Vec::new();
        for _ in 0..len {
            let task = (g.below(8) != 0).then(|| TaskId(g.below(4) as u32));
            let id = ResourceId(g.below(resources) as u32);
            let t = TaskId(g.below(4) as u32);
            let op = match g.below(16) {
                0..=2 => Op::Request,
                3..=4 => Op::Grant,
                5..=6 => Op::Release,
                7 => Op::Abandon,
                8 => Op::Wake { waiter: t },
                9 => Op::Wait,
                10 => Op::Resume,
                11 => Op::Set,
                12 => Op::Arrive { index: g.below(3) },
                13 => Op::Put { size: g.below(3) },
                14 => Op::Get { size: g.below(3) },
                _ => Op::Notify { requested: 1, woken: g.below(2) },
            };
            let event = match g.below(24) {
                0 => Event::Spawn { name: format!("t{}", g.below(4)), parent: None },
                1..=3 => {
                    step += 1;
                    Event::Poll
                }
                4..=6 => Event::Suspend,
                7 => Event::Exit { exit: [Exit::Returned, Exit::Cancelled][g.below(2) as usize].clone() },
                8..=9 => Event::Wake { by: task },
                10 => Event::Join { target: t },
                11 => Event::Sleep { until: Time(time + g.below(3)) },
                12 => Event::TimerFired,
                13 => Event::Cancel { by: task },
                14 => {
                    let kind = kinds[g.below(kinds.len() as u64) as usize];
                    let capacity = (g.below(3) != 0).then(|| 1 + g.below(2));
                    Event::NewResource { id, kind, name: "r".into(), capacity, initial: None, fifo: g.below(2) == 0 }
                }
                15 => {
                    time += g.below(2);
                    Event::Fault { fault: Fault::ForceYield }
                }
                _ => Event::Resource { id, op },
            };
            records.push(Record::new(step, Time(time), task, event));
        }
        records
    }

    /// Each resource's waiter counts, kept as tasks step, wake, are cancelled and exit, are its
    /// list counted by the definition (requests whose task ended a step since and has not
    /// exited; of those, the ones whose task is ready or being cancelled), each task's count of
    /// its waiting requests is its list counted, and the tasks' lists mirror the resources',
    /// after every record.
    #[test]
    fn the_waiter_counts_are_the_waiters_counted() {
        let (mut counted, mut in_flight) = (0, 0);
        for seed in 0..400 {
            let mut checker = Invariants::new();
            for (i, record) in stream(seed, 120).iter().enumerate() {
                let _ = checker.observe(record);
                let m = &checker.model;
                for r in &m.resources {
                    let waiters: Vec<_> = r.requests.iter().filter(|p| m.suspended(p) && !m.exited(p.task)).collect();
                    let woken = waiters.iter().filter(|p| m.in_flight(p.task)).count();
                    let expected = (waiters.len() as u32, woken as u32);
                    assert_eq!(
                        (r.waiters, r.waiters_in_flight),
                        expected,
                        "seed {seed}, record {i}: {record:?}, {}",
                        r.id
                    );
                    counted += waiters.len();
                    in_flight += woken;
                    // The tasks' lists are the resources' (what the counts are kept by).
                    for t in (0..4).map(TaskId) {
                        assert_eq!(r.pending_of(t).is_some(), m.waits_on(t, r.id), "seed {seed}, record {i}, {t}");
                    }
                }
                for (t, task) in m.tasks.iter().enumerate() {
                    let t = TaskId(t as u32);
                    let listed = m.waits_of(t).pending.iter().filter(|w| m.counts(t, w)).count();
                    assert_eq!(task.waiting as usize, listed, "seed {seed}, record {i}, {t}");
                }
            }
        }
        assert!(counted > 10_000 && in_flight > 1_000, "the streams make waiters: {counted}, {in_flight} woken");
    }

    /// The rules at a step's end find the same down the lists of the resources the step touched
    /// and those the task waits on as by a look over every resource in id order (the lowest id
    /// of those broken), after every record of streams over 3 resources (no list kept) and over
    /// 12 (listed once the ninth appears, mid-step or not); the lists hold exactly the resources
    /// the look over every one looks at.
    #[test]
    fn the_step_end_rules_find_the_same_down_the_lists_as_over_every_resource() {
        let (mut looked, mut short, mut broken, mut listed) = (0, 0, 0, 0);
        for seed in 0..800 {
            let mut checker = Invariants::new();
            let resources = if seed % 2 == 0 { 3 } else { 12 };
            for (i, record) in stream_over(seed, 160, resources).iter().enumerate() {
                let m = &checker.model;
                for t in (0..4).map(TaskId) {
                    let scanned: Vec<ResourceId> =
                        m.resources.iter().filter(|r| m.touched(r) || m.waits_on(t, r.id)).map(|r| r.id).collect();
                    looked += scanned.len();
                    // Without a list (at most SCAN_AT_MOST resources) the rules look over every one.
                    assert_eq!(
                        m.step_end_scans_every_resource(),
                        m.resources.len() <= SCAN_AT_MOST,
                        "seed {seed}, record {i}"
                    );
                    if m.step_end_scans_every_resource() {
                        continue;
                    }
                    listed += 1;
                    let mut ids: Vec<ResourceId> = m.step_end_resources(t).map(|r| r.id).collect();
                    ids.sort();
                    ids.dedup();
                    assert_eq!(ids, scanned, "seed {seed}, record {i}, {t}");
                    let found = wakeup::short_listed(m, t).map(|r| r.id);
                    assert_eq!(found, wakeup::short_scanned(m, t).map(|r| r.id), "seed {seed}, record {i}, {t}");
                    short += usize::from(found.is_some());
                    let accounting = accounting::at_step_end_listed(m, record, t);
                    assert_eq!(accounting, accounting::at_step_end_scanned(m, record, t), "seed {seed}, record {i}");
                    broken += usize::from(accounting.is_some());
                }
                let _ = checker.observe(record);
            }
        }
        assert!(
            looked > 100_000 && listed > 100_000 && short > 1_000 && broken > 100,
            "the streams touch and break resources: {looked} looked at, {listed} by the lists, {short} short, {broken} broken"
        );
    }

    /// A FIFO grant the quick looks say passes nobody passes nobody down the queue (the rule's
    /// definition), before every contended `Grant` of the streams; the quick looks see both of
    /// their cases, and the walk finds grants that pass someone among the others.
    #[test]
    fn the_fifo_quick_looks_pass_only_grants_the_walk_passes() {
        let (mut quick, mut newcomers, mut walked, mut passing) = (0, 0, 0, 0);
        for seed in 0..6_000 {
            let mut checker = Invariants::new();
            for (i, record) in stream(seed, 160).iter().enumerate() {
                let m = &checker.model;
                if let (Event::Resource { id, op: Op::Grant }, Some(t)) = (&record.event, record.task) {
                    if let Some(r) = m.resource(*id).filter(|r| r.fifo && r.requests.len() > 1) {
                        let found = fifo::walked(m, record, r, t);
                        match fifo::passes_nobody(m, r, t) {
                            true => {
                                assert_eq!(found, None, "seed {seed}, record {i}: {record:?}");
                                quick += 1;
                                newcomers += usize::from(r.requests.front().is_none_or(|p| p.task != t));
                            }
                            false => {
                                walked += 1;
                                passing += usize::from(found.is_some());
                            }
                        }
                    }
                }
                let _ = checker.observe(record);
            }
        }
        assert!(
            quick - newcomers > 150 && newcomers > 60 && walked > 700 && passing > 40,
            "{quick} quick ({newcomers} newcomers), {walked} walked, {passing} passing"
        );
    }

    /// The deadlock rule's quick look at a blocked task says it can be woken only where the
    /// search from it finds no knot (the search is the definition; the look only spares it),
    /// before every record of the streams; the streams make knots, and looks that spare them.
    #[test]
    fn the_deadlock_quick_look_spares_only_searches_that_find_no_knot() {
        let (mut spared, mut searched, mut knots) = (0, 0, 0);
        let mut search = deadlock::Search::default();
        for seed in 0..2_000 {
            let mut checker = Invariants::new();
            for (i, record) in stream(seed, 160).iter().enumerate() {
                let m = &checker.model;
                for t in (0..4).map(TaskId).filter(|t| m.is_blocked(*t)) {
                    let knot = search.finds_knot(m, t);
                    match deadlock::waits_on_one_that_runs(m, t) {
                        true => {
                            assert!(!knot, "seed {seed}, record {i}, {t}: spared a search that finds a knot");
                            spared += 1;
                        }
                        false => searched += 1,
                    }
                    knots += usize::from(knot);
                }
                let _ = checker.observe(record);
            }
        }
        assert!(
            spared > 200_000 && searched > 2_000 && knots > 1_000,
            "{spared} spared, {searched} searched, {knots} knots"
        );
    }

    /// The shortcuts of `observe` (the events it handles without the full dispatch) leave the
    /// checker exactly as `observe_all`, the definition, does, and find the same violations;
    /// the model's shortcuts for some ops leave it as its definition of every op does.
    #[test]
    fn the_shortcuts_judge_and_model_as_the_full_rules() {
        let mut fast_paths = 0;
        for seed in 0..400 {
            let (mut fast, mut full) = (Invariants::new(), Invariants::new());
            for (i, record) in stream(seed, 120).iter().enumerate() {
                fast_paths += usize::from(fast.probe.is_none());
                // The model's own shortcuts (an acquire's and a release's ops) against its
                // definition of every op.
                // (A resource's first op may register it: the general case, with no shortcut.)
                match &record.event {
                    Event::Resource { id, op } if full.model.resources.len() > id.index() => {
                        let (mut shortcut, mut definition) = (full.model.clone(), full.model.clone());
                        shortcut.stamp(record);
                        definition.stamp(record);
                        shortcut.op(*id, op, record.task, record.step);
                        definition.any_op(*id, op, record.task, record.step);
                        assert_eq!(
                            format!("{shortcut:?}"),
                            format!("{definition:?}"),
                            "seed {seed}, record {i}: {record:?}"
                        );
                    }
                    _ => {}
                }
                let (a, b) = (fast.observe(record), full.observe_all(record));
                assert_eq!(a, b, "seed {seed}, record {i}: {record:?}");
                assert_eq!(format!("{fast:?}"), format!("{full:?}"), "seed {seed}, record {i}: {record:?}");
            }
        }
        assert!(fast_paths > 10_000, "the streams reach the shortcuts: {fast_paths}");
    }
}
