//! The main job (`weft` with no arguments) proves what it can: DFS with partial-order reduction
//! exhausts the scenarios that declare all their shared state tracked and whose reduced tree
//! fits its budget, and says `holds (all N schedules, ...)`; the rest are sampled and say
//! `holds (sampled N random schedules)`. `weft explore --reduction` reads exactly `off` or
//! `dpor`, and the JSON report carries it.

use assert_cmd::Command;

fn weft() -> Command {
    let mut cmd = Command::cargo_bin("weft").expect("the weft binary is built");
    for var in weft::sim::env::VARIABLES {
        cmd.env_remove(var);
    }
    cmd.env_remove("RUST_BACKTRACE").env_remove("CARGO_TARGET_DIR");
    cmd
}

fn stdout(args: &[&str], code: i32) -> String {
    let out = weft().args(args).assert().code(code).get_output().clone();
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// The table line of `scenario`.
fn line<'a>(stdout: &'a str, scenario: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.starts_with(&format!("{scenario} ")))
        .unwrap_or_else(|| panic!("no row for {scenario} in {stdout}"))
}

#[test]
fn the_main_job_proves_the_tracked_scenarios_that_fit_and_samples_the_rest() {
    let out = stdout(&[], 0);
    // Tracked, and its reduced tree (6 classes: the 3! orders of the critical sections) fits.
    let proved = line(&out, "lock-raise");
    assert!(proved.contains(" dfs "), "{proved}");
    assert!(proved.contains("holds (all 6 schedules, up to the order of independent steps)"), "{proved}");
    // Tracked, but its reduced tree is larger than the budget: sampled, and it says so.
    let sampled = line(&out, "condition-wait");
    assert!(sampled.contains("holds (sampled 1000 random schedules)"), "{sampled}");
    // Not tracked (the workloads keep their bookkeeping in std cells): never reduced.
    let workload = line(&out, "workload-lock");
    assert!(
        workload.contains("random+faults:all") && workload.contains("holds (sampled 1000 random schedules)"),
        "{workload}"
    );
    // Broken on purpose: DFS finds it in its first schedule, asyncio's order.
    assert!(line(&out, "lock-race").contains("found (as expected): panic"), "{out}");
}

#[test]
fn explore_reads_the_reduction_and_reports_it() {
    let out = stdout(&["explore", "lock-raise", "--strategy", "dfs", "--reduction", "dpor"], 0);
    assert!(
        line(&out, "lock-raise").contains("holds (all 6 schedules, up to the order of independent steps)"),
        "{out}"
    );
    let out = stdout(&["explore", "lock-raise", "--strategy", "dfs", "--reduction", "off"], 0);
    assert!(line(&out, "lock-raise").contains("holds (all 12 schedules)"), "{out}");
    let json = stdout(&["explore", "lock-raise", "--strategy", "dfs", "--reduction", "dpor", "--format", "json"], 0);
    assert!(json.contains("\"reduction\": \"dpor\""), "{json}");
    let err = weft().args(["explore", "lock-raise", "--reduction", "on"]).assert().code(2).get_output().clone();
    let err = String::from_utf8(err.stderr).expect("UTF-8");
    assert!(err.contains("expected `off` or `dpor`"), "{err}");
}

#[test]
fn the_faults_help_names_the_budget_syntax() {
    let help = stdout(&["explore", "--help"], 0);
    assert!(help.contains("cancel<=1") && help.contains("total<=N"), "{help}");
}
