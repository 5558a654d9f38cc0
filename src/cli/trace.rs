//! `weft trace`: one run of one scenario, written as text, JSON, Chrome trace events or SVG.

use super::{lookup, Choose, Format, Status, Usage};
use std::path::Path;
use weft::{Failure, Schedule, Strategy};

pub fn one(
    name: &str,
    choose: &Choose,
    schedule: Option<&str>,
    format: Format,
    output: Option<&Path>,
) -> Result<Status, Usage> {
    let scenario = lookup(name)?;
    let strategy = match schedule {
        None => choose.one_run(),
        Some(text) => Strategy::Replay(text.parse::<Schedule>().map_err(|e| Usage(e.to_string()))?),
    };
    let run = scenario.runtime().strategy(strategy).seed(choose.seed).run((scenario.program)());
    if let Some(Failure::Diverged(d)) = &run.failure {
        return Err(Usage(format!("the schedule does not fit scenario '{}': {d}", scenario.name)));
    }
    let violation = run.violation();
    let text = match format {
        Format::Text => {
            let mut text = run.trace.to_text();
            if let Some(failure) = &run.failure {
                text.push_str(&format!("# failure: {failure}\n"));
            }
            text
        }
        Format::Json => run.trace.to_json() + "\n",
        Format::Chrome => run.trace.to_chrome_json_marking(violation) + "\n",
        Format::Svg => run.trace.to_svg_marking(violation),
    };
    let status = match run.failure {
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
    let verdict = match &run.failure {
        None => "the invariant held".to_string(),
        Some(failure) => format!("the run failed: {failure}"),
    };
    say!("wrote {} ({} events, {:?}); {verdict}", path.display(), run.trace.events.len(), format);
    Ok(status)
}
