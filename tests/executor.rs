//! The executor's contract: asyncio's ordering, virtual time, determinism, replay, and failures
//! (panic, livelock, deadlock) reported with their trace instead of hanging or aborting.

use std::cell::RefCell;
use std::rc::Rc;
use weft::prelude::*;
use weft::sim::{Failure, Schedule};
use weft::traces::{Event, Exit};
use weft::ViolationKind;

fn log() -> Rc<RefCell<Vec<String>>> {
    Rc::new(RefCell::new(Vec::new()))
}

#[test]
fn tasks_take_their_first_step_in_spawn_order_after_the_spawner_suspends() {
    let run = Runtime::new().run(async {
        let log = log();
        let handles: Vec<_> = (1..=3)
            .map(|i| {
                let log = log.clone();
                spawn(format!("t{i}"), async move { log.borrow_mut().push(format!("t{i}")) })
            })
            .collect();
        log.borrow_mut().push("main".into());
        for h in handles {
            h.await.unwrap();
        }
        log.take()
    });
    assert_eq!(run.output.unwrap(), ["main", "t1", "t2", "t3"]);
}

#[test]
fn timers_due_at_the_same_instant_fire_in_registration_order() {
    let run = Runtime::new().run(async {
        let log = log();
        let handles: Vec<_> = ["c", "a", "b"]
            .into_iter()
            .map(|n| {
                let log = log.clone();
                spawn(n, async move {
                    sleep(Duration::from_secs(1)).await;
                    log.borrow_mut().push(n.to_string());
                })
            })
            .collect();
        for h in handles {
            h.await.unwrap();
        }
        log.take()
    });
    assert_eq!(run.output.unwrap(), ["c", "a", "b"]);
    assert_eq!(run.elapsed, Duration::from_secs(1));
}

