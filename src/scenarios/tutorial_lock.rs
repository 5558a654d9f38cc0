//! The tutorial's Lock programs (examples 1.1 to 1.4), ported statement by statement: the same
//! tasks, names, sleeps and prints. The global `X` is an `Rc<Cell<u64>>`, a tracked cell
//! (`weft::cell`): every read and write of it is in the trace, and the atomicity checker sees
//! the race's lost update without the final assertion ([`lock_race_unasserted`]).

use super::{Expect, Faults, Program, Scenario};
use std::rc::Rc;
use std::time::Duration;
use weft_primitives::cell::Cell;
use weft_primitives::Lock;
use weft_sim::{current_task, println, sleep, spawn};

/// 3 raised to 3, three times over, serialized: the value a correct run ends with.
const SERIALIZED: u64 = 7_625_597_484_987;

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "lock-race",
            summary: "tutorial 1.1: three tasks raise a shared X without a lock and corrupt it",
            invariant: "X ends at 3^27 = 7625597484987, as if the three raises ran one after another",
            expect: Expect::Fails,
            program: || Box::pin(main(Variant::NoLock)),
            faults: Faults::none(),
            tracked: true,
        },
        Scenario {
            name: "lock-raise",
            summary: "tutorial 1.2: the same raises, each inside lock.acquire() / lock.release()",
            invariant: "X ends at 3^27 = 7625597484987, as if the three raises ran one after another",
            expect: Expect::Holds,
            program: || Box::pin(main(Variant::AcquireRelease)),
            faults: Faults::none(),
            tracked: true,
        },
        Scenario {
            name: "lock-polling",
            summary: "tutorial 1.3: tasks poll lock.locked() every 2 s before acquiring",
            invariant: "X ends at 3^27 = 7625597484987, as if the three raises ran one after another",
            expect: Expect::Holds,
            program: || Box::pin(main(Variant::Polling)),
            faults: Faults::none(),
            tracked: true,
        },
        Scenario {
            name: "lock-context",
            summary: "tutorial 1.4: the lock as a context manager (`async with lock`)",
            invariant: "X ends at 3^27 = 7625597484987, as if the three raises ran one after another",
            expect: Expect::Holds,
            program: || Box::pin(main(Variant::Context)),
            faults: Faults::none(),
            tracked: true,
        },
    ]
}

/// The tutorial's 1.1 race with its final assertion removed: the program checks nothing, and
/// only the atomicity checker (`weft::check::Atomicity`) tells that a raise was lost.
pub fn lock_race_unasserted() -> Program {
    Box::pin(async {
        run(Variant::NoLock).await;
    })
}

#[derive(Clone, Copy)]
enum Variant {
    NoLock,
    AcquireRelease,
    Polling,
    Context,
}

async fn main(variant: Variant) {
    let x = run(variant).await;
    assert_eq!(x.get(), SERIALIZED, "X ended at {}, but the three raises run one after another give {SERIALIZED}: the tasks interleaved inside the read-modify-write of X", x.get());
}

/// The three raises of `X`, to their end; returns `X`.
async fn run(variant: Variant) -> Rc<Cell<u64>> {
    let lock = Rc::new(Lock::new());
    let x = Rc::new(Cell::named("X", 3u64));
    let tasks: Vec<_> =
        (1..=3).map(|i| spawn(format!("Raise{i}"), raise(variant, lock.clone(), x.clone(), 3))).collect();
    for task in tasks {
        task.await.expect("the tutorial never cancels a task");
    }
    x
}

fn name() -> String {
    current_task().name().to_string()
}

async fn raise(variant: Variant, lock: Rc<Lock>, x: Rc<Cell<u64>>, y: u32) {
    match variant {
        Variant::NoLock => update(&x, y).await,
        Variant::AcquireRelease => {
            let acquired = lock.acquire().await;
            println!("'{}' acquired lock? {}", name(), if acquired { "True" } else { "False" });
            update(&x, y).await;
            lock.release().expect("the raise holds the lock");
        }
        Variant::Polling => {
            while lock.locked() {
                println!("'{}' tried to acquire lock but it was occupied. Going to sleep again.", name());
                sleep(Duration::from_secs(2)).await;
            }
            let acquired = lock.acquire().await;
            println!("'{}' acquired lock? {}", name(), if acquired { "True" } else { "False" });
            println!("Value of X Initially : {}", x.get());
            multiply(&x, y).await;
            lock.release().expect("the raise holds the lock");
            println!("Value of X After Raise : {}", x.get());
        }
        Variant::Context => {
            let _held = lock.lock().await;
            println!("'{}' acquired lock? {}", name(), if lock.locked() { "True" } else { "False" });
            update(&x, y).await;
        }
    }
}

/// Prints X, raises it to the power `y` by repeated multiplication with a 2 s sleep before each
/// step, and prints it again.
async fn update(x: &Cell<u64>, y: u32) {
    println!("Value of X Initially : {}", x.get());
    multiply(x, y).await;
    println!("Value of X After Raise : {}", x.get());
}

async fn multiply(x: &Cell<u64>, y: u32) {
    let x_init = x.get();
    for _ in 0..y - 1 {
        sleep(Duration::from_secs(2)).await;
        x.set(x.get().wrapping_mul(x_init));
    }
}
