//! Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010),
//! with shuttle's two refinements: change points only where there is a choice, and a yielding
//! task lowered.

use super::random::{fire_choice, pick_stream};
use super::{Divergence, Draws, Fifo, FireContext, PickContext, Scheduler};
use crate::strategy::chacha::ChaCha8;
use std::cell::Cell;
use std::rc::Rc;
use weft_traces::TaskId;

/// The run length [`Pct`] assumes, in picks with a choice, when nothing better is known (a
/// single run built with [`Strategy::scheduler`](super::Strategy::scheduler)). `weft::explore`
/// measures it instead.
pub const DEFAULT_EXPECTED_PICKS: u64 = 100;

/// Initial priorities are drawn at or above this value; lowered ones are taken below it.
const LOWEST_INITIAL: u64 = 1 << 63;

/// PCT with bug depth `depth`: always run the ready task of highest priority; lower a task's
/// priority at `depth - 1` change points and whenever it yields.
///
/// Only picks with a choice count (more than one task ready; the scheduler is asked nothing
/// else), as in shuttle's `PctScheduler`: a change point never falls where it could change
/// nothing (the paper, section 4.1: a change point in a sequential stretch is not needed).
///
/// - Each task gets a random priority the first time it is seen ready (uniform in the upper
///   half of `u64`, so the relative order of the tasks is a uniform random permutation; ties,
///   which have probability ~2⁻⁶³, go to the lower task id).
/// - A task that yielded in the previous step ([`PickContext::yielded`]: it woke itself, by
///   `yield_now`, `sleep(0)` or a forced yield) is lowered before the pick, as shuttle lowers a
///   task whose `is_yielding` is set: a task that yields asks to let the others run, and a spin
///   loop (yield until another task changes something) ends.
/// - `min(depth - 1, expected_picks - 1)` distinct change points are drawn uniformly among the
///   picks `2..=expected_picks` (the first pick is left to the initial priorities, as in
///   shuttle). At a change point the task about to run is lowered and the pick made again, so
///   the change point changes who runs (the paper's change point) — unless the task that ran
///   last yielded: then the yield has already lowered it and the change point adds nothing,
///   as in shuttle's `PctScheduler`, which lowers the task that ran last at both.
///
///   The consequence, shared with shuttle: while another ready task waits, a task that yields
///   at every step never runs two steps in a row, whatever the depth. A bug that needs such a
///   run (a task yielding three times while another one's read-modify-write is open, say) is
///   not found by PCT; `Random`, `Pos` and `Dfs` find it (`tests/explore_pct.rs`,
///   `exploring_strategies_find_a_bug_asyncio_order_hides`). In exchange PCT keeps the yields'
///   hand-overs: with a change point that undoes them, a two-task lost wake-up whose run has
///   three picks is never found at depth 3, where every pick is a change point
///   (`docs/bug-zoo.md` has both measured).
/// - A lowered task gets a priority below every initial one and below every task lowered
///   before it, so the last one lowered runs last.
/// - `expected_picks` estimates the number of picks with a choice in a run. `weft::explore`
///   takes it from a first run of the program in asyncio's order, measured once before
///   exploring so that every worker uses the same value. It is an estimate: a schedule with
///   many more picks than that run meets all its change points early, one with fewer may miss
///   some.
///
/// **The bound.** The paper proves that a bug of depth `d` is found with probability at least
/// 1/(n·k^(d−1)) for n tasks and k steps. That holds here for a program that never yields, with
/// k the number of picks with a choice, when `expected_picks` is that number. Lowering at a
/// yield is outside the paper's algorithm and its proof: it trades the bound, for programs that
/// yield, for finding the orders that yields are written to allow.
///
/// **Fairness.** Past `10 * expected_picks` picks (at least 1000), the run is taken to be
/// spinning and picks the ready queue's head, asyncio's round-robin order, so it finishes unless
/// it livelocks under every schedule.
///
/// - **Timers due at one instant** fire as under [`Random`](super::Random): all of them
///   (asyncio's order) with probability 1/2, otherwise one of the `n` alone, each with
///   probability 1/(2n), drawn from the same stream as the priorities.
///
/// Program draws come from the seed's stream 0, as under every other strategy.
///
/// ```
/// use weft_sim::strategy::{Footprint, Pct, PickContext, Scheduler};
/// use weft_sim::TaskId;
/// let ready = [TaskId(1), TaskId(2)];
/// let cx = |last, steps| PickContext { ready: &ready, last, step: 2, steps };
/// // Depth 1: no change point, so the same task wins every pick, unless it yields.
/// let mut pct = Pct::new(1, 42, 10);
/// let first = pct.pick(&cx(None, &[])).unwrap();
/// let ran = [Footprint::new(ready[first], 1)];
/// assert_eq!(pct.pick(&cx(Some(ready[first]), &ran)).unwrap(), first);
/// let yielded = [Footprint { woke_itself: true, ..ran[0].clone() }];
/// assert_eq!(pct.pick(&cx(Some(ready[first]), &yielded)).unwrap(), 1 - first);
/// ```
#[derive(Clone, Debug)]
pub struct Pct {
    rng: ChaCha8,
    draws: Draws,
    /// Priority by task index; `None` until the task is first seen ready.
    priorities: Vec<Option<u64>>,
    /// The picks (0-based, counting picks with a choice) that are change points, ascending.
    change_points: Vec<u64>,
    /// How many picks have been made.
    picks: u64,
    /// The priority the next lowered task gets.
    next_low: u64,
    /// The pick from which picks are fair (the ready queue's head).
    fair_from: u64,
    /// The depth and expected picks it was made for (a reseed starts over with them).
    depth: u32,
    expected_picks: u64,
}

