//! `Display`: CPython 3.13's `repr()` of each primitive, without the object's address
//! (`<asyncio.locks.Lock object [locked, waiters:1]>` for CPython's
//! `<asyncio.locks.Lock object at 0x7f… [locked, waiters:1]>`), and the queues' `str()`.
//!
//! The counts are the methods' (`waiters()`, `value()`, `n_waiting()`, `getters()`,
//! `putters()`). Where CPython counts a woken waiter whose task has not run yet, weft does too:
//! Lock, Semaphore, Event and Condition keep it in their list until it runs, in both. The
//! queues differ: CPython pops a getter or putter from its deque when it wakes it, while weft
//! keeps it listed until its task runs (so that a woken waiter cancelled before it runs can
//! pass its wake-up on), so `_getters[n]`/`_putters[n]` count it in weft and not in CPython.
//!
//! ```
//! use weft_primitives::{Barrier, Event, Lock, Semaphore};
//! assert_eq!(Lock::new().to_string(), "<asyncio.locks.Lock object [unlocked]>");
//! assert_eq!(Semaphore::new(1).to_string(), "<asyncio.locks.Semaphore object [unlocked, value:1]>");
//! assert_eq!(Event::new().to_string(), "<asyncio.locks.Event object [unset]>");
//! assert_eq!(Barrier::new(2).unwrap().to_string(), "<asyncio.locks.Barrier object [filling, waiters:0/2]>");
//! ```

// Through the modules, not the crate root: tests/resource_api.rs compiles this file again as a
// user's module, where the root's names are weft's own types.
use crate::barrier::Barrier;
use crate::condition::Condition;
use crate::event::Event;
use crate::lock::Lock;
use crate::queue::QueueOf;
use crate::queue_order::Order;
use crate::semaphore::{BoundedSemaphore, Semaphore};
use std::fmt;

/// `<asyncio.locks.{class} object [{state}, waiters:{n}]>`, `waiters` only when some wait.
fn locks(f: &mut fmt::Formatter<'_>, class: &str, state: &str, waiters: usize) -> fmt::Result {
    match waiters {
        0 => write!(f, "<asyncio.locks.{class} object [{state}]>"),
        n => write!(f, "<asyncio.locks.{class} object [{state}, waiters:{n}]>"),
    }
}

impl fmt::Display for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        locks(f, "Lock", if self.locked() { "locked" } else { "unlocked" }, self.waiters())
    }
}

/// CPython's Semaphore repr: `locked`, or `unlocked, value:{n}`.
fn semaphore_state(locked: bool, value: usize) -> String {
    if locked {
        "locked".to_string()
    } else {
        format!("unlocked, value:{value}")
    }
}

impl fmt::Display for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        locks(f, "Semaphore", &semaphore_state(self.locked(), self.value()), self.waiters())
    }
}

impl fmt::Display for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        locks(f, "BoundedSemaphore", &semaphore_state(self.locked(), self.value()), self.waiters())
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        locks(f, "Event", if self.is_set() { "set" } else { "unset" }, self.waiters())
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        locks(f, "Condition", if self.locked() { "locked" } else { "unlocked" }, self.waiters())
    }
}

impl fmt::Display for Barrier {
    /// `[{state}, waiters:{n_waiting}/{parties}]`, always with the count, as CPython's.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<asyncio.locks.Barrier object [{}, waiters:{}/{}]>", self.state(), self.n_waiting(), self.parties())
    }
}

impl<T: fmt::Debug, C: Order<T>> fmt::Display for QueueOf<T, C> {
    /// CPython's `str()` of a queue (its `repr()` adds the address):
    /// `<Queue maxsize=2 _queue=[1] _getters[1] tasks=1>`, the same text as `Debug`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
