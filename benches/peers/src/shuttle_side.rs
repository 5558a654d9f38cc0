//! The same programs under shuttle, through shuttle-tokio (tokio's API on shuttle's runtime).
//! shuttle runs `Send` futures, so shared state is `Arc` and atomics where weft uses `Rc` and
//! `Cell`; tokio has no `Condition`, so the producer/consumer pairs a `Mutex` with a `Notify`.

use crate::Program;
use shuttle_tokio::sync::{Mutex, Notify, Semaphore};
use shuttle_tokio::task::yield_now;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Runs `program` once as a shuttle test body (its main thread blocks on the task tree).
pub fn run(program: Program) {
    shuttle::future::block_on(async move {
        match program {
            Program::Counter { tasks } => counter(tasks).await,
            Program::Semaphore { tasks, permits } => semaphore(tasks, permits).await,
            Program::ProducerConsumer { items } => producer_consumer(items).await,
        }
    });
}

async fn counter(tasks: usize) {
    let x = Arc::new(Mutex::new(0usize));
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let x = x.clone();
            shuttle_tokio::spawn(async move {
                let mut held = x.lock().await;
                let v = *held;
                yield_now().await;
                *held = v + 1;
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(*x.lock().await, tasks);
}

async fn semaphore(tasks: usize, permits: usize) {
    let sem = Arc::new(Semaphore::new(permits));
    let inside = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let (sem, inside) = (sem.clone(), inside.clone());
            shuttle_tokio::spawn(async move {
                let _permit = sem.acquire().await.unwrap();
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                assert!(now <= permits);
                yield_now().await;
                inside.fetch_sub(1, Ordering::SeqCst);
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
}

async fn producer_consumer(items: usize) {
    let queue = Arc::new(Mutex::new(VecDeque::new()));
    let notify = Arc::new(Notify::new());
    let consumer = {
        let (queue, notify) = (queue.clone(), notify.clone());
        shuttle_tokio::spawn(async move {
            for expected in 0..items {
                loop {
                    let notified = notify.notified();
                    if let Some(item) = queue.lock().await.pop_front() {
                        assert_eq!(item, expected);
                        break;
                    }
                    notified.await;
                }
            }
        })
    };
    let producer = shuttle_tokio::spawn(async move {
        for item in 0..items {
            queue.lock().await.push_back(item);
            notify.notify_one();
            yield_now().await;
        }
    });
    producer.await.unwrap();
    consumer.await.unwrap();
}