/// Three sleepers due at the same instant; each logs when it runs.
async fn three_sleepers() -> Vec<String> {
    let log = log();
    let handles: Vec<_> = ["c", "a", "b"]
        .into_iter()
        .map(|n| {
            let log = log.clone();
            spawn(n, async move {
                sleep(Duration::from_secs(1)).await;
                log.borrow_mut().push(n.to_string());
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    log.take()
}

#[test]
fn which_timers_due_at_one_instant_fire_first_is_a_recorded_choice() {
    use weft::Choice;
    // asyncio's order fires all three at once: option 0 at that scheduling point. Main spawns
    // the three (one task ready: no choice), two picks choose among them as they register
    // their timers (the last one is alone), then the clock advances with three timers due.
    let fifo = Runtime::new().run(three_sleepers());
    assert_eq!(fifo.output.as_deref(), Some(&["c".to_string(), "a".into(), "b".into()][..]));
    let picks_before_the_timers = 2;
    assert!(fifo.schedule.choices.iter().all(|c| *c == Choice::Pick(0)), "{:?}", fifo.schedule);
    // Firing the third timer alone first ('b') lets it run before the other two fire.
    let mut choices = fifo.schedule.choices.clone();
    choices[picks_before_the_timers] = Choice::Pick(3);
    let run = weft::sim::proptest::run(&Schedule::from(choices), three_sleepers());
    assert!(run.is_ok(), "{:?}", run.failure);
    assert_eq!(run.output.as_deref(), Some(&["b".to_string(), "c".into(), "a".into()][..]));
    assert_eq!(run.elapsed, Duration::from_secs(1));
    assert_eq!(run.schedule.choices[picks_before_the_timers], Choice::Pick(3));
    assert_eq!(run.schedule.deviations(), 1);
    // What ran replays exactly.
    let again = Runtime::new().strategy(Strategy::Replay(run.schedule.clone())).run(three_sleepers());
    assert_eq!((again.output, again.schedule), (run.output, run.schedule));
}

#[test]
fn earlier_deadlines_fire_first_whatever_the_registration_order() {
    let run = Runtime::new().run(async {
        let log = log();
        let handles: Vec<_> = [3u64, 1, 2]
            .into_iter()
            .map(|s| {
                let log = log.clone();
                spawn(format!("s{s}"), async move {
                    sleep(Duration::from_secs(s)).await;
                    log.borrow_mut().push(format!("{s}@{}", now().as_secs()));
                })
            })
            .collect();
        for h in handles {
            h.await.unwrap();
        }
        log.take()
    });
    assert_eq!(run.output.unwrap(), ["1@1", "2@2", "3@3"]);
}

#[test]
fn cancelling_a_sleeping_task_removes_its_timer() {
    let run = Runtime::new().run(async {
        let sleeper = spawn("sleeper", sleep(Duration::from_secs(3600)));
        yield_now().await;
        sleeper.cancel();
        sleeper.await
    });
    assert_eq!(run.output, Some(Err(weft::Cancelled::new())));
    assert_eq!(run.elapsed, Duration::ZERO, "a cancelled timer must not hold the clock");
}

#[test]
fn a_cancelled_task_is_dropped_at_its_next_step_not_at_once() {
    let run = Runtime::new().run(async {
        let log = log();
        let l = log.clone();
        let t = spawn("t", async move {
            l.borrow_mut().push("t ran".to_string());
        });
        t.cancel(); // before its first step: it never runs
        log.borrow_mut().push(format!("finished right after cancel: {}", t.is_finished()));
        let result = t.await;
        (log.take(), result)
    });
    let (log, result) = run.output.unwrap();
    assert_eq!(log, ["finished right after cancel: false"]);
    assert_eq!(result, Err(weft::Cancelled::new()));
    let exits: Vec<_> =
        run.trace.events.iter().filter(|r| matches!(r.event, Event::Exit { exit: Exit::Cancelled })).collect();
    assert_eq!(exits.len(), 1);
}

#[test]
fn timeout_drops_the_inner_future_at_the_deadline() {
    let run = Runtime::new().run(async {
        let r = timeout(Duration::from_millis(1500), sleep(Duration::from_secs(10))).await;
        (r, now())
    });
    assert_eq!(run.output, Some((Err(weft::Elapsed), Duration::from_millis(1500))));
}

#[test]
fn a_panicking_task_fails_the_run_with_its_message_and_trace() {
    let run = Runtime::new().run(async {
        spawn("bomb", async { panic!("boom at {}", 42) }).await.ok();
    });
    let v = run.violation().expect("the panic fails the run");
    assert_eq!(v.kind, ViolationKind::Panic);
    assert!(v.message.contains("'bomb'") && v.message.contains("boom at 42"), "{v}");
    assert!(run.trace.to_text().contains("panicked: boom at 42"));
}

#[test]
fn a_spinning_program_fails_as_a_livelock_at_the_step_budget() {
    let run = Runtime::new().max_steps(500).run(async {
        loop {
            yield_now().await;
        }
    });
    let v = run.violation().expect("the budget stops it");
    assert_eq!(v.kind, ViolationKind::Livelock);
    assert_eq!(run.steps, 500);
    assert!(v.message.contains("500 steps"), "{v}");
}

#[test]
fn quiescence_with_blocked_tasks_is_a_deadlock_naming_what_each_waits_on() {
    let run = Runtime::new().run(async {
        let a = Rc::new(Lock::named("a"));
        let b = Rc::new(Lock::named("b"));
        let (a2, b2) = (a.clone(), b.clone());
        let t1 = spawn("t1", async move {
            a2.acquire().await;
            yield_now().await;
            b2.acquire().await;
        });
        let t2 = spawn("t2", async move {
            b.acquire().await;
            yield_now().await;
            a.acquire().await;
        });
        t1.await.unwrap();
        t2.await.unwrap();
    });
    let v = run.violation().expect("the lock-order inversion deadlocks");
    assert_eq!(v.kind, ViolationKind::Deadlock);
    for needle in ["'t1' (#1) waits on Lock 'b'", "'t2' (#2) waits on Lock 'a'", "'main' (#0) waits for task 't1'"] {
        assert!(v.message.contains(needle), "missing {needle:?} in:\n{v}");
    }
}

#[test]
fn the_same_seed_gives_a_byte_identical_trace() {
    let program = || async {
        let x = random_range(1..=50);
        let t = spawn("child", async move { sleep(Duration::from_secs(x)).await });
        t.await.unwrap();
        weft::println!("slept {x}");
    };
    let json = |seed| Runtime::new().seed(seed).run(program()).trace.to_json();
    assert_eq!(json(7), json(7));
    assert_ne!(json(7), json(8), "different seeds should draw different values here");
    let scenario = weft::scenarios::find("lock-race").unwrap();
    assert_eq!(scenario.run(3).trace.to_json(), scenario.run(3).trace.to_json());
}

#[test]
fn traces_round_trip_through_json() {
    for scenario in weft::scenarios::all() {
        let trace = scenario.run(1).trace;
        let back = weft::Trace::from_json(&trace.to_json()).expect("parses");
        assert_eq!(back, trace, "{}", scenario.name);
    }
}

#[test]
fn replaying_a_runs_schedule_reproduces_its_trace() {
    let program = || async {
        let a = spawn("a", async { random_range(0..=1000) });
        let b = spawn("b", async { yield_now().await });
        b.await.unwrap();
        a.await.unwrap()
    };
    let first = Runtime::new().seed(11).run(program());
    let schedule: Schedule = first.schedule.to_string().parse().unwrap();
    let again = Runtime::new().seed(11).strategy(Strategy::Replay(schedule)).run(program());
    assert_eq!(again.output, first.output);
    assert_eq!(again.trace.events, first.trace.events);
}

#[test]
fn a_schedule_that_no_longer_fits_reports_where_it_diverged() {
    let program = || async {
        let a = spawn("a", yield_now());
        let b = spawn("b", yield_now());
        a.await.unwrap();
        b.await.unwrap();
    };
    let bogus = Schedule::from(vec![weft::Choice::Pick(7)]);
    let run = Runtime::new().strategy(Strategy::Replay(bogus)).run(program());
    match run.failure {
        Some(Failure::Diverged(d)) => {
            assert_eq!(d.choice, 0);
            let msg = d.to_string();
            assert!(msg.contains("pick ready[7]") && msg.contains("ready tasks"), "{msg}");
        }
        other => panic!("expected a divergence, got {other:?}"),
    }
}

#[test]
#[should_panic(expected = "outside a weft simulation")]
fn weft_apis_outside_a_simulation_panic_with_a_clear_message() {
    futures::executor::block_on(sleep(Duration::from_secs(1)));
}

#[test]
fn a_primitive_created_outside_the_run_is_traced_in_every_run_that_uses_it() {
    let lock = Rc::new(Lock::named("made-outside"));
    let program = |lock: Rc<Lock>| async move {
        let _id = Lock::named("made-inside"); // registers first, at creation, as r0
        lock.acquire().await; // first use: registers as r1 in this run
        lock.release().unwrap();
    };
    for _ in 0..2 {
        let run = Runtime::new().run(program(lock.clone()));
        let text = run.trace.to_text();
        assert!(text.contains("new Lock 'made-outside' (r1"), "{text}");
        assert!(text.contains("Lock 'made-outside': grant"), "{text}");
    }
}

#[test]
fn the_default_budget_grows_with_the_program_so_100_000_short_tasks_pass() {
    let run = Runtime::new().tracing(false).run(async {
        let tasks: Vec<_> = (0..100_000).map(|i| spawn(format!("t{i}"), yield_now())).collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    let failure = run.failure.as_ref().map(|f| f.to_string().chars().take(400).collect::<String>());
    assert!(run.is_ok(), "{failure:?}");
    assert!(run.steps > 200_000, "each task takes two steps: {}", run.steps);
}

#[test]
fn an_explicit_budget_stays_exact() {
    let run = Runtime::new().max_steps(1_000).run(async {
        let tasks: Vec<_> = (0..1_000).map(|i| spawn(format!("t{i}"), yield_now())).collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(run.violation().map(|v| v.kind), Some(ViolationKind::Livelock));
    assert_eq!(run.steps, 1_000);
}

#[test]
fn a_livelock_lists_a_screenful_of_its_ready_tasks() {
    let run = Runtime::new().tracing(false).max_steps(150_000).run(async {
        let spinners: Vec<_> = (0..100_000)
            .map(|i| {
                spawn(format!("s{i}"), async {
                    loop {
                        yield_now().await;
                    }
                })
            })
            .collect();
        for s in spinners {
            let _ = s.await;
        }
    });
    let v = run.violation().expect("the spinners never stop");
    assert_eq!(v.kind, ViolationKind::Livelock);
    // All 100,000 spinners are ready: 150,000 steps in (main took the first), 's49999' first.
    let listed: Vec<String> = (49_999..50_009).map(|i| format!("'s{i}'")).collect();
    let expected = format!("(still ready: {}, and 99,990 more)", listed.join(", "));
    assert!(v.message.contains(&expected), "{}", &v.message[..v.message.len().min(600)]);
    assert!(v.message.len() < 500, "{} bytes", v.message.len());
}

#[test]
fn a_deadlock_of_100_000_tasks_lists_a_screenful_of_them() {
    let run = Runtime::new().tracing(false).run(async {
        let lock = Rc::new(Lock::named("l"));
        lock.acquire().await; // and never released
        let waiters: Vec<_> = (0..100_000)
            .map(|i| {
                let lock = lock.clone();
                spawn(format!("w{i}"), async move {
                    lock.acquire().await;
                })
            })
            .collect();
        yield_now().await; // every waiter queues for the lock
        for w in waiters {
            let _ = w.await;
        }
    });
    let v = run.violation().expect("nobody releases the lock");
    assert_eq!(v.kind, ViolationKind::Deadlock);
    let lines: Vec<&str> = v.message.lines().collect();
    assert_eq!(lines[0], "100,001 task(s) blocked with nothing ready and no timer pending, and none could progress:");
    assert_eq!(
        lines[1],
        "  wait-for cycle: 'main' (#0) holds Lock 'l' (r0) and waits for 'w0' (#1) to finish, which waits for Lock 'l' (r0), held by 'main' (#0)"
    );
    assert_eq!(lines[2], "  'main' (#0) waits for task 'w0' (#1) to finish");
    assert_eq!(lines[3], "  'w0' (#1) waits on Lock 'l' (r0), held by 'main' (#0) (since step 2)");
    assert_eq!(lines.len(), 2 + 10 + 1, "{}", &v.message[..v.message.len().min(2000)]);
    assert_eq!(lines[12], "  ... and 99,991 more");
}

/// The tasks that ended cancelled, in the order they ended.
fn cancelled_in_order<T>(run: &weft::Run<T>) -> Vec<String> {
    let names: Vec<String> = run
        .trace
        .events
        .iter()
        .filter_map(|r| match &r.event {
            Event::Spawn { name, .. } => Some(name.clone()),
            _ => None,
        })
        .collect();
    let cancelled = run.trace.events.iter().filter(|r| matches!(r.event, Event::Exit { exit: Exit::Cancelled }));
    cancelled.filter_map(|r| r.task).map(|t| names[t.index()].clone()).collect()
}

#[test]
fn cancelling_a_chain_of_awaits_cancels_it_from_its_end() {
    let run = Runtime::new().run(async {
        let c = spawn("c", sleep(Duration::from_secs(10)));
        let b = spawn("b", c); // b awaits c
        let a = spawn("a", b); // a awaits b
        sleep(Duration::from_secs(1)).await;
        a.cancel();
        a.await
    });
    assert_eq!(run.output, Some(Err(weft::Cancelled::new())));
    assert_eq!(cancelled_in_order(&run), ["c", "b", "a"]);
    assert_eq!(run.elapsed, Duration::from_secs(1), "c's timer went with it");
}

#[test]
fn a_timeout_on_a_handle_cancels_its_task_at_the_deadline() {
    let run = Runtime::new().run(async {
        let child = spawn("child", sleep(Duration::from_secs(10)));
        let r = timeout(Duration::from_secs(1), child).await;
        sleep(Duration::from_secs(1)).await;
        r
    });
    assert_eq!(run.output, Some(Err(weft::Elapsed)));
    assert_eq!(cancelled_in_order(&run), ["child"]);
    assert_eq!(run.elapsed, Duration::from_secs(2));
}

#[test]
fn a_handle_awaited_by_reference_or_never_awaited_detaches() {
    let run = Runtime::new().run(async {
        let mut child = spawn("child", async {
            sleep(Duration::from_secs(10)).await;
            7
        });
        let early = timeout(Duration::from_secs(1), &mut child).await;
        let detached = spawn("detached", sleep(Duration::from_secs(3)));
        drop(detached);
        (early, child.await)
    });
    assert_eq!(run.output, Some((Err(weft::Elapsed), Ok(7))));
    assert!(cancelled_in_order(&run).is_empty(), "{:?}", cancelled_in_order(&run));
    assert_eq!(run.elapsed, Duration::from_secs(10));
}

// ---------------------------------------------------------------------------------------------
// No silent hang: the child tests below hang on purpose; the parents run them in a child process
// (this test binary, filtered to one ignored test) and read what it printed.

/// Set in the child process only, so that `cargo test -- --ignored` does not hang.
const HANG_CHILD: &str = "WEFT_TEST_HANG_CHILD";

/// Runs the ignored test `name` of this binary in a child process, with `env` set.
fn run_child(name: &str, env: &[(&str, &str)]) -> (Option<i32>, String, Duration) {
    let exe = std::env::current_exe().expect("the test binary");
    let mut child = std::process::Command::new(exe);
    child.args(["--exact", name, "--ignored", "--nocapture", "--test-threads=1"]).env(HANG_CHILD, "1");
    child.env_remove("WEFT_HANG_TIMEOUT").env_remove("WEFT_REPLAY");
    for (k, v) in env {
        child.env(k, v);
    }
    let started = std::time::Instant::now();
    let out = child.output().expect("the child runs");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned(), started.elapsed())
}

/// Main spawns 'spinner', which loops forever without an `.await` in its second step.
async fn spinner() {
    let t = spawn("spinner", async {
        yield_now().await;
        let mut n = 0u64;
        loop {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    });
    t.await.unwrap();
}

#[test]
#[ignore = "hangs on purpose: run by a_poll_that_never_returns_is_reported_and_ends_the_process"]
fn hanging_child_runtime() {
    if std::env::var_os(HANG_CHILD).is_none() {
        return;
    }
    let timeout = std::env::var("CHILD_BUILDER_TIMEOUT").ok().and_then(|s| s.parse().ok()).map(Duration::from_secs);
    let rt = Runtime::new().name("hanging_child_runtime");
    let rt = match timeout {
        Some(t) => rt.hang_timeout(t),
        None => rt,
    };
    rt.run(spinner());
}

#[test]
fn a_poll_that_never_returns_is_reported_and_ends_the_process() {
    for env in [&[("WEFT_HANG_TIMEOUT", "1")][..], &[("CHILD_BUILDER_TIMEOUT", "1")][..]] {
        let (code, stderr, took) = run_child("hanging_child_runtime", env);
        assert_eq!(code, Some(1), "{env:?}: {stderr}");
        for needle in [
            // Steps: main (spawns and awaits), spinner (yields), spinner (spins).
            "weft: task 'spinner' (#1) has not returned from its poll at step 3 of run 'hanging_child_runtime' (seed 0) for more than 1.",
            "weft: a poll that never returns cannot be interrupted, so weft ends the process.",
            // Never more than one task ready: no choice was made.
            "weft: the run so far replays with schedule weft2:\n",
            "(in a test: WEFT_REPLAY=weft2: cargo test hanging_child_runtime;",
        ] {
            assert!(stderr.contains(needle), "{env:?}: {needle:?} missing from:\n{stderr}");
        }
        assert!(took < Duration::from_secs(30), "{env:?}: took {took:?}");
    }
}

#[test]
#[ignore = "hangs on purpose: run by an_explorations_hang_prints_a_replay_line_that_hangs_the_same_way"]
fn hanging_child_explore() {
    if std::env::var_os(HANG_CHILD).is_none() {
        return;
    }
    // Hangs only when 'b' runs after 'a' has written, and b draws 2.
    weft::explore(|| async {
        let x = Rc::new(std::cell::Cell::new(0));
        let x2 = x.clone();
        let a = spawn("a", async move {
            yield_now().await;
            x2.set(1);
        });
        let b = spawn("b", async move {
            yield_now().await;
            let n = random_range(0..=2);
            while x.get() == 1 && n == 2 {
                std::hint::black_box(());
            }
        });
        a.await.unwrap();
        b.await.unwrap();
    })
    .strategy(Strategy::Random)
    .schedules(10_000)
    .jobs(1)
    .run()
    .assert_ok();
}

/// The hung step and task, and the replay line, from a child's report.
fn hang_of(stderr: &str) -> (String, String) {
    let at = stderr.find("has not returned").unwrap_or_else(|| panic!("no hang report in:\n{stderr}"));
    let who = stderr[..at].rsplit("weft: ").next().unwrap().to_string();
    let step = stderr[at..].split(" of run").next().unwrap().to_string();
    let line = stderr.split("replays with schedule ").nth(1).unwrap().split_whitespace().next().unwrap().to_string();
    (format!("{who}{step}"), line)
}

#[test]
fn an_explorations_hang_prints_a_replay_line_that_hangs_the_same_way() {
    let (code, stderr, _) = run_child("hanging_child_explore", &[("WEFT_HANG_TIMEOUT", "1")]);
    assert_eq!(code, Some(1), "{stderr}");
    let (hang, schedule) = hang_of(&stderr);
    assert!(hang.starts_with("task 'b' (#2) has not returned from its poll at step"), "{hang}");
    assert!(stderr.contains(&format!("WEFT_REPLAY={schedule} cargo test hanging_child_explore")), "{stderr}");
    // The line is the run's own schedule so far: replayed, it hangs at the same step, with the
    // same schedule.
    let (code, again, _) =
        run_child("hanging_child_explore", &[("WEFT_HANG_TIMEOUT", "1"), ("WEFT_REPLAY", &schedule)]);
    assert_eq!(code, Some(1), "{again}");
    assert_eq!(hang_of(&again), (hang, schedule));
}

#[test]
fn a_hang_timeout_that_is_not_a_number_of_seconds_fails_naming_the_variable() {
    let (code, stderr, _) = run_child("hanging_child_runtime", &[("WEFT_HANG_TIMEOUT", "ten")]);
    assert_eq!(code, Some(101), "a test failure: {stderr}");
    assert!(stderr.contains("weft: WEFT_HANG_TIMEOUT=ten is not a number of seconds"), "{stderr}");
}

#[test]
fn the_watchdog_changes_nothing_a_run_does() {
    let program = || async {
        let lock = Rc::new(Lock::named("l"));
        let tasks: Vec<_> = (0..4)
            .map(|i| {
                let lock = lock.clone();
                spawn(format!("w{i}"), async move {
                    let _held = lock.lock().await;
                    sleep(Duration::from_millis(random_range(1..=3))).await;
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    };
    for seed in 0..20 {
        let rt = || Runtime::new().strategy(Strategy::Random).seed(seed);
        let watched = rt().hang_timeout(Duration::from_secs(5)).run(program());
        let unwatched = rt().hang_timeout(Duration::ZERO).run(program());
        assert_eq!(watched.trace.to_json(), unwatched.trace.to_json());
        assert_eq!(watched.schedule, unwatched.schedule);
    }
}
