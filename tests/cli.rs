//! The `weft` command: output shape, exit statuses (0 held, 1 violation, 2 usage), and one clear
//! line on stderr for every wrong input, never a panic.

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;
use std::path::PathBuf;

fn weft() -> Command {
    let mut cmd = Command::cargo_bin("weft").expect("the weft binary is built");
    // The command line alone decides what runs.
    for var in ["WEFT_SEED", "WEFT_SCHEDULES", "WEFT_STRATEGY", "WEFT_REPLAY", "WEFT_JOBS", "WEFT_SHARD", "WEFT_FAULTS"]
    {
        cmd.env_remove(var);
    }
    cmd.env_remove("RUST_BACKTRACE");
    cmd
}

/// A scratch directory for this test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli").join(test);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A usage error: exit 2 and exactly one line on stderr, starting `weft: `, saying `what`.
fn assert_usage(cmd: &mut Command, what: &str) {
    let out = cmd.assert().code(2).get_output().clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "not one line: {stderr}");
    assert!(stderr.starts_with("weft: "), "{stderr}");
    assert!(stderr.contains(what), "{stderr:?} does not say {what:?}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// What the tutorial's example 1.2 prints under CPython.
const TUTORIAL_1_2: &str = "'Raise1' acquired lock? True
Value of X Initially : 3
Value of X After Raise : 27
'Raise2' acquired lock? True
Value of X Initially : 27
Value of X After Raise : 19683
'Raise3' acquired lock? True
Value of X Initially : 19683
Value of X After Raise : 7625597484987
";

/// What the tutorial's example 1.1 (no lock) prints under CPython, in 4 s.
const TUTORIAL_1_1: &str = "Value of X Initially : 3
Value of X Initially : 3
Value of X Initially : 3
Value of X After Raise : 243
Value of X After Raise : 729
Value of X After Raise : 2187

Total Time Taken : 4.000 virtual seconds (";

#[test]
fn help_explains_every_command() {
    let out = weft().arg("--help").assert().success().get_output().clone();
    let help = String::from_utf8(out.stdout).unwrap();
    for command in ["list", "run", "explore", "replay", "trace", "check"] {
        assert!(help.contains(&format!("  {command} ")), "{command} missing in {help}");
    }
    assert!(help.contains("Exit status: 0"));
    weft().args(["trace", "--help"]).assert().success().stdout(contains("Perfetto").and(contains("svg")));
}

#[test]
fn list_names_every_scenario_with_its_invariant() {
    let out = weft().arg("list").assert().success().get_output().clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    for s in weft::scenarios::all() {
        assert!(stdout.contains(s.name) && stdout.contains(s.invariant), "{}", s.name);
    }
}

#[test]
fn run_prints_the_tutorial_output_and_total_virtual_time() {
    let out = weft().args(["run", "lock-raise"]).assert().code(0).get_output().clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with(TUTORIAL_1_2), "{stdout}");
    // The tutorial's CPython run took 12.01 s of real time: three 4 s raises, one after another.
    assert!(stdout.contains("\nTotal Time Taken : 12.000 virtual seconds ("));
    assert!(stdout.contains("invariant held"));
}

#[test]
fn run_of_the_race_exits_1_with_a_replay_line() {
    weft().args(["run", "lock-race"]).assert().code(1).stdout(
        predicate::str::starts_with(TUTORIAL_1_1)
            .and(contains("invariant broken"))
            .and(contains("X ended at 2187"))
            .and(contains("replay: weft replay weft2:"))
            .and(contains("--scenario lock-race")),
    );
}

#[test]
fn run_takes_a_strategy_and_seed() {
    weft()
        .args(["run", "lock-raise", "--strategy", "random", "--seed", "7"])
        .assert()
        .code(0)
        .stdout(contains("Value of X After Raise : 7625597484987"));
}

#[test]
fn unknown_scenario_is_a_usage_error() {
    assert_usage(
        weft().args(["run", "lock-rase"]),
        "no scenario named 'lock-rase'; the scenarios are: lock-race, lock-raise",
    );
    assert_usage(weft().args(["explore", "nope"]), "no scenario named 'nope'");
    assert_usage(weft().args(["trace", "nope"]), "no scenario named 'nope'");
}

#[test]
fn bad_flag_values_are_usage_errors() {
    for (args, what) in [
        (&["run", "lock-raise", "--strategy", "pct:0"][..], "pct:0"),
        (&["run", "lock-raise", "--strategy", "fastest"], "fastest"),
        (&["run", "lock-raise", "--seed", "abc"], "--seed"),
        (&["trace", "lock-raise", "--format", "png"], "png"),
        (&["explore", "lock-raise", "--schedules", "0"], "--schedules"),
        (&["frobnicate"], "frobnicate"),
        (&["trace", "lock-raise", "--schedule", "weft2:EQ", "--strategy", "random"], "cannot be used with"),
    ] {
        // One line that says what was wrong, never a usage block or a panic.
        let out = weft().args(args).assert().code(2).get_output().clone();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("weft: ") && stderr.contains(what), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn explore_finds_the_race_and_its_replay_line_reproduces_it() {
    let out =
        weft().args(["explore", "lock-race", "lock-raise", "--schedules", "200"]).assert().code(1).get_output().clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let header = stdout.lines().next().unwrap();
    for column in ["scenario", "strategy", "schedules", "interleavings", "verdict", "time"] {
        assert!(header.contains(column), "{header}");
    }
    let row = |name: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no row for {name} in {stdout}"))
            .to_string()
    };
    assert!(row("lock-race").contains("found (as expected): panic"));
    assert!(row("lock-raise").contains(" 200 ") && row("lock-raise").contains("holds"));
    let replay = stdout.lines().find_map(|l| l.trim().strip_prefix("replay: weft replay ")).expect("a replay line");
    let mut words = replay.split_whitespace();
    let schedule = words.next().unwrap();
    assert_eq!(words.collect::<Vec<_>>(), ["--scenario", "lock-race"]);
    weft().args(["replay", schedule, "--scenario", "lock-race"]).assert().code(1).stdout(contains("X ended at"));
}

#[test]
fn explore_with_dfs_holds_for_the_locked_raise() {
    weft()
        .args(["explore", "lock-raise", "--strategy", "dfs", "--schedules", "100"])
        .assert()
        .code(0)
        .stdout(contains("holds"));
}

#[test]
fn explore_with_cancel_faults_finds_the_unexpected_cancellation_and_replays_it() {
    // The tutorial's main awaits its tasks expecting none to be cancelled: a cancel fault at a
    // suspension point breaks that, and the printed line replays the fault exactly.
    let out = weft()
        .args(["explore", "lock-raise", "--faults=cancel", "--schedules", "300"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("random+faults:cancel") && stdout.contains("VIOLATED: panic"), "{stdout}");
    assert!(stdout.contains("Cancelled"), "{stdout}");
    let replay = stdout.lines().find_map(|l| l.trim().strip_prefix("replay: weft replay ")).unwrap();
    let schedule = replay.split_whitespace().next().unwrap();
    weft().args(["replay", schedule, "--scenario", "lock-raise"]).assert().code(1).stdout(contains("Cancelled"));
    // The same failing run, drawn.
    weft()
        .args(["trace", "lock-raise", "--format", "svg", "--schedule", schedule])
        .assert()
        .code(1)
        .stdout(contains("class=\"violation\"").and(contains("class=\"mark cancel\"")));
}

#[test]
fn faults_take_a_required_value_with_a_space_or_an_equals_sign() {
    // With a space: the value, not a scenario named `cancel`.
    let out = weft()
        .args(["explore", "lock-raise", "--faults", "cancel", "--schedules", "300"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert!(String::from_utf8(out.stdout).unwrap().contains("random+faults:cancel"));
    weft().args(["explore", "lock-raise", "--faults", "none", "--schedules", "20"]).assert().code(0);
    for (args, what) in [
        (&["explore", "lock-raise", "--faults"][..], "a value is required for '--faults <KINDS>'"),
        (&["explore", "lock-raise", "--faults="], "no fault kind given"),
        (&["explore", "lock-raise", "--faults=cancel,,yield"], "an empty fault kind in `cancel,,yield`"),
        (&["explore", "lock-raise", "--faults", "all,cancel"], "`all` stands alone"),
        (&["explore", "lock-raise", "--strategy", "pct:99999999999"], "the depth 99999999999 is out of range"),
        (&["explore", "lock-raise", "--jobs", "100000"], "100000 is not in 1..=1024"),
    ] {
        assert_usage(weft().args(args), what);
    }
}

#[test]
fn unknown_fault_kinds_are_usage_errors() {
    let out = weft().args(["explore", "lock-raise", "--faults=bogus"]).assert().code(2).get_output().clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("weft: ") && stderr.contains("unknown fault `bogus`"), "{stderr}");
}

#[test]
fn no_command_explores_the_catalog() {
    let out = weft().assert().code(0).get_output().clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    for s in weft::scenarios::all() {
        let row = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{} ", s.name)))
            .unwrap_or_else(|| panic!("no row for {} in {stdout}", s.name));
        let verdict = match s.expect {
            weft::scenarios::Expect::Holds => "holds",
            weft::scenarios::Expect::Fails => "found (as expected)",
        };
        assert!(row.contains(verdict), "{row}");
    }
    assert!(stdout.contains("replay: weft replay weft2:"));
    // Not a terminal: no progress bar.
    assert!(String::from_utf8(out.stderr).unwrap().is_empty());
}

#[test]
fn trace_formats() {
    weft()
        .args(["trace", "lock-raise"])
        .assert()
        .code(0)
        .stdout(contains("# weft | lock-raise | strategy fifo | seed 0\n").and(contains("Lock 'lock': grant")));
    let out = weft().args(["trace", "lock-raise", "--format", "chrome"]).assert().code(0).get_output().clone();
    let chrome: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(chrome["traceEvents"].as_array().unwrap().len() > 10);
    weft()
        .args(["trace", "lock-raise", "--format", "svg"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("<svg").and(contains("</svg>")));
}

#[test]
fn trace_to_file_then_check_and_replay_it() {
    let dir = scratch("trace_to_file");
    let held = dir.join("lock-raise.json");
    weft()
        .args(["trace", "lock-raise", "--format", "json", "-o"])
        .arg(&held)
        .assert()
        .code(0)
        .stdout(contains("wrote").and(contains("the invariant held")));
    weft().arg("check").arg(&held).assert().code(0).stdout(contains("holds"));
    let out = weft().arg("replay").arg(&held).assert().code(0).get_output().clone();
    assert!(String::from_utf8(out.stdout).unwrap().starts_with(TUTORIAL_1_2));

    let broken = dir.join("lock-race.json");
    weft().args(["trace", "lock-race", "--format", "json", "-o"]).arg(&broken).assert().code(1);
    weft().arg("check").arg(&broken).assert().code(1).stdout(contains("violated: panic at step"));
    weft().arg("replay").arg(&broken).assert().code(1).stdout(contains("X ended at 2187"));
    // A stored trace draws as it was recorded, its violation found by the offline check.
    weft()
        .args(["trace", "--format", "svg"])
        .arg(&broken)
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("<svg").and(contains("class=\"violation\"")));
    assert_usage(weft().args(["trace", "--strategy", "random"]).arg(&broken), "is a stored trace");
}

#[test]
fn trace_to_an_unwritable_path_is_a_usage_error() {
    let dir = scratch("unwritable");
    assert_usage(weft().args(["trace", "lock-raise", "-o"]).arg(dir.join("no/such/dir/x.txt")), "cannot write");
}

#[test]
fn replay_needs_a_scenario_for_a_bare_schedule() {
    assert_usage(weft().args(["replay", "weft2:EQ"]), "add --scenario NAME");
}

#[test]
fn damaged_schedules_are_usage_errors() {
    assert_usage(weft().args(["replay", "weft2:***", "--scenario", "lock-race"]), "schedule is damaged");
    assert_usage(weft().args(["replay", "weft3:AA", "--scenario", "lock-race"]), "not a weft schedule");
    assert_usage(weft().args(["replay", "weft1:HQ", "--scenario", "lock-race"]), "recorded by an earlier weft");
    // A damaged string whose first word claims ~2^47 picks: it aborted, allocating them.
    assert_usage(
        weft().args(["replay", "weft2:vEsvG1uUAGTZ4dp5ocLq-s6JMEScdMkGahu6SYTJ", "--scenario", "lock-race"]),
        "more than the 1048576 a schedule may hold",
    );
    assert_usage(weft().args(["replay", "weft2:_____________w", "--scenario", "lock-race"]), "too large for a choice");
    // Decodes, but asks for a pick among more tasks than are ever ready.
    assert_usage(
        weft().args(["replay", "weft2:_A8", "--scenario", "lock-raise"]),
        "does not fit scenario 'lock-raise'",
    );
}

#[test]
fn a_replay_that_does_not_fit_says_how() {
    // Choices left over after the run: it exited 0, dropping them without a word.
    assert_usage(weft().args(["replay", "weft2:EQAAAAAAAAAAAAAA", "--scenario", "lock-raise"]), "left over");
    // An empty schedule on a program that needs choices: it was "the code changed".
    assert_usage(weft().args(["replay", "weft2:", "--scenario", "lock-raise"]), "the schedule ended");
    assert_usage(weft().args(["replay", "weft2:", "--scenario", "lock-raise"]), "choice 0 (step 2)");
    assert_usage(weft().args(["replay", "weft2:_A8", "--scenario", "lock-raise"]), "The code changed since");
}

#[test]
fn unreadable_and_corrupt_files_are_usage_errors() {
    let dir = scratch("corrupt");
    let missing = dir.join("missing.json");
    let not_json = dir.join("not-json.json");
    std::fs::write(&not_json, "this is not json").unwrap();
    let not_trace = dir.join("not-trace.json");
    std::fs::write(&not_trace, r#"{"hello": "world"}"#).unwrap();
    let bad_schedule = dir.join("bad-schedule.json");
    std::fs::write(&bad_schedule, r#"{"header": {"name": "lock-race", "schedule": "weft2:%%"}}"#).unwrap();

    assert_usage(weft().arg("check").arg(&missing), "cannot read");
    assert_usage(weft().arg("check").arg(&not_json), "is not a weft trace");
    assert_usage(weft().arg("check").arg(&not_trace), "is not a weft trace");
    assert_usage(weft().arg("replay").arg(&missing), "cannot read");
    assert_usage(weft().arg("replay").arg(&not_json), "is not JSON");
    assert_usage(weft().arg("replay").arg(&not_trace), "not a weft trace or failure file");
    assert_usage(weft().arg("replay").arg(&bad_schedule), "cannot be read");
    // A failure file that `cargo test` wrote names its test.
    let from_test = dir.join("from-test.json");
    std::fs::write(&from_test, r#"{"header": {"name": "my_test", "schedule": "weft2:EQ"}}"#).unwrap();
    assert_usage(weft().arg("replay").arg(&from_test), "WEFT_REPLAY=weft2:EQ cargo test my_test");
}

#[test]
fn a_closed_pipe_stops_quietly() {
    // As `weft trace ... | head -1` once head has its line: here the reader (`true`) is gone
    // before weft writes, and weft's status comes back on stderr.
    let weft = assert_cmd::cargo::cargo_bin("weft");
    let script = format!(
        "{{ sleep 0.5; '{}' trace condition-wait --format chrome; echo \"status $?\" >&2; }} | true",
        weft.display()
    );
    let out = std::process::Command::new("sh").args(["-c", &script]).env_remove("RUST_BACKTRACE").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim(), "status 141", "a closed pipe must not panic");
}

#[test]
fn explore_reads_its_options_not_the_weft_variables() {
    let out = weft()
        .args(["explore", "lock-raise", "--schedules", "30"])
        .env("WEFT_SCHEDULES", "1")
        .env("WEFT_STRATEGY", "fifo")
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let row = stdout.lines().find(|l| l.starts_with("lock-raise ")).unwrap();
    assert!(row.contains(" random ") && row.contains(" 30 "), "{row}");
}

#[test]
fn an_inconsistent_trace_gets_no_verdict_and_no_picture() {
    // Parses as a trace, but names tasks and resources that never appeared, out of step order.
    let dir = scratch("inconsistent");
    let file = dir.join("odd.json");
    std::fs::write(
        &file,
        r#"{"header":{"weft_version":"0.1.0","name":"odd","strategy":"fifo","seed":0,"schedule":"weft2:"},
            "events":[
              {"step":1,"time":0,"task":7,"event":"resource","id":42,"op":"grant"},
              {"step":1,"time":0,"task":null,"event":"resource","id":3,"op":{"wake":{"waiter":99}}},
              {"step":2,"time":5,"task":9,"event":"exit","exit":{"how":"panicked","message":"x"}},
              {"step":1,"time":0,"task":4,"event":"resource","id":0,"op":"release"}]}"#,
    )
    .unwrap();
    let what = "is not a consistent weft trace: record 0 (step 1): it concerns task #7, which was never spawned";
    assert_usage(weft().arg("check").arg(&file), what);
    for format in ["text", "json", "chrome", "svg"] {
        let out = weft().arg("trace").arg(&file).args(["--format", format]).assert().code(2).get_output().clone();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains(what) && stderr.lines().count() == 1, "{format}: {stderr}");
        assert!(out.stdout.is_empty(), "{format}: nothing drawn");
    }
}

#[test]
fn check_finds_each_kind_of_inconsistency_in_a_real_trace() {
    let dir = scratch("check_inconsistent");
    let held = dir.join("lock-raise.json");
    weft().args(["trace", "lock-raise", "--format", "json", "-o"]).arg(&held).assert().code(0);
    let trace: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&held).unwrap()).unwrap();
    let events = trace["events"].as_array().unwrap().clone();
    let grant = events.iter().position(|e| e["op"] == "grant").unwrap();
    let write = |name: &str, edit: &dyn Fn(&mut serde_json::Value)| {
        let mut t = trace.clone();
        edit(&mut t);
        let path = dir.join(name);
        std::fs::write(&path, t.to_string()).unwrap();
        path
    };
    type Edit<'a> = &'a dyn Fn(&mut serde_json::Value);
    let cases: [(&str, Edit, String); 5] = [
        (
            "task-999.json",
            &|t| t["events"][grant]["task"] = 999.into(),
            format!("record {grant} (step 2): it concerns task #999"),
        ),
        (
            "twice.json",
            &|t| {
                let doubled: Vec<serde_json::Value> = events.iter().flat_map(|e| [e.clone(), e.clone()]).collect();
                t["events"] = doubled.into();
            },
            "record 1 (step 0): task #0 is spawned twice".to_string(),
        ),
        (
            "step-max.json",
            &|t| t["events"][grant]["step"] = u64::MAX.into(),
            "the step jumps from 2 to 18446744073709551615".to_string(),
        ),
        (
            "backwards.json",
            &|t| {
                let last = t["events"].as_array().unwrap().len() - 1;
                t["events"][last]["time"] = 0.into();
            },
            "virtual time goes backwards".to_string(),
        ),
        (
            "header.json",
            &|t| t["header"]["strategy"] = "pct:99999999999".into(),
            "header: its strategy cannot be read".to_string(),
        ),
    ];
    for (name, edit, what) in cases {
        let path = write(name, edit);
        assert_usage(weft().arg("check").arg(&path), &what);
    }
    weft().arg("check").arg(&held).assert().code(0).stdout(contains("holds"));
    assert_usage(weft().arg("check").arg(&dir), "cannot read");
}
