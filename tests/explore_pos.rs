//! POS (partial order sampling, Yuan, Yang, Gu, CAV 2018) in real runs: what the kernel shows a
//! scheduler of each step, reproducibility, and the bugs POS finds.

#[path = "support/lost_wakeup.rs"]
mod lost_wakeup;

use std::cell::RefCell;
use std::rc::Rc;
use weft::sim::strategy::{Fifo, Footprint, PickContext, Scheduler};
use weft::sim::Divergence;
use weft::traces::ResourceId;
use weft::{explore, spawn, yield_now, Lock, Runtime, Strategy, TaskId, ViolationKind};

/// What one pick with a choice was shown: the steps since the previous one, and whether the
/// last of them yielded.
type Shown = (Vec<Footprint>, bool);

/// asyncio's order, keeping what each pick with a choice was shown.
struct Watch {
    fifo: Fifo,
    seen: Rc<RefCell<Vec<Shown>>>,
}

impl Scheduler for Watch {
    fn pick(&mut self, cx: &PickContext<'_>) -> Result<usize, Divergence> {
        self.seen.borrow_mut().push((cx.steps.to_vec(), cx.yielded()));
        self.fifo.pick(cx)
    }

    fn draw(&mut self, bound: u64) -> Result<u64, Divergence> {
        self.fifo.draw(bound)
    }
}

fn step(task: u32, step: u64, woke_itself: bool, touched: &[ResourceId]) -> Footprint {
    Footprint { woke_itself, touched: touched.to_vec(), ..Footprint::new(TaskId(task), step) }
}

#[test]
fn each_pick_sees_every_step_since_the_previous_one_with_what_it_touched() {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let watch = Watch { fifo: Fifo::new(0), seen: seen.clone() };
    let run = Runtime::new().run_with(Box::new(watch), async {
        let lock = Rc::new(Lock::new());
        let l = lock.clone();
        let a = spawn("a", async move {
            let held = l.lock().await; // free: taken at once
            yield_now().await;
            drop(held);
        });
        let l = lock.clone();
        let b = spawn("b", async move { drop(l.lock().await) });
        a.await.unwrap();
        b.await.unwrap();
    });
    assert!(run.is_ok(), "{:?}", run.failure);
    let lock = ResourceId(0);
    // In asyncio's order: main spawns and waits (step 1); `a` takes the lock and yields (2);
    // `b` waits for the lock (3); `a`, alone ready, releases it and ends (4), waking `b` and
    // main; `b` takes the lock and ends (5); main ends (6).
    let expected = vec![
        (vec![step(0, 1, false, &[])], false),
        (vec![step(1, 2, true, &[lock])], true),
        (vec![step(2, 3, false, &[lock]), step(1, 4, false, &[lock])], false),
    ];
    assert_eq!(*seen.borrow(), expected);
}

#[test]
fn pos_finds_the_two_task_lost_wakeup_within_a_small_bound() {
    // The bug needs the setter's set between the waiter's check and its registration. Under POS
    // each step's task draws a fresh priority, and every step here yields or touches no
    // resource, so the three picks that decide it are fair coins: one schedule in four fails
    // (waiter, setter, setter, or setter, waiter, setter). 20 schedules miss it with
    // probability (3/4)^20 < 0.4% per seed.
    for seed in 0..20 {
        let report = explore(lost_wakeup::program)
            .strategy(Strategy::Pos)
            .schedules(20)
            .seed(seed)
            .jobs(1)
            .environment(false)
            .run();
        let found = report.failure.as_ref().unwrap_or_else(|| panic!("seed {seed}: {report}"));
        assert_eq!(found.failure.kind(), Some(ViolationKind::LostWakeup), "{}", found.failure);
        assert!(found.reproduced);
    }
}

/// Three workers take one lock twice each, yielding while they hold it.
async fn contend() {
    let lock = Rc::new(Lock::new());
    let workers: Vec<_> = (0..3)
        .map(|i| {
            let lock = lock.clone();
            spawn(format!("w{i}"), async move {
                for _ in 0..2 {
                    let _held = lock.lock().await;
                    yield_now().await;
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
}

#[test]
fn a_pos_run_is_reproducible_from_its_seed() {
    let run = |seed| Runtime::new().strategy(Strategy::Pos).seed(seed).run(contend());
    let schedules: Vec<String> = (0..20).map(|seed| run(seed).schedule.to_string()).collect();
    for (seed, schedule) in schedules.iter().enumerate() {
        let again = run(seed as u64);
        assert!(again.is_ok());
        assert_eq!(&again.schedule.to_string(), schedule, "seed {seed}");
    }
    let distinct: std::collections::BTreeSet<&String> = schedules.iter().collect();
    assert!(distinct.len() > 1, "every seed gave the same schedule: {schedules:?}");
}

#[test]
fn pos_is_named_pos() {
    assert_eq!("pos".parse::<Strategy>(), Ok(Strategy::Pos));
    assert_eq!(Strategy::Pos.to_string(), "pos");
}
