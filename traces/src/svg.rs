//! The SVG timeline: one picture of one run, readable without any tool but a browser.
//!
//! A lane per task against virtual time. In each lane, from top to bottom: marks for what
//! happened at an instant (prints, wake-ups, notifies and sets, cancels, injected faults,
//! errors; hover one for its words), bars for waiting on a resource (light, dashed), bars for
//! holding one (solid, a colour per resource, labelled when wide enough) and a thin bar per
//! sleep. The legend shows each resource's hold and wait swatches in the style of its bars. A
//! violation, when given, is a red line across every lane at its instant, with its message below
//! the lanes. A run in which no virtual time passes is laid out by step instead, so that it is
//! not one column. The file is self-contained (no scripts, no fonts but the generic `sans-serif`) and
//! deterministic: the same trace gives the same bytes.

use crate::check::Violation;
use crate::event::Exit;
use crate::ids::{ResourceId, Time};
use crate::timeline::{Axis, Lane, Mark, MarkKind, Span, SpanKind, Timeline};
use crate::trace::Trace;
use std::collections::BTreeMap;
use std::fmt::Write;

const WIDTH: f64 = 1000.0;
const LABEL_W: f64 = 180.0;
const RIGHT: f64 = 40.0;
const TOP: f64 = 84.0;
const LANE_H: f64 = 58.0;
/// Bars shorter than this (in pixels) are drawn this wide, so instants stay visible.
const MIN_BAR: f64 = 3.0;
/// Marks at the same lane and instant are spread this far apart.
const MARK_GAP: f64 = 8.0;
/// How many lines of a violation's message are shown under the lanes.
const NOTE_LINES: usize = 6;
/// Characters per line of that message.
const NOTE_WIDTH: usize = 150;
const FONT: &str = "font-family=\"sans-serif\"";
/// One colour per resource, by id (cycling).
const PALETTE: [&str; 8] = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#e15759", "#76b7b2", "#edc948", "#9c755f"];

impl Trace {
    /// The trace as a self-contained SVG timeline: a lane per task against virtual time.
    ///
    /// ```
    /// use weft_traces::{Event, Header, Record, TaskId, Time, Trace};
    /// let mut trace = Trace::new(Header::new("demo"));
    /// trace.push(Record::new(0, Time::ZERO, Some(TaskId(0)), Event::Spawn { name: "main".into(), parent: None }));
    /// trace.push(Record::new(1, Time(2_000_000_000), Some(TaskId(0)), Event::Print { text: "hi".into() }));
    /// let svg = trace.to_svg();
    /// assert!(svg.starts_with("<svg"));
    /// assert!(svg.contains(">main</text>"));
    /// ```
    pub fn to_svg(&self) -> String {
        self.to_svg_marking(None)
    }

    /// [`to_svg`](Trace::to_svg), with the violating instant marked when `violation` is given.
    ///
    /// ```
    /// use weft_traces::{Header, Trace, Violation, Time};
    /// let trace = Trace::new(Header::new("demo"));
    /// let v = Violation::panic(3, Time::ZERO, weft_traces::TaskId(0), "main", "boom", None);
    /// assert!(trace.to_svg_marking(Some(&v)).contains("panic at step 3"));
    /// ```
    pub fn to_svg_marking(&self, violation: Option<&Violation>) -> String {
        Canvas::new(self, violation).draw()
    }
}

struct Canvas<'a> {
    trace: &'a Trace,
    axis: Axis,
    timeline: Timeline,
    violation: Option<&'a Violation>,
    out: String,
}

