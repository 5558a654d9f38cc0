//! What weft's invariant checkers cost: runs per second of the explore benchmark's program
//! (tasks that lock a shared `Lock` around a read-`yield_now`-write) under Random and PCT,
//! with the checkers on (the default) and off (`Runtime::checks(false)`), one run per seed as
//! an exploration makes them (tracing off, as exploration runs are until one fails).
//!
//! Run with `cargo bench --bench checkers`; criterion reports `thrpt` in runs/s per
//! (strategy, checks) pair. The cost of the checkers is `1 - on/off`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;
use weft::{spawn, yield_now, Lock, Runtime, Strategy};

/// Runs per measured iteration.
const RUNS: u64 = 500;

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

fn runs(strategy: &Strategy, checks: bool, tasks: u64) {
    for seed in 0..RUNS {
        let run = Runtime::new()
            .strategy(strategy.clone())
            .seed(seed)
            .tracing(false)
            .checks(checks)
            .run(locked_increments(tasks));
        assert!(run.is_ok());
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("runs");
    group.throughput(Throughput::Elements(RUNS));
    group.sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    for strategy in [Strategy::Random, Strategy::Pct { depth: 3 }] {
        for tasks in [3, 8] {
            for checks in [false, true] {
                let id = format!("{strategy}/{tasks}-tasks/checks-{}", if checks { "on" } else { "off" });
                group.bench_function(BenchmarkId::from_parameter(id), |b| b.iter(|| runs(&strategy, checks, tasks)));
            }
        }
    }
    group.finish();

    // The checkers alone: `weft::check` over a stored trace of one 8-task run.
    let run = Runtime::new().strategy(Strategy::Random).seed(1).run(locked_increments(8));
    let mut group = c.benchmark_group("offline");
    group.throughput(Throughput::Elements(run.trace.events.len() as u64));
    group.sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    group.bench_function("check-8-tasks-trace", |b| b.iter(|| assert!(weft::check(&run.trace).is_none())));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
