//! The Barrier workload: `wait` (untimed and timed, so arrivals are cancelled while the cycle
//! fills and after it tripped), `abort` and `reset`, with the indices of each cycle checked.

use super::timing::{pause, settle, Timing};
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use weft_primitives::{Barrier, BrokenBarrierError};
use weft_sim::{random_range, spawn};

/// What the Barrier workload needs of a barrier.
///
/// ```
/// use weft::workloads::BarrierLike;
/// use weft::{Barrier, Runtime};
/// let run = Runtime::new().run(async {
///     let barrier = Barrier::new(1).unwrap();
///     (BarrierLike::wait(&barrier).await, BarrierLike::waiters(&barrier))
/// });
/// assert_eq!(run.output, Some((Ok(0), 0)));
/// ```
pub trait BarrierLike: 'static {
    /// How many tasks it takes to trip it.
    fn parties(&self) -> usize;
    /// Waits for the cycle to trip; this task's index in it, or why the barrier broke. Dropping
    /// the future withdraws the task.
    fn wait(&self) -> impl Future<Output = Result<usize, BrokenBarrierError>> + '_;
    /// Breaks it: waits inside fail, later waits fail until `reset`.
    fn abort(&self);
    /// Returns it to filling; waits inside fail.
    fn reset(&self);
    /// Whether it is broken.
    fn broken(&self) -> bool;
    /// How many tasks wait in the filling cycle.
    fn n_waiting(&self) -> usize;
    /// How many tasks are listed waiting on it, in any state (arrived, blocked at the entrance,
    /// woken and not yet run).
    fn waiters(&self) -> usize;
}

impl BarrierLike for Barrier {
    fn parties(&self) -> usize {
        Barrier::parties(self)
    }
    fn wait(&self) -> impl Future<Output = Result<usize, BrokenBarrierError>> + '_ {
        Barrier::wait(self)
    }
    fn abort(&self) {
        Barrier::abort(self)
    }
    fn reset(&self) {
        Barrier::reset(self)
    }
    fn broken(&self) -> bool {
        Barrier::broken(self)
    }
    fn n_waiting(&self) -> usize {
        Barrier::n_waiting(self)
    }
    fn waiters(&self) -> usize {
        Barrier::waiters(self)
    }
}

#[cfg(feature = "mutants")]
impl BarrierLike for weft_primitives::mutants::MutantBarrier {
    fn parties(&self) -> usize {
        weft_primitives::mutants::MutantBarrier::parties(self)
    }
    fn wait(&self) -> impl Future<Output = Result<usize, BrokenBarrierError>> + '_ {
        weft_primitives::mutants::MutantBarrier::wait(self)
    }
    fn abort(&self) {
        weft_primitives::mutants::MutantBarrier::abort(self)
    }
    fn reset(&self) {
        weft_primitives::mutants::MutantBarrier::reset(self)
    }
    fn broken(&self) -> bool {
        weft_primitives::mutants::MutantBarrier::broken(self)
    }
    fn n_waiting(&self) -> usize {
        weft_primitives::mutants::MutantBarrier::n_waiting(self)
    }
    fn waiters(&self) -> usize {
        weft_primitives::mutants::MutantBarrier::waiters(self)
    }
}

/// What the Barrier workload's controller does in one round, drawn from the run.
///
/// ```
/// use weft::workloads::BarrierOp;
/// use weft::Runtime;
/// let run = Runtime::new().seed(6).run(async { (0..20).map(|_| BarrierOp::draw()).collect::<Vec<_>>() });
/// assert!(run.output.unwrap().contains(&BarrierOp::Reset));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BarrierOp {
    /// `abort()`.
    Abort,
    /// `reset()`.
    Reset,
    /// Nothing this round.
    Skip,
}

impl BarrierOp {
    /// `Abort` and `Reset` one time in four each, `Skip` one in two.
    pub fn draw() -> BarrierOp {
        match random_range(0..=3) {
            0 => BarrierOp::Abort,
            1 => BarrierOp::Reset,
            _ => BarrierOp::Skip,
        }
    }
}

