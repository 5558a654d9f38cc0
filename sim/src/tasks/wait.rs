//! `wait` and `as_completed`: watch several tasks without taking their outcomes, and without
//! cancelling them.

use crate::task::{wake_via_callback, Await, JoinHandle};
use crate::time::{sleep, Sleep};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// When [`wait`] returns (asyncio's `FIRST_COMPLETED`, `FIRST_EXCEPTION`, `ALL_COMPLETED`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnWhen {
    /// As soon as one task has finished.
    FirstCompleted,
    /// As soon as one task has failed (returned `Err`; a cancelled task does not count), or all
    /// have finished.
    FirstException,
    /// When all have finished.
    AllCompleted,
}

/// [`wait`] was given no task (asyncio's `ValueError('Set of Futures is empty.')`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmptyWait;

impl fmt::Display for EmptyWait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Set of Futures is empty.: give wait() at least one task")
    }
}

impl std::error::Error for EmptyWait {}

/// Waits until `when` says (or `timeout` passes), and returns the tasks as `(done, pending)`,
/// each in the order given (asyncio's `wait`, which returns sets). Nothing is cancelled: not
/// the tasks at the timeout, nor when the awaiter is cancelled. A done task's outcome is read
/// with [`JoinHandle::result`] or by awaiting it, which does not suspend. As in asyncio, `wait`
/// suspends at least once, even if the condition already holds.
///
/// ```
/// use weft_sim::tasks::{wait, ReturnWhen};
/// use weft_sim::{sleep, spawn, Runtime};
/// use std::time::Duration;
/// let run = Runtime::new().run(async {
///     let fast = spawn("fast", async { sleep(Duration::from_secs(1)).await; Ok::<_, ()>(1) });
///     let slow = spawn("slow", async { sleep(Duration::from_secs(9)).await; Ok(2) });
///     let (done, pending) = wait(vec![fast, slow], ReturnWhen::FirstCompleted, None).await.unwrap();
///     (done.len(), pending.len(), done[0].result())
/// });
/// assert_eq!(run.output, Some((1, 1, Some(Ok(Ok(1))))));
/// ```
pub fn wait<T, E>(tasks: Vec<JoinHandle<Result<T, E>>>, when: ReturnWhen, timeout: Option<Duration>) -> Wait<T, E> {
    Wait { tasks: Some(tasks), when, deadline: timeout.map(sleep), first: true }
}

/// The future of [`wait`].
pub struct Wait<T, E> {
    tasks: Option<Vec<JoinHandle<Result<T, E>>>>,
    when: ReturnWhen,
    deadline: Option<Sleep>,
    first: bool,
}

type Split<T, E> = (Vec<JoinHandle<Result<T, E>>>, Vec<JoinHandle<Result<T, E>>>);

impl<T, E> Wait<T, E> {
    fn holds(&self, tasks: &[JoinHandle<Result<T, E>>]) -> bool {
        let failed = |t: &JoinHandle<Result<T, E>>| t.peek(|o| matches!(o, Some(Ok(Err(_)))));
        match self.when {
            ReturnWhen::FirstCompleted => tasks.iter().any(JoinHandle::is_finished),
            ReturnWhen::FirstException => tasks.iter().any(failed) || tasks.iter().all(JoinHandle::is_finished),
            ReturnWhen::AllCompleted => tasks.iter().all(JoinHandle::is_finished),
        }
    }
}

impl<T, E> Unpin for Wait<T, E> {}

impl<T, E> Future for Wait<T, E> {
    type Output = Result<Split<T, E>, EmptyWait>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(mut tasks) = self.tasks.take() else { return Poll::Ready(Err(EmptyWait)) };
        if tasks.is_empty() {
            return Poll::Ready(Err(EmptyWait));
        }
        let timed_out = self.deadline.as_mut().is_some_and(|d| Pin::new(d).poll(cx).is_ready());
        let holds = self.holds(&tasks);
        if self.first {
            // asyncio adds a done callback to each task (one already done schedules it at
            // once) and awaits its waiter: at least one suspension.
            self.first = false;
            if holds {
                wake_via_callback(cx.waker().clone());
                self.tasks = Some(tasks);
                return Poll::Pending;
            }
        } else if holds || timed_out {
            let (done, pending) = tasks.into_iter().partition(JoinHandle::is_finished);
            return Poll::Ready(Ok((done, pending)));
        }
        for t in &mut tasks {
            let _ = t.poll_finished(cx, Await::Observe);
        }
        self.tasks = Some(tasks);
        Poll::Pending
    }
}

/// The tasks in the order they finish (asyncio 3.13's `async for t in as_completed(tasks)`):
/// [`next`](AsCompleted::next) returns each finished task's handle, whose outcome awaiting it
/// gives at once. Nothing is cancelled when the awaiter is.
///
/// ```
/// use weft_sim::tasks::as_completed;
/// use weft_sim::{sleep, spawn, Runtime};
/// use std::time::Duration;
/// let run = Runtime::new().run(async {
///     let slow = spawn("slow", async { sleep(Duration::from_secs(2)).await; "slow" });
///     let fast = spawn("fast", async { sleep(Duration::from_secs(1)).await; "fast" });
///     let mut order = Vec::new();
///     let mut finished = as_completed(vec![slow, fast]);
///     while let Some(task) = finished.next().await {
///         order.push(task.await.unwrap());
///     }
///     order
/// });
/// assert_eq!(run.output, Some(vec!["fast", "slow"]));
/// ```
pub fn as_completed<T>(tasks: Vec<JoinHandle<T>>) -> AsCompleted<T> {
    AsCompleted { pending: tasks, done: VecDeque::new() }
}

/// The iterator of [`as_completed`].
pub struct AsCompleted<T> {
    pending: Vec<JoinHandle<T>>,
    done: VecDeque<JoinHandle<T>>,
}

impl<T> AsCompleted<T> {
    /// The next task to finish, `None` when every task was returned.
    pub async fn next(&mut self) -> Option<JoinHandle<T>> {
        std::future::poll_fn(|cx| self.poll_next(cx)).await
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<JoinHandle<T>>> {
        // Newly finished tasks join the queue in the order they finished.
        let mut finished: Vec<(u64, usize)> =
            self.pending.iter().enumerate().filter_map(|(i, t)| Some((t.finished_at()?, i))).collect();
        finished.sort_unstable();
        let mut taken: Vec<usize> = finished.iter().map(|(_, i)| *i).collect();
        let mut moved: Vec<Option<JoinHandle<T>>> = self.pending.drain(..).map(Some).collect();
        for i in taken.drain(..) {
            if let Some(t) = moved[i].take() {
                self.done.push_back(t);
            }
        }
        self.pending = moved.into_iter().flatten().collect();
        if let Some(t) = self.done.pop_front() {
            return Poll::Ready(Some(t));
        }
        if self.pending.is_empty() {
            return Poll::Ready(None);
        }
        for t in &mut self.pending {
            let _ = t.poll_finished(cx, Await::Observe);
        }
        Poll::Pending
    }
}

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted").field("pending", &self.pending.len()).field("done", &self.done.len()).finish()
    }
}