impl<'a> Canvas<'a> {
    fn new(trace: &'a Trace, violation: Option<&'a Violation>) -> Canvas<'a> {
        let mut timeline = Timeline::of(trace);
        let axis = timeline.axis(violation);
        if let Some(v) = violation {
            timeline.end = timeline.end.max(v.time);
        }
        Canvas { trace, axis, timeline, violation, out: String::new() }
    }

    fn height(&self) -> f64 {
        let notes = self.notes_height();
        TOP + LANE_H * self.timeline.lanes.len().max(1) as f64 + 50.0 + notes + self.key_height()
    }

    /// Room under the lanes for the violation's message.
    fn notes_height(&self) -> f64 {
        match self.violation {
            None => 0.0,
            Some(v) => 14.0 * wrap(&v.message, NOTE_WIDTH).len().clamp(1, NOTE_LINES) as f64 + 8.0,
        }
    }

    /// The x of what happened at virtual `time` in `step`: by time, or by step when the whole
    /// run takes no virtual time.
    fn x(&self, time: Time, step: u64) -> f64 {
        let chart = WIDTH - LABEL_W - RIGHT;
        let (at, end) = match self.axis {
            Axis::Time => (time.0, self.timeline.end.0),
            Axis::Step => (step, self.timeline.last_step),
        };
        if end == 0 {
            return LABEL_W;
        }
        LABEL_W + chart * (at as f64 / end as f64)
    }

    fn lane_y(&self, lane: usize) -> f64 {
        TOP + LANE_H * lane as f64
    }

    fn lane_of(&self, task: crate::ids::TaskId) -> Option<usize> {
        self.timeline.lane_of(task)
    }

    fn draw(mut self) -> String {
        let height = self.height();
        let _ = writeln!(
            self.out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" {FONT} font-size=\"12\">"
        );
        let _ = writeln!(self.out, "<rect x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"{height}\" fill=\"#ffffff\"/>");
        self.header();
        self.axis();
        let lanes = self.timeline.lanes.clone();
        for (i, lane) in lanes.iter().enumerate() {
            self.lane(i, lane);
        }
        let spans = self.timeline.spans.clone();
        for span in &spans {
            self.span(span);
        }
        self.violation_line();
        self.marks();
        self.legend();
        self.out.push_str("</svg>\n");
        self.out
    }

    fn header(&mut self) {
        let h = &self.trace.header;
        let title = format!("{} (strategy {}, seed {})", h.name, h.strategy, h.seed);
        let mut sub = format!(
            "{} tasks, {} steps, {} virtual",
            self.timeline.lanes.len(),
            self.timeline.last_step,
            self.timeline.end
        );
        if self.axis == Axis::Step {
            sub.push_str(" (no virtual time passes: laid out by step)");
        }
        let _ = writeln!(
            self.out,
            "<text x=\"12\" y=\"22\" font-size=\"16\" font-weight=\"bold\">{}</text>",
            escape(&title)
        );
        let _ = writeln!(self.out, "<text x=\"12\" y=\"40\" fill=\"#555555\">{}</text>", escape(&sub));
    }

    fn axis(&mut self) {
        let bottom = self.lane_y(self.timeline.lanes.len().max(1));
        let y = TOP - 8.0;
        let (x0, x1) = (LABEL_W, WIDTH - RIGHT);
        let _ = writeln!(self.out, "<line x1=\"{x0}\" y1=\"{y}\" x2=\"{x1}\" y2=\"{y}\" stroke=\"#888888\"/>");
        let (end, name) = match self.axis {
            Axis::Time => (self.timeline.end.0, "virtual time"),
            Axis::Step => (self.timeline.last_step, "step"),
        };
        for tick in ticks(end) {
            let (x, label) = match self.axis {
                Axis::Time => (self.x(Time(tick), 0), seconds(Time(tick))),
                Axis::Step => (self.x(Time::ZERO, tick), tick.to_string()),
            };
            let _ =
                writeln!(self.out, "<line x1=\"{x:.1}\" y1=\"{y}\" x2=\"{x:.1}\" y2=\"{bottom}\" stroke=\"#e4e4e4\"/>");
            let _ = writeln!(
                self.out,
                "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555555\" font-size=\"11\">{}</text>",
                y - 5.0,
                label
            );
        }
        let _ = writeln!(
            self.out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#555555\" font-size=\"11\">{name}</text>",
            LABEL_W - 22.0,
            y - 5.0
        );
    }

    fn lane(&mut self, index: usize, lane: &Lane) {
        let y = self.lane_y(index);
        let fill = ["#f7f7f7", "#ffffff"][index % 2];
        let _ = writeln!(
            self.out,
            "<rect class=\"lane\" x=\"0\" y=\"{y}\" width=\"{WIDTH}\" height=\"{LANE_H}\" fill=\"{fill}\"/>"
        );
        let _ = writeln!(
            self.out,
            "<text x=\"12\" y=\"{:.1}\" font-weight=\"bold\">{}</text>",
            y + 22.0,
            escape(&lane.name)
        );
        let status = match &lane.exit {
            None => "still running".to_string(),
            Some((at, Exit::Returned)) => format!("task {}, returned at {at}", lane.task),
            Some((at, Exit::Cancelled)) => format!("task {}, cancelled at {at}", lane.task),
            Some((at, Exit::Panicked { .. })) => format!("task {}, panicked at {at}", lane.task),
        };
        let _ = writeln!(
            self.out,
            "<text x=\"12\" y=\"{:.1}\" fill=\"#666666\" font-size=\"10\">{}</text>",
            y + 38.0,
            escape(&status)
        );
        // The task's life, as a thin line through the lane.
        let end = lane.exit.as_ref().map_or(self.timeline.end, |(t, _)| *t);
        let end_step = lane.exit_step.unwrap_or(self.timeline.last_step);
        let (x0, x1) = (self.x(lane.spawned, lane.spawned_step), self.x(end, end_step));
        let mid = y + LANE_H - 8.0;
        let _ = writeln!(
            self.out,
            "<line class=\"life\" x1=\"{x0:.1}\" y1=\"{mid}\" x2=\"{:.1}\" y2=\"{mid}\" stroke=\"#cccccc\" stroke-width=\"1\"/>",
            x1.max(x0 + 1.0)
        );
    }

    fn span(&mut self, span: &Span) {
        let Some(lane) = self.lane_of(span.task) else {
            return;
        };
        let y = self.lane_y(lane);
        let x0 = self.x(span.start, span.start_step);
        let mut w = (self.x(span.end, span.end_step) - x0).max(MIN_BAR);
        if span.kind == SpanKind::Sleep && w > 2.0 * MIN_BAR {
            // A hair of gap, so back-to-back sleeps read as separate sleeps.
            w -= 1.5;
        }
        let colour = colour_of(span.resource);
        let what = match span.kind {
            SpanKind::Sleep => "sleep".to_string(),
            kind => format!("{} {}", kind.name(), span.label),
        };
        let title = format!(
            "{what}: {} to {} (steps {} to {}, ended by {})",
            span.start, span.end, span.start_step, span.end_step, span.ended_by
        );
        let style = bar_style(span.kind, colour);
        let (bar_y, bar_h) = match span.kind {
            SpanKind::Wait => (y + 18.0, 10.0),
            SpanKind::Hold => (y + 30.0, 14.0),
            SpanKind::Sleep => (y + LANE_H - 10.0, 4.0),
        };
        let _ = writeln!(
            self.out,
            "<rect class=\"{}\" x=\"{x0:.1}\" y=\"{bar_y}\" width=\"{w:.1}\" height=\"{bar_h}\" {style}><title>{}</title></rect>",
            span.kind.name(),
            escape(&title)
        );
        let text = match span.kind {
            SpanKind::Hold => format!("holds {}", span.label),
            SpanKind::Wait => format!("waits {}", span.label),
            SpanKind::Sleep => return,
        };
        // Roughly 5.6 px per character at 10 px: label only the bars the label fits in.
        if (text.len() as f64) * 5.6 + 6.0 <= w {
            let (fill, ty) = match span.kind {
                SpanKind::Hold => ("#ffffff", bar_y + 11.0),
                _ => ("#333333", bar_y + 8.5),
            };
            let _ = writeln!(
                self.out,
                "<text x=\"{:.1}\" y=\"{ty}\" font-size=\"{}\" fill=\"{fill}\">{}</text>",
                x0 + 3.0,
                if span.kind == SpanKind::Hold { 10 } else { 8 },
                escape(&text)
            );
        }
    }

    fn marks(&mut self) {
        // Spread the marks that share a lane and an instant, in trace order, keeping each group
        // inside the chart.
        let mut groups: BTreeMap<(usize, u64), (usize, usize)> = BTreeMap::new();
        let axis = self.axis;
        let at = |m: &Mark| match axis {
            Axis::Time => m.time.0,
            Axis::Step => m.step,
        };
        let marks = self.timeline.marks.clone();
        let lanes: Vec<Option<usize>> = marks.iter().map(|m| self.lane_of(m.task)).collect();
        for (mark, lane) in marks.iter().zip(&lanes) {
            if let Some(lane) = lane {
                groups.entry((*lane, at(mark))).or_default().1 += 1;
            }
        }
        let right = WIDTH - 8.0;
        for (mark, lane) in marks.iter().zip(&lanes) {
            let Some(lane) = *lane else { continue };
            let (seen, count) = groups.get_mut(&(lane, at(mark))).expect("counted above");
            let spread = MARK_GAP * (*count - 1) as f64;
            let start = self.x(mark.time, mark.step).min(right - spread);
            let x = start + MARK_GAP * *seen as f64;
            *seen += 1;
            let y = self.lane_y(lane) + 9.0;
            self.mark(mark, x, y);
        }
    }

    fn mark(&mut self, mark: &Mark, x: f64, y: f64) {
        let title = format!("step {}, {}: {}", mark.step, mark.time, mark.label);
        let _ = writeln!(
            self.out,
            "<g class=\"mark {}\"><title>{}</title>{}</g>",
            mark.kind.name(),
            escape(&title),
            mark_shape(mark.kind, x, y)
        );
    }

    fn violation_line(&mut self) {
        let Some(v) = self.violation else { return };
        let x = self.x(v.time, v.step);
        let bottom = self.lane_y(self.timeline.lanes.len().max(1));
        let head = format!("{} at step {} ({})", v.kind.name(), v.step, v.time);
        let _ = writeln!(
            self.out,
            "<g class=\"violation\"><title>{}</title><line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{bottom}\" stroke=\"#d62728\" stroke-width=\"2\"/>",
            escape(&format!("{head}: {}", v.message)),
            TOP - 4.0
        );
        let anchor = if x > WIDTH - 200.0 { "end" } else { "start" };
        let _ = writeln!(
            self.out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\" fill=\"#d62728\" font-weight=\"bold\" font-size=\"11\">{}</text></g>",
            if anchor == "end" { x - 4.0 } else { x + 4.0 },
            TOP - 24.0,
            escape(&head)
        );
        let text = format!("{head}: {}", v.message);
        for (i, line) in wrap(&text, NOTE_WIDTH).iter().take(NOTE_LINES).enumerate() {
            let _ = writeln!(
                self.out,
                "<text x=\"12\" y=\"{:.1}\" fill=\"#d62728\" font-size=\"11\">{}</text>",
                bottom + 18.0 + 14.0 * i as f64,
                escape(&truncate(line, 165))
            );
        }
    }

    /// The resources drawn with a hold or wait bar, in id order, with their labels: the legend
    /// shows each one's colour, as its bars have it.
    fn resource_key(&self) -> Vec<(ResourceId, String)> {
        let mut key: BTreeMap<ResourceId, String> = BTreeMap::new();
        for span in &self.timeline.spans {
            if let Some(id) = span.resource {
                key.entry(id).or_insert_with(|| span.label.clone());
            }
        }
        key.into_iter().collect()
    }

    /// Where each entry of the resource key goes: (row, x), rows wrapping at the picture's width.
    fn key_layout(&self) -> Vec<(usize, f64)> {
        let (mut row, mut x) = (0, 12.0);
        let mut out = Vec::new();
        for (_, label) in self.resource_key() {
            let width = 46.0 + truncate(&label, 40).chars().count() as f64 * 6.5;
            if x > 12.0 && x + width > WIDTH - 12.0 {
                row += 1;
                x = 12.0;
            }
            out.push((row, x));
            x += width;
        }
        out
    }

    /// Height of the resource key under the legend's first row.
    fn key_height(&self) -> f64 {
        self.key_layout().last().map_or(0.0, |(rows, _)| 18.0 * (*rows as f64 + 1.0))
    }

    fn legend(&mut self) {
        let notes = self.notes_height();
        let y = self.lane_y(self.timeline.lanes.len().max(1)) + 24.0 + notes;
        // `log` is in the legend only where the trace has a `tracing` line, so traces without
        // one draw as they always have.
        let logs = self.timeline.marks.iter().any(|m| m.kind == MarkKind::Log);
        let marks = [
            MarkKind::Print,
            MarkKind::Log,
            MarkKind::Woken,
            MarkKind::Wake,
            MarkKind::Signal,
            MarkKind::Cancel,
            MarkKind::Fault,
            MarkKind::Error,
        ];
        let marks = marks.into_iter().filter(|k| *k != MarkKind::Log || logs);
        self.out.push_str("<g class=\"legend\" font-size=\"11\" fill=\"#333333\">");
        let mut x = 12.0;
        let _ = write!(
            self.out,
            "<rect class=\"key-sleep\" x=\"{x}\" y=\"{:.1}\" width=\"16\" height=\"4\" {}/><text x=\"{:.1}\" y=\"{y:.1}\">sleep</text>",
            y - 6.0,
            bar_style(SpanKind::Sleep, colour_of(None)),
            x + 20.0
        );
        x += 30.0 + 5.0 * 7.0;
        for kind in marks {
            let name = kind.name();
            let _ = write!(
                self.out,
                "{}<text x=\"{:.1}\" y=\"{y:.1}\">{name}</text>",
                mark_shape(kind, x + 5.0, y - 4.0),
                x + 14.0
            );
            x += 24.0 + name.len() as f64 * 7.0;
        }
        let _ = write!(
            self.out,
            "<text x=\"{:.1}\" y=\"{y:.1}\" fill=\"#777777\">hover a mark or bar for details</text>",
            x + 10.0
        );
        // Each resource's hold and wait swatches, in the very style of its bars.
        for ((id, label), (row, x)) in self.resource_key().into_iter().zip(self.key_layout()) {
            let y = y + 18.0 * (row as f64 + 1.0);
            let colour = colour_of(Some(id));
            let _ = write!(
                self.out,
                "<rect class=\"key-hold\" x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"10\" {}><title>holds {id}</title></rect>\
                 <rect class=\"key-wait\" x=\"{:.1}\" y=\"{:.1}\" width=\"12\" height=\"10\" {}><title>waits on {id}</title></rect>\
                 <text x=\"{:.1}\" y=\"{y:.1}\">{}</text>",
                y - 9.0,
                bar_style(SpanKind::Hold, colour),
                x + 15.0,
                y - 9.0,
                bar_style(SpanKind::Wait, colour),
                x + 32.0,
                escape(&truncate(&label, 40))
            );
        }
        self.out.push_str("</g>\n");
    }
}

