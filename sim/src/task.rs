//! Tasks: `spawn`, join handles, cancellation, `current_task`.

use crate::context;
use crate::kernel::Waiting;
use crate::strategy::{Mode, Object};
use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use weft_traces::{Event, TaskId};

/// The task was cancelled (its future dropped) before it finished: asyncio's `CancelledError`
/// seen by whoever awaits the task, with the message given to
/// [`cancel_with`](JoinHandle::cancel_with) (asyncio's `cancel(msg)`), if any.
///
/// How asyncio's outcomes map onto weft's: a task that returns gives `Ok(output)`; a task
/// cancelled gives `Err(Cancelled)`; an exception a program raises is an `Err` the task's future
/// returns (`gather`, `TaskGroup` and `wait` read it as such: see [`crate::tasks`]); a panic is
/// not an outcome another task sees: it fails the run (with the task, its message and where it
/// was raised), as an assertion fails a test.
///
/// ```
/// use weft_sim::{spawn, yield_now, Cancelled, Runtime};
/// let run = Runtime::new().run(async {
///     let t = spawn("t", std::future::pending::<()>());
///     yield_now().await;
///     t.cancel_with("shutting down");
///     t.await
/// });
/// let err = run.output.unwrap().unwrap_err();
/// assert_eq!(err.message(), Some("shutting down"));
/// assert_eq!(err, Cancelled::with_message("shutting down"));
/// assert_eq!(err.to_string(), "task was cancelled: shutting down");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cancelled {
    message: Option<Rc<str>>,
}

impl Cancelled {
    /// Cancelled with no message (asyncio's `cancel()`).
    pub fn new() -> Cancelled {
        Cancelled { message: None }
    }

    /// Cancelled with `message` (asyncio's `cancel(msg)`).
    pub fn with_message(message: impl AsRef<str>) -> Cancelled {
        Cancelled { message: Some(message.as_ref().into()) }
    }

    /// The message the cancellation was requested with.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
}

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.message {
            None => write!(f, "task was cancelled"),
            Some(m) => write!(f, "task was cancelled: {m}"),
        }
    }
}

impl std::error::Error for Cancelled {}

/// Where a task stands, shared by its join handle and its cancel handles.
#[derive(Clone, Copy, Debug, Default)]
enum Status {
    #[default]
    Running,
    Returned,
    Cancelled,
}

/// A task's join state apart from its output: its status, when it finished, who awaits it.
/// What a join does with it is the same whatever the output's type, so it is compiled once,
/// here, optimized with weft, and not again for each output type in the crate that spawns
/// (where `cargo test` compiles it unoptimized): the generic code of `spawn` and
/// [`JoinHandle`] only moves the output.
pub(crate) struct Join {
    status: Cell<Status>,
    /// The kernel step in which the task finished, for `as_completed`'s order.
    finished_at: Cell<u64>,
    /// Who awaits it, and whether its wake-up goes through a done callback first.
    waiter: RefCell<Option<(Waker, Await)>>,
    /// The task's id, set once the kernel has given it one (for the task to find its
    /// cancellation's message when its future is dropped).
    id: Cell<TaskId>,
}

/// How a join handle is awaited: what the awaiting task's cancellation does to the awaited task,
/// and how many ready-queue entries the wake-up takes, as in asyncio.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Await {
    /// `await task`: a cancellation of the awaiter goes down to the task; the task's end wakes
    /// the awaiter directly (asyncio's `__wakeup` callback is the awaiter's step).
    Direct,
    /// `gather`, a task group: the cancellation goes down; the task's end first runs a done
    /// callback (one ready-queue entry), which wakes the awaiter (another).
    Callback,
    /// `wait`, `as_completed`, `shield`: as `Callback`, but the awaiter's cancellation stays
    /// with the awaiter.
    Observe,
}

/// A task in one allocation: its join state, its output once it has one, and its future, shared
/// by the executor (which polls the future and drops it where the task ends), the task's join
/// handle (which takes the output) and its cancel handles. The future is pinned in place: the
/// allocation never moves, and the future is dropped in it.
pub(crate) struct TaskCell<T, F: ?Sized> {
    join: Join,
    /// The output until the join handle's await takes it.
    output: RefCell<Option<Result<T, Cancelled>>>,
    future: F,
}

/// A task's future in its cell, until the task ends.
pub(crate) struct FutureSlot<F>(RefCell<Option<F>>);

