//! `shield`: await a task without letting the awaiter's cancellation reach it.

use crate::task::{Await, Cancelled, JoinHandle};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Awaits `task`, but a cancellation of the awaiting task (or dropping this future) leaves
/// `task` running (asyncio's `shield(task)`). Cancelling `task` itself still cancels it, and
/// the shield returns a [`Cancelled`] without the message, as CPython's does.
///
/// ```
/// use weft_sim::tasks::shield;
/// use weft_sim::{sleep, spawn, yield_now, Runtime};
/// use std::time::Duration;
/// let run = Runtime::new().run(async {
///     let work = spawn("work", async { sleep(Duration::from_secs(1)).await; 5 });
///     let status = work.canceller();
///     let waiter = spawn("waiter", shield(work));
///     yield_now().await;
///     waiter.cancel();
///     let waiter = waiter.await;
///     sleep(Duration::from_secs(2)).await;
///     (waiter.is_err(), status.done(), status.cancelled())
/// });
/// assert_eq!(run.output, Some((true, true, false)));
/// ```
pub fn shield<T>(task: JoinHandle<T>) -> Shield<T> {
    Shield { task }
}

/// The future of [`shield`].
pub struct Shield<T> {
    task: JoinHandle<T>,
}

impl<T> Future for Shield<T> {
    type Output = Result<T, Cancelled>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // A cancelled task cancels the shield's own future without its message, as asyncio's
        // `_inner_done_callback` calls `outer.cancel()`.
        self.task.poll_join(cx, Await::Observe).map(|r| r.map_err(|_| Cancelled::new()))
    }
}
