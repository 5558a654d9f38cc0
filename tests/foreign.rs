//! Foreign primitives under weft: tokio's `Mutex` and `Semaphore`, `futures::lock::Mutex`, and
//! async-lock's `Mutex` and `Semaphore`, each described with `weft::resource::Resource`
//! as promising FIFO order, then explored with every strategy, with and without cancellations.
//!
//! The verdicts, with their replay lines and what each crate's documentation promises, are in
//! `docs/foreign-primitives.md`; `the_documented_replay_lines_reproduce_their_violations`
//! replays exactly the lines written there.

use std::rc::Rc;
use weft::resource::Resource;
use weft::sim::{Failure, Report};
use weft::{explore, spawn, yield_now, Faults, Runtime, Schedule, Strategy, ViolationKind};

/// The primitives under test: one constructor per program, so that every run builds its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Foreign {
    TokioMutex,
    TokioSemaphore,
    FuturesMutex,
    AsyncLockMutex,
    AsyncLockSemaphore,
}

/// How many may hold it at once in the programs below.
fn capacity(which: Foreign) -> usize {
    match which {
        Foreign::TokioSemaphore | Foreign::AsyncLockSemaphore => 2,
        _ => 1,
    }
}

/// `workers` tasks each take the primitive `rounds` times, yielding while they hold it. Every
/// acquisition goes through `Resource::acquire`, declared FIFO, so the checkers hold the
/// primitive to that promise and to its capacity.
async fn contend(which: Foreign, workers: usize, rounds: usize) {
    let res = Rc::new(Resource::foreign(&format!("{which:?}"), capacity(which) as u64, true));
    let tokio_mutex = Rc::new(tokio::sync::Mutex::new(()));
    let tokio_sem = Rc::new(tokio::sync::Semaphore::new(2));
    let futures_mutex = Rc::new(futures::lock::Mutex::new(()));
    let async_mutex = Rc::new(async_lock::Mutex::new(()));
    let async_sem = Rc::new(async_lock::Semaphore::new(2));
    let tasks: Vec<_> = (0..workers)
        .map(|i| {
            let (tm, ts, fm, am, asem) =
                (tokio_mutex.clone(), tokio_sem.clone(), futures_mutex.clone(), async_mutex.clone(), async_sem.clone());
            let res = res.clone();
            spawn(format!("w{i}"), async move {
                for _ in 0..rounds {
                    match which {
                        Foreign::TokioMutex => {
                            let _held = res.acquire(tm.lock()).await;
                            yield_now().await;
                        }
                        Foreign::TokioSemaphore => {
                            let _held = res.acquire(ts.acquire()).await;
                            yield_now().await;
                        }
                        Foreign::FuturesMutex => {
                            let _held = res.acquire(fm.lock()).await;
                            yield_now().await;
                        }
                        Foreign::AsyncLockMutex => {
                            let _held = res.acquire(am.lock()).await;
                            yield_now().await;
                        }
                        Foreign::AsyncLockSemaphore => {
                            let _held = res.acquire(asem.acquire()).await;
                            yield_now().await;
                        }
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        // A worker cancelled by a fault ends with `Err(Cancelled::new())`; the others carry on.
        let _ = t.await;
    }
}

fn strategies() -> Vec<Strategy> {
    vec![Strategy::Random, Strategy::Pct { depth: 3 }, Strategy::Dfs { max_preemptions: Some(2) }]
}

fn explore_one(which: Foreign, strategy: Strategy, schedules: u64, faults: Faults) -> Report {
    explore(move || contend(which, 3, 2))
        .name(format!("foreign-{which:?}"))
        .strategy(strategy)
        .schedules(schedules)
        .faults(faults)
        .environment(false)
        .run()
}

fn violation(report: &Report) -> Option<(ViolationKind, String, String)> {
    let found = report.failure.as_ref()?;
    match &found.failure {
        Failure::Violation(v) => Some((v.kind, v.message.clone(), found.minimal().to_string())),
        other => panic!("expected a violation, got {other}"),
    }
}

/// The FIFO-fair ones (tokio's): no violation of any kind, under any strategy, with cancellations.
#[test]
fn tokio_mutex_and_semaphore_keep_fifo_capacity_and_wakeups() {
    for which in [Foreign::TokioMutex, Foreign::TokioSemaphore] {
        for strategy in strategies() {
            for faults in [Faults::none(), Faults { cancel: true, ..Faults::none() }] {
                let report = explore_one(which, strategy.clone(), 300, faults);
                assert!(report.is_ok(), "{which:?} under {strategy}: {report}");
            }
        }
    }
}

/// The ones that document no fairness: every strategy finds a newcomer barging past a waiter,
/// and nothing worse (no capacity or wake-up violation) with cancellations.
#[test]
fn futures_and_async_lock_primitives_let_newcomers_barge() {
    for which in [Foreign::FuturesMutex, Foreign::AsyncLockMutex, Foreign::AsyncLockSemaphore] {
        for strategy in strategies() {
            let report = explore_one(which, strategy.clone(), 300, Faults::none());
            let (kind, message, _) =
                violation(&report).unwrap_or_else(|| panic!("{which:?} under {strategy}: no FIFO violation found"));
            assert_eq!(kind, ViolationKind::Fifo, "{which:?} under {strategy}: {message}");
            assert!(message.contains("a newcomer barging"), "{which:?}: {message}");
        }
    }
}

/// The same primitives declared *without* a FIFO promise pass: capacity holds and no wake-up is
/// lost, also with cancellations at the worst moments.
#[test]
fn unfair_primitives_keep_capacity_and_wakeups_when_not_held_to_fifo() {
    async fn unfair(which: Foreign) {
        let res = Rc::new(Resource::foreign(&format!("{which:?}"), capacity(which) as u64, false));
        let fm = Rc::new(futures::lock::Mutex::new(()));
        let am = Rc::new(async_lock::Mutex::new(()));
        let asem = Rc::new(async_lock::Semaphore::new(2));
        let tasks: Vec<_> = (0..3)
            .map(|i| {
                let (fm, am, asem) = (fm.clone(), am.clone(), asem.clone());
                let res = res.clone();
                spawn(format!("w{i}"), async move {
                    for _ in 0..2 {
                        match which {
                            Foreign::FuturesMutex => {
                                let _h = res.acquire(fm.lock()).await;
                                yield_now().await;
                            }
                            Foreign::AsyncLockMutex => {
                                let _h = res.acquire(am.lock()).await;
                                yield_now().await;
                            }
                            _ => {
                                let _h = res.acquire(asem.acquire()).await;
                                yield_now().await;
                            }
                        }
                    }
                })
            })
            .collect();
        for t in tasks {
            let _ = t.await;
        }
    }
    for which in [Foreign::FuturesMutex, Foreign::AsyncLockMutex, Foreign::AsyncLockSemaphore] {
        for strategy in strategies() {
            for faults in [Faults::none(), Faults { cancel: true, ..Faults::none() }] {
                let report = explore(move || unfair(which))
                    .strategy(strategy.clone())
                    .schedules(300)
                    .faults(faults)
                    .environment(false)
                    .run();
                assert!(
                    report.is_ok() || wall_clock_divergence(which, &report),
                    "{which:?} under {strategy}: {report}"
                );
            }
        }
    }
}

/// Whether `report` stopped because `async_lock::Mutex` read the wall clock: it turns fair once
/// a lock operation has waited 0.5 ms of *real* time, which a loaded machine can take between
/// two steps. DFS then sees a run take another path than an earlier run of the same schedule
/// and reports the program as not deterministic: a true verdict, and not a broken capacity or a
/// lost wake-up (see the caveat in `docs/foreign-primitives.md`).
fn wall_clock_divergence(which: Foreign, report: &Report) -> bool {
    let Some(found) = &report.failure else { return false };
    which == Foreign::AsyncLockMutex
        && matches!(&found.failure, Failure::Diverged(d) if d.offered.contains("the program is not deterministic"))
}

/// The replay lines in `docs/foreign-primitives.md` reproduce the violations written there.
#[test]
fn the_documented_replay_lines_reproduce_their_violations() {
    for (which, line, needle) in DOCUMENTED {
        let schedule: Schedule = line.parse().unwrap();
        let run = Runtime::new().strategy(Strategy::Replay(schedule)).run(contend(*which, 3, 2));
        let v = run.violation().unwrap_or_else(|| panic!("{which:?}: {line} no longer fails"));
        assert_eq!(v.kind, ViolationKind::Fifo, "{which:?}: {v}");
        assert!(v.to_string().contains(needle), "{which:?}: {needle:?} missing from {v}");
    }
}

/// (primitive, replay line, part of the message), as in `docs/foreign-primitives.md`.
const DOCUMENTED: &[(Foreign, &str, &str)] = &[
    (Foreign::FuturesMutex, "weft2:DQ", "'w0' (#1) took it on the fast path (a newcomer barging), while 'w2' (#3)"),
    (Foreign::AsyncLockMutex, "weft2:DQ", "'w0' (#1) took it on the fast path (a newcomer barging), while 'w2' (#3)"),
    (
        Foreign::AsyncLockSemaphore,
        "weft2:EQ",
        "'w0' (#1) took it on the fast path (a newcomer barging), while 'w2' (#3) had been waiting since step 4 (woken, its task not yet run)",
    ),
];

/// Heavy: tokio's primitives under 100,000 schedules per strategy, with cancellations
/// (`cargo test --release --test foreign -- --ignored`).
#[test]
#[ignore = "heavy: cargo test --release --test foreign -- --ignored"]
fn heavy_tokio_primitives_keep_their_promises_over_100k_schedules_per_strategy() {
    for which in [Foreign::TokioMutex, Foreign::TokioSemaphore] {
        for strategy in strategies() {
            let report = explore(move || contend(which, 4, 2))
                .strategy(strategy.clone())
                .schedules(100_000)
                .faults(Faults { cancel: true, ..Faults::none() })
                .environment(false)
                .run();
            assert!(report.is_ok(), "{which:?} under {strategy}: {report}");
            assert!(report.schedules == 100_000 || report.enumerated, "{report}");
            eprintln!("{which:?}: {report}");
        }
    }
}

#[test]
fn a_foreign_resource_created_outside_the_run_is_traced_in_it() {
    let res = Rc::new(Resource::foreign("made-outside", 1, true));
    let mutex = Rc::new(futures::lock::Mutex::new(()));
    let (r, m) = (res.clone(), mutex.clone());
    let run = Runtime::new().run(async move {
        let _held = r.acquire(m.lock()).await;
    });
    let text = run.trace.to_text();
    assert!(text.contains("new Resource 'made-outside'"), "{text}");
    assert!(
        text.contains("Resource 'made-outside': grant") && text.contains("Resource 'made-outside': release"),
        "{text}"
    );
}
