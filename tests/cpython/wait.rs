//! `wait.py` in weft: `wait` returns the handles in the order given, where asyncio returns
//! sets (the Python program sorts its names).

use super::{py, t, OnCancel};
use weft::prelude::*;
use weft::tasks::{as_completed, wait, ReturnWhen};
use weft::JoinHandle;

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

type Task = JoinHandle<Result<&'static str, Boom>>;

fn tasks(specs: &[(&'static str, u64, bool)]) -> Vec<Task> {
    specs.iter().map(|&(name, d, fail)| spawn(name, work(name, d, fail))).collect()
}

/// The names of the tasks, sorted (`sorted(x.get_name() for x in ts)`); a pending task's name
/// is known to the caller.
fn names(ts: &[Task], pending_names: &[(&Task, &'static str)]) -> String {
    let mut names: Vec<&str> = ts
        .iter()
        .map(|x| match x.result() {
            Some(Ok(Ok(n))) | Some(Ok(Err(Boom(n)))) => n,
            _ => pending_names.iter().find(|(p, _)| p.id() == x.id()).map_or("?", |(_, n)| n),
        })
        .collect();
    names.sort();
    format!("[{}]", names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", "))
}

pub async fn main() {
    let ts = tasks(&[("a", 2, false), ("b", 1, false), ("c", 3, false)]);
    let ids: Vec<_> =
        ts.iter().map(|t| (t.id(), ["a", "b", "c"][ts.iter().position(|x| x.id() == t.id()).unwrap()])).collect();
    let name_of = |x: &Task| ids.iter().find(|(id, _)| *id == x.id()).map_or("?", |(_, n)| n);
    let (done, pending) = wait(ts, ReturnWhen::FirstCompleted, None).await.unwrap();
    let pn: Vec<_> = pending.iter().map(|p| (p, name_of(p))).collect();
    weft::println!("{} first completed: {}, pending: {}", t(), names(&done, &pn), names(&pending, &pn));
    let ts: Vec<Task> = done.into_iter().chain(pending).collect();
    let (done, pending) = wait(ts, ReturnWhen::AllCompleted, None).await.unwrap();
    weft::println!("{} all completed: {}, pending: {}", t(), names(&done, &[]), names(&pending, &[]));

    let ts = tasks(&[("d", 1, false), ("e", 2, true), ("f", 3, false)]);
    let f_state = ts[2].canceller();
    let f_id = ts[2].id();
    let (done, pending) = wait(ts, ReturnWhen::FirstException, None).await.unwrap();
    let pn: Vec<_> = pending.iter().map(|p| (p, "f")).collect();
    weft::println!("{} first exception: {}, pending: {}", t(), names(&done, &pn), names(&pending, &pn));
    let ts: Vec<Task> = done.into_iter().chain(pending).collect();
    let (done, mut pending) = wait(ts, ReturnWhen::AllCompleted, Some(Duration::from_millis(400))).await.unwrap();
    let pn: Vec<_> = pending.iter().map(|p| (p, "f")).collect();
    weft::println!(
        "{} timed out: {}, pending: {}, f cancelled: {}",
        t(),
        names(&done, &pn),
        names(&pending, &pn),
        py(f_state.cancelled())
    );
    assert_eq!(pending[0].id(), f_id);
    let _ = pending.remove(0).await;

    // Already done: wait still suspends once, and other ready tasks run first.
    spawn("other", async { weft::println!("{} other runs", t()) });
    let d: Vec<Task> = done.into_iter().filter(|x| matches!(x.result(), Some(Ok(Ok("d"))))).collect();
    let (done, _) = wait(d, ReturnWhen::AllCompleted, None).await.unwrap();
    weft::println!("{} done already: {}", t(), names(&done, &[]));

    let mut order = Vec::new();
    let mut finished = as_completed(tasks(&[("g", 3, false), ("h", 1, false), ("i", 2, false)]));
    while let Some(task) = finished.next().await {
        order.push(format!("'{}'", task.await.unwrap().unwrap()));
    }
    weft::println!("{} as completed: [{}]", t(), order.join(", "));
}
