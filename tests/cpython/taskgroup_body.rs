//! `taskgroup_body.py` in weft. It differs: the runner's cancellation drops the body and the
//! group at once, so the runner's handler runs before the children's (see
//! `docs/asyncio-differences.md`).

use super::{args, t, OnCancel};
use weft::prelude::*;
use weft::tasks::task_group;

async fn work(name: &'static str, d: u64) -> Result<(), ()> {
    let guard = OnCancel::new(name);
    sleep(Duration::from_secs(d)).await;
    guard.disarm();
    weft::println!("{} {name} finished", t());
    Ok(())
}

pub async fn main() {
    let r = spawn("runner", async {
        let guard = OnCancel::new("runner");
        let r = task_group(|tg| async move {
            tg.spawn("a", work("a", 5)).unwrap();
            tg.spawn("b", work("b", 5)).unwrap();
            let body = OnCancel::new("body");
            sleep(Duration::from_secs(10)).await;
            body.disarm();
        })
        .await;
        guard.disarm();
        r
    });
    sleep(Duration::from_secs(1)).await;
    r.cancel_with("stop");
    if let Err(e) = r.await {
        weft::println!("{} main sees {}", t(), args(e.message()));
    }
}
