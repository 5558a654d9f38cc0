//! `weft` (every scenario) and `weft explore`: many schedules, a table of verdicts.

use super::{lookup, Choose, Status, Usage};
use indicatif::{ProgressBar, ProgressStyle};
use weft::scenarios::{self, Expect, Scenario};
use weft::sim::explore::DEFAULT_SCHEDULES;
use weft::{Failure, Report, Strategy};

/// What exploring one scenario found.
struct Outcome {
    scenario: Scenario,
    report: Report,
}

impl Outcome {
    /// Whether the outcome is what the scenario promises (a failure found where one is meant).
    fn as_expected(&self) -> bool {
        match self.scenario.expect {
            Expect::Holds => self.report.is_ok(),
            Expect::Fails => !self.report.is_ok(),
        }
    }

    fn verdict(&self) -> String {
        match (&self.report.failure, self.scenario.expect) {
            (None, Expect::Holds) if self.report.exhausted => "holds (all schedules)".to_string(),
            (None, Expect::Holds) => "holds".to_string(),
            (None, Expect::Fails) => "NOT FOUND (expected a failure)".to_string(),
            (Some(f), Expect::Fails) => format!("found (as expected): {}", kind(&f.failure)),
            (Some(f), Expect::Holds) => format!("VIOLATED: {}", kind(&f.failure)),
        }
    }
}

fn kind(failure: &Failure) -> &'static str {
    failure.kind().map_or("divergence", |k| k.name())
}

/// `weft` with no command: every scenario, the default strategy and budget, all cores.
pub fn all() -> Status {
    let choose = Choose { strategy: Strategy::Random, seed: 0 };
    let outcomes = explore(&scenarios::all(), &choose, DEFAULT_SCHEDULES, None);
    print_table(&outcomes);
    // Here a failure in a scenario broken on purpose is the expected result.
    if outcomes.iter().all(Outcome::as_expected) {
        Status::Held
    } else {
        Status::Violated
    }
}

/// `weft explore <scenario>...`.
pub fn many(
    names: &[String],
    choose: &Choose,
    schedules: u64,
    jobs: Option<u64>,
    faults: bool,
) -> Result<Status, Usage> {
    if faults {
        return Err(Usage("--faults is not available yet in this build; explore without it".to_string()));
    }
    let scenarios = names.iter().map(|n| lookup(n)).collect::<Result<Vec<_>, _>>()?;
    let outcomes = explore(&scenarios, choose, schedules, jobs);
    print_table(&outcomes);
    let found = outcomes.iter().any(|o| !o.report.is_ok());
    Ok(if found { Status::Violated } else { Status::Held })
}

/// Explores each scenario in turn (each on `jobs` threads, all cores by default), with a
/// progress bar on stderr when it is a terminal. Outcomes come back in the order of `scenarios`.
fn explore(scenarios: &[Scenario], choose: &Choose, schedules: u64, jobs: Option<u64>) -> Vec<Outcome> {
    let bar = ProgressBar::new(scenarios.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} scenarios, exploring {msg}")
            .expect("the progress template is valid"),
    );
    let mut outcomes = Vec::with_capacity(scenarios.len());
    for scenario in scenarios {
        bar.set_message(scenario.name);
        let program = scenario.program;
        let mut exploration = weft::explore(move || program())
            .name(scenario.name)
            .strategy(choose.strategy.clone())
            .schedules(schedules)
            .seed(choose.seed)
            // The command line says what to run; `WEFT_*` variables are for `cargo test`.
            .environment(false);
        if let Some(jobs) = jobs {
            exploration = exploration.jobs(jobs as usize);
        }
        outcomes.push(Outcome { scenario: *scenario, report: exploration.run() });
        bar.inc(1);
    }
    bar.finish_and_clear();
    outcomes
}

fn print_table(outcomes: &[Outcome]) {
    println!(
        "{:<20} {:<8} {:>9} {:>13}  {:<34} {:>9}",
        "scenario", "strategy", "schedules", "interleavings", "verdict", "time"
    );
    for o in outcomes {
        let r = &o.report;
        println!(
            "{:<20} {:<8} {:>9} {:>13}  {:<34} {:>9}",
            o.scenario.name,
            r.strategy.to_string(),
            r.schedules,
            r.distinct,
            o.verdict(),
            format!("{:.1?}", r.elapsed)
        );
    }
    for o in outcomes {
        let Some(found) = &o.report.failure else {
            continue;
        };
        let name = o.scenario.name;
        println!();
        println!("{name}: schedule {} failed: {}", found.index, found.failure);
        println!("  replay: weft replay {} --scenario {name}", found.minimal());
        if let Ok(path) = &found.trace_file {
            println!("  trace:  {} (weft replay / weft check it)", path.display());
        }
    }
}
