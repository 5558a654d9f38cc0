//! weft in a team's CI, end to end (`docs/ci.md`): a failing test writes its regression file and
//! the next run replays it first; a saved line that no longer fits is reported, not dropped; the
//! failure text names the test, the seed, the replay line, the trace file and the regression
//! file, in that order, first; a time budget runs a contiguous prefix of the schedule order;
//! shards merged with `weft merge` are the unsharded report, byte for byte; and (feature
//! `tracing`) the program's `tracing` lines appear in the trace's text, SVG and Chrome renderings.
//!
//! The regression tests run this test binary again as a child (`--exact <fixture> --ignored`),
//! with `CARGO_MANIFEST_DIR` pointed at a scratch directory, as `cargo test` would run a real
//! failing test twice.

use assert_cmd::Command;
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;
use weft::sim::explore::json::{ReportFile, Stopped};
use weft::sim::explore::merge;
use weft::{explore, spawn, yield_now, Strategy};

/// A lost update between three tasks: found by Random after a few schedules.
async fn lost_update() {
    let x = Rc::new(Cell::new(0));
    let tasks: Vec<_> = (0..3)
        .map(|i| {
            let x = x.clone();
            spawn(format!("inc{i}"), async move {
                let v = x.get();
                yield_now().await;
                x.set(v + 1);
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(x.get(), 3, "an increment was lost");
}

/// A scratch directory of this test binary's own.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-ci-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The fixture: a failing test, as a user writes it. It does something only when a test below
/// runs it as a child (`WEFT_CI_FIXTURE` set), so `cargo test -- --ignored` passes.
#[test]
#[ignore = "run by the regression tests below, as a child process"]
fn ci_fixture_lost_update() {
    if std::env::var_os("WEFT_CI_FIXTURE").is_none() {
        return;
    }
    let report = explore(lost_update).strategy(Strategy::Random).schedules(500).run();
    eprintln!("fixture: {report}");
    report.assert_ok();
}

/// Runs the fixture in a child process as `cargo test` would, with `crate_dir` as its crate
/// directory; returns whether it passed and its output (stdout, then stderr).
fn run_fixture(crate_dir: &Path, extra: &[(&str, &Path)]) -> (bool, String) {
    let exe = std::env::current_exe().unwrap();
    let mut child = std::process::Command::new(exe);
    child.args(["ci_fixture_lost_update", "--exact", "--ignored", "--nocapture", "--test-threads=1"]);
    for v in weft::sim::env::VARIABLES {
        child.env_remove(v);
    }
    child.env("WEFT_CI_FIXTURE", "1").env("CARGO_MANIFEST_DIR", crate_dir);
    for (k, v) in extra {
        child.env(k, v);
    }
    let out = child.output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn a_failing_test_writes_its_regression_file_and_the_next_run_replays_it_first() {
    let dir = scratch("regressions");
    let report_path = dir.join("reports/first.json");
    let (passed, first) = run_fixture(&dir, &[("WEFT_REPORT", &report_path)]);
    assert!(!passed, "{first}");
    let file = dir.join("weft-regressions/ci/ci_fixture_lost_update.txt");
    let saved = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}\n{first}", file.display()));
    let lines: Vec<&str> = saved.lines().filter(|l| l.starts_with("weft2:")).collect();
    assert_eq!(lines.len(), 1, "{saved}");
    let (schedule, comment) = lines[0].split_once(" # ").expect("a comment after the line");
    assert!(comment.starts_with("schedule ") && comment.contains("an increment was lost"), "{comment}");

    // The failure text: name and seed, replay line, trace file, regression file, in that order,
    // as the first lines of the panic message.
    let start = first.find("weft: ci_fixture_lost_update: schedule ").expect("the failure's first line");
    let head: Vec<&str> = first[start..].lines().take(5).collect();
    assert!(head[0].contains("failed: panic (strategy random, seed 0, run seed "), "{head:?}");
    assert_eq!(head[1], format!("  replay: WEFT_REPLAY={schedule} cargo test ci_fixture_lost_update"), "{head:?}");
    assert!(head[2].starts_with("  trace: ") && head[2].ends_with(".json"), "{head:?}");
    assert!(head[3].starts_with(&format!("  regression file: {}", file.display())), "{head:?}");
    assert!(head[4].starts_with("  failure: ") && head[4].contains("an increment was lost"), "{head:?}");

    // WEFT_REPORT wrote the machine-readable report.
    let json = ReportFile::parse(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    assert_eq!(json.stopped, Stopped::Failure);
    assert_eq!(json.failure.as_ref().unwrap().schedule, schedule);
    let explored = json.schedules;

    // The next run replays the saved line before it explores, and fails at once with it.
    let (passed, second) = run_fixture(&dir, &[]);
    assert!(!passed, "{second}");
    let line = second.lines().find(|l| l.starts_with("weft: ci_fixture_lost_update: ")).unwrap();
    assert!(line.contains(&format!("the saved schedule {}:3 still fails", file.display())), "{line}");
    assert!(second.contains("fixture: weft: ci_fixture_lost_update: 1 schedule "), "{second}");
    assert!(explored >= 1);
    // Saved once: the file is as the first run left it.
    assert_eq!(std::fs::read_to_string(&file).unwrap(), saved);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_saved_line_that_no_longer_fits_is_reported_and_kept() {
    let dir = scratch("stale");
    // A schedule of another program (three tasks) does not fit one with a single task.
    let other = explore(lost_update).schedules(100).environment(false).run();
    let foreign = other.failure.expect("the lost update is found").schedule.to_string();
    let text = format!("# saved\nweft1:AAAA # an old line\nweft2:@@ # damaged\n{foreign} # another program's\n");
    std::fs::write(dir.join("fits.txt"), &text).unwrap();
    let report = explore(|| async { spawn("a", yield_now()).await.unwrap() })
        .name("fits")
        .regressions(&dir)
        .schedules(10)
        .environment(false)
        .run();
    assert!(report.is_ok(), "stale lines do not fail the test");
    assert_eq!(report.schedules, 10, "and the exploration goes on");
    let saved = report.regressions.as_ref().unwrap();
    let lines: Vec<usize> = saved.stale.iter().map(|s| s.line).collect();
    assert_eq!(lines, [2, 3, 4]);
    assert!(saved.stale[0].why.contains("weft1"), "{:?}", saved.stale[0]);
    assert!(saved.stale[2].why.contains("fit") || saved.stale[2].why.contains("schedule"), "{:?}", saved.stale[2]);
    let message = saved.stale[0].message(&saved.file);
    assert!(message.contains("fits.txt:2: a saved schedule no longer fits") && message.contains("delete the line"));
    assert_eq!(std::fs::read_to_string(dir.join("fits.txt")).unwrap(), text, "never dropped");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Two tasks that yield twice: many interleavings.
async fn yielders() {
    for name in ["a", "b", "c"] {
        spawn(name, async {
            yield_now().await;
            yield_now().await;
        });
    }
}

#[test]
fn a_time_budget_runs_a_contiguous_prefix_with_any_number_of_workers() {
    let timed = explore(yielders)
        .schedules(u64::MAX)
        .time_budget(Duration::from_millis(150))
        .jobs(2)
        .keep_runs(true)
        .environment(false)
        .run();
    assert!(timed.out_of_time && timed.schedules > 0, "{timed}");
    let indices: Vec<u64> = timed.runs.iter().flatten().map(|r| r.index).collect();
    assert_eq!(indices, (0..timed.schedules).collect::<Vec<_>>(), "the first N of the schedule order");
    assert!(timed.covered().contains("the time budget ran out"), "{}", timed.covered());
    // The same N by count: the same schedules, counts and interleavings.
    let counted = explore(yielders).schedules(timed.schedules).jobs(1).keep_runs(true).environment(false).run();
    assert!(!counted.out_of_time);
    assert_eq!((counted.distinct, counted.steps, &counted.runs), (timed.distinct, timed.steps, &timed.runs));
    // Count and time combine: whichever ends first.
    let small = explore(yielders).schedules(5).time_budget(Duration::from_secs(600)).environment(false).run();
    assert_eq!((small.schedules, small.out_of_time), (5, false));
}

#[test]
fn shards_merged_by_the_library_are_the_unsharded_report_with_time_budgets_too() {
    let run = |k: u32, n: u32| {
        let json = explore(yielders).schedules(u64::MAX).time_budget(Duration::from_millis(100)).shard(k, n);
        ReportFile::parse(&json.environment(false).run().to_json()).unwrap()
    };
    let shards = [run(0, 2), run(1, 2)];
    let merged = merge(&shards).unwrap();
    assert_eq!(merged.stopped, Stopped::Time);
    // It is the unsharded exploration of as many schedules as the merge kept.
    let whole = explore(yielders).schedules(merged.schedules).keep_runs(true).environment(false).run();
    let whole = ReportFile::parse(&whole.to_json()).unwrap();
    assert_eq!((whole.schedules, whole.distinct, whole.steps), (merged.schedules, merged.distinct, merged.steps));
    assert_eq!(whole.runs, merged.runs);
    // Shards of another exploration, or a shard twice, are refused with the reason.
    let err = merge(&[shards[0].clone(), shards[0].clone()]).unwrap_err().to_string();
    assert!(err.contains("shard 0 is given twice"), "{err}");
    let mut other = shards[1].clone();
    other.seed = 9;
    let err = merge(&[shards[0].clone(), other]).unwrap_err().to_string();
    assert!(err.contains("the seed is `0` in the first and `9` in another"), "{err}");
    // DFS shards split a tree, not one order: no merge of them is the unsharded DFS report.
    let dfs = |k| {
        let report = explore(yielders).strategy(Strategy::Dfs { max_preemptions: Some(1) }).shard(k, 2);
        ReportFile::parse(&report.environment(false).run().to_json()).unwrap()
    };
    let err = merge(&[dfs(0), dfs(1)]).unwrap_err().to_string();
    assert!(err.starts_with("DFS shards split the schedule tree"), "{err}");
}

fn weft() -> Command {
    let mut cmd = Command::cargo_bin("weft").unwrap();
    for v in weft::sim::env::VARIABLES {
        cmd.env_remove(v);
    }
    cmd
}

/// `weft explore <args> --format json -o <path>`; returns the file's bytes.
/// `fails`: the exit status expected (`None`: either, as for a shard).
fn explore_json(args: &[&str], path: &Path, fails: Option<bool>) -> Vec<u8> {
    let out = weft().arg("explore").args(args).args(["--format", "json", "-o"]).arg(path).output().unwrap();
    let code = out.status.code();
    assert!(
        fails.is_none_or(|f| code == Some(i32::from(f))) && code.is_some_and(|c| c < 2),
        "{code:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(path).unwrap()
}

#[test]
fn weft_merge_of_the_shards_is_the_unsharded_report_byte_for_byte() {
    let dir = scratch("merge");
    // A failure (the README's condition-wait-for finding) and a scenario that holds.
    for (args, fails, n) in [
        (&["condition-wait-for", "--faults=yield,spurious"][..], true, 2u32),
        (&["condition-wait-for", "--faults=yield,spurious"][..], true, 3),
        (&["lock-raise", "--schedules", "300"][..], false, 2),
    ] {
        let whole = explore_json(args, &dir.join("whole.json"), Some(fails));
        let mut paths = Vec::new();
        for k in 0..n {
            let path = dir.join(format!("shard-{k}.json"));
            let shard = format!("{k}/{n}");
            explore_json(&[args, &["--shard", &shard]].concat(), &path, None);
            paths.push(path);
        }
        let merged = dir.join("merged.json");
        let status = weft().arg("merge").args(&paths).arg("-o").arg(&merged).output().unwrap();
        assert_eq!(status.status.code(), Some(i32::from(fails)), "{}", String::from_utf8_lossy(&status.stderr));
        let merged = std::fs::read(&merged).unwrap();
        assert!(
            merged == whole,
            "{args:?} in {n} shards:\n--- merged\n{}\n--- unsharded\n{}",
            String::from_utf8_lossy(&merged),
            String::from_utf8_lossy(&whole)
        );
    }
    // A missing shard is a usage error that says which.
    let out = weft().arg("merge").arg(dir.join("shard-0.json")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("shard 1 is missing"), "{out:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn weft_explore_takes_a_time_budget_and_says_which_schedules_ran() {
    let out = weft().args(["explore", "lock-raise", "--time", "200ms", "--schedules", "100000000"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let row = stdout.lines().find(|l| l.starts_with("lock-raise")).expect(&stdout);
    let ran: u64 = row.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert!(row.contains(&format!("holds (the first {ran} schedules: the time budget ran out)")), "{row}");
    let out = weft().args(["explore", "lock-raise", "--time", "90"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no unit: add one, e.g. `60s`"), "{out:?}");
}

#[cfg(feature = "tracing")]
#[test]
fn a_tracing_event_appears_in_the_trace_text_svg_and_chrome() {
    use tracing_subscriber::layer::SubscriberExt;
    let subscriber = tracing_subscriber::registry().with(weft::sim::tracing_layer::layer());
    let run = tracing::subscriber::with_default(subscriber, || {
        weft::Runtime::new().run(async {
            let worker = spawn("worker", async {
                let _span = tracing::info_span!("batch", n = 2).entered();
                yield_now().await;
                tracing::warn!(left = 1, "one item left");
            });
            worker.await.unwrap();
        })
    });
    assert!(run.is_ok(), "{:?}", run.failure);
    let text = run.trace.to_text();
    let line = text.lines().find(|l| l.contains("~ WARN ci [batch{n=2}]: one item left left=1")).expect(&text);
    // The task and the step that logged it: `worker`'s second step, after its yield.
    assert!(line.contains("worker"), "{line}");
    let log = run.trace.events.iter().find(|r| matches!(r.event, weft::traces::Event::Log { .. })).unwrap();
    let polls: Vec<u64> = run
        .trace
        .events
        .iter()
        .filter(|r| r.task == log.task && r.event == weft::traces::Event::Poll)
        .map(|r| r.step)
        .collect();
    assert_eq!(polls.last(), Some(&log.step), "logged in the task's last step");
    let svg = run.trace.to_svg();
    assert!(svg.contains("WARN ci [batch{n=2}]: one item left left=1") && svg.contains(">log</text>"), "{svg}");
    let chrome = run.trace.to_chrome_json();
    assert!(chrome.contains("\"cat\":\"log\"") || chrome.contains("\"cat\": \"log\""), "{chrome}");
    // A stored trace with log lines is consistent, and replays through JSON.
    let back = weft::Trace::from_json(&run.trace.to_json()).unwrap();
    assert_eq!(back, run.trace);
    assert_eq!(weft::traces::check::consistency(&back), Ok(()));
    assert_eq!(weft::check(&back), None);
}
