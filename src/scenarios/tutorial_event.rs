//! The tutorial's Event program (example 4), ported statement by statement: one `SetItem` task
//! sets five random values into the global `X` (an `Rc<Cell<Option<u64>>>`, a tracked cell) and sets an Event;
//! five `ProcessItem` tasks, one at a time under a Lock, wait for the Event, take the value and
//! clear the Event.
//!
//! Invariant: every value set is processed exactly once, in order (the setter never overwrites an
//! unprocessed value), and no task is left waiting.

use super::{Expect, Faults, Scenario};
use std::rc::Rc;
use std::time::Duration;
use weft_primitives::cell::{Cell, RefCell};
use weft_primitives::{Event, Lock};
use weft_sim::{current_task, println, random_range, sleep, spawn};

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![Scenario {
        name: "event-handoff",
        summary: "tutorial 4: a setter hands five values to processors through an Event",
        invariant: "every value set is processed exactly once, in order, and no task is left waiting",
        expect: Expect::Holds,
        program: || Box::pin(main()),
        faults: Faults::none(),
        tracked: true,
    }]
}

/// The global `X` and what the invariant needs to know about it, in tracked cells.
struct Shared {
    x: Cell<Option<u64>>,
    set: RefCell<Vec<u64>>,
    processed: RefCell<Vec<u64>>,
}

impl Default for Shared {
    fn default() -> Shared {
        Shared {
            x: Cell::named("X", None),
            set: RefCell::named("set", Vec::new()),
            processed: RefCell::named("processed", Vec::new()),
        }
    }
}

fn name() -> String {
    current_task().name().to_string()
}

async fn process_item(event: Rc<Event>, lock: Rc<Lock>, shared: Rc<Shared>) {
    let _held = lock.lock().await;
    while !event.is_set() {
        println!("Task : '{}' tried to process item but it was not set. It'll wait for the condition.", name());
        event.wait().await;
    }
    let value = shared
        .x
        .take()
        .unwrap_or_else(|| panic!("'{}' found the event set but X empty: a value was processed twice", name()));
    println!("Task : '{}' processing an item : {}", name(), value);
    shared.processed.borrow_mut().push(value);
    event.clear();
}

async fn set_item(event: Rc<Event>, shared: Rc<Shared>) {
    for _ in 0..5 {
        while event.is_set() {
            println!("Task : '{}' tried to set item but its already set. It'll go to sleep for 2 seconds now.", name());
            sleep(Duration::from_secs(2)).await;
        }
        let value = random_range(1..=50);
        if let Some(old) = shared.x.replace(Some(value)) {
            panic!("'{}' set X to {value} while {old} was still unprocessed: the value {old} is lost", name());
        }
        shared.set.borrow_mut().push(value);
        event.set();
        println!("Task : '{}' setting an item : {}", name(), value);
    }
}

async fn main() {
    let event = Rc::new(Event::named("event"));
    let lock = Rc::new(Lock::named("lock"));
    let shared = Rc::new(Shared::default());
    let mut tasks = vec![spawn("SetItem", set_item(event.clone(), shared.clone()))];
    for i in 1..=5 {
        tasks.push(spawn(format!("ProcessItem{i}"), process_item(event.clone(), lock.clone(), shared.clone())));
    }
    for task in tasks {
        task.await.expect("the tutorial never cancels a task");
    }
    let (set, processed) = (shared.set.borrow(), shared.processed.borrow());
    assert_eq!(
        *processed, *set,
        "the values processed differ from the values set: each must be processed exactly once"
    );
}
