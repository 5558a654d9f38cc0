//! `weft` (every scenario) and `weft explore`: many schedules, a table of verdicts.
//!
//! The main job (`weft` with no arguments) proves what it can: on each scenario that declares
//! all its shared state tracked ([`Scenario::tracked`]) it runs DFS with partial-order reduction
//! and no preemption bound, up to [`PROOF_BUDGET`] schedules; when that walks the whole tree the
//! verdict is `holds (all N schedules, ...)`. Every other scenario, and one whose tree is larger
//! than the budget, is sampled with the random strategy ([`DEFAULT_SCHEDULES`] schedules), and
//! its verdict says so: `holds (sampled N random schedules)`.

use super::{lookup, Choose, ReportFormat, Status, Usage};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;
use weft::scenarios::{self, Expect, Scenario};
use weft::sim::explore::json::ReportFile;
use weft::sim::explore::DEFAULT_SCHEDULES;
use weft::sim::Reduction;
use weft::{Failure, Faults, Report, Strategy};

/// The most schedules the main job's DFS may run on one scenario before it samples instead.
pub const PROOF_BUDGET: u64 = 2_000;

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
            // A strategy that ran out of schedules says what they covered: "all 12 schedules
            // with at most 2 preemptions" only when that is exhaustive (no fault sampled).
            (None, Expect::Holds) if self.report.enumerated => format!("holds ({})", self.report.covered()),
            (None, Expect::Holds)
                if !matches!(self.report.strategy, Strategy::Dfs { .. }) && !self.report.out_of_time =>
            {
                format!("holds (sampled {} {} schedules)", self.report.schedules, self.report.strategy)
            }
            // A time budget says which schedules ran: the first N of the order.
            (None, Expect::Holds) if self.report.out_of_time => {
                format!("holds (the first {} schedules: the time budget ran out)", self.report.schedules)
            }
            // A DFS the schedule budget cut short: how far it got, under which bounds.
            (None, Expect::Holds) => format!("holds ({})", self.report.covered()),
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
    let outcomes: Vec<Outcome> = scenarios::all().iter().map(prove_or_sample).collect();
    print_table(&outcomes, None);
    // Here a failure in a scenario broken on purpose is the expected result.
    if outcomes.iter().all(Outcome::as_expected) {
        Status::Held
    } else {
        Status::Violated
    }
}

/// `weft explore <scenario>...`.
/// The main job on one scenario: DFS with reduction if the scenario allows it and its tree fits
/// [`PROOF_BUDGET`], else [`DEFAULT_SCHEDULES`] random schedules.
fn prove_or_sample(scenario: &Scenario) -> Outcome {
    let sample = |strategy| Plan {
        choose: Choose { strategy: Some(strategy), seed: 0 },
        schedules: DEFAULT_SCHEDULES,
        jobs: None,
        faults: None,
        reduction: None,
        shard: None,
        time: None,
    };
    if scenario.tracked {
        let dfs = Plan {
            schedules: PROOF_BUDGET,
            reduction: Some(Reduction::Dpor),
            ..sample(Strategy::Dfs { max_preemptions: None })
        };
        let outcome = explore(std::slice::from_ref(scenario), &dfs, false).remove(0);
        if outcome.report.enumerated || outcome.report.failure.is_some() {
            return outcome;
        }
    }
    explore(std::slice::from_ref(scenario), &sample(Strategy::Random), false).remove(0)
}

pub(super) fn many(names: &[String], plan: Plan, format: ReportFormat, output: Option<&Path>) -> Result<Status, Usage> {
    let scenarios = names.iter().map(|n| lookup(n)).collect::<Result<Vec<_>, _>>()?;
    // A JSON report lists every run (what `weft merge` needs); a table needs only the counts.
    let outcomes = explore(&scenarios, &plan, format == ReportFormat::Json);
    match format {
        ReportFormat::Table => print_table(&outcomes, plan.faults.as_ref()),
        ReportFormat::Json => {
            let files: Vec<ReportFile> = outcomes.iter().map(|o| ReportFile::from(&o.report)).collect();
            super::merge::write_reports(&files, output)?;
        }
    }
    let found = outcomes.iter().any(|o| !o.report.is_ok());
    Ok(if found { Status::Violated } else { Status::Held })
}

/// How to explore each scenario.
pub(super) struct Plan {
    pub(super) choose: Choose,
    pub(super) schedules: u64,
    pub(super) jobs: Option<u64>,
    pub(super) faults: Option<Faults>,
    pub(super) reduction: Option<Reduction>,
    pub(super) shard: Option<(u32, u32)>,
    pub(super) time: Option<std::time::Duration>,
}

