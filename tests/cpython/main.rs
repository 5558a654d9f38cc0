//! The differential suite: asyncio programs (`tests/cpython/<name>.py`) beside their weft ports
//! (`tests/cpython/<name>.rs`), each printing a normalized log (virtual time in whole seconds,
//! Python's spellings of values). The log CPython 3.13 prints is checked in
//! (`tests/cpython/<name>.log`):
//!
//! - `weft_prints_cpythons_logs` runs every port under asyncio's order (FIFO) and compares its
//!   log with CPython's, line by line; a program listed as differing instead prints its own
//!   checked-in log (`<name>.weft.log`), and must still differ (so a fix is noticed): the
//!   reason is in `docs/asyncio-differences.md`.
//! - `cpython_prints_the_checked_in_logs` runs each Python program with CPython 3.13 and
//!   compares what it prints with the checked-in log. It finds the interpreter in
//!   `WEFT_CPYTHON` (a path), else `python3.13` on the `PATH`, else `pyenv prefix 3.13`, else
//!   `~/.pyenv/versions/3.13*`; with none it says that it skipped, and passes.
//!
//! `cargo test --test cpython`.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::Command;
use weft::prelude::*;

mod callbacks;
mod cancel_awaits;
mod cancel_condition;
mod gather;
mod handles;
mod queues;
mod reprs;
mod shield;
mod taskgroup;
mod taskgroup_body;
mod timeout_tie;
mod timeouts;
mod wait;

/// Where a program's weft log stands against CPython's.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fidelity {
    /// The same log as CPython 3.13.
    Same,
    /// A different log, checked in as `<name>.weft.log`; the section of
    /// `docs/asyncio-differences.md` that says why.
    Differs(&'static str),
}

type Port = fn() -> Pin<Box<dyn Future<Output = ()>>>;

/// Every program of the suite: its name, its weft port, and where it stands.
fn programs() -> Vec<(&'static str, Port, Fidelity)> {
    use Fidelity::*;
    vec![
        ("handles", || Box::pin(handles::main()), Same),
        ("gather", || Box::pin(gather::main()), Same),
        ("taskgroup", || Box::pin(taskgroup::main()), Same),
        ("taskgroup_body", || Box::pin(taskgroup_body::main()), Differs("a-task-group-cancelled-in-its-body")),
        ("wait", || Box::pin(wait::main()), Same),
        ("shield", || Box::pin(shield::main()), Same),
        ("timeouts", || Box::pin(timeouts::main()), Same),
        ("timeout_tie", || Box::pin(timeout_tie::main()), Differs("a-deadline-tied-with-the-awaited-tasks-timer")),
        ("callbacks", || Box::pin(callbacks::main()), Same),
        ("queues", || Box::pin(queues::main()), Same),
        ("reprs", || Box::pin(reprs::main()), Same),
        ("cancel_awaits", || Box::pin(cancel_awaits::main()), Same),
        ("cancel_condition", || Box::pin(cancel_condition::main()), Differs("a-cancelled-condition-wait")),
    ]
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cpython")
}

fn read_log(file: &str) -> Vec<String> {
    let path = dir().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().map(str::to_string).collect()
}

/// The log the weft port prints under asyncio's order.
fn weft_log(port: Port) -> Vec<String> {
    let run = Runtime::new().run(port());
    assert!(
        run.is_ok(),
        "{}\n{}",
        run.failure.as_ref().map(ToString::to_string).unwrap_or_default(),
        run.trace.to_text()
    );
    run.trace.output().map(str::to_string).collect()
}

/// The first line where two logs differ, for the failure message.
fn first_difference(a: &[String], b: &[String]) -> String {
    let n = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    format!("line {}: {:?} / {:?}", n + 1, a.get(n), b.get(n))
}

#[test]
fn weft_prints_cpythons_logs() {
    for (name, port, fidelity) in programs() {
        let weft = weft_log(port);
        let cpython = read_log(&format!("{name}.log"));
        match fidelity {
            Fidelity::Same => assert!(
                weft == cpython,
                "{name}: weft's log differs from CPython 3.13's ({})\nweft:\n{}\ncpython:\n{}",
                first_difference(&weft, &cpython),
                weft.join("\n"),
                cpython.join("\n")
            ),
            Fidelity::Differs(why) => {
                let expected = read_log(&format!("{name}.weft.log"));
                assert!(
                    weft == expected,
                    "{name}: weft's log changed ({})\nweft:\n{}",
                    first_difference(&weft, &expected),
                    weft.join("\n")
                );
                assert_ne!(
                    weft, cpython,
                    "{name} now prints CPython's log: mark it Same and drop docs/asyncio-differences.md#{why}"
                );
            }
        }
    }
}

