//! Regression files, as proptest's `proptest-regressions/`: a failing test's shrunk schedule is
//! saved in a file meant to be committed, and every later run of that test replays the saved
//! schedules before it explores, failing at once on the first that still fails.
//!
//! **Where.** `<crate>/weft-regressions/<test binary>/<test name>.txt`, where `<crate>` is the
//! directory of the package under test (`CARGO_MANIFEST_DIR`, which `cargo test` and
//! `cargo nextest run` set when they run a test), `<test binary>` is the test executable's name
//! without cargo's hash (`explore` for `tests/explore.rs`, the crate's name for its unit tests)
//! and `<test name>` is the exploration's [`name`](super::Explore::name) with every character
//! but letters, digits, `-`, `_` and `.` turned into `_` (`tests::my_test` gives
//! `tests__my_test.txt`). [`Explore::regressions`](super::Explore::regressions) sets another
//! directory; with [`Explore::environment`](super::Explore::environment)`(false)`, or outside
//! cargo, there is no file unless one is set.
//!
//! **Format.** Text, one saved schedule per line: the `weft2:` string, then ` # ` and a comment
//! (the schedule's number, strategy and seeds, and the failure's first line). Blank lines and
//! lines starting with `#` are comments. A line is added by [`Report::assert_ok`](super::Report::assert_ok)
//! (a failure the test asserted against), never twice, and never removed by weft.
//!
//! **Replay.** Each saved schedule is replayed exactly, in file order, before the exploration:
//! one that still fails ends the run with that failure (the report says which line); one that
//! passes is counted in [`Regressions::passed`]. A line that no longer fits (not a schedule
//! string, an older `weft1:` one, or a schedule the program no longer offers: a
//! [`Divergence`](crate::strategy::Divergence)) is *stale*: it is reported in
//! [`Regressions::stale`] and on stderr with what to do, kept in the file, and the exploration
//! goes on.
//!
//! ```
//! let dir = std::env::temp_dir().join(format!("weft-regressions-doc-{}", std::process::id()));
//! let _ = std::fs::remove_dir_all(&dir);
//! let program = || async { panic!("boom") };
//! let first = weft_sim::explore(program).name("boom").regressions(&dir).environment(false).run();
//! assert!(std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| first.assert_ok())).is_err()); // saves the line
//! let text = std::fs::read_to_string(dir.join("boom.txt")).unwrap();
//! assert!(text.lines().any(|l| l.starts_with("weft2:") && l.contains(" # schedule 1 ")), "{text}");
//!
//! let again = weft_sim::explore(program).name("boom").regressions(&dir).environment(false).run();
//! let saved = again.regressions.as_ref().unwrap();
//! assert_eq!(saved.failed_line, Some(3)); // after the two header lines
//! std::fs::remove_dir_all(&dir).unwrap();
//! ```

use super::runs::{Context, Tally};
use super::{Explore, Report};
use crate::runtime::Failure;
use crate::schedule::Schedule;
use std::future::Future;
use std::path::{Path, PathBuf};

/// What the regression file of an exploration held, and what replaying it gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Regressions {
    /// The file (it may not exist yet: a failure the test asserts against creates it).
    pub file: PathBuf,
    /// Saved schedules that replayed and passed.
    pub passed: usize,
    /// The line (counted from 1) of the saved schedule that still fails, if one does: the
    /// report's failure is then that schedule's.
    pub failed_line: Option<usize>,
    /// Lines that no longer fit the code, kept in the file.
    pub stale: Vec<Stale>,
}

/// A saved line that no longer fits the program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stale {
    /// Its line number, counted from 1.
    pub line: usize,
    /// Why it does not fit.
    pub why: String,
}

impl Stale {
    /// The message for the user: where, why, and what to do.
    pub fn message(&self, file: &Path) -> String {
        format!(
            "{}:{}: a saved schedule no longer fits the program ({}); it is kept and skipped: if the failure it recorded is fixed and covered, delete the line; else replace it with the line of a new failure",
            file.display(),
            self.line,
            self.why
        )
    }
}

