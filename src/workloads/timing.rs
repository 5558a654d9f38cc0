//! The building blocks every workload paces itself with: short pauses, timeouts, and whether
//! a blocking operation is awaited with one. All of them draw from the run
//! ([`random_range`]), so an exploration varies them and a replay repeats them.

use std::future::Future;
use std::time::Duration;
use weft_sim::{random_range, timeout};

/// A short virtual pause: a yield (no time passes) or 1 to 3 ticks of 100 ms, drawn from the
/// run. Between two operations it lets other tasks run, and timers come due.
///
/// ```
/// use weft::workloads::pause;
/// use weft::Runtime;
/// let run = Runtime::new().seed(3).run(async {
///     pause().await;
///     weft::now()
/// });
/// let waited = run.output.unwrap().as_millis();
/// assert!([0, 100, 200, 300].contains(&waited));
/// ```
pub async fn pause() {
    match random_range(0..=3) {
        0 => weft_sim::yield_now().await,
        n => weft_sim::sleep(Duration::from_millis(100 * n)).await,
    }
}

/// A timeout drawn from the run: 100 to 400 ms, so it races the workloads' pauses.
///
/// ```
/// use weft::workloads::patience;
/// use weft::Runtime;
/// let run = Runtime::new().run(async { patience() });
/// let patience = run.output.unwrap().as_millis();
/// assert!((100..=400).contains(&patience) && patience % 100 == 0);
/// ```
pub fn patience() -> Duration {
    Duration::from_millis(100 * random_range(1..=4))
}

/// How a workload awaits one blocking operation: to its end, or with a [`timeout`] (dropping
/// the operation when it expires: a cancellation while it waits, or after its wake-up and
/// before its task ran).
///
/// ```
/// use weft::workloads::Timing;
/// use weft::{Lock, Runtime};
/// use std::time::Duration;
/// let run = Runtime::new().run(async {
///     let lock = Lock::new();
///     lock.acquire().await;
///     // Held: a timed acquire gives up after its timeout and withdraws its request.
///     let timed = Timing::Timeout(Duration::from_millis(100)).run(lock.acquire()).await;
///     (timed, lock.waiters())
/// });
/// assert_eq!(run.output, Some((None, 0)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    /// Await it until it completes.
    Untimed,
    /// Give up after this long (`asyncio.wait_for(op, timeout)`).
    Timeout(Duration),
}

impl Timing {
    /// Untimed or with a timeout of [`patience`], one chance in two, drawn from the run.
    ///
    /// ```
    /// use weft::workloads::Timing;
    /// use weft::Runtime;
    /// let run = Runtime::new().seed(1).run(async { (0..20).map(|_| Timing::draw()).collect::<Vec<_>>() });
    /// let draws = run.output.unwrap();
    /// assert!(draws.contains(&Timing::Untimed));
    /// assert!(draws.iter().any(|t| matches!(t, Timing::Timeout(_))));
    /// ```
    pub fn draw() -> Timing {
        match random_range(0..=1) {
            0 => Timing::Untimed,
            _ => Timing::Timeout(patience()),
        }
    }

    /// Awaits `operation` this way: `Some` with its output, or `None` when the timeout expired
    /// first (and the operation was dropped).
    pub async fn run<F: Future>(self, operation: F) -> Option<F::Output> {
        match self {
            Timing::Untimed => Some(operation.await),
            Timing::Timeout(after) => timeout(after, operation).await.ok(),
        }
    }
}

/// Waits until `done()` holds, looking every 100 ms of virtual time for at most 30 s, and says
/// whether it held. A workload's main task ends with it: it lets the workers finish without
/// waiting forever for one a bug (or a cancellation of its partner) left blocked, and, unlike a
/// [`timeout`], no fault fires it early, and it takes no wake-up from anyone.
///
/// ```
/// use weft::workloads::settle;
/// use weft::{sleep, spawn, Runtime};
/// use std::time::Duration;
/// let run = Runtime::new().run(async {
///     let worker = spawn("worker", sleep(Duration::from_millis(250)));
///     let finished = settle(|| worker.is_finished()).await;
///     (finished, weft::now())
/// });
/// assert_eq!(run.output, Some((true, Duration::from_millis(300))));
/// ```
pub async fn settle(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..300 {
        if done() {
            return true;
        }
        weft_sim::sleep(Duration::from_millis(100)).await;
    }
    done()
}
