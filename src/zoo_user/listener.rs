//! EL-1: smol-rs `event-listener`'s `Event` and `EventListener::wait_timeout`, ported as a
//! user-style primitive.
//!
//! **Invariant its bug breaks:** no listener entry stays listed once its listener stopped
//! waiting (and so no notification goes to a listener that is gone).
//!
//! Source: event-listener commit `2cbf642a3783e53eae4c585fdc5faab7f3453836` ("Remove entry and
//! check if notified before timing out", 2020-05-25); 1.0.0–1.1.0 affected, fixed in 1.1.1
//! (CHANGELOG: "Fix a bug in `EventListener::wait_timeout()`").
//!
//! event-listener's list: `listen()` inserts an entry at once; `notify(n)` notifies entries
//! in order until `n` of them are notified (entries already notified count); a listener that
//! returns removes its entry, and one dropped while notified passes its notification on.
//! Before the fix, `wait_timeout` took the entry out of the listener and, at the deadline, just
//! returned `false`: the entry stayed listed forever (`Drop` had nothing to remove), so the
//! next `notify(1)` went to the phantom and the live listeners slept on. The fix removes the
//! entry at the deadline and returns whether it had been notified. The mutant
//! ([`Event::mutant`]) leaves it.
//!
//! The original `wait_timeout` blocks a thread; this port is its async counterpart, with the
//! deadline a virtual `sleep` polled together with the entry inside the primitive (an
//! external `timeout()` would drop the listener, which 1.1.0 handled correctly). The logic is
//! the same; the call is transposed.
//!
//! Described as a Condition-like resource ([`Resource::condition`]): `wait` when a listener
//! begins to wait, `resume` when it returns notified, `abandon` when it returns without a
//! notification or is dropped, `wake` and `notify(n, woken)` at every notification.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use weft_sim::Sleep;
use weft_traces::resource::{self, Resource};
use weft_traces::TaskId;

/// An event-listener `Event`: listeners, notified `n` at a time.
///
/// ```
/// use weft::zoo_user::listener::Event;
/// let event = Event::new();
/// let listener = event.listen();
/// assert_eq!(event.listeners(), 1);
/// event.notify(1);
/// drop(listener); // notified and dropped: passed on (to nobody here)
/// assert_eq!(event.listeners(), 0);
/// ```
pub struct Event {
    entries: RefCell<VecDeque<Rc<Entry>>>,
    res: Resource,
    remove_at_deadline: bool,
}

struct Entry {
    notified: Cell<bool>,
    task: Cell<Option<TaskId>>,
    waker: RefCell<Option<Waker>>,
}

impl Event {
    /// The correct event (event-listener 1.1.1).
    pub fn new() -> Event {
        Event::build(true)
    }

    /// The historical mutant (event-listener 1.0.0–1.1.0): a timed-out `wait_timeout` leaves
    /// its entry listed.
    #[cfg(feature = "mutants")]
    pub fn mutant() -> Event {
        Event::build(false)
    }

    fn build(remove_at_deadline: bool) -> Event {
        Event { entries: RefCell::default(), res: Resource::condition("event"), remove_at_deadline }
    }

    /// The entries listed now.
    pub fn listeners(&self) -> usize {
        self.entries.borrow().len()
    }

    /// `listen()`: a listener, its entry listed at once.
    pub fn listen(&self) -> Listener<'_> {
        let entry = Rc::new(Entry { notified: Cell::new(false), task: Cell::new(None), waker: RefCell::new(None) });
        self.entries.borrow_mut().push_back(entry.clone());
        Listener { event: self, entry: Some(entry), waiting: false }
    }

    /// `notify(n)`: notifies entries in order until `n` are notified (those already notified
    /// count). Returns how many it notified now.
    pub fn notify(&self, n: usize) -> usize {
        let entries = self.entries.borrow();
        let already = entries.iter().filter(|e| e.notified.get()).count();
        let mut woken = 0;
        for e in entries.iter().filter(|e| !e.notified.get()).take(n.saturating_sub(already)) {
            e.notified.set(true);
            if let Some(task) = e.task.get() {
                self.res.wake(task);
            }
            if let Some(w) = e.waker.borrow().as_ref() {
                w.wake_by_ref();
            }
            woken += 1;
        }
        self.res.notify(n as u64, woken as u64);
        woken
    }

    fn remove(&self, entry: &Rc<Entry>) {
        self.entries.borrow_mut().retain(|e| !Rc::ptr_eq(e, entry));
    }
}

impl Default for Event {
    fn default() -> Event {
        Event::new()
    }
}

/// A listener of an [`Event`] (`EventListener`).
pub struct Listener<'a> {
    event: &'a Event,
    entry: Option<Rc<Entry>>,
    waiting: bool,
}

impl<'a> Listener<'a> {
    /// `wait_timeout(timeout)`: waits for a notification for at most `timeout` of virtual
    /// time; true if notified.
    pub fn wait_timeout(self, timeout: Duration) -> WaitTimeout<'a> {
        WaitTimeout { listener: self, deadline: Box::pin(weft_sim::sleep(timeout)) }
    }
}

impl Drop for Listener<'_> {
    fn drop(&mut self) {
        let Some(entry) = self.entry.take() else { return };
        self.event.remove(&entry);
        if self.waiting {
            self.event.res.abandon();
        }
        if entry.notified.get() {
            self.event.notify(1); // pass the notification on
        }
    }
}

/// The future of [`Listener::wait_timeout`].
#[must_use = "futures do nothing unless awaited"]
pub struct WaitTimeout<'a> {
    listener: Listener<'a>,
    deadline: Pin<Box<Sleep>>,
}

impl Future for WaitTimeout<'_> {
    type Output = bool;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let Some(entry) = self.listener.entry.clone() else { return Poll::Ready(false) };
        let event = self.listener.event;
        if entry.notified.get() {
            event.remove(&entry);
            self.listener.entry = None;
            if self.listener.waiting {
                event.res.resume();
            }
            return Poll::Ready(true);
        }
        if !self.listener.waiting {
            self.listener.waiting = true;
            entry.task.set(resource::current_task());
            event.res.wait();
        }
        *entry.waker.borrow_mut() = Some(cx.waker().clone());
        if self.deadline.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        // The deadline: the entry is taken out of the listener (its Drop removes nothing).
        self.listener.entry = None;
        event.res.abandon();
        if event.remove_at_deadline {
            event.remove(&entry);
            if entry.notified.get() {
                return Poll::Ready(true);
            }
        }
        Poll::Ready(false)
    }
}
