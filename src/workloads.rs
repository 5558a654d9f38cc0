//! Workloads: generic programs that drive one primitive with several tasks doing random
//! sequences of its operations (with sleeps and timeouts), drawn from the run's seed.
//!
//! These, not hand-written schedules, are what find bugs: the kill test runs them against the
//! historical mutants (feature `mutants`) and must find every one with no hint of its schedule,
//! and against the correct primitives, which must pass. Each workload tolerates cancellation
//! (explore it with [`Faults`](crate::Faults)) and asserts what its primitive promises; the
//! checkers add mutual exclusion, FIFO fairness, lost wake-ups and accounting on top.
//!
//! A workload is generic over a small trait ([`LockLike`], [`SemaphoreLike`],
//! [`ConditionLike`], [`QueueLike`]), so it also runs against a primitive of your own.
//!
//! ```
//! use weft::prelude::*;
//! use weft::workloads;
//! use std::rc::Rc;
//!
//! let report = explore(|| workloads::lock(Rc::new(Lock::new())))
//!     .faults(Faults::all())
//!     .schedules(200)
//!     .environment(false)
//!     .run();
//! report.assert_ok();
//! ```

mod condition;
mod lock;
mod queue;
mod semaphore;

pub use condition::{condition, ConditionLike};
pub use lock::{lock, LockLike};
pub use queue::{queue, QueueLike};
pub use semaphore::{semaphore, SemaphoreLike};

use std::time::Duration;
use weft_sim::random_range;

/// A short virtual pause: a yield (no time) or 1 to 3 ticks of 100 ms, drawn from the run.
async fn pause() {
    match random_range(0..=3) {
        0 => weft_sim::yield_now().await,
        n => weft_sim::sleep(Duration::from_millis(100 * n)).await,
    }
}

/// A timeout drawn from the run: 100 to 400 ms.
fn patience() -> Duration {
    Duration::from_millis(100 * random_range(1..=4))
}
