//! `weft replay`: one schedule, exactly, from a `weft2:` string or a failure/trace JSON file.

use super::run::print_run;
use super::{lookup, read_text, Status, Usage};
use serde_json::Value;
use std::path::Path;
use std::time::Instant;
use weft::{Failure, Schedule, Strategy};

/// What to replay: a schedule and the scenario it belongs to, if known.
struct Target {
    schedule: Schedule,
    scenario: Option<String>,
}

pub fn one(input: &str, scenario: Option<&str>) -> Result<Status, Usage> {
    let target = target(input)?;
    let name = match (scenario, &target.scenario) {
        (Some(given), _) => given.to_string(),
        (None, Some(recorded)) => recorded.clone(),
        (None, None) => return Err(Usage(
            "a bare schedule string does not say which scenario it belongs to; add --scenario NAME (see `weft list`)"
                .to_string(),
        )),
    };
    let scenario = match lookup(&name) {
        Ok(scenario) => scenario,
        // A failure file a `cargo test` wrote names the test, not a scenario.
        Err(_) if scenario.is_none() => {
            return Err(Usage(format!(
                "'{name}' recorded this failure but is not a scenario of the catalog (see `weft list`); if it is a test, replay it with `WEFT_REPLAY={} cargo test {name}`",
                target.schedule
            )))
        }
        Err(usage) => return Err(usage),
    };
    let started = Instant::now();
    let run = scenario.runtime().strategy(Strategy::Replay(target.schedule)).run((scenario.program)());
    let real = started.elapsed();
    if let Some(Failure::Diverged(d)) = &run.failure {
        return Err(Usage(format!("the schedule does not fit scenario '{}': {d}", scenario.name)));
    }
    Ok(print_run(&scenario, &run, real))
}

/// Reads the command's argument: a schedule string, or a JSON file holding one.
fn target(input: &str) -> Result<Target, Usage> {
    let trimmed = input.trim();
    let path = Path::new(trimmed);
    let looks_like_file = trimmed.ends_with(".json") || path.is_file();
    if !looks_like_file {
        let schedule = trimmed.parse::<Schedule>().map_err(|e| Usage(e.to_string()))?;
        return Ok(Target { schedule, scenario: None });
    }
    let text = read_text(path)?;
    from_json(path, &text)
}

/// A failure or trace JSON: its header names the scenario and the schedule. Also accepts the
/// header nested under `trace`, or `scenario`/`schedule` at the top level.
fn from_json(path: &Path, text: &str) -> Result<Target, Usage> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        Usage(format!(
            "'{}' is not JSON ({e}); give a failure or trace JSON file, or a weft2: schedule string",
            path.display()
        ))
    })?;
    let field = |names: &[&str]| -> Option<String> {
        let roots = [&value["header"], &value["trace"]["header"], &value];
        roots
            .iter()
            .find_map(|root| names.iter().find_map(|n| root.get(*n).and_then(Value::as_str).map(str::to_string)))
    };
    let Some(schedule) = field(&["schedule"]) else {
        return Err(Usage(format!(
            "'{}' is JSON but not a weft trace or failure file: it has no header with a schedule; give the JSON that `weft trace --format json` or a failed test writes",
            path.display()
        )));
    };
    let schedule = schedule
        .parse::<Schedule>()
        .map_err(|e| Usage(format!("the schedule in '{}' cannot be read: {e}", path.display())))?;
    Ok(Target { schedule, scenario: field(&["name", "scenario"]) })
}
