//! `weft`, `weft list` and `weft run`.

use super::{OK, USAGE, VIOLATION};
use std::time::Instant;
use weft::scenarios::{self, Expect, Scenario};

fn lookup(name: &str) -> Result<Scenario, i32> {
    scenarios::find(name).ok_or_else(|| {
        let names: Vec<&str> = scenarios::all().iter().map(|s| s.name).collect();
        eprintln!(
            "weft: no scenario named '{name}'; the scenarios are: {}",
            names.join(", ")
        );
        USAGE
    })
}

pub fn list() -> i32 {
    for s in scenarios::all() {
        println!(
            "{:<16} {}\n{:<16} invariant: {}",
            s.name, s.summary, "", s.invariant
        );
    }
    OK
}

pub fn one(name: &str, seed: u64) -> i32 {
    let scenario = match lookup(name) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let started = Instant::now();
    let run = scenario.run(seed);
    let real = started.elapsed();
    for line in run.trace.output() {
        println!("{line}");
    }
    println!();
    println!(
        "Total Time Taken : {:.3} virtual seconds ({:.1?} real)",
        run.elapsed.as_secs_f64(),
        real
    );
    match &run.failure {
        None => {
            println!("invariant held: {}", scenario.invariant);
            OK
        }
        Some(failure) => {
            println!("invariant broken: {}\n{failure}", scenario.invariant);
            println!(
                "replay: WEFT_REPLAY={} weft run {}",
                run.schedule, scenario.name
            );
            VIOLATION
        }
    }
}

pub fn all() -> i32 {
    let mut status = OK;
    println!(
        "{:<16} {:<8} {:>10}  verdict",
        "scenario", "strategy", "steps"
    );
    for scenario in scenarios::all() {
        let run = scenario.run(0);
        let verdict = match (&run.failure, scenario.expect) {
            (None, Expect::Holds) => "holds".to_string(),
            (Some(f), Expect::Fails) => format!(
                "found (as expected): {}",
                f.kind().map_or("divergence", |k| k.name())
            ),
            (None, Expect::Fails) => "NOT FOUND".to_string(),
            (Some(f), Expect::Holds) => {
                status = VIOLATION;
                format!("VIOLATED: {f}")
            }
        };
        println!(
            "{:<16} {:<8} {:>10}  {verdict}",
            scenario.name, "fifo", run.steps
        );
    }
    status
}
