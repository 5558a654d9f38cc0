//! The Notify workload (TK-2).

use super::{patience, pause};
use crate::zoo_user::notify::Notify;
use std::rc::Rc;
use weft_sim::{random_range, spawn, timeout};

/// Three waiters, three rounds each, wait on `notified()` under a timeout; one notifier calls
/// `notify_one` or `notify_waiters` five times between pauses. No rule of its own: the
/// checkers' work conservation over the permit (a free permit and a live waiter nobody
/// woke) is the rule, with cancellation after the wake-up from the faults.
///
/// ```
/// use weft::{zoo_user::{notify::Notify, workloads}, Runtime};
/// use std::rc::Rc;
/// let run = Runtime::new().seed(2).run(workloads::notify(Rc::new(Notify::new())));
/// assert!(run.is_ok(), "{:?}", run.failure);
/// ```
pub async fn notify(notify: Rc<Notify>) {
    let mut tasks: Vec<_> = (1..=3)
        .map(|i| {
            let notify = notify.clone();
            spawn(format!("waiter{i}"), async move {
                for _ in 0..3 {
                    let _ = timeout(patience(), notify.notified()).await;
                    pause().await;
                }
            })
        })
        .collect();
    let notifier = notify.clone();
    tasks.push(spawn("notifier", async move {
        for _ in 0..5 {
            pause().await;
            match random_range(0..=1) {
                0 => notifier.notify_one(),
                _ => notifier.notify_waiters(),
            }
        }
    }));
    for t in tasks {
        let _ = t.await;
    }
}
