//! `reprs.py` in weft: `Display` is CPython's repr without the address.

use std::rc::Rc;
use weft::prelude::*;
use weft::LifoQueue;

pub async fn main() {
    let lock = Rc::new(Lock::new());
    weft::println!("{lock}");
    lock.acquire().await;
    let l = lock.clone();
    let t = spawn("t", async move { l.acquire().await });
    yield_now().await;
    weft::println!("{lock}");
    lock.release().unwrap();
    weft::println!("woken: {lock}");
    t.await.unwrap();
    let sem = Semaphore::new(1);
    weft::println!("{sem}");
    sem.acquire().await;
    weft::println!("{sem}");
    weft::println!("{}", BoundedSemaphore::new(2));
    let ev = Rc::new(Event::new());
    weft::println!("{ev}");
    let e = ev.clone();
    let t = spawn("t", async move { e.wait().await });
    yield_now().await;
    weft::println!("{ev}");
    ev.set();
    weft::println!("woken: {ev}");
    t.await.unwrap();
    weft::println!("{}", Condition::new());
    let barrier = Rc::new(Barrier::new(2).unwrap());
    weft::println!("{barrier}");
    let b = barrier.clone();
    let t = spawn("t", async move { b.wait().await });
    yield_now().await;
    weft::println!("{barrier}");
    barrier.wait().await.unwrap();
    t.await.unwrap().unwrap();
    let q = Queue::new(2);
    weft::println!("{q}");
    q.put_nowait(1).unwrap();
    weft::println!("{q}");
    let lq = Rc::new(LifoQueue::<i32>::new(0));
    let l = lq.clone();
    let g = spawn("g", async move { l.get().await });
    yield_now().await;
    weft::println!("{lq}");
    lq.put_nowait(0).unwrap();
    g.await.unwrap().unwrap();
}
