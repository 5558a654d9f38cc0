//! The workloads of each primitive, explored with every kind of fault (`weft::workloads`).

use super::{Expect, Faults, Scenario};
use crate::workloads;
use std::rc::Rc;
use weft_primitives::{Condition, Lock, Queue, Semaphore};

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "workload-lock",
            summary: "three workers take a Lock (waiting or with a timeout) and hold it across pauses",
            invariant: "one holder at a time, FIFO hand-offs, no lost wake-up, the lock ends free",
            expect: Expect::Holds,
            program: || Box::pin(workloads::lock(Rc::new(Lock::new()))),
            faults: Faults::all(),
        },
        Scenario {
            name: "workload-semaphore",
            summary: "four workers share a Semaphore(2), sometimes releasing and re-acquiring at once",
            invariant: "at most two holders, FIFO grants, permits conserved, no lost wake-up",
            expect: Expect::Holds,
            program: || Box::pin(workloads::semaphore(Rc::new(Semaphore::new(2)), 2)),
            faults: Faults::all(),
        },
        Scenario {
            name: "workload-condition",
            summary: "two producers notify(1) per item; two consumers wait() in a while loop",
            invariant: "every notification is consumed or passed on: no item stays unconsumed",
            expect: Expect::Holds,
            program: || Box::pin(workloads::condition(Rc::new(Condition::new()))),
            faults: Faults::all(),
        },
        Scenario {
            name: "workload-queue",
            summary: "two producers put_nowait numbered items; two consumers get() with timeouts",
            invariant: "every item put is got exactly once or still queued; no getter left listed",
            expect: Expect::Holds,
            program: || Box::pin(workloads::queue(Rc::new(Queue::new(0)))),
            faults: Faults::all(),
        },
    ]
}
