//! `task_group`: asyncio's `TaskGroup` as a scope: the body spawns children; the scope ends
//! when every child has; a failing child cancels the others, and all errors come back together.

use super::callbacks::call_soon;
use crate::context;
use crate::kernel::Waiting;
use crate::task::{spawn, CancelHandle, JoinHandle};
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// The errors of a task group's children, in the order they failed (asyncio's
/// `ExceptionGroup("unhandled errors in a TaskGroup", [...])`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupError<E> {
    /// Every child's error, in the order the children failed.
    pub errors: Vec<E>,
}

impl<E> fmt::Display for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        write!(f, "unhandled errors in a TaskGroup ({n} sub-exception{})", if n == 1 { "" } else { "s" })
    }
}

impl<E: fmt::Debug> std::error::Error for GroupError<E> {}

/// A task group's children could not be added to: it is shutting down (a child failed) or
/// finished. CPython's `RuntimeError` messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupClosed {
    /// A child failed, and the group is cancelling the others.
    ShuttingDown,
    /// The group's scope has ended.
    Finished,
}

impl fmt::Display for GroupClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupClosed::ShuttingDown => {
                write!(f, "TaskGroup is shutting down: a child failed; spawn no more tasks in it")
            }
            GroupClosed::Finished => write!(f, "TaskGroup is finished: spawn tasks in a group only inside its scope"),
        }
    }
}

impl std::error::Error for GroupClosed {}

struct State<E> {
    children: Vec<CancelHandle>,
    running: usize,
    errors: Vec<E>,
    /// A child failed: the others are being cancelled (asyncio's `_aborting`).
    aborting: bool,
    /// The body has ended; the scope waits for the children (asyncio's `_exiting`).
    exiting: bool,
    finished: bool,
    /// The scope's future, woken when the body must stop or the last child has ended.
    waker: Option<Waker>,
}

impl<E> State<E> {
    /// A child ended (asyncio's `_on_task_done`, a done callback): with `error` if it failed.
    fn child_done(&mut self, error: Option<E>) {
        self.running -= 1;
        if let Some(e) = error {
            self.errors.push(e);
            if !self.aborting {
                self.abort();
            }
            // The body, if it still runs, is cancelled (asyncio cancels the parent task).
            self.wake();
        }
        if self.running == 0 && self.exiting {
            self.wake();
        }
    }

    /// Cancels every child still running, in the order they were spawned.
    fn abort(&mut self) {
        self.aborting = true;
        for child in &self.children {
            if !child.done() {
                child.cancel();
            }
        }
    }

    fn wake(&mut self) {
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }
}

/// A task group's handle, given to its body: [`spawn`](TaskGroup::spawn) children into it.
pub struct TaskGroup<E> {
    state: Rc<RefCell<State<E>>>,
}

impl<E> Clone for TaskGroup<E> {
    fn clone(&self) -> TaskGroup<E> {
        TaskGroup { state: self.state.clone() }
    }
}

impl<E> fmt::Debug for TaskGroup<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.borrow();
        f.debug_struct("TaskGroup").field("running", &s.running).field("aborting", &s.aborting).finish()
    }
}

/// Reports a child's end to its group as a done callback, whether it returned or was dropped.
struct ChildGuard<E: 'static> {
    state: Rc<RefCell<State<E>>>,
    error: Option<E>,
}

impl<E: 'static> Drop for ChildGuard<E> {
    fn drop(&mut self) {
        let state = self.state.clone();
        let error = self.error.take();
        if context::try_with(|_| ()).is_some() {
            call_soon(move || state.borrow_mut().child_done(error));
        }
    }
}

impl<E: Clone + 'static> TaskGroup<E> {
    /// Spawns a child (asyncio's `tg.create_task(coro, name=...)`). An `Err` it returns is one
    /// of the group's errors, and cancels the other children and the body.
    #[track_caller]
    pub fn spawn<T: 'static>(
        &self,
        name: impl AsRef<str>,
        future: impl Future<Output = Result<T, E>> + 'static,
    ) -> Result<JoinHandle<Result<T, E>>, GroupClosed> {
        {
            let s = self.state.borrow();
            if s.finished {
                return Err(GroupClosed::Finished);
            }
            if s.aborting {
                return Err(GroupClosed::ShuttingDown);
            }
        }
        let guard = ChildGuard { state: self.state.clone(), error: None };
        let task = spawn(name, async move {
            let mut guard = guard;
            let output = future.await;
            if let Err(e) = &output {
                guard.error = Some(e.clone());
            }
            output
        });
        let mut s = self.state.borrow_mut();
        s.children.push(task.canceller());
        s.running += 1;
        Ok(task)
    }
}

