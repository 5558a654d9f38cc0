//! The pictures of a run: Chrome trace events (Perfetto) and the SVG timeline.
//!
//! The expected intervals come from the tutorial's example 1.2 (lock-raise): three tasks each
//! hold the lock for two 2 s sleeps, one after another, so Raise1 holds it over 0-4 s, Raise2
//! over 4-8 s and Raise3 over 8-12 s, while Raise2 waits 0-4 s and Raise3 waits 0-8 s; the
//! tutorial's CPython run takes 12 s in total.

use quick_xml::events::Event as Xml;
use quick_xml::Reader;
use serde_json::Value;
use std::collections::BTreeMap;
use weft::scenarios;
use weft::traces::{Event, Header, Op, Record, ResourceId, ResourceKind, TaskId, Time};
use weft::Trace;

const SEC: u64 = 1_000_000; // Chrome timestamps are microseconds.

fn lock_raise() -> Trace {
    let run = scenarios::find("lock-raise").expect("in the catalog").run(0);
    assert!(run.is_ok(), "{:?}", run.failure);
    run.trace
}

fn chrome(trace: &Trace) -> Vec<Value> {
    let doc: Value = serde_json::from_str(&trace.to_chrome_json()).expect("valid JSON");
    doc["traceEvents"].as_array().expect("traceEvents").clone()
}

/// `(tid, ts, dur)` of the complete events called `name`, in file order.
fn slices(events: &[Value], name: &str) -> Vec<(u64, u64, u64)> {
    events
        .iter()
        .filter(|e| e["ph"] == "X" && e["name"] == name)
        .map(|e| {
            let n = |k: &str| e[k].as_u64().unwrap_or_else(|| panic!("{k} in {e}"));
            (n("tid"), n("ts"), n("dur"))
        })
        .collect()
}

#[test]
fn chrome_has_a_named_track_per_task() {
    let events = chrome(&lock_raise());
    let names: BTreeMap<u64, &str> = events
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
        .map(|e| (e["tid"].as_u64().unwrap(), e["args"]["name"].as_str().unwrap()))
        .collect();
    let expected: BTreeMap<u64, &str> = [(0, "main #0"), (1, "Raise1 #1"), (2, "Raise2 #2"), (3, "Raise3 #3")].into();
    assert_eq!(names, expected);
}

#[test]
fn chrome_holds_and_waits_follow_virtual_time() {
    let events = chrome(&lock_raise());
    assert_eq!(slices(&events, "hold Lock 'lock'"), [(1, 0, 4 * SEC), (2, 4 * SEC, 4 * SEC), (3, 8 * SEC, 4 * SEC)]);
    // Raise1 took the free lock at once (asyncio's fast path): it never waited.
    let mut waits = slices(&events, "wait Lock 'lock'");
    waits.sort();
    assert_eq!(waits, [(2, 0, 4 * SEC), (3, 0, 8 * SEC)]);
    // Each task's life is a slice too; main lives the whole 12 s.
    assert_eq!(slices(&events, "main"), [(0, 0, 12 * SEC)]);
}

#[test]
fn chrome_marks_every_print_wake_and_release_hand_off() {
    let trace = lock_raise();
    let events = chrome(&trace);
    let instants = |cat: &str| -> Vec<&str> {
        events.iter().filter(|e| e["ph"] == "i" && e["cat"] == cat).map(|e| e["name"].as_str().unwrap()).collect()
    };
    let printed: Vec<&str> = trace.output().collect();
    assert_eq!(instants("print"), printed);
    assert_eq!(printed.len(), 9, "the tutorial's 1.2 prints nine lines");
    // The lock hands off twice: Raise1 to Raise2, Raise2 to Raise3.
    assert_eq!(instants("wake"), ["Lock 'lock': wake Raise2", "Lock 'lock': wake Raise3"]);
    assert!(instants("woken").contains(&"woken by Raise1"));
}

