//! weft's primitives describe themselves through the public resource API only
//! (`weft::resource::Resource`): this test compiles their own source files a second time, as a
//! user's module (`copy`) that sees nothing of weft but what any crate sees, and runs every
//! workload and a set of failing programs on both copies with every fault on, comparing the
//! traces and the verdicts word for word. If a built-in needed a private path to the checkers,
//! the copy would not compile, or its runs would differ.

// The copy compiles the primitives' whole API, more than these programs use.
#![allow(dead_code, clippy::all)]

use std::future::Future;
use std::rc::Rc;
use std::time::Duration;
use weft::prelude::*;
use weft::workloads::{self, BarrierLike, ConditionLike, EventLike, LockLike, Permits, QueueLike, SemaphoreLike};

// weft's primitives, compiled again from their sources, as a user's own modules (at the crate
// root, where their `crate::` paths lead).
#[path = "../primitives/src/barrier.rs"]
mod barrier;
#[path = "../primitives/src/condition.rs"]
mod condition;
#[path = "../primitives/src/error.rs"]
mod error;
#[path = "../primitives/src/event.rs"]
mod event;
#[path = "../primitives/src/lock.rs"]
mod lock;
#[path = "../primitives/src/queue.rs"]
mod queue;
#[path = "../primitives/src/queue_order.rs"]
mod queue_order;
#[path = "../primitives/src/repr.rs"]
mod repr;
#[path = "../primitives/src/semaphore.rs"]
mod semaphore;
#[path = "../primitives/src/waiters.rs"]
mod waiters;

use error::LockError;

/// The copy, by one name.
mod copy {
    pub(crate) use crate::{barrier, condition, error, event, lock, queue, semaphore};
}

// The copy must not be weft's own type: a user's primitive, with the workload traits
// implemented for it as a user would, its errors turned into weft's.

fn lock_error(e: copy::error::LockError) -> weft::LockError {
    match e {
        copy::error::LockError::NotAcquired => weft::LockError::NotAcquired,
    }
}

fn condition_error(e: copy::error::ConditionError) -> weft::ConditionError {
    match e {
        copy::error::ConditionError::WaitNotAcquired => weft::ConditionError::WaitNotAcquired,
        copy::error::ConditionError::NotifyNotAcquired => weft::ConditionError::NotifyNotAcquired,
    }
}

fn semaphore_error(e: copy::error::SemaphoreError) -> weft::SemaphoreError {
    match e {
        copy::error::SemaphoreError::ReleasedTooManyTimes => weft::SemaphoreError::ReleasedTooManyTimes,
    }
}

fn barrier_error(e: copy::barrier::BrokenBarrierError) -> weft::BrokenBarrierError {
    match e {
        copy::barrier::BrokenBarrierError::Aborted => weft::BrokenBarrierError::Aborted,
        copy::barrier::BrokenBarrierError::AbortOrReset => weft::BrokenBarrierError::AbortOrReset,
    }
}

fn put_error(e: copy::queue::PutError<u32>) -> weft::PutError<u32> {
    match e {
        copy::queue::PutError::QueueFull(item) => weft::PutError::QueueFull(item),
        copy::queue::PutError::QueueShutDown(item) => weft::PutError::QueueShutDown(item),
    }
}

fn get_error(e: copy::queue::GetError) -> weft::GetError {
    match e {
        copy::queue::GetError::QueueEmpty => weft::GetError::QueueEmpty,
        copy::queue::GetError::QueueShutDown => weft::GetError::QueueShutDown,
    }
}

impl LockLike for copy::lock::Lock {
    fn acquire(&self) -> impl Future<Output = bool> + '_ {
        copy::lock::Lock::acquire(self)
    }
    fn release(&self) -> Result<(), weft::LockError> {
        copy::lock::Lock::release(self).map_err(lock_error)
    }
    fn locked(&self) -> bool {
        copy::lock::Lock::locked(self)
    }
    fn waiters(&self) -> usize {
        copy::lock::Lock::waiters(self)
    }
}

impl SemaphoreLike for copy::semaphore::Semaphore {
    fn acquire(&self) -> impl Future<Output = bool> + '_ {
        copy::semaphore::Semaphore::acquire(self)
    }
    fn release(&self) -> Result<(), weft::SemaphoreError> {
        copy::semaphore::Semaphore::release(self);
        Ok(())
    }
    fn value(&self) -> usize {
        copy::semaphore::Semaphore::value(self)
    }
    fn bounded(&self) -> bool {
        false
    }
    fn waiters(&self) -> usize {
        copy::semaphore::Semaphore::waiters(self)
    }
}

