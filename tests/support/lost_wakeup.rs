//! A two-task lost wake-up in a hand-written one-shot event, shared by the strategy tests
//! (`tests/explore_pct.rs`, `tests/explore_pos.rs`) and the detection table
//! (`examples/zoo_table.rs`), which include this file with `#[path]`.
//!
//! The event is a flag and one stored waker. Its `wait` checks the flag, then suspends once
//! (any `.await` between a check and a registration: here a `yield_now`) and only then stores
//! its waker, without checking the flag again before it suspends. A `set` that lands in that
//! window finds no waker to wake, and the waiter sleeps forever. The setter yields once before
//! it sets, so asyncio's own order (waiter check, setter yield, waiter registers, setter sets)
//! passes. weft reports the failure at quiescence: the probe re-polls the stuck waiter, which
//! then sees the flag set and finishes (a lost wake-up).

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};
use weft::{spawn, yield_now};

#[derive(Default)]
struct Flag {
    set: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

impl Flag {
    async fn wait(&self) {
        if self.set.get() {
            return;
        }
        yield_now().await; // the window between the check and the registration
        let mut registered = false;
        poll_fn(|cx| {
            // The bug: the first poll registers without looking at the flag again.
            if registered && self.set.get() {
                return Poll::Ready(());
            }
            registered = true;
            *self.waker.borrow_mut() = Some(cx.waker().clone());
            Poll::Pending
        })
        .await;
    }

    fn set(&self) {
        self.set.set(true);
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }
}

/// The program: `waiter` waits on the event, `setter` yields once and sets it.
pub async fn program() {
    let flag = Rc::new(Flag::default());
    let f = flag.clone();
    let waiter = spawn("waiter", async move { f.wait().await });
    let f = flag.clone();
    let setter = spawn("setter", async move {
        yield_now().await;
        f.set();
    });
    waiter.await.unwrap();
    setter.await.unwrap();
}
