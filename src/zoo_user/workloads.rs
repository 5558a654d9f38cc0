//! The workloads of the user-style zoo: random operations with timeouts and cancellation, each
//! asserting its primitive's own rule with [`weft::invariant`](crate::invariant).

mod limiter;
mod listener;
mod notify;
mod weighted;

pub use limiter::limiter;
pub use listener::listener;
pub use notify::notify;
pub use weighted::weighted;

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
