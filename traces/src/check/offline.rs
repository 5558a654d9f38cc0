//! Offline checking: the verdict of a stored trace, the same as the online run's, given only
//! once the trace is known to be one weft's executor could have recorded.

use super::consistency::{Consistency, Inconsistency};
use super::{Checker, Invariants, Violation};
use crate::trace::{Header, StreamError, Trace, TraceError};
use std::fmt;
use std::io::Read;

/// Checks a trace weft recorded with every invariant weft checks online, and returns the first
/// violation: the same one (kind, step, time, task, message) the run that recorded the trace
/// stopped at, when that run had its checks on.
///
/// A trace that ends with tasks still ready was cut short by the step budget (livelock); one
/// that ends with tasks blocked is a lost wake-up or a deadlock, judged from the probes the
/// executor recorded at quiescence.
///
/// It trusts the trace: for one read from a file, which may have been edited, cut or written by
/// another tool, use [`judge`] or [`judge_json`], which check its consistency first.
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

/// Checks a trace's consistency ([`super::consistency`]), then its invariants: the first
/// inconsistency, or the verdict [`check`] gives.
///
/// ```
/// use weft_traces::check::judge;
/// use weft_traces::{Event, Exit, Header, Record, TaskId, Time, Trace};
/// let mut trace = Trace::new(Header::new("demo"));
/// let main = Some(TaskId(0));
/// trace.push(Record::new(0, Time::ZERO, main, Event::Spawn { name: "main".into(), parent: None }));
/// trace.push(Record::new(1, Time::ZERO, main, Event::Poll));
/// trace.push(Record::new(1, Time::ZERO, main, Event::Exit { exit: Exit::Returned }));
/// assert_eq!(judge(&trace), Ok(None));
/// trace.push(Record::new(1, Time::ZERO, main, Event::Suspend)); // after its exit
/// assert_eq!(judge(&trace).unwrap_err().record, Some(3));
/// ```
pub fn judge(trace: &Trace) -> Result<Option<Violation>, Inconsistency> {
    super::consistency::consistency(trace)?;
    Ok(check(trace))
}

/// The verdict on a stored trace read by [`judge_json`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Judged {
    /// The trace's header.
    pub header: Header,
    /// How many records it holds.
    pub events: usize,
    /// The first violation, if an invariant broke.
    pub violation: Option<Violation>,
}

/// Why [`judge_json`] gave no verdict.
#[derive(Debug)]
pub enum JudgeError {
    /// The input is not a weft trace's JSON (or could not be read).
    Read(TraceError),
    /// The trace is not one weft's executor could have recorded.
    Inconsistent(Inconsistency),
}

impl fmt::Display for JudgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JudgeError::Read(e) => e.fmt(f),
            JudgeError::Inconsistent(e) => write!(
                f,
                "not a consistent weft trace: {e}; weft judges only traces as its executor records them (was the file edited, cut, or written by another tool?)"
            ),
        }
    }
}

impl std::error::Error for JudgeError {}

/// Reads a stored trace's JSON one record at a time and judges it: every record is checked for
/// consistency, then shown to the invariants, so a file of any size is read in memory
/// proportional to its largest record (and to its number of tasks and resources), not to the
/// whole file. Give it a `BufReader`.
///
/// `header` checks what only the caller can: `weft-sim` passes `weft_sim::check_header`, which
/// parses the header's strategy and schedule strings. The first inconsistency in the header or
/// any record is the answer, even after a violation was found; otherwise the verdict is the one
/// [`check`] gives on the whole trace.
///
/// ```
/// use weft_traces::check::{judge_json, JudgeError};
/// use weft_traces::{Event, Exit, Header, Record, TaskId, Time, Trace};
/// let mut trace = Trace::new(Header::new("demo"));
/// let main = Some(TaskId(0));
/// trace.push(Record::new(0, Time::ZERO, main, Event::Spawn { name: "main".into(), parent: None }));
/// trace.push(Record::new(1, Time::ZERO, main, Event::Poll));
/// trace.push(Record::new(1, Time::ZERO, main, Event::Exit { exit: Exit::Returned }));
/// let judged = judge_json(trace.to_json().as_bytes(), |_| Ok(())).unwrap();
/// assert_eq!((judged.events, judged.violation), (3, None));
///
/// trace.push(trace.events[1].clone()); // a poll after the exit
/// let Err(JudgeError::Inconsistent(e)) = judge_json(trace.to_json().as_bytes(), |_| Ok(())) else { panic!() };
/// assert_eq!(e.record, Some(3));
/// ```
pub fn judge_json<R: Read>(
    reader: R,
    mut header: impl FnMut(&Header) -> Result<(), Inconsistency>,
) -> Result<Judged, JudgeError> {
    let mut consistency = Consistency::new();
    let mut invariants = Invariants::new();
    let mut violation = None;
    let mut seen = None;
    let read = Trace::stream(
        reader,
        |h| {
            header(&h)?;
            seen = Some(h);
            Ok(())
        },
        |record| {
            consistency.observe(&record)?;
            if violation.is_none() {
                violation = invariants.observe(&record);
            }
            Ok(())
        },
    );
    match read {
        Err(StreamError::Json(e)) => return Err(JudgeError::Read(e)),
        Err(StreamError::Stopped(e)) => return Err(JudgeError::Inconsistent(e)),
        Ok(()) => {}
    }
    let header = seen.ok_or_else(|| JudgeError::Read(TraceError::missing("header")))?;
    if violation.is_none() {
        violation = invariants.finish();
    }
    Ok(Judged { header, events: consistency.records(), violation })
}
