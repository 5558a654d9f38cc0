//! `cancel_awaits.py` in weft.

use super::{py, t, OnCancel};
use std::future::Future;
use std::rc::Rc;
use weft::prelude::*;
use weft::JoinHandle;

async fn turn() {
    for _ in 0..3 {
        yield_now().await;
    }
}

/// A task that awaits `aw()`, prints what it got (Python's spelling), then runs `after`.
fn waiter<Fut>(name: &str, aw: impl FnOnce() -> Fut + 'static, after: impl FnOnce() + 'static) -> JoinHandle<()>
where
    Fut: Future<Output = String> + 'static,
{
    let name = name.to_string();
    spawn(name.clone(), async move {
        let guard = OnCancel::plain(format!("{name} cancelled"));
        let r = aw().await;
        guard.disarm();
        weft::println!("{} {name} got {r}", t());
        after();
    })
}

pub async fn main() {
    // Lock.acquire
    let lock = Rc::new(Lock::new());
    lock.acquire().await;
    let w: Vec<_> = ["lock-w1", "lock-w2", "lock-w3"]
        .iter()
        .map(|n| {
            let (a, b) = (lock.clone(), lock.clone());
            waiter(n, move || async move { py(a.acquire().await).to_string() }, move || b.release().unwrap())
        })
        .collect();
    turn().await;
    w[0].cancel();
    turn().await;
    weft::println!("{} lock waiters: {}", t(), lock.waiters());
    lock.release().unwrap();
    w[1].cancel();
    turn().await;
    weft::println!("{} lock locked: {}, waiters: {}", t(), py(lock.locked()), lock.waiters());

    // Semaphore.acquire
    let sem = Rc::new(Semaphore::new(0));
    let w: Vec<_> = (1..=3)
        .map(|i| {
            let (a, b) = (sem.clone(), sem.clone());
            waiter(
                &format!("Semaphore-w{i}"),
                move || async move { py(a.acquire().await).to_string() },
                move || b.release(),
            )
        })
        .collect();
    turn().await;
    w[0].cancel();
    turn().await;
    sem.release();
    w[1].cancel();
    turn().await;
    weft::println!("{} Semaphore value: {}, locked: {}", t(), sem.value(), py(sem.locked()));

    // BoundedSemaphore.acquire
    let sem = Rc::new(BoundedSemaphore::new(1));
    sem.acquire().await;
    let w: Vec<_> = (1..=3)
        .map(|i| {
            let (a, b) = (sem.clone(), sem.clone());
            let release = move || b.release().unwrap();
            waiter(&format!("BoundedSemaphore-w{i}"), move || async move { py(a.acquire().await).to_string() }, release)
        })
        .collect();
    turn().await;
    w[0].cancel();
    turn().await;
    sem.release().unwrap();
    w[1].cancel();
    turn().await;
    weft::println!("{} BoundedSemaphore value: {}, locked: {}", t(), sem.value(), py(sem.locked()));

    // Event.wait
    let ev = Rc::new(Event::new());
    let w: Vec<_> = ["event-w1", "event-w2"]
        .iter()
        .map(|n| {
            let e = ev.clone();
            waiter(n, move || async move { py(e.wait().await).to_string() }, || {})
        })
        .collect();
    turn().await;
    w[0].cancel();
    turn().await;
    ev.set();
    turn().await;
    weft::println!("{} event waiters: {}", t(), ev.waiters());

    // Barrier.wait
    let barrier = Rc::new(Barrier::new(2).unwrap());
    let b = barrier.clone();
    let w1 = waiter("barrier-w1", move || async move { format!("{:?}", b.wait().await) }, || {});
    turn().await;
    w1.cancel();
    turn().await;
    weft::println!("{} barrier n_waiting: {}, broken: {}", t(), barrier.n_waiting(), py(barrier.broken()));

    // Queue.get, Queue.put, Queue.join
    let q = Rc::new(Queue::new(1));
    let g: Vec<_> = ["get-w1", "get-w2"]
        .iter()
        .map(|n| {
            let q = q.clone();
            waiter(n, move || async move { q.get().await.unwrap_or("?").to_string() }, || {})
        })
        .collect();
    turn().await;
    q.put_nowait("item").unwrap();
    g[0].cancel();
    turn().await;
    weft::println!("{} queue qsize: {}, getters: {}", t(), q.qsize(), q.getters());
    q.put_nowait("full").unwrap();
    let (q1, q2) = (q.clone(), q.clone());
    let p1 =
        waiter("put-w1", move || async move { q1.put("p1").await.map_or("?".into(), |()| "None".to_string()) }, || {});
    let _p2 =
        waiter("put-w2", move || async move { q2.put("p2").await.map_or("?".into(), |()| "None".to_string()) }, || {});
    turn().await;
    p1.cancel();
    turn().await;
    weft::println!("{} got {}", t(), q.get_nowait().unwrap());
    turn().await;
    weft::println!("{} queue qsize: {}, putters: {}", t(), q.qsize(), q.putters());
    let qj = q.clone();
    let j = waiter(
        "join-w1",
        move || async move {
            qj.join().await;
            "None".to_string()
        },
        || {},
    );
    turn().await;
    j.cancel();
    turn().await;
    weft::println!("{} unfinished: {}", t(), q.unfinished_tasks());
}
