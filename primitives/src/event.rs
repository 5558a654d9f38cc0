//! asyncio's `Event` (CPython 3.13, `asyncio-semantics.md` A.2).
//!
//! # What it guarantees
//!
//! - **`set()` wakes everyone waiting at that moment**, in the order they began waiting; a
//!   second `set()` is a no-op.
//! - **A woken waiter returns `true` even if `clear()` ran before its task resumed**: it never
//!   re-checks the flag, so `set(); clear()` in one step cannot lose a wake-up.
//! - **No suspension on a set event**: `wait()` on a set event resolves at once (under weft, a
//!   forced-yield fault may first make it suspend once, as tokio's cooperative budget can; that
//!   changes no state).
//! - **Cancellation needs no hand-off**: a dropped `wait()` (before or after its wake-up) just
//!   leaves the list, because `set()` woke every other waiter itself.
//!
//! # State and its invariants
//!
//! - `value`: the flag. `clear()` changes only the flag, never the waiters.
//! - `waiters`: the shared [`WaitList`]. While `value` is true every listed waiter has been
//!   woken (or has its cancellation pending): each is about to return `true`, or to leave.
//!
//! # Trace
//!
//! `set` and `clear` are recorded as `Set` and `Clear`; a `wait()` that suspends as `Wait`,
//! its wake-up as `Wake`, its return as `Resume`, and its cancellation as `Abandon`. A `wait()`
//! on a set event records nothing (it does not wait).

use crate::waiters::{forced_yield, WaitList, WaiterKey};
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft_traces::{Resource, ResourceId};

/// A flag tasks can wait for, with asyncio's semantics, for any executor. (Not to be confused
/// with `weft_traces::Event`, an event of a trace.)
///
/// ```
/// use weft_primitives::Event;
/// # futures::executor::block_on(async {
/// let event = Event::new();
/// assert!(!event.is_set());
/// event.set();
/// assert!(event.wait().await); // set: returns at once
/// event.clear();
/// assert!(!event.is_set());
/// # });
/// ```
pub struct Event {
    state: RefCell<State>,
    resource: Resource,
}

#[derive(Debug, Default)]
struct State {
    value: bool,
    waiters: WaitList,
}

impl Default for Event {
    fn default() -> Event {
        Event::new()
    }
}

impl fmt::Debug for Event {
    /// asyncio's repr: `<Event [unset]>`, `<Event [set, waiters:1]>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.resource.observe();
        let s = self.state.borrow();
        let state = if s.value { "set" } else { "unset" };
        match s.waiters.len() {
            0 => write!(f, "<Event [{state}]>"),
            n => write!(f, "<Event [{state}, waiters:{n}]>"),
        }
    }
}

impl Event {
    /// A new, unset event named "event" in traces.
    ///
    /// ```
    /// assert!(!weft_primitives::Event::new().is_set());
    /// ```
    pub fn new() -> Event {
        Event::named("event")
    }

    /// A new, unset event with a name for traces and reports.
    ///
    /// ```
    /// let event = weft_primitives::Event::named("ready");
    /// assert_eq!(format!("{event:?}"), "<Event [unset]>");
    /// ```
    pub fn named(name: &str) -> Event {
        let resource = Resource::event(name);
        Event { state: RefCell::new(State::default()), resource }
    }

    /// Whether the flag is set.
    ///
    /// ```
    /// let event = weft_primitives::Event::new();
    /// event.set();
    /// assert!(event.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.resource.observe();
        self.state.borrow().value
    }

    /// How many tasks are listed waiting for the flag: still waiting, or woken by `set()` and
    /// not yet run (the `waiters:` of its repr; asyncio's `len(event._waiters)`).
    ///
    /// ```
    /// use futures::FutureExt;
    /// let event = weft_primitives::Event::new();
    /// let mut wait = Box::pin(event.wait());
    /// assert!((&mut wait).now_or_never().is_none());
    /// assert_eq!(event.waiters(), 1);
    /// event.set(); // woken, listed until it runs
    /// assert_eq!(wait.now_or_never(), Some(true));
    /// assert_eq!(event.waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.resource.observe();
        self.state.borrow().waiters.len()
    }

    /// Sets the flag and wakes every waiting task, in FIFO order. Does nothing if already set.
    ///
    /// ```
    /// let event = weft_primitives::Event::new();
    /// event.set();
    /// event.set(); // no-op
    /// assert!(event.is_set());
    /// ```
    pub fn set(&self) {
        let mut s = self.state.borrow_mut();
        if s.value {
            return;
        }
        s.value = true;
        self.resource.set();
        s.waiters.wake_next(usize::MAX, &self.resource);
    }

    /// Clears the flag. Waiters already woken by an earlier `set()` still return `true`.
    ///
    /// ```
    /// let event = weft_primitives::Event::new();
    /// event.set();
    /// event.clear();
    /// assert!(!event.is_set());
    /// ```
    pub fn clear(&self) {
        self.state.borrow_mut().value = false;
        self.resource.clear();
    }

    /// Waits until the flag is set; resolves to `true`. Resolves at once, without suspending,
    /// if it is set already.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let event = weft_primitives::Event::new();
    /// event.set();
    /// assert!(event.wait().await);
    /// # });
    /// ```
    pub fn wait(&self) -> EventWait<'_> {
        EventWait { event: self, waiter: None }
    }

    /// The event's resource id in the running simulation (it registers there on first use,
    /// wherever it was created); `None` outside a simulation.
    ///
    /// ```
    /// assert!(weft_primitives::Event::new().resource_id().is_none()); // not in a run
    /// ```
    pub fn resource_id(&self) -> Option<ResourceId> {
        self.resource.id()
    }
}

/// The future of [`Event::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct EventWait<'a> {
    event: &'a Event,
    waiter: Option<WaiterKey>,
}

impl fmt::Debug for EventWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventWait").field("event", self.event).field("waiting", &self.waiter.is_some()).finish()
    }
}

impl Future for EventWait<'_> {
    type Output = bool;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let event = self.event;
        let mut s = event.state.borrow_mut();
        match self.waiter {
            None if s.value && forced_yield(cx) => Poll::Pending,
            None if s.value => Poll::Ready(true),
            None => {
                self.waiter = Some(s.waiters.push(cx.waker()));
                event.resource.wait();
                Poll::Pending
            }
            // Woken by `set()`: return true without looking at the flag again.
            Some(key) if s.waiters.is_woken(key, cx.waker()) => {
                s.waiters.remove(key);
                self.waiter = None;
                event.resource.resume();
                Poll::Ready(true)
            }
            Some(_) => Poll::Pending,
        }
    }
}

impl Drop for EventWait<'_> {
    /// Cancellation: leave the list. No hand-off: `set()` woke everyone itself.
    fn drop(&mut self) {
        let Some(key) = self.waiter.take() else {
            return;
        };
        self.event.state.borrow_mut().waiters.remove(key);
        self.event.resource.abandon();
    }
}
