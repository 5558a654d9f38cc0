//! The Condition workload: producers and consumers of a counter.

use super::pause;
use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;
use weft_primitives::{Condition, ConditionError, LockError};
use weft_sim::{random_range, spawn};

/// What the Condition workload needs of a condition variable.
pub trait ConditionLike: 'static {
    /// Takes the underlying lock.
    fn acquire(&self) -> impl Future<Output = bool> + '_;
    /// Gives the underlying lock back.
    fn release(&self) -> Result<(), LockError>;
    /// Releases the lock, waits for a notification, takes the lock again. A wait dropped before
    /// it completes leaves the lock not held.
    fn wait(&self) -> impl Future<Output = Result<bool, ConditionError>> + '_;
    /// Wakes up to `n` waiters.
    fn notify(&self, n: usize) -> Result<usize, ConditionError>;
}

impl ConditionLike for Condition {
    fn acquire(&self) -> impl Future<Output = bool> + '_ {
        Condition::acquire(self)
    }
    fn release(&self) -> Result<(), LockError> {
        Condition::release(self)
    }
    fn wait(&self) -> impl Future<Output = Result<bool, ConditionError>> + '_ {
        Condition::wait(self)
    }
    fn notify(&self, n: usize) -> Result<usize, ConditionError> {
        Condition::notify(self, n)
    }
}

#[cfg(feature = "mutants")]
impl ConditionLike for weft_primitives::mutants::MutantCondition {
    fn acquire(&self) -> impl Future<Output = bool> + '_ {
        weft_primitives::mutants::MutantCondition::acquire(self)
    }
    fn release(&self) -> Result<(), LockError> {
        weft_primitives::mutants::MutantCondition::release(self)
    }
    fn wait(&self) -> impl Future<Output = Result<bool, ConditionError>> + '_ {
        weft_primitives::mutants::MutantCondition::wait(self)
    }
    fn notify(&self, n: usize) -> Result<usize, ConditionError> {
        weft_primitives::mutants::MutantCondition::notify(self, n)
    }
}

/// Holds the condition's lock, knowing whether it still does: a `wait()` dropped by a
/// cancellation leaves the lock not held, and then nothing is released on drop.
struct Holding<'a, C: ConditionLike> {
    cond: &'a C,
    held: bool,
}

impl<'a, C: ConditionLike> Holding<'a, C> {
    async fn acquire(cond: &'a C) -> Holding<'a, C> {
        cond.acquire().await;
        Holding { cond, held: true }
    }

    async fn wait(&mut self) {
        self.held = false;
        self.cond.wait().await.expect("waits with the lock held");
        self.held = true;
    }
}

impl<C: ConditionLike> Drop for Holding<'_, C> {
    fn drop(&mut self) {
        if self.held {
            self.cond.release().expect("the holder releases");
        }
    }
}

/// Shared state: items produced and not yet consumed, and whether production is over.
#[derive(Default)]
struct Counter {
    items: Cell<u32>,
    done: Cell<bool>,
}

/// Two consumers wait for items (`while items == 0: wait()`); two producers add 1 to 3 items
/// each, notifying one waiter per item. Then main waits for the consumers to drain every item:
/// with a live consumer left, a stuck count means a notification was lost (gh-112202).
/// Consumers tolerate spurious wake-ups, as 3.13 produces them.
///
/// ```
/// use weft::{workloads, Condition, Runtime};
/// use std::rc::Rc;
/// let run = Runtime::new().seed(5).run(workloads::condition(Rc::new(Condition::new())));
/// assert!(run.is_ok(), "{:?}", run.failure);
/// ```
pub async fn condition<C: ConditionLike>(cond: Rc<C>) {
    let counter = Rc::new(Counter::default());
    let consumers: Vec<_> = (1..=2)
        .map(|i| {
            let (cond, counter) = (cond.clone(), counter.clone());
            spawn(format!("consumer{i}"), async move {
                let mut held = Holding::acquire(&*cond).await;
                loop {
                    while counter.items.get() == 0 && !counter.done.get() {
                        held.wait().await;
                    }
                    if counter.items.get() == 0 {
                        return; // production is over and nothing is left
                    }
                    counter.items.set(counter.items.get() - 1);
                    drop(held);
                    pause().await;
                    held = Holding::acquire(&*cond).await;
                }
            })
        })
        .collect();
    let producers: Vec<_> = (1..=2)
        .map(|i| {
            let (cond, counter) = (cond.clone(), counter.clone());
            spawn(format!("producer{i}"), async move {
                for _ in 0..random_range(1..=3) {
                    pause().await;
                    let _held = Holding::acquire(&*cond).await;
                    counter.items.set(counter.items.get() + 1);
                    cond.notify(1).expect("notifies with the lock held");
                }
            })
        })
        .collect();
    for p in producers {
        let _ = p.await;
    }
    // Wait up to 30 virtual seconds for the consumers to drain, polling, so as not to take
    // their notifications (and not with a `timeout`, which a fault may fire early).
    let live = |consumers: &[weft_sim::JoinHandle<()>]| consumers.iter().any(|c| !c.is_finished());
    for _ in 0..300 {
        if counter.items.get() == 0 || !live(&consumers) {
            break;
        }
        weft_sim::sleep(Duration::from_millis(100)).await;
    }
    let stuck = counter.items.get();
    {
        let _held = Holding::acquire(&*cond).await;
        counter.done.set(true);
        cond.notify(usize::MAX).expect("notifies with the lock held");
    }
    if live(&consumers) {
        assert_eq!(stuck, 0, "{stuck} item(s) left unconsumed for 30 s with a live consumer: a notification was lost");
    }
    for c in consumers {
        let _ = c.await;
    }
}
