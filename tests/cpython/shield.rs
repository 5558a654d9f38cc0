//! `shield.py` in weft: the waiter returns the shield's `Err(Cancelled)` where the Python
//! waiter re-raises it.

use super::{args, py, t, OnCancel};
use weft::prelude::*;
use weft::tasks::shield;
use weft::{Cancelled, JoinHandle};

async fn work(name: &'static str, d: u64) -> &'static str {
    let guard = OnCancel::new(name);
    sleep(Duration::from_secs(d)).await;
    guard.disarm();
    weft::println!("{} {name} finished", t());
    name
}

async fn waiter(inner: JoinHandle<&'static str>) -> Result<&'static str, Cancelled> {
    let guard = OnCancel::new("waiter");
    let r = shield(inner).await;
    guard.disarm();
    if let Err(e) = &r {
        weft::println!("{} waiter cancelled {}", t(), args(e.message()));
    }
    r
}

pub async fn main() {
    // The waiter takes the handle; main keeps a canceller, and waits as long as CPython's
    // `await inner` does.
    let inner = spawn("inner", work("inner", 2));
    let inner_state = inner.canceller();
    let w = spawn("waiter", waiter(inner));
    sleep(Duration::from_secs(1)).await;
    w.cancel_with("go");
    let mut w = w;
    if (&mut w).await.is_err() {
        weft::println!("{} waiter: cancelled {}, inner done {}", t(), py(w.cancelled()), py(inner_state.done()));
    }
    sleep(Duration::from_secs(1)).await; // inner's own timer, registered first, fires first
    assert!(inner_state.done() && !inner_state.cancelled());
    weft::println!("{} inner: inner", t());

    let inner = spawn("inner2", work("inner2", 2));
    let inner_state = inner.canceller();
    let w = spawn("waiter2", waiter(inner));
    sleep(Duration::from_secs(1)).await;
    inner_state.cancel_with("inner itself");
    if let Ok(Err(e)) = w.await {
        weft::println!("{} waiter2 sees {}", t(), args(e.message()));
    }
}
