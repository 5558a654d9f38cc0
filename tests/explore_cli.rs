//! `weft explore`: the verdicts claim what was checked, failures are counted as the table counts
//! schedules and printed as their replay line reproduces them, and failure traces go to cargo's
//! target directory (or the temporary directory), never to `./target` of wherever it runs.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn weft() -> Command {
    let mut cmd = Command::cargo_bin("weft").expect("the weft binary is built");
    for var in ["WEFT_SEED", "WEFT_SCHEDULES", "WEFT_STRATEGY", "WEFT_REPLAY", "WEFT_JOBS", "WEFT_SHARD", "WEFT_FAULTS"]
    {
        cmd.env_remove(var);
    }
    cmd.env_remove("RUST_BACKTRACE").env_remove("CARGO_TARGET_DIR");
    cmd
}

/// Runs `weft <args>` and returns its stdout.
fn stdout(args: &[&str], code: i32) -> String {
    let out = weft().args(args).assert().code(code).get_output().clone();
    String::from_utf8(out.stdout).unwrap()
}

/// The table row of `scenario`, split into its columns (the verdict may hold spaces: it is
/// everything between the interleavings and the time).
fn row(stdout: &str, scenario: &str) -> Vec<String> {
    let line = stdout
        .lines()
        .find(|l| l.starts_with(&format!("{scenario} ")))
        .unwrap_or_else(|| panic!("no row for {scenario} in {stdout}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let verdict = words[4..words.len() - 1].join(" ");
    vec![words[0].into(), words[1].into(), words[2].into(), words[3].into(), verdict]
}

#[test]
fn a_failure_is_numbered_as_the_table_counts_schedules() {
    let out = stdout(&["explore", "lock-race"], 1);
    let schedules = &row(&out, "lock-race")[2];
    assert!(out.contains(&format!("\nlock-race: schedule {schedules} failed: ")), "{out}");
}

#[test]
fn the_printed_failure_is_what_the_printed_replay_line_replays() {
    // The README's example.
    let out = stdout(&["explore", "condition-wait-for", "--faults=yield,spurious"], 1);
    let failed = out.lines().find_map(|l| l.split_once(": schedule ")).expect("a failure line").1;
    let failure = failed.split_once(" failed: ").expect("schedule N failed: ...").1;
    let replay = out.lines().find_map(|l| l.trim().strip_prefix("replay: weft replay ")).expect("a replay line");
    let schedule = replay.split_whitespace().next().unwrap();
    let replayed = stdout(&["replay", schedule, "--scenario", "condition-wait-for"], 1);
    assert!(replayed.lines().any(|l| l == failure), "explore printed\n  {failure}\nreplay printed\n{replayed}");
    assert!(out.contains("\n  shrunk from "), "{out}");
    assert!(out.contains("\n  found first as "), "{out}");
}

#[test]
fn dfs_says_all_schedules_only_when_it_ran_them_all() {
    let out = stdout(&["explore", "lock-raise", "--strategy", "dfs"], 0);
    assert_eq!(row(&out, "lock-raise")[4], "holds (all 12 schedules)");
    let out = stdout(&["explore", "lock-raise", "--strategy", "dfs:1"], 0);
    assert_eq!(row(&out, "lock-raise")[4], "holds (all 12 schedules with at most 1 preemption)");
    // The tutorial's tasks are never cancelled (its main says so and panics if one is): with
    // one cancellation DFS finds the schedule that cancels one.
    let out = stdout(&["explore", "lock-raise", "--strategy", "dfs:0", "--faults=cancel<=1"], 1);
    assert_eq!(row(&out, "lock-raise")[4], "VIOLATED: panic");
    // Without faults, the workload's tree is larger than the budget: no claim of all.
    let out = stdout(&["explore", "workload-lock", "--strategy", "dfs", "--schedules", "50", "--faults=none"], 0);
    assert_eq!(
        row(&out, "workload-lock")[4],
        "holds (50 DFS schedules, not exhaustive: the schedule budget ran out first)"
    );
}

#[test]
fn fifo_runs_its_one_schedule_once() {
    let out = stdout(&["explore", "lock-raise", "--strategy", "fifo"], 0);
    let cells = row(&out, "lock-raise");
    assert_eq!((cells[2].as_str(), cells[3].as_str()), ("1", "1"));
    assert_eq!(cells[4], "holds (the one FIFO schedule: the program draws no random value)");
}

/// A scratch directory outside any cargo project (the system's temporary directory).
fn outside(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-explore-cli-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The path the `trace:` line of a failure names.
fn trace_path(stdout: &str) -> PathBuf {
    let line = stdout.lines().find_map(|l| l.trim().strip_prefix("trace:")).expect("a trace line");
    PathBuf::from(line.trim().split(" (draw it").next().unwrap())
}

#[test]
fn failure_traces_go_to_the_target_dir_of_the_binary_not_the_working_dir() {
    let cwd = outside("cwd");
    let out = weft().current_dir(&cwd).env_remove("CARGO_MANIFEST_DIR").args(["explore", "lock-race"]).assert().code(1);
    let out = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(!cwd.join("target").exists(), "weft explore created ./target in its working directory");
    let path = trace_path(&out);
    let target = PathBuf::from(env!("CARGO_BIN_EXE_weft"))
        .ancestors()
        .find(|d| d.join("CACHEDIR.TAG").is_file())
        .map(Path::to_path_buf);
    let target = target.expect("the weft binary is in cargo's target dir");
    assert!(path.starts_with(target.join("weft").join("failures")), "{}", path.display());
    assert!(path.is_file());
    std::fs::remove_dir_all(&cwd).unwrap();
}

#[test]
fn outside_any_cargo_build_failure_traces_go_to_the_temp_dir() {
    // A copy of the binary outside cargo's target dir, as `cargo install` leaves it.
    let dir = outside("installed");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_weft"), bin.join("weft")).unwrap();
    let temp = dir.join("tmp");
    std::fs::create_dir_all(&temp).unwrap();
    let out = std::process::Command::new(bin.join("weft"))
        .args(["explore", "lock-race"])
        .current_dir(&dir)
        .env("TMPDIR", &temp)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let path = trace_path(&stdout);
    assert!(path.starts_with(temp.join("weft").join("failures")), "{}", path.display());
    assert!(path.is_file());
    assert!(!dir.join("target").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
