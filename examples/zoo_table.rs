//! The bug zoo's detection table: for each mutant, the schedules weft needs to find it with
//! Random, PCT and DFS (median over 20 seeds, all faults on, a budget of 10,000), and the length
//! of the shrunk schedule.
//!
//! `cargo run --release --features mutants --example zoo_table`

use weft::scenarios::{self, Expect};
use weft::{Report, Strategy};

const SEEDS: u64 = 20;
const BUDGET: u64 = 10_000;

fn main() {
    let strategies = [Strategy::Random, Strategy::Pct { depth: 3 }, Strategy::Dfs { max_preemptions: Some(2) }];
    println!("| mutant | invariant broken | Random | PCT (depth 3) | DFS (≤ 2 preemptions) | shrunk schedule |");
    println!("|---|---|---|---|---|---|");
    for scenario in scenarios::all().into_iter().filter(|s| s.expect == Expect::Fails && s.name.starts_with("mutant-"))
    {
        let mut kinds = Vec::new();
        let mut shrunk = Vec::new();
        let cells: Vec<String> = strategies
            .iter()
            .map(|strategy| {
                let mut found: Vec<u64> = Vec::new();
                for seed in 0..SEEDS {
                    let report: Report = weft::explore(scenario.program)
                        .name(scenario.name)
                        .strategy(strategy.clone())
                        .faults(scenario.faults)
                        .schedules(BUDGET)
                        .seed(seed)
                        .jobs(1)
                        .environment(false)
                        .run();
                    if let Some(f) = &report.failure {
                        found.push(f.index + 1);
                        shrunk.push(f.minimal().len());
                        kinds.push(f.failure.kind().map_or("divergence", |k| k.name()));
                    }
                }
                median_cell(&mut found)
            })
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        shrunk.sort_unstable();
        let shrunk = shrunk.get(shrunk.len() / 2).map_or("-".to_string(), |n| format!("{n} choices"));
        println!(
            "| {} | {} | {} | {} | {} | {shrunk} |",
            scenario.name,
            kinds.join(", "),
            cells[0],
            cells[1],
            cells[2]
        );
    }
}

/// The median schedules to first detection over the seeds, with how many seeds found it.
fn median_cell(found: &mut [u64]) -> String {
    if found.is_empty() {
        return format!("not found in {BUDGET}");
    }
    found.sort_unstable();
    let mut cell = format!("{}", found[found.len() / 2]);
    if found.len() < SEEDS as usize {
        cell.push_str(&format!(" ({}/{SEEDS} seeds)", found.len()));
    }
    cell
}
