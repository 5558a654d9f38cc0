//! The kill test: every bug of the zoo (`docs/bug-zoo.md`), rebuilt as a mutant primitive, is
//! found by exploring the generic workloads with faults on: no hint of the schedule that
//! exposes it, and found for the rule its bug breaks (a checker's rule, or one of the
//! workload's own assertions, named by what it says). The correct primitives pass the same
//! explorations (`tests/workloads.rs`).
//!
//! `cargo test --features mutants --test zoo`
#![cfg(feature = "mutants")]

use std::future::Future;
use std::rc::Rc;
use weft::check::Rule;
use weft::prelude::*;
use weft::primitives::mutants::{
    KotlinBug, KotlinSemaphore, LockBug, MutantBarrier, MutantCondition, MutantLock, MutantQueue, MutantSemaphore,
    QueueBug, SemaphoreBug,
};
use weft::workloads::{self, Permits};
use weft::{Failure, Report};

/// The budget the issue sets: found within 10,000 schedules.
const BUDGET: u64 = 10_000;

/// The permits of the semaphore workload under the semaphore mutants.
const TWO: Permits = Permits { capacity: 2, held: 0 };

/// What a mutant's bug breaks.
#[derive(Clone, Debug)]
enum Broken {
    /// A checker's rule.
    Rule(Rule),
    /// A panic whose message contains this: the workload's assertion of that name, or the
    /// mutant's own historical crash.
    Panic(&'static str),
}

impl Broken {
    fn matches(&self, failure: &Failure) -> bool {
        let Failure::Violation(v) = failure else {
            return false;
        };
        match self {
            Broken::Rule(rule) => v.rule == *rule,
            Broken::Panic(says) => v.rule == Rule::Panic && v.message.contains(says),
        }
    }
}

fn hunt<F: Future<Output = ()> + 'static>(program: impl Fn() -> F + Send + Sync) -> Report {
    explore(program).strategy(Strategy::Random).faults(Faults::all()).schedules(BUDGET).seed(1).environment(false).run()
}

/// The mutant was found, the failure replays, and it broke one of the rules its bug breaks
/// (not some unrelated rule: the correct primitives pass the same workloads).
fn assert_found(id: &str, report: &Report, broken: &[Broken]) {
    let found =
        report.failure.as_ref().unwrap_or_else(|| panic!("{id} survived {} schedules:\n{report}", report.schedules));
    assert!(found.reproduced, "{id}: the failure did not replay");
    assert!(
        broken.iter().any(|b| b.matches(&found.failure)),
        "{id} was found for another reason than {broken:?}: {}",
        found.failure
    );
    println!(
        "{id}: found at schedule {} ({}), shrunk to {} choices",
        found.index + 1,
        found.failure,
        found.minimal().len()
    );
}

use Broken::Panic;
use Rule::{Barging, BarrierIndex, Capacity, DroppedHandoff, GrantOrder, Handoff, Notification, QueueItems};

fn rule(rule: Rule) -> Broken {
    Broken::Rule(rule)
}

#[test]
fn bz_l0_tulip_release_on_a_cancelled_head_is_found() {
    let report = hunt(|| workloads::lock(Rc::new(MutantLock::new(LockBug::Tulip2013))));
    assert_found("BZ-L0", &report, &[Panic("InvalidStateError"), rule(DroppedHandoff)]);
}

#[test]
fn bz_l2_bpo_27585_lost_lock_hand_off_is_found() {
    let report = hunt(|| workloads::lock(Rc::new(MutantLock::new(LockBug::Bpo27585))));
    assert_found("BZ-L2", &report, &[rule(DroppedHandoff), rule(Handoff)]);
}

#[test]
fn bz_s1_asyncio_270_lost_permit_is_found() {
    let report = hunt(|| workloads::semaphore(Rc::new(MutantSemaphore::new(SemaphoreBug::Asyncio270, 2)), TWO));
    assert_found("BZ-S1", &report, &[rule(DroppedHandoff), rule(Handoff)]);
}

