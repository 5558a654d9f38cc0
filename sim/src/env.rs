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
//! | `WEFT_REDUCTION` | `off` or `dpor` | DFS's partial-order reduction (valid only when all shared state is in weft primitives and cells) |
//! | `WEFT_FAULTS` | `none`, `all`, `cancel,timeout,spurious,yield`, each kind with an optional budget (`cancel<=1`), `total<=N` | the faults each run may inject, and how many |
//! | `WEFT_TIME` | `<whole number><unit>`, unit `ms`, `s`, `m` or `h` (`90s`, `5m`), at most 7 days | a time budget: run as many schedules as fit (with the count, whichever ends first) |
//! | `WEFT_REPORT` | a file path | also write the report as JSON there ([`crate::explore::Report::to_json`]) |
//!
//! An empty value counts as unset. A value that cannot be read (not a number, out of range, not
//! UTF-8, a damaged schedule) is an [`EnvError`]: one line naming the variable, the value
//! (shortened when long) and what is accepted; `weft::explore` panics with it, so the test fails
//! with that line. Nothing is clamped silently.

use crate::fault::Faults;
use crate::schedule::Schedule;
use crate::strategy::{quote, Reduction, Strategy};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

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
    /// `WEFT_REDUCTION`: DFS's partial-order reduction.
    pub reduction: Option<Reduction>,
    /// `WEFT_TIME`: the exploration's time budget.
    pub time: Option<Duration>,
    /// `WEFT_REPORT`: where to write the report as JSON.
    pub report: Option<PathBuf>,
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
pub const VARIABLES: [&str; 10] = [
    "WEFT_SEED",
    "WEFT_SCHEDULES",
    "WEFT_STRATEGY",
    "WEFT_REPLAY",
    "WEFT_JOBS",
    "WEFT_SHARD",
    "WEFT_FAULTS",
    "WEFT_REDUCTION",
    "WEFT_TIME",
    "WEFT_REPORT",
];

/// The longest time budget `WEFT_TIME` accepts: 7 days (longer is a typo, not a CI job).
pub const MAX_TIME: Duration = Duration::from_secs(7 * 24 * 3600);

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
        let reduction = get("WEFT_REDUCTION")
            .map(|v| {
                v.parse::<Reduction>().map_err(|_| {
                    fail(
                        "WEFT_REDUCTION",
                        &v,
                        "`off` or `dpor` (`dpor` only when all shared state is in weft primitives and cells)"
                            .to_string(),
                    )
                })
            })
            .transpose()?;
        let time = get("WEFT_TIME")
            .map(|v| {
                parse_duration(&v).map_err(|why| {
                    fail("WEFT_TIME", &v, format!("a whole number and a unit, `ms`, `s`, `m` or `h`, from 1ms to 7 days, e.g. `90s` or `5m` ({why})"))
                })
            })
            .transpose()?;
        let report = get("WEFT_REPORT")
            .map(|v| {
                match v.ends_with('/') || v.trim() != v {
                true => Err(fail(
                    "WEFT_REPORT",
                    &v,
                    "the path of a file to write, without surrounding spaces or a trailing `/`, e.g. `weft-report.json`"
                        .to_string(),
                )),
                false => Ok(PathBuf::from(v)),
            }
            })
            .transpose()?;
        Ok(Overrides {
            faults,
            reduction,
            time,
            report,
            seed,
            schedules: count("WEFT_SCHEDULES", u64::MAX)?,
            strategy,
            replay,
            jobs: count("WEFT_JOBS", MAX_JOBS as u64)?.map(|n| n as usize),
            shard,
        })
    }
}

