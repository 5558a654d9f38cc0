//! `queues.py` in weft.

use super::t;
use std::rc::Rc;
use weft::prelude::*;
use weft::tasks::{gather, wait_for};
use weft::{GetError, LifoQueue, PriorityQueue};

fn list<T: std::fmt::Debug>(items: &[T]) -> String {
    format!("{items:?}")
}

pub async fn main() {
    let lifo = LifoQueue::new(0);
    let prio = PriorityQueue::new(0);
    for item in [2, 1, 3] {
        lifo.put_nowait(item).unwrap();
        prio.put_nowait(item).unwrap();
    }
    let order: Vec<i32> = (0..3).map(|_| lifo.get_nowait().unwrap()).collect();
    weft::println!("{} LifoQueue order: {}", t(), list(&order));
    let order: Vec<i32> = (0..3).map(|_| prio.get_nowait().unwrap()).collect();
    weft::println!("{} PriorityQueue order: {}", t(), list(&order));

    let q = Rc::new(LifoQueue::new(2));
    let getter = |name: &'static str| {
        let q = q.clone();
        spawn(name, async move {
            match q.get().await {
                Ok(item) => weft::println!("{} {name} got {item}", t()),
                Err(_) => weft::println!("{} {name} shut down", t()),
            }
            Ok::<(), ()>(())
        })
    };
    let gs = vec![getter("g0"), getter("g1")];
    yield_now().await;
    weft::println!("{} getters: {}", t(), q.getters());
    q.put_nowait("x").unwrap();
    q.put_nowait("y").unwrap();
    yield_now().await;
    gather(gs).await.unwrap();
    for item in ["a", "b", "c", "d"] {
        let q = q.clone();
        spawn(format!("put {item}"), async move {
            match q.put(item).await {
                Ok(()) => weft::println!("{} put {item}", t()),
                Err(_) => weft::println!("{} put {item} shut down", t()),
            }
        });
    }
    yield_now().await;
    weft::println!("{} qsize: {}, putters: {}, full: {}", t(), q.qsize(), q.putters(), super::py(q.full()));
    weft::println!("{} got {}", t(), q.get_nowait().unwrap());
    yield_now().await;
    let (a, b) = (q.get_nowait().unwrap(), q.get_nowait().unwrap());
    weft::println!("{} got {a}, {b}", t());
    q.shutdown(false);
    yield_now().await;
    weft::println!("{} after shutdown: qsize {}", t(), q.qsize());

    let pq = Rc::new(PriorityQueue::new(0));
    let waiters: Vec<_> = (0..2)
        .map(|i| {
            let pq = pq.clone();
            spawn(format!("w{i}"), async move { wait_for(Duration::from_secs(5), pq.get()).await })
        })
        .collect();
    sleep(Duration::from_secs(1)).await;
    pq.put_nowait((2, "low")).unwrap();
    pq.put_nowait((1, "high")).unwrap();
    let mut woken = Vec::new();
    for w in waiters {
        let (p, name) = w.await.unwrap().unwrap().unwrap();
        woken.push(format!("({p}, '{name}')"));
    }
    weft::println!("{} woken: [{}]", t(), woken.join(", "));
    let p = pq.clone();
    let g = spawn("g", async move { p.get().await });
    yield_now().await;
    pq.shutdown(true);
    if g.await == Ok(Err(GetError::QueueShutDown)) {
        weft::println!("{} getter shut down, empty: {}", t(), super::py(pq.empty()));
    }
}
