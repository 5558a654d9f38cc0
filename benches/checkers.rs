//! How fast `weft::check` reads a stored trace (offline checking), and what the online
//! checkers' step-end rules cost as a run's resources grow (group `idle-resources`: the same
//! steps among 1 and 512 locks that only one of them is used of; the rules look at what a step
//! touched, so the two should cost about the same per step). What the checkers cost an
//! exploration (checks on against off) is measured by `cargo bench --bench explore -- checks`.
//!
//! Run with `cargo bench --bench checkers`; criterion reports `thrpt` in records/s (group
//! `offline`) and steps/s (group `idle-resources`).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::rc::Rc;
use std::time::Duration;
use weft::{explore, spawn, yield_now, Lock, Runtime, Strategy};

fn offline(c: &mut Criterion) {
    // One traced run of the semaphore workload (four workers, faults on): a trace of every kind
    // of record the checkers follow.
    let scenario = weft::scenarios::find("workload-semaphore").expect("the catalog has it");
    let run = Runtime::new().strategy(Strategy::Random).seed(1).faults(scenario.faults).run((scenario.program)());
    assert!(run.is_ok(), "{:?}", run.failure);
    let mut group = c.benchmark_group("offline");
    group.throughput(Throughput::Elements(run.trace.events.len() as u64));
    group.sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    group.bench_function("check-workload-semaphore-trace", |b| b.iter(|| assert!(weft::check(&run.trace).is_none())));
    group.finish();
}

/// `locks` locks made, then three tasks each take the first of them 50 times around a yield.
async fn one_lock_among(locks: usize) {
    let locks: Rc<Vec<Lock>> = Rc::new((0..locks).map(|_| Lock::new()).collect());
    let handles: Vec<_> = (0..3)
        .map(|i| {
            let locks = locks.clone();
            spawn(format!("t{i}"), async move {
                for _ in 0..50 {
                    let _held = locks[0].lock().await;
                    yield_now().await;
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
}

fn idle_resources(c: &mut Criterion) {
    let mut group = c.benchmark_group("idle-resources");
    group.sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    for locks in [1, 512] {
        let run = || {
            let report = explore(move || one_lock_among(locks))
                .name("bench")
                .schedules(20)
                .memo(false)
                .environment(false)
                .shrink(false)
                .run();
            assert!(report.is_ok(), "{report}");
            report.steps
        };
        group.throughput(Throughput::Elements(run()));
        group.bench_function(BenchmarkId::new("locks", locks), |b| b.iter(run));
    }
    group.finish();
}

criterion_group!(benches, offline, idle_resources);
criterion_main!(benches);
