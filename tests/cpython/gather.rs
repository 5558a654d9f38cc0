//! `gather.py` in weft: an exception is an `Err` the task returns (`Boom`).

use super::{args, py, t, OnCancel};
use weft::prelude::*;
use weft::tasks::{gather, gather_settled, TaskError};
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

fn show(r: &Result<&'static str, TaskError<Boom>>) -> String {
    match r {
        Ok(name) => format!("'{name}'"),
        Err(TaskError::Failed(Boom(name))) => format!("\"Boom{}\"", args(Some(name))),
        Err(TaskError::Cancelled(_)) => "'CancelledError'".to_string(),
    }
}

pub async fn main() {
    let r = gather(tasks(&[("a", 2, false), ("b", 1, false), ("c", 3, false)])).await.unwrap();
    let names: Vec<String> = r.iter().map(|n| format!("'{n}'")).collect();
    weft::println!("{} gather: [{}]", t(), names.join(", "));

    let mut ts = tasks(&[("d", 2, false), ("e", 1, true), ("f", 3, false)]);
    if let Err(TaskError::Failed(Boom(e))) = gather(ts.iter_mut()).await {
        weft::println!(
            "{} gather raised {}, d done: {}, f done: {}",
            t(),
            args(Some(e)),
            py(ts[0].done()),
            py(ts[2].done())
        );
    }
    sleep(Duration::from_secs(3)).await;
    let (f, d) = (ts.pop().unwrap(), ts.remove(0));
    weft::println!("{} d: {}, f: {}", t(), d.await.unwrap().unwrap(), f.await.unwrap().unwrap());

    let ts = tasks(&[("g", 1, false), ("h", 2, true), ("i", 5, false)]);
    let i = ts[2].canceller();
    spawn("cancel_i", async move {
        sleep(Duration::from_secs(3)).await;
        i.cancel_with("no i");
    });
    let r = gather_settled(ts).await;
    weft::println!("{} settled: [{}]", t(), r.iter().map(show).collect::<Vec<_>>().join(", "));

    let g = spawn("gatherer", async {
        let guard = OnCancel::new("gatherer");
        let r = gather(tasks(&[("j", 5, false), ("k", 1, false), ("l", 5, false)])).await;
        guard.disarm();
        r
    });
    sleep(Duration::from_secs(2)).await;
    g.cancel_with("enough");
    if let Err(e) = g.await {
        weft::println!("{} main sees {}", t(), args(e.message()));
    }

    let r = gather(Vec::<Task>::new()).await.unwrap();
    weft::println!("{} empty gather: {:?}", t(), r);
}
