//! `weft explore`: failure traces go to cargo's target directory (or the temporary directory),
//! never to `./target` of wherever it runs.

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