#[test]
fn chrome_draws_an_arrow_for_each_wake_up_one_task_gave_another() {
    let events = chrome(&lock_raise());
    let ends = |ph: &str| -> BTreeMap<u64, u64> {
        events
            .iter()
            .filter(|e| e["ph"] == ph && e["cat"] == "wake")
            .map(|e| (e["id"].as_u64().unwrap(), e["tid"].as_u64().unwrap()))
            .collect()
    };
    let (from, to) = (ends("s"), ends("f"));
    let arrows: Vec<(u64, u64)> = from.iter().map(|(id, tid)| (*tid, to[id])).collect();
    // Each release hands the lock to the next waiter, then the finished task wakes main, which
    // awaits it: Raise1 -> Raise2, Raise1 -> main, Raise2 -> Raise3, Raise2 -> main, Raise3 -> main.
    assert_eq!(arrows, [(1, 2), (1, 0), (2, 3), (2, 0), (3, 0)]);
}

/// Slices on one track must nest (Perfetto drops or misplaces the ones that do not).
fn assert_slices_nest(events: &[Value]) {
    let mut by_tid: BTreeMap<u64, Vec<(u64, u64)>> = BTreeMap::new();
    for e in events.iter().filter(|e| e["ph"] == "X") {
        let (ts, dur) = (e["ts"].as_u64().unwrap(), e["dur"].as_u64().unwrap());
        by_tid.entry(e["tid"].as_u64().unwrap()).or_default().push((ts, ts + dur));
    }
    for (tid, mut spans) in by_tid {
        spans.sort_by_key(|&(start, end)| (start, std::cmp::Reverse(end)));
        let mut open: Vec<u64> = Vec::new();
        for (start, end) in spans {
            while open.last().is_some_and(|&e| e <= start) {
                open.pop();
            }
            if let Some(&parent_end) = open.last() {
                assert!(end <= parent_end, "track {tid}: [{start}, {end}] overlaps its parent ending at {parent_end}");
            }
            open.push(end);
        }
    }
}

#[test]
fn chrome_slices_nest_on_every_track() {
    assert_slices_nest(&chrome(&lock_raise()));
}

/// A task takes locks a then b and releases a first: the two holds overlap without nesting.
fn out_of_order_release() -> Trace {
    let s = |n: u64| Time(n * 1_000_000_000);
    let t = Some(TaskId(0));
    let mut trace = Trace::new(Header::new("out-of-order"));
    let mut push = |step, time, event| trace.push(Record::new(step, time, t, event));
    push(0, s(0), Event::Spawn { name: "main".into(), parent: None });
    for (id, name) in [(0, "a"), (1, "b")] {
        push(
            1,
            s(0),
            Event::NewResource {
                id: ResourceId(id),
                kind: ResourceKind::Lock,
                name: name.into(),
                capacity: Some(1),
                initial: None,
                fifo: true,
            },
        );
    }
    let op = |id, op| Event::Resource { id: ResourceId(id), op };
    push(1, s(0), op(0, Op::Request));
    push(1, s(0), op(0, Op::Grant));
    push(2, s(1), op(1, Op::Request));
    push(2, s(1), op(1, Op::Grant));
    push(3, s(2), op(0, Op::Release));
    push(4, s(3), op(1, Op::Release));
    push(4, s(3), Event::Exit { exit: weft::traces::Exit::Returned });
    trace
}

#[test]
fn chrome_moves_overlapping_holds_to_an_extra_track() {
    let events = chrome(&out_of_order_release());
    assert_slices_nest(&events);
    let a = slices(&events, "hold Lock 'a'");
    let b = slices(&events, "hold Lock 'b'");
    assert_eq!((a[0].1, a[0].2), (0, 2 * SEC));
    assert_eq!((b[0].1, b[0].2), (SEC, 2 * SEC));
    assert_ne!(a[0].0, b[0].0, "the overlapping holds share a track");
    let extra =
        events.iter().find(|e| e["name"] == "thread_name" && e["tid"] == b[0].0).expect("the extra track is named");
    assert_eq!(extra["args"]["name"], "main #0 (overlap 1)");
}

#[test]
fn chrome_marks_the_violation() {
    let run = scenarios::find("lock-race").unwrap().run(0);
    let violation = run.violation().expect("the tutorial's 1.1 race fails under FIFO");
    let doc: Value = serde_json::from_str(&run.trace.to_chrome_json_marking(Some(violation))).unwrap();
    let marked =
        doc["traceEvents"].as_array().unwrap().iter().find(|e| e["cat"] == "violation").expect("a violation instant");
    assert_eq!(marked["name"], "violation: panic");
    assert_eq!(marked["s"], "g");
    assert_eq!(marked["args"]["step"], violation.step);
    // X is corrupted at 4 s, when the three raises finish together.
    assert_eq!(marked["ts"], 4 * SEC);
}

