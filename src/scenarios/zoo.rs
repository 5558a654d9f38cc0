//! The bug zoo's mutants under their primitive's workload (feature `mutants`): weft must find
//! each, with every kind of fault and no hint of the schedule.

use super::{Expect, Faults, Scenario};
use crate::workloads::{self, Permits};
use std::rc::Rc;
use weft_primitives::mutants::{
    KotlinBug, KotlinSemaphore, LockBug, MutantBarrier, MutantCondition, MutantLock, MutantQueue, MutantSemaphore,
    QueueBug, SemaphoreBug,
};

/// The permits of the semaphore workload under the semaphore mutants (as `workload-semaphore`).
const TWO: Permits = Permits { capacity: 2, held: 0 };

pub(super) fn scenarios() -> Vec<Scenario> {
    let mutant = |name, summary, invariant, program| Scenario {
        name,
        summary,
        invariant,
        expect: Expect::Fails,
        program,
        faults: Faults::all(),
        tracked: false,
    };
    vec![
        mutant(
            "mutant-bz-l0",
            "tulip 2013 Lock: release() sets a cancelled head's result (crashes the releaser)",
            "the lock workload's: one holder, no lost wake-up, no panic",
            || Box::pin(workloads::lock(Rc::new(MutantLock::new(LockBug::Tulip2013)))),
        ),
        mutant(
            "mutant-bz-l2",
            "bpo-27585 Lock: a waiter woken then cancelled does not pass the lock on",
            "the lock workload's: a hand-off received and dropped reaches the next waiter",
            || Box::pin(workloads::lock(Rc::new(MutantLock::new(LockBug::Bpo27585)))),
        ),
        mutant(
            "mutant-bz-s1",
            "python/asyncio#270 Semaphore: a woken, cancelled waiter strands the permit",
            "the semaphore workload's: no lost wake-up",
            || Box::pin(workloads::semaphore(Rc::new(MutantSemaphore::new(SemaphoreBug::Asyncio270, 2)), TWO)),
        ),
        mutant(
            "mutant-bz-s2",
            "bpo-45997 Semaphore: release-then-acquire barges; the woken waiter requeues at the tail",
            "the semaphore workload's: FIFO grants",
            || Box::pin(workloads::semaphore(Rc::new(MutantSemaphore::new(SemaphoreBug::Bpo45997, 2)), TWO)),
        ),
        mutant(
            "mutant-bz-s3",
            "gh-90155 Semaphore: _wakeup_scheduled stays set after a cancel; acquires hang",
            "the semaphore workload's: no lost wake-up",
            || Box::pin(workloads::semaphore(Rc::new(MutantSemaphore::new(SemaphoreBug::Gh90155, 2)), TWO)),
        ),
        mutant(
            "mutant-bz-c5",
            "gh-112202 Condition: a notified waiter that is cancelled drops the notification",
            "the condition workload's: every notification consumed or passed on",
            || Box::pin(workloads::condition(Rc::new(MutantCondition::new()))),
        ),
        mutant(
            "mutant-bz-q1",
            "bpo-23812 Queue: put_nowait hands the item to a getter that is then cancelled",
            "the queue workload's: items conserved",
            || Box::pin(workloads::queue(Rc::new(MutantQueue::new(QueueBug::Bpo23812, 0)))),
        ),
        mutant(
            "mutant-bz-q3",
            "bpo-31620 Queue: cancelled getters stay in _getters",
            "the queue workload's: no getter left listed",
            || Box::pin(workloads::queue(Rc::new(MutantQueue::new(QueueBug::Bpo31620, 0)))),
        ),
        mutant(
            "mutant-bz-b1",
            "gh-155233 Barrier (CPython 3.11-3.13, open): a cancellation while filling makes the next arrival reuse an index",
            "the barrier workload's: indices unique within a cycle",
            || Box::pin(workloads::barrier(Rc::new(MutantBarrier::new(3)))),
        ),
        mutant(
            "mutant-tk-1",
            "tokio#1898 Mutex (0.2.0-0.2.3): a dropped waiting lock() leaves its node queued; unlock assigns the lock to it",
            "the lock workload's: a released unit reaches a live waiter (hand-off)",
            || Box::pin(workloads::lock(Rc::new(MutantLock::new(LockBug::Tokio1898)))),
        ),
        mutant(
            "mutant-kt-1",
            "kotlinx.coroutines#1323 Semaphore (1.3.0-M1, -M2): a cancelled waiter's release() resumes the next waiter",
            "the semaphore workload's: at most two holders (capacity)",
            || Box::pin(workloads::semaphore(Rc::new(KotlinSemaphore::new(KotlinBug::Pr1323, 2, 0)), TWO)),
        ),
        mutant(
            "mutant-kt-2",
            "kotlinx.coroutines#1422 Semaphore(2, acquiredPermits = 1) (to 1.3.0-RC): starts with both permits free",
            "the semaphore workload's, one permit held from the start: at most two holders (capacity)",
            || {
                let sem = KotlinSemaphore::new(KotlinBug::Issue1422, 2, 1);
                Box::pin(workloads::semaphore(Rc::new(sem), Permits { capacity: 2, held: 1 }))
            },
        ),
        mutant(
            "mutant-fu-1",
            "futures-rs#861 bounded mpsc (0.2.0-alpha) as a Queue(2): get_nowait wakes no putter, the queue stays 'full'",
            "the bounded queue workload's: put_nowait is refused only by a full queue",
            || Box::pin(workloads::queue(Rc::new(MutantQueue::new(QueueBug::Futures861, 2)))),
        ),
    ]
}
