//! Tasks: `spawn`, join handles, cancellation, `current_task`.

use crate::context;
use crate::kernel::Waiting;
use std::cell::{Cell, RefCell};
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
/// ```
/// use weft_sim::{spawn, Runtime};
/// let run = Runtime::new().run(async {
///     let task = spawn("child", async { 6 * 7 });
///     task.await.unwrap()
/// });
/// assert_eq!(run.output, Some(42));
/// ```
///
/// # Cancellation goes down the awaits, as in asyncio
///
/// - **A task cancelled while it awaits a handle cancels the awaited task too**, because asyncio
///   cancels the future a task waits on. The awaiting task's own cancellation lands after the
///   awaited task has finished (cancelled, when its join wakes the awaiting one), so their drop
///   handlers run in asyncio's order: the awaited task's first (CPython 3.13 prints "child
///   cancelled", then "parent cancelled"). A chain of awaits is cancelled down to its end.
/// - **A handle dropped while it is awaited cancels its task**: dropping a pending `await` is
///   cancelling it, so `timeout(d, handle)` cancels the task at its deadline (asyncio's
///   `wait_for(task, d)` does the same; there the timeout returns once the task has finished
///   cancelling, here at once, and the task's cancellation lands at its next step). The handle
///   is awaited from a poll that leaves it pending until the end of its task's next step; await
///   `&mut handle` to keep the handle.
/// - **A handle dropped while nobody awaits it detaches the task**, which runs on (as an
///   asyncio task nobody awaits does).
///
/// ```
/// use weft_sim::{sleep, spawn, yield_now, Cancelled, Runtime};
/// use std::time::Duration;
/// let run = Runtime::new().run(async {
///     let child = spawn("child", sleep(Duration::from_secs(10)));
///     let child_id = child.id();
///     let parent = spawn("parent", async move { child.await });
///     yield_now().await; // the parent now awaits the child
///     parent.cancel();
///     let parent = parent.await;
///     let detached = spawn("detached", async { sleep(Duration::from_secs(2)).await; 1 });
///     drop(detached); // nobody awaits it: it runs on
///     sleep(Duration::from_secs(3)).await;
///     (parent, child_id)
/// });
/// let (parent, child) = run.output.unwrap();
/// assert_eq!(parent, Err(Cancelled));
/// assert!(run.trace.to_text().contains("detached"));
/// # let _ = child;
/// ```
pub struct JoinHandle<T> {
    id: TaskId,
    slot: Rc<RefCell<JoinSlot<T>>>,
    /// The task whose poll left this handle pending, and which of its steps that was.
    awaited: Cell<Option<(TaskId, u64)>>,
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
    JoinHandle { id, slot, awaited: Cell::new(None) }
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

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.slot.borrow_mut();
        if let Some(output) = slot.output.take() {
            self.awaited.set(None);
            context::try_with(|k| {
                if let Some(t) = k.current {
                    k.tasks[t.index()].waiting = None;
                }
            });
            return Poll::Ready(output);
        }
        slot.waiter = Some(cx.waker().clone());
        let target = self.id;
        let awaited = context::try_with(|k| {
            let t = k.current?;
            let meta = &mut k.tasks[t.index()];
            meta.waiting = Some(Waiting::Join(target));
            meta.joining = Some(target);
            let steps = meta.steps;
            k.record(Event::Join { target });
            Some((t, steps))
        });
        self.awaited.set(awaited.flatten());
        Poll::Pending
    }
}

impl<T> Drop for JoinHandle<T> {
    /// Dropped while awaited (a pending poll in its task's current or previous step) and before
    /// the task finished: the await is cancelled, and so is the task. Otherwise it detaches.
    fn drop(&mut self) {
        let Some((awaiting, step)) = self.awaited.get() else { return };
        if self.slot.borrow().output.is_some() {
            return;
        }
        let target = self.id;
        context::try_with(|k| {
            let now = k.current.filter(|t| *t == awaiting).map(|t| k.tasks[t.index()].steps);
            if now.is_some_and(|now| now == step || now == step + 1) {
                k.cancel(target);
            }
        });
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