#[test]
fn pictures_are_deterministic() {
    let (a, b) = (lock_raise(), lock_raise());
    assert_eq!(a.to_chrome_json(), b.to_chrome_json());
    assert_eq!(a.to_svg(), b.to_svg());
}

/// The SVG's elements: (name, attributes, text inside up to the next element).
fn svg_elements(svg: &str) -> Vec<(String, BTreeMap<String, String>, String)> {
    let mut reader = Reader::from_str(svg);
    let mut out: Vec<(String, BTreeMap<String, String>, String)> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    loop {
        let event = reader.read_event().expect("the SVG is well-formed XML");
        if let Xml::Start(_) = &event {
            open.push(out.len());
        }
        match event {
            Xml::Start(e) | Xml::Empty(e) => {
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.expect("a well-formed attribute");
                        let value = a.unescape_value().expect("an escaped value").to_string();
                        (String::from_utf8_lossy(a.key.as_ref()).to_string(), value)
                    })
                    .collect();
                let name = String::from_utf8_lossy(e.name().as_ref()).to_string();
                out.push((name, attrs, String::new()));
            }
            Xml::Text(t) => {
                if let Some(&inside) = open.last() {
                    out[inside].2 += t.unescape().expect("escaped text").trim();
                }
            }
            Xml::End(_) => {
                open.pop();
            }
            Xml::Eof => return out,
            _ => {}
        }
    }
}

fn of_class<'a>(
    elements: &'a [(String, BTreeMap<String, String>, String)],
    class: &str,
) -> Vec<&'a BTreeMap<String, String>> {
    elements.iter().filter(|(_, a, _)| a.get("class").map(String::as_str) == Some(class)).map(|(_, a, _)| a).collect()
}

fn num(attrs: &BTreeMap<String, String>, key: &str) -> f64 {
    attrs[key].parse().unwrap()
}

#[test]
fn svg_has_a_lane_per_task_and_bars_for_holds_and_waits() {
    let svg = lock_raise().to_svg();
    let elements = svg_elements(&svg);
    assert_eq!(elements[0].0, "svg");
    assert_eq!(of_class(&elements, "lane").len(), 4);
    let texts: Vec<&str> = elements.iter().map(|(_, _, t)| t.as_str()).collect();
    for name in ["main", "Raise1", "Raise2", "Raise3"] {
        assert!(texts.contains(&name), "no label {name} in {texts:?}");
    }
    let holds = of_class(&elements, "hold");
    assert_eq!(holds.len(), 3);
    // Back to back, equally long (4 s each), each one lane lower.
    let (x, w, y): (Vec<f64>, Vec<f64>, Vec<f64>) = (
        holds.iter().map(|a| num(a, "x")).collect(),
        holds.iter().map(|a| num(a, "width")).collect(),
        holds.iter().map(|a| num(a, "y")).collect(),
    );
    assert!((x[1] - (x[0] + w[0])).abs() < 0.2 && (x[2] - (x[1] + w[1])).abs() < 0.2);
    assert!((w[0] - w[1]).abs() < 0.2 && (w[1] - w[2]).abs() < 0.2);
    assert!(y[0] < y[1] && y[1] < y[2]);
    // Raise3 waits twice as long as Raise2, from the start.
    let waits = of_class(&elements, "wait");
    assert_eq!(waits.len(), 2);
    assert_eq!(num(waits[0], "x"), num(waits[1], "x"));
    assert!((num(waits[1], "width") - 2.0 * num(waits[0], "width")).abs() < 0.5);
    assert!((num(waits[0], "width") - w[0]).abs() < 0.2);
    // Nine prints, hoverable.
    assert_eq!(of_class(&elements, "mark print").len(), 9);
    assert!(svg.contains("<title>step 2, 0.000s: &apos;Raise1&apos; acquired lock? True</title>"));
}

#[test]
fn svg_is_self_contained() {
    let svg = lock_raise().to_svg();
    for banned in ["<script", "href", "@import", "url(", "@font-face", "<foreignObject"] {
        assert!(!svg.contains(banned), "the SVG contains {banned}");
    }
}