impl SemaphoreLike for copy::semaphore::BoundedSemaphore {
    fn acquire(&self) -> impl Future<Output = bool> + '_ {
        copy::semaphore::BoundedSemaphore::acquire(self)
    }
    fn release(&self) -> Result<(), weft::SemaphoreError> {
        copy::semaphore::BoundedSemaphore::release(self).map_err(semaphore_error)
    }
    fn value(&self) -> usize {
        copy::semaphore::BoundedSemaphore::value(self)
    }
    fn bounded(&self) -> bool {
        true
    }
    fn waiters(&self) -> usize {
        copy::semaphore::BoundedSemaphore::waiters(self)
    }
}

impl ConditionLike for copy::condition::Condition {
    fn acquire(&self) -> impl Future<Output = bool> + '_ {
        copy::condition::Condition::acquire(self)
    }
    fn release(&self) -> Result<(), weft::LockError> {
        copy::condition::Condition::release(self).map_err(lock_error)
    }
    fn locked(&self) -> bool {
        copy::condition::Condition::locked(self)
    }
    async fn wait(&self) -> Result<bool, weft::ConditionError> {
        copy::condition::Condition::wait(self).await.map_err(condition_error)
    }
    async fn wait_for(&self, predicate: impl FnMut() -> bool + 'static) -> Result<bool, weft::ConditionError> {
        copy::condition::Condition::wait_for(self, predicate).await.map_err(condition_error)
    }
    fn notify(&self, n: usize) -> Result<usize, weft::ConditionError> {
        copy::condition::Condition::notify(self, n).map_err(condition_error)
    }
    fn notify_all(&self) -> Result<usize, weft::ConditionError> {
        copy::condition::Condition::notify_all(self).map_err(condition_error)
    }
    fn waiters(&self) -> usize {
        copy::condition::Condition::waiters(self)
    }
}

impl EventLike for copy::event::Event {
    fn set(&self) {
        copy::event::Event::set(self)
    }
    fn clear(&self) {
        copy::event::Event::clear(self)
    }
    fn is_set(&self) -> bool {
        copy::event::Event::is_set(self)
    }
    fn wait(&self) -> impl Future<Output = bool> + '_ {
        copy::event::Event::wait(self)
    }
    fn waiters(&self) -> usize {
        copy::event::Event::waiters(self)
    }
}

impl BarrierLike for copy::barrier::Barrier {
    fn parties(&self) -> usize {
        copy::barrier::Barrier::parties(self)
    }
    async fn wait(&self) -> Result<usize, weft::BrokenBarrierError> {
        copy::barrier::Barrier::wait(self).await.map_err(barrier_error)
    }
    fn abort(&self) {
        copy::barrier::Barrier::abort(self)
    }
    fn reset(&self) {
        copy::barrier::Barrier::reset(self)
    }
    fn broken(&self) -> bool {
        copy::barrier::Barrier::broken(self)
    }
    fn n_waiting(&self) -> usize {
        copy::barrier::Barrier::n_waiting(self)
    }
    fn waiters(&self) -> usize {
        copy::barrier::Barrier::waiters(self)
    }
}

impl QueueLike for copy::queue::Queue<u32> {
    fn maxsize(&self) -> usize {
        copy::queue::Queue::maxsize(self)
    }
    fn qsize(&self) -> usize {
        copy::queue::Queue::qsize(self)
    }
    async fn put(&self, item: u32) -> Result<(), weft::PutError<u32>> {
        copy::queue::Queue::put(self, item).await.map_err(put_error)
    }
    fn put_nowait(&self, item: u32) -> Result<(), weft::PutError<u32>> {
        copy::queue::Queue::put_nowait(self, item).map_err(put_error)
    }
    async fn get(&self) -> Result<u32, weft::GetError> {
        copy::queue::Queue::get(self).await.map_err(get_error)
    }
    fn get_nowait(&self) -> Result<u32, weft::GetError> {
        copy::queue::Queue::get_nowait(self).map_err(get_error)
    }
    fn task_done(&self) -> Result<(), weft::TaskDoneError> {
        copy::queue::Queue::task_done(self).map_err(|copy::queue::TaskDoneError| weft::TaskDoneError)
    }
    fn join(&self) -> impl Future<Output = ()> + '_ {
        copy::queue::Queue::join(self)
    }
    fn shutdown(&self, immediate: bool) {
        copy::queue::Queue::shutdown(self, immediate)
    }
    fn getters(&self) -> usize {
        copy::queue::Queue::getters(self)
    }
    fn putters(&self) -> usize {
        copy::queue::Queue::putters(self)
    }
}

