//! What a program under weft uses besides tasks and time: seeded randomness and printing.

use crate::context;
use std::ops::{Bound, RangeBounds};
use weft_traces::Event;

/// A value drawn uniformly from `range` (asyncio programs' `random.randint(lo, hi)` for
/// `lo..=hi`, `random.randrange(lo, hi)` for `lo..hi`). It comes from the run's strategy, seeded
/// from the run's seed, and is recorded in the schedule, so a replay draws the same value.
///
/// Any range of `u64` will do (`a..b`, `a..=b`, `a..`, `..b`, `..`); an empty one panics with a
/// message saying so.
///
/// ```
/// use weft_sim::{random_range, Runtime};
/// let draw = || Runtime::new().seed(7).run(async { (random_range(1..=50), random_range(0..3)) }).output.unwrap();
/// let (a, b) = draw();
/// assert!((1..=50).contains(&a) && b < 3);
/// assert_eq!(draw(), (a, b)); // same seed, same values
/// ```
#[track_caller]
pub fn random_range(range: impl RangeBounds<u64>) -> u64 {
    let (lo, hi) = match bounds(&range) {
        Some(bounds) => bounds,
        None => panic!(
            "weft: random_range({}) is empty; give a range with at least one value, such as `0..3` or `1..=6`",
            describe(&range)
        ),
    };
    let bound = (hi - lo).saturating_add(1);
    lo + context::with("random_range", |k| k.draw(bound))
}

/// The inclusive bounds of `range`, `None` when it is empty.
fn bounds(range: &impl RangeBounds<u64>) -> Option<(u64, u64)> {
    let lo = match range.start_bound() {
        Bound::Included(&lo) => lo,
        Bound::Excluded(&lo) => lo.checked_add(1)?,
        Bound::Unbounded => 0,
    };
    let hi = match range.end_bound() {
        Bound::Included(&hi) => hi,
        Bound::Excluded(&hi) => hi.checked_sub(1)?,
        Bound::Unbounded => u64::MAX,
    };
    (lo <= hi).then_some((lo, hi))
}

/// `3..3`, `5..=2`: the range as it was written, for the panic message.
fn describe(range: &impl RangeBounds<u64>) -> String {
    let start = match range.start_bound() {
        Bound::Included(lo) | Bound::Excluded(lo) => lo.to_string(),
        Bound::Unbounded => String::new(),
    };
    let end = match range.end_bound() {
        Bound::Included(hi) => format!("={hi}"),
        Bound::Excluded(hi) => hi.to_string(),
        Bound::Unbounded => String::new(),
    };
    format!("{start}..{end}")
}

/// Records a line of program output (asyncio programs' `print`). Outside a simulation the line
/// goes to stdout. Use it through [`println!`](crate::println).
pub fn print(line: String) {
    if weft_traces::recorder::is_recording() {
        context::try_with(move |k| {
            k.access(crate::strategy::Object::Output, crate::strategy::Mode::Write);
            k.record(Event::Print { text: line });
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_range_kinds_and_open_ends_give_their_inclusive_bounds() {
        assert_eq!(bounds(&(0..3)), Some((0, 2)));
        assert_eq!(bounds(&(1..=6)), Some((1, 6)));
        assert_eq!(bounds(&(5..)), Some((5, u64::MAX)));
        assert_eq!(bounds(&(..4)), Some((0, 3)));
        assert_eq!(bounds(&(..)), Some((0, u64::MAX)));
        assert_eq!(bounds(&(7..=7)), Some((7, 7)));
    }

    #[test]
    fn empty_ranges_have_no_bounds() {
        assert_eq!(bounds(&(3..3)), None);
        assert_eq!(bounds(&(0..0)), None);
        #[allow(clippy::reversed_empty_ranges)]
        let reversed = 5..=2;
        assert_eq!(bounds(&reversed), None);
        assert_eq!(bounds(&(..0)), None);
        assert_eq!(describe(&(3..3)), "3..3");
        assert_eq!(describe(&reversed), "5..=2");
    }

    #[test]
    fn an_empty_range_panics_saying_so() {
        let run = crate::Runtime::new().run(async { random_range(3..3) });
        let message = run.violation().map(|v| v.message.clone()).unwrap_or_default();
        assert!(message.contains("random_range(3..3) is empty"), "{message}");
    }
}
