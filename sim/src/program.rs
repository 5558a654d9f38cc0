//! What a program under weft uses besides tasks and time: seeded randomness and printing.

use crate::context;
use std::ops::RangeInclusive;
use weft_traces::Event;

/// A value drawn uniformly from `range` (asyncio programs' `random.randint(lo, hi)`). It comes
/// from the run's strategy, seeded from the run's seed, and is recorded in the schedule, so a
/// replay draws the same value.
///
/// ```
/// use weft_sim::{random_range, Runtime};
/// let draw = || Runtime::new().seed(7).run(async { random_range(1..=50) }).output.unwrap();
/// let v = draw();
/// assert!((1..=50).contains(&v));
/// assert_eq!(draw(), v); // same seed, same value
/// ```
#[track_caller]
pub fn random_range(range: RangeInclusive<u64>) -> u64 {
    let (lo, hi) = (*range.start(), *range.end());
    assert!(lo <= hi, "weft: random_range({lo}..={hi}) is empty; give a range whose start is at most its end");
    let bound = (hi - lo).saturating_add(1);
    lo + context::with("random_range", |k| k.draw(bound))
}

/// Records a line of program output (asyncio programs' `print`). Outside a simulation the line
/// goes to stdout. Use it through [`println!`](crate::println).
pub fn print(line: String) {
    if weft_traces::recorder::is_recording() {
        context::try_with(move |k| k.record(Event::Print { text: line }));
    } else {
        std::println!("{line}");
    }
}

/// Prints a line into the run's trace (its output), like `println!`.
///
/// ```
/// use weft_sim::Runtime;
/// let run = Runtime::new().run(async { weft_sim::println!("X = {}", 27); });
/// assert_eq!(run.trace.output().collect::<Vec<_>>(), ["X = 27"]);
/// ```
#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {
        $crate::print(::std::format!($($arg)*))
    };
}
