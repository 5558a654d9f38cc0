//! `wait_for` and `timeout_at`: deadlines on a future, built on [`timeout`](crate::timeout).

use crate::context;
use crate::time::{timeout, Timeout};
use std::future::Future;
use std::time::Duration;

/// Awaits `future` for at most `duration` (asyncio's `wait_for(aw, timeout)`, which 3.12 and
/// later implement with `timeout()`): the same future as [`timeout`](crate::timeout). On a
/// join handle the deadline cancels the task; here the call returns at once where asyncio's
/// waits for the task to finish cancelling (see [`JoinHandle`](crate::JoinHandle)).
///
/// ```
/// use weft_sim::tasks::wait_for;
/// use weft_sim::{sleep, Elapsed, Runtime};
/// use std::time::Duration;
/// let run = Runtime::new().run(wait_for(Duration::from_secs(1), sleep(Duration::from_secs(5))));
/// assert_eq!(run.output, Some(Err(Elapsed)));
/// ```
pub fn wait_for<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    timeout(duration, future)
}

/// Awaits `future` until virtual time `when` (asyncio's `timeout_at(when)` scope around it,
/// on the clock of [`now`](crate::now)). A deadline already past fires at the next timer point.
///
/// ```
/// use weft_sim::tasks::timeout_at;
/// use weft_sim::{now, sleep, Elapsed, Runtime};
/// use std::time::Duration;
/// let run = Runtime::new().run(async {
///     sleep(Duration::from_secs(1)).await;
///     let r = timeout_at(Duration::from_secs(3), sleep(Duration::from_secs(5))).await;
///     (r, now())
/// });
/// assert_eq!(run.output, Some((Err(Elapsed), Duration::from_secs(3))));
/// ```
#[track_caller]
pub fn timeout_at<F: Future>(when: Duration, future: F) -> Timeout<F> {
    let now = context::with("timeout_at", |k| k.now.as_duration());
    timeout(when.saturating_sub(now), future)
}