impl Pct {
    /// PCT of `depth` (from 1 to [`Strategy::MAX_PCT_DEPTH`](super::Strategy::MAX_PCT_DEPTH);
    /// a depth outside is taken as the nearest of the two) over runs of about `expected_picks`
    /// picks with a choice, seeded by `seed`.
    pub fn new(depth: u32, seed: u64, expected_picks: u64) -> Pct {
        let mut pct = Pct {
            rng: pick_stream(seed),
            draws: Draws::new(seed),
            priorities: Vec::new(),
            change_points: Vec::new(),
            picks: 0,
            next_low: 0,
            fair_from: 0,
            depth,
            expected_picks,
        };
        pct.restart(seed);
        pct
    }

    /// Starts over for `seed`, as [`Pct::new`] of the same depth and expected picks would,
    /// keeping the room of its lists.
    fn restart(&mut self, seed: u64) {
        let picks = self.expected_picks.max(1);
        let mut rng = pick_stream(seed);
        let depth = self.depth.clamp(1, super::Strategy::MAX_PCT_DEPTH);
        let count = u64::from(depth - 1).min(picks - 1);
        let change_points = &mut self.change_points;
        change_points.clear();
        while (change_points.len() as u64) < count {
            // A choice: where the priorities change (distinct picks, the first excluded; at most
            // `MAX_PCT_DEPTH - 1` of them, so this stays quick even when they are most picks).
            let at = rng.between(1, picks - 1);
            if !change_points.contains(&at) {
                change_points.push(at);
            }
        }
        change_points.sort_unstable();
        self.rng = rng;
        self.draws.reseed(seed);
        self.priorities.clear();
        self.picks = 0;
        self.next_low = LOWEST_INITIAL - 1;
        self.fair_from = picks.saturating_mul(10).max(1000);
    }

    /// `task`'s priority, drawn the first time it is asked for. Inline, a look in the table:
    /// the draw, once a task, is out of line.
    #[inline]
    fn priority(&mut self, task: TaskId) -> u64 {
        match self.priorities.get(task.index()) {
            Some(&Some(priority)) => priority,
            _ => self.first_priority(task),
        }
    }

    /// `task` is seen for the first time: its priority is drawn.
    #[inline(never)]
    fn first_priority(&mut self, task: TaskId) -> u64 {
        let i = task.index();
        if self.priorities.len() <= i {
            self.priorities.resize(i + 1, None);
        }
        // A choice: the new task's rank among the others.
        *self.priorities[i].get_or_insert_with(|| self.rng.between(LOWEST_INITIAL, u64::MAX))
    }

    /// Gives `task` a priority below every other's so far.
    fn lower(&mut self, task: TaskId) {
        self.priority(task);
        self.priorities[task.index()] = Some(self.next_low);
        self.next_low = self.next_low.saturating_sub(1);
    }

    /// The index in `ready` of the highest-priority task (ties: the lowest task id).
    fn highest(&mut self, ready: &[TaskId]) -> usize {
        let Some((&first, rest)) = ready.split_first() else { return 0 };
        let (mut best, mut best_priority, mut best_id) = (0, self.priority(first), first.0);
        // In the queue's order: a task seen for the first time draws its priority here.
        for (i, &task) in rest.iter().enumerate() {
            let priority = self.priority(task);
            if priority > best_priority || (priority == best_priority && task.0 < best_id) {
                (best, best_priority, best_id) = (i + 1, priority, task.0);
            }
        }
        best
    }
}

