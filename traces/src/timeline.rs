//! A trace read as a timeline: per task, the intervals it held or waited for a resource or slept,
//! and the instants something happened to it. The pictures ([`Trace::to_chrome_json`],
//! [`Trace::to_svg`]) both draw from this one reading, so they always agree.
//!
//! Pairing rules, in the order the events come:
//!
//! - a *wait* opens at `Request` or `Wait` and closes at the same task's `Grant`, `Resume` or
//!   `Abandon` on the same resource, or when the task ends; a request granted within the same
//!   step (asyncio's fast path) never waited and makes no wait;
//! - a *hold* opens at `Grant` and closes at a `Release` of that resource: the releasing task's
//!   own hold if it has one, else the oldest open hold (asyncio lets any task release a Lock or a
//!   Semaphore); a hold still open when the trace ends is drawn to the end and marked open;
//! - a *sleep* runs from `Sleep` to its deadline, cut short if the task ends first; one still
//!   pending when the trace ends is drawn to the end and marked open (the axis ends with the
//!   last event, not with a deadline nobody reached).
//!
//! [`Trace::to_chrome_json`]: crate::Trace::to_chrome_json
//! [`Trace::to_svg`]: crate::Trace::to_svg

use crate::check::Violation;
use crate::event::{Event, Exit, Op};
use crate::ids::{ResourceId, TaskId, Time};
use crate::text::{describe, Names};
use crate::trace::Trace;
use std::collections::BTreeMap;

/// What a span shows a task doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum SpanKind {
    /// Holding a unit of a resource (Grant to Release).
    Hold,
    /// Waiting on a resource (Request/Wait to Grant/Resume/Abandon).
    Wait,
    /// Sleeping on a timer.
    Sleep,
}

impl SpanKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            SpanKind::Hold => "hold",
            SpanKind::Wait => "wait",
            SpanKind::Sleep => "sleep",
        }
    }
}

/// An interval of one task's life.
#[derive(Clone, Debug)]
pub(crate) struct Span {
    pub task: TaskId,
    pub kind: SpanKind,
    /// The resource held or waited on (`None` for a sleep).
    pub resource: Option<ResourceId>,
    /// A short label: the resource's name, or "sleep".
    pub label: String,
    pub start: Time,
    pub end: Time,
    pub start_step: u64,
    pub end_step: u64,
    /// How it ended: "release", "grant", "resume", "abandon", "task ended", "timer", or "open"
    /// when the trace ended first.
    pub ended_by: &'static str,
}

/// What an instant shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum MarkKind {
    /// A line the program printed.
    Print,
    /// A line the program logged through `tracing`.
    Log,
    /// The task was made ready.
    Woken,
    /// The task, through a resource, woke another task.
    Wake,
    /// A notify, set, clear or other operation on a resource.
    Signal,
    /// Cancellation was requested.
    Cancel,
    /// The strategy injected a fault (a cancellation, an early timeout, a spurious poll, a
    /// forced yield).
    Fault,
    /// An operation refused as misuse, or a panic.
    Error,
}

impl MarkKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            MarkKind::Print => "print",
            MarkKind::Log => "log",
            MarkKind::Woken => "woken",
            MarkKind::Wake => "wake",
            MarkKind::Signal => "signal",
            MarkKind::Cancel => "cancel",
            MarkKind::Fault => "fault",
            MarkKind::Error => "error",
        }
    }
}

/// An instant on one task's lane.
#[derive(Clone, Debug)]
pub(crate) struct Mark {
    pub task: TaskId,
    pub kind: MarkKind,
    pub time: Time,
    pub step: u64,
    /// The event in words.
    pub label: String,
}

/// A task's lane: who it is and when it lived.
#[derive(Clone, Debug)]
pub(crate) struct Lane {
    pub task: TaskId,
    pub name: String,
    pub spawned: Time,
    pub spawned_step: u64,
    /// When and how it ended (`None`: still alive when the trace ended).
    pub exit: Option<(Time, Exit)>,
    /// The step it ended in (the last step while it is still alive).
    pub exit_step: Option<u64>,
}

/// A trace as lanes, spans and marks.
#[derive(Clone, Debug, Default)]
pub(crate) struct Timeline {
    /// One per task, in task id order.
    pub lanes: Vec<Lane>,
    /// In the order they opened.
    pub spans: Vec<Span>,
    /// In trace order.
    pub marks: Vec<Mark>,
    /// The virtual instant of the last event.
    pub end: Time,
    /// The last step.
    pub last_step: u64,
}

impl Timeline {
    /// Reads `trace` as a timeline.
    pub(crate) fn of(trace: &Trace) -> Timeline {
        Reader::default().read(trace)
    }