#[test]
fn svg_marks_the_violating_step() {
    let run = scenarios::find("lock-race").unwrap().run(0);
    let violation = run.violation().unwrap();
    let svg = run.trace.to_svg_marking(Some(violation));
    let elements = svg_elements(&svg);
    assert_eq!(of_class(&elements, "violation").len(), 1);
    let head = format!("panic at step {} (4.000s)", violation.step);
    assert!(elements.iter().any(|(_, _, t)| *t == head), "no {head}");
    assert!(svg.contains("X ended at 2187"));
    assert!(!run.trace.to_svg().contains("class=\"violation\""));
}

#[test]
fn svg_lays_out_a_run_without_virtual_time_by_step() {
    // Two tasks take a lock one after the other without ever sleeping: all at 0 s.
    let mut trace = Trace::new(Header::new("no-time"));
    let lock = |op| Event::Resource { id: ResourceId(0), op };
    let events = [
        (0, 0, Event::Spawn { name: "main".into(), parent: None }),
        (1, 1, Event::Spawn { name: "child".into(), parent: Some(TaskId(0)) }),
        (
            1,
            0,
            Event::NewResource {
                id: ResourceId(0),
                kind: ResourceKind::Lock,
                name: "lock".into(),
                capacity: Some(1),
                initial: None,
                fifo: true,
            },
        ),
        (1, 0, lock(Op::Request)),
        (1, 0, lock(Op::Grant)),
        (2, 0, lock(Op::Release)),
        (3, 1, lock(Op::Request)),
        (3, 1, lock(Op::Grant)),
        (4, 1, lock(Op::Release)),
    ];
    for (step, task, event) in events {
        trace.push(Record::new(step, Time::ZERO, Some(TaskId(task)), event));
    }
    let svg = trace.to_svg();
    assert!(svg.contains("laid out by step"));
    let elements = svg_elements(&svg);
    let holds = of_class(&elements, "hold");
    assert_eq!(holds.len(), 2);
    let end_of_first = num(holds[0], "x") + num(holds[0], "width");
    assert!(end_of_first <= num(holds[1], "x") + 0.1, "the holds overlap: {holds:?}");
}

#[test]
fn a_deadline_nobody_reached_does_not_stretch_the_picture() {
    // main sleeps until 30 s, but the run ends at 1 s (say, a violation stopped it).
    let s = |n: u64| Time(n * 1_000_000_000);
    let mut trace = Trace::new(Header::new("pending"));
    let main = Some(TaskId(0));
    trace.push(Record::new(0, s(0), main, Event::Spawn { name: "main".into(), parent: None }));
    trace.push(Record::new(1, s(0), main, Event::Sleep { until: s(30) }));
    trace.push(Record::new(2, s(1), main, Event::Print { text: "still here".into() }));
    let events = chrome(&trace);
    assert_eq!(slices(&events, "sleep"), [(0, 0, SEC)]);
    let sleep = events.iter().find(|e| e["name"] == "sleep").unwrap();
    assert_eq!(sleep["args"]["ended_by"], "open");
    let svg = trace.to_svg();
    let elements = svg_elements(&svg);
    let ticks: Vec<&str> = elements.iter().map(|(_, _, t)| t.as_str()).filter(|t| t.ends_with('s')).collect();
    assert!(ticks.contains(&"1s") && !ticks.contains(&"30s"), "{ticks:?}");
}

#[test]
fn injected_faults_are_marked_as_faults() {
    let mut trace = Trace::new(Header::new("faulted"));
    let main = Some(TaskId(0));
    trace.push(Record::new(0, Time::ZERO, main, Event::Spawn { name: "main".into(), parent: None }));
    let fault = weft::traces::Fault::SpuriousPoll { task: TaskId(0) };
    trace.push(Record::new(1, Time::ZERO, main, Event::Fault { fault }));
    let faults: Vec<Value> = chrome(&trace).into_iter().filter(|e| e["cat"] == "fault").collect();
    assert_eq!(faults.len(), 1);
    assert_eq!(faults[0]["name"], "FAULT: spurious poll of main");
    let svg = trace.to_svg();
    let elements = svg_elements(&svg);
    assert_eq!(of_class(&elements, "mark fault").len(), 1);
    assert!(of_class(&elements, "mark cancel").is_empty(), "a spurious poll is not a cancellation");
}

