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

// The building blocks every workload uses (drawn pauses and timeouts).
use crate::workloads::{patience, pause};
