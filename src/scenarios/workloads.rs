//! The workloads of each primitive, explored with every kind of fault (`weft::workloads`).

use super::{Expect, Faults, Scenario};
use crate::workloads::{self, Permits};
use std::rc::Rc;
use weft_primitives::{Barrier, BoundedSemaphore, Condition, Event, Lock, Queue, Semaphore};

pub(super) fn scenarios() -> Vec<Scenario> {
    let workload = |name, summary, invariant, program| Scenario {
        name,
        summary,
        invariant,
        expect: Expect::Holds,
        program,
        faults: Faults::all(),
        tracked: false,
    };
    vec![
        workload(
            "workload-lock",
            "three workers take a Lock (waiting or with a timeout), hold it across pauses, sometimes retake it at once",
            "one holder at a time, FIFO hand-offs, no lost wake-up, the lock ends free with no waiter listed",
            || Box::pin(workloads::lock(Rc::new(Lock::new()))),
        ),
        workload(
            "workload-semaphore",
            "four workers share a Semaphore(2), sometimes releasing and re-acquiring at once; over-releases",
            "at most two holders, the value adds up, FIFO grants, no lost wake-up",
            || Box::pin(workloads::semaphore(Rc::new(Semaphore::new(2)), Permits { capacity: 2, held: 0 })),
        ),
        workload(
            "workload-semaphore-held",
            "four workers wait on a Semaphore(0) while the program gives back the two permits it holds, in bursts",
            "at most two holders, the value adds up from an initial value of 0, no lost wake-up",
            || Box::pin(workloads::semaphore(Rc::new(Semaphore::new(0)), Permits { capacity: 2, held: 2 })),
        ),
        workload(
            "workload-bounded-semaphore",
            "four workers share a BoundedSemaphore(2); releases with every permit free are refused",
            "at most two holders, the value adds up, over-releases refused, no lost wake-up",
            || Box::pin(workloads::semaphore(Rc::new(BoundedSemaphore::new(2)), Permits { capacity: 2, held: 0 })),
        ),
        workload(
            "workload-condition",
            "two producers notify per item, per batch or all; two consumers wait() or wait_for(), some timed",
            "every notification is consumed or passed on: no item stays unconsumed",
            || Box::pin(workloads::condition(Rc::new(Condition::new()))),
        ),
        workload(
            "workload-event",
            "three waiters wait() (some timed) while a setter sets, clears, and sets-then-clears an Event",
            "every set() wakes every waiter, which returns true; no waiter left listed",
            || Box::pin(workloads::event(Rc::new(Event::new()))),
        ),
        workload(
            "workload-barrier",
            "four workers wait() on a Barrier(3) (some timed) while a controller aborts and resets it",
            "indices unique and below parties in each cycle; aborted means broken; nobody left inside",
            || Box::pin(workloads::barrier(Rc::new(Barrier::new(3).expect("3 parties")))),
        ),
        workload(
            "workload-queue",
            "two producers put numbered items into an unbounded Queue; two consumers get() or get_nowait(); join, shutdown",
            "every item put is got exactly once, still queued, or discarded; no getter left listed",
            || Box::pin(workloads::queue(Rc::new(Queue::new(0)))),
        ),
        workload(
            "workload-queue-bounded",
            "as workload-queue on a Queue(2): put() waits for a free slot, put_nowait() may find it full",
            "items conserved, never more than two, full only when full, no putter or getter left listed",
            || Box::pin(workloads::queue(Rc::new(Queue::new(2)))),
        ),
    ]
}