    /// The lane of `task` (lanes are kept in task id order).
    pub(crate) fn lane_of(&self, task: TaskId) -> Option<usize> {
        self.lanes.binary_search_by_key(&task, |l| l.task).ok()
    }

    fn lane_mut(&mut self, task: TaskId) -> Option<&mut Lane> {
        let at = self.lane_of(task)?;
        self.lanes.get_mut(at)
    }

    /// The axis to draw it against: virtual time, unless no virtual time passes in the run (nor
    /// at `violation`), when every event would sit at 0; then steps.
    pub(crate) fn axis(&self, violation: Option<&Violation>) -> Axis {
        let end = violation.map_or(self.end, |v| self.end.max(v.time));
        if end == Time::ZERO {
            Axis::Step
        } else {
            Axis::Time
        }
    }
}

/// What a picture's horizontal axis measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Axis {
    /// Virtual time: the picture of a run that sleeps.
    Time,
    /// Steps: for a run that takes no virtual time at all, which would otherwise be one column.
    Step,
}

impl Axis {
    /// Where something that happened at virtual `time` during `step` sits on this axis, as a
    /// virtual instant: `time` itself, or, by step, one millisecond per step.
    pub(crate) fn place(self, time: Time, step: u64) -> Time {
        match self {
            Axis::Time => time,
            Axis::Step => Time(step.saturating_mul(1_000_000)),
        }
    }
}

#[derive(Default)]
struct Reader {
    names: Names,
    timeline: Timeline,
    /// Open spans: index into `timeline.spans`, with their end not yet known.
    open: Vec<usize>,
    /// Open waits by (task, resource).
    waits: BTreeMap<(TaskId, ResourceId), usize>,
}

impl Reader {
    fn read(mut self, trace: &Trace) -> Timeline {
        for record in &trace.events {
            self.names.learn(record);
            self.timeline.end = self.timeline.end.max(record.time);
            self.timeline.last_step = self.timeline.last_step.max(record.step);
            let Some(task) = record.task else { continue };
            self.event(task, record.step, record.time, &record.event);
        }
        let (end, last_step) = (self.timeline.end, self.timeline.last_step);
        for index in std::mem::take(&mut self.open) {
            let span = &mut self.timeline.spans[index];
            if span.kind == SpanKind::Sleep && span.end <= end {
                span.ended_by = "timer";
                continue;
            }
            span.end = end;
            span.end_step = last_step;
            span.ended_by = "open";
        }
        self.timeline
    }

    fn event(&mut self, task: TaskId, step: u64, time: Time, event: &Event) {
        let mark = |kind, label: String| Mark { task, kind, time, step, label };
        match event {
            Event::Spawn { name, .. } => {
                let lane =
                    Lane { task, name: name.clone(), spawned: time, spawned_step: step, exit: None, exit_step: None };
                let lanes = &mut self.timeline.lanes;
                match lanes.binary_search_by_key(&task, |l| l.task) {
                    Ok(at) => lanes[at] = lane,
                    Err(at) => lanes.insert(at, lane),
                }
            }
            Event::Sleep { until } => {
                let until = (*until).max(time);
                self.open_span(task, SpanKind::Sleep, None, "sleep".to_string(), step, time);
                let index = self.timeline.spans.len() - 1;
                self.timeline.spans[index].end = until;
            }
            Event::Exit { exit } => self.exit(task, step, time, exit),
            Event::Print { text } => self.timeline.marks.push(mark(MarkKind::Print, text.clone())),
            Event::Log { .. } => {
                let label = describe(event, &self.names);
                self.timeline.marks.push(mark(MarkKind::Log, label.trim_start_matches("~ ").to_string()));
            }
            Event::Wake { .. } => {
                let label = describe(event, &self.names);
                self.timeline.marks.push(mark(MarkKind::Woken, label));
            }
            Event::Cancel { .. } => {
                let label = describe(event, &self.names);
                self.timeline.marks.push(mark(MarkKind::Cancel, label));
            }
            Event::Fault { .. } => {
                let label = describe(event, &self.names);
                self.timeline.marks.push(mark(MarkKind::Fault, label));
            }
            Event::Resource { id, op } => self.op(task, step, time, *id, op, event),
            Event::TimerFired => self.timer_fired(task, step, time),
            Event::Poll | Event::Suspend | Event::NewResource { .. } | Event::Join { .. } => {}
        }
    }

