//! weft and shuttle on the same programs, in one run, one worker: schedules per second and the
//! ratio, for Random and PCT (depth 3); and weft's cost per step against the floor (the same task
//! bodies on weft's primitives under a minimal executor that records nothing).
//!
//! ```text
//! cargo bench -p weft-peer-bench --bench vs_shuttle            # the default budget
//! WEFT_BENCH_SCHEDULES=20000 WEFT_BENCH_ROUNDS=7 cargo bench -p weft-peer-bench --bench vs_shuttle
//! ```
//!
//! Each round runs every configuration once, the tools alternating, so that both see the same
//! machine. The rates shown are each the median over the rounds; the ratios are the median of
//! the rounds' own ratios (weft ÷ shuttle, checks on ÷ off, weft ÷ floor, each of one round's
//! back-to-back measurements), which the machine's load moves far less than it moves the rates.
//! Absolute figures on a shared machine move by tens of percent: read the ratios.

use shuttle::scheduler::{PctScheduler, RandomScheduler};
use shuttle::{Config, Runner};
use std::time::{Duration, Instant};
use weft::Strategy;
use weft_peer_bench::{floor, shuttle_side, weft_side, Program};

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).filter(|&n| n > 0).unwrap_or(default)
}

#[derive(Clone, Copy, Debug)]
enum Tool {
    /// weft with its checkers on or off.
    Weft {
        checks: bool,
    },
    Shuttle,
}

#[derive(Clone, Copy, Debug)]
enum Sampler {
    Random,
    Pct,
}

/// Runs `schedules` schedules of `program`; returns the time taken and the steps (weft only).
fn measure(tool: Tool, sampler: Sampler, program: Program, schedules: usize) -> (Duration, u64) {
    let started = Instant::now();
    let steps = match tool {
        Tool::Weft { checks } => {
            let strategy = match sampler {
                Sampler::Random => Strategy::Random,
                Sampler::Pct => Strategy::Pct { depth: 3 },
            };
            let report = weft::explore(move || weft_side::run(program))
                .name("bench")
                .strategy(strategy)
                .schedules(schedules as u64)
                .jobs(1)
                .checks(checks)
                .shrink(false)
                .environment(false)
                .run();
            assert!(report.is_ok(), "{report}");
            assert_eq!(report.schedules, schedules as u64);
            report.steps
        }
        Tool::Shuttle => {
            let ran = match sampler {
                Sampler::Random => Runner::new(RandomScheduler::new_from_seed(1, schedules), Config::new())
                    .run(move || shuttle_side::run(program)),
                Sampler::Pct => Runner::new(PctScheduler::new_from_seed(1, 3, schedules), Config::new())
                    .run(move || shuttle_side::run(program)),
            };
            assert_eq!(ran, schedules);
            0
        }
    };
    (started.elapsed(), steps)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing we need.
    let schedules = setting("WEFT_BENCH_SCHEDULES", 5000);
    let rounds = setting("WEFT_BENCH_ROUNDS", 5);
    println!("weft vs shuttle 0.9: {schedules} schedules per measurement, median of {rounds} rounds, one worker");
    println!();
    println!(
        "{:<16} {:<7} {:>14} {:>14} {:>14} {:>8} {:>10} {:>11}",
        "program", "sampler", "weft/s", "weft-nochk/s", "shuttle/s", "ratio", "checks", "steps/sched"
    );
    for program in Program::ALL {
        for sampler in [Sampler::Random, Sampler::Pct] {
            let (mut on, mut off, mut sh) = (Vec::new(), Vec::new(), Vec::new());
            let mut steps = 0;
            for _ in 0..rounds {
                let (t, s) = measure(Tool::Weft { checks: true }, sampler, program, schedules);
                on.push(schedules as f64 / t.as_secs_f64());
                steps = s;
                let (t, _) = measure(Tool::Shuttle, sampler, program, schedules);
                sh.push(schedules as f64 / t.as_secs_f64());
                let (t, _) = measure(Tool::Weft { checks: false }, sampler, program, schedules);
                off.push(schedules as f64 / t.as_secs_f64());
            }
            let ratio = median(on.iter().zip(&sh).map(|(a, b)| a / b).collect());
            let checks = median(on.iter().zip(&off).map(|(a, b)| a / b).collect());
            let (on, off, sh) = (median(on), median(off), median(sh));
            println!(
                "{:<16} {:<7} {:>14.0} {:>14.0} {:>14.0} {:>7.2}x {:>9.0}% {:>11.1}",
                program.name(),
                format!("{sampler:?}").to_lowercase(),
                on,
                off,
                sh,
                ratio,
                100.0 * checks,
                steps as f64 / schedules as f64
            );
        }
    }
    println!("(rates: medians of the rounds; ratio and checks: medians of each round's own ratio)");
    println!();
    println!("{:<16} {:>12} {:>14} {:>10}", "program", "floor ns/step", "weft ns/step", "ratio");
    for program in Program::ALL {
        let (mut fl, mut wf) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let started = Instant::now();
            let mut steps = 0;
            for _ in 0..schedules {
                steps += floor::run(program);
            }
            fl.push(started.elapsed().as_nanos() as f64 / steps as f64);
            let (t, s) = measure(Tool::Weft { checks: true }, Sampler::Random, program, schedules);
            wf.push(t.as_nanos() as f64 / s as f64);
        }
        let ratio = median(wf.iter().zip(&fl).map(|(a, b)| a / b).collect());
        let (fl, wf) = (median(fl), median(wf));
        println!("{:<16} {:>12.1} {:>14.1} {:>9.2}x", program.name(), fl, wf, ratio);
    }
    println!("(times: medians of the rounds; ratio: the median of each round's own ratio)");
}
