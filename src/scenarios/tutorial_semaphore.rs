//! The tutorial's Semaphore programs (examples 3.1 and 3.2), ported statement by statement: ten
//! `ProcessItem` tasks share a pool of three connections (the global `X`) through a
//! `Semaphore(value=3)`. The tutorial's CPU-busy list comprehension is plain synchronous work.
//!
//! Invariant: at most three tasks hold the semaphore at once, and the connection pool is never
//! popped empty.

use super::{Expect, Faults, Scenario};
use std::rc::Rc;
use weft_primitives::cell::{Cell, RefCell};
use weft_primitives::Semaphore;
use weft_sim::{current_task, println, spawn};

const INVARIANT: &str = "at most three tasks hold the semaphore and the pool is never popped empty";

/// The semaphore's value, and the size of the pool.
const CONNECTIONS: usize = 3;

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "semaphore-pool",
            summary: "tutorial 3.1: ten tasks share three connections through acquire()/release()",
            invariant: INVARIANT,
            expect: Expect::Holds,
            program: || Box::pin(main(Variant::AcquireRelease)),
            faults: Faults::none(),
            tracked: true,
        },
        Scenario {
            name: "semaphore-context",
            summary: "tutorial 3.2: the same with the semaphore as a context manager",
            invariant: INVARIANT,
            expect: Expect::Holds,
            program: || Box::pin(main(Variant::Context)),
            faults: Faults::none(),
            tracked: true,
        },
    ]
}

#[derive(Clone, Copy)]
enum Variant {
    AcquireRelease,
    Context,
}

/// The pool `X` and how many tasks hold the semaphore.
struct Pool {
    x: RefCell<Vec<String>>,
    holders: Cell<usize>,
}

impl Pool {
    fn enter(&self) {
        let holders = self.holders.get() + 1;
        self.holders.set(holders);
        assert!(
            holders <= CONNECTIONS,
            "'{}' acquired the semaphore while {} others held it: Semaphore(value={CONNECTIONS}) admitted {holders}",
            name(),
            holders - 1
        );
    }

    fn leave(&self) {
        self.holders.set(self.holders.get() - 1);
    }

    /// Python's `repr` of the list: `['Connection2', 'Connection3', 'Connection1']`.
    fn repr(&self) -> String {
        let items: Vec<String> = self.x.borrow().iter().map(|c| format!("'{c}'")).collect();
        format!("[{}]", items.join(", "))
    }
}

fn name() -> String {
    current_task().name().to_string()
}

async fn use_connection(pool: &Pool) {
    let conn_obj = {
        let mut x = pool.x.borrow_mut();
        assert!(!x.is_empty(), "'{}' popped the connection pool while it was empty", name());
        x.remove(0)
    };
    // Using CPU to give impression of using connection object.
    let busy: u64 = (0..5_000u64).map(|i| i * i).sum();
    std::hint::black_box(busy);
    println!("Task : '{}' uses '{}' object for transferring data.", name(), conn_obj);
    pool.x.borrow_mut().push(conn_obj);
}

async fn process_item(variant: Variant, resources: Rc<Semaphore>, pool: Rc<Pool>) {
    match variant {
        Variant::AcquireRelease => {
            resources.acquire().await;
            work(&resources, &pool).await;
            resources.release();
        }
        Variant::Context => {
            let _permit = resources.permit().await;
            work(&resources, &pool).await;
        }
    }
}

/// The body between acquire and release.
async fn work(resources: &Semaphore, pool: &Pool) {
    pool.enter();
    println!("Task : '{}' acquired resource. Semaphore : {}", name(), resources.value());
    use_connection(pool).await;
    println!("Task : '{}' released resource. X : {}", name(), pool.repr());
    pool.leave();
}

async fn main(variant: Variant) {
    let resources = Rc::new(Semaphore::named("resources", CONNECTIONS));
    let pool = Rc::new(Pool {
        x: RefCell::named("X", (1..=CONNECTIONS).map(|i| format!("Connection{i}")).collect()),
        holders: Cell::named("holders", 0),
    });
    let tasks: Vec<_> = (1..=10)
        .map(|i| spawn(format!("ProcessItem{i}"), process_item(variant, resources.clone(), pool.clone())))
        .collect();
    for task in tasks {
        task.await.expect("the tutorial never cancels a task");
    }
    assert_eq!(pool.x.borrow().len(), CONNECTIONS, "connections were lost or duplicated");
}
