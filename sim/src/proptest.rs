//! Schedules as a proptest `Strategy` (`proptest::strategy::Strategy`), so that proptest
//! generates and shrinks a program's interleaving together with its inputs (feature `proptest`).
//!
//! A generated schedule is a list of picks, mostly 0 (asyncio's own order) with some deviations.
//! [`run`] replays it leniently (see [`Lenient`]): a pick beyond the ready tasks takes index 0,
//! and once the list runs out every pick is 0. So any list is a valid schedule of any program,
//! and proptest's own shrinking (shorter lists, smaller indices) moves toward asyncio's order:
//! the minimal counterexample names the few deviations the bug needs.
//!
//! ```
//! use proptest::prelude::*;
//! use std::cell::Cell;
//! use std::rc::Rc;
//! use weft_sim::proptest::{run, schedules, seeded};
//! use weft_sim::{spawn, yield_now};
//!
//! proptest! {
//!     // 32 cases drawn from seed 0: the same cases on every run.
//!     #![proptest_config(seeded(32, 0))]
//!     fn increments_add_up(n in 1u64..4, schedule in schedules()) {
//!         let outcome = run(&schedule, async move {
//!             let x = Rc::new(Cell::new(0));
//!             let tasks: Vec<_> = (0..n).map(|i| {
//!                 let x = x.clone();
//!                 // No yield between read and write: atomic under every schedule.
//!                 spawn(format!("inc{i}"), async move { x.set(x.get() + 1); yield_now().await })
//!             }).collect();
//!             for t in tasks { t.await.unwrap(); }
//!             x.get()
//!         });
//!         prop_assert_eq!(outcome.output, Some(n));
//!     }
//! }
//! # increments_add_up();
//! ```

use crate::runtime::{Run, Runtime};
use crate::schedule::{Choice, Schedule};
use crate::shrink::Lenient;
use ::proptest::collection::vec;
use ::proptest::prelude::*;
use ::proptest::test_runner::{Config, RngAlgorithm, RngSeed};
use std::future::Future;

/// A proptest configuration with `cases` cases drawn from `seed` (ChaCha), so that a
/// `proptest!` block or a `TestRunner` generates the same inputs, and shrinks them the same way,
/// on every run and every machine, as weft's own explorations do. proptest's default draws its
/// seed from the operating system. The other settings are proptest's defaults (including saving
/// a failing case to its regressions file beside the test, which is worth checking in).
///
/// ```
/// use proptest::strategy::{Strategy, ValueTree};
/// use proptest::test_runner::TestRunner;
/// let draw = || {
///     let mut runner = TestRunner::new(weft_sim::proptest::seeded(8, 42));
///     weft_sim::proptest::schedules().new_tree(&mut runner).unwrap().current()
/// };
/// assert_eq!(draw(), draw());
/// ```
pub fn seeded(cases: u32, seed: u64) -> Config {
    Config { cases, rng_algorithm: RngAlgorithm::ChaCha, rng_seed: RngSeed::Fixed(seed), ..Config::default() }
}

/// Schedules of up to 64 picks with indices below 8, three in four of them 0.
///
/// ```
/// use proptest::strategy::{Strategy, ValueTree};
/// use proptest::test_runner::TestRunner;
/// let mut runner = TestRunner::deterministic();
/// let schedule = weft_sim::proptest::schedules().new_tree(&mut runner).unwrap().current();
/// assert!(schedule.len() <= 64);
/// ```
pub fn schedules() -> impl Strategy<Value = Schedule> {
    schedules_with(64, 8)
}

/// Schedules of up to `max_picks` picks with indices below `max_index` (at least 1), three in
/// four of them 0.
///
/// ```
/// use proptest::strategy::{Strategy, ValueTree};
/// use proptest::test_runner::TestRunner;
/// use weft_sim::Choice;
/// let mut runner = TestRunner::deterministic();
/// let s = weft_sim::proptest::schedules_with(5, 2).new_tree(&mut runner).unwrap().current();
/// assert!(s.len() <= 5);
/// assert!(s.choices.iter().all(|c| matches!(c, Choice::Pick(0 | 1))));
/// ```
pub fn schedules_with(max_picks: usize, max_index: u32) -> impl Strategy<Value = Schedule> {
    let pick = prop_oneof![3 => Just(0u32), 1 => 0..max_index.max(1)];
    vec(pick, 0..=max_picks).prop_map(|picks| Schedule::from(picks.into_iter().map(Choice::Pick).collect::<Vec<_>>()))
}

/// Runs `main` on a fresh [`Runtime::new`] under a lenient replay of `schedule` (program draws
/// come from the schedule's draws, else 0). The returned run's `schedule` is what actually ran,
/// which replays exactly.
///
/// ```
/// use weft_sim::{spawn, Schedule};
/// let run = weft_sim::proptest::run(&Schedule::default(), async { spawn("t", async { 7 }).await.unwrap() });
/// assert_eq!(run.output, Some(7));
/// ```
pub fn run<T: 'static>(schedule: &Schedule, main: impl Future<Output = T> + 'static) -> Run<T> {
    Runtime::new().run_with(Box::new(Lenient::new(schedule)), main)
}