/// The directory that holds a test's regression file by default: `$CARGO_MANIFEST_DIR/weft-regressions/<binary>`
/// (`None` outside cargo).
fn default_dir() -> Option<PathBuf> {
    let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR").filter(|d| !d.is_empty())?;
    let exe = std::env::current_exe().ok()?;
    let stem = exe.file_stem()?.to_string_lossy().into_owned();
    // cargo names a test binary `<name>-<16 hex digits>`.
    let binary = match stem.rsplit_once('-') {
        Some((name, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => name.to_string(),
        _ => stem,
    };
    Some(PathBuf::from(crate_dir).join("weft-regressions").join(file_name(&binary)))
}

/// `name` as a file name: letters, digits, `-`, `_` and `.` kept, everything else `_`.
fn file_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect()
}

/// Where the regression setting of an exploration points.
#[derive(Clone, Debug, Default)]
pub(super) enum Setting {
    /// Under the crate being tested, when the environment is read and cargo ran the test.
    #[default]
    Default,
    /// In this directory.
    Dir(PathBuf),
    /// No regression file.
    Off,
}

impl Setting {
    /// The file for the test `name`.
    pub(super) fn file(&self, name: &str, environment: bool) -> Option<PathBuf> {
        let dir = match self {
            Setting::Default if environment => default_dir()?,
            Setting::Dir(dir) => dir.clone(),
            Setting::Default | Setting::Off => return None,
        };
        Some(dir.join(format!("{}.txt", file_name(name))))
    }
}

impl<F, Fut> Explore<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future + 'static,
{
    /// Keeps this exploration's regression file in `dir` (as `<dir>/<name>.txt`) instead of
    /// `weft-regressions/` under the crate; see [`regressions`](self::super::regressions)
    /// for the format.
    ///
    /// ```
    /// let dir = std::env::temp_dir().join("weft-regressions-none-yet");
    /// let report = weft_sim::explore(|| async {}).name("fine").regressions(&dir).schedules(3).environment(false).run();
    /// assert_eq!(report.regressions.unwrap().file, dir.join("fine.txt"));
    /// ```
    pub fn regressions(mut self, dir: impl Into<PathBuf>) -> Self {
        self.regressions = Setting::Dir(dir.into());
        self
    }

    /// No regression file: nothing is replayed first and [`Report::assert_ok`] saves nothing.
    ///
    /// ```
    /// let report = weft_sim::explore(|| async {}).no_regressions().schedules(3).run();
    /// assert_eq!(report.regressions, None);
    /// ```
    pub fn no_regressions(mut self) -> Self {
        self.regressions = Setting::Off;
        self
    }
}

/// The saved schedules of `file`, replayed; `Some` tally when one still fails.
pub(super) fn replay_saved<F, Fut>(cx: &Context<'_, F>, file: &Path, seed: u64) -> (Regressions, Option<Tally>)
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future + 'static,
{
    let mut record = Regressions { file: file.to_path_buf(), passed: 0, failed_line: None, stale: Vec::new() };
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (record, None),
        Err(e) => {
            record.stale.push(Stale { line: 0, why: format!("the file cannot be read: {e}") });
            warn(&record);
            return (record, None);
        }
    };
    for (i, line) in text.lines().enumerate() {
        let entry = line.split_once(" #").map_or(line, |(s, _)| s).trim();
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        let schedule = match entry.parse::<Schedule>() {
            Ok(s) => s,
            Err(e) => {
                record.stale.push(Stale { line: i + 1, why: e.to_string() });
                continue;
            }
        };
        let tally = cx.replay(&schedule, seed, false);
        match tally.failed.as_ref().map(|f| f.failure()) {
            None => record.passed += 1,
            Some(Failure::Diverged(d)) => record.stale.push(Stale { line: i + 1, why: d.to_string() }),
            Some(Failure::Violation(_)) => {
                record.failed_line = Some(i + 1);
                warn(&record);
                return (record, Some(tally));
            }
        }
    }
    warn(&record);
    (record, None)
}

/// Prints each stale line on stderr (libtest shows it with the test's output).
fn warn(record: &Regressions) {
    for stale in &record.stale {
        eprintln!("weft: {}", stale.message(&record.file));
    }
}

/// The header a new regression file starts with.
const HEADER: &str = "# weft regression file: schedules that once failed, replayed (exactly) before the test explores.\n# Commit it. One `weft2:` line per failure, with a comment after ` # `; see docs/ci.md.\n";

impl Report {
    /// Saves the failure's replay line in the regression file (creating it), unless it is there
    /// already or the failure came from that file or from `WEFT_REPLAY`. Returns the file when a
    /// line was written. [`Report::assert_ok`] calls it before it panics.
    ///
    /// # Errors
    /// When the file cannot be written: the message says which and why.
    pub fn save_regression(&self) -> Result<Option<PathBuf>, String> {
        let (Some(found), Some(saved)) = (self.failure.as_deref(), self.regressions.as_ref()) else {
            return Ok(None);
        };
        if self.replayed {
            return Ok(None);
        }
        let file = &saved.file;
        let old = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("{}: {e}", file.display())),
        };
        let line = found.schedule.to_string();
        if old.lines().any(|l| l.split_once(" #").map_or(l, |(s, _)| s).trim() == line) {
            return Ok(None);
        }
        let what = found.failure.to_string();
        let first: String = what.lines().next().unwrap_or("").chars().take(240).collect();
        let comment = format!(
            "schedule {} ({}, seed {}, run seed {}): {first}",
            found.number(),
            self.strategy,
            self.seed,
            found.seed
        );
        let mut text = if old.is_empty() { HEADER.to_string() } else { old };
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text += &format!("{line} # {comment}\n");
        let dir = file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(file, text))
            .map_err(|e| format!("{}: {e}", file.display()))?;
        Ok(Some(file.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_names_become_portable_file_names() {
        assert_eq!(file_name("tests::my_test"), "tests__my_test");
        assert_eq!(file_name("a b/c\\d:é"), "a_b_c_d__");
        assert_eq!(file_name("lock-race.v2"), "lock-race.v2");
    }

    #[test]
    fn the_default_is_off_without_the_environment() {
        assert_eq!(Setting::Default.file("t", false), None);
        assert_eq!(Setting::Off.file("t", true), None);
        assert_eq!(Setting::Dir("d".into()).file("a::b", false), Some(PathBuf::from("d/a__b.txt")));
    }
}
