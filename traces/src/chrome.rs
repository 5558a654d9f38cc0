//! The Chrome trace event rendering, which Perfetto UI (<https://ui.perfetto.dev>) and
//! `chrome://tracing` open: a track per task, slices for holding and waiting, instants for the
//! rest.
//!
//! - Each task is a thread: `tid` is its id, named by `thread_name` metadata and ordered by id.
//! - A slice spans each task's life (spawn to exit); inside it, a slice per resource held
//!   (`Grant` to `Release`), per wait (`Request`/`Wait` to `Grant`/`Resume`/`Abandon`) and per
//!   sleep. Slices on one track must nest; when a task's slices overlap without nesting (it
//!   released two locks out of order), the later one moves to an extra track for that task,
//!   named `<task> (overlap N)`.
//! - Instants mark prints, wakes, notifies, sets, cancels, errors; a violation, when given, is a
//!   global instant.
//! - A flow arrow runs from a task to each task it woke (lock hand-offs, notifies, sets, joins).
//! - Timestamps are virtual time in microseconds; every event also carries its `step`. A run in
//!   which no virtual time passes (every event at 0 s) is laid out by step instead, one step per
//!   millisecond (`ts` 3000 is step 3), as the SVG does; `otherData.axis` says which
//!   (`"virtual-time"` or `"step"`).
//!
//! The JSON is deterministic: the same trace gives the same bytes.

use crate::check::Violation;
use crate::event::Event;
use crate::ids::Time;
use crate::timeline::{Axis, Lane, Timeline};
use crate::trace::Trace;
use serde_json::{json, Map, Value};

/// The process id every track lives in.
const PID: u32 = 1;
/// Extra tracks of a task use `tid = task + OVERLAP_TID * n`.
const OVERLAP_TID: u64 = 1_000_000;

impl Trace {
    /// The trace as Chrome trace events JSON, to open in Perfetto UI or `chrome://tracing`.
    ///
    /// ```
    /// use weft_traces::{Event, Header, Op, Record, ResourceId, ResourceKind, TaskId, Time, Trace};
    /// let t = |secs: u64| Time(secs * 1_000_000_000);
    /// let mut trace = Trace::new(Header::new("demo"));
    /// trace.push(Record::new(0, t(0), Some(TaskId(0)), Event::Spawn { name: "main".into(), parent: None }));
    /// trace.push(Record::new(1, t(0), Some(TaskId(0)), Event::NewResource {
    ///     id: ResourceId(0), kind: ResourceKind::Lock, name: "lock".into(), capacity: Some(1), initial: None, fifo: true,
    /// }));
    /// trace.push(Record::new(1, t(0), Some(TaskId(0)), Event::Resource { id: ResourceId(0), op: Op::Request }));
    /// trace.push(Record::new(1, t(0), Some(TaskId(0)), Event::Resource { id: ResourceId(0), op: Op::Grant }));
    /// trace.push(Record::new(2, t(2), Some(TaskId(0)), Event::Resource { id: ResourceId(0), op: Op::Release }));
    ///
    /// let json: serde_json::Value = serde_json::from_str(&trace.to_chrome_json()).unwrap();
    /// let events = json["traceEvents"].as_array().unwrap();
    /// let hold = events.iter().find(|e| e["name"] == "hold Lock 'lock'").unwrap();
    /// assert_eq!((hold["ph"].as_str(), hold["ts"].as_u64(), hold["dur"].as_u64()), (Some("X"), Some(0), Some(2_000_000)));
    /// ```
    pub fn to_chrome_json(&self) -> String {
        self.to_chrome_json_marking(None)
    }

