//! Barrier and Queue at work: a bounded producer/consumer pipeline, and three parties passing a
//! barrier twice.

use super::{Expect, Faults, Scenario};
use std::rc::Rc;
use std::time::Duration;
use weft_primitives::cell::RefCell;
use weft_primitives::{Barrier, GetError, Queue};
use weft_sim::{println, sleep, spawn};

/// Items the producer puts.
const ITEMS: u32 = 4;

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "queue-producer-consumer",
            summary: "a producer puts 4 jobs into a Queue(maxsize=2), two consumers take them; join() then shutdown()",
            invariant: "every job is taken exactly once, in the order it was put, and join() returns only after every task_done()",
            expect: Expect::Holds,
            program: || Box::pin(producer_consumer()),
            faults: Faults::none(),
            tracked: true,
        },
        Scenario {
            name: "barrier-two-cycles",
            summary: "three parties, arriving 1 s apart, pass a Barrier(3) twice",
            invariant: "in each cycle the indices are 0, 1, 2 exactly once, and no party passes round 2 before all passed round 1",
            expect: Expect::Holds,
            program: || Box::pin(barrier_two_cycles()),
            faults: Faults::none(),
            tracked: true,
        },
    ]
}

async fn producer_consumer() {
    let queue = Rc::new(Queue::named("jobs", 2));
    let taken = Rc::new(RefCell::named("taken", Vec::new()));
    let consumers: Vec<_> = (1..=2)
        .map(|c| {
            let (queue, taken) = (queue.clone(), taken.clone());
            spawn(format!("consumer{c}"), async move {
                loop {
                    let job = match queue.get().await {
                        Ok(job) => job,
                        Err(GetError::QueueShutDown) => break,
                        Err(e) => panic!("get() can only fail with QueueShutDown, not {e}"),
                    };
                    println!("consumer{c} got job {job}");
                    taken.borrow_mut().push(job);
                    sleep(Duration::from_secs(1)).await;
                    queue.task_done().expect("one task_done() per job got");
                }
            })
        })
        .collect();
    let producer = {
        let queue = queue.clone();
        spawn("producer", async move {
            for job in 0..ITEMS {
                queue.put(job).await.expect("the queue is not shut down yet");
                println!("producer put job {job}");
            }
        })
    };
    producer.await.expect("the producer is never cancelled");
    queue.join().await;
    println!("all jobs done");
    let done = taken.borrow().clone();
    assert_eq!(done, (0..ITEMS).collect::<Vec<_>>(), "jobs were lost, duplicated or reordered");
    assert_eq!(queue.unfinished_tasks(), 0, "join() returned with unfinished jobs");
    queue.shutdown(false);
    for consumer in consumers {
        consumer.await.expect("consumers are never cancelled");
    }
}

async fn barrier_two_cycles() {
    let barrier = Rc::new(Barrier::named("rounds", 3).expect("3 parties"));
    let passed = Rc::new(RefCell::named("passed", Vec::new()));
    let parties: Vec<_> = (0..3u64)
        .map(|p| {
            let (barrier, passed) = (barrier.clone(), passed.clone());
            spawn(format!("party{p}"), async move {
                for round in 1..=2 {
                    sleep(Duration::from_secs(p + 1)).await;
                    let index = barrier.wait().await.expect("nobody aborts the barrier");
                    println!("party{p} passed round {round} with index {index}");
                    passed.borrow_mut().push((round, index));
                }
            })
        })
        .collect();
    for party in parties {
        party.await.expect("parties are never cancelled");
    }
    let passed = passed.take();
    let rounds: Vec<u32> = passed.iter().map(|(round, _)| *round).collect();
    assert_eq!(rounds, [1, 1, 1, 2, 2, 2], "a party passed round 2 before all passed round 1");
    for cycle in passed.chunks(3) {
        let mut indices: Vec<usize> = cycle.iter().map(|(_, index)| *index).collect();
        indices.sort_unstable();
        assert_eq!(indices, [0, 1, 2], "indices of one cycle are not 0, 1, 2: {cycle:?}");
    }
}
