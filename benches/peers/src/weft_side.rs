//! The programs under weft.

use crate::Program;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use weft::{spawn, yield_now, Condition, Lock, Semaphore};

/// Runs `program` once as a weft task tree (spawn, await every child).
pub async fn run(program: Program) {
    match program {
        Program::Counter { tasks } => counter(tasks).await,
        Program::Semaphore { tasks, permits } => semaphore(tasks, permits).await,
        Program::ProducerConsumer { items } => producer_consumer(items).await,
    }
}

async fn counter(tasks: usize) {
    let lock = Rc::new(Lock::new());
    let x = Rc::new(Cell::new(0));
    let handles: Vec<_> = (0..tasks)
        .map(|i| {
            let (lock, x) = (lock.clone(), x.clone());
            spawn(crate::task_name(i), async move {
                let _held = lock.lock().await;
                let v = x.get();
                yield_now().await;
                x.set(v + 1);
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(x.get(), tasks);
}

async fn semaphore(tasks: usize, permits: usize) {
    let sem = Rc::new(Semaphore::new(permits));
    let inside = Rc::new(Cell::new(0));
    let handles: Vec<_> = (0..tasks)
        .map(|i| {
            let (sem, inside) = (sem.clone(), inside.clone());
            spawn(crate::task_name(i), async move {
                let _permit = sem.permit().await;
                inside.set(inside.get() + 1);
                assert!(inside.get() <= permits);
                yield_now().await;
                inside.set(inside.get() - 1);
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
}

async fn producer_consumer(items: usize) {
    let cond = Rc::new(Condition::new());
    let queue = Rc::new(RefCell::new(VecDeque::new()));
    let consumer = {
        let (cond, queue) = (cond.clone(), queue.clone());
        spawn("consumer", async move {
            for expected in 0..items {
                let held = cond.lock().await;
                let (_held, item) = held.wait_for(|| queue.borrow_mut().pop_front()).await.unwrap();
                assert_eq!(item, Some(expected));
            }
        })
    };
    let producer = spawn("producer", async move {
        for item in 0..items {
            let held = cond.lock().await;
            queue.borrow_mut().push_back(item);
            cond.notify(1).unwrap();
            drop(held);
            yield_now().await;
        }
    });
    producer.await.unwrap();
    consumer.await.unwrap();
}
