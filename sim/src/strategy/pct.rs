//! Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010).

use super::random::{fire_choice, pick_stream};
use super::{Divergence, Draws, FireContext, PickContext, Scheduler};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// The run length [`Pct`] assumes when nothing better is known (a single run built with
/// [`Strategy::scheduler`](super::Strategy::scheduler)). `weft::explore` measures it instead.
pub const DEFAULT_EXPECTED_STEPS: u64 = 100;

/// PCT with bug depth `depth`: always run the ready task of highest priority, with `depth - 1`
/// priority change points.
///
/// - Each task gets a random priority the first time it is seen ready (uniform `u64` values in
///   `depth..`, so the relative order of the tasks is a uniform random permutation; ties, which
///   have probability ~2⁻⁶⁴, go to the lower task id).
/// - `depth - 1` change points are drawn uniformly in `1..=expected_steps`. At the first pick at
///   or after the i-th change point (1-based), the task that would run is lowered to priority
///   `depth - i`, below every initial priority, and the pick is made again.
/// - `expected_steps` estimates the run length in steps. `weft::explore` takes it from a first
///   run of the program in asyncio's order, measured once before exploring so that every worker
///   uses the same value. It is an estimate: a schedule that runs much longer than that run
///   meets all its change points early, one that runs shorter may miss some. The paper's bound,
///   a depth-`d` bug found with probability at least 1/(n·k^(d−1)) for n tasks and k steps,
///   holds when `expected_steps` is the run's length k.
///
/// - **Fairness.** Always running the highest-priority task never ends a spin loop (a task that
///   `yield_now`s until a lower-priority one releases something). Past `10 * expected_steps`
///   steps (at least 1000) the run is taken to be spinning and picks the ready queue's head,
///   asyncio's round-robin order, so it finishes unless it livelocks under every schedule.
///
/// - **Timers due at one instant** fire as under [`Random`](super::Random): all of them
///   (asyncio's order) with probability 1/2, otherwise one of the `n` alone, each with
///   probability 1/(2n), drawn from the same stream as the priorities.
///
/// Program draws come from the seed's stream 0, as under every other strategy.
///
/// ```
/// use weft_sim::strategy::{Pct, PickContext, Scheduler};
/// use weft_sim::TaskId;
/// let ready = [TaskId(1), TaskId(2)];
/// // Depth 1: no change point, so the same task wins every pick of the run.
/// let mut pct = Pct::new(1, 42, 10);
/// let first = pct.pick(&PickContext { ready: &ready, last: None, step: 1 }).unwrap();
/// for step in 2..10 {
///     assert_eq!(pct.pick(&PickContext { ready: &ready, last: None, step }).unwrap(), first);
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Pct {
    depth: u32,
    rng: ChaCha8Rng,
    draws: Draws,
    /// Priority by task index; `None` until the task is first seen ready.
    priorities: Vec<Option<u64>>,
    /// Change points in ascending step order.
    change_points: Vec<u64>,
    /// How many change points have been applied.
    applied: usize,
    /// The step from which picks are fair (the ready queue's head).
    fair_from: u64,
}

impl Pct {
    /// PCT of `depth` (at least 1) over runs of about `expected_steps` steps, seeded by `seed`.
    pub fn new(depth: u32, seed: u64, expected_steps: u64) -> Pct {
        let depth = depth.max(1);
        let mut rng = pick_stream(seed);
        let mut change_points: Vec<u64> = (1..depth).map(|_| rng.gen_range(1..=expected_steps.max(1))).collect();
        change_points.sort_unstable();
        Pct {
            depth,
            rng,
            draws: Draws::new(seed),
            priorities: Vec::new(),
            change_points,
            applied: 0,
            fair_from: expected_steps.saturating_mul(10).max(1000),
        }
    }

    fn priority(&mut self, task: usize) -> u64 {
        if self.priorities.len() <= task {
            self.priorities.resize(task + 1, None);
        }
        let depth = u64::from(self.depth);
        // A choice: the new task's rank among the others.
        *self.priorities[task].get_or_insert_with(|| self.rng.gen_range(depth..u64::MAX))
    }

    /// The index in `ready` of the highest-priority task (ties: the lowest task id).
    fn highest(&mut self, cx: &PickContext<'_>) -> usize {
        let mut best = 0;
        let mut best_key = (0, std::cmp::Reverse(u32::MAX));
        for (i, task) in cx.ready.iter().enumerate() {
            let key = (self.priority(task.index()), std::cmp::Reverse(task.0));
            if i == 0 || key > best_key {
                best = i;
                best_key = key;
            }
        }
        best
    }
}

impl Scheduler for Pct {
    fn pick(&mut self, cx: &PickContext<'_>) -> Result<usize, Divergence> {
        if cx.step >= self.fair_from {
            return Ok(0);
        }
        let mut best = self.highest(cx);
        while self.change_points.get(self.applied).is_some_and(|&at| at <= cx.step) {
            self.applied += 1;
            let lowered = u64::from(self.depth) - self.applied as u64;
            self.priorities[cx.ready[best].index()] = Some(lowered);
            best = self.highest(cx);
        }
        Ok(best)
    }

    fn draw(&mut self, bound: u64) -> Result<u64, Divergence> {
        Ok(self.draws.below(bound))
    }

    fn fire(&mut self, cx: &FireContext<'_>) -> Result<usize, Divergence> {
        // A choice: all due timers (asyncio's order) half the time, else one of them alone.
        Ok(fire_choice(&mut self.rng, cx.due.len()))
    }
}
