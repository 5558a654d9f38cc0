//! The bug zoo's detection table: for each mutant (all faults on) and for a two-task lost
//! wake-up (no faults), the schedules each strategy needs to find it: median and maximum over
//! 20 seeds, a budget of 10,000 schedules, the rules the first failures broke, and the median
//! length of the shrunk schedule.
//!
//! `cargo run --release --features mutants --example zoo_table`

#[path = "../tests/support/lost_wakeup.rs"]
mod lost_wakeup;

use std::future::Future;
use weft::check::Rule;
use weft::scenarios::{self, Expect};
use weft::{Failure, Faults, Report, Strategy};

const SEEDS: u64 = 20;
const BUDGET: u64 = 10_000;

/// The strategies, as the table's header names them.
fn strategies() -> Vec<(Strategy, &'static str)> {
    vec![
        (Strategy::Random, "random"),
        (Strategy::Pct { depth: 1 }, "pct:1"),
        (Strategy::Pct { depth: 2 }, "pct:2"),
        (Strategy::Pct { depth: 3 }, "pct:3"),
        (Strategy::Pos, "pos"),
        (Strategy::Dfs { max_preemptions: Some(2) }, "dfs:2"),
    ]
}

fn main() {
    let strategies = strategies();
    let names: Vec<&str> = strategies.iter().map(|(_, name)| *name).collect();
    println!("| program | rule broken | {} | shrunk schedule |", names.join(" | "));
    println!("|---|---|{}---|", "---|".repeat(names.len()));
    for scenario in scenarios::all().into_iter().filter(|s| s.expect == Expect::Fails && s.name.starts_with("mutant-"))
    {
        row(scenario.name, scenario.program, scenario.faults, &strategies);
    }
    row("lost-wakeup (2 tasks)", lost_wakeup::program, Faults::none(), &strategies);
}

/// One row: every strategy on `program`, over the seeds.
fn row<F, Fut>(name: &str, program: F, faults: Faults, strategies: &[(Strategy, &str)])
where
    F: Fn() -> Fut + Send + Sync + Copy,
    Fut: Future + 'static,
{
    let mut rules = Vec::new();
    let mut shrunk = Vec::new();
    let cells: Vec<String> = strategies
        .iter()
        .map(|(strategy, _)| {
            let mut found: Vec<u64> = Vec::new();
            for seed in 0..SEEDS {
                let report: Report = weft::explore(program)
                    .name(name)
                    .strategy(strategy.clone())
                    .faults(faults)
                    .schedules(BUDGET)
                    .seed(seed)
                    .jobs(1)
                    .environment(false)
                    .run();
                if let Some(f) = &report.failure {
                    found.push(f.index + 1);
                    shrunk.push(f.minimal().len());
                    rules.push(broken(&f.failure).to_string());
                }
            }
            cell(&mut found)
        })
        .collect();
    rules.sort_unstable();
    rules.dedup();
    shrunk.sort_unstable();
    let shrunk = shrunk.get(shrunk.len() / 2).map_or("-".to_string(), |n| format!("{n} choices"));
    println!("| {name} | {} | {} | {shrunk} |", rules.join(", "), cells.join(" | "));
}

/// The rule a failure broke; for a panic, whether the workload's own assertion failed or the
/// primitive itself panicked.
fn broken(failure: &Failure) -> &str {
    let Failure::Violation(v) = failure else {
        return "divergence";
    };
    match (&v.rule, v.location.as_deref()) {
        (Rule::Panic, Some(at)) if at.starts_with("src/workloads/") => "panic (workload assertion)",
        (Rule::Panic, Some(_)) => "panic (in the primitive)",
        (rule, _) => rule.name(),
    }
}

/// "median / max" schedules to the first failure over the seeds (the upper median: the 11th of
/// 20), a seed that found nothing within the budget counting as more than the budget; with how
/// many seeds found it when not all did.
fn cell(found: &mut [u64]) -> String {
    found.sort_unstable();
    let show = |i: usize| found.get(i).map_or(format!(">{BUDGET}"), |n| n.to_string());
    let (median, max) = (show(SEEDS as usize / 2), show(SEEDS as usize - 1));
    match found.len() {
        n if n == SEEDS as usize => format!("{median} / {max}"),
        0 => "not found".to_string(),
        n => format!("{median} / {max} ({n}/{SEEDS} seeds)"),
    }
}
