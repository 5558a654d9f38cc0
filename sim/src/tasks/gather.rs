//! `gather`: await several tasks, results in the order given (asyncio's `gather`).

use super::TaskError;
use crate::context;
use crate::task::{Await, Cancelled, JoinHandle};
use std::borrow::BorrowMut;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The tasks a gather awaits and the outcomes it has taken from them.
struct Children<H: BorrowMut<JoinHandle<T>>, T> {
    tasks: Vec<H>,
    outcomes: Vec<Option<Result<T, Cancelled>>>,
    /// It returned: its children are no longer its own.
    over: bool,
    of: PhantomData<T>,
}

impl<H: BorrowMut<JoinHandle<T>>, T> Children<H, T> {
    fn new(tasks: impl IntoIterator<Item = H>) -> Children<H, T> {
        let tasks: Vec<_> = tasks.into_iter().collect();
        let outcomes = tasks.iter().map(|_| None).collect();
        Children { tasks, outcomes, over: false, of: PhantomData }
    }

    /// Polls every child not finished yet; calls `done(i)` for each that finished now, in the
    /// order given, and stops early when it says so.
    fn poll(&mut self, cx: &mut Context<'_>, mut stop: impl FnMut(&Result<T, Cancelled>) -> bool) -> Option<usize> {
        for i in 0..self.tasks.len() {
            if self.outcomes[i].is_some() {
                continue;
            }
            if let Poll::Ready(outcome) = self.tasks[i].borrow_mut().poll_join(cx, Await::Callback) {
                let stops = stop(&outcome);
                self.outcomes[i] = Some(outcome);
                if stops {
                    return Some(i);
                }
            }
        }
        None
    }

    fn all_done(&self) -> bool {
        self.outcomes.iter().all(Option::is_some)
    }

    /// Returns: what still runs is left running, detached (asyncio does not cancel the other
    /// children when `gather` raises).
    fn finish(&mut self) {
        self.over = true;
        self.tasks.iter_mut().for_each(|t| t.borrow_mut().detach());
    }
}

impl<H: BorrowMut<JoinHandle<T>>, T> Drop for Children<H, T> {
    /// A gather dropped before it returned is cancelled: so are its children that still run
    /// (asyncio's `_GatheringFuture.cancel()`), in the order given, with the awaiter's
    /// cancellation message.
    fn drop(&mut self) {
        if self.over {
            return;
        }
        let ids: Vec<_> =
            self.tasks.iter_mut().map(|t| t.borrow_mut()).filter(|t| !t.is_finished()).map(|t| t.id()).collect();
        context::try_with(|k| {
            let message = k.current.and_then(|t| k.tasks[t.index()].cancel_message.clone());
            for id in ids {
                if !k.tasks[id.index()].cancel {
                    k.cancel(id, message.as_ref());
                }
            }
        });
        self.tasks.iter_mut().for_each(|t| t.borrow_mut().detach());
    }
}

/// Awaits every task and returns their `Ok` values in the order given (asyncio's
/// `gather(*tasks)`); the first task to fail or be cancelled ends it with that error, and the
/// others run on. Cancelling the task that awaits it (or dropping it) cancels every task that
/// still runs. It takes the handles or `&mut` borrows of them (to await the others after a
/// failure, as a program keeps asyncio's task objects).
///
/// ```
/// use weft_sim::tasks::{gather, TaskError};
/// use weft_sim::{sleep, spawn, Runtime};
/// use std::time::Duration;
/// let run = Runtime::new().run(async {
///     let slow = spawn("slow", async { sleep(Duration::from_secs(2)).await; Ok::<_, &str>(1) });
///     let fast = spawn("fast", async { sleep(Duration::from_secs(1)).await; Ok(2) });
///     let all = gather([slow, fast]).await;
///     let bad = spawn("bad", async { Err::<u32, _>("boom") });
///     (all, gather([bad]).await)
/// });
/// assert_eq!(run.output, Some((Ok(vec![1, 2]), Err(TaskError::Failed("boom")))));
/// ```
pub fn gather<H, T, E>(tasks: impl IntoIterator<Item = H>) -> Gather<H, T, E>
where
    H: BorrowMut<JoinHandle<Result<T, E>>>,
{
    Gather { children: Children::new(tasks) }
}

/// The future of [`gather`].
pub struct Gather<H: BorrowMut<JoinHandle<Result<T, E>>>, T, E> {
    children: Children<H, Result<T, E>>,
}

impl<H: BorrowMut<JoinHandle<Result<T, E>>>, T, E> Unpin for Gather<H, T, E> {}
impl<H: BorrowMut<JoinHandle<Result<T, E>>>, T, E> Unpin for GatherSettled<H, T, E> {}

impl<H: BorrowMut<JoinHandle<Result<T, E>>>, T, E> Future for Gather<H, T, E> {
    type Output = Result<Vec<T>, TaskError<E>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let children = &mut self.children;
        let failed = |o: &Result<Result<T, E>, Cancelled>| !matches!(o, Ok(Ok(_)));
        if let Some(i) = children.poll(cx, failed) {
            children.finish();
            let outcome = children.outcomes[i].take().map(TaskError::from_outcome);
            let Some(Err(error)) = outcome else { unreachable!("the child stopped the gather by failing") };
            return Poll::Ready(Err(error));
        }
        if !children.all_done() {
            return Poll::Pending;
        }
        children.finish();
        let values = children.outcomes.drain(..).flatten().map(|o| match o {
            Ok(Ok(v)) => v,
            _ => unreachable!("a failure stops the gather before all are done"),
        });
        Poll::Ready(Ok(values.collect()))
    }
}

/// Awaits every task and returns each one's outcome in the order given, failures included
/// (asyncio's `gather(*tasks, return_exceptions=True)`). Cancelling the task that awaits it
/// cancels every task that still runs, and the awaiter is cancelled (as 3.13's `gather`
/// propagates its own cancellation whatever `return_exceptions` says).
///
/// ```
/// use weft_sim::tasks::{gather_settled, TaskError};
/// use weft_sim::{spawn, Runtime};
/// let run = Runtime::new().run(async {
///     let good = spawn("good", async { Ok::<_, &str>(1) });
///     let bad = spawn("bad", async { Err::<u32, _>("boom") });
///     gather_settled([good, bad]).await
/// });
/// assert_eq!(run.output, Some(vec![Ok(1), Err(TaskError::Failed("boom"))]));
/// ```
pub fn gather_settled<H, T, E>(tasks: impl IntoIterator<Item = H>) -> GatherSettled<H, T, E>
where
    H: BorrowMut<JoinHandle<Result<T, E>>>,
{
    GatherSettled { children: Children::new(tasks) }
}

/// The future of [`gather_settled`].
pub struct GatherSettled<H: BorrowMut<JoinHandle<Result<T, E>>>, T, E> {
    children: Children<H, Result<T, E>>,
}

impl<H: BorrowMut<JoinHandle<Result<T, E>>>, T, E> Future for GatherSettled<H, T, E> {
    type Output = Vec<Result<T, TaskError<E>>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let children = &mut self.children;
        children.poll(cx, |_| false);
        if !children.all_done() {
            return Poll::Pending;
        }
        children.finish();
        Poll::Ready(children.outcomes.drain(..).flatten().map(TaskError::from_outcome).collect())
    }
}
