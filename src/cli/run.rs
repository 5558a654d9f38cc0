//! `weft list` and `weft run`: the catalog, and one run of one scenario as the tutorial prints it.

use super::{lookup, Choose, Status, Usage};
use std::time::{Duration, Instant};
use weft::scenarios::{self, Expect, Scenario};
use weft::{Failure, Run};

pub fn list() -> Status {
    let all = scenarios::all();
    let width = all.iter().map(|s| s.name.len()).max().unwrap_or(0);
    for s in all {
        let expect = match s.expect {
            Expect::Holds => "holds",
            Expect::Fails => "broken on purpose: weft must find the failure",
        };
        say!("{:<width$}  {}", s.name, s.summary);
        say!("{:<width$}  invariant ({expect}): {}", "", s.invariant);
    }
    Status::Held
}

pub fn one(name: &str, choose: &Choose) -> Result<Status, Usage> {
    let scenario = lookup(name)?;
    let started = Instant::now();
    let run = scenario.runtime().strategy(choose.one_run()).seed(choose.seed).run((scenario.program)());
    let real = started.elapsed();
    Ok(print_run(&scenario, &run, real))
}

/// Prints a run as the tutorial does (its output, then the total time), then the verdict and,
/// for a failure, the line that replays it.
pub fn print_run(scenario: &Scenario, run: &Run<()>, real: Duration) -> Status {
    for line in run.trace.output() {
        say!("{line}");
    }
    say!();
    say!("Total Time Taken : {:.3} virtual seconds ({real:.1?} real, {} steps)", run.elapsed.as_secs_f64(), run.steps);
    match &run.failure {
        None => {
            say!("invariant held: {}", scenario.invariant);
            Status::Held
        }
        Some(failure) => {
            print_failure(scenario, failure, &run.schedule.to_string());
            Status::Violated
        }
    }
}

/// Prints a failure: which invariant, what happened, and how to replay it.
pub fn print_failure(scenario: &Scenario, failure: &Failure, schedule: &str) {
    say!("invariant broken: {}", scenario.invariant);
    say!("{failure}");
    if scenario.expect == Expect::Fails {
        say!("(as expected: {} is broken on purpose)", scenario.name);
    }
    say!("replay: weft replay {schedule} --scenario {}", scenario.name);
}
