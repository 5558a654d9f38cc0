//! Exploration throughput: schedules (and steps) per second for tasks that lock a shared `Lock`
//! around a read-`yield_now`-write, under Random and PCT, on one and two workers.
//!
//! Run with `cargo bench --bench explore`; criterion reports `thrpt` in schedules/s (group
//! `schedules`) and steps/s (group `steps`). Group `checks` compares one worker with weft's
//! checkers on (the default, with the verdict memo), on for every run (the memo off), and off:
//! `cargo bench --bench explore -- checks`. Group `faults` explores with spurious wake-ups and
//! forced yields injected (each step is offered a fault at the default rate), among 8 and 64
//! tasks: `cargo bench --bench explore -- faults`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;
use weft::{explore, spawn, yield_now, Faults, Lock, Report, Strategy};

/// Schedules per measured iteration.
const SCHEDULES: u64 = 2000;

/// `tasks` tasks each lock, read the counter, yield, write it back plus one, unlock.
async fn locked_increments(tasks: u64) {
    let lock = Rc::new(Lock::new());
    let x = Rc::new(Cell::new(0));
    let handles: Vec<_> = (0..tasks)
        .map(|i| {
            let (lock, x) = (lock.clone(), x.clone());
            spawn(format!("t{i}"), async move {
                let _held = lock.lock().await;
                let v = x.get();
                yield_now().await;
                x.set(v + 1);
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(x.get(), tasks);
}

fn exploration(tasks: u64, strategy: &Strategy, jobs: usize) -> Report {
    exploration_with(tasks, strategy, jobs, true, true)
}

fn exploration_with(tasks: u64, strategy: &Strategy, jobs: usize, checks: bool, memo: bool) -> Report {
    let report = explore(move || locked_increments(tasks))
        .name("bench")
        .checks(checks)
        .memo(memo)
        .strategy(strategy.clone())
        .schedules(SCHEDULES)
        .jobs(jobs)
        .environment(false)
        .run();
    assert!(report.is_ok(), "{report}");
    report
}

fn bench(c: &mut Criterion) {
    let strategies = [Strategy::Random, Strategy::Pct { depth: 3 }];
    for (group, per_steps) in [("schedules", false), ("steps", true)] {
        let mut g = c.benchmark_group(group);
        g.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
        for tasks in [3u64, 8] {
            for strategy in &strategies {
                for jobs in [1usize, 2] {
                    let elements = if per_steps { exploration(tasks, strategy, 1).steps } else { SCHEDULES };
                    g.throughput(Throughput::Elements(elements));
                    let id = BenchmarkId::new(format!("{tasks}-tasks/{strategy}"), jobs);
                    g.bench_with_input(id, &jobs, |b, &jobs| b.iter(|| exploration(tasks, strategy, jobs)));
                }
            }
        }
        g.finish();
    }
}

/// What the checkers cost: the same explorations on one worker, checks on (as a test runs them,
/// the verdict memo on), on for every run as it runs (the memo off: what the checkers
/// themselves cost), and off.
fn checks(c: &mut Criterion) {
    let mut g = c.benchmark_group("checks");
    g.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    g.throughput(Throughput::Elements(SCHEDULES));
    for tasks in [3u64, 8] {
        for strategy in [Strategy::Random, Strategy::Pct { depth: 3 }] {
            for (name, checks, memo) in [("on", true, true), ("on-every-run", true, false), ("off", false, true)] {
                let id = BenchmarkId::new(format!("{tasks}-tasks/{strategy}"), name);
                g.bench_function(id, |b| b.iter(|| exploration_with(tasks, &strategy, 1, checks, memo)));
            }
        }
    }
    g.finish();
}

/// What offering faults costs: the locked increments of 8 and 64 tasks, with spurious wake-ups
/// and forced yields (faults that leave the program correct) offered at every step.
fn faults(c: &mut Criterion) {
    let mut g = c.benchmark_group("faults");
    g.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    let faults = Faults { spurious: true, force_yield: true, ..Faults::none() };
    for tasks in [8u64, 64] {
        let run = move || {
            let report = explore(move || locked_increments(tasks))
                .name("bench")
                .faults(faults)
                .schedules(SCHEDULES / 10)
                .environment(false)
                .run();
            assert!(report.is_ok(), "{report}");
            report.steps
        };
        g.throughput(Throughput::Elements(run()));
        g.bench_function(BenchmarkId::new("tasks", tasks), |b| b.iter(run));
    }
    g.finish();
}

criterion_group!(benches, bench, checks, faults);
criterion_main!(benches);