/// Programs written once over a module of primitives (weft's, or the copy): an Event and a
/// Barrier driven with cancellations, and programs that break a rule (a deadlock of two locks
/// taken in opposite orders; a Condition waiter nobody notifies; a misused BoundedSemaphore).
macro_rules! programs {
    ($m:ident, $lock:path, $sem:path, $bounded:path, $cond:path, $event:path, $barrier:path) => {
        mod $m {
            use super::*;

            pub async fn event() {
                let event = Rc::new(<$event>::named("ready"));
                let waiters: Vec<_> = (0..3)
                    .map(|i| {
                        let e = event.clone();
                        spawn(format!("w{i}"), async move {
                            let _ = timeout(Duration::from_millis(100 * (i + 1)), e.wait()).await;
                        })
                    })
                    .collect();
                sleep(Duration::from_millis(random_range(0..=3) * 100)).await;
                event.set();
                event.clear();
                event.set();
                for w in waiters {
                    let _ = w.await;
                }
            }

            pub async fn barrier() {
                let barrier = Rc::new(<$barrier>::named("rounds", 3).expect("3 parties"));
                let parties: Vec<_> = (0..4)
                    .map(|i| {
                        let b = barrier.clone();
                        spawn(format!("p{i}"), async move {
                            for _ in 0..2 {
                                let _ = timeout(Duration::from_millis(100 * (i + 1)), b.wait()).await;
                            }
                        })
                    })
                    .collect();
                sleep(Duration::from_millis(random_range(0..=3) * 100)).await;
                match random_range(0..=2) {
                    0 => barrier.reset(),
                    1 => barrier.abort(),
                    _ => {}
                }
                for p in parties {
                    let _ = p.await;
                }
            }

            pub async fn crossed_locks() {
                let (a, b) = (Rc::new(<$lock>::named("a")), Rc::new(<$lock>::named("b")));
                let (a2, b2) = (a.clone(), b.clone());
                let one = spawn("one", async move {
                    let _a = a2.lock().await;
                    yield_now().await;
                    let _b = b2.lock().await;
                });
                let _b = b.lock().await;
                yield_now().await;
                let _a = a.lock().await;
                let _ = one.await;
            }

            pub async fn unnotified() {
                let cond = Rc::new(<$cond>::named("nobody"));
                let c = cond.clone();
                let waiter = spawn("waiter", async move {
                    let _ = c.acquire().await;
                    let _ = c.wait().await;
                });
                let _ = waiter.await;
            }

            pub async fn semaphores() {
                let bounded = Rc::new(<$bounded>::named("bounded", 1));
                assert!(bounded.release().is_err(), "over-release refused");
                let plain = Rc::new(<$sem>::named("signal", 0));
                let takers: Vec<_> = (0..3)
                    .map(|i| {
                        let s = plain.clone();
                        spawn(format!("t{i}"), async move { s.acquire().await })
                    })
                    .collect();
                for _ in 0..3 {
                    pause().await;
                    plain.release();
                }
                for t in takers {
                    let _ = t.await;
                }
            }

            async fn pause() {
                match random_range(0..=2) {
                    0 => yield_now().await,
                    n => sleep(Duration::from_millis(100 * n)).await,
                }
            }
        }
    };
}

programs!(builtin, weft::Lock, weft::Semaphore, weft::BoundedSemaphore, weft::Condition, weft::Event, weft::Barrier);
programs!(
    user,
    copy::lock::Lock,
    copy::semaphore::Semaphore,
    copy::semaphore::BoundedSemaphore,
    copy::condition::Condition,
    copy::event::Event,
    copy::barrier::Barrier
);

const SEEDS: u64 = 150;

/// Runs both programs on the same seeds with every fault on; their traces (every event, every
/// resource's registration) and verdicts must be the same, word for word. Returns how many
/// runs failed, for the caller to say whether failures were expected.
fn same_runs<A, B>(what: &str, builtin: impl Fn() -> A, user: impl Fn() -> B) -> u64
where
    A: Future<Output = ()> + 'static,
    B: Future<Output = ()> + 'static,
{
    let mut failed = 0;
    for seed in 0..SEEDS {
        let runtime = || Runtime::new().name(what).seed(seed).strategy(Strategy::Random).faults(Faults::all());
        let (a, b) = (runtime().run(builtin()), runtime().run(user()));
        let verdict = |run: &weft::Run<()>| run.failure.as_ref().map(|f| f.to_string());
        assert_eq!(verdict(&a), verdict(&b), "{what}, seed {seed}: the verdicts differ");
        assert_eq!(a.trace.to_text(), b.trace.to_text(), "{what}, seed {seed}: the traces differ");
        failed += u64::from(a.failure.is_some());
    }
    failed
}

