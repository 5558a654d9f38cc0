//! Environment overrides for an exploration, as `PROPTEST_CASES` overrides proptest's settings.
//!
//! | variable | value | effect |
//! |---|---|---|
//! | `WEFT_SEED` | unsigned integer | the exploration's base seed |
//! | `WEFT_SCHEDULES` | integer from 1 to 2^64 − 1 | how many schedules to run |
//! | `WEFT_STRATEGY` | `fifo`, `random`, `pct[:d]` (d from 1 to 1000), `pos`, `dfs[:p]` | the strategy |
//! | `WEFT_REPLAY` | `weft2:...` | replay that one schedule (full trace) instead of exploring |
//! | `WEFT_JOBS` | integer from 1 to [`MAX_JOBS`] (1024) | worker threads |
//! | `WEFT_SHARD` | `i/n`, `0 <= i < n` | run only shard `i` of `n` |
//! | `WEFT_FAULTS` | `none`, `all`, `cancel,timeout,spurious,yield`, each kind with an optional budget (`cancel<=1`), `total<=N` | the faults each run may inject, and how many |
//!
//! An empty value counts as unset. A value that cannot be read (not a number, out of range, not
//! UTF-8, a damaged schedule) is an [`EnvError`]: one line naming the variable, the value
//! (shortened when long) and what is accepted; `weft::explore` panics with it, so the test fails
//! with that line. Nothing is clamped silently.

use crate::fault::Faults;
use crate::schedule::Schedule;
use crate::strategy::{quote, Strategy};
use std::fmt;

/// Settings read from `WEFT_*` variables; `None` where the variable is unset.
///
/// ```
/// use weft_sim::env::Overrides;
/// let vars = |name: &str| match name {
///     "WEFT_SEED" => Some("42".to_string()),
///     "WEFT_SHARD" => Some("1/3".to_string()),
///     _ => None,
/// };
/// let o = Overrides::from_lookup(vars).unwrap();
/// assert_eq!(o.seed, Some(42));
/// assert_eq!(o.shard, Some((1, 3)));
/// assert_eq!(o.jobs, None);
///
/// let err = Overrides::from_lookup(|n| (n == "WEFT_JOBS").then(|| "many".to_string())).unwrap_err();
/// assert!(err.to_string().contains("WEFT_JOBS=`many`"));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overrides {
    pub seed: Option<u64>,
    pub schedules: Option<u64>,
    pub strategy: Option<Strategy>,
    pub replay: Option<Schedule>,
    pub jobs: Option<usize>,
    pub shard: Option<(u32, u32)>,
    pub faults: Option<Faults>,
}

/// A `WEFT_*` variable whose value cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvError {
    /// The variable, e.g. `WEFT_SEED`.
    pub variable: &'static str,
    /// Its value.
    pub value: String,
    /// What it accepts.
    pub expected: String,
}

impl fmt::Display for EnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}=`{}` cannot be used: expected {}; fix or unset the variable",
            self.variable,
            quote(&self.value),
            self.expected
        )
    }
}

impl std::error::Error for EnvError {}

/// The most worker threads `WEFT_JOBS` may ask for (more than any machine weft runs on has
/// cores; each thread runs whole schedules, so more than the cores only adds memory).
pub const MAX_JOBS: usize = 1024;

/// Every variable this module reads.
pub const VARIABLES: [&str; 7] =
    ["WEFT_SEED", "WEFT_SCHEDULES", "WEFT_STRATEGY", "WEFT_REPLAY", "WEFT_JOBS", "WEFT_SHARD", "WEFT_FAULTS"];

impl Overrides {
    /// Reads the process environment. A variable that is set but not valid UTF-8 is an error
    /// too, not ignored.
    pub fn from_env() -> Result<Overrides, EnvError> {
        for variable in VARIABLES {
            if let Some(value) = std::env::var_os(variable) {
                if value.to_str().is_none() {
                    return Err(EnvError {
                        variable,
                        value: value.to_string_lossy().into_owned(),
                        expected: "text (this value is not valid UTF-8)".to_string(),
                    });
                }
            }
        }
        Overrides::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the variables through `lookup` (for tests and embedders).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Overrides, EnvError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let fail = |variable: &'static str, value: &str, expected: String| EnvError {
            variable,
            value: value.to_string(),
            expected,
        };
        // A whole number in `1..=max`.
        let count = |variable: &'static str, max: u64| -> Result<Option<u64>, EnvError> {
            get(variable)
                .map(|v| match v.trim().parse::<u64>() {
                    Ok(n) if (1..=max).contains(&n) => Ok(n),
                    _ => Err(fail(variable, &v, format!("an integer of at least 1 and at most {max}"))),
                })
                .transpose()
        };
        let seed = get("WEFT_SEED")
            .map(|v| {
                v.trim().parse::<u64>().map_err(|_| {
                    fail("WEFT_SEED", &v, "an unsigned 64-bit integer (0 to 18446744073709551615), e.g. 42".to_string())
                })
            })
            .transpose()?;
        let strategy = get("WEFT_STRATEGY")
            .map(|v| {
                v.parse::<Strategy>().map_err(|e| {
                    let accepted =
                        "`fifo`, `random`, `pct`, `pct:<depth>` (depth 1 to 1000), `pos`, `dfs` or `dfs:<max preemptions>`";
                    fail("WEFT_STRATEGY", &v, format!("{accepted} ({e})"))
                })
            })
            .transpose()?;
        let replay = get("WEFT_REPLAY")
            .map(|v| {
                v.parse::<Schedule>()
                    .map_err(|e| fail("WEFT_REPLAY", &v, format!("a schedule string as a failed run prints it ({e})")))
            })
            .transpose()?;
        let shard = get("WEFT_SHARD")
            .map(|v| {
                parse_shard(&v).ok_or_else(|| {
                    fail(
                        "WEFT_SHARD",
                        &v,
                        "`<index>/<count>` with 0 <= index < count <= 4294967295, e.g. `0/4`".to_string(),
                    )
                })
            })
            .transpose()?;
        let faults = get("WEFT_FAULTS")
            .map(|v| {
                v.parse::<Faults>().map_err(|e| {
                    let accepted = "`none`, `all`, or a list of `cancel`, `timeout`, `spurious`, `yield` (each with an optional budget, `cancel<=1`) and `total<=N`";
                    fail("WEFT_FAULTS", &v, format!("{accepted} ({e})"))
                })
            })
            .transpose()?;
        Ok(Overrides {
            faults,
            seed,
            schedules: count("WEFT_SCHEDULES", u64::MAX)?,
            strategy,
            replay,
            jobs: count("WEFT_JOBS", MAX_JOBS as u64)?.map(|n| n as usize),
            shard,
        })
    }
}