/// The indices returned in the current cycle. The tripping arrival returns first, with
/// `parties - 1`, and the cycle's other arrivals return before any task can arrive in the next
/// one, so a return of `parties - 1` starts a new cycle.
struct Cycle {
    parties: usize,
    indices: RefCell<Vec<usize>>,
}

impl Cycle {
    fn record(&self, index: usize) {
        let parties = self.parties;
        assert!(index < parties, "wait() returned index {index} from a barrier of {parties} parties");
        let mut indices = self.indices.borrow_mut();
        if index == parties - 1 {
            indices.clear(); // the trip of a new cycle
        } else {
            assert!(
                !indices.contains(&index),
                "index {index} was returned twice in one cycle (returned so far: {indices:?})"
            );
            assert!(indices.len() < parties, "a cycle of {parties} parties returned {} indices", indices.len() + 1);
        }
        indices.push(index);
    }
}

/// `parties + 1` workers (so that arrivals also wait at the entrance while a cycle drains),
/// three rounds each: `wait()`, untimed or with a timeout (cancelling the arrival while the
/// cycle fills, or after the trip woke it). A controller does three rounds of [`BarrierOp`],
/// and resets the barrier if it left it broken. Main waits for the workers, at most 30 virtual
/// seconds (an arrival can be left alone in a cycle nobody will fill), then aborts the barrier
/// to release whoever still waits. Asserts that indices are below `parties` and unique within
/// each cycle, that "Barrier aborted" comes only from a broken barrier, that the filling cycle
/// never holds `parties` tasks, and at the end that no task is left waiting or listed.
///
/// ```
/// use weft::{workloads, Barrier, Runtime};
/// use std::rc::Rc;
/// let run = Runtime::new().seed(8).run(workloads::barrier(Rc::new(Barrier::new(3).unwrap())));
/// assert!(run.is_ok(), "{:?}", run.failure);
/// ```
pub async fn barrier<B: BarrierLike>(barrier: Rc<B>) {
    let parties = barrier.parties();
    let cycle = Rc::new(Cycle { parties, indices: RefCell::new(Vec::new()) });
    let workers: Vec<_> = (1..=parties + 1)
        .map(|i| {
            let (barrier, cycle) = (barrier.clone(), cycle.clone());
            spawn(format!("worker{i}"), async move {
                for _ in 0..3 {
                    pause().await;
                    match Timing::draw().run(barrier.wait()).await {
                        Some(Ok(index)) => cycle.record(index),
                        Some(Err(BrokenBarrierError::Aborted)) => {
                            assert!(
                                barrier.broken(),
                                "wait() failed with \"Barrier aborted\", yet the barrier is not broken"
                            )
                        }
                        Some(Err(BrokenBarrierError::AbortOrReset)) | None => {}
                    }
                    let inside = barrier.n_waiting();
                    assert!(inside < parties, "{inside} tasks wait in a filling cycle of {parties} parties");
                }
            })
        })
        .collect();
    let controller = {
        let barrier = barrier.clone();
        spawn("controller", async move {
            for _ in 0..3 {
                pause().await;
                match BarrierOp::draw() {
                    BarrierOp::Abort => {
                        barrier.abort();
                        assert!(barrier.broken(), "abort() returned, yet the barrier is not broken");
                    }
                    BarrierOp::Reset => {
                        barrier.reset();
                        assert!(!barrier.broken(), "reset() returned, yet the barrier is broken");
                    }
                    BarrierOp::Skip => {}
                }
            }
            if barrier.broken() {
                barrier.reset();
            }
        })
    };
    let _ = controller.await;
    if !settle(|| workers.iter().all(|w| w.is_finished())).await {
        barrier.abort(); // release arrivals that no cycle will fill
    }
    for w in workers {
        let _ = w.await;
    }
    let (inside, listed) = (barrier.n_waiting(), barrier.waiters());
    assert_eq!(
        (inside, listed),
        (0, 0),
        "no task waits on the barrier, yet {inside} wait(s) inside and {listed} are listed"
    );
}
