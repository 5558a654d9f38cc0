//! How fast `weft::check` reads a stored trace (offline checking). What the checkers cost an
//! exploration (checks on against off) is measured by `cargo bench --bench explore -- checks`.
//!
//! Run with `cargo bench --bench checkers`; criterion reports `thrpt` in records/s.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;
use weft::{Runtime, Strategy};

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

criterion_group!(benches, offline);
criterion_main!(benches);
