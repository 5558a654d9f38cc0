//! BZ-B1: CPython's own `Barrier` (3.11 to 3.13), which reuses an index after a cancellation.

use crate::barrier::{BarrierState, BrokenBarrierError};
use crate::waiters::{WaitList, WaiterKey};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft_traces::Resource;
use weft_traces::{Op, ResourceKind};

/// BZ-B1 (gh-155233, open in CPython 3.13): `wait()` hands out `index = self._count` and the
/// `finally` of a cancelled arrival does `self._count -= 1`, so after an arrival other than
/// the latest is cancelled while the cycle fills, the next arrival gets an index a live
/// arrival already holds: two tasks of one cycle return the same index, and the cancelled
/// one's is never returned. The checkers' Barrier index rule and the barrier workload's own
/// per-cycle check both see it.
/// Otherwise as [`crate::Barrier`] (whose only departure from CPython is the fix: the smallest
/// index no live arrival holds).
///
/// ```
/// use futures::FutureExt;
/// use weft_primitives::mutants::MutantBarrier;
/// let barrier = MutantBarrier::new(3);
/// let mut a = Box::pin(barrier.wait());
/// let mut b = Box::pin(barrier.wait());
/// assert!((&mut a).now_or_never().is_none()); // index 0
/// assert!((&mut b).now_or_never().is_none()); // index 1
/// drop(a); // cancelled while filling
/// let mut c = Box::pin(barrier.wait());
/// assert!((&mut c).now_or_never().is_none()); // index 1 again: the bug
/// assert_eq!(barrier.wait().now_or_never(), Some(Ok(2))); // trips
/// assert_eq!((b.now_or_never(), c.now_or_never()), (Some(Ok(1)), Some(Ok(1))));
/// ```
#[derive(Debug)]
pub struct MutantBarrier {
    state: RefCell<State>,
    parties: usize,
    resource: Resource,
}

#[derive(Debug)]
struct State {
    phase: BarrierState,
    count: usize,
    waiters: WaitList,
}

impl State {
    /// `finally: self._count -= 1; self._exit()`.
    fn leave(&mut self, id: &Resource) {
        self.count -= 1;
        if self.count > 0 {
            return;
        }
        if matches!(self.phase, BarrierState::Draining | BarrierState::Resetting) {
            self.phase = BarrierState::Filling;
        }
        self.waiters.wake_next(usize::MAX, id);
    }
}

impl MutantBarrier {
    /// A barrier for `parties` tasks, registered as a Barrier named "barrier".
    ///
    /// # Panics
    /// With `parties == 0` (CPython's `ValueError('parties must be > 0')`).
    pub fn new(parties: usize) -> MutantBarrier {
        assert!(parties > 0, "parties must be > 0");
        let resource = Resource::new(ResourceKind::Barrier, "barrier", Some(parties as u64), false);
        let state = State { phase: BarrierState::Filling, count: 0, waiters: WaitList::default() };
        MutantBarrier { state: RefCell::new(state), parties, resource }
    }

    /// How many tasks it takes to trip it.
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// Tasks waiting in the filling cycle.
    pub fn n_waiting(&self) -> usize {
        let s = self.state.borrow();
        match s.phase {
            BarrierState::Filling => s.count,
            _ => 0,
        }
    }

    /// Tasks on the waiter list, in any state.
    pub fn waiters(&self) -> usize {
        self.state.borrow().waiters.len()
    }

    /// Whether it is broken.
    pub fn broken(&self) -> bool {
        self.state.borrow().phase == BarrierState::Broken
    }

    /// Waits for the cycle to trip; this task's index, CPython's way.
    pub fn wait(&self) -> MutantBarrierWait<'_> {
        MutantBarrierWait { barrier: self, stage: Stage::Start }
    }

    /// Breaks the barrier, as [`crate::Barrier::abort`].
    pub fn abort(&self) {
        let mut s = self.state.borrow_mut();
        s.phase = BarrierState::Broken;
        self.resource.record(|| Op::Abort);
        s.waiters.wake_next(usize::MAX, &self.resource);
    }

    /// Returns the barrier to filling, as [`crate::Barrier::reset`].
    pub fn reset(&self) {
        let mut s = self.state.borrow_mut();
        s.phase = if s.count > 0 { BarrierState::Resetting } else { BarrierState::Filling };
        self.resource.record(|| Op::Reset);
        s.waiters.wake_next(usize::MAX, &self.resource);
    }
}

