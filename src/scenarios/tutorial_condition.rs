//! The tutorial's Condition programs (examples 2.1 to 2.4), ported statement by statement: the
//! same tasks, names, sleeps and prints. Five `SetItem` tasks each hand one random value to five
//! `ProcessItem` tasks through the global `X` (here an `Rc<Cell<Option<u64>>>`, a tracked cell), guarded by a
//! Condition.
//!
//! Invariant: every value set is processed exactly once, in the order set (a setter never
//! overwrites an unprocessed value), and no task is left waiting (the run ends with every task
//! finished, or weft reports the deadlock).

use super::{Expect, Faults, Scenario};
use std::rc::Rc;
use std::time::Duration;
use weft_primitives::cell::{Cell, RefCell};
use weft_primitives::{Condition, Lock};
use weft_sim::{current_task, println, random_range, sleep, spawn};

const INVARIANT: &str = "every value set is processed exactly once, in order, and no task is left waiting";

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "condition-wait",
            summary: "tutorial 2.1: setters notify(1) processors that wait() in a while loop",
            invariant: INVARIANT,
            expect: Expect::Holds,
            program: || Box::pin(main(Variant::Wait)),
            faults: Faults::none(),
            tracked: true,
        },
        Scenario {
            name: "condition-wait-for",
            summary: "tutorial 2.2: processors wait_for(predicate) on a Condition over a given Lock",
            invariant: INVARIANT,
            expect: Expect::Holds,
            program: || Box::pin(main(Variant::WaitFor)),
            faults: Faults::none(),
            tracked: true,
        },
        Scenario {
            name: "condition-context",
            summary: "tutorial 2.3: the Condition as a context manager (`async with condition_var`)",
            invariant: INVARIANT,
            expect: Expect::Holds,
            program: || Box::pin(main(Variant::Context)),
            faults: Faults::none(),
            tracked: true,
        },
        Scenario {
            name: "condition-notify-all",
            summary: "tutorial 2.4: setters notify_all(); every waiting processor wakes, one wins",
            invariant: INVARIANT,
            expect: Expect::Holds,
            program: || Box::pin(main(Variant::NotifyAll)),
            faults: Faults::none(),
            tracked: true,
        },
    ]
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// 2.1: `acquire()`/`release()`, `while X == None: wait()`, `notify(n=1)`.
    Wait,
    /// 2.2: `wait_for(is_global_var_set)`, Condition over an explicit Lock.
    WaitFor,
    /// 2.3: `async with condition_var`.
    Context,
    /// 2.4: as 2.3 with `notify_all()`.
    NotifyAll,
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

impl Shared {
    fn set_item(&self, value: u64) {
        if let Some(old) = self.x.get() {
            panic!("'{}' set X to {value} while {old} was still unprocessed: the value {old} is lost", name());
        }
        self.x.set(Some(value));
        self.set.borrow_mut().push(value);
        println!("Task : '{}' setting an item : {}", name(), value);
    }

    fn process_item(&self) {
        let value = self.x.take().unwrap_or_else(|| {
            panic!("'{}' processed X while it was not set: it returned from waiting without a value", name())
        });
        self.processed.borrow_mut().push(value);
        println!("Task : '{}' processing an item : {}", name(), value);
    }
}

fn name() -> String {
    current_task().name().to_string()
}

async fn main(variant: Variant) {
    let condition_var = Rc::new(match variant {
        Variant::Wait => Condition::named("condition_var"),
        _ => Condition::named_with_lock("condition_var", Rc::new(Lock::named("lock"))),
    });
    let shared = Rc::new(Shared::default());
    let mut tasks = Vec::new();
    for i in 1..=5 {
        let value = random_range(1..=50);
        let (cond, shared) = (condition_var.clone(), shared.clone());
        tasks.push(spawn(format!("SetItem{i}"), set_item(variant, cond, shared, value)));
    }
    for i in 1..=5 {
        let (cond, shared) = (condition_var.clone(), shared.clone());
        tasks.push(spawn(format!("ProcessItem{i}"), process_item(variant, cond, shared)));
    }
    for task in tasks {
        task.await.expect("the tutorial never cancels a task");
    }
    let (set, processed) = (shared.set.borrow(), shared.processed.borrow());
    assert_eq!(
        *processed, *set,
        "the values processed differ from the values set: each must be processed exactly once"
    );
    assert!(!condition_var.locked(), "the condition's lock is still held after every task finished");
}

async fn process_item(variant: Variant, condition_var: Rc<Condition>, shared: Rc<Shared>) {
    let not_set =
        || println!("Task : '{}' tried to process item but it was not set. It'll wait for the condition.", name());
    match variant {
        Variant::Wait => {
            condition_var.acquire().await; // Acquired Lock
            while shared.x.get().is_none() {
                not_set();
                condition_var.wait().await.expect("process_item waits holding the lock");
            }
            shared.process_item();
            condition_var.release().expect("process_item holds the lock"); // Released Lock
        }
        Variant::WaitFor => {
            condition_var.acquire().await; // Acquired Lock
            condition_var.wait_for(|| shared.x.get().is_some()).await.expect("process_item waits holding the lock");
            shared.process_item();
            condition_var.release().expect("process_item holds the lock"); // Released Lock
        }
        Variant::Context | Variant::NotifyAll => {
            let mut held = condition_var.lock().await; // Acquired Lock
            while shared.x.get().is_none() {
                not_set();
                held = held.wait().await.expect("process_item waits holding the lock");
            }
            shared.process_item();
        } // Released Lock
    }
}

async fn set_item(variant: Variant, condition_var: Rc<Condition>, shared: Rc<Shared>, value: u64) {
    while shared.x.get().is_some() {
        println!("Task : '{}' tried to set item but its already set. It'll go to sleep for 2 seconds now.", name());
        sleep(Duration::from_secs(2)).await;
    }
    match variant {
        Variant::Wait | Variant::WaitFor => {
            condition_var.acquire().await; // Acquired Lock
            shared.set_item(value);
            condition_var.notify(1).expect("set_item notifies holding the lock");
            condition_var.release().expect("set_item holds the lock"); // Released Lock
        }
        Variant::Context | Variant::NotifyAll => {
            let _held = condition_var.lock().await; // Acquired Lock
            shared.set_item(value);
            let notified = match variant {
                Variant::NotifyAll => condition_var.notify_all(),
                _ => condition_var.notify(1),
            };
            notified.expect("set_item notifies holding the lock");
        } // Released Lock
    }
}