impl Scheduler for Pct {
    fn pick(&mut self, cx: &PickContext<'_>) -> Result<usize, Divergence> {
        let pick = self.picks;
        self.picks += 1;
        if pick >= self.fair_from {
            return Ok(0);
        }
        let change = self.change_points.binary_search(&pick).is_ok();
        match (cx.yielded(), cx.last) {
            // A yield lowers the yielder; a change point at the same pick adds nothing (shuttle).
            (true, Some(last)) => self.lower(last),
            // Otherwise a change point lowers the task about to run (the paper's change point).
            _ if change => {
                let best = self.highest(cx.ready);
                self.lower(cx.ready[best]);
            }
            _ => {}
        }
        Ok(self.highest(cx.ready))
    }

    fn draw(&mut self, bound: u64) -> Result<u64, Divergence> {
        Ok(self.draws.below(bound))
    }

    fn fire(&mut self, cx: &FireContext<'_>) -> Result<usize, Divergence> {
        // A choice: all due timers (asyncio's order) half the time, else one of them alone.
        Ok(fire_choice(&mut self.rng, cx.due.len()))
    }

    fn reseed(&mut self, seed: u64) -> bool {
        self.restart(seed);
        true
    }
}

/// Asyncio's order, counting the picks with a choice: how `weft::explore` measures
/// `expected_picks` for [`Pct`] (the count is read from the handle after the run).
pub(crate) struct PickCount {
    fifo: Fifo,
    picks: Rc<Cell<u64>>,
}

impl PickCount {
    /// The scheduler, and the handle its count is read from.
    pub(crate) fn new(seed: u64) -> (PickCount, Rc<Cell<u64>>) {
        let picks = Rc::new(Cell::new(0));
        (PickCount { fifo: Fifo::new(seed), picks: picks.clone() }, picks)
    }
}

impl Scheduler for PickCount {
    fn reads_steps(&self) -> bool {
        false
    }

    fn pick(&mut self, cx: &PickContext<'_>) -> Result<usize, Divergence> {
        self.picks.set(self.picks.get() + 1);
        self.fifo.pick(cx)
    }

    fn draw(&mut self, bound: u64) -> Result<u64, Divergence> {
        self.fifo.draw(bound)
    }
}

#[cfg(test)]
mod tests {
    /// A reseeded PCT picks as a new one made for the seed (its lists reused, its priorities,
    /// change points and count started over), whatever the runs before it did.
    #[test]
    fn a_reseeded_pct_picks_as_a_new_one() {
        for depth in [1, 3, 10] {
            let mut reused = Pct::new(depth, 1, 12);
            picks(&mut reused, 40, true);
            for seed in 0..50 {
                let fresh = picks(&mut Pct::new(depth, seed, 12), 30, seed % 2 == 0);
                assert!(reused.reseed(seed));
                assert_eq!(picks(&mut reused, 30, seed % 2 == 0), fresh, "depth {depth}, seed {seed}");
            }
        }
    }

    /// The pick is the ready task of highest priority, the lowest id among equals, and a
    /// task's priority is drawn when it is first seen, in the queue's order: checked against
    /// that definition over seeded queues, with ties made on purpose (drawn priorities tie with
    /// probability about 2⁻⁶³ and lowered ones never do, so the ties are set by hand).
    #[test]
    fn the_highest_is_the_definitions_in_ties_and_first_draws() {
        let mut rng = ChaCha8::stream_of(7, 0);
        let mut below = |n: u64| rng.between(0, n - 1);
        let mut ties = 0;
        for round in 0..2_000u64 {
            let mut pct = Pct::new(3, round, 20);
            let mut reference = pct.clone();
            let n = 1 + below(8) as usize;
            let mut ready: Vec<TaskId> = (0..12).map(TaskId).collect();
            for i in 0..ready.len() {
                let j = i + below((ready.len() - i) as u64) as usize;
                ready.swap(i, j);
            }
            ready.truncate(n);
            // Some tasks already have a priority, some of them the same one.
            for &t in &ready {
                if below(2) == 0 {
                    continue;
                }
                let priority = [LOWEST_INITIAL, LOWEST_INITIAL + 1, u64::MAX][below(3) as usize];
                for p in [&mut pct, &mut reference] {
                    p.priority(t);
                    p.priorities[t.index()] = Some(priority);
                }
            }
            let got = pct.highest(&ready);
            let keys: Vec<(u64, std::cmp::Reverse<u32>)> =
                ready.iter().map(|&t| (reference.priority(t), std::cmp::Reverse(t.0))).collect();
            let want = (0..n).max_by_key(|&i| keys[i]).unwrap();
            assert_eq!(got, want, "round {round}, ready {ready:?}");
            ties += usize::from(keys.iter().filter(|k| k.0 == keys[want].0).count() > 1);
            assert_eq!(pct.priorities, reference.priorities, "round {round}: the draws, in the queue's order");
        }
        assert!(ties > 200, "only {ties} rounds where the highest priority was tied");
    }

