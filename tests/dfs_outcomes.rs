//! DFS over every choice a run makes (ready-task picks, faults within per-kind budgets, the
//! order of timers due at one instant) finds exactly the outcomes a long random run within the
//! same bounds finds: nothing more (every schedule it runs is one a run can take) and nothing
//! less (every outcome sampling meets, the enumeration has).
//!
//! The sampler picks uniformly among ready tasks and among the options of every timer point,
//! and injects faults through the ordinary [`Injector`] with the same budgets. Preemptions are
//! unbounded on both sides (a random scheduler has no preemption bound).

use std::collections::BTreeSet;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;
use weft::sim::fault::Injector;
use weft::sim::strategy::{DfsTree, PickContext};
use weft::sim::{Divergence, Failure, Faults, FireContext, Reduction, Runtime, Scheduler};
use weft::{sleep, spawn, timeout, yield_now, Lock};

/// Uniform over every pick and every timer point (splitmix64, seeded).
struct Uniform(u64);

impl Uniform {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

impl Scheduler for Uniform {
    fn pick(&mut self, cx: &PickContext<'_>) -> Result<usize, Divergence> {
        Ok(self.below(cx.ready.len()))
    }
    fn draw(&mut self, bound: u64) -> Result<u64, Divergence> {
        Ok(self.below(bound as usize) as u64)
    }
    fn fire(&mut self, cx: &FireContext<'_>) -> Result<usize, Divergence> {
        Ok(self.below(cx.due.len() + 1))
    }
}

fn outcome<T>(run: &weft::sim::Run<T>) -> String {
    let verdict = match &run.failure {
        None => "ok".to_string(),
        Some(Failure::Violation(v)) => format!("{:?} {:?}", v.kind, v.rule),
        Some(Failure::Diverged(d)) => format!("diverged: {d}"),
    };
    format!("{verdict} | {}", run.trace.output().collect::<Vec<_>>().join(" / "))
}

fn by_dfs<F: Future<Output = ()> + 'static>(
    program: impl Fn() -> F,
    faults: Faults,
    reduction: Reduction,
) -> BTreeSet<String> {
    let tree = DfsTree::new(None).faults(faults).reduction(reduction);
    let mut seen = BTreeSet::new();
    let mut schedules = 0;
    while !tree.is_exhausted() {
        let run = Runtime::new().build_and_run(Box::new(tree.scheduler(0)), &program);
        if tree.finish_run() {
            seen.insert(outcome(&run));
            schedules += 1;
            assert!(schedules < 200_000, "the tree is larger than this test expects");
        }
    }
    seen
}

fn by_sampling<F: Future<Output = ()> + 'static>(
    program: impl Fn() -> F,
    faults: Faults,
    runs: u64,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for seed in 0..runs {
        let inner = Box::new(Uniform(seed));
        let scheduler: Box<dyn Scheduler> = match faults.any() {
            true => Box::new(Injector::new(inner, faults.rate(0.3), seed)),
            false => inner,
        };
        let run = Runtime::new().build_and_run(scheduler, &program);
        seen.insert(outcome(&run));
    }
    seen
}

fn agree<F: Future<Output = ()> + 'static>(program: impl Fn() -> F + Copy, faults: &str) {
    let faults: Faults = faults.parse().expect("a valid fault list");
    let enumerated = by_dfs(program, faults, Reduction::Off);
    let sampled = by_sampling(program, faults, 20_000);
    assert_eq!(enumerated, sampled, "faults {faults}");
    assert_eq!(by_dfs(program, faults, Reduction::Dpor), enumerated, "faults {faults}, with reduction");
}

/// Two tasks add to a counter under a lock, one of them with a deadline; main prints what
/// each got and the total.
async fn locked_counter() {
    let lock = Rc::new(Lock::new());
    let total = Rc::new(weft::cell::Cell::named("total", 0u32));
    let mut handles = Vec::new();
    for (name, patient) in [("a", true), ("b", false)] {
        let (lock, total) = (lock.clone(), total.clone());
        handles.push(spawn(name, async move {
            let work = async {
                let _g = lock.acquire().await;
                let seen = total.get();
                yield_now().await;
                total.set(seen + 1);
            };
            match patient {
                true => work.await,
                false => {
                    let _ = timeout(Duration::from_secs(1), work).await;
                }
            }
        }));
    }
    let mut ends = Vec::new();
    for h in handles {
        ends.push(if h.await.is_ok() { "done" } else { "cancelled" });
    }
    weft::print(format!("{ends:?} total {}", total.get()));
}

/// Three sleepers due at the same instant, each printing when it wakes.
async fn simultaneous_sleepers() {
    for name in ["x", "y", "z"] {
        spawn(name, async move {
            sleep(Duration::from_secs(1)).await;
            weft::print(name.to_string());
        });
    }
}

#[test]
fn dfs_finds_what_sampling_finds_on_picks_alone() {
    agree(locked_counter, "none");
}

#[test]
fn dfs_finds_what_sampling_finds_with_one_cancellation() {
    agree(locked_counter, "cancel<=1");
}

#[test]
fn dfs_finds_what_sampling_finds_with_early_timeouts_and_cancellations() {
    agree(locked_counter, "cancel<=1,timeout<=1");
}

#[test]
fn dfs_finds_what_sampling_finds_on_the_order_of_simultaneous_timers() {
    agree(simultaneous_sleepers, "none");
    agree(simultaneous_sleepers, "cancel<=1");
}