/// Every workload on both copies, in the forms tests/workloads.rs runs the built-ins: the
/// semaphores with permits held from the start, a bounded semaphore, barriers of 3 and of 1,
/// unbounded and bounded queues.
#[test]
fn a_users_copy_of_each_builtin_gets_the_same_verdicts_on_every_workload() {
    let permits = |capacity, held| Permits { capacity, held };
    let held = [
        same_runs(
            "lock",
            || workloads::lock(Rc::new(weft::Lock::new())),
            || workloads::lock(Rc::new(copy::lock::Lock::new())),
        ),
        same_runs(
            "semaphore",
            move || workloads::semaphore(Rc::new(weft::Semaphore::new(2)), permits(2, 0)),
            move || workloads::semaphore(Rc::new(copy::semaphore::Semaphore::new(2)), permits(2, 0)),
        ),
        same_runs(
            "semaphore-all-held",
            move || workloads::semaphore(Rc::new(weft::Semaphore::new(0)), permits(2, 2)),
            move || workloads::semaphore(Rc::new(copy::semaphore::Semaphore::new(0)), permits(2, 2)),
        ),
        same_runs(
            "semaphore-some-held",
            move || workloads::semaphore(Rc::new(weft::Semaphore::new(1)), permits(3, 2)),
            move || workloads::semaphore(Rc::new(copy::semaphore::Semaphore::new(1)), permits(3, 2)),
        ),
        same_runs(
            "bounded-semaphore",
            move || workloads::semaphore(Rc::new(weft::BoundedSemaphore::new(2)), permits(2, 0)),
            move || workloads::semaphore(Rc::new(copy::semaphore::BoundedSemaphore::new(2)), permits(2, 0)),
        ),
        same_runs(
            "condition",
            || workloads::condition(Rc::new(weft::Condition::new())),
            || workloads::condition(Rc::new(copy::condition::Condition::new())),
        ),
        same_runs(
            "event",
            || workloads::event(Rc::new(weft::Event::new())),
            || workloads::event(Rc::new(copy::event::Event::new())),
        ),
        same_runs(
            "barrier",
            || workloads::barrier(Rc::new(weft::Barrier::new(3).expect("3 parties"))),
            || workloads::barrier(Rc::new(copy::barrier::Barrier::new(3).expect("3 parties"))),
        ),
        same_runs(
            "barrier-of-one",
            || workloads::barrier(Rc::new(weft::Barrier::new(1).expect("1 party"))),
            || workloads::barrier(Rc::new(copy::barrier::Barrier::new(1).expect("1 party"))),
        ),
        same_runs(
            "queue",
            || workloads::queue(Rc::new(weft::Queue::new(0))),
            || workloads::queue(Rc::new(copy::queue::Queue::new(0))),
        ),
        same_runs(
            "queue-of-1",
            || workloads::queue(Rc::new(weft::Queue::new(1))),
            || workloads::queue(Rc::new(copy::queue::Queue::new(1))),
        ),
        same_runs(
            "queue-of-2",
            || workloads::queue(Rc::new(weft::Queue::new(2))),
            || workloads::queue(Rc::new(copy::queue::Queue::new(2))),
        ),
        same_runs("event-program", builtin::event, user::event),
        same_runs("barrier-program", builtin::barrier, user::barrier),
        same_runs("semaphores", builtin::semaphores, user::semaphores),
    ];
    assert_eq!(held, [0; 15], "the correct primitives (both copies) pass");
}

#[test]
fn a_users_copy_of_each_builtin_is_caught_the_same_way() {
    // These programs deadlock unless a cancellation fault breaks the knot: both copies are
    // reported on the same seeds, word for word.
    let crossed = same_runs("crossed-locks", builtin::crossed_locks, user::crossed_locks);
    let unnotified = same_runs("unnotified", builtin::unnotified, user::unnotified);
    assert!(crossed > SEEDS / 2 && unnotified > SEEDS / 2, "{crossed} and {unnotified} of {SEEDS} failed");
}