    #[test]
    fn a_depth_beyond_the_maximum_is_the_maximum() {
        // Asked through the library (the string forms refuse it), u32::MAX would mean billions of
        // change points; it is taken as the documented maximum, over a long run, at once.
        let pct = Pct::new(u32::MAX, 7, 1 << 40);
        assert_eq!(pct.change_points.len() as u32, crate::Strategy::MAX_PCT_DEPTH - 1);
        assert!(pct.change_points.windows(2).all(|w| w[0] < w[1]));
    }

    use super::*;
    use crate::strategy::Footprint;

    const READY: [TaskId; 2] = [TaskId(1), TaskId(2)];

    fn ran(task: TaskId, step: u64, woke_itself: bool) -> Footprint {
        Footprint { woke_itself, ..Footprint::new(task, step) }
    }

    /// Picks between two always-ready tasks for `picks` picks, the picked task never yielding
    /// (or always, with `yields`); returns the picked tasks.
    fn picks(pct: &mut Pct, picks: u64, yields: bool) -> Vec<TaskId> {
        let mut order = Vec::new();
        let mut last: Option<TaskId> = None;
        for step in 1..=picks {
            let steps: Vec<Footprint> = last.map(|t| ran(t, step - 1, yields)).into_iter().collect();
            let cx = PickContext { ready: &READY, last, step, steps: &steps };
            let task = READY[pct.pick(&cx).unwrap()];
            order.push(task);
            last = Some(task);
        }
        order
    }

    fn switches(order: &[TaskId]) -> usize {
        order.windows(2).filter(|w| w[0] != w[1]).count()
    }

    #[test]
    fn a_yielding_task_is_lowered_below_every_other_ready_task() {
        for seed in 0..100 {
            let mut pct = Pct::new(1, seed, 10);
            let first = READY[pct.pick(&PickContext { ready: &READY, last: None, step: 1, steps: &[] }).unwrap()];
            // Not yielding: it keeps the processor (depth 1 has no change point).
            let steps = [ran(first, 1, false)];
            let cx = PickContext { ready: &READY, last: Some(first), step: 2, steps: &steps };
            assert_eq!(READY[pct.pick(&cx).unwrap()], first, "seed {seed}");
            // Yielding: the other task runs, and keeps running while it does not yield.
            let steps = [ran(first, 2, true)];
            let cx = PickContext { ready: &READY, last: Some(first), step: 3, steps: &steps };
            let other = READY[pct.pick(&cx).unwrap()];
            assert_ne!(other, first, "seed {seed}");
            let steps = [ran(other, 3, false)];
            let cx = PickContext { ready: &READY, last: Some(other), step: 4, steps: &steps };
            assert_eq!(READY[pct.pick(&cx).unwrap()], other, "seed {seed}");
        }
    }

    #[test]
    fn two_tasks_that_always_yield_alternate_whatever_the_depth() {
        // Each yield hands over to the other task, and a change point after a yield adds
        // nothing (as in shuttle): the two strictly alternate.
        for depth in 1..=4u32 {
            for seed in 0..50 {
                let order = picks(&mut Pct::new(depth, seed, 20), 20, true);
                assert_eq!(switches(&order), 19, "depth {depth}, seed {seed}: {order:?}");
            }
        }
    }

    #[test]
    fn every_change_point_switches_and_lands_inside_the_expected_picks() {
        // Without yields, two always-ready tasks switch exactly at the depth - 1 change points,
        // all of them among the first `expected` picks whatever the seed.
        for depth in 1..=4u32 {
            for seed in 0..200 {
                let order = picks(&mut Pct::new(depth, seed, 12), 12, false);
                assert_eq!(switches(&order), depth as usize - 1, "depth {depth}, seed {seed}: {order:?}");
            }
        }
    }

    #[test]
    fn a_run_is_reproducible_from_its_seed_and_seeds_differ() {
        let orders: Vec<Vec<TaskId>> = (0..20).map(|seed| picks(&mut Pct::new(3, seed, 30), 30, false)).collect();
        let again: Vec<Vec<TaskId>> = (0..20).map(|seed| picks(&mut Pct::new(3, seed, 30), 30, false)).collect();
        assert_eq!(orders, again);
        let distinct: std::collections::BTreeSet<&Vec<TaskId>> = orders.iter().collect();
        assert!(distinct.len() > 10, "{} distinct orders of 20", distinct.len());
    }

    #[test]
    fn past_the_fairness_cut_off_picks_are_the_queue_head() {
        let mut pct = Pct::new(2, 5, 10);
        let order = picks(&mut pct, 1200, false);
        assert!(order[1000..].iter().all(|&t| t == READY[0]));
    }
}
