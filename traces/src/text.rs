//! The text rendering: one line per event, made for reading and for insta snapshots.

use crate::event::{Event, Exit, Fault, Op, Record, ResourceKind};
use crate::ids::{ResourceId, TaskId};
use crate::trace::Trace;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Names of tasks and resources, learned from `Spawn` and `NewResource` events. Kept by id in
/// maps, so that a stored trace naming task 4294967295 costs one entry, not a table that long.
#[derive(Default)]
pub(crate) struct Names {
    tasks: BTreeMap<TaskId, String>,
    resources: BTreeMap<ResourceId, (ResourceKind, String)>,
}

impl Names {
    pub(crate) fn learn(&mut self, record: &Record) {
        match (&record.event, record.task) {
            (Event::Spawn { name, .. }, Some(task)) => {
                self.tasks.insert(task, name.clone());
            }
            (Event::NewResource { id, kind, name, .. }, _) => {
                self.resources.insert(*id, (*kind, name.clone()));
            }
            _ => {}
        }
    }

    pub(crate) fn task(&self, task: TaskId) -> String {
        match self.tasks.get(&task) {
            Some(name) if !name.is_empty() => name.clone(),
            _ => format!("task{}", task.0),
        }
    }

    pub(crate) fn resource(&self, id: ResourceId) -> String {
        match self.resources.get(&id) {
            Some((kind, name)) => format!("{} '{}'", kind.name(), name),
            None => format!("resource {id}"),
        }
    }
}

impl Trace {
    /// Renders the trace as text: a header, then `step  time  task  event` per line.
    ///
    /// The header names the run, its strategy, seed and schedule, not the weft version (which the
    /// JSON keeps): a golden snapshot of the text changes when the run does, not at each release.
    ///
    /// ```
    /// use weft_traces::{Event, Header, Record, TaskId, Time, Trace};
    /// let mut trace = Trace::new(Header::new("demo"));
    /// trace.push(Record::new(0, Time::ZERO, Some(TaskId(0)), Event::Spawn { name: "main".into(), parent: None }));
    /// let text = trace.to_text();
    /// assert!(text.starts_with("# weft | demo | strategy fifo | seed 0\n"));
    /// assert!(text.lines().any(|l| l.contains("main") && l.contains("spawn")));
    /// ```
    pub fn to_text(&self) -> String {
        let h = &self.header;
        let mut out = format!("# weft | {} | strategy {} | seed {}\n", h.name, h.strategy, h.seed);
        if !h.schedule.is_empty() {
            let _ = writeln!(out, "# schedule {}", h.schedule);
        }
        let mut names = Names::default();
        for record in &self.events {
            names.learn(record);
            let task = record.task.map(|t| names.task(t)).unwrap_or_else(|| "-".to_string());
            let _ = writeln!(
                out,
                "{:>5} {:>9}  {:<14} {}",
                record.step,
                record.time.to_string(),
                task,
                describe(&record.event, &names)
            );
        }
        out
    }
}

/// One event in words.
pub(crate) fn describe(event: &Event, names: &Names) -> String {
    let by = |by: &Option<TaskId>| by.map(|t| names.task(t)).unwrap_or_else(|| "executor".to_string());
    match event {
        Event::Spawn { name, parent } => match parent {
            Some(p) => format!("spawn '{name}' (by {})", names.task(*p)),
            None => format!("spawn '{name}'"),
        },
        Event::Poll => "poll".to_string(),
        Event::Suspend => "suspend".to_string(),
        Event::Wake { by: b } => format!("woken by {}", by(b)),
        Event::Sleep { until } => format!("sleep until {until}"),
        Event::Join { target } => format!("waits for {} to finish", names.task(*target)),
        Event::TimerFired => "timer fired".to_string(),
        Event::Cancel { by: b } => format!("cancel requested by {}", by(b)),
        Event::Exit { exit: Exit::Returned } => "returned".to_string(),
        Event::Exit { exit: Exit::Cancelled } => "cancelled".to_string(),
        Event::Exit { exit: Exit::Panicked { message, .. } } => format!("panicked: {message}"),
        Event::Print { text } => format!("| {text}"),
        Event::Log { level, target, spans, message } => match spans.is_empty() {
            true => format!("~ {level} {target}: {message}"),
            false => format!("~ {level} {target} [{}]: {message}", spans.join(" > ")),
        },
        Event::NewResource { id, kind, name, capacity, initial, fifo } => {
            let cap = capacity.map(|c| format!(", capacity {c}")).unwrap_or_default();
            let initial = initial.map(|i| format!(", initial {i}")).unwrap_or_default();
            let fifo = if *fifo { ", fifo" } else { "" };
            format!("new {} '{name}' ({id}{cap}{initial}{fifo})", kind.name())
        }
        Event::Resource { id, op } => {
            format!("{}: {}", names.resource(*id), describe_op(op, names))
        }
        Event::Fault { fault } => match fault {
            Fault::Cancel { task } => format!("FAULT: cancel {}", names.task(*task)),
            Fault::SpuriousPoll { task } => format!("FAULT: spurious poll of {}", names.task(*task)),
            Fault::FireTimeout { task } => format!("FAULT: fire the timeout of {} early", names.task(*task)),
            Fault::ForceYield => "FAULT: forced yield at a fast path".to_string(),
        },
    }
}

fn describe_op(op: &Op, names: &Names) -> String {
    match op {
        Op::Wake { waiter } => format!("wake {}", names.task(*waiter)),
        Op::Notify { requested, woken } => format!("notify({requested}) woke {woken}"),
        Op::Arrive { index } => format!("arrive, index {index}"),
        Op::Put { size } => format!("put, size {size}"),
        Op::Get { size } => format!("get, size {size}"),
        Op::Shutdown { immediate } => format!("shutdown(immediate={immediate})"),
        Op::Misuse { message } => format!("error: {message}"),
        other => other.name().to_string(),
    }
}
