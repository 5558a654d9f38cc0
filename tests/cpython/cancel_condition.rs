//! `cancel_condition.py` in weft. It differs: a dropped `wait()` cannot re-take the lock, and
//! passes a notification on only if it had received one (see `docs/asyncio-differences.md`).

use super::{py, t};
use std::rc::Rc;
use weft::prelude::*;

async fn turn() {
    for _ in 0..3 {
        yield_now().await;
    }
}

/// Prints whether the lock is held when the waiter is cancelled, as the `except` does.
struct OnCancel {
    name: &'static str,
    cond: Rc<Condition>,
    armed: bool,
}

impl Drop for OnCancel {
    fn drop(&mut self) {
        if self.armed {
            weft::println!("{} {} cancelled, holds the lock: {}", t(), self.name, py(self.cond.locked()));
        }
    }
}

pub async fn main() {
    let cond = Rc::new(Condition::new());
    let waiter = |name: &'static str| {
        let cond = cond.clone();
        spawn(name, async move {
            let held = cond.lock().await;
            let mut guard = OnCancel { name, cond: cond.clone(), armed: true };
            let held = held.wait().await.unwrap();
            guard.armed = false;
            weft::println!("{} {name} notified", t());
            drop(held);
        })
    };
    let (w1, w2, _w3) = (waiter("w1"), waiter("w2"), waiter("w3"));
    turn().await;
    w1.cancel();
    turn().await;
    weft::println!("{} waiters: {}, locked: {}", t(), cond.waiters(), py(cond.locked()));
    {
        let _held = cond.lock().await;
        cond.notify(1).unwrap();
        w2.cancel();
    }
    turn().await;
    weft::println!("{} waiters: {}, locked: {}", t(), cond.waiters(), py(cond.locked()));
}
