//! Time budgets: `WEFT_TIME=60s` or [`Explore::time_budget`] runs as many schedules as fit.
//!
//! **Exact with any number of workers.** Schedules are handed out in schedule order (index 0,
//! 1, 2, ... of the shard), and a worker checks the deadline only *before* it takes the next
//! index; a schedule once taken runs to its end. So the schedules that ran are always a
//! contiguous prefix of the schedule order: the report's [`schedules`](super::Report::schedules)
//! `N` are exactly the first `N`, whatever the number of workers, and the same exploration with
//! `WEFT_SCHEDULES=N` (and no time budget) gives the identical report. How many fit depends on
//! the machine, and only that: every schedule run is seeded by its index
//! ([`run_seed`](super::run_seed)), so every failure replays exactly from its line.
//! [`Report::out_of_time`](super::Report::out_of_time) says that the budget, not the count,
//! ended the exploration. A count and a time budget combine: whichever ends first.
//!
//! The clock is read only to decide whether to start the next schedule: nothing a run does
//! depends on it.

use super::Explore;
use std::future::Future;
use std::time::{Duration, Instant};

/// When an exploration stops starting schedules.
#[derive(Clone, Copy, Debug)]
pub(super) struct Deadline(Option<Instant>);

impl Deadline {
    /// `budget` from `started` (none: no deadline).
    pub(super) fn new(started: Instant, budget: Option<Duration>) -> Deadline {
        Deadline(budget.and_then(|b| started.checked_add(b)))
    }

    /// Whether the time is up: no further schedule may start.
    pub(super) fn passed(&self) -> bool {
        self.0.is_some_and(|at| Instant::now() >= at)
    }
}

impl<F, Fut> Explore<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future + 'static,
{
    /// Runs schedules until `budget` of real time has passed (or the schedule count is reached,
    /// whichever comes first; `WEFT_TIME` overrides it). The schedules that ran are the first
    /// [`Report::schedules`](super::Report::schedules) of the schedule order, with any number of
    /// workers (see [`budget`](self::super::budget)).
    ///
    /// ```
    /// use std::time::Duration;
    /// let report = weft_sim::explore(|| async {})
    ///     .schedules(u64::MAX)
    ///     .time_budget(Duration::from_millis(50))
    ///     .environment(false)
    ///     .run();
    /// assert!(report.out_of_time && report.schedules > 0);
    /// ```
    pub fn time_budget(mut self, budget: Duration) -> Self {
        self.time_budget = Some(budget);
        self
    }
}
