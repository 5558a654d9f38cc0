//! Deadlock reports: at quiescence, with no lost wake-up found, every blocked task with what it
//! waits for, who holds that, and the wait-for cycles among them.

use super::resources::Model;
use super::{Rule, Violation, ViolationKind};
use crate::event::Record;
use crate::ids::TaskId;
use std::collections::BTreeMap;

/// The deadlock violation for the blocked tasks of `model` (which knows from the trace's `Join`
/// events which task each one awaits the end of).
pub(crate) fn report(model: &Model, record: &Record) -> Violation {
    let blocked = model.unfinished();
    let mut lines = Vec::new();
    let mut edges: BTreeMap<TaskId, Vec<TaskId>> = BTreeMap::new();
    for &task in &blocked {
        let mut waits = Vec::new();
        for r in &model.resources {
            let Some(p) = r.pending_of(task) else {
                continue;
            };
            let what = if r.requests.iter().any(|q| q.task == task) {
                let r_name = r.describe();
                let holders: Vec<String> = r.holders.iter().map(|h| model.task(*h)).collect();
                edges.entry(task).or_default().extend(r.holders.iter().filter(|h| **h != task));
                if r.holders.contains(&task) {
                    format!("waits on {r_name}, which it already holds")
                } else if holders.is_empty() {
                    format!("waits on {r_name}, held by nobody")
                } else {
                    format!("waits on {r_name}, held by {}", holders.join(", "))
                }
            } else {
                format!("waits on {}", r.describe())
            };
            waits.push(format!("{what} (since step {})", p.step));
        }
        if let Some(other) = model.tasks[task.index()].joining {
            edges.entry(task).or_default().push(other);
            waits.push(format!("waits for task {} to finish", model.task(other)));
        }
        if waits.is_empty() {
            waits.push(
                "is suspended on something outside weft's resources (a join, a channel, an unmarked foreign primitive)"
                    .to_string(),
            );
        }
        lines.push(format!("  {} {}", model.task(task), waits.join("; ")));
    }
    let mut message = format!(
        "{} task(s) blocked with nothing ready and no timer pending, and none could progress:\n{}",
        blocked.len(),
        lines.join("\n")
    );
    let cycle = find_cycle(&edges);
    if let Some(cycle) = &cycle {
        let names: Vec<String> = cycle.iter().map(|t| model.task(*t)).collect();
        message.push_str(&format!("\nwait-for cycle: {}", names.join(" -> ")));
    }
    Violation::at(record, ViolationKind::Deadlock, Rule::Deadlock, None, message).about(None)
}

/// The first cycle of the wait-for graph (depth-first from the lowest task id, edges in order),
/// closed (first == last).
fn find_cycle(edges: &BTreeMap<TaskId, Vec<TaskId>>) -> Option<Vec<TaskId>> {
    let mut done: Vec<TaskId> = Vec::new();
    for &start in edges.keys() {
        let mut path = Vec::new();
        if let Some(cycle) = visit(edges, start, &mut path, &mut done) {
            return Some(cycle);
        }
    }
    None
}

fn visit(
    edges: &BTreeMap<TaskId, Vec<TaskId>>,
    at: TaskId,
    path: &mut Vec<TaskId>,
    done: &mut Vec<TaskId>,
) -> Option<Vec<TaskId>> {
    if let Some(i) = path.iter().position(|t| *t == at) {
        let mut cycle = path[i..].to_vec();
        cycle.push(at);
        return Some(cycle);
    }
    if done.contains(&at) {
        return None;
    }
    path.push(at);
    for &next in edges.get(&at).into_iter().flatten() {
        if let Some(cycle) = visit(edges, next, path, done) {
            return Some(cycle);
        }
    }
    path.pop();
    done.push(at);
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cycle_behind_a_first_edge_that_leads_nowhere_is_found() {
        // #1 waits on a semaphore held by #2 and #3; #2 waits on nothing; #3 waits on #1.
        let edges = BTreeMap::from([(TaskId(1), vec![TaskId(2), TaskId(3)]), (TaskId(3), vec![TaskId(1)])]);
        assert_eq!(find_cycle(&edges), Some(vec![TaskId(1), TaskId(3), TaskId(1)]));
    }

    #[test]
    fn no_cycle_in_a_chain() {
        let edges = BTreeMap::from([(TaskId(0), vec![TaskId(1)]), (TaskId(1), vec![TaskId(2)])]);
        assert_eq!(find_cycle(&edges), None);
    }
}