/// The future's place seen from a join handle, which never touches it.
pub(crate) trait Erased {}

impl<F> Erased for FutureSlot<F> {}

/// A task as the executor steps it and a cancel handle reads it, whatever its future's and its
/// output's types.
pub(crate) trait Task {
    /// Its join state.
    fn join(&self) -> &Join;

    /// Polls the future once. When it returns, it is dropped, then its output is kept for the
    /// join and the awaiter woken; if the poll panics, it is dropped as by [`Task::end`].
    fn poll(&self, cx: &mut Context<'_>) -> Poll<()>;

    /// Drops the future (a cancellation landing, the run closing; nothing when it returned
    /// already); a task that had not finished then finishes cancelled, with the message of the
    /// cancellation requested (also if dropping the future panics). In this order the drop
    /// handlers of the future run before the join wakes its awaiter, as asyncio throws
    /// `CancelledError` into the coroutine before its task is done.
    fn end(&self);
}

/// The executor's and a cancel handle's hold on a task.
pub(crate) type TaskRef = Rc<dyn Task>;

impl dyn Task {
    /// The kernel has given the task its id.
    pub(crate) fn set_id(&self, id: TaskId) {
        self.join().id.set(id);
    }
}

/// A new task running `future` (its join handle's view of it, and the executor's).
fn new_task<T: 'static, F: Future<Output = T> + 'static>(future: F) -> (Rc<TaskCell<T, dyn Erased>>, TaskRef) {
    let cell = Rc::new(TaskCell {
        join: Join::new(),
        output: RefCell::new(None),
        future: FutureSlot(RefCell::new(Some(future))),
    });
    let task: TaskRef = cell.clone();
    (cell, task)
}

/// A task for a loop callback: runs `call` in its one step.
pub(crate) fn callback_task(call: impl FnOnce() + 'static) -> TaskRef {
    new_task(async move { call() }).1
}

impl<T, F: ?Sized> TaskCell<T, F> {
    /// The task finished with `output`: kept for the join, and its awaiter woken (the first
    /// outcome only: a task finishes once).
    fn finish(&self, output: Result<T, Cancelled>) {
        if self.join.finishes(output.is_ok()) {
            *self.output.borrow_mut() = Some(output);
            self.join.wake_awaiter();
        }
    }

    /// The future was dropped before the task finished: it finishes cancelled.
    fn finish_dropped(&self) {
        // Dropped with the future of a task that returned (the common case): nothing to do.
        if matches!(self.join.status.get(), Status::Running) {
            let message = self.join.cancel_message();
            self.finish(Err(Cancelled { message }));
        }
    }
}

impl<T, F: Future<Output = T>> Task for TaskCell<T, FutureSlot<F>> {
    fn join(&self) -> &Join {
        &self.join
    }

    fn poll(&self, cx: &mut Context<'_>) -> Poll<()> {
        // Declared before the borrow of the future, so that on a panic the borrow is released
        // first and this ends the task.
        let unwinding = EndOnUnwind(self);
        // `Ready(None)`: the task had ended (not reached: its executor slot is empty then).
        let polled = {
            let mut slot = self.future.0.borrow_mut();
            // SAFETY: the future is never moved: it stays in this cell, an `Rc`'s allocation
            // that nothing takes the cell out of, until it is dropped in place (`*slot = None`,
            // here or in `end`, or with the cell).
            match slot.as_mut().map(|future| unsafe { Pin::new_unchecked(future) }.poll(cx)) {
                Some(Poll::Pending) => Poll::Pending,
                Some(Poll::Ready(output)) => {
                    *slot = None;
                    Poll::Ready(Some(output))
                }
                None => Poll::Ready(None),
            }
        };
        std::mem::forget(unwinding);
        polled.map(|output| {
            if let Some(output) = output {
                self.finish(Ok(output));
            }
        })
    }

    fn end(&self) {
        // Runs after the future's drop, also when that panics.
        let _finish = FinishDropped(self);
        let mut slot = self.future.0.borrow_mut();
        *slot = None;
    }
}

/// Ends the task if the poll of its future panics (it is forgotten otherwise).
struct EndOnUnwind<'a, T, F: Future<Output = T>>(&'a TaskCell<T, FutureSlot<F>>);

