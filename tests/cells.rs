//! Tracked cells (`weft::cell::{Cell, RefCell}`): the same behaviour as `std`'s inside and
//! outside a run, and under weft every read and write recorded with its task, step and cell.

use std::rc::Rc;
use weft::cell::{Cell, RefCell};
use weft::prelude::*;
use weft::traces::{Event, Op, ResourceKind};

/// The accesses to cells in a run's trace: (step, task name, cell name, op).
fn accesses(run: &weft::Run<()>) -> Vec<(u64, String, String, &'static str)> {
    let trace = &run.trace;
    let mut names = std::collections::BTreeMap::new();
    let mut tasks = Vec::new();
    let mut out = Vec::new();
    for r in &trace.events {
        match &r.event {
            Event::Spawn { name, .. } => tasks.push(name.clone()),
            Event::NewResource { id, kind: ResourceKind::Cell, name, .. } => {
                names.insert(*id, name.clone());
            }
            Event::Resource { id, op: op @ (Op::Read | Op::Write) } => {
                let task = r.task.map(|t| tasks[t.index()].clone()).unwrap_or_default();
                out.push((r.step, task, names[id].clone(), op.name()));
            }
            _ => {}
        }
    }
    out
}

#[test]
fn every_read_and_write_is_recorded_with_its_task_and_step() {
    let run = Runtime::new().run(async {
        let x = Rc::new(Cell::named("X", 3u64));
        let log = Rc::new(RefCell::named("log", Vec::new()));
        let (x2, log2) = (x.clone(), log.clone());
        let raise = spawn("Raise", async move {
            let v = x2.get();
            yield_now().await;
            x2.set(v * 3);
            log2.borrow_mut().push(v);
        });
        raise.await.unwrap();
        assert_eq!((x.get(), log.borrow().clone()), (9, vec![3]));
    });
    assert!(run.is_ok(), "{:?}", run.failure);
    let s = |t: &str| t.to_string();
    assert_eq!(
        accesses(&run),
        [
            (2, s("Raise"), s("X"), "read"),
            (3, s("Raise"), s("X"), "write"),
            (3, s("Raise"), s("log"), "write"),
            (4, s("main"), s("X"), "read"),
            (4, s("main"), s("log"), "read"),
        ]
    );
    let text = run.trace.to_text();
    assert!(text.contains("new Cell 'X'") && text.contains("Raise          Cell 'X': write"), "{text}");
    // A stored trace with cells is consistent, and the checkers find nothing in it.
    let stored = weft::Trace::from_json(&run.trace.to_json()).unwrap();
    assert_eq!(weft::check::judge(&stored), Ok(None));
}

#[test]
fn a_cell_made_with_new_is_named_after_where_it_was_made() {
    let run = Runtime::new().run(async {
        let c = Cell::new(0);
        c.set(1);
    });
    let made = accesses(&run);
    assert_eq!(made.len(), 1);
    assert!(made[0].2.starts_with("tests/cells.rs:"), "{made:?}");
}

#[test]
fn a_cell_made_outside_a_run_is_tracked_in_each_run_it_is_used_in() {
    let shared = Rc::new(Cell::named("outside", 0));
    for expected in 1..=2 {
        let c = shared.clone();
        let run = Runtime::new().run(async move { c.set(c.get() + 1) });
        let made = accesses(&run);
        assert_eq!(made.iter().map(|a| a.3).collect::<Vec<_>>(), ["read", "write"], "run {expected}");
        assert!(run.trace.to_text().contains("new Cell 'outside' (r0)"), "a fresh id in each run");
        assert_eq!(shared.get(), expected);
    }
}

#[test]
fn cells_behave_as_std_cells_under_every_strategy() {
    // The same program with std cells and with tracked cells ends the same way, schedule by
    // schedule.
    async fn program<C: Counter + 'static>(c: Rc<C>) -> u64 {
        let tasks: Vec<_> = (0..3)
            .map(|i| {
                let c = c.clone();
                spawn(format!("t{i}"), async move {
                    let v = c.read();
                    yield_now().await;
                    c.write(v + 1);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        c.read()
    }
    trait Counter {
        fn read(&self) -> u64;
        fn write(&self, v: u64);
    }
    impl Counter for std::cell::Cell<u64> {
        fn read(&self) -> u64 {
            self.get()
        }
        fn write(&self, v: u64) {
            self.set(v)
        }
    }
    impl Counter for Cell<u64> {
        fn read(&self) -> u64 {
            self.get()
        }
        fn write(&self, v: u64) {
            self.set(v)
        }
    }
    for seed in 0..50 {
        let runtime = Runtime::new().strategy(Strategy::Random).seed(seed);
        let plain = runtime.run(program(Rc::new(std::cell::Cell::new(0))));
        let tracked = runtime.run(program(Rc::new(Cell::new(0))));
        assert_eq!(plain.output, tracked.output, "seed {seed}");
        assert_eq!(plain.schedule, tracked.schedule, "seed {seed}");
    }
}

#[test]
fn refcell_borrows_follow_std_rules_inside_a_run() {
    let run = Runtime::new().run(async {
        let r = RefCell::named("r", 1);
        let held = r.borrow_mut();
        assert!(r.try_borrow().is_err());
        drop(held);
        *r.borrow_mut() += 1;
        let _again = r.borrow();
        let _twice = r.borrow(); // two readers at once are fine
        assert_eq!(*r.borrow(), 2);
    });
    assert!(run.is_ok(), "{:?}", run.failure);
}