/// Reads a time budget: a whole number and one unit (`ms`, `s`, `m`, `h`), at least 1 ms and
/// at most [`MAX_TIME`]; spaces around it are allowed, inside it not.
///
/// ```
/// use std::time::Duration;
/// use weft_sim::env::parse_duration;
/// assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
/// assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
/// assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
/// assert!(parse_duration("60").unwrap_err().contains("no unit"));
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    if number.is_empty() {
        return Err("it does not start with a whole number".to_string());
    }
    let scale_ms: u64 = match unit {
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "" => return Err("no unit: add one, e.g. `60s`".to_string()),
        other => return Err(format!("`{}` is not a unit", quote(other))),
    };
    let ms = number.parse::<u64>().ok().and_then(|n| n.checked_mul(scale_ms));
    match ms.map(Duration::from_millis) {
        Some(d) if d.is_zero() => Err("a budget of zero runs nothing".to_string()),
        Some(d) if d <= MAX_TIME => Ok(d),
        _ => Err("longer than 7 days".to_string()),
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
        assert_eq!(one("WEFT_REDUCTION", "dpor").unwrap().reduction, Some(Reduction::Dpor));
        assert_eq!(one("WEFT_REDUCTION", "off").unwrap().reduction, Some(Reduction::Off));
        assert_eq!(one("WEFT_SEED", "").unwrap(), Overrides::default());
        assert_eq!(one("WEFT_TIME", "2h").unwrap().time, Some(Duration::from_secs(7200)));
        assert_eq!(one("WEFT_REPORT", "out/r.json").unwrap().report, Some(PathBuf::from("out/r.json")));
    }

    #[test]
    fn bad_values_name_the_variable_the_value_and_what_is_accepted() {
        let cases = [
            ("WEFT_SEED", "-1", "unsigned"),
            ("WEFT_SCHEDULES", "0", "at least 1"),
            ("WEFT_STRATEGY", "bfs", "pct:<depth>"),
            ("WEFT_REDUCTION", "DPOR", "`off` or `dpor`"),
            ("WEFT_REDUCTION", "on", "`off` or `dpor`"),
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
            ("WEFT_TIME", "60", "no unit"),
            ("WEFT_TIME", "0s", "zero runs nothing"),
            ("WEFT_TIME", "1.5s", "`.5s` is not a unit"),
            ("WEFT_TIME", "1 m", "is not a unit"),
            ("WEFT_TIME", "-5s", "does not start with a whole number"),
            ("WEFT_TIME", "8d", "`d` is not a unit"),
            ("WEFT_TIME", "169h", "longer than 7 days"),
            ("WEFT_TIME", "99999999999999999999ms", "longer than 7 days"),
            ("WEFT_REPORT", "reports/", "trailing `/`"),
            ("WEFT_REPORT", " r.json", "surrounding spaces"),
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

    #[test]
    fn the_longest_time_budget_is_accepted_and_units_scale() {
        assert_eq!(one("WEFT_TIME", "168h").unwrap().time, Some(MAX_TIME));
        assert_eq!(one("WEFT_TIME", "10080m").unwrap().time, Some(MAX_TIME));
        assert_eq!(one("WEFT_TIME", " 1ms ").unwrap().time, Some(Duration::from_millis(1)));
        assert_eq!(parse_duration("604800001ms"), Err("longer than 7 days".to_string()));
    }

    /// Seeded random text, built from the pieces a budget is made of and bytes around them:
    /// `parse_duration` never panics, accepts exactly `<digits><unit>` within its bounds, and
    /// what it accepts has the value the digits and the unit say.
    #[test]
    fn fuzzed_time_budgets_parse_exactly_or_say_why_not() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(16);
        let pieces = [
            "0",
            "1",
            "7",
            "99",
            "604800",
            "18446744073709551615",
            "ms",
            "s",
            "m",
            "h",
            "d",
            " ",
            ".",
            "-",
            "+",
            "é",
            "us",
            "",
        ];
        for _ in 0..20_000 {
            let n = rng.gen_range(0..5);
            let text: String = (0..n).map(|_| pieces[rng.gen_range(0..pieces.len())]).collect();
            let parsed = parse_duration(&text);
            let trimmed = text.trim();
            let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
            let (number, unit) = trimmed.split_at(digits);
            let scale = match unit {
                "ms" => Some(1u128),
                "s" => Some(1000),
                "m" => Some(60_000),
                "h" => Some(3_600_000),
                _ => None,
            };
            let expected = match (number.parse::<u128>(), scale) {
                (Ok(v), Some(s)) if v * s >= 1 && v * s <= MAX_TIME.as_millis() => Some(v * s),
                _ => None,
            };
            match (parsed, expected) {
                (Ok(d), Some(ms)) => assert_eq!(d.as_millis(), ms, "{text:?}"),
                (Err(why), None) => assert!(!why.is_empty() && !why.contains('\n'), "{text:?}"),
                (got, want) => panic!("{text:?}: parsed {got:?}, expected {want:?} ms"),
            }
            // Through the variable, an unusable value is one line naming it.
            if let Err(e) = one_owned("WEFT_TIME", &text) {
                let message = e.to_string();
                assert!(message.starts_with("WEFT_TIME=`") && message.lines().count() == 1, "{message}");
            }
        }
    }

    fn one_owned(name: &'static str, value: &str) -> Result<Overrides, EnvError> {
        let value = value.to_string();
        Overrides::from_lookup(move |n| (n == name).then(|| value.clone()))
    }
}
