//! `weft check`: the offline verdict on a stored trace.

use super::{read_text, Status, Usage};
use std::path::Path;
use weft::Trace;

pub fn one(path: &Path) -> Result<Status, Usage> {
    let text = read_text(path)?;
    let trace = Trace::from_json(&text).map_err(|e| Usage(format!("'{}' is {e}", path.display())))?;
    let h = &trace.header;
    say!("{}: {} events (strategy {}, seed {})", h.name, trace.events.len(), h.strategy, h.seed);
    match weft::traces::check(&trace) {
        None => {
            say!("holds: every invariant held");
            Ok(Status::Held)
        }
        Some(violation) => {
            say!("violated: {violation}");
            if !h.schedule.is_empty() {
                say!("replay: weft replay {} --scenario {}", h.schedule, h.name);
            }
            Ok(Status::Violated)
        }
    }
}
