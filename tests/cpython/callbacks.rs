//! `callbacks.py` in weft.

use super::t;
use std::rc::Rc;
use weft::prelude::*;
use weft::tasks::{call_at, call_later, call_soon};

async fn sleeper(name: &'static str, d: u64) {
    sleep(Duration::from_secs(d)).await;
    weft::println!("{} {name} woke", t());
}

pub async fn main() {
    let event = Rc::new(Event::new());

    spawn("a", async { weft::println!("{} a runs", t()) });
    let line = format!("{} soon 1", t());
    call_soon(move || weft::println!("{line}"));
    spawn("b", async { weft::println!("{} b runs", t()) });
    let line = format!("{} soon 2", t());
    call_soon(move || weft::println!("{line}"));
    yield_now().await;
    weft::println!("{} main after yield", t());

    spawn("s1", sleeper("s1", 1));
    let e = event.clone();
    spawn("waiter", async move {
        e.wait().await;
        weft::println!("{} waiter woke", t());
    });
    yield_now().await;
    let e = event.clone();
    call_later(Duration::from_secs(1), move || {
        weft::println!("{} later sets the event", t());
        e.set();
    });
    spawn("s2", sleeper("s2", 1));
    let h = call_later(Duration::from_secs(1), || weft::println!("cancelled: never printed"));
    h.cancel();
    call_at(Duration::from_secs(2), || weft::println!("at 2s"));
    sleep(Duration::from_secs(3)).await;
    weft::println!("{} main done", t());
}
