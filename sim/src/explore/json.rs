//! The machine-readable report ([`Report::to_json`], `WEFT_REPORT=path.json`, `weft explore
//! --format json`) and [`merge`], which combines the reports of the `n` shards of one
//! exploration into the report the unsharded exploration gives.
//!
//! The JSON holds what the exploration decided and nothing of how long it took (no real time,
//! no worker count), so equal explorations give byte-identical files. `runs` lists every counted
//! schedule as `[index, "interleaving hash", steps]`; that is what makes an exact merge possible
//! (distinct interleavings and the cut at the first failure cannot be computed from counts; the
//! merge counts the interleavings as the unsharded exploration does, exactly up to 65,536 and
//! from the same sample past that, so the two give the same count).
//!
//! **Why the merge is the unsharded report.** Shard `k` of `n` runs the indices `i` with
//! `i % n == k`, each with the seed of its index, so the union of the shards' runs is the
//! unsharded run's, schedule for schedule. The unsharded exploration stops at its first failure
//! `F`, the lowest failing index of all shards, and counts the schedules `0..=F`: every shard ran
//! all its indices up to `F` (a shard stops only at its own failure, which is at `F` or later),
//! so the merge keeps exactly the runs with index `<= F` and the failure (investigated and shrunk
//! by the shard that found it, deterministically) of `F`. A shard stopped by a time budget ran a
//! prefix of its indices; the merge then cuts everything at the first index some shard did not
//! run, `P`, and is the report of the unsharded exploration of `P` schedules. `tests/ci.rs`
//! checks the bytes.
//!
//! ```
//! use weft_sim::{explore, spawn, yield_now, Strategy};
//! use weft_sim::explore::{json::ReportFile, merge};
//! let program = || async { spawn("a", yield_now()); spawn("b", yield_now()); };
//! let run = |k, n| explore(program).schedules(30).shard(k, n).keep_runs(true).environment(false).run().to_json();
//! let shards: Vec<ReportFile> = [run(0, 2), run(1, 2)].iter().map(|j| ReportFile::parse(j).unwrap()).collect();
//! assert_eq!(merge(&shards).unwrap().to_json(), run(0, 1));
//! ```

use super::distinct::Distinct;
use super::Report;
use crate::strategy::Strategy;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

/// The `format` of a report file this version writes and reads.
pub const FORMAT: &str = "weft-report/1";

/// Whether `h` is an interleaving hash as a report writes it: 16 hex digits.
fn is_hash(h: &str) -> bool {
    h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit())
}

fn reduction_off() -> String {
    "off".to_string()
}

/// Why the exploration stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stopped {
    /// It ran the schedules asked for.
    Budget,
    /// The time budget ran out first: the schedules are the first ones of the order.
    Time,
    /// A schedule failed.
    Failure,
    /// The strategy had no other schedule.
    Enumerated,
    /// It was the replay of one schedule.
    Replay,
}

/// The first failure, as the report file holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureFile {
    /// 0-based index in the schedule order.
    pub index: u64,
    /// Its run seed.
    pub run_seed: u64,
    /// `panic`, `deadlock`, ..., or `divergence`.
    pub kind: String,
    /// The failure's message.
    pub message: String,
    /// The schedule that replays it (the shrunk one when shrinking found one).
    pub schedule: String,
    /// The schedule as the exploration first found it.
    pub first_schedule: String,
    /// How shrinking went, in words.
    pub shrunk: Option<String>,
    /// Whether every replay failed the same way.
    pub reproduced: bool,
    /// The trace file (`None`: not written, see `trace_error`).
    pub trace_file: Option<String>,
    /// Why the trace file was not written.
    pub trace_error: Option<String>,
}

/// The regression file, as the report file holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegressionsFile {
    pub file: String,
    pub passed: usize,
    pub failed_line: Option<usize>,
    /// `[line, why]` of each stale line.
    pub stale: Vec<(usize, String)>,
}