#[test]
fn bz_s2_bpo_45997_unfair_semaphore_is_found() {
    let report = hunt(|| workloads::semaphore(Rc::new(MutantSemaphore::new(SemaphoreBug::Bpo45997, 2)), TWO));
    assert_found("BZ-S2", &report, &[rule(Barging), rule(GrantOrder)]);
}

#[test]
fn bz_s3_gh_90155_wakeup_scheduled_hang_is_found() {
    let report = hunt(|| workloads::semaphore(Rc::new(MutantSemaphore::new(SemaphoreBug::Gh90155, 2)), TWO));
    assert_found("BZ-S3", &report, &[rule(Handoff), rule(DroppedHandoff), rule(GrantOrder), rule(Barging)]);
}

#[test]
fn bz_c5_gh_112202_lost_notification_is_found() {
    let report = hunt(|| workloads::condition(Rc::new(MutantCondition::new())));
    assert_found("BZ-C5", &report, &[rule(Notification), Panic("a notification was lost")]);
}

#[test]
fn bz_q1_bpo_23812_item_lost_to_a_cancelled_getter_is_found() {
    let report = hunt(|| workloads::queue(Rc::new(MutantQueue::new(QueueBug::Bpo23812, 0))));
    assert_found("BZ-Q1", &report, &[rule(QueueItems), Panic("must be exactly the items put")]);
}

#[test]
fn bz_q3_bpo_31620_cancelled_getters_left_listed_is_found() {
    let report = hunt(|| workloads::queue(Rc::new(MutantQueue::new(QueueBug::Bpo31620, 0))));
    assert_found("BZ-Q3", &report, &[Panic("getter(s)")]);
}

#[test]
fn bz_b1_gh_155233_barrier_index_reused_after_a_cancellation_is_found() {
    let report = hunt(|| workloads::barrier(Rc::new(MutantBarrier::new(3))));
    assert_found("BZ-B1", &report, &[rule(BarrierIndex), Panic("returned twice in one cycle")]);
}

#[test]
fn tk_1_tokio_1898_mutex_assigned_to_a_dropped_waiter_is_found() {
    let report = hunt(|| workloads::lock(Rc::new(MutantLock::new(LockBug::Tokio1898))));
    assert_found("TK-1", &report, &[rule(Handoff), rule(DroppedHandoff), Panic("yet it is still locked")]);
}

#[test]
fn kt_1_kotlinx_1323_cancellation_resuming_the_next_waiter_is_found() {
    let report = hunt(|| workloads::semaphore(Rc::new(KotlinSemaphore::new(KotlinBug::Pr1323, 2, 0)), TWO));
    assert_found("KT-1", &report, &[rule(Capacity)]);
}

#[test]
fn kt_2_kotlinx_1422_acquired_permits_ignored_is_found() {
    let report = hunt(|| {
        workloads::semaphore(
            Rc::new(KotlinSemaphore::new(KotlinBug::Issue1422, 2, 1)),
            Permits { capacity: 2, held: 1 },
        )
    });
    assert_found("KT-2", &report, &[Panic("should be the 2 permits"), rule(Capacity)]);
}

#[test]
fn fu_1_futures_861_get_nowait_leaving_the_queue_full_is_found() {
    let report = hunt(|| workloads::queue(Rc::new(MutantQueue::new(QueueBug::Futures861, 2))));
    assert_found("FU-1", &report, &[Panic("refused as full")]);
}

/// The control for KT-1 and KT-2: the same port of kotlinx's Semaphore with both fixes that
/// matter here (KT-1's is in `Issue1422`'s code, and with nothing acquired at the start KT-2's
/// bug cannot show) passes the workload that finds them (KT-1 within 22 schedules on every
/// seed and sampling strategy of the table) over 2,000 schedules, so they are found for their
/// bugs, not for the port.
#[test]
fn the_kotlinx_semaphore_port_without_its_bugs_passes_the_semaphore_workload() {
    explore(|| workloads::semaphore(Rc::new(KotlinSemaphore::new(KotlinBug::Issue1422, 2, 0)), TWO))
        .strategy(Strategy::Random)
        .faults(Faults::all())
        .schedules(2_000)
        .seed(1)
        .environment(false)
        .run()
        .assert_ok();
}
