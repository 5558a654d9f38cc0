//! The correct primitives pass the workloads that find every mutant of the zoo (`tests/zoo.rs`),
//! with every kind of fault on: no false positives from the checkers, the workloads or the
//! fault injection. CI runs `SCHEDULES` per workload; `cargo test --release --test workloads --
//! --ignored` runs 125,000 per workload and strategy: 10^6 schedules in all, issue 12's
//! zero-false-positive run of the exact wake-up accounting.

use std::future::Future;
use std::rc::Rc;
use weft::prelude::*;
use weft::{workloads, Condition, Queue, Semaphore};

const SCHEDULES: u64 = 2_000;
const HEAVY: u64 = 125_000;

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
    pass(strategy.clone(), schedules, || workloads::lock(Rc::new(Lock::new())));
    pass(strategy.clone(), schedules, || workloads::semaphore(Rc::new(Semaphore::new(2)), 2));
    pass(strategy.clone(), schedules, || workloads::condition(Rc::new(Condition::new())));
    pass(strategy, schedules, || workloads::queue(Rc::new(Queue::new(0))));
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
#[ignore = "heavy: 125,000 schedules per workload and strategy (10^6 in all); run with --release -- --ignored"]
fn the_correct_primitives_pass_a_million_schedules_with_faults() {
    all_workloads(Strategy::Random, HEAVY);
    all_workloads(Strategy::Pct { depth: 3 }, HEAVY);
}