/// Reads `i/n` with `0 <= i < n`.
fn parse_shard(text: &str) -> Option<(u32, u32)> {
    let (i, n) = text.trim().split_once('/')?;
    let (i, n) = (i.trim().parse::<u32>().ok()?, n.trim().parse::<u32>().ok()?);
    (i < n).then_some((i, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(name: &'static str, value: &'static str) -> Result<Overrides, EnvError> {
        Overrides::from_lookup(move |n| (n == name).then(|| value.to_string()))
    }

    #[test]
    fn every_variable_is_read() {
        assert_eq!(one("WEFT_SCHEDULES", "500").unwrap().schedules, Some(500));
        assert_eq!(one("WEFT_STRATEGY", "dfs:2").unwrap().strategy, Some(Strategy::Dfs { max_preemptions: Some(2) }));
        assert_eq!(one("WEFT_REPLAY", "weft2:").unwrap().replay, Some(Schedule::default()));
        assert_eq!(one("WEFT_JOBS", "2").unwrap().jobs, Some(2));
        assert_eq!(one("WEFT_SEED", "").unwrap(), Overrides::default());
    }

    #[test]
    fn bad_values_name_the_variable_the_value_and_what_is_accepted() {
        let cases = [
            ("WEFT_SEED", "-1", "unsigned"),
            ("WEFT_SCHEDULES", "0", "at least 1"),
            ("WEFT_STRATEGY", "bfs", "pct:<depth>"),
            ("WEFT_REPLAY", "weft3:AA", "weft2:"),
            ("WEFT_JOBS", "two", "at least 1"),
            ("WEFT_SHARD", "3/3", "0 <= index < count"),
            ("WEFT_SHARD", "0/0", "0 <= index < count"),
            ("WEFT_SHARD", "1/99999999999", "count <= 4294967295"),
            ("WEFT_JOBS", "100000", "at most 1024"),
            ("WEFT_SCHEDULES", "18446744073709551616", "at most 18446744073709551615"),
            ("WEFT_SEED", "18446744073709551616", "0 to 18446744073709551615"),
            ("WEFT_STRATEGY", "pct:99999999999", "the depth 99999999999 is out of range"),
            ("WEFT_STRATEGY", "dfs:-1", "not a whole number"),
            ("WEFT_FAULTS", "cancel,,yield", "an empty fault kind"),
            ("WEFT_FAULTS", "all,cancel", "stands alone"),
            ("WEFT_REPLAY", "weft2:vEsvG1uUAGTZ4dp5ocLq-s6JMEScdMkGahu6SYTJ", "more than the 1048576"),
        ];
        for (name, value, expected) in cases {
            let message = one(name, value).unwrap_err().to_string();
            assert!(message.starts_with(&format!("{name}=`{}`", quote(value))), "{message}");
            assert!(message.contains(expected), "{message}");
            assert_eq!(message.lines().count(), 1, "{message}");
        }
    }

    #[test]
    fn the_largest_values_are_accepted() {
        assert_eq!(one("WEFT_SCHEDULES", "18446744073709551615").unwrap().schedules, Some(u64::MAX));
        assert_eq!(one("WEFT_JOBS", "1024").unwrap().jobs, Some(MAX_JOBS));
        assert_eq!(one("WEFT_SHARD", "4294967294/4294967295").unwrap().shard, Some((u32::MAX - 1, u32::MAX)));
        assert_eq!(one("WEFT_STRATEGY", "pct:1000").unwrap().strategy, Some(Strategy::Pct { depth: 1000 }));
    }

    #[test]
    fn a_long_value_is_shortened_in_the_message() {
        let long = format!("weft2:{}", "*".repeat(100_000));
        let Err(e) = Overrides::from_lookup(|n| (n == "WEFT_REPLAY").then(|| long.clone())) else {
            panic!("a damaged schedule is refused")
        };
        let message = e.to_string();
        assert!(message.len() < 600, "{} bytes", message.len());
        assert!(message.starts_with("WEFT_REPLAY=`weft2:****") && message.contains("…`"), "{message}");
    }
}