#[test]
fn the_text_rendering_leaves_the_version_to_the_json() {
    // A golden text trace must not change at each release: the version is in the JSON header.
    let trace = lock_raise();
    let version = trace.header.weft_version.clone();
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    let text = trace.to_text();
    assert_eq!(text.lines().next(), Some("# weft | lock-raise | strategy fifo | seed 0"));
    assert!(!text.contains(&version), "{text}");
    assert!(trace.to_json().contains(&format!("\"weft_version\": \"{version}\"")));
}

/// The fill and stroke attributes of an SVG element.
fn style(attrs: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let keys = ["fill", "fill-opacity", "stroke", "stroke-dasharray"];
    attrs.iter().filter(|(k, _)| keys.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
}

#[test]
fn svg_legend_shows_each_bar_style_as_the_bars_have_it() {
    // condition-wait waits on a Condition (not the first resource): its wait bars are not in the
    // first palette colour, which the legend used to show for every wait.
    for name in ["condition-wait", "lock-raise", "semaphore-pool", "workload-lock"] {
        let trace = scenarios::find(name).unwrap().run(0).trace;
        let svg = trace.to_svg();
        let elements = svg_elements(&svg);
        for (bar, key) in [("wait", "key-wait"), ("hold", "key-hold"), ("sleep", "key-sleep")] {
            let keys: Vec<_> = of_class(&elements, key).into_iter().map(style).collect();
            for attrs in of_class(&elements, bar) {
                assert!(
                    keys.contains(&style(attrs)),
                    "{name}: a {bar} bar styled {:?}, not in the legend {keys:?}",
                    style(attrs)
                );
            }
        }
        if name == "condition-wait" {
            let waits = of_class(&elements, "wait");
            assert!(waits.iter().any(|a| a["fill"] != "#4e79a7"), "condition-wait waits in another colour");
        }
        // The picture is tall enough for its legend.
        let height = num(&elements[0].1, "height");
        let lowest = of_class(&elements, "key-hold").iter().map(|a| num(a, "y") + 10.0).fold(0.0, f64::max);
        assert!(lowest <= height, "{name}: the legend ends at {lowest}, below the picture's {height}");
    }
}

#[test]
fn chrome_lays_out_a_run_without_virtual_time_by_step() {
    // Two tasks take a lock in turn, yielding while they hold it: no virtual time passes, so by
    // time every event was at ts 0 with dur 0.
    let run = weft::Runtime::new().run(async {
        let lock = std::rc::Rc::new(weft::Lock::new());
        let tasks: Vec<_> = (0..2)
            .map(|i| {
                let lock = lock.clone();
                weft::spawn(format!("worker{i}"), async move {
                    let _held = lock.lock().await;
                    weft::yield_now().await;
                    weft::yield_now().await;
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert!(run.is_ok() && run.elapsed.is_zero());
    let doc: Value = serde_json::from_str(&run.trace.to_chrome_json()).unwrap();
    assert_eq!(doc["otherData"]["axis"], "step");
    assert!(doc["otherData"]["time"].as_str().unwrap().contains("one step per millisecond"));
    let events = doc["traceEvents"].as_array().unwrap();
    let holds: Vec<&Value> = events.iter().filter(|e| e["ph"] == "X" && e["cat"] == "hold").collect();
    assert_eq!(holds.len(), 2);
    for hold in &holds {
        let (start, end) = (hold["args"]["start_step"].as_u64().unwrap(), hold["args"]["end_step"].as_u64().unwrap());
        assert!(end > start, "a hold over several steps: {hold}");
        assert_eq!(hold["ts"].as_u64(), Some(start * 1000), "{hold}");
        assert_eq!(hold["dur"].as_u64(), Some((end - start) * 1000), "{hold}");
    }
    // One after the other, not on top of each other at 0.
    assert!(holds[1]["ts"].as_u64() >= Some(holds[0]["ts"].as_u64().unwrap() + holds[0]["dur"].as_u64().unwrap()));
    for instant in events.iter().filter(|e| e["ph"] == "i") {
        assert_eq!(instant["ts"].as_u64(), Some(instant["args"]["step"].as_u64().unwrap() * 1000), "{instant}");
    }
    // A run in which time passes keeps its virtual-time axis.
    let doc: Value = serde_json::from_str(&lock_raise().to_chrome_json()).unwrap();
    assert_eq!(doc["otherData"]["axis"], "virtual-time");
    assert_eq!(doc["otherData"]["time"], "virtual time in microseconds");
}
