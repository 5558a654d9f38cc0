//! The event-listener workload (EL-1).

use super::{patience, pause};
use crate::zoo_user::listener::Event;
use std::cell::Cell;
use std::rc::Rc;
use weft_sim::{invariant, random_range, spawn, timeout};

/// Three listeners, three rounds each: listen, then wait with the listener's own timeout
/// (`wait_timeout`) or under an outer `timeout()` that drops it; one notifier calls
/// `notify(1)` four times between pauses (only `notify(1)`: event-listener 1.x passes a dropped
/// listener's notification on with `notify(1)`, "at least one notified", which after a
/// `notify(2)` may pass nothing on, and the Condition checker holds it to asyncio's rule). Rule "no entry without a listener",
/// checked after every step: the event's listed entries never outnumber the listeners alive.
///
/// ```
/// use weft::{zoo_user::{listener::Event, workloads}, Runtime};
/// use std::rc::Rc;
/// let run = Runtime::new().seed(2).run(workloads::listener(Rc::new(Event::new())));
/// assert!(run.is_ok(), "{:?}", run.failure);
/// ```
pub async fn listener(event: Rc<Event>) {
    let alive = Rc::new(Cell::new(0usize));
    let (watched, a) = (event.clone(), alive.clone());
    invariant("no entry without a listener", move || match (watched.listeners(), a.get()) {
        (listed, alive) if listed > alive => Err(format!("{listed} entries listed, but only {alive} listeners alive")),
        _ => Ok(()),
    });
    let mut tasks: Vec<_> = (1..=3)
        .map(|i| {
            let (event, alive) = (event.clone(), alive.clone());
            spawn(format!("listener{i}"), async move {
                for _ in 0..3 {
                    {
                        let _alive = Alive::enter(&alive);
                        let listener = event.listen();
                        match random_range(0..=1) {
                            0 => {
                                listener.wait_timeout(patience()).await;
                            }
                            _ => {
                                let _ = timeout(patience(), listener.wait_timeout(patience() * 2)).await;
                            }
                        }
                    }
                    pause().await;
                }
            })
        })
        .collect();
    let notifier = event.clone();
    tasks.push(spawn("notifier", async move {
        for _ in 0..4 {
            pause().await;
            notifier.notify(1);
        }
    }));
    for t in tasks {
        let _ = t.await;
    }
}

/// Counts a live listener until dropped (also on cancellation).
struct Alive<'a>(&'a Cell<usize>);

impl<'a> Alive<'a> {
    fn enter(count: &'a Cell<usize>) -> Alive<'a> {
        count.set(count.get() + 1);
        Alive(count)
    }
}

impl Drop for Alive<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}
