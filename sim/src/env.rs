//! Environment overrides for an exploration, as `PROPTEST_CASES` overrides proptest's settings.
//!
//! | variable | value | effect |
//! |---|---|---|
//! | `WEFT_SEED` | unsigned integer | the exploration's base seed |
//! | `WEFT_SCHEDULES` | integer ≥ 1 | how many schedules to run |
//! | `WEFT_STRATEGY` | `fifo`, `random`, `pct[:d]`, `dfs[:p]` | the strategy |
//! | `WEFT_REPLAY` | `weft2:...` | replay that one schedule (full trace) instead of exploring |
//! | `WEFT_JOBS` | integer ≥ 1 | worker threads |
//! | `WEFT_SHARD` | `i/n`, `0 <= i < n` | run only shard `i` of `n` |
//! | `WEFT_FAULTS` | `none`, `all`, `cancel,timeout,spurious,yield` | the faults each run may inject |
//!
//! An empty value counts as unset. A value that cannot be read is an [`EnvError`] naming the
//! variable, the value and what is accepted; `weft::explore` panics with it.

use crate::fault::Faults;
use crate::schedule::Schedule;
use crate::strategy::Strategy;
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
            self.variable, self.value, self.expected
        )
    }
}

impl std::error::Error for EnvError {}

impl Overrides {
    /// Reads the process environment.
    pub fn from_env() -> Result<Overrides, EnvError> {
        Overrides::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the variables through `lookup` (for tests and embedders).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Overrides, EnvError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let fail = |variable: &'static str, value: &str, expected: &str| EnvError {
            variable,
            value: value.to_string(),
            expected: expected.to_string(),
        };
        let positive = |variable: &'static str| -> Result<Option<u64>, EnvError> {
            get(variable)
                .map(|v| match v.trim().parse::<u64>() {
                    Ok(n) if n >= 1 => Ok(n),
                    _ => Err(fail(variable, &v, "an integer of at least 1")),
                })
                .transpose()
        };
        let seed = get("WEFT_SEED")
            .map(|v| v.trim().parse::<u64>().map_err(|_| fail("WEFT_SEED", &v, "an unsigned 64-bit integer, e.g. 42")))
            .transpose()?;
        let strategy = get("WEFT_STRATEGY")
            .map(|v| {
                v.parse::<Strategy>().map_err(|_| {
                    fail(
                        "WEFT_STRATEGY",
                        &v,
                        "`fifo`, `random`, `pct`, `pct:<depth>` (depth >= 1), `dfs` or `dfs:<max preemptions>`",
                    )
                })
            })
            .transpose()?;
        let replay = get("WEFT_REPLAY")
            .map(|v| {
                v.parse::<Schedule>().map_err(|e| EnvError {
                    variable: "WEFT_REPLAY",
                    value: v.clone(),
                    expected: format!("a schedule string as a failed run prints it ({e})"),
                })
            })
            .transpose()?;
        let shard = get("WEFT_SHARD")
            .map(|v| {
                parse_shard(&v)
                    .ok_or_else(|| fail("WEFT_SHARD", &v, "`<index>/<count>` with 0 <= index < count, e.g. `0/4`"))
            })
            .transpose()?;
        let faults = get("WEFT_FAULTS")
            .map(|v| {
                v.parse::<Faults>().map_err(|_| {
                    fail("WEFT_FAULTS", &v, "`none`, `all`, or a list of `cancel`, `timeout`, `spurious`, `yield`")
                })
            })
            .transpose()?;
        Ok(Overrides {
            faults,
            seed,
            schedules: positive("WEFT_SCHEDULES")?,
            strategy,
            replay,
            jobs: positive("WEFT_JOBS")?.map(|n| n as usize),
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
        ];
        for (name, value, expected) in cases {
            let message = one(name, value).unwrap_err().to_string();
            assert!(message.starts_with(&format!("{name}=`{value}`")), "{message}");
            assert!(message.contains(expected), "{message}");
        }
    }
}