/// Explores each scenario in turn (each on `jobs` threads, all cores by default), with a
/// progress bar on stderr when it is a terminal: the scenario, schedules done of the budget,
/// the rate, interleavings so far and the time left. Outcomes come back in the order of
/// `scenarios`.
fn explore(scenarios: &[Scenario], plan: &Plan, keep_runs: bool) -> Vec<Outcome> {
    let bar = ProgressBar::new(plan.schedules);
    bar.set_style(
        // Short enough for 80 columns; the message is cut at the terminal's width.
        ProgressStyle::with_template("{spinner} {prefix} [{bar:10}] {wide_msg}")
            .expect("the progress template is valid"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let mut outcomes = Vec::with_capacity(scenarios.len());
    for (i, scenario) in scenarios.iter().enumerate() {
        bar.set_prefix(match scenarios.len() {
            1 => scenario.name.to_string(),
            n => format!("{}/{n} {}", i + 1, scenario.name),
        });
        bar.set_position(0);
        bar.set_message("starting");
        let shown = bar.clone();
        let mut exploration = weft::explore(scenario.program)
            .name(scenario.name)
            .strategy(plan.choose.strategy.clone().unwrap_or(Strategy::Random))
            .schedules(plan.schedules)
            .seed(plan.choose.seed)
            .keep_runs(keep_runs)
            // The command line says what to run; `WEFT_*` variables are for `cargo test`.
            .environment(false)
            // The bar, rather than the lines a `cargo test` exploration prints to stderr.
            .progress(move |p| {
                shown.set_length(p.budget);
                shown.set_position(p.schedules);
                shown.set_message(p.brief());
            });
        if let Some(reduction) = plan.reduction {
            exploration = exploration.reduction(reduction);
        }
        if let Some(jobs) = plan.jobs {
            exploration = exploration.jobs(jobs as usize);
        }
        if let Some((k, n)) = plan.shard {
            exploration = exploration.shard(k, n);
        }
        if let Some(time) = plan.time {
            exploration = exploration.time_budget(time);
        }
        // `--faults` wins; otherwise the scenario's own (the workloads and mutants need them).
        let faults = plan.faults.unwrap_or(scenario.faults);
        if faults.any() {
            exploration = exploration.faults(faults);
        }
        outcomes.push(Outcome { scenario: *scenario, report: exploration.run() });
    }
    bar.finish_and_clear();
    outcomes
}

fn print_table(outcomes: &[Outcome], faults: Option<&Faults>) {
    let rows: Vec<[String; 6]> = outcomes
        .iter()
        .map(|o| {
            let r = &o.report;
            let strategy = match faults.copied().unwrap_or(o.scenario.faults) {
                f if f.any() => format!("{}+faults:{f}", r.strategy),
                _ => r.strategy.to_string(),
            };
            [
                o.scenario.name.to_string(),
                strategy,
                r.schedules.to_string(),
                match r.distinct_estimated {
                    true => format!("~{}", r.distinct),
                    false => r.distinct.to_string(),
                },
                o.verdict(),
                format!("{:.1?}", r.elapsed),
            ]
        })
        .collect();
    let header = ["scenario", "strategy", "schedules", "interleavings", "verdict", "time"].map(String::from);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        say!(
            "{:<w0$}  {:<w1$}  {:>w2$}  {:>w3$}  {:<w4$}  {:>w5$}",
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
            w4 = widths[4],
            w5 = widths[5],
        );
    }
    if outcomes.iter().any(|o| o.report.distinct_estimated) {
        say!("(~: estimated from a sample, past 65,536 distinct interleavings)");
    }
    for o in outcomes {
        let Some(found) = &o.report.failure else {
            continue;
        };
        let name = o.scenario.name;
        say!();
        // Counted from 1, as the table's schedules column: the failure ends the count.
        say!("{name}: schedule {} failed: {}", found.number(), found.failure);
        say!("  replay: weft replay {} --scenario {name}", found.schedule);
        if let Some(shrunk) = &found.shrunk {
            say!("  {shrunk}");
        }
        if let Some(first) = found.found_first() {
            say!("  {first}");
        }
        if !found.reproduced {
            say!("  warning: replaying it did not fail the same way; the program is not deterministic");
        }
        match &found.trace_file {
            Ok(path) => say!("  trace:  {} (draw it with weft trace --format svg)", path.display()),
            Err(e) => say!("  trace:  not written ({e})"),
        }
    }
}
