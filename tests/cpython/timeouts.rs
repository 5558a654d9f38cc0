//! `timeouts.py` in weft: `async with timeout(d): await x` is `timeout(d, x).await`.

use super::{t, OnCancel};
use weft::prelude::*;
use weft::tasks::{timeout_at, wait_for};

async fn work(name: &'static str, d: u64) -> &'static str {
    let guard = OnCancel::new(name);
    sleep(Duration::from_secs(d)).await;
    guard.disarm();
    weft::println!("{} {name} finished", t());
    name
}

pub async fn main() {
    let r = wait_for(Duration::from_secs(2), work("a", 1)).await.unwrap();
    weft::println!("{} wait_for: {r}", t());
    if wait_for(Duration::from_secs(1), work("b", 5)).await.is_err() {
        weft::println!("{} b timed out", t());
    }

    // The same instant: the deadline was scheduled before the sleep.
    match timeout(Duration::from_secs(1), work("c", 1)).await {
        Ok(_) => weft::println!("{} c in time", t()),
        Err(_) => weft::println!("{} c timed out", t()),
    }

    if timeout_at(now() + Duration::from_secs(2), work("e", 3)).await.is_err() {
        weft::println!("{} e timed out at the deadline", t());
    }

    let r = timeout(Duration::from_secs(5), work("f", 1)).await.unwrap();
    weft::println!("{} f: {r}", t());
}
