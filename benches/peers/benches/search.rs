//! weft's exhaustive search on the peers' programs, their shared counter in a tracked cell
//! (`weft_peer_bench::tracked`, so that the reduction is valid): DFS without and with
//! partial-order reduction, schedules run, whether the tree was exhausted, and the time; the
//! ten-task semaphore within a time budget each way; two workers against one on unreduced
//! DFS: the five-task counter exhausted (over a second) and the eight-task counter capped.
//!
//! ```text
//! cargo bench -p weft-peer-bench --bench search
//! WEFT_BENCH_CAP=100000 WEFT_BENCH_SECONDS=60 cargo bench -p weft-peer-bench --bench search
//! ```
//!
//! `WEFT_BENCH_CAP` is the schedule cap of each exhaustive search (default 100,000);
//! `WEFT_BENCH_SECONDS` the time budget of the ten-task semaphore (default 60). Times are real
//! time on whatever machine runs it: read them with its load (printed first).

use std::time::Duration;
use weft::sim::Reduction;
use weft::{Report, Strategy};
use weft_peer_bench::{tracked, Program};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).filter(|&n| n > 0).unwrap_or(default)
}

/// One DFS over `program`, no preemption bound: `cap` schedules at most, `jobs` workers.
fn dfs(program: Program, reduction: Reduction, cap: u64, time: Option<Duration>, jobs: usize) -> Report {
    let mut explore = weft::explore(move || tracked::run(program))
        .name(program.name())
        .strategy(Strategy::Dfs { max_preemptions: None })
        .reduction(reduction)
        .schedules(cap)
        .jobs(jobs)
        .shrink(false)
        .environment(false)
        .progress(|_| {});
    if let Some(t) = time {
        explore = explore.time_budget(t);
    }
    let report = explore.run();
    assert!(report.failure.is_none(), "{report}");
    report
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn row(program: Program, reduction: Reduction, report: &Report) {
    let reduction = match reduction {
        Reduction::Off => "off",
        Reduction::Dpor => "dpor",
    };
    let exhausted = if report.exhausted {
        "yes"
    } else if report.out_of_time {
        "no (time)"
    } else {
        "no (cap)"
    };
    println!(
        "{:<16} {:<9} {:>10} {:>10} {:>10.2}",
        program.name(),
        reduction,
        report.schedules,
        exhausted,
        report.elapsed.as_secs_f64()
    );
}

fn main() {
    let cap = setting("WEFT_BENCH_CAP", 100_000);
    let seconds = setting("WEFT_BENCH_SECONDS", 60);
    println!("weft DFS, no preemption bound, one worker, cap {cap} schedules; load average {}", load());
    println!();
    println!("{:<16} {:<9} {:>10} {:>10} {:>10}", "program", "reduction", "schedules", "exhausted", "seconds");
    let exhaustive =
        [Program::Counter { tasks: 3 }, Program::Counter { tasks: 8 }, Program::Semaphore { tasks: 4, permits: 2 }];
    for program in exhaustive {
        for reduction in [Reduction::Off, Reduction::Dpor] {
            row(program, reduction, &dfs(program, reduction, cap, None, 1));
        }
    }
    let ten = Program::Semaphore { tasks: 10, permits: 3 };
    for reduction in [Reduction::Off, Reduction::Dpor] {
        let report = dfs(ten, reduction, u64::MAX, Some(Duration::from_secs(seconds)), 1);
        row(ten, reduction, &report);
    }
    println!();
    // Two workers against one, unreduced: the five-task counter exhausted (a DFS over a
    // second), and the eight-task counter under the cap (its first subtree alone holds more).
    let five = Program::Counter { tasks: 5 };
    versus(five, u64::MAX);
    versus(Program::Counter { tasks: 8 }, cap);
}

/// One worker, then two, on the unreduced DFS of `program` with `cap`: the same report, the
/// ratio of their times, and the CPU time each took (what the two workers ran in all, whatever
/// share of the cores the machine's other load left them).
fn versus(program: Program, cap: u64) {
    let before = load();
    let (one, one_cpu) = timed(|| dfs(program, Reduction::Off, cap, None, 1));
    let (two, two_cpu) = timed(|| dfs(program, Reduction::Off, cap, None, 2));
    assert_eq!(one, two, "the report does not depend on the worker count");
    println!(
        "{} unreduced, {} schedules{}: one worker {:.2} s (CPU {one_cpu}), two {:.2} s (CPU {two_cpu}), {:.2}x; load average {before} before, {} after",
        program.name(),
        one.schedules,
        if one.exhausted { " (exhausted)" } else { " (cap)" },
        one.elapsed.as_secs_f64(),
        two.elapsed.as_secs_f64(),
        one.elapsed.as_secs_f64() / two.elapsed.as_secs_f64(),
        load()
    );
}

/// `f`'s result and the CPU time the process spent in it, where `/proc/self/stat` says
/// (user and system time, in the kernel's fixed 100 ticks a second).
fn timed(f: impl FnOnce() -> Report) -> (Report, String) {
    let cpu = || -> Option<u64> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        // The fields after the command name (in parentheses, which may hold spaces).
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
    };
    let start = cpu();
    let report = f();
    let spent = match (start, cpu()) {
        (Some(a), Some(b)) => format!("{:.2} s", (b - a) as f64 / 100.0),
        _ => "unknown".to_string(),
    };
    (report, spent)
}
