//! Partial order sampling (Yuan, Yang, Gu: "Partial Order Aware Concurrency Sampling", CAV 2018).

use super::random::pick_stream;
use super::{Divergence, Draws, PickContext, Scheduler};
use crate::strategy::chacha::ChaCha8;
use rand::Rng;
use weft_traces::{ResourceId, TaskId};

/// Past this many picks with a choice, picks are fair (the ready queue's head).
const FAIR_FROM_PICK: u64 = 10_000;

/// POS: every ready task's next step has a random priority and the highest runs; after a step,
/// the steps that race with it get fresh priorities, so the order of two racing steps is a fair
/// coin however long either task has waited, while steps that race with nothing keep their
/// order.
///
/// What weft's POS does, at each pick with a choice (more than one task ready):
///
/// 1. For every step run since the previous such pick ([`PickContext::steps`]), oldest first:
///    - if it is the step that pick chose, each task that was ready beside it then (its
///      *rivals*: the steps it was chosen over) and whose next step races with it gets a fresh
///      priority;
///    - its own task's next step is a new step, with a fresh priority;
///    - its task's next step is predicted to touch what this step touched.
/// 2. Every ready task without a priority gets a fresh one (uniform `u64`), and the ready task of
///    highest priority runs (ties: the lower task id).
///
/// Two steps *race* when one touches a resource the other touches (records any operation on it:
/// request, grant, release, wake, ...), or when the step just run yielded (woke itself:
/// `yield_now`, `sleep(0)`, a forced yield).
///
/// Where it differs from the paper:
///
/// - **Events are steps, and their footprints are predicted.** The paper's events are the
///   threads' next shared-memory operations, known before they run, so it knows exactly which
///   pending events race with the one executed. A weft step's operations are known only once it
///   has run, so a ready task's next step is predicted to touch what its previous step touched:
///   exact for the usual case, a waiter woken on a resource whose next step takes it, wrong
///   when a task moves on to another resource; a task that has not run yet is predicted to
///   touch nothing.
/// - **Every operation counts as a write**: two steps on one resource always race (the paper
///   lets two reads of a location commute). The resource operations all change the resource's
///   state (a waiter list, a holder, a value).
/// - **Only resources are seen.** Shared memory that is not a resource (a `Cell`, a
///   `RefCell`) is invisible, so steps that meet only there do not race. A yield is the one
///   exception: yielding is how a task waits for something weft cannot see (a flag set by
///   another task), so a step that yields races with every rival, and a spin loop cannot starve
///   the task it waits for.
/// - **Steps with no choice** (one task ready) are not decisions, but they still count as
///   events run: their task draws a fresh priority and its prediction is updated.
/// - **Fairness.** Past 10,000 picks with a choice, the run picks the ready queue's head
///   (asyncio's round-robin order), as [`Pct`](super::Pct) does past its horizon, so a task
///   whose priority is very low cannot be starved for the rest of a long run.
///
/// The paper's probabilistic guarantee assumes exact races, so weft claims no bound for POS;
/// `docs/bug-zoo.md` measures it.
///
/// Program draws come from the seed's stream 0, as under every other strategy.
///
/// ```
/// use weft_sim::{explore, spawn, yield_now, Strategy};
/// use std::cell::Cell;
/// use std::rc::Rc;
/// // A lost update between two tasks that read, yield and write back.
/// let report = explore(|| async {
///     let x = Rc::new(Cell::new(0));
///     let tasks: Vec<_> = (0..2)
///         .map(|i| {
///             let x = x.clone();
///             spawn(format!("inc{i}"), async move {
///                 let v = x.get();
///                 yield_now().await;
///                 x.set(v + 1);
///             })
///         })
///         .collect();
///     for t in tasks {
///         t.await.unwrap();
///     }
///     assert_eq!(x.get(), 2, "an increment was lost");
/// })
/// .strategy(Strategy::Pos)
/// .schedules(100)
/// .environment(false)
/// .run();
/// assert!(report.failure.is_some(), "POS finds the lost update");
/// ```
#[derive(Clone, Debug)]
pub struct Pos {
    rng: ChaCha8,
    draws: Draws,
    /// Priority of each task's next step, by task index; `None`: a fresh one when next needed.
    priorities: Vec<Option<u64>>,
    /// What each task's next step is predicted to touch (what its latest step touched).
    predicted: Vec<Vec<ResourceId>>,
    /// The task chosen at the previous pick, and the tasks it was chosen over.
    chosen: Option<TaskId>,
    rivals: Vec<TaskId>,
    picks: u64,
}

impl Pos {
    /// POS seeded by `seed`.
    pub fn new(seed: u64) -> Pos {
        Pos {
            rng: pick_stream(seed),
            draws: Draws::new(seed),
            priorities: Vec::new(),
            predicted: Vec::new(),
            chosen: None,
            rivals: Vec::new(),
            picks: 0,
        }
    }