    /// [`to_chrome_json`](Trace::to_chrome_json), with `violation` (when given) as a global
    /// instant at its virtual time, named after its kind and carrying its message.
    ///
    /// ```
    /// use weft_traces::{Header, Trace, Violation, Time};
    /// let trace = Trace::new(Header::new("demo"));
    /// let v = Violation::livelock(3, Time::ZERO, &[]);
    /// assert!(trace.to_chrome_json_marking(Some(&v)).contains("violation: livelock"));
    /// ```
    pub fn to_chrome_json_marking(&self, violation: Option<&Violation>) -> String {
        let timeline = Timeline::of(self);
        let axis = timeline.axis(violation);
        let mut events = metadata(self, &timeline);
        events.extend(slices(&timeline, axis));
        events.extend(timeline.marks.iter().map(|m| {
            json!({
                "name": m.label,
                "cat": m.kind.name(),
                "ph": "i",
                "s": "t",
                "ts": micros(axis.place(m.time, m.step)),
                "pid": PID,
                "tid": m.task.0,
                "args": { "step": m.step },
            })
        }));
        events.extend(flows(self, axis));
        if let Some(v) = violation {
            events.push(json!({
                "name": format!("violation: {}", v.kind.name()),
                "cat": "violation",
                "ph": "i",
                "s": "g",
                "ts": micros(axis.place(v.time, v.step)),
                "pid": PID,
                "tid": v.task.map_or(0, |t| t.0),
                "args": { "step": v.step, "message": v.message },
            }));
        }
        let h = &self.header;
        let doc = json!({
            "displayTimeUnit": "ms",
            "otherData": {
                "weft_version": h.weft_version,
                "name": h.name,
                "strategy": h.strategy,
                "seed": h.seed,
                "schedule": h.schedule,
                "axis": match axis {
                    Axis::Time => "virtual-time",
                    Axis::Step => "step",
                },
                "time": match axis {
                    Axis::Time => "virtual time in microseconds",
                    Axis::Step => "no virtual time passes in this run: laid out by step, one step per millisecond (ts 3000 is step 3)",
                },
            },
            "traceEvents": events,
        });
        serde_json::to_string_pretty(&doc).expect("a JSON value always serializes")
    }
}

/// Virtual nanoseconds as Chrome's microseconds: an integer when whole.
fn micros(time: Time) -> Value {
    let (whole, rest) = (time.0 / 1000, time.0 % 1000);
    if rest == 0 {
        Value::from(whole)
    } else {
        Value::from(time.0 as f64 / 1000.0)
    }
}

/// A flow arrow per wake-up one task gave another (a lock hand-off, a notify, a set, a join),
/// from the waker's track to the woken task's, at the instant of the wake-up.
fn flows(trace: &Trace, axis: Axis) -> Vec<Value> {
    let mut out = Vec::new();
    let wakes = trace.events.iter().filter_map(|r| match (&r.event, r.task) {
        (Event::Wake { by: Some(by) }, Some(woken)) if *by != woken => Some((r, *by, woken)),
        _ => None,
    });
    for (id, (record, by, woken)) in (1u64..).zip(wakes) {
        let end = |ph: &str, tid: u32| {
            let mut e = json!({
                "name": "wake", "cat": "wake", "ph": ph, "id": id,
                "ts": micros(axis.place(record.time, record.step)), "pid": PID, "tid": tid,
                "args": { "step": record.step },
            });
            if ph == "f" {
                // Bind to the slice that encloses the instant on the woken task's track.
                e["bp"] = "e".into();
            }
            e
        };
        out.push(end("s", by.0));
        out.push(end("f", woken.0));
    }
    out
}

fn metadata(trace: &Trace, timeline: &Timeline) -> Vec<Value> {
    let meta =
        |name: &str, tid: u64, args: Value| json!({ "name": name, "ph": "M", "pid": PID, "tid": tid, "args": args });
    let mut events = vec![meta("process_name", 0, json!({ "name": format!("weft: {}", trace.header.name) }))];
    for lane in &timeline.lanes {
        let tid = u64::from(lane.task.0);
        events.push(meta("thread_name", tid, json!({ "name": lane_name(lane) })));
        events.push(meta("thread_sort_index", tid, json!({ "sort_index": tid * 1000 })));
    }
    events
}

fn lane_name(lane: &Lane) -> String {
    format!("{} {}", lane.name, lane.task)
}

/// One complete (`X`) event before it is given a track.
struct Slice {
    task: u32,
    start: Time,
    end: Time,
    name: String,
    cat: &'static str,
    args: Map<String, Value>,
}

