//! Workloads: generic programs that drive one primitive with several tasks doing random
//! sequences of every operation it has (waiting and with timeouts, with cancellations where
//! they hurt), drawn from the run's seed.
//!
//! These, not hand-written schedules, are what find bugs: the kill test runs them against the
//! historical mutants (feature `mutants`) and must find every one with no hint of its schedule,
//! and against the correct primitives, which must pass. Each workload tolerates cancellation
//! (explore it with [`Faults`](crate::Faults)) and asserts what it can about its primitive
//! against its own account (holders, values, indices, items, waiter counts); the checkers add
//! mutual exclusion, FIFO fairness, lost wake-ups and accounting on top.
//!
//! | workload | trait | operations |
//! |---|---|---|
//! | [`lock()`] | [`LockLike`] | acquire, timed acquire, release, release-then-acquire in one step, a release of a free lock (refused) |
//! | [`semaphore()`] | [`SemaphoreLike`] | as the lock's, with [`Permits`] held from the start and released in bursts, over-release |
//! | [`condition()`] | [`ConditionLike`] | wait, wait_for, timed waits (cancelled while waiting or re-taking the lock), notify(1), notify(n), notify_all, a notify without the lock (refused) |
//! | [`event()`] | [`EventLike`] | wait, timed wait, set, clear, set-then-clear in one step |
//! | [`barrier()`] | [`BarrierLike`] | wait, timed wait, abort, reset |
//! | [`queue()`] | [`QueueLike`] | put, put_nowait, get, get_nowait (timed and not), task_done, join, shutdown (immediate or not), the nowait forms after it, a task_done too many (refused) |
//!
//! A workload is generic over its small trait, so it also runs against a primitive of your
//! own. Its building blocks are public too, to compose a workload of your own: [`pause`],
//! [`patience`], [`Timing`] (await an operation untimed or with a timeout), [`settle`] (wait
//! for the workers without waiting forever), and one op generator per primitive
//! ([`LockOp`], [`SemaphoreOp`], [`WaitOp`], [`NotifyOp`], [`EventOp`], [`BarrierOp`],
//! [`PutOp`], [`GetOp`]), each drawn from the run.
//!
//! ```
//! use weft::prelude::*;
//! use weft::workloads;
//! use std::rc::Rc;
//!
//! let report = explore(|| workloads::lock(Rc::new(Lock::new())))
//!     .faults(Faults::all())
//!     .schedules(200)
//!     .environment(false)
//!     .run();
//! report.assert_ok();
//! ```
//!
//! A workload of your own, from the blocks:
//!
//! ```
//! use weft::prelude::*;
//! use weft::workloads::{pause, LockOp};
//! use std::rc::Rc;
//!
//! let report = explore(|| async {
//!     let lock = Rc::new(Lock::new());
//!     let workers: Vec<_> = (0..2)
//!         .map(|i| {
//!             let lock = lock.clone();
//!             spawn(format!("worker{i}"), async move {
//!                 if let LockOp::Hold(timing) = LockOp::draw() {
//!                     if timing.run(lock.acquire()).await.is_some() {
//!                         pause().await;
//!                         lock.release().unwrap();
//!                     }
//!                 }
//!             })
//!         })
//!         .collect();
//!     for w in workers {
//!         let _ = w.await;
//!     }
//!     assert!(!lock.locked());
//! })
//! .schedules(100)
//! .environment(false)
//! .run();
//! report.assert_ok();
//! ```

mod barrier;
mod condition;
mod event;
mod lock;
mod queue;
mod semaphore;
mod timing;

pub use barrier::{barrier, BarrierLike, BarrierOp};
pub use condition::{condition, ConditionLike, NotifyOp, WaitOp};
pub use event::{event, EventLike, EventOp};
pub use lock::{lock, LockLike, LockOp};
pub use queue::{queue, GetOp, PutOp, QueueLike};
pub use semaphore::{semaphore, Permits, SemaphoreLike, SemaphoreOp};
pub use timing::{patience, pause, settle, Timing};
