//! `timeout_tie.py` in weft. It differs: weft's deadline wakes the awaiting task, which then
//! drops the awaited future; the task the deadline would cancel takes its own step first, and
//! finishes (see `docs/asyncio-differences.md`).

use super::{py, t, OnCancel};
use weft::prelude::*;

async fn work(name: &'static str, d: u64) -> &'static str {
    let guard = OnCancel::new(name);
    sleep(Duration::from_secs(d)).await;
    guard.disarm();
    weft::println!("{} {name} finished", t());
    name
}

pub async fn main() {
    let mut d = spawn("d", work("d", 1));
    yield_now().await;
    match timeout(Duration::from_secs(1), &mut d).await {
        Ok(_) => weft::println!("{} d in time", t()),
        Err(_) => weft::println!("{} d timed out, d cancelled: {}", t(), py(d.cancelled())),
    }
}
