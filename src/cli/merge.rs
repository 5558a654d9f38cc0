//! `weft merge`: the JSON reports of N shards, combined into the unsharded exploration's report.

use super::{Status, Usage};
use std::path::{Path, PathBuf};
use weft::sim::explore::json::ReportFile;
use weft::sim::explore::merge;

/// Reads every file (one report, or an array of them), merges the reports per name in the order
/// the names first appear, and writes the result as `weft explore --format json` would have.
pub fn run(paths: &[PathBuf], output: Option<&Path>) -> Result<Status, Usage> {
    let mut groups: Vec<(String, Vec<ReportFile>)> = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Usage(format!("cannot read '{}': {e}; give the JSON report of each shard", path.display())))?;
        let bad = |e: String| Usage(format!("'{}' is {e}; give the JSON reports of the shards", path.display()));
        let reports: Vec<ReportFile> = match text.trim_start().starts_with('[') {
            true => {
                let values: Vec<serde_json::Value> =
                    serde_json::from_str(&text).map_err(|e| bad(format!("not a weft report ({e})")))?;
                values.iter().map(|v| ReportFile::parse(&v.to_string())).collect::<Result<_, _>>().map_err(bad)?
            }
            false => vec![ReportFile::parse(&text).map_err(bad)?],
        };
        for report in reports {
            match groups.iter_mut().find(|(name, _)| *name == report.name) {
                Some((_, group)) => group.push(report),
                None => groups.push((report.name.clone(), vec![report])),
            }
        }
    }
    let merged = groups
        .iter()
        .map(|(name, group)| merge(group).map_err(|e| Usage(format!("cannot merge the reports of '{name}': {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let failed = merged.iter().any(|r| r.failure.is_some());
    write_reports(&merged, output)?;
    Ok(if failed { Status::Violated } else { Status::Held })
}

/// Writes reports as `weft explore --format json` does: one object, or an array of several.
pub fn write_reports(reports: &[ReportFile], output: Option<&Path>) -> Result<(), Usage> {
    let text = match reports {
        [one] => one.to_json(),
        many => {
            let mut text = serde_json::to_string_pretty(many).expect("reports serialize");
            text.push('\n');
            text
        }
    };
    write_text(&text, output)
}

fn write_text(text: &str, output: Option<&Path>) -> Result<(), Usage> {
    match output {
        Some(path) => std::fs::write(path, text).map_err(|e| {
            Usage(format!("cannot write '{}': {e}; choose a path in a directory that exists", path.display()))
        }),
        None => {
            say!("{}", text.trim_end());
            Ok(())
        }
    }
}