    fn slot(&mut self, task: TaskId) -> usize {
        let i = task.index();
        if self.priorities.len() <= i {
            self.priorities.resize(i + 1, None);
        }
        // (Longer after a reseed, its lists emptied: each a new task's prediction of nothing.)
        if self.predicted.len() <= i {
            self.predicted.resize_with(i + 1, Vec::new);
        }
        i
    }

    /// `task`'s next step gets a fresh priority when next needed.
    fn reset(&mut self, task: TaskId) {
        let i = self.slot(task);
        self.priorities[i] = None;
    }

    fn priority(&mut self, task: TaskId) -> u64 {
        let i = self.slot(task);
        // A choice: the fresh priority of this task's next step.
        *self.priorities[i].get_or_insert_with(|| self.rng.gen())
    }

    /// Takes in the steps run since the previous pick (step 1 of the algorithm).
    fn observe(&mut self, cx: &PickContext<'_>) {
        for (n, step) in cx.steps.iter().enumerate() {
            if n == 0 && self.chosen == Some(step.task) {
                let rivals = std::mem::take(&mut self.rivals);
                for &rival in &rivals {
                    let i = self.slot(rival);
                    if step.woke_itself || step.touches(&self.predicted[i]) {
                        self.reset(rival);
                    }
                }
                self.rivals = rivals;
            }
            self.reset(step.task);
            let i = self.slot(step.task);
            self.predicted[i].clone_from(&step.touched);
        }
    }

    /// The index in `ready` of the highest-priority task (ties: the lowest task id).
    fn highest(&mut self, ready: &[TaskId]) -> usize {
        let mut best = 0;
        let mut best_key = (0, std::cmp::Reverse(u32::MAX));
        for (i, &task) in ready.iter().enumerate() {
            let key = (self.priority(task), std::cmp::Reverse(task.0));
            if i == 0 || key > best_key {
                best = i;
                best_key = key;
            }
        }
        best
    }
}

impl Scheduler for Pos {
    fn pick(&mut self, cx: &PickContext<'_>) -> Result<usize, Divergence> {
        self.observe(cx);
        let best = match self.picks >= FAIR_FROM_PICK {
            true => 0,
            false => self.highest(cx.ready),
        };
        self.picks += 1;
        self.chosen = Some(cx.ready[best]);
        self.rivals.clear();
        self.rivals.extend(cx.ready.iter().copied().filter(|&t| Some(t) != self.chosen));
        Ok(best)
    }

    fn draw(&mut self, bound: u64) -> Result<u64, Divergence> {
        Ok(self.draws.below(bound))
    }

