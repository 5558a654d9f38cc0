//! The kill test: every bug of the zoo (`bug-zoo.md`), rebuilt as a mutant primitive, is found by
//! exploring the generic workloads with faults on: no hint of the schedule that exposes it.
//! The correct primitives pass the same explorations (`tests/workloads.rs`).
//!
//! `cargo test --features mutants --test zoo`
#![cfg(feature = "mutants")]

use std::future::Future;
use std::rc::Rc;
use weft::prelude::*;
use weft::primitives::mutants::{
    LockBug, MutantCondition, MutantLock, MutantQueue, MutantSemaphore, QueueBug, SemaphoreBug,
};
use weft::workloads::{self, Permits};
use weft::Report;
use weft::ViolationKind::{self, Accounting, Fifo, LostWakeup, Panic};

/// The budget the issue sets: found within 10,000 schedules.
const BUDGET: u64 = 10_000;

/// The permits of the semaphore workload under the semaphore mutants.
const TWO: Permits = Permits { capacity: 2, held: 0 };

fn hunt<F: Future<Output = ()> + 'static>(program: impl Fn() -> F + Send + Sync) -> Report {
    explore(program).strategy(Strategy::Random).faults(Faults::all()).schedules(BUDGET).seed(1).environment(false).run()
}

/// The mutant was found, the failure replays, and it broke one of the invariants its bug breaks
/// (not some unrelated rule: the correct primitives pass the same workloads).
fn assert_found(id: &str, report: &Report, broken: &[ViolationKind]) {
    let found =
        report.failure.as_ref().unwrap_or_else(|| panic!("{id} survived {} schedules:\n{report}", report.schedules));
    assert!(found.reproduced, "{id}: the failure did not replay");
    let kind = found.failure.kind();
    assert!(kind.is_some_and(|k| broken.contains(&k)), "{id} was found for another reason: {}", found.failure);
    println!(
        "{id}: found at schedule {} ({}), shrunk to {} choices",
        found.index + 1,
        found.failure,
        found.minimal().len()
    );
}

#[test]
fn bz_l0_tulip_release_on_a_cancelled_head_is_found() {
    let report = hunt(|| workloads::lock(Rc::new(MutantLock::new(LockBug::Tulip2013))));
    assert_found("BZ-L0", &report, &[Panic, Accounting]);
}

#[test]
fn bz_l2_bpo_27585_lost_lock_hand_off_is_found() {
    let report = hunt(|| workloads::lock(Rc::new(MutantLock::new(LockBug::Bpo27585))));
    assert_found("BZ-L2", &report, &[Accounting, LostWakeup]);
}

#[test]
fn bz_s1_asyncio_270_lost_permit_is_found() {
    let report = hunt(|| workloads::semaphore(Rc::new(MutantSemaphore::new(SemaphoreBug::Asyncio270, 2)), TWO));
    assert_found("BZ-S1", &report, &[Accounting, LostWakeup]);
}

#[test]
fn bz_s2_bpo_45997_unfair_semaphore_is_found() {
    let report = hunt(|| workloads::semaphore(Rc::new(MutantSemaphore::new(SemaphoreBug::Bpo45997, 2)), TWO));
    assert_found("BZ-S2", &report, &[Fifo]);
}

#[test]
fn bz_s3_gh_90155_wakeup_scheduled_hang_is_found() {
    let report = hunt(|| workloads::semaphore(Rc::new(MutantSemaphore::new(SemaphoreBug::Gh90155, 2)), TWO));
    assert_found("BZ-S3", &report, &[Fifo, LostWakeup]);
}

#[test]
fn bz_c5_gh_112202_lost_notification_is_found() {
    let report = hunt(|| workloads::condition(Rc::new(MutantCondition::new())));
    assert_found("BZ-C5", &report, &[Accounting, Panic]);
}

#[test]
fn bz_q1_bpo_23812_item_lost_to_a_cancelled_getter_is_found() {
    let report = hunt(|| workloads::queue(Rc::new(MutantQueue::new(QueueBug::Bpo23812, 0))));
    assert_found("BZ-Q1", &report, &[Accounting, Panic]);
}

#[test]
fn bz_q3_bpo_31620_cancelled_getters_left_listed_is_found() {
    let report = hunt(|| workloads::queue(Rc::new(MutantQueue::new(QueueBug::Bpo31620, 0))));
    assert_found("BZ-Q3", &report, &[Panic]);
}
