//! Offline checking: the verdict of a stored trace, the same as the online run's.

use super::{Checker, Invariants, Violation};
use crate::trace::Trace;

/// Checks a stored trace with every invariant weft checks online, and returns the first
/// violation: the same one (kind, step, time, task, message) the run that recorded the trace
/// stopped at, when that run had its checks on.
///
/// A trace that ends with tasks still ready was cut short by the step budget (livelock); one
/// that ends with tasks blocked is a lost wake-up or a deadlock, judged from the probes the
/// executor recorded at quiescence.
///
/// ```
/// use weft_traces::{check, Event, Exit, Header, Record, TaskId, Time, Trace, ViolationKind};
///
/// let mut trace = Trace::new(Header::new("demo"));
/// let main = Some(TaskId(0));
/// trace.push(Record::new(0, Time::ZERO, main, Event::Spawn { name: "main".into(), parent: None }));
/// trace.push(Record::new(1, Time::ZERO, main, Event::Poll));
/// trace.push(Record::new(1, Time::ZERO, main, Event::Exit { exit: Exit::Returned }));
/// assert_eq!(check(&trace), None);
///
/// trace.events.pop();
/// trace.push(Record::new(1, Time::ZERO, main, Event::Exit { exit: Exit::Panicked { message: "boom".into(), location: None } }));
/// assert_eq!(check(&trace).unwrap().kind, ViolationKind::Panic);
/// ```
pub fn check(trace: &Trace) -> Option<Violation> {
    let mut checker = Invariants::new();
    for record in &trace.events {
        if let Some(v) = checker.observe(record) {
            return Some(v);
        }
    }
    checker.finish()
}