/// The colour of a resource's bars (by id, cycling), grey for what belongs to none.
fn colour_of(resource: Option<ResourceId>) -> &'static str {
    resource.map_or("#999999", |r| PALETTE[r.index() % PALETTE.len()])
}

/// The fill and stroke of a bar of `kind` in `colour`: the bars and the legend both use it, so
/// they cannot differ.
fn bar_style(kind: SpanKind, colour: &str) -> String {
    match kind {
        SpanKind::Wait => {
            format!("fill=\"{colour}\" fill-opacity=\"0.25\" stroke=\"{colour}\" stroke-dasharray=\"3,2\"")
        }
        SpanKind::Hold => format!("fill=\"{colour}\" stroke=\"{colour}\""),
        SpanKind::Sleep => "fill=\"#b0b0b0\"".to_string(),
    }
}

/// The shape of a mark centred at (`x`, `y`).
fn mark_shape(kind: MarkKind, x: f64, y: f64) -> String {
    match kind {
        MarkKind::Print => format!(
            "<path d=\"M{x:.1} {:.1} L{:.1} {y:.1} L{x:.1} {:.1} L{:.1} {y:.1} Z\" fill=\"#1f3b73\"/>",
            y - 5.0,
            x + 4.0,
            y + 5.0,
            x - 4.0
        ),
        MarkKind::Log => format!(
            "<path d=\"M{x:.1} {:.1} L{:.1} {y:.1} L{x:.1} {:.1} L{:.1} {y:.1} Z\" fill=\"#7b3fa0\"/>",
            y - 4.0,
            x + 3.0,
            y + 4.0,
            x - 3.0
        ),
        MarkKind::Woken => format!(
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\" fill=\"none\" stroke=\"#2e7d32\" stroke-width=\"1.5\"/>"
        ),
        MarkKind::Wake => format!(
            "<path d=\"M{:.1} {:.1} L{:.1} {:.1} L{x:.1} {:.1} Z\" fill=\"#e07b00\"/>",
            x - 4.0,
            y - 4.0,
            x + 4.0,
            y - 4.0,
            y + 4.0
        ),
        MarkKind::Signal => {
            format!("<rect x=\"{:.1}\" y=\"{:.1}\" width=\"7\" height=\"7\" fill=\"#7b3f9e\"/>", x - 3.5, y - 3.5)
        }
        MarkKind::Cancel => format!(
            "<path d=\"M{:.1} {:.1} L{:.1} {:.1} M{:.1} {:.1} L{:.1} {:.1}\" stroke=\"#444444\" stroke-width=\"2\"/>",
            x - 4.0,
            y - 4.0,
            x + 4.0,
            y + 4.0,
            x - 4.0,
            y + 4.0,
            x + 4.0,
            y - 4.0
        ),
        MarkKind::Fault => format!(
            "<path d=\"M{:.1} {:.1} L{:.1} {:.1} L{:.1} {:.1} L{:.1} {:.1} L{:.1} {:.1} L{:.1} {:.1} Z\" fill=\"#c2185b\"/>",
            x + 1.0,
            y - 6.0,
            x - 3.5,
            y + 1.0,
            x - 0.5,
            y + 1.0,
            x - 1.0,
            y + 6.0,
            x + 3.5,
            y - 1.0,
            x + 0.5,
            y - 1.0
        ),
        MarkKind::Error => {
            format!("<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4.5\" fill=\"#d62728\"/>")
        }
    }
}