fn slices(timeline: &Timeline, axis: Axis) -> Vec<Value> {
    let mut slices: Vec<Slice> = Vec::new();
    for lane in &timeline.lanes {
        let (end, how) = match (&lane.exit, lane.exit_step) {
            (Some((time, exit)), Some(step)) => (axis.place(*time, step), describe_exit(exit)),
            _ => (axis.place(timeline.end, timeline.last_step), "still running when the trace ended".to_string()),
        };
        let mut args = Map::new();
        args.insert("exit".into(), how.into());
        let start = axis.place(lane.spawned, lane.spawned_step);
        slices.push(Slice { task: lane.task.0, start, end, name: lane.name.clone(), cat: "task", args });
    }
    for span in &timeline.spans {
        let mut args = Map::new();
        args.insert("start_step".into(), span.start_step.into());
        args.insert("end_step".into(), span.end_step.into());
        args.insert("ended_by".into(), span.ended_by.into());
        let name = match span.resource {
            Some(_) => format!("{} {}", span.kind.name(), span.label),
            None => span.label.clone(),
        };
        let (start, end) = (axis.place(span.start, span.start_step), axis.place(span.end, span.end_step));
        slices.push(Slice { task: span.task.0, start, end, name, cat: span.kind.name(), args });
    }
    // Outer slices first: by start, then the longer first; ties keep the order above (the
    // task's life before what happens in it).
    slices.sort_by_key(|s| (s.task, s.start, std::cmp::Reverse(s.end)));
    let tracks = tracks(&slices);
    let mut extra: Vec<(u32, usize)> = Vec::new();
    let mut events: Vec<(Time, std::cmp::Reverse<Time>, u64, Value)> = Vec::new();
    for (slice, track) in slices.into_iter().zip(tracks) {
        let tid = u64::from(slice.task) + OVERLAP_TID * track as u64;
        if track > 0 && !extra.contains(&(slice.task, track)) {
            extra.push((slice.task, track));
        }
        let dur = Time(slice.end.0.saturating_sub(slice.start.0));
        let value = json!({
            "name": slice.name,
            "cat": slice.cat,
            "ph": "X",
            "ts": micros(slice.start),
            "dur": micros(dur),
            "pid": PID,
            "tid": tid,
            "args": slice.args,
        });
        events.push((slice.start, std::cmp::Reverse(slice.end), tid, value));
    }
    events.sort_by_key(|e| (e.0, e.1, e.2));
    let mut out: Vec<Value> = Vec::new();
    for (task, track) in extra {
        let tid = u64::from(task) + OVERLAP_TID * track as u64;
        let lane = timeline.lane_of(crate::ids::TaskId(task)).map(|at| &timeline.lanes[at]);
        let name = lane.map_or_else(|| format!("task #{task}"), lane_name);
        out.push(json!({
            "name": "thread_name", "ph": "M", "pid": PID, "tid": tid,
            "args": { "name": format!("{name} (overlap {track})") },
        }));
        out.push(json!({
            "name": "thread_sort_index", "ph": "M", "pid": PID, "tid": tid,
            "args": { "sort_index": u64::from(task) * 1000 + track as u64 },
        }));
    }
    out.extend(events.into_iter().map(|(_, _, _, v)| v));
    out
}

/// The track of each slice (sorted by task, start, longest first): 0 where it nests in the
/// slices before it, else the first extra track where it does.
fn tracks(slices: &[Slice]) -> Vec<usize> {
    let mut stacks: Vec<Vec<Time>> = Vec::new();
    let mut task = None;
    let mut out = Vec::with_capacity(slices.len());
    for slice in slices {
        if task != Some(slice.task) {
            task = Some(slice.task);
            stacks.clear();
        }
        let mut placed = None;
        for (track, stack) in stacks.iter_mut().enumerate() {
            while stack.last().is_some_and(|&end| end <= slice.start) {
                stack.pop();
            }
            if !matches!(stack.last(), Some(&end) if end < slice.end) {
                stack.push(slice.end);
                placed = Some(track);
                break;
            }
        }
        let track = placed.unwrap_or_else(|| {
            stacks.push(vec![slice.end]);
            stacks.len() - 1
        });
        out.push(track);
    }
    out
}

fn describe_exit(exit: &crate::event::Exit) -> String {
    match exit {
        crate::event::Exit::Returned => "returned".to_string(),
        crate::event::Exit::Cancelled => "cancelled".to_string(),
        crate::event::Exit::Panicked { message, .. } => format!("panicked: {message}"),
    }
}
