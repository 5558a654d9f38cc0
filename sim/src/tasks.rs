//! The functions asyncio programs use around tasks, with CPython 3.13's semantics: [`gather`]
//! (and [`gather_settled`], `return_exceptions=True`), [`task_group`] (`TaskGroup`),
//! [`wait`] with [`ReturnWhen`], [`as_completed`], [`shield`], [`wait_for`], [`timeout_at`]
//! and the loop callbacks [`call_soon`], [`call_later`], [`call_at`].
//!
//! # asyncio's exceptions in Rust
//!
//! | asyncio | weft |
//! |---|---|
//! | a task returns `v` | its future returns `Ok(v)` (these functions take tasks whose output is a `Result`) |
//! | a task raises `e` | its future returns `Err(e)`: [`TaskError::Failed`] |
//! | a task is cancelled (`CancelledError(msg)`) | [`TaskError::Cancelled`] with the [`Cancelled`] message |
//! | `ExceptionGroup` of a task group | [`GroupError`] with every child's error, in the order they failed |
//! | an exception nobody catches, an `assert` | a panic: it fails the run (with its task, message and location), which no other task observes |
//!
//! # Cancellation is dropping
//!
//! A Rust future cannot catch its cancellation and go on: it is dropped at its `.await`, and
//! its Drop handlers run where asyncio's `except CancelledError:` would. So a task group's body
//! that a failing child interrupts is dropped, not resumed with `CancelledError`, and a program
//! that re-acquires a lock in its `except CancelledError:` has no port (see
//! `docs/asyncio-differences.md`).
//!
//! # Ready-queue entries
//!
//! Where asyncio wakes an awaiter through a done callback (`gather`, `TaskGroup`, `wait`,
//! `as_completed`, `shield`), the callback is a ready-queue entry of its own (a task named
//! `callback`) that then wakes the awaiter, so the awaiter's step lands where CPython's does.

mod callbacks;
mod gather;
mod group;
mod shield;
mod timeout;
mod wait;

pub use crate::task::Cancelled;
pub use callbacks::{call_at, call_later, call_soon, Callback};
pub use gather::{gather, gather_settled, Gather, GatherSettled};
pub use group::{task_group, Group, GroupClosed, GroupError, TaskGroup};
pub use shield::{shield, Shield};
pub use timeout::{timeout_at, wait_for};
pub use wait::{as_completed, wait, AsCompleted, EmptyWait, ReturnWhen, Wait};

use std::fmt;

/// How a task whose output is a `Result` ended, short of returning `Ok`: asyncio's exception
/// or `CancelledError` (see the [module table](self)).
///
/// ```
/// use weft_sim::tasks::TaskError;
/// use weft_sim::Cancelled;
/// let failed: TaskError<&str> = TaskError::Failed("boom");
/// assert_eq!(failed.to_string(), "task failed: boom");
/// assert_eq!(TaskError::<&str>::Cancelled(Cancelled::with_message("stop")).to_string(), "task was cancelled: stop");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskError<E> {
    /// The task was cancelled (asyncio's `CancelledError`, with its message).
    Cancelled(Cancelled),
    /// The task's future returned `Err` (an exception it raised).
    Failed(E),
}

impl<E> TaskError<E> {
    /// The task's outcome as a `TaskError`-typed result.
    pub(crate) fn from_outcome<T>(outcome: Result<Result<T, E>, Cancelled>) -> Result<T, TaskError<E>> {
        match outcome {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(TaskError::Failed(e)),
            Err(c) => Err(TaskError::Cancelled(c)),
        }
    }
}

impl<E: fmt::Display> fmt::Display for TaskError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Cancelled(c) => c.fmt(f),
            TaskError::Failed(e) => write!(f, "task failed: {e}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for TaskError<E> {}