/// Tick instants for an axis ending at `end`: 1, 2 or 5 times a power of ten, about 5 to 10.
fn ticks(end: u64) -> Vec<u64> {
    if end == 0 {
        return vec![0];
    }
    let mut step: u64 = 1;
    'search: loop {
        for m in [1u64, 2, 5] {
            let s = step.saturating_mul(m);
            if end / s <= 10 {
                step = s;
                break 'search;
            }
        }
        step = step.saturating_mul(10);
    }
    (0..=end / step).map(|i| i * step).collect()
}

/// A tick label: seconds without trailing zeros.
fn seconds(t: Time) -> String {
    let whole = t.0 / 1_000_000_000;
    let frac = t.0 % 1_000_000_000;
    if frac == 0 {
        return format!("{whole}s");
    }
    let digits = format!("{frac:09}");
    format!("{whole}.{}s", digits.trim_end_matches('0'))
}

/// `text` cut into lines of at most `width` characters, at spaces where it can be.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for source in text.lines() {
        let mut line = String::new();
        for word in source.split(' ') {
            let len = line.chars().count();
            if len > 0 && len + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{cut}…")
}

/// Escapes text for XML character data and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_run() {
        let s = |n: u64| n * 1_000_000_000;
        assert_eq!(ticks(s(12)), (0..=6).map(|i| s(2 * i)).collect::<Vec<_>>());
        assert_eq!(ticks(0), vec![0]);
        assert_eq!(ticks(500_000_000).len(), 11); // every 50 ms
        assert_eq!(ticks(12), [0, 2, 4, 6, 8, 10, 12]);
        assert_eq!(ticks(35), [0, 5, 10, 15, 20, 25, 30, 35]);
    }

    #[test]
    fn tick_labels_drop_trailing_zeros() {
        assert_eq!(seconds(Time(12_000_000_000)), "12s");
        assert_eq!(seconds(Time(250_000_000)), "0.25s");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a<b & 'c'"), "a&lt;b &amp; &apos;c&apos;");
    }
}
