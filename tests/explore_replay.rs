//! `WEFT_REPLAY` shows the replayed run's trace once: in the failure's report when it fails,
//! on stderr when it passes. Each case runs this test binary again as a child with the
//! variable set (only for the child: nothing process-wide changes here).

use std::cell::Cell;
use std::process::Command;
use std::rc::Rc;
use weft::{explore, spawn, yield_now, Strategy};

/// Two tasks read a counter, yield, and write it back plus one: asyncio's order loses an
/// update; with `fixed`, they do not yield in between.
async fn increments(fixed: bool) {
    let x = Rc::new(Cell::new(0));
    let tasks: Vec<_> = (0..2)
        .map(|i| {
            let x = x.clone();
            spawn(format!("inc{i}"), async move {
                let v = x.get();
                if !fixed {
                    yield_now().await;
                }
                x.set(v + 1);
                yield_now().await;
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(x.get(), 2, "an increment was lost");
}

/// The child: explores with the environment read, as a user's test does. Does nothing unless
/// the parent asked for it.
#[test]
fn child() {
    let Ok(which) = std::env::var("WEFT_REPLAY_TEST_CHILD") else { return };
    explore(move || increments(which == "fixed")).name("child").strategy(Strategy::Fifo).run().assert_ok();
}

/// Runs `child` with `WEFT_REPLAY=schedule`, output not captured; returns its status and its
/// stdout and stderr together.
fn replay_in_child(which: &str, schedule: &str) -> (bool, String) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child", "--nocapture", "--test-threads=1"])
        .env("WEFT_REPLAY_TEST_CHILD", which)
        .env("WEFT_REPLAY", schedule)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// A line the text rendering of these runs holds once per trace.
const TRACE_LINE: &str = "spawn 'inc1'";

#[test]
fn a_failing_replay_shows_its_trace_once() {
    let report = explore(|| increments(false)).strategy(Strategy::Fifo).environment(false).run();
    let schedule = report.failure.as_ref().expect("asyncio's order loses an update").schedule.to_string();
    let (ok, text) = replay_in_child("buggy", &schedule);
    assert!(!ok, "{text}");
    assert!(text.contains("the replayed schedule failed"), "{text}");
    assert_eq!(text.matches(TRACE_LINE).count(), 1, "{text}");
}

#[test]
fn a_passing_replay_shows_its_trace_once() {
    let run = weft::Runtime::new().strategy(Strategy::Random).seed(3).run(increments(true));
    assert!(run.is_ok(), "{:?}", run.failure);
    let (ok, text) = replay_in_child("fixed", &run.schedule.to_string());
    assert!(ok, "{text}");
    assert!(text.contains("WEFT_REPLAY of child passed"), "{text}");
    assert_eq!(text.matches(TRACE_LINE).count(), 1, "{text}");
}
