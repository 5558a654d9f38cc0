//! asyncio's synchronization primitives with CPython 3.13 semantics, for any Rust executor.
//!
//! They are single-threaded (`!Sync`, shared with `Rc`, as asyncio's are bound to one loop) and
//! use nothing but `Waker`s, so they run under tokio's `LocalSet`, `futures::executor` or weft.
//! Under weft each describes what it does to the simulator (requests, grants, wake-ups), which
//! traces and checks it; elsewhere that costs one thread-local read per operation.
//!
//! All of them wait the same way, through one waiter list (`waiters.rs`): they differ only in
//! when they wake.
//!
//! ```
//! use weft_primitives::Lock;
//! use std::rc::Rc;
//! # futures::executor::block_on(async {
//! let lock = Rc::new(Lock::new());
//! {
//!     let _held = lock.lock().await; // `async with lock:`
//!     assert!(lock.locked());
//! }
//! assert!(!lock.locked());
//! # });
//! ```

mod barrier;
pub mod cell;
mod condition;
mod error;
mod event;
mod lock;
#[cfg(feature = "mutants")]
pub mod mutants;
mod queue;
pub mod queue_order;
mod repr;
mod semaphore;
mod waiters;

pub use barrier::{Barrier, BarrierState, BarrierWait, BrokenBarrierError, InvalidParties};
pub use condition::{Condition, ConditionGuard, ConditionWait, GuardedWait, Truthy};
pub use error::{ConditionError, LockError, SemaphoreError};
pub use event::{Event, EventWait};
pub use lock::{Acquire, Lock, LockGuard};
pub use queue::{
    GetError, LifoQueue, PriorityQueue, PutError, Queue, QueueGet, QueueJoin, QueueOf, QueuePut, TaskDoneError,
};
pub use semaphore::{BoundedSemaphore, Semaphore, SemaphoreAcquire, SemaphorePermit};
