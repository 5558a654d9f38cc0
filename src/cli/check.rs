//! `weft check`: the offline verdict on a stored trace, given only to a consistent one.

use super::{Status, Usage};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use weft::traces::check::{judge_json, JudgeError};

/// Streams the file through the consistency check and the invariants (memory proportional to its
/// largest record, not its size): exit 2 with the first inconsistency, else the verdict.
pub fn one(path: &Path) -> Result<Status, Usage> {
    let judged = judge_json(BufReader::new(open(path)?), weft::sim::check_header)
        .map_err(|e: JudgeError| Usage(format!("'{}' is {e}", path.display())))?;
    let h = &judged.header;
    say!(
        "{}: {} events (strategy {}, seed {})",
        h.name.escape_debug(),
        judged.events,
        h.strategy.escape_debug(),
        h.seed
    );
    match judged.violation {
        None => {
            say!("holds: every invariant held");
            Ok(Status::Held)
        }
        Some(violation) => {
            say!("violated: {}", violation.to_string().escape_debug());
            if !h.schedule.is_empty() {
                say!("replay: weft replay {} --scenario {}", h.schedule, h.name.escape_debug());
            }
            Ok(Status::Violated)
        }
    }
}

/// The file at `path`, opened for reading, or a usage error saying why it cannot be.
fn open(path: &Path) -> Result<File, Usage> {
    let cannot =
        |why: String| Usage(format!("cannot read '{}': {why}; give the path of a trace JSON file", path.display()));
    if path.is_dir() {
        return Err(cannot("it is a directory".to_string()));
    }
    File::open(path).map_err(|e| cannot(e.to_string()))
}