/// The variable naming the CPython 3.13 interpreter to use.
const CPYTHON_VAR: &str = "WEFT_CPYTHON";

/// Whether `python` runs and is CPython 3.13.
fn is_3_13(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import sys; print(sys.implementation.name, *sys.version_info[:2])"])
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "cpython 3 13")
}

/// CPython 3.13: `WEFT_CPYTHON`, `python3.13` on the PATH, `pyenv prefix 3.13`, or
/// `~/.pyenv/versions/3.13*/bin/python`.
fn cpython_3_13() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(CPYTHON_VAR) {
        let path = PathBuf::from(path);
        return if is_3_13(&path) {
            Ok(path)
        } else {
            Err(format!("{CPYTHON_VAR}={} is not a CPython 3.13 interpreter", path.display()))
        };
    }
    let mut candidates = vec![PathBuf::from("python3.13")];
    if let Ok(out) = Command::new("pyenv").args(["prefix", "3.13"]).output() {
        let prefix = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if out.status.success() && !prefix.is_empty() {
            candidates.push(Path::new(&prefix).join("bin/python"));
        }
    }
    if let Some(home) = std::env::var_os("HOME") {
        let versions = Path::new(&home).join(".pyenv/versions");
        let mut found: Vec<PathBuf> = std::fs::read_dir(versions)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with("3.13"))
            .map(|e| e.path().join("bin/python"))
            .collect();
        found.sort();
        candidates.extend(found);
    }
    candidates.into_iter().find(|p| is_3_13(p)).ok_or_else(|| {
        format!("no CPython 3.13 found (python3.13 on the PATH, pyenv prefix 3.13, ~/.pyenv/versions/3.13*); set {CPYTHON_VAR} to one")
    })
}

#[test]
fn cpython_prints_the_checked_in_logs() {
    let python = match cpython_3_13() {
        Ok(python) => python,
        Err(why) => {
            eprintln!("SKIPPED cpython_prints_the_checked_in_logs: {why}");
            return;
        }
    };
    for (name, _, _) in programs() {
        let program = dir().join(format!("{name}.py"));
        let out = Command::new(&python).arg(&program).output().expect("CPython runs");
        assert!(
            out.status.success(),
            "{name}.py failed under {}:\n{}",
            python.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let printed: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect();
        let log = read_log(&format!("{name}.log"));
        assert!(
            printed == log,
            "{name}.py under {} no longer prints {name}.log ({})\nprinted:\n{}",
            python.display(),
            first_difference(&printed, &log),
            printed.join("\n")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// What the ports share.

/// The virtual time as the Python programs print it: `f"{loop.time() - start:.0f}s"`.
pub fn t() -> String {
    format!("{}s", now().as_secs_f64().round() as u64)
}

/// Python's spelling of a bool.
pub fn py(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// Python's spelling of a `CancelledError`'s `args`: `()` or `('msg',)`.
pub fn args(message: Option<&str>) -> String {
    match message {
        None => "()".to_string(),
        Some(m) => format!("('{m}',)"),
    }
}

/// Prints `"{t} {what} cancelled {args}"` when dropped armed, as an `except CancelledError as
/// e: print(...)` does: the task's cancellation drops the future holding it.
pub struct OnCancel {
    what: String,
    armed: bool,
    plain: bool,
}

impl OnCancel {
    pub fn new(what: impl Into<String>) -> OnCancel {
        OnCancel { what: what.into(), armed: true, plain: false }
    }

    /// Prints `"{t} {line}"` only.
    pub fn plain(line: impl Into<String>) -> OnCancel {
        OnCancel { what: line.into(), armed: true, plain: true }
    }

    /// The code after the await ran: nothing was cancelled.
    pub fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for OnCancel {
    fn drop(&mut self) {
        if self.armed && self.plain {
            weft::println!("{} {}", t(), self.what);
        } else if self.armed {
            let message = current_task().cancel_message();
            weft::println!("{} {} cancelled {}", t(), self.what, args(message.as_deref()));
        }
    }
}

/// `async def sleeper(name, d)`: sleeps `d` seconds, prints when it finishes or is cancelled,
/// returns `d`.
pub async fn sleeper(name: &'static str, d: u64) -> u64 {
    let guard = OnCancel::new(name);
    sleep(Duration::from_secs(d)).await;
    guard.disarm();
    weft::println!("{} {name} finished", t());
    d
}