/// Runs `body` with a new task group and waits for every child it spawned (asyncio's `async
/// with TaskGroup() as tg:`). When a child fails, the other children are cancelled and so is the
/// body (dropped at its `.await`); once all have ended the group returns every child's error
/// in a [`GroupError`]. Otherwise it returns what the body returned. Cancelling the task that
/// runs the group cancels its children.
///
/// ```
/// use weft_sim::tasks::{task_group, GroupError};
/// use weft_sim::{sleep, spawn, Runtime};
/// use std::time::Duration;
/// let run = Runtime::new().run(async {
///     task_group(|tg| async move {
///         tg.spawn("ok", async { sleep(Duration::from_secs(1)).await; Ok(1) }).unwrap();
///         tg.spawn("bad", async { sleep(Duration::from_secs(2)).await; Err::<u32, _>("boom") }).unwrap();
///         tg.spawn("slow", async { sleep(Duration::from_secs(9)).await; Ok(3) }).unwrap();
///         "body done"
///     })
///     .await
/// });
/// assert_eq!(run.output, Some(Err(GroupError { errors: vec!["boom"] })));
/// assert_eq!(run.elapsed, Duration::from_secs(2)); // "slow" was cancelled
/// ```
pub fn task_group<E, R, F, Fut>(body: F) -> Group<E, Fut>
where
    E: Clone + 'static,
    F: FnOnce(TaskGroup<E>) -> Fut,
    Fut: Future<Output = R>,
{
    let state = Rc::new(RefCell::new(State {
        children: Vec::new(),
        running: 0,
        errors: Vec::new(),
        aborting: false,
        exiting: false,
        finished: false,
        waker: None,
    }));
    let body = body(TaskGroup { state: state.clone() });
    Group { state, body: Some(Box::pin(body)), output: None }
}

/// The future of [`task_group`].
pub struct Group<E, Fut: Future> {
    state: Rc<RefCell<State<E>>>,
    body: Option<Pin<Box<Fut>>>,
    output: Option<Fut::Output>,
}

impl<E, Fut: Future> Unpin for Group<E, Fut> {}

impl<E, Fut: Future> Future for Group<E, Fut> {
    type Output = Result<Fut::Output, GroupError<E>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.state.borrow_mut().waker = Some(cx.waker().clone());
        let aborting = self.state.borrow().aborting;
        if let Some(body) = self.body.as_mut() {
            if aborting {
                // A child failed: the body is cancelled at its `.await`.
                self.body = None;
            } else if let Poll::Ready(output) = body.as_mut().poll(cx) {
                self.body = None;
                self.output = Some(output);
            } else {
                return Poll::Pending;
            }
        }
        let mut s = self.state.borrow_mut();
        s.exiting = true;
        if s.running > 0 {
            // Waiting for the children: a cancellation of this task goes down to them.
            let running: Vec<_> = s.children.iter().filter(|c| !c.done()).map(CancelHandle::id).collect();
            context::try_with(|k| {
                let Some(t) = k.current else { return };
                let meta = &mut k.tasks[t.index()];
                meta.waiting = running.first().map(|c| Waiting::Join(*c));
                for c in running {
                    // asyncio's `_abort()` cancels the children without the message.
                    if !meta.joining.iter().any(|(t, _)| *t == c) {
                        meta.joining.push((c, false));
                    }
                }
            });
            return Poll::Pending;
        }
        s.finished = true;
        s.waker = None;
        if !s.errors.is_empty() {
            return Poll::Ready(Err(GroupError { errors: std::mem::take(&mut s.errors) }));
        }
        drop(s);
        match self.output.take() {
            Some(output) => Poll::Ready(Ok(output)),
            None => unreachable!("the body ended or a child failed"),
        }
    }
}

impl<E, Fut: Future> Drop for Group<E, Fut> {
    /// Dropped before it returned (the task running it was cancelled): the body is dropped
    /// first, then every child still running is cancelled.
    fn drop(&mut self) {
        self.body = None;
        let mut s = self.state.borrow_mut();
        if !s.finished {
            s.finished = true;
            let running: Vec<_> = s.children.iter().filter(|c| !c.done()).cloned().collect();
            drop(s);
            context::try_with(|k| {
                for c in &running {
                    if !k.tasks[c.id().index()].cancel {
                        k.cancel(c.id(), None);
                    }
                }
            });
        }
    }
}
