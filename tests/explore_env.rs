//! `WEFT_*` environment overrides of `weft::explore`. One test in its own binary, because it sets
//! process-wide variables.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use weft::{explore, spawn, yield_now, Strategy};

async fn lost_update() {
    let x = Rc::new(Cell::new(0));
    let tasks: Vec<_> = (0..2)
        .map(|i| {
            let x = x.clone();
            spawn(format!("inc{i}"), async move {
                let v = x.get();
                yield_now().await;
                x.set(v + 1);
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(x.get(), 2, "an increment was lost");
}

fn explore_lost_update() -> weft::Report {
    explore(lost_update).name("env_test").strategy(Strategy::Fifo).schedules(7).run()
}

fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("it panics");
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(p) => p.downcast_ref::<&str>().map(|s| s.to_string()).unwrap_or_default(),
    }
}

fn with_var(name: &str, value: &str, f: impl FnOnce()) {
    std::env::set_var(name, value);
    f();
    std::env::remove_var(name);
}

#[test]
fn environment_overrides_settings() {
    for name in ["WEFT_SEED", "WEFT_SCHEDULES", "WEFT_STRATEGY", "WEFT_REPLAY", "WEFT_JOBS", "WEFT_SHARD"] {
        std::env::remove_var(name);
    }

    // WEFT_STRATEGY replaces the strategy the test set.
    with_var("WEFT_STRATEGY", "dfs:0", || {
        let report = explore(|| async {
            spawn("a", yield_now());
            spawn("b", yield_now());
        })
        .schedules(1_000)
        .run();
        assert_eq!(report.strategy, Strategy::Dfs { max_preemptions: Some(0) });
        // Two tasks of two steps with no preemption: `ab` then `ba` orders only.
        assert_eq!(report.schedules, 2);
        assert!(report.exhausted);
    });
    with_var("WEFT_SCHEDULES", "3", || {
        let report = explore(|| async {}).schedules(1_000).run();
        assert_eq!(report.schedules, 3);
    });
    with_var("WEFT_SEED", "99", || assert_eq!(explore_lost_update().seed, 99));
    with_var("WEFT_SHARD", "1/2", || assert_eq!(explore_lost_update().shard, (1, 2)));

    // WEFT_REPLAY replays the one schedule, with its whole trace in the message.
    let found = explore_lost_update();
    let schedule = found.failure.as_ref().expect("fifo loses the update").schedule.to_string();
    with_var("WEFT_REPLAY", &schedule, || {
        let report = explore_lost_update();
        assert!(report.replayed);
        assert_eq!(report.schedules, 1);
        let message = panic_message(|| report.assert_ok());
        assert!(message.contains("the replayed schedule failed"), "{message}");
        assert!(message.contains("an increment was lost"), "{message}");
        assert!(message.contains(&format!("WEFT_REPLAY={schedule} cargo test env_test")), "{message}");
    });

    // Bad values name the variable, the value and what is accepted.
    for (name, value, expected) in [
        ("WEFT_SEED", "x", "unsigned 64-bit integer"),
        ("WEFT_SCHEDULES", "0", "at least 1"),
        ("WEFT_STRATEGY", "pct:0", "pct:<depth>"),
        ("WEFT_REPLAY", "weft2:***", "not URL-safe base64"),
        ("WEFT_JOBS", "-2", "at least 1"),
        ("WEFT_SHARD", "2", "<index>/<count>"),
    ] {
        with_var(name, value, || {
            let message = panic_message(|| {
                explore_lost_update();
            });
            assert!(message.starts_with(&format!("weft: {name}=`{value}` cannot be used")), "{message}");
            assert!(message.contains(expected), "{message}");
        });
    }
}
