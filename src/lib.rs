//! weft: deterministic simulation and property testing for asyncio-style synchronization
//! primitives.
//!
//! A virtual-time scheduler runs a program's tasks one step at a time, in asyncio's own order or
//! in any other legal order a strategy picks, records every run as a trace, and replays any run
//! from one printed `weft2:` line.
//!
//! The five-line test a newcomer copies first:
//!
//! ```
//! use weft::prelude::*;
//! use std::rc::Rc;
//!
//! let run = Runtime::new().run(async {
//!     let lock = Rc::new(Lock::new());
//!     let tasks: Vec<_> = (0..3)
//!         .map(|i| {
//!             let lock = lock.clone();
//!             spawn(format!("worker{i}"), async move {
//!                 let _held = lock.lock().await;
//!                 sleep(Duration::from_secs(1)).await;
//!             })
//!         })
//!         .collect();
//!     for t in tasks {
//!         t.await.unwrap();
//!     }
//! });
//! assert!(run.is_ok(), "{:?}", run.failure);
//! assert_eq!(run.elapsed, Duration::from_secs(3)); // the lock serialized them
//! ```

pub mod scenarios;
pub mod workloads;
pub mod zoo_user;

pub use weft_primitives as primitives;
pub use weft_sim as sim;
pub use weft_traces as traces;

/// Tracked cells: `std`'s `Cell` and `RefCell` whose reads and writes weft records (see
/// [`weft_primitives::cell`]).
pub use weft_primitives::cell;
pub use weft_primitives::*;
// Exploration: `weft::explore(|| async { ... }).run().assert_ok()`.
/// asyncio's task functions: `gather`, `task_group`, `wait`, `as_completed`, `shield`,
/// `wait_for`, `timeout_at`, `call_soon`, `call_later`, `call_at`.
pub use weft_sim::tasks;
pub use weft_sim::{
    current_task, now, print, println, random_range, sleep, spawn, timeout, yield_now, CancelHandle, Cancelled, Choice,
    Elapsed, Failure, JoinHandle, Run, Runtime, Schedule, ScheduleError, Strategy, TaskId, TaskInfo,
};
pub use weft_sim::{eventually, eventually_within, invariant};
pub use weft_sim::{explore, Explore, Faults, Found, Reduction, Report};
pub use weft_traces::{Trace, Violation, ViolationKind};

/// Checks a stored trace offline with every invariant weft checks online (the same verdict as
/// the run that recorded it), and the checkers themselves (`weft::check::Invariants`).
///
/// ```
/// use weft::prelude::*;
/// let run = Runtime::new().run(async {
///     let lock = Lock::new();
///     let _held = lock.lock().await;
/// });
/// assert_eq!(weft::check(&run.trace), None);
/// ```
pub use weft_traces::check;
/// How a primitive tells weft's checkers what it does: weft's own primitives use it, and so
/// does one you write (or wrap), which then gets every checker they get.
///
/// ```
/// use weft::resource::Resource;
/// let lock = Resource::lock("mine"); // registers with the run it is used in
/// lock.request();
/// lock.grant();
/// lock.release();
/// ```
pub use weft_traces::resource;
pub use weft_traces::Resource;

/// Everything a test under weft usually needs.
pub mod prelude {
    pub use crate::{
        current_task, now, random_range, sleep, spawn, timeout, yield_now, Lock, Runtime, Schedule, Strategy,
    };
    pub use crate::{explore, Faults, Reduction};
    pub use crate::{Barrier, Queue};
    pub use crate::{BoundedSemaphore, Condition, Event, Semaphore};
    pub use std::time::Duration;
}
