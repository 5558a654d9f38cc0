//! A worker's steady state allocates only what the program itself does: the run state is reused
//! across the schedules, and so are the random streams a program's draws and a scheduler's
//! timer choices come from. Counted by a global allocator, per thread (an exploration on one
//! worker runs on the calling thread), as the difference between two explorations of the same
//! program, one twice as long as the other, so that what a worker allocates once cancels out.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;
use weft::primitives::{Lock, Semaphore};
use weft::{explore, random_range, sleep, spawn, yield_now, Faults, Strategy};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; the count is a plain thread-local cell (const, with
// no destructor: touching it allocates nothing).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations per schedule of `program` explored on one worker, past the worker's first runs.
fn per_schedule<Fut: Future<Output = ()> + 'static>(
    program: impl Fn() -> Fut + Send + Sync + Copy + 'static,
    strategy: Strategy,
) -> f64 {
    per_schedule_with(program, strategy, Faults::none())
}

fn per_schedule_with<Fut: Future<Output = ()> + 'static>(
    program: impl Fn() -> Fut + Send + Sync + Copy + 'static,
    strategy: Strategy,
    faults: Faults,
) -> f64 {
    let count = |schedules: u64| {
        let before = ALLOCATIONS.with(Cell::get);
        let report = explore(program)
            .strategy(strategy.clone())
            .faults(faults)
            .schedules(schedules)
            .seed(1)
            .jobs(1)
            .environment(false)
            .run();
        assert!(report.is_ok(), "{report}");
        ALLOCATIONS.with(Cell::get) - before
    };
    let (short, long) = (count(2000), count(4000));
    (long - short) as f64 / 2000.0
}

/// Two tasks that yield, awaited: what every program below allocates itself (the cells of the
/// main task and two others).
async fn two_tasks() {
    let a = spawn("a", async { yield_now().await });
    let b = spawn("b", async { yield_now().await });
    a.await.unwrap();
    b.await.unwrap();
}

async fn two_tasks_and_a_draw() {
    if random_range(0..10) > 20 {
        unreachable!();
    }
    two_tasks().await;
}

/// Two tasks whose timers are due at one instant: a fire choice in every run.
async fn two_sleepers() {
    let a = spawn("a", async { sleep(Duration::from_secs(1)).await });
    let b = spawn("b", async { sleep(Duration::from_secs(1)).await });
    a.await.unwrap();
    b.await.unwrap();
}

#[test]
fn a_program_that_draws_allocates_per_schedule_no_more_than_one_that_does_not() {
    for strategy in [Strategy::Random, Strategy::Pct { depth: 3 }, Strategy::Pos, Strategy::Fifo] {
        let drawing = per_schedule(two_tasks_and_a_draw, strategy.clone());
        let plain = per_schedule(two_tasks, Strategy::Random);
        assert!(drawing <= plain + 0.01, "{strategy}: {drawing} allocations per schedule, {plain} without the draw");
    }
}

#[test]
fn timer_choices_allocate_nothing_per_schedule() {
    // PCT takes its fire choices from its own stream; Random from one it makes when first
    // needed, once per worker.
    let random = per_schedule(two_sleepers, Strategy::Random);
    let pct = per_schedule(two_sleepers, Strategy::Pct { depth: 3 });
    assert!(random <= pct + 0.01, "Random {random} allocations per schedule, PCT {pct}");
    // And the main task and two others allocate their three task cells, nothing more.
    let plain = per_schedule(two_tasks, Strategy::Random);
    assert!(plain <= 3.01, "{plain} allocations per schedule for three tasks");
}

#[test]
fn faults_allocate_nothing_per_schedule() {
    // Spurious polls only: they change no task's fate, so the program allocates as it does
    // without them; the injector and its stream are reused from run to run.
    let faults = Faults::none().with(weft::sim::FaultKind::Spurious);
    for strategy in [Strategy::Random, Strategy::Pct { depth: 3 }, Strategy::Pos, Strategy::Fifo] {
        let faulted = per_schedule_with(two_tasks_and_a_draw, strategy.clone(), faults);
        assert!(faulted <= 3.01, "{strategy}: {faulted} allocations per schedule with faults");
    }
}

#[test]
fn the_clock_advances_without_allocating() {
    // Two sleepers, their timers due at one instant: the pending table and the lists the
    // clock's advance hands out allocate one node of the table per run at most (a B-tree's
    // first node, freed when its last timer fires), where they took five.
    let sleepers = per_schedule(two_sleepers, Strategy::Pct { depth: 3 });
    assert!(sleepers <= 4.01, "{sleepers} allocations per schedule for three tasks, two of them sleeping");
}

/// Two tasks on a lock and a semaphore made in every run, around a yield.
async fn two_tasks_on_primitives() {
    let lock = Rc::new(Lock::new());
    let sem = Rc::new(Semaphore::named("a semaphore's name", 1));
    let task = |lock: Rc<Lock>, sem: Rc<Semaphore>| async move {
        let _held = lock.lock().await;
        let _permit = sem.permit().await;
        yield_now().await;
    };
    let a = spawn("a", task(lock.clone(), sem.clone()));
    let b = spawn("b", task(lock, sem));
    a.await.unwrap();
    b.await.unwrap();
}

#[test]
fn primitives_made_in_every_run_allocate_nothing_of_their_own() {
    // Their names are kept in place (and so are the checkers' copies); their registration and
    // their waiters' lists reuse the room the worker's earlier runs made.
    let with_primitives = per_schedule(two_tasks_on_primitives, Strategy::Random);
    let two_rcs = 2.0;
    let plain = per_schedule(two_tasks, Strategy::Random);
    assert!(
        with_primitives <= plain + two_rcs + 0.01,
        "{with_primitives} allocations per schedule, {plain} without the primitives (and their two Rcs)"
    );
}

/// Four tasks that yield twice (the program's own allocations: five task cells, four names, the
/// handles' list).
async fn four_yielders() {
    let handles: Vec<_> = (0..4)
        .map(|i| {
            spawn(format!("t{i}"), async {
                yield_now().await;
                yield_now().await;
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
}

#[test]
fn dfs_allocates_little_per_pick() {
    let own = per_schedule(four_yielders, Strategy::Random);
    assert!(own <= 10.01, "{own}");
    // A pick compares the point it meets with the path's node in a list the run reuses, without
    // building a probe node and copies of what it offers (67.6 a schedule so, unbounded); what
    // remains is each run's scheduler and first list, and the lists of the nodes a run adds to
    // the tree (17.9 unbounded, 19.6 with two preemptions).
    for max_preemptions in [None, Some(2)] {
        let dfs = per_schedule(four_yielders, Strategy::Dfs { max_preemptions });
        assert!(dfs < 21.0, "{dfs} allocations per schedule under DFS ({max_preemptions:?})");
    }
}