/// A report as JSON: [`Report::to_json`] writes it, [`ReportFile::parse`] reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportFile {
    /// [`FORMAT`].
    pub format: String,
    pub name: String,
    pub strategy: String,
    pub seed: u64,
    /// `[index, count]`; `[0, 1]` is the whole exploration.
    pub shard: (u32, u32),
    pub faults: String,
    /// DFS's partial-order reduction, `off` or `dpor` (`off` in files written before it was
    /// recorded).
    #[serde(default = "reduction_off")]
    pub reduction: String,
    /// Schedules asked for.
    pub budget: u64,
    /// The time budget in milliseconds, if any.
    pub time_budget_ms: Option<u64>,
    pub stopped: Stopped,
    pub schedules: u64,
    pub distinct: u64,
    /// `distinct` is an estimate ([`Report::distinct_estimated`]; `false` in files written
    /// before it was recorded, which counted exactly).
    #[serde(default)]
    pub distinct_estimated: bool,
    pub steps: u64,
    pub enumerated: bool,
    pub exhausted: bool,
    pub drew: bool,
    pub failure: Option<FailureFile>,
    pub regressions: Option<RegressionsFile>,
    /// The lowest index of a counted run that drew a random value.
    pub first_draw: Option<u64>,
    /// `[index, interleaving hash (16 hex digits), steps]` of every counted schedule, by index;
    /// `null` when the exploration did not keep them ([`Explore::keep_runs`](super::Explore::keep_runs)).
    pub runs: Option<Vec<(u64, String, u64)>>,
}

impl ReportFile {
    /// Reads a report file's text.
    ///
    /// # Errors
    /// When it is not JSON of this format: the message says where and what was expected.
    pub fn parse(text: &str) -> Result<ReportFile, String> {
        let file: ReportFile = serde_json::from_str(text).map_err(|e| format!("not a weft report ({e})"))?;
        if file.format != FORMAT {
            return Err(format!("a report of format `{}`; this weft reads `{FORMAT}`", file.format));
        }
        Ok(file)
    }

    /// The file's text: pretty JSON and a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a report serializes");
        text.push('\n');
        text
    }
}

impl From<&Report> for ReportFile {
    fn from(r: &Report) -> ReportFile {
        let stopped = match () {
            _ if r.replayed => Stopped::Replay,
            _ if r.failure.is_some() => Stopped::Failure,
            _ if r.enumerated => Stopped::Enumerated,
            _ if r.out_of_time => Stopped::Time,
            _ => Stopped::Budget,
        };
        let failure = r.failure.as_deref().map(|f| FailureFile {
            index: f.index,
            run_seed: f.seed,
            kind: f.failure.kind().map_or("divergence", |k| k.name()).to_string(),
            message: f.failure.to_string(),
            schedule: f.schedule.to_string(),
            first_schedule: f.first.schedule.to_string(),
            shrunk: f.shrunk.as_ref().map(ToString::to_string),
            reproduced: f.reproduced,
            trace_file: f.trace_file.as_ref().ok().map(|p| p.display().to_string()),
            trace_error: f.trace_file.as_ref().err().cloned(),
        });
        let regressions = r.regressions.as_ref().map(|g| RegressionsFile {
            file: g.file.display().to_string(),
            passed: g.passed,
            failed_line: g.failed_line,
            stale: g.stale.iter().map(|s| (s.line, s.why.clone())).collect(),
        });
        ReportFile {
            format: FORMAT.to_string(),
            name: r.name.clone(),
            strategy: r.strategy.to_string(),
            seed: r.seed,
            shard: r.shard,
            faults: r.faults.to_string(),
            reduction: r.reduction.to_string(),
            budget: r.budget,
            time_budget_ms: r.time_budget.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            stopped,
            schedules: r.schedules,
            distinct: r.distinct,
            distinct_estimated: r.distinct_estimated,
            steps: r.steps,
            enumerated: r.enumerated,
            exhausted: r.exhausted,
            drew: r.drew,
            failure,
            regressions,
            first_draw: r.first_draw,
            runs: r
                .runs
                .as_ref()
                .map(|runs| runs.iter().map(|s| (s.index, format!("{:016x}", s.interleaving), s.steps)).collect()),
        }
    }
}

