//! weft's deterministic virtual-time executor.
//!
//! A [`Runtime`] runs a program's tasks on one thread, one step at a time: it picks a ready task
//! (the [`Strategy`] decides when more than one is ready), polls it until it suspends or
//! finishes, records what happened, and jumps the virtual clock to the next timer when nothing is
//! ready. Every decision is a [`Choice`] kept in the run's [`Schedule`], so any run can be
//! replayed exactly from its `weft2:` string.
//!
//! ```
//! use weft_sim::{spawn, sleep, now, Runtime};
//! use std::time::Duration;
//!
//! let run = Runtime::new().run(async {
//!     let a = spawn("a", async { sleep(Duration::from_secs(2)).await });
//!     a.await.unwrap();
//!     now()
//! });
//! assert_eq!(run.output, Some(Duration::from_secs(2)));
//! ```

mod context;
pub mod env;
pub mod explore;
pub mod fault;
mod kernel;
mod monitor;
mod panic;
mod probe;
mod program;
#[cfg(feature = "proptest")]
pub mod proptest;
mod ready;
mod resources;
mod reuse;
mod runtime;
mod schedule;
pub mod shrink;
pub mod strategy;
mod task;
pub mod tasks;
mod time;
mod timers;
#[cfg(feature = "tracing")]
pub mod tracing_layer;
mod waker;
mod watchdog;

pub use explore::{explore, Explore, Found, Report};
pub use fault::{FaultKind, Faults, FaultsError};
pub use monitor::{eventually, eventually_within, invariant};
pub use program::{print, random_range};
pub use runtime::{Failure, Run, Runtime, DEFAULT_MAX_STEPS, DEFAULT_STEPS_PER_TASK};
pub use schedule::{check_header, Choice, Schedule, ScheduleError};
pub use strategy::{Divergence, DivergenceKind, FireContext, Reduction, Scheduler, Strategy, StrategyError};
pub use task::{current_task, spawn, CancelHandle, Cancelled, JoinHandle, TaskInfo};
pub use time::{now, sleep, timeout, yield_now, Elapsed, Sleep, Timeout};
pub use watchdog::{DEFAULT_HANG_TIMEOUT, HANG_TIMEOUT_VAR};
pub use weft_traces::{TaskId, Time};
