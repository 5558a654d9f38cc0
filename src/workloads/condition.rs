//! The Condition workload: producers and consumers of a counter, with `wait`, `wait_for`,
//! timed waits, `notify(1)`, `notify(n)` and `notify_all`.

use super::timing::{patience, pause, settle, Timing};
use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use weft_primitives::{Condition, ConditionError, LockError};
use weft_sim::{random_range, spawn};

/// What the Condition workload needs of a condition variable.
///
/// ```
/// use weft::workloads::ConditionLike;
/// use weft::{Condition, Runtime};
/// let run = Runtime::new().run(async {
///     let cond = Condition::new();
///     cond.acquire().await;
///     let ready = ConditionLike::wait_for(&cond, || true).await; // true already: no wait
///     (ready, ConditionLike::notify_all(&cond), ConditionLike::waiters(&cond))
/// });
/// assert_eq!(run.output, Some((Ok(true), Ok(0), 0)));
/// ```
pub trait ConditionLike: 'static {
    /// Takes the underlying lock.
    fn acquire(&self) -> impl Future<Output = bool> + '_;
    /// Gives the underlying lock back.
    fn release(&self) -> Result<(), LockError>;
    /// Whether the underlying lock is held.
    fn locked(&self) -> bool;
    /// Releases the lock, waits for a notification, takes the lock again. A wait dropped before
    /// it completes leaves the lock not held.
    fn wait(&self) -> impl Future<Output = Result<bool, ConditionError>> + '_;
    /// `while !predicate() { wait() }`, returning `true`. A predicate already true returns at
    /// once, keeping the lock; a `wait_for` dropped while it waits leaves the lock not held.
    fn wait_for(
        &self,
        predicate: impl FnMut() -> bool + 'static,
    ) -> impl Future<Output = Result<bool, ConditionError>> + '_;
    /// Wakes up to `n` waiters still waiting; how many it woke.
    fn notify(&self, n: usize) -> Result<usize, ConditionError>;
    /// Wakes every waiter still waiting; how many it woke.
    fn notify_all(&self) -> Result<usize, ConditionError>;
    /// How many tasks are listed waiting for a notification (still waiting, or notified and
    /// not yet run).
    fn waiters(&self) -> usize;
}

impl ConditionLike for Condition {
    fn acquire(&self) -> impl Future<Output = bool> + '_ {
        Condition::acquire(self)
    }
    fn release(&self) -> Result<(), LockError> {
        Condition::release(self)
    }
    fn locked(&self) -> bool {
        Condition::locked(self)
    }
    fn wait(&self) -> impl Future<Output = Result<bool, ConditionError>> + '_ {
        Condition::wait(self)
    }
    fn wait_for(
        &self,
        predicate: impl FnMut() -> bool + 'static,
    ) -> impl Future<Output = Result<bool, ConditionError>> + '_ {
        Condition::wait_for(self, predicate)
    }
    fn notify(&self, n: usize) -> Result<usize, ConditionError> {
        Condition::notify(self, n)
    }
    fn notify_all(&self) -> Result<usize, ConditionError> {
        Condition::notify_all(self)
    }
    fn waiters(&self) -> usize {
        Condition::waiters(self)
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
    fn locked(&self) -> bool {
        weft_primitives::mutants::MutantCondition::locked(self)
    }
    fn wait(&self) -> impl Future<Output = Result<bool, ConditionError>> + '_ {
        weft_primitives::mutants::MutantCondition::wait(self)
    }
    fn wait_for(
        &self,
        predicate: impl FnMut() -> bool + 'static,
    ) -> impl Future<Output = Result<bool, ConditionError>> + '_ {
        weft_primitives::mutants::MutantCondition::wait_for(self, predicate)
    }
    fn notify(&self, n: usize) -> Result<usize, ConditionError> {
        weft_primitives::mutants::MutantCondition::notify(self, n)
    }
    fn notify_all(&self) -> Result<usize, ConditionError> {
        weft_primitives::mutants::MutantCondition::notify_all(self)
    }
    fn waiters(&self) -> usize {
        weft_primitives::mutants::MutantCondition::waiters(self)
    }
}

/// How a Condition consumer waits for an item, drawn from the run.
///
/// ```
/// use weft::workloads::WaitOp;
/// use weft::Runtime;
/// let run = Runtime::new().seed(3).run(async { (0..20).map(|_| WaitOp::draw()).collect::<Vec<_>>() });
/// assert!(run.output.unwrap().iter().any(|op| matches!(op, WaitOp::WaitFor(_))));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitOp {
    /// One `wait()` (as [`Timing`] says), then re-check in a loop.
    Wait(Timing),
    /// `wait_for(predicate)` (as [`Timing`] says).
    WaitFor(Timing),
}

impl WaitOp {
    /// `Wait` and `WaitFor` one time in two each, with a timeout one time in four: a consumer
    /// that gives up re-checks the count itself, which would hide a lost notification if it
    /// gave up often.
    pub fn draw() -> WaitOp {
        let timing = match random_range(0..=3) {
            0 => Timing::Timeout(patience()),
            _ => Timing::Untimed,
        };
        match random_range(0..=1) {
            0 => WaitOp::Wait(timing),
            _ => WaitOp::WaitFor(timing),
        }
    }
}

/// How a Condition producer announces the items it just added, drawn from the run.
///
/// ```
/// use weft::workloads::NotifyOp;
/// use weft::Runtime;
/// let run = Runtime::new().seed(4).run(async { (0..20).map(|_| NotifyOp::draw()).collect::<Vec<_>>() });
/// assert!(run.output.unwrap().contains(&NotifyOp::All));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotifyOp {
    /// `notify(1)` once per item.
    EachItem,
    /// `notify(n)` once, for the `n` items.
    Batch,
    /// `notify_all()`.
    All,
}

