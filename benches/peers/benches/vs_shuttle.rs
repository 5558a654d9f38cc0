//! weft and shuttle on the same programs, in one run, one worker: schedules per second and the
//! ratio, for Random and PCT (depth 3); and weft's cost per step against the floor (the same task
//! bodies on weft's primitives under a minimal executor that records nothing). weft runs as a
//! user's test does (checks on, the verdict memo on: `Explore::memo`), and, for what the
//! checkers themselves cost, with the memo off (every run checked as it runs) and with checks
//! off.
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
    /// weft with its checkers on or off, and its verdict memo on or off.
    Weft {
        checks: bool,
        memo: bool,
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
        Tool::Weft { checks, memo } => {
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
                .memo(memo)
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
        "{:<16} {:<7} {:>10} {:>10} {:>10} {:>10} {:>7} {:>7} {:>7} {:>7} {:>6}",
        "program",
        "sampler",
        "weft/s",
        "nomemo/s",
        "nochk/s",
        "shuttle/s",
        "ratio",
        "nomemo",
        "checks",
        "nomemo",
        "steps"
    );
    let weft = |memo| Tool::Weft { checks: true, memo };
    for program in Program::ALL {
        for sampler in [Sampler::Random, Sampler::Pct] {
            let (mut on, mut every, mut off, mut sh) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            let mut steps = 0;
            for _ in 0..rounds {
                let (t, s) = measure(weft(true), sampler, program, schedules);
                on.push(schedules as f64 / t.as_secs_f64());
                steps = s;
                let (t, _) = measure(Tool::Shuttle, sampler, program, schedules);
                sh.push(schedules as f64 / t.as_secs_f64());
                let (t, _) = measure(weft(false), sampler, program, schedules);
                every.push(schedules as f64 / t.as_secs_f64());
                let (t, _) = measure(Tool::Weft { checks: false, memo: true }, sampler, program, schedules);
                off.push(schedules as f64 / t.as_secs_f64());
            }
            let per_round = |a: &[f64], b: &[f64]| median(a.iter().zip(b).map(|(a, b)| a / b).collect());
            let (ratio, ratio_every) = (per_round(&on, &sh), per_round(&every, &sh));
            let (checks, checks_every) = (per_round(&on, &off), per_round(&every, &off));
            let (on, every, off, sh) = (median(on), median(every), median(off), median(sh));
            println!(
                "{:<16} {:<7} {:>10.0} {:>10.0} {:>10.0} {:>10.0} {:>6.2}x {:>6.2}x {:>6.0}% {:>6.0}% {:>6.1}",
                program.name(),
                format!("{sampler:?}").to_lowercase(),
                on,
                every,
                off,
                sh,
                ratio,
                ratio_every,
                100.0 * checks,
                100.0 * checks_every,
                steps as f64 / schedules as f64
            );
        }
    }
    println!("(weft/s: checks and memo on, as a test runs; nomemo/s: every run checked as it runs; nochk/s: checks");
    println!(" off; rates: medians of the rounds; ratio (weft ÷ shuttle) and checks (checks on ÷ off), each with");
    println!(" the memo and without: medians of each round's own ratio; steps: per schedule)");
    println!();
    println!(
        "{:<16} {:>13} {:>13} {:>13} {:>7} {:>7}",
        "program", "floor ns/step", "weft ns/step", "nomemo ns/st", "ratio", "nomemo"
    );
    for program in Program::ALL {
        let (mut fl, mut wf, mut every) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            let started = Instant::now();
            let mut steps = 0;
            for _ in 0..schedules {
                steps += floor::run(program);
            }
            fl.push(started.elapsed().as_nanos() as f64 / steps as f64);
            let (t, s) = measure(weft(true), Sampler::Random, program, schedules);
            wf.push(t.as_nanos() as f64 / s as f64);
            let (t, s) = measure(weft(false), Sampler::Random, program, schedules);
            every.push(t.as_nanos() as f64 / s as f64);
        }
        let per_round = |a: &[f64]| median(a.iter().zip(&fl).map(|(a, b)| a / b).collect());
        let (ratio, ratio_every) = (per_round(&wf), per_round(&every));
        let (fl, wf, every) = (median(fl), median(wf), median(every));
        println!(
            "{:<16} {:>13.1} {:>13.1} {:>13.1} {:>6.2}x {:>6.2}x",
            program.name(),
            fl,
            wf,
            every,
            ratio,
            ratio_every
        );
    }
    println!("(times: medians of the rounds; ratio: the median of each round's own ratio)");
}
