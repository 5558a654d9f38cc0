//! The Event workload: `wait` (untimed and timed) against `set`, `clear`, and a set cleared in
//! the same step.

use super::timing::{pause, Timing};
use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use weft_primitives::Event;
use weft_sim::{random_range, spawn};

/// What the Event workload needs of an event.
///
/// ```
/// use weft::workloads::EventLike;
/// use weft::{Event, Runtime};
/// let run = Runtime::new().run(async {
///     let event = Event::new();
///     EventLike::set(&event);
///     (EventLike::wait(&event).await, EventLike::waiters(&event))
/// });
/// assert_eq!(run.output, Some((true, 0)));
/// ```
pub trait EventLike: 'static {
    /// Sets the flag and wakes every waiter.
    fn set(&self);
    /// Clears the flag.
    fn clear(&self);
    /// Whether the flag is set.
    fn is_set(&self) -> bool;
    /// Waits until the flag is set; `true`. Dropping the future withdraws the wait.
    fn wait(&self) -> impl Future<Output = bool> + '_;
    /// How many tasks are listed waiting (still waiting, or woken and not yet run).
    fn waiters(&self) -> usize;
}

impl EventLike for Event {
    fn set(&self) {
        Event::set(self)
    }
    fn clear(&self) {
        Event::clear(self)
    }
    fn is_set(&self) -> bool {
        Event::is_set(self)
    }
    fn wait(&self) -> impl Future<Output = bool> + '_ {
        Event::wait(self)
    }
    fn waiters(&self) -> usize {
        Event::waiters(self)
    }
}

/// What the Event workload's setter does in one round, drawn from the run.
///
/// ```
/// use weft::workloads::EventOp;
/// use weft::Runtime;
/// let run = Runtime::new().seed(5).run(async { (0..20).map(|_| EventOp::draw()).collect::<Vec<_>>() });
/// assert!(run.output.unwrap().contains(&EventOp::Pulse));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventOp {
    /// `set()`.
    Set,
    /// `clear()`.
    Clear,
    /// `set()` then `clear()` in the same step: everyone waiting must still return.
    Pulse,
    /// Nothing this round.
    Skip,
}

impl EventOp {
    /// Each one time in four.
    pub fn draw() -> EventOp {
        match random_range(0..=3) {
            0 => EventOp::Set,
            1 => EventOp::Clear,
            2 => EventOp::Pulse,
            _ => EventOp::Skip,
        }
    }
}

/// The workload's own record of the flag: how many times it went from clear to set.
#[derive(Default)]
struct Sets(Cell<u32>);

impl Sets {
    fn set<E: EventLike>(&self, event: &E) {
        if !event.is_set() {
            self.0.set(self.0.get() + 1);
        }
        event.set();
        assert!(event.is_set(), "set() returned, yet is_set() is false");
    }
}

/// Three waiters, three rounds each: `wait()`, untimed or with a timeout (cancelling it while
/// it waits, or after a `set()` woke it). A setter does four rounds of [`EventOp`]; main sets
/// the event once the setter is done, releasing whoever still waits. Asserts that a `wait()`
/// returns `true` only if the event was set when it began or has been set since, that `set()`
/// and `clear()` show in `is_set()`, and at the end that no waiter is left listed.
///
/// ```
/// use weft::{workloads, Event, Runtime};
/// use std::rc::Rc;
/// let run = Runtime::new().seed(7).run(workloads::event(Rc::new(Event::new())));
/// assert!(run.is_ok(), "{:?}", run.failure);
/// ```
pub async fn event<E: EventLike>(event: Rc<E>) {
    let sets = Rc::new(Sets::default());
    let waiters: Vec<_> = (1..=3)
        .map(|i| {
            let (event, sets) = (event.clone(), sets.clone());
            spawn(format!("waiter{i}"), async move {
                for _ in 0..3 {
                    pause().await;
                    let (was_set, seen) = (event.is_set(), sets.0.get());
                    let Some(returned) = Timing::draw().run(event.wait()).await else {
                        continue; // timed out
                    };
                    assert!(returned, "wait() returned false");
                    assert!(
                        was_set || sets.0.get() > seen,
                        "wait() returned, but the event was not set when it began and has not been set since"
                    );
                }
            })
        })
        .collect();
    let setter = {
        let (event, sets) = (event.clone(), sets.clone());
        spawn("setter", async move {
            for _ in 0..4 {
                pause().await;
                match EventOp::draw() {
                    EventOp::Set => sets.set(&*event),
                    EventOp::Clear => {
                        event.clear();
                        assert!(!event.is_set(), "clear() returned, yet is_set() is true");
                    }
                    EventOp::Pulse => {
                        sets.set(&*event);
                        event.clear();
                    }
                    EventOp::Skip => {}
                }
            }
        })
    };
    let _ = setter.await; // a fault may cancel it
    sets.set(&*event); // nobody clears it from now on: every wait returns
    for w in waiters {
        let _ = w.await;
    }
    let listed = event.waiters();
    assert_eq!(listed, 0, "no task waits on the event, yet it lists {listed} waiter(s)");
}