#[derive(Clone, Copy, Debug)]
enum Stage {
    Start,
    Blocked(WaiterKey),
    Inside { index: usize, key: WaiterKey },
    Done,
}

/// The future of [`MutantBarrier::wait`].
#[derive(Debug)]
pub struct MutantBarrierWait<'a> {
    barrier: &'a MutantBarrier,
    stage: Stage,
}

impl Future for MutantBarrierWait<'_> {
    type Output = Result<usize, BrokenBarrierError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let barrier = self.barrier;
        let mut s = barrier.state.borrow_mut();
        match self.stage {
            Stage::Start => self.enter(&mut s, cx),
            Stage::Blocked(key) => {
                if !s.waiters.is_woken(key, cx.waker()) {
                    return Poll::Pending;
                }
                s.waiters.remove(key);
                barrier.resource.record(|| Op::Resume);
                self.enter(&mut s, cx)
            }
            Stage::Inside { index, key } => {
                if !s.waiters.is_woken(key, cx.waker()) {
                    return Poll::Pending;
                }
                s.waiters.remove(key);
                barrier.resource.record(|| Op::Resume);
                let result = match s.phase {
                    BarrierState::Filling => {
                        let key = s.waiters.push(cx.waker());
                        barrier.resource.record(|| Op::Wait);
                        self.stage = Stage::Inside { index, key };
                        return Poll::Pending;
                    }
                    BarrierState::Draining => Ok(index),
                    BarrierState::Resetting | BarrierState::Broken => Err(BrokenBarrierError::AbortOrReset),
                };
                self.stage = Stage::Done;
                s.leave(&barrier.resource);
                Poll::Ready(result)
            }
            Stage::Done => panic!("`MutantBarrierWait` polled after it completed"),
        }
    }
}

impl MutantBarrierWait<'_> {
    fn enter(&mut self, s: &mut State, cx: &mut Context<'_>) -> Poll<<Self as Future>::Output> {
        let barrier = self.barrier;
        let id = &barrier.resource;
        match s.phase {
            BarrierState::Draining | BarrierState::Resetting => {
                self.stage = Stage::Blocked(s.waiters.push(cx.waker()));
                barrier.resource.record(|| Op::Wait);
                return Poll::Pending;
            }
            BarrierState::Broken => {
                self.stage = Stage::Done;
                return Poll::Ready(Err(BrokenBarrierError::Aborted));
            }
            BarrierState::Filling => {}
        }
        // The bug: `index = self._count; self._count += 1`.
        let index = s.count;
        s.count += 1;
        barrier.resource.record(|| Op::Arrive { index: index as u64 });
        if s.count < barrier.parties {
            self.stage = Stage::Inside { index, key: s.waiters.push(cx.waker()) };
            barrier.resource.record(|| Op::Wait);
            return Poll::Pending;
        }
        s.phase = BarrierState::Draining;
        barrier.resource.record(|| Op::Trip);
        s.waiters.wake_next(usize::MAX, id);
        self.stage = Stage::Done;
        s.leave(id);
        Poll::Ready(Ok(index))
    }
}

impl Drop for MutantBarrierWait<'_> {
    fn drop(&mut self) {
        let (key, inside) = match self.stage {
            Stage::Start | Stage::Done => return,
            Stage::Blocked(key) => (key, false),
            Stage::Inside { key, .. } => (key, true),
        };
        let id = &self.barrier.resource;
        let mut s = self.barrier.state.borrow_mut();
        s.waiters.remove(key);
        self.barrier.resource.record(|| Op::Abandon);
        if inside {
            s.leave(id);
        }
    }
}