    fn op(&mut self, task: TaskId, step: u64, time: Time, id: ResourceId, op: &Op, event: &Event) {
        let label = self.names.resource(id);
        match op {
            Op::Request | Op::Wait => {
                self.close_wait(task, id, step, time, "reissued");
                self.open_span(task, SpanKind::Wait, Some(id), label, step, time);
                self.waits.insert((task, id), self.timeline.spans.len() - 1);
            }
            Op::Grant => {
                self.close_wait(task, id, step, time, "grant");
                self.open_span(task, SpanKind::Hold, Some(id), label, step, time);
            }
            Op::Resume => self.close_wait(task, id, step, time, "resume"),
            Op::Abandon => self.close_wait(task, id, step, time, "abandon"),
            Op::Release => {
                if !self.close_hold(task, id, step, time) {
                    let label = format!("{}: release with no holder", label);
                    self.push_mark(task, MarkKind::Error, time, step, label);
                }
            }
            other => {
                let kind = match other {
                    Op::Wake { .. } => MarkKind::Wake,
                    Op::Misuse { .. } => MarkKind::Error,
                    _ => MarkKind::Signal,
                };
                let label = describe(event, &self.names);
                self.push_mark(task, kind, time, step, label);
            }
        }
    }

    /// Ends the task's earliest open sleep due by `time`.
    fn timer_fired(&mut self, task: TaskId, step: u64, time: Time) {
        let spans = &self.timeline.spans;
        let due = self.open.iter().position(|&i| {
            let span = &spans[i];
            span.task == task && span.kind == SpanKind::Sleep && span.end <= time
        });
        if let Some(at) = due {
            let span = &mut self.timeline.spans[self.open.remove(at)];
            span.end_step = step;
            span.ended_by = "timer";
        }
    }

    fn push_mark(&mut self, task: TaskId, kind: MarkKind, time: Time, step: u64, label: String) {
        self.timeline.marks.push(Mark { task, kind, time, step, label });
    }

    fn open_span(
        &mut self,
        task: TaskId,
        kind: SpanKind,
        resource: Option<ResourceId>,
        label: String,
        step: u64,
        time: Time,
    ) {
        self.open.push(self.timeline.spans.len());
        self.timeline.spans.push(Span {
            task,
            kind,
            resource,
            label,
            start: time,
            end: time,
            start_step: step,
            end_step: step,
            ended_by: "open",
        });
    }

    /// Closes the open span at `index` into `self.open`.
    fn close(&mut self, open_index: usize, step: u64, time: Time, ended_by: &'static str) {
        let span = &mut self.timeline.spans[self.open.remove(open_index)];
        span.end = time;
        span.end_step = step;
        span.ended_by = ended_by;
    }

    fn close_wait(&mut self, task: TaskId, id: ResourceId, step: u64, time: Time, how: &'static str) {
        let Some(index) = self.waits.remove(&(task, id)) else {
            return;
        };
        let Some(at) = self.open.iter().position(|&i| i == index) else {
            return;
        };
        let fast_path = how == "grant" && self.timeline.spans[index].start_step == step;
        if fast_path && index + 1 == self.timeline.spans.len() {
            // Granted within the step that asked: asyncio's fast path, no waiting happened.
            self.open.remove(at);
            self.timeline.spans.pop();
            return;
        }
        self.close(at, step, time, how);
    }

    /// Closes the releasing task's own hold on `id`, else the oldest open hold on it.
    fn close_hold(&mut self, task: TaskId, id: ResourceId, step: u64, time: Time) -> bool {
        let spans = &self.timeline.spans;
        let holds = |i: &usize| spans[*i].kind == SpanKind::Hold && spans[*i].resource == Some(id);
        let own = self.open.iter().position(|i| holds(i) && spans[*i].task == task);
        let Some(at) = own.or_else(|| self.open.iter().position(holds)) else {
            return false;
        };
        self.close(at, step, time, "release");
        true
    }

    fn exit(&mut self, task: TaskId, step: u64, time: Time, exit: &Exit) {
        if let Some(lane) = self.timeline.lane_mut(task) {
            lane.exit = Some((time, exit.clone()));
            lane.exit_step = Some(step);
        }
        // Its waits and sleeps end with it; what it holds stays held until someone releases it.
        let mut at = 0;
        while at < self.open.len() {
            let span = &self.timeline.spans[self.open[at]];
            if span.task != task || span.kind == SpanKind::Hold {
                at += 1;
                continue;
            }
            if span.kind == SpanKind::Sleep {
                let index = self.open.remove(at);
                let span = &mut self.timeline.spans[index];
                if span.end > time {
                    span.end = time;
                    span.end_step = step;
                    span.ended_by = "task ended";
                } else {
                    span.ended_by = "timer";
                }
                continue;
            }
            if let Some(id) = span.resource {
                self.waits.remove(&(task, id));
            }
            self.close(at, step, time, "task ended");
        }
        match exit {
            Exit::Panicked { message, .. } => {
                let label = format!("panicked: {message}");
                self.push_mark(task, MarkKind::Error, time, step, label);
            }
            Exit::Cancelled => {
                self.push_mark(task, MarkKind::Cancel, time, step, "cancelled".to_string());
            }
            Exit::Returned => {}
        }
    }
}
