//! The user-style zoo (`docs/bug-zoo-user.md`): primitives from other ecosystems written
//! against the public resource API, each passing its workload under every fault, and its
//! historical mutant found by the same workload, with no hint of its schedule, for the rule
//! its bug breaks.
//!
//! `cargo test --features mutants --test zoo_user`
#![cfg(feature = "mutants")]

use std::future::Future;
use std::rc::Rc;
use weft::prelude::*;
use weft::sim::Failure;
use weft::traces::Rule;
use weft::zoo_user::{limiter::Limiter, listener::Event, notify::Notify, weighted::Weighted, workloads};
use weft::{Report, ViolationKind};

/// The correct primitive's budget: this many schedules, all faults, no failure.
const PASS: u64 = 20_000;
/// The mutant's budget: found within this many schedules.
const HUNT: u64 = 10_000;

fn explore_with<F: Future<Output = ()> + 'static>(
    program: impl Fn() -> F + Send + Sync,
    strategy: Strategy,
    schedules: u64,
    seed: u64,
) -> Report {
    explore(program).strategy(strategy).faults(Faults::all()).schedules(schedules).seed(seed).environment(false).run()
}

/// The mutant was found, for the user rule `rule`, and the failure replays.
fn assert_found(id: &str, report: &Report, rule: &str) {
    let found =
        report.failure.as_ref().unwrap_or_else(|| panic!("{id} survived {} schedules:\n{report}", report.schedules));
    assert!(found.reproduced, "{id}: the failure did not replay");
    match &found.failure {
        Failure::Violation(v) => {
            assert_eq!((v.kind, &v.rule), (ViolationKind::Invariant, &Rule::User(rule.into())), "{id}: {v}")
        }
        other => panic!("{id} was found for another reason: {other}"),
    }
    println!("{id}: found at schedule {} ({})", found.index + 1, found.failure);
}

#[test]
fn go_1_weighted_semaphore_passes_and_its_mutant_is_found() {
    explore_with(|| workloads::weighted(Rc::new(Weighted::new(3))), Strategy::Random, PASS, 1).assert_ok();
    let report = explore_with(|| workloads::weighted(Rc::new(Weighted::mutant(3))), Strategy::Random, HUNT, 1);
    assert_found("GO-1", &report, "weighted head served");
}

#[test]
fn tr_1_capacity_limiter_passes_and_its_mutant_is_found() {
    explore_with(|| workloads::limiter(Rc::new(Limiter::new(2))), Strategy::Random, PASS, 1).assert_ok();
    let report = explore_with(|| workloads::limiter(Rc::new(Limiter::mutant(2))), Strategy::Random, HUNT, 1);
    assert_found("TR-1", &report, "no pending borrower without a waiter");
}

#[test]
fn el_1_event_listener_passes_and_its_mutant_is_found() {
    explore_with(|| workloads::listener(Rc::new(Event::new())), Strategy::Random, PASS, 1).assert_ok();
    let report = explore_with(|| workloads::listener(Rc::new(Event::mutant())), Strategy::Random, HUNT, 1);
    assert_found("EL-1", &report, "no entry without a listener");
}

#[test]
fn tk_2_notify_passes_and_its_mutant_is_found() {
    explore_with(|| workloads::notify(Rc::new(Notify::new())), Strategy::Random, PASS, 1).assert_ok();
    let report = explore_with(|| workloads::notify(Rc::new(Notify::mutant())), Strategy::Random, HUNT, 1);
    let found = report.failure.as_ref().unwrap_or_else(|| panic!("TK-2 survived:\n{report}"));
    assert!(found.reproduced, "TK-2: the failure did not replay");
    match &found.failure {
        Failure::Violation(v) => assert_eq!(v.kind, ViolationKind::LostWakeup, "TK-2: {v}"),
        other => panic!("TK-2 was found for another reason: {other}"),
    }
    println!("TK-2: found at schedule {} ({})", found.index + 1, found.failure);
}

/// Schedules to first failure over 20 seeds, Random and PCT (the figures of
/// `docs/bug-zoo-user.md`): `cargo test --release --features mutants --test zoo_user -- --ignored --nocapture`.
#[test]
#[ignore]
fn figures() {
    type Program = Box<dyn Fn() -> std::pin::Pin<Box<dyn Future<Output = ()>>> + Send + Sync>;
    let entries: Vec<(&str, Program)> = vec![
        ("GO-1", Box::new(|| Box::pin(workloads::weighted(Rc::new(Weighted::mutant(3)))))),
        ("TR-1", Box::new(|| Box::pin(workloads::limiter(Rc::new(Limiter::mutant(2)))))),
        ("EL-1", Box::new(|| Box::pin(workloads::listener(Rc::new(Event::mutant()))))),
        ("TK-2", Box::new(|| Box::pin(workloads::notify(Rc::new(Notify::mutant()))))),
    ];
    for (id, program) in &entries {
        for (name, strategy) in [("Random", Strategy::Random), ("PCT", Strategy::Pct { depth: 3 })] {
            let mut firsts: Vec<u64> = (1..=20)
                .map(|seed| {
                    let report = explore_with(program, strategy.clone(), HUNT, seed);
                    report.failure.as_ref().map_or(u64::MAX, |f| f.index + 1)
                })
                .collect();
            firsts.sort_unstable();
            println!("{id} {name}: median {} max {} ({firsts:?})", firsts[9], firsts[19]);
        }
    }
}
