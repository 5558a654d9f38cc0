//! Virtual time: `sleep`, `timeout`, `now`, `yield_now`.

use crate::context;
use crate::strategy::{Mode, Object};
use crate::timers::TimerKey;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use weft_traces::Event;

/// Virtual time since the run began.
///
/// ```
/// use weft_sim::{now, sleep, Runtime};
/// use std::time::Duration;
/// let run = Runtime::new().run(async { sleep(Duration::from_secs(12)).await; now() });
/// assert_eq!(run.output, Some(Duration::from_secs(12)));
/// ```
#[track_caller]
pub fn now() -> Duration {
    context::with("now", |k| k.now.as_duration())
}

/// Suspends the task for `duration` of virtual time (asyncio's `sleep`). `sleep(0)` yields:
/// the task goes to the tail of the ready queue, as `asyncio.sleep(0)` does.
///
/// ```
/// use weft_sim::{now, sleep, Runtime};
/// use std::time::Duration;
/// let run = Runtime::new().run(async { sleep(Duration::from_millis(1500)).await; now() });
/// assert_eq!(run.output, Some(Duration::from_millis(1500)));
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    Sleep { duration, state: SleepState::New, timeout: false }
}

/// Yields once: the task goes to the tail of the ready queue (`await asyncio.sleep(0)`).
///
/// ```
/// use weft_sim::{spawn, yield_now, Runtime};
/// use std::rc::Rc;
/// use std::cell::RefCell;
/// let run = Runtime::new().run(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let l = log.clone();
///     let other = spawn("other", async move { l.borrow_mut().push("other") });
///     yield_now().await; // lets "other" run first
///     log.borrow_mut().push("main");
///     other.await.unwrap();
///     log.take()
/// });
/// assert_eq!(run.output, Some(vec!["other", "main"]));
/// ```
pub fn yield_now() -> Sleep {
    sleep(Duration::ZERO)
}

/// The future of [`sleep`] and [`yield_now`].
#[derive(Debug)]
pub struct Sleep {
    duration: Duration,
    state: SleepState,
    /// This is a `timeout`'s deadline, which a fault may fire early.
    timeout: bool,
}

#[derive(Debug)]
enum SleepState {
    New,
    Yielded,
    Waiting(TimerKey),
    Done,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.state {
            SleepState::New if self.duration.is_zero() => {
                self.state = SleepState::Yielded;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            SleepState::New => {
                let (duration, timeout) = (self.duration, self.timeout);
                let key = context::with("sleep", |k| {
                    let task = k.current("sleep");
                    k.access(Object::Timers(task), Mode::Write);
                    let until = k.now.saturating_add(duration);
                    k.record(Event::Sleep { until });
                    k.timers.insert(until, task, cx.waker().clone(), timeout)
                });
                self.state = SleepState::Waiting(key);
                Poll::Pending
            }
            SleepState::Waiting(key) => {
                let pending = context::with("sleep", |k| {
                    if let Some(owner) = k.timers.task_of(key) {
                        k.access(Object::Timers(owner), Mode::Write);
                    }
                    let pending = k.timers.is_pending(key);
                    if pending {
                        k.timers.update(key, cx.waker());
                    }
                    pending
                });
                if pending {
                    return Poll::Pending;
                }
                self.state = SleepState::Done;
                Poll::Ready(())
            }
            SleepState::Yielded | SleepState::Done => {
                self.state = SleepState::Done;
                Poll::Ready(())
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let SleepState::Waiting(key) = self.state {
            context::try_with(|k| {
                if let Some(owner) = k.timers.task_of(key) {
                    k.access(Object::Timers(owner), Mode::Write);
                }
                k.timers.remove(key)
            });
        }
    }
}

/// The deadline passed before the future completed; the future was dropped (cancelled).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed;

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

/// Runs `future` for at most `duration` of virtual time (asyncio's `wait_for` / `timeout`).
/// When the deadline passes first, `future` is dropped, which cancels it at its suspension point.
///
/// **The deadline wins a tie, as in asyncio.** The deadline is a timer registered when the
/// timeout is first polled, before `future` starts (asyncio's `timeout()` schedules its callback
/// on entering the block). Once it has fired, the next poll returns `Err(Elapsed)` without
/// polling `future` again, even if what `future` waited for arrived meanwhile: in asyncio the
/// deadline's callback cancels the task when it fires, so the task resumes with
/// `CancelledError` (then `TimeoutError`) whatever else happened before it ran. So when the
/// deadline and the event that would complete `future` (a lock hand-off, another timer) are due
/// at the same virtual instant, asyncio's order (which runs every due timer callback before any
/// task) times out, as CPython 3.13 does: a lock handed to the waiter is passed on by its
/// dropped acquire, and the lock is left free. The other order, where the hand-off's task runs
/// and `future` completes before the deadline fires, is a choice of the schedule at that instant
/// ([`Choice::Pick`](crate::Choice::Pick) at a timer scheduling point), which exploring
/// strategies reach.
///
/// ```
/// use weft_sim::{sleep, timeout, Elapsed, Runtime};
/// use std::time::Duration;
/// let run = Runtime::new().run(async {
///     let slow = timeout(Duration::from_secs(1), sleep(Duration::from_secs(5))).await;
///     let fast = timeout(Duration::from_secs(1), async { 7 }).await;
///     (slow, fast)
/// });
/// assert_eq!(run.output, Some((Err(Elapsed), Ok(7))));
/// ```
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    let deadline = Sleep { duration: duration.max(Duration::from_nanos(1)), state: SleepState::New, timeout: true };
    Timeout { future: Some(Box::pin(future)), deadline }
}

/// The future of [`timeout`].
pub struct Timeout<F: Future> {
    future: Option<Pin<Box<F>>>,
    deadline: Sleep,
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.future.is_none() {
            return Poll::Ready(Err(Elapsed));
        }
        // The deadline first: registered before the future starts, and once fired it wins,
        // whatever the future would return now (see `timeout`).
        if Pin::new(&mut self.deadline).poll(cx).is_ready() {
            self.future = None;
            return Poll::Ready(Err(Elapsed));
        }
        let Some(future) = self.future.as_mut() else {
            return Poll::Ready(Err(Elapsed));
        };
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            self.future = None;
            return Poll::Ready(Ok(output));
        }
        Poll::Pending
    }
}
