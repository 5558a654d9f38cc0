//! Tasks: `spawn`, join handles, cancellation, `current_task`.

use crate::context;
use crate::kernel::Waiting;
use crate::strategy::{Mode, Object};
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use weft_traces::{Event, TaskId};

/// The task was cancelled (its future dropped) before it finished: asyncio's `CancelledError`
/// seen by whoever awaits the task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cancelled;

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task was cancelled")
    }
}

impl std::error::Error for Cancelled {}

/// Where a task's output goes, and who waits for it.
struct JoinSlot<T> {
    output: Option<Result<T, Cancelled>>,
    waiter: Option<Waker>,
}

impl<T> JoinSlot<T> {
    fn finish(slot: &RefCell<JoinSlot<T>>, output: Result<T, Cancelled>) {
        let waiter = {
            let mut s = slot.borrow_mut();
            if s.output.is_some() {
                return;
            }
            s.output = Some(output);
            s.waiter.take()
        };
        if let Some(w) = waiter {
            w.wake();
        }
    }
}

/// Sets the slot to `Cancelled` if the task's future is dropped before it finished.
struct OnDrop<T>(Rc<RefCell<JoinSlot<T>>>);

impl<T> Drop for OnDrop<T> {
    fn drop(&mut self) {
        JoinSlot::finish(&self.0, Err(Cancelled));
    }
}

/// A handle to a spawned task: await it for the task's output; [`cancel`](JoinHandle::cancel) it.
///
/// Dropping the handle detaches the task, which runs on (as an asyncio task does).
///
/// ```
/// use weft_sim::{spawn, Runtime};
/// let run = Runtime::new().run(async {
///     let task = spawn("child", async { 6 * 7 });
///     task.await.unwrap()
/// });
/// assert_eq!(run.output, Some(42));
/// ```
pub struct JoinHandle<T> {
    id: TaskId,
    slot: Rc<RefCell<JoinSlot<T>>>,
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").field("id", &self.id).field("finished", &self.is_finished()).finish()
    }
}

/// Spawns `future` as a new task named `name` (asyncio's `create_task(coro, name=...)`). Its
/// first step is queued at the tail of the ready queue.
///
/// ```
/// use weft_sim::{spawn, sleep, now, Runtime};
/// use std::time::Duration;
/// let run = Runtime::new().run(async {
///     let a = spawn("a", async { sleep(Duration::from_secs(2)).await; now() });
///     let b = spawn("b", async { sleep(Duration::from_secs(2)).await; now() });
///     (a.await.unwrap(), b.await.unwrap())
/// });
/// // Both slept concurrently, in virtual time.
/// assert_eq!(run.output, Some((Duration::from_secs(2), Duration::from_secs(2))));
/// ```
#[track_caller]
pub fn spawn<T: 'static>(name: impl Into<String>, future: impl Future<Output = T> + 'static) -> JoinHandle<T> {
    let slot = Rc::new(RefCell::new(JoinSlot { output: None, waiter: None }));
    let guard = OnDrop(slot.clone());
    let task = async move {
        let output = future.await;
        JoinSlot::finish(&guard.0, Ok(output));
    };
    let name = name.into();
    let id = context::with("spawn", |k| k.spawn(&name, Box::pin(task)));
    JoinHandle { id, slot }
}

impl<T> JoinHandle<T> {
    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The output, if the task returned (for the run's main task).
    pub(crate) fn into_output(self) -> Option<T> {
        self.slot.borrow_mut().output.take().and_then(Result::ok)
    }

    /// Whether the task has finished (returned or been cancelled).
    pub fn is_finished(&self) -> bool {
        let target = self.id;
        context::try_with(|k| k.access(Object::Exit(target), Mode::Read));
        self.slot.borrow().output.is_some()
    }

    /// Requests cancellation (asyncio's `Task.cancel()`): the task's future is dropped at its next
    /// step, which is scheduled now if it is not already queued, so Drop handlers run where
    /// asyncio would throw `CancelledError`. Returns false if the task had already finished.
    ///
    /// ```
    /// use weft_sim::{spawn, sleep, Runtime, Cancelled};
    /// use std::time::Duration;
    /// let run = Runtime::new().run(async {
    ///     let sleeper = spawn("sleeper", sleep(Duration::from_secs(60)));
    ///     weft_sim::yield_now().await;
    ///     assert!(sleeper.cancel());
    ///     sleeper.await
    /// });
    /// assert_eq!(run.output, Some(Err(Cancelled)));
    /// ```
    #[track_caller]
    pub fn cancel(&self) -> bool {
        context::with("JoinHandle::cancel", |k| k.cancel(self.id))
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, Cancelled>;

    /// Finding the task still running is not a dependency on its end (`docs/search.md`): it
    /// only waits for the wake the end sends. Finding it ended is: the rest of the step goes on
    /// because of the end ([`Mode::Await`]).
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.slot.borrow_mut();
        if let Some(output) = slot.output.take() {
            let target = self.id;
            context::try_with(|k| {
                k.awaited(Object::Exit(target));
                if let Some(t) = k.current {
                    k.tasks[t.index()].waiting = None;
                }
            });
            return Poll::Ready(output);
        }
        slot.waiter = Some(cx.waker().clone());
        let target = self.id;
        context::try_with(|k| {
            if let Some(t) = k.current {
                k.tasks[t.index()].waiting = Some(Waiting::Join(target));
                k.record(Event::Join { target });
            }
        });
        Poll::Pending
    }
}

/// The running task's id and name (asyncio's `current_task()`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskInfo {
    pub id: TaskId,
    name: Rc<str>,
}

impl TaskInfo {
    /// The name given at spawn (asyncio's `get_name()`).
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The running task.
///
/// ```
/// use weft_sim::{current_task, spawn, Runtime};
/// let run = Runtime::new().run(async {
///     spawn("Raise1", async { current_task().name().to_string() }).await.unwrap()
/// });
/// assert_eq!(run.output.as_deref(), Some("Raise1"));
/// ```
#[track_caller]
pub fn current_task() -> TaskInfo {
    context::with("current_task", |k| {
        let id = k.current("current_task");
        TaskInfo { id, name: k.tasks[id.index()].name.clone() }
    })
}
