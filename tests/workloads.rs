//! The correct primitives pass the workloads that find every mutant of the zoo (`tests/zoo.rs`),
//! with every kind of fault on: no false positives from the checkers, the workloads or the
//! fault injection. CI runs `SCHEDULES` per workload; `cargo test --release --test workloads --
//! --ignored` runs the 100,000 per workload and strategy.

use std::future::Future;
use std::rc::Rc;
use weft::prelude::*;
use weft::workloads::{self, Permits};

const SCHEDULES: u64 = 2_000;
const HEAVY: u64 = 100_000;

fn pass<F: Future<Output = ()> + 'static>(strategy: Strategy, schedules: u64, program: impl Fn() -> F + Send + Sync) {
    explore(program)
        .strategy(strategy)
        .faults(Faults::all())
        .schedules(schedules)
        .seed(7)
        .environment(false)
        .run()
        .assert_ok();
}

fn all_workloads(strategy: Strategy, schedules: u64) {
    let free = Permits { capacity: 2, held: 0 };
    pass(strategy.clone(), schedules, || workloads::lock(Rc::new(Lock::new())));
    pass(strategy.clone(), schedules, move || workloads::semaphore(Rc::new(Semaphore::new(2)), free));
    pass(strategy.clone(), schedules, || {
        workloads::semaphore(Rc::new(Semaphore::new(0)), Permits { capacity: 2, held: 2 })
    });
    pass(strategy.clone(), schedules, || {
        workloads::semaphore(Rc::new(Semaphore::new(1)), Permits { capacity: 3, held: 2 })
    });
    pass(strategy.clone(), schedules, move || workloads::semaphore(Rc::new(BoundedSemaphore::new(2)), free));
    pass(strategy.clone(), schedules, || workloads::condition(Rc::new(Condition::new())));
    pass(strategy.clone(), schedules, || workloads::event(Rc::new(Event::new())));
    pass(strategy.clone(), schedules, || workloads::barrier(Rc::new(Barrier::new(3).unwrap())));
    pass(strategy.clone(), schedules, || workloads::barrier(Rc::new(Barrier::new(1).unwrap())));
    pass(strategy.clone(), schedules, || workloads::queue(Rc::new(Queue::new(0))));
    pass(strategy.clone(), schedules, || workloads::queue(Rc::new(Queue::new(1))));
    pass(strategy, schedules, || workloads::queue(Rc::new(Queue::new(2))));
}

#[test]
fn the_correct_primitives_pass_every_workload_with_faults_under_random() {
    all_workloads(Strategy::Random, SCHEDULES);
}

#[test]
fn the_correct_primitives_pass_every_workload_with_faults_under_pct() {
    all_workloads(Strategy::Pct { depth: 3 }, SCHEDULES);
}

#[test]
#[ignore = "heavy: 100,000 schedules per workload and strategy; run with --release -- --ignored"]
fn the_correct_primitives_pass_100k_schedules_per_workload_and_strategy() {
    all_workloads(Strategy::Random, HEAVY);
    all_workloads(Strategy::Pct { depth: 3 }, HEAVY);
}