impl<T, F: Future<Output = T>> Drop for EndOnUnwind<'_, T, F> {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// Finishes the task cancelled, unless it finished, once its future is dropped.
struct FinishDropped<'a, T, F: ?Sized>(&'a TaskCell<T, F>);

impl<T, F: ?Sized> Drop for FinishDropped<'_, T, F> {
    fn drop(&mut self) {
        self.0.finish_dropped();
    }
}

impl Join {
    /// A join state for a task not yet given its id.
    fn new() -> Join {
        Join {
            status: Cell::new(Status::Running),
            finished_at: Cell::new(0),
            waiter: RefCell::new(None),
            id: Cell::new(TaskId(0)),
        }
    }

    /// The task finishes now, returned or cancelled; false if it had finished already.
    #[inline(never)]
    fn finishes(&self, returned: bool) -> bool {
        if !matches!(self.status.get(), Status::Running) {
            return false;
        }
        self.status.set(if returned { Status::Returned } else { Status::Cancelled });
        self.finished_at.set(context::try_with(|k| k.step).unwrap_or(0));
        true
    }

    /// Wakes whoever awaits the finished task, as it awaits it.
    #[inline(never)]
    fn wake_awaiter(&self) {
        let waiter = self.waiter.borrow_mut().take();
        match waiter {
            None => {}
            Some((w, Await::Direct)) => w.wake(),
            Some((w, Await::Callback | Await::Observe)) => wake_via_callback(w),
        }
    }

    /// The message of the cancellation requested of the task, if any (its future is being
    /// dropped).
    #[inline(never)]
    fn cancel_message(&self) -> Option<Rc<str>> {
        let id = self.id.get();
        context::try_with(|k| k.tasks.get(id.index()).and_then(|t| t.cancel_message.clone())).flatten()
    }

    /// The task's state (a read of its end, `docs/search.md`).
    #[inline(never)]
    fn status_now(&self) -> Status {
        let target = self.id.get();
        context::try_with(|k| k.access(Object::Exit(target), Mode::Read));
        self.status.get()
    }

    /// An await took the finished task's output: the awaiting task waits on it no more.
    #[inline(never)]
    fn joined(&self, awaited: &Cell<Option<(TaskId, u64)>>) {
        awaited.set(None);
        let target = self.id.get();
        context::try_with(|k| {
            k.awaited(Object::Exit(target));
            if let Some(t) = k.current {
                k.tasks[t.index()].waiting = None;
            }
        });
    }

    /// Registers the awaiting task's waker, and what it awaits, as `mode` says; `awaited`
    /// names the awaiting task and its step when the await passes cancellation down.
    #[inline(never)]
    fn register(&self, cx: &mut Context<'_>, mode: Await, awaited: &Cell<Option<(TaskId, u64)>>) {
        let passes_cancel = mode != Await::Observe;
        *self.waiter.borrow_mut() = Some((cx.waker().clone(), mode));
        let target = self.id.get();
        let by = context::try_with(|k| {
            let t = k.current?;
            let meta = &mut k.tasks[t.index()];
            meta.waiting = Some(Waiting::Join(target));
            if passes_cancel && !meta.joining.iter().any(|(t, _)| *t == target) {
                meta.joining.push((target, true));
            }
            let steps = meta.steps;
            k.record(Event::Join { target });
            Some((t, steps))
        });
        awaited.set(by.flatten().filter(|_| passes_cancel));
    }

    /// Ready once the task has finished, leaving its outcome in place; otherwise registers the
    /// awaiting task as `mode` says.
    #[inline(never)]
    fn poll_finished(&self, cx: &mut Context<'_>, mode: Await, awaited: &Cell<Option<(TaskId, u64)>>) -> Poll<()> {
        if !matches!(self.status_now(), Status::Running) {
            let target = self.id.get();
            context::try_with(|k| k.awaited(Object::Exit(target)));
            return Poll::Ready(());
        }
        self.register(cx, mode, awaited);
        Poll::Pending
    }

    /// The join handle is dropped, `awaited` by a task's poll (in its current or previous step)
    /// before the task finished: the await is cancelled, and so is the task. Otherwise it
    /// detaches.
    #[inline(never)]
    fn dropped(&self, awaited: Option<(TaskId, u64)>) {
        let Some((awaiting, step)) = awaited else { return };
        if !matches!(self.status_now(), Status::Running) {
            return;
        }
        let target = self.id.get();
        context::try_with(|k| {
            let now = k.current.filter(|t| *t == awaiting).map(|t| k.tasks[t.index()].steps);
            if now.is_some_and(|now| now == step || now == step + 1) {
                let message = k.tasks[awaiting.index()].cancel_message.clone();
                k.cancel(target, message.as_ref());
            }
        });
    }
}