impl NotifyOp {
    /// `EachItem` six times in eight, `Batch` and `All` one in eight each (they wake every
    /// consumer, leaving none waiting for a lost notification to strand).
    pub fn draw() -> NotifyOp {
        match random_range(0..=7) {
            0 => NotifyOp::Batch,
            1 => NotifyOp::All,
            _ => NotifyOp::EachItem,
        }
    }
}

/// Holds the condition's lock, knowing whether it still does: a `wait()` dropped by a
/// timeout or a cancellation leaves the lock not held, and then nothing is released on drop.
struct Holding<'a, C: ConditionLike> {
    cond: &'a C,
    held: bool,
}

impl<'a, C: ConditionLike> Holding<'a, C> {
    async fn acquire(cond: &'a C) -> Holding<'a, C> {
        cond.acquire().await;
        Holding { cond, held: true }
    }

    /// Waits as `op` says; afterwards the lock is held unless a timeout cut the wait short.
    async fn wait(&mut self, op: WaitOp, counter: &Rc<Counter>) {
        self.held = false;
        let done = match op {
            WaitOp::Wait(timing) => timing.run(self.cond.wait()).await,
            WaitOp::WaitFor(timing) => {
                let counter = counter.clone();
                timing.run(self.cond.wait_for(move || counter.ready())).await
            }
        };
        if let Some(result) = done {
            result.expect("waits with the lock held");
            self.held = true;
        }
    }
}

impl<C: ConditionLike> Drop for Holding<'_, C> {
    fn drop(&mut self) {
        if self.held {
            let released = self.cond.release();
            if !std::thread::panicking() {
                released.expect("the holder releases");
            }
        }
    }
}

/// Shared state: items produced and not yet consumed, and whether production is over.
#[derive(Default)]
struct Counter {
    items: Cell<u32>,
    done: Cell<bool>,
}

impl Counter {
    /// What consumers wait for: an item, or the end.
    fn ready(&self) -> bool {
        self.items.get() > 0 || self.done.get()
    }
}

/// Two consumers wait for items (a `while` loop around `wait()`, or `wait_for`, either of them
/// untimed or with a timeout that cancels the wait, also while it re-takes the lock); two
/// producers add 1 or 2 items at a time, notifying per item, once for all of them, or all
/// waiters, sometimes holding the lock across a pause so that notified waiters queue for it.
/// Then main waits for the consumers to drain every item: with a live consumer left, a stuck
/// count means a notification was lost (gh-112202). Asserts that no notify wakes more waiters
/// than it asked for or than are listed, and that at the end the lock is free, no waiter is
/// left listed, and a notify without the lock is refused. Consumers tolerate spurious wake-ups, as 3.13 produces them.
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
                    while !counter.ready() {
                        held.wait(WaitOp::draw(), &counter).await;
                        if !held.held {
                            held = Holding::acquire(&*cond).await; // timed out: take it back
                        }
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
                    let held = Holding::acquire(&*cond).await;
                    // Mostly one item: two wake both consumers, and a lost notification needs one
                    // left waiting to show.
                    let added = if random_range(0..=3) == 0 { 2 } else { 1 };
                    counter.items.set(counter.items.get() + added as u32);
                    notify(&*cond, added, NotifyOp::draw());
                    if random_range(0..=3) == 0 {
                        pause().await; // the notified queue for the lock meanwhile
                    }
                    drop(held);
                }
            })
        })
        .collect();
    for p in producers {
        let _ = p.await;
    }
    // Wait up to 30 virtual seconds for the consumers to drain, without taking their
    // notifications.
    let live = |consumers: &[weft_sim::JoinHandle<()>]| consumers.iter().any(|c| !c.is_finished());
    settle(|| counter.items.get() == 0 || !live(&consumers)).await;
    let stuck = counter.items.get();
    {
        let _held = Holding::acquire(&*cond).await;
        counter.done.set(true);
        cond.notify_all().expect("notifies with the lock held");
    }
    if live(&consumers) {
        assert_eq!(stuck, 0, "{stuck} item(s) left unconsumed for 30 s with a live consumer: a notification was lost");
    }
    for c in consumers {
        let _ = c.await;
    }
    assert!(!cond.locked(), "every holder released the condition's lock, yet it is still locked");
    let waiters = cond.waiters();
    assert_eq!(waiters, 0, "no task waits on the condition, yet it lists {waiters} waiter(s)");
    assert!(cond.notify(1).is_err(), "notify(1) without the lock was accepted (asyncio raises RuntimeError)");
    assert!(cond.notify_all().is_err(), "notify_all() without the lock was accepted (asyncio raises RuntimeError)");
}

/// Announces `added` items as `op` says, with the lock held; checks the counts notify returns.
fn notify<C: ConditionLike>(cond: &C, added: usize, op: NotifyOp) {
    let listed = cond.waiters();
    let (asked, woken) = match op {
        NotifyOp::EachItem => {
            let woken = (0..added).map(|_| cond.notify(1).expect("notifies with the lock held")).sum();
            (added, woken)
        }
        NotifyOp::Batch => (added, cond.notify(added).expect("notifies with the lock held")),
        NotifyOp::All => (listed, cond.notify_all().expect("notifies with the lock held")),
    };
    assert!(woken <= asked, "{op:?} for {added} item(s) woke {woken} waiter(s), more than the {asked} asked for");
    assert!(woken <= listed, "{op:?} woke {woken} waiter(s), but only {listed} were listed");
}