    fn reseed(&mut self, seed: u64) -> bool {
        // Every field named, so that a new one cannot be forgotten here.
        let Pos { rng, draws, priorities, predicted, chosen, rivals, picks } = self;
        *rng = pick_stream(seed);
        draws.reseed(seed);
        priorities.clear();
        predicted.iter_mut().for_each(Vec::clear);
        rivals.clear();
        (*chosen, *picks) = (None, 0);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::Footprint;

    const LOCK: ResourceId = ResourceId(0);
    const OTHER: ResourceId = ResourceId(1);

    fn step(task: u32, step: u64, touched: &[ResourceId]) -> Footprint {
        Footprint { touched: touched.to_vec(), ..Footprint::new(TaskId(task), step) }
    }

    /// A POS with tasks 1, 2, 3 ready and priorities drawn, whose first pick chose `chosen`; the
    /// steps before it: each task touched `first[task - 1]`.
    fn started(seed: u64, first: [&[ResourceId]; 3]) -> (Pos, TaskId) {
        let mut pos = Pos::new(seed);
        let ready = [TaskId(1), TaskId(2), TaskId(3)];
        let steps: Vec<Footprint> = (1..=3).map(|t| step(t, u64::from(t), first[t as usize - 1])).collect();
        let chosen =
            ready[pos.pick(&PickContext { ready: &ready, last: Some(TaskId(3)), step: 4, steps: &steps }).unwrap()];
        (pos, chosen)
    }

    fn priority_of(pos: &Pos, task: TaskId) -> Option<u64> {
        pos.priorities[task.index()]
    }

    #[test]
    fn a_step_resets_the_rivals_that_race_with_it_and_no_others() {
        for seed in 0..50 {
            // Tasks 1 and 2 last touched the lock, task 3 another resource.
            let (mut pos, chosen) = started(seed, [&[LOCK], &[LOCK], &[OTHER]]);
            let before: Vec<Option<u64>> = (1..=3).map(|t| priority_of(&pos, TaskId(t))).collect();
            // The chosen task's step touches the lock.
            let steps = [step(chosen.0, 4, &[LOCK])];
            let ready = [TaskId(1), TaskId(2), TaskId(3)];
            pos.observe(&PickContext { ready: &ready, last: Some(chosen), step: 5, steps: &steps });
            for t in 1..=3u32 {
                let now = priority_of(&pos, TaskId(t));
                let races = TaskId(t) == chosen || t != 3;
                match races {
                    true => assert_eq!(now, None, "seed {seed}: task {t} races, its priority is reset"),
                    false => assert_eq!(now, before[t as usize - 1], "seed {seed}: task {t} keeps its priority"),
                }
            }
            assert_eq!(pos.predicted[chosen.index()], [LOCK]);
        }
    }

    #[test]
    fn a_yield_races_with_every_rival() {
        let (mut pos, chosen) = started(3, [&[LOCK], &[], &[OTHER]]);
        let steps = [Footprint { woke_itself: true, ..step(chosen.0, 4, &[]) }];
        let ready = [TaskId(1), TaskId(2), TaskId(3)];
        pos.observe(&PickContext { ready: &ready, last: Some(chosen), step: 5, steps: &steps });
        assert!((1..=3).all(|t| priority_of(&pos, TaskId(t)).is_none()));
    }

    #[test]
    fn a_step_that_touched_nothing_races_with_nothing() {
        let (mut pos, chosen) = started(4, [&[LOCK], &[LOCK], &[LOCK]]);
        let kept: Vec<(u32, Option<u64>)> =
            (1..=3).filter(|&t| TaskId(t) != chosen).map(|t| (t, priority_of(&pos, TaskId(t)))).collect();
        let steps = [step(chosen.0, 4, &[])];
        let ready = [TaskId(1), TaskId(2), TaskId(3)];
        pos.observe(&PickContext { ready: &ready, last: Some(chosen), step: 5, steps: &steps });
        for (t, p) in kept {
            assert!(p.is_some());
            assert_eq!(priority_of(&pos, TaskId(t)), p, "task {t}");
        }
    }

    /// The picks of a run where tasks 1 and 2 are always ready and each step touches the lock.
    fn racing_run(seed: u64, picks: u64) -> Vec<usize> {
        picks_of(&mut Pos::new(seed), &[TaskId(1), TaskId(2)], 2, picks, |_| &[LOCK])
    }

    /// The picks of `pos` over a run where `ready` are always ready, the first `ran` of them
    /// having run a step before the first pick, and a step of task `t` touches `touches(t)`.
    fn picks_of(
        pos: &mut Pos,
        ready: &[TaskId],
        ran: usize,
        picks: u64,
        touches: fn(u32) -> &'static [ResourceId],
    ) -> Vec<usize> {
        let mut steps: Vec<Footprint> =
            ready[..ran].iter().enumerate().map(|(n, t)| step(t.0, n as u64 + 1, touches(t.0))).collect();
        let mut last = ready.last().copied();
        let mut order = Vec::new();
        for n in ready.len() as u64 + 1..ready.len() as u64 + 1 + picks {
            let i = pos.pick(&PickContext { ready, last, step: n, steps: &steps }).unwrap();
            steps = vec![step(ready[i].0, n, touches(ready[i].0))];
            order.push(i);
            last = Some(ready[i]);
        }
        order
    }

    /// A reseeded POS picks as a new one made for the seed, whatever it saw before (more tasks,
    /// other predictions).
    #[test]
    fn a_reseeded_pos_picks_as_a_new_one() {
        let ready = [TaskId(1), TaskId(2), TaskId(3)];
        let touches: fn(u32) -> &'static [ResourceId] = |t| if t == 2 { &[OTHER] } else { &[LOCK] };
        let mut reused = Pos::new(1);
        let many: Vec<TaskId> = (1..=6).map(TaskId).collect();
        picks_of(&mut reused, &many, 6, 40, |t| if t % 2 == 0 { &[LOCK] } else { &[OTHER, LOCK] });
        for seed in 0..50 {
            // Tasks that have not run yet are predicted to touch nothing, as in a new run.
            let fresh = picks_of(&mut Pos::new(seed), &ready, 1, 30, touches);
            assert!(reused.reseed(seed));
            assert_eq!(picks_of(&mut reused, &ready, 1, 30, touches), fresh, "seed {seed}");
        }
    }

    #[test]
    fn racing_steps_are_ordered_by_a_fair_coin_reproducibly() {
        // Every step races with the other task's, so both priorities are fresh at every pick.
        let runs: Vec<Vec<usize>> = (0..200).map(|seed| racing_run(seed, 10)).collect();
        assert_eq!(runs, (0..200).map(|seed| racing_run(seed, 10)).collect::<Vec<_>>());
        let switches: usize = runs.iter().map(|r| r.windows(2).filter(|w| w[0] != w[1]).count()).sum();
        // 200 runs × 9 pairs, each a switch with probability 1/2: 900 expected, sd about 21.
        assert!(switches.abs_diff(900) < 130, "{switches} switches");
    }
}
