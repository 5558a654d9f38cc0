//! `taskgroup.py` in weft: the `async with TaskGroup() as tg:` block is the closure given to
//! `task_group`; `except* Boom` reads the `GroupError`.

use super::{args, t, OnCancel};
use weft::prelude::*;
use weft::tasks::{task_group, GroupError};

#[derive(Clone, Debug, PartialEq)]
struct Boom(&'static str);

async fn work(name: &'static str, d: u64, fail: bool) -> Result<&'static str, Boom> {
    let guard = OnCancel::new(name);
    sleep(Duration::from_secs(d)).await;
    guard.disarm();
    if fail {
        weft::println!("{} {name} fails", t());
        return Err(Boom(name));
    }
    weft::println!("{} {name} finished", t());
    Ok(name)
}

pub async fn main() {
    let r = task_group(|tg| async move {
        let a = tg.spawn("a", work("a", 2, false)).unwrap();
        let b = tg.spawn("b", work("b", 1, false)).unwrap();
        weft::println!("{} body done", t());
        (a, b)
    })
    .await;
    if let Ok((a, b)) = r {
        let (a, b) = (a.result().unwrap().unwrap().unwrap(), b.result().unwrap().unwrap().unwrap());
        weft::println!("{} group done: {a}, {b}", t());
    }

    let r = task_group(|tg| async move {
        tg.spawn("c", work("c", 1, true)).unwrap();
        tg.spawn("d", work("d", 1, true)).unwrap();
        tg.spawn("e", work("e", 5, false)).unwrap();
        let body = OnCancel::plain("body cancelled");
        sleep(Duration::from_secs(10)).await;
        body.disarm();
        weft::println!("{} body finished", t());
    })
    .await;
    if let Err(GroupError { errors }) = r {
        let names: Vec<String> = errors.iter().map(|Boom(n)| format!("'{n}'")).collect();
        weft::println!("{} errors: [{}]", t(), names.join(", "));
    }

    let r = spawn("runner", async {
        let guard = OnCancel::new("runner");
        let r = task_group(|tg| async move {
            tg.spawn("f", work("f", 5, false)).unwrap();
            tg.spawn("g", work("g", 5, false)).unwrap();
        })
        .await;
        guard.disarm();
        weft::println!("{} runner finished", t());
        r
    });
    sleep(Duration::from_secs(1)).await;
    r.cancel_with("stop");
    if let Err(e) = r.await {
        weft::println!("{} main sees {}", t(), args(e.message()));
    }
}