/// Wakes `waker` through a done callback (asyncio's `add_done_callback`): a ready-queue entry of
/// its own, at the tail, which then wakes it.
pub(crate) fn wake_via_callback(waker: Waker) {
    let mut waker = Some(waker);
    context::try_with(|k| {
        let w = waker.take();
        k.spawn_callback(callback_task(move || {
            if let Some(w) = w {
                w.wake();
            }
        }));
    });
    // Outside a run there is no ready queue: wake it at once.
    if let Some(w) = waker {
        w.wake();
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
/// assert_eq!(parent, Err(Cancelled::new()));
/// assert!(run.trace.to_text().contains("detached"));
/// # let _ = child;
/// ```
pub struct JoinHandle<T> {
    /// The task's join state and output.
    cell: Rc<TaskCell<T, dyn Erased>>,
    /// The same task, as its cancel handles hold it.
    task: TaskRef,
    /// The await took the output.
    taken: bool,
    /// The task whose poll left this handle pending, and which of its steps that was.
    awaited: Cell<Option<(TaskId, u64)>>,
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").field("id", &self.id()).field("finished", &self.is_finished()).finish()
    }
}

/// Cancellation (the handles that cancel share the task's status: its output's type is
/// `'static`, as every spawned task's is).
impl<T: 'static> JoinHandle<T> {
    /// A handle that cancels this task and reads its state, which can be cloned and kept by
    /// other tasks while this one awaits it (asyncio passes the task object around).
    pub fn canceller(&self) -> CancelHandle {
        CancelHandle { task: self.task.clone() }
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
    /// assert_eq!(run.output, Some(Err(Cancelled::new())));
    /// ```
    #[track_caller]
    pub fn cancel(&self) -> bool {
        self.canceller().cancel()
    }

    /// Requests cancellation with a message (asyncio's `cancel(msg)`), which the awaiter reads
    /// from the [`Cancelled`] it gets. The first message requested is kept.
    #[track_caller]
    pub fn cancel_with(&self, message: impl AsRef<str>) -> bool {
        self.canceller().cancel_with(message)
    }

    /// asyncio's `cancelling()`: the cancellation requests not revoked by `uncancel`.
    pub fn cancelling(&self) -> u32 {
        self.canceller().cancelling()
    }

    /// asyncio's `uncancel()`: see [`CancelHandle::uncancel`].
    #[track_caller]
    pub fn uncancel(&self) -> u32 {
        self.canceller().uncancel()
    }
}

/// Spawns `future` as a new task named `name` (asyncio's `create_task(coro, name=...)`). Its
/// first step is queued at the tail of the ready queue. The name is copied into room the
/// thread keeps from its earlier tasks' names, so a name that is already a string (a literal,
/// a field) costs no allocation once the thread has run a task with a name as long.
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
pub fn spawn<T: 'static>(name: impl AsRef<str>, future: impl Future<Output = T> + 'static) -> JoinHandle<T> {
    spawn_named(name.as_ref(), future)
}

/// Spawns a run's main task, named `main`.
pub(crate) fn spawn_main<T: 'static>(future: impl Future<Output = T> + 'static) -> JoinHandle<T> {
    spawn_named("main", future)
}

#[track_caller]
fn spawn_named<T: 'static>(name: &str, future: impl Future<Output = T> + 'static) -> JoinHandle<T> {
    let (cell, task) = new_task(future);
    spawn_task(name, task.clone());
    JoinHandle { cell, task, taken: false, awaited: Cell::new(None) }
}

/// The kernel's part of a spawn, whatever the output's type: registers `task` under `name`.
#[track_caller]
#[inline(never)]
fn spawn_task(name: &str, task: TaskRef) {
    context::with("spawn", |k| k.spawn(name, task));
}

