//! `handles.py` in weft.

use super::{args, py, sleeper, t, OnCancel};
use weft::prelude::*;
use weft::JoinHandle;

async fn parent(child: JoinHandle<u64>) -> Result<u64, weft::Cancelled> {
    let guard = OnCancel::new("parent");
    let r = child.await;
    guard.disarm();
    r
}

pub async fn main() {
    // The result, readable without taking it.
    let mut a = spawn("a", sleeper("a", 1));
    weft::println!("{} a done: {}", t(), py(a.done()));
    let r = (&mut a).await.unwrap();
    weft::println!("{} a done: {}, cancelled: {}, result: {}", t(), py(a.done()), py(a.cancelled()), r);

    // cancel(msg) seen by whoever awaits; every request counts.
    let mut b = spawn("b", sleeper("b", 10));
    yield_now().await;
    let c1 = b.cancel_with("stop");
    weft::println!("{} cancel: {}, cancelling: {}", t(), py(c1), b.cancelling());
    let c2 = b.cancel_with("other");
    weft::println!("{} cancel again: {}, cancelling: {}", t(), py(c2), b.cancelling());
    if let Err(e) = (&mut b).await {
        weft::println!(
            "{} awaiter sees {}, cancelled: {}, cancel after: {}",
            t(),
            args(e.message()),
            py(b.cancelled()),
            py(b.cancel())
        );
    }

    // uncancel before the cancellation lands: the task runs on.
    let mut c = spawn("c", sleeper("c", 1));
    c.cancel();
    let cancelling = c.cancelling();
    weft::println!("{} c cancelling: {}, uncancel: {}", t(), cancelling, c.uncancel());
    let r = (&mut c).await.unwrap();
    weft::println!("{} c result: {}, cancelled: {}", t(), r, py(c.cancelled()));

    // Two requests, one revoked: it is still cancelled.
    let mut d = spawn("d", sleeper("d", 1));
    d.cancel();
    d.cancel();
    weft::println!("{} d uncancel: {}", t(), d.uncancel());
    if (&mut d).await.is_err() {
        weft::println!("{} d cancelled: {}", t(), py(d.cancelled()));
    }

    // A cancellation goes down to the task awaited, with its message.
    let child = spawn("child", sleeper("child", 10));
    let child_state = child.canceller();
    let p = spawn("parent", parent(child));
    sleep(Duration::from_secs(1)).await;
    p.cancel_with("down");
    if let Err(e) = p.await {
        weft::println!(
            "{} main sees {}, child cancelled: {}, child cancelling: {}",
            t(),
            args(e.message()),
            py(child_state.cancelled()),
            child_state.cancelling()
        );
    }
}