impl Report {
    /// The report as JSON ([`ReportFile`]): deterministic, with no real time in it.
    ///
    /// ```
    /// let report = weft_sim::explore(|| async {}).schedules(3).environment(false).run();
    /// let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    /// assert_eq!(json["schedules"], 3);
    /// assert_eq!(json["stopped"], "budget");
    /// ```
    pub fn to_json(&self) -> String {
        ReportFile::from(self).to_json()
    }

    /// Writes [`Report::to_json`] to `path` (creating its directory).
    ///
    /// # Errors
    /// When the file cannot be written: which, and why.
    pub fn write_json(&self, path: &Path) -> Result<(), String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(path, self.to_json()).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Why reports cannot be merged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MergeError {
    /// No report was given.
    Empty,
    /// Two reports are not shards of one exploration.
    Mismatch { field: &'static str, first: String, other: String },
    /// The shards given are not each of `0..count` once.
    Shards { count: u32, problem: String },
    /// A report that no merge can combine.
    Unmergeable(String),
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MergeError::Empty => write!(f, "no report to merge: give the JSON report of every shard"),
            MergeError::Mismatch { field, first, other } => write!(
                f,
                "the reports are not shards of one exploration: {field} is `{first}` in the first and `{other}` in another; merge the reports of one test run with one WEFT_SHARD count"
            ),
            MergeError::Shards { count, problem } => {
                write!(f, "expected the reports of shards 0 to {} of {count}, each once: {problem}", count.saturating_sub(1))
            }
            MergeError::Unmergeable(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for MergeError {}

/// Combines the reports of the shards of one exploration into the unsharded report (see the
/// module's documentation for why it is that report).
///
/// # Errors
/// When the reports are not the shards of one exploration, each once, or cannot be merged
/// (DFS shards, which split a tree rather than an order; replays).
pub fn merge(shards: &[ReportFile]) -> Result<ReportFile, MergeError> {
    let first = shards.first().ok_or(MergeError::Empty)?;
    let count = first.shard.1;
    for r in shards {
        let same = |field: &'static str, a: String, b: String| match a == b {
            true => Ok(()),
            false => Err(MergeError::Mismatch { field, first: a, other: b }),
        };
        same("the name", first.name.clone(), r.name.clone())?;
        same("the strategy", first.strategy.clone(), r.strategy.clone())?;
        same("the seed", first.seed.to_string(), r.seed.to_string())?;
        same("the faults", first.faults.clone(), r.faults.clone())?;
        same("the reduction", first.reduction.clone(), r.reduction.clone())?;
        same("the schedule count", first.budget.to_string(), r.budget.to_string())?;
        same("the time budget", format!("{:?}", first.time_budget_ms), format!("{:?}", r.time_budget_ms))?;
        same("the shard count", count.to_string(), r.shard.1.to_string())?;
        if r.stopped == Stopped::Replay {
            return Err(MergeError::Unmergeable(format!(
                "shard {}/{count} is a replay of one schedule (WEFT_REPLAY, or a saved schedule that still fails), not an exploration: fix that failure first",
                r.shard.0
            )));
        }
        let Some(runs) = &r.runs else {
            return Err(MergeError::Unmergeable(format!(
                "shard {}/{count}'s report does not list its runs (`\"runs\": null`): it was written by an exploration that did not keep them; explore each shard with --shard or WEFT_SHARD (or Explore::keep_runs(true))",
                r.shard.0
            )));
        };
        if let Some((index, hash, _)) = runs.iter().find(|(_, h, _)| !is_hash(h)) {
            let shown: String = hash.chars().take(40).collect();
            return Err(MergeError::Unmergeable(format!(
                "shard {}/{count} lists run {index} with the interleaving hash `{shown}`, not 16 hex digits: the file was edited or damaged; explore the shard again",
                r.shard.0
            )));
        }
        if runs.len() as u64 != r.schedules {
            return Err(MergeError::Unmergeable(format!(
                "shard {}/{count} lists {} runs for {} schedules: the file was edited or cut",
                r.shard.0,
                runs.len(),
                r.schedules
            )));
        }
    }
    if matches!(first.strategy.parse::<Strategy>(), Ok(Strategy::Dfs { .. })) {
        return Err(MergeError::Unmergeable(
            "DFS shards split the schedule tree at its first choice, not one schedule order: a merge of them would not be the unsharded DFS report; read each shard's verdict".to_string(),
        ));
    }
    let mut seen: Vec<Option<&ReportFile>> = vec![None; count as usize];
    for r in shards {
        match seen.get_mut(r.shard.0 as usize) {
            Some(slot @ None) => *slot = Some(r),
            Some(Some(_)) => {
                return Err(MergeError::Shards { count, problem: format!("shard {} is given twice", r.shard.0) })
            }
            None => return Err(MergeError::Shards { count, problem: format!("there is no shard {}", r.shard.0) }),
        }
    }
    if let Some(k) = seen.iter().position(Option::is_none) {
        return Err(MergeError::Shards { count, problem: format!("shard {k} is missing") });
    }
    let by_shard: Vec<&ReportFile> = seen.into_iter().flatten().collect();
    // FIFO of a program that draws nothing: one schedule, which shard 0 ran as index 0.
    if by_shard[0].stopped == Stopped::Enumerated {
        return Ok(ReportFile { shard: (0, 1), ..by_shard[0].clone() });
    }
    let n = u64::from(count);
    // The first failing index, and the first index some shard did not run (time budgets).
    let failed = by_shard.iter().filter_map(|r| r.failure.as_ref().map(|f| (f.index, *r))).min_by_key(|(i, _)| *i);
    let reach = by_shard
        .iter()
        .filter(|r| r.stopped == Stopped::Time)
        .map(|r| u64::from(r.shard.0) + n * r.schedules)
        .min()
        .unwrap_or(u64::MAX);
    let (last, failure, stopped) = match failed {
        Some((f, r)) if f < reach => (f, r.failure.clone(), Stopped::Failure),
        _ if reach < u64::MAX => (reach - 1, None, Stopped::Time),
        _ => (u64::MAX, None, Stopped::Budget),
    };
    let mut runs: Vec<(u64, String, u64)> = by_shard
        .iter()
        .flat_map(|r| r.runs.iter().flatten())
        .filter(|(i, ..)| *i <= last && reach > *i)
        .cloned()
        .collect();
    runs.sort();
    let mut distinct = Distinct::default();
    runs.iter().filter_map(|(_, h, _)| u64::from_str_radix(h, 16).ok()).for_each(|h| distinct.insert(h));
    let distinct = distinct.count(runs.len() as u64);
    let first_draw = by_shard.iter().filter_map(|r| r.first_draw).filter(|i| *i <= last && *i < reach).min();
    Ok(ReportFile {
        format: FORMAT.to_string(),
        name: first.name.clone(),
        strategy: first.strategy.clone(),
        seed: first.seed,
        shard: (0, 1),
        faults: first.faults.clone(),
        reduction: first.reduction.clone(),
        budget: first.budget,
        time_budget_ms: first.time_budget_ms,
        stopped,
        schedules: runs.len() as u64,
        distinct: distinct.distinct,
        distinct_estimated: distinct.level > 0,
        steps: runs.iter().map(|(_, _, s)| *s).sum(),
        enumerated: false,
        exhausted: false,
        drew: first_draw.is_some(),
        failure,
        regressions: by_shard[0].regressions.clone(),
        first_draw,
        runs: Some(runs),
    })
}