impl<T> JoinHandle<T> {
    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.cell.join.id.get()
    }

    /// The output, if the task returned (for the run's main task).
    pub(crate) fn into_output(self) -> Option<T> {
        self.cell.output.borrow_mut().take().and_then(Result::ok)
    }

    /// Whether the task has finished (returned or been cancelled); it stays true once the
    /// handle was awaited through `&mut`.
    pub fn is_finished(&self) -> bool {
        !matches!(self.status_now(), Status::Running)
    }

    /// asyncio's `done()`: the same as [`is_finished`](JoinHandle::is_finished).
    pub fn done(&self) -> bool {
        self.is_finished()
    }

    /// asyncio's `cancelled()`: whether the task finished cancelled.
    pub fn cancelled(&self) -> bool {
        matches!(self.status_now(), Status::Cancelled)
    }

    /// The task's outcome without taking it (asyncio's `result()` / `exception()` on a done
    /// task): `None` while it runs, or once an await has taken the output.
    ///
    /// ```
    /// use weft_sim::{spawn, yield_now, Runtime};
    /// let run = Runtime::new().run(async {
    ///     let mut t = spawn("t", async { 7 });
    ///     let before = t.result();
    ///     yield_now().await;
    ///     let peeked = t.result();
    ///     let awaited = (&mut t).await;
    ///     (before, peeked, awaited, t.is_finished())
    /// });
    /// assert_eq!(run.output, Some((None, Some(Ok(7)), Ok(7), true)));
    /// ```
    pub fn result(&self) -> Option<Result<T, Cancelled>>
    where
        T: Clone,
    {
        self.status_now();
        self.cell.output.borrow().clone()
    }

    /// The task's state (a read of its end, `docs/search.md`).
    fn status_now(&self) -> Status {
        self.cell.join.status_now()
    }

    /// Reads the outcome, if the task finished and nobody took it.
    pub(crate) fn peek<R>(&self, f: impl FnOnce(Option<&Result<T, Cancelled>>) -> R) -> R {
        self.status_now();
        f(self.cell.output.borrow().as_ref())
    }

    /// Forgets that it is awaited: dropping it now detaches the task.
    pub(crate) fn detach(&self) {
        self.awaited.set(None);
    }

    /// The step in which the task finished, once it has.
    pub(crate) fn finished_at(&self) -> Option<u64> {
        self.is_finished().then(|| self.cell.join.finished_at.get())
    }

    /// Ready once the task has finished, leaving its outcome in place; otherwise registers the
    /// awaiting task as `mode` says.
    pub(crate) fn poll_finished(&mut self, cx: &mut Context<'_>, mode: Await) -> Poll<()> {
        self.cell.join.poll_finished(cx, mode, &self.awaited)
    }

    /// Polls the join, awaited as `mode` says.
    pub(crate) fn poll_join(&mut self, cx: &mut Context<'_>, mode: Await) -> Poll<Result<T, Cancelled>> {
        assert!(!self.taken, "weft: a JoinHandle was awaited again after it returned the task's output");
        let output = self.cell.output.borrow_mut().take();
        if let Some(output) = output {
            self.taken = true;
            self.cell.join.joined(&self.awaited);
            return Poll::Ready(output);
        }
        self.cell.join.register(cx, mode, &self.awaited);
        Poll::Pending
    }
}

/// A handle that cancels a task and reads whether it finished, kept apart from the task's
/// [`JoinHandle`] (which one task awaits): clone it freely.
///
/// ```
/// use weft_sim::{sleep, spawn, yield_now, Runtime};
/// use std::time::Duration;
/// let run = Runtime::new().run(async {
///     let worker = spawn("worker", sleep(Duration::from_secs(60)));
///     let stop = worker.canceller();
///     let waiter = spawn("waiter", async move { worker.await.unwrap_err() });
///     spawn("stopper", async move { stop.cancel_with("enough") });
///     waiter.await.unwrap()
/// });
/// assert_eq!(run.output.unwrap().message(), Some("enough"));
/// ```
#[derive(Clone)]
pub struct CancelHandle {
    task: TaskRef,
}

impl fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelHandle").field("id", &self.id()).field("status", &self.task.join().status.get()).finish()
    }
}

