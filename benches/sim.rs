//! The executor's cost: one run of the tutorial's 1.2 program (12 virtual seconds), and the cost
//! per scheduling step on a yield-heavy workload against `futures::executor::LocalPool`.
//!
//! `cargo bench --bench sim`

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use futures::task::LocalSpawnExt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft::Runtime;

const TASKS: usize = 8;
const YIELDS: usize = 10_000;

fn tutorial(c: &mut Criterion) {
    let scenario = weft::scenarios::find("lock-raise").unwrap();
    let mut group = c.benchmark_group("tutorial-1.2");
    group.bench_function("traced", |b| b.iter(|| Runtime::new().run((scenario.program)())));
    group.bench_function("untraced", |b| b.iter(|| Runtime::new().tracing(false).run((scenario.program)())));
    group.finish();
}

/// A yield that wakes itself once, as `yield_now` does, for executors other than weft.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn yields(c: &mut Criterion) {
    let mut group = c.benchmark_group("yield-heavy-8x10000");
    group.throughput(Throughput::Elements((TASKS * YIELDS) as u64));
    group.sample_size(20);
    group.bench_function("weft", |b| {
        b.iter(|| {
            Runtime::new().tracing(false).max_steps(u64::MAX).run(async {
                let tasks: Vec<_> = (0..TASKS)
                    .map(|i| {
                        weft::spawn(format!("t{i}"), async {
                            for _ in 0..YIELDS {
                                weft::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            })
        })
    });
    group.bench_function("futures-local-pool", |b| {
        b.iter_batched(
            futures::executor::LocalPool::new,
            |mut pool| {
                for _ in 0..TASKS {
                    pool.spawner()
                        .spawn_local(async {
                            for _ in 0..YIELDS {
                                YieldOnce(false).await;
                            }
                        })
                        .unwrap();
                }
                pool.run();
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, tutorial, yields);
criterion_main!(benches);
