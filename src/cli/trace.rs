//! `weft trace`: one run, written as text, JSON, Chrome trace events or SVG. The run is a
//! scenario run afresh, or a stored trace (a failure file a test wrote) read back.

use super::{lookup, read_text, Choose, Format, Status, Usage};
use clap::ValueEnum;
use std::path::Path;
use weft::traces::check::JudgeError;
use weft::{Failure, Schedule, Strategy, Trace, Violation};

/// A run to draw: its trace, and its failure in words and as a violation to mark.
struct Drawn {
    trace: Trace,
    failure: Option<String>,
    violation: Option<Violation>,
}

pub fn one(
    source: &str,
    choose: &Choose,
    schedule: Option<&str>,
    format: Format,
    output: Option<&Path>,
) -> Result<Status, Usage> {
    let drawn = if is_trace_file(source) {
        if choose.strategy.is_some() || schedule.is_some() {
            return Err(Usage(format!(
                "--strategy and --schedule choose how a scenario runs; '{source}' is a stored trace, drawn as it was recorded"
            )));
        }
        stored(Path::new(source))?
    } else {
        fresh(source, choose, schedule)?
    };
    let violation = drawn.violation.as_ref();
    let text = match format {
        Format::Text => {
            let mut text = drawn.trace.to_text();
            if let Some(failure) = &drawn.failure {
                text.push_str(&format!("# failure: {failure}\n"));
            }
            text
        }
        Format::Json => drawn.trace.to_json() + "\n",
        Format::Chrome => drawn.trace.to_chrome_json_marking(violation) + "\n",
        Format::Svg => drawn.trace.to_svg_marking(violation),
    };
    let status = match drawn.failure {
        None => Status::Held,
        Some(_) => Status::Violated,
    };
    let Some(path) = output else {
        super::emit(format_args!("{text}"));
        return Ok(status);
    };
    std::fs::write(path, text).map_err(|e| {
        Usage(format!("cannot write '{}': {e}; check that its directory exists and is writable", path.display()))
    })?;
    let verdict = match &drawn.failure {
        None => "the invariant held".to_string(),
        Some(failure) => format!("the run failed: {failure}"),
    };
    let format = format.to_possible_value().map_or(String::new(), |v| v.get_name().to_string());
    say!("wrote {} ({format}, {} events); {verdict}", path.display(), drawn.trace.events.len());
    Ok(status)
}

/// Whether `source` names a trace file rather than a scenario.
fn is_trace_file(source: &str) -> bool {
    source.ends_with(".json") || Path::new(source).is_file()
}

/// Runs the scenario called `name` once.
fn fresh(name: &str, choose: &Choose, schedule: Option<&str>) -> Result<Drawn, Usage> {
    let scenario = lookup(name)?;
    let strategy = match schedule {
        None => choose.one_run(),
        Some(text) => Strategy::Replay(text.parse::<Schedule>().map_err(|e| Usage(e.to_string()))?),
    };
    let run = scenario.runtime().strategy(strategy).seed(choose.seed).run((scenario.program)());
    if let Some(Failure::Diverged(d)) = &run.failure {
        return Err(Usage(format!("the schedule does not fit scenario '{}': {d}", scenario.name)));
    }
    Ok(Drawn {
        violation: run.violation().cloned(),
        failure: run.failure.as_ref().map(|f| f.to_string()),
        trace: run.trace,
    })
}

/// Reads a stored trace; its verdict is the offline check's, given only to a consistent trace
/// (an inconsistent one is not drawn: the picture would show what no run did).
fn stored(path: &Path) -> Result<Drawn, Usage> {
    let text = read_text(path)?;
    let trace = Trace::from_json(&text).map_err(|e| Usage(format!("'{}' is {e}", path.display())))?;
    let inconsistent = |e| Usage(format!("'{}' is {}", path.display(), JudgeError::Inconsistent(e)));
    weft::sim::check_header(&trace.header).map_err(inconsistent)?;
    let violation = weft::traces::check::judge(&trace).map_err(inconsistent)?;
    Ok(Drawn { failure: violation.as_ref().map(|v| v.to_string()), violation, trace })
}
