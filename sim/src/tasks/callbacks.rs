//! Loop callbacks: `call_soon`, `call_later`, `call_at` (asyncio's `loop.call_*`).
//!
//! A callback is a ready-queue entry, where CPython's loop puts its handle:
//!
//! - `call_soon(f)` queues `f` at the tail of the ready queue, as a task of its own (named
//!   `callback`) whose one step runs `f`: what `f` does is recorded about that task.
//! - `call_later(d, f)` / `call_at(t, f)` register a timer. When it fires, `f` runs at once, among
//!   the timers due with it in (deadline, registration) order, before the tasks those timers
//!   woke take their steps: asyncio runs every due timer handle in one batch, and a sleeping
//!   task's handle only schedules the task's step.

use crate::context;
use crate::task::{spawn, CancelHandle};
use crate::timers::TimerKey;
use std::fmt;
use std::time::Duration;
use weft_traces::Time;

/// A scheduled callback (asyncio's `Handle` / `TimerHandle`): [`cancel`](Callback::cancel) it
/// before it runs.
pub struct Callback {
    kind: Kind,
}

enum Kind {
    Soon(CancelHandle),
    Timer(TimerKey),
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Soon(task) => f.debug_struct("Callback").field("task", &task.id()).finish(),
            Kind::Timer((when, _)) => f.debug_struct("Callback").field("when", when).finish(),
        }
    }
}

impl Callback {
    /// Cancels the callback if it has not run (asyncio's `Handle.cancel()`); says whether it was
    /// still pending.
    #[track_caller]
    pub fn cancel(&self) -> bool {
        match &self.kind {
            Kind::Soon(task) => !task.done() && task.cancel(),
            Kind::Timer(key) => context::with("Callback::cancel", |k| k.timers.remove(*key)),
        }
    }
}

/// Queues `f` at the tail of the ready queue (asyncio's `loop.call_soon(f)`).
///
/// ```
/// use weft_sim::tasks::call_soon;
/// use weft_sim::{spawn, yield_now, Runtime};
/// use std::{cell::RefCell, rc::Rc};
/// let run = Runtime::new().run(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let (a, b) = (log.clone(), log.clone());
///     call_soon(move || a.borrow_mut().push("callback"));
///     spawn("task", async move { b.borrow_mut().push("task") });
///     yield_now().await;
///     log.take()
/// });
/// assert_eq!(run.output, Some(vec!["callback", "task"]));
/// ```
#[track_caller]
pub fn call_soon(f: impl FnOnce() + 'static) -> Callback {
    let task = spawn("callback", async move { f() });
    context::with("call_soon", |k| k.tasks[task.id().index()].callback = true);
    Callback { kind: Kind::Soon(task.canceller()) }
}

/// Runs `f` after `delay` of virtual time (asyncio's `loop.call_later(delay, f)`).
///
/// ```
/// use weft_sim::tasks::call_later;
/// use weft_sim::{now, sleep, Runtime};
/// use std::{cell::Cell, rc::Rc, time::Duration};
/// let run = Runtime::new().run(async {
///     let at = Rc::new(Cell::new(None));
///     let a = at.clone();
///     call_later(Duration::from_secs(2), move || a.set(Some(now())));
///     sleep(Duration::from_secs(3)).await;
///     at.get()
/// });
/// assert_eq!(run.output, Some(Some(Duration::from_secs(2))));
/// ```
#[track_caller]
pub fn call_later(delay: Duration, f: impl FnOnce() + 'static) -> Callback {
    let when = context::with("call_later", |k| k.now.saturating_add(delay));
    call_at(when.as_duration(), f)
}

/// Runs `f` at virtual time `when` (asyncio's `loop.call_at(when, f)`, with `when` on the clock
/// of [`now`](crate::now)). A time already past runs at the next timer point.
#[track_caller]
pub fn call_at(when: Duration, f: impl FnOnce() + 'static) -> Callback {
    let key = context::with("call_at", |k| {
        let task = k.current("call_at");
        let when = Time::ZERO.saturating_add(when).max(k.now);
        k.timers.insert_call(when, task, Box::new(f))
    });
    Callback { kind: Kind::Timer(key) }
}