impl CancelHandle {
    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.task.join().id.get()
    }

    /// Whether the task finished (asyncio's `done()`).
    pub fn done(&self) -> bool {
        !matches!(self.status_now(), Status::Running)
    }

    /// Whether the task finished cancelled (asyncio's `cancelled()`).
    pub fn cancelled(&self) -> bool {
        matches!(self.status_now(), Status::Cancelled)
    }

    /// The task's state (a read of its end, `docs/search.md`).
    fn status_now(&self) -> Status {
        let target = self.id();
        context::try_with(|k| k.access(Object::Exit(target), Mode::Read));
        self.task.join().status.get()
    }

    /// Requests cancellation (asyncio's `Task.cancel()`; see [`JoinHandle::cancel`]).
    #[track_caller]
    pub fn cancel(&self) -> bool {
        context::with("cancel", |k| k.cancel(self.id(), None))
    }

    /// Requests cancellation with a message (asyncio's `cancel(msg)`).
    #[track_caller]
    pub fn cancel_with(&self, message: impl AsRef<str>) -> bool {
        let message: Rc<str> = message.as_ref().into();
        context::with("cancel_with", |k| k.cancel(self.id(), Some(&message)))
    }

    /// asyncio's `cancelling()`: how many cancellations were requested and not revoked.
    #[track_caller]
    pub fn cancelling(&self) -> u32 {
        let id = self.id();
        context::with("cancelling", |k| {
            k.access(Object::Cancel(id), Mode::Read);
            k.tasks.get(id.index()).map_or(0, |t| t.cancels)
        })
    }

    /// asyncio's `uncancel()` (3.13): revokes one cancellation request and returns how many are
    /// left. When none is left and the cancellation has not landed yet (the task has not taken
    /// its next step, and the cancellation was not passed on to a task it awaits), the task
    /// runs on, as 3.13 clears `_must_cancel`.
    ///
    /// ```
    /// use weft_sim::{sleep, spawn, yield_now, Runtime};
    /// use std::time::Duration;
    /// let run = Runtime::new().run(async {
    ///     let t = spawn("t", async { sleep(Duration::from_secs(1)).await; "finished" });
    ///     t.cancel();
    ///     let left = t.uncancel();
    ///     (left, t.await)
    /// });
    /// assert_eq!(run.output, Some((0, Ok("finished"))));
    /// ```
    #[track_caller]
    pub fn uncancel(&self) -> u32 {
        context::with("uncancel", |k| k.uncancel(self.id()))
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, Cancelled>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.poll_join(cx, Await::Direct)
    }
}

impl<T> Drop for JoinHandle<T> {
    /// Dropped while awaited (a pending poll in its task's current or previous step) and before
    /// the task finished: the await is cancelled, and so is the task. Otherwise it detaches.
    fn drop(&mut self) {
        // Most handles are dropped after their await took the output: one look, here.
        if let awaited @ Some(_) = self.awaited.get() {
            self.cell.join.dropped(awaited);
        }
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

    /// asyncio's `current_task().cancelling()`: the cancellation requests of this task not
    /// revoked. Read in a Drop handler, it says whether the drop is the task's cancellation.
    #[track_caller]
    pub fn cancelling(&self) -> u32 {
        context::with("TaskInfo::cancelling", |k| {
            k.access(Object::Cancel(self.id), Mode::Read);
            k.tasks.get(self.id.index()).map_or(0, |t| t.cancels)
        })
    }

    /// The message of this task's cancellation, if one was requested with a message: what
    /// asyncio's `except CancelledError as e:` reads from `e.args`, for a Drop handler.
    ///
    /// ```
    /// use weft_sim::{current_task, spawn, yield_now, Runtime};
    /// use std::{cell::RefCell, rc::Rc};
    /// struct Seen(Rc<RefCell<Option<String>>>);
    /// impl Drop for Seen {
    ///     fn drop(&mut self) {
    ///         *self.0.borrow_mut() = current_task().cancel_message();
    ///     }
    /// }
    /// let run = Runtime::new().run(async {
    ///     let seen = Rc::new(RefCell::new(None));
    ///     let s = Seen(seen.clone());
    ///     let t = spawn("t", async move { let _s = s; std::future::pending::<()>().await });
    ///     yield_now().await;
    ///     t.cancel_with("stop");
    ///     let _ = t.await;
    ///     seen.take()
    /// });
    /// assert_eq!(run.output, Some(Some("stop".to_string())));
    /// ```
    #[track_caller]
    pub fn cancel_message(&self) -> Option<String> {
        context::with("TaskInfo::cancel_message", |k| {
            k.tasks.get(self.id.index()).and_then(|t| t.cancel_message.as_deref().map(str::to_string))
        })
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
        TaskInfo { id, name: k.tasks[id.index()].name.as_str().into() }
    })
}
