//! weft alone on one program of the comparison, for profiles and counts that the side-by-side
//! bench cannot give: schedules/s, steps per schedule, heap allocations and bytes per schedule
//! (a counting global allocator), next to the floor executor's for the same program; and, with
//! `WEFT_BENCH_MEMORY=1`, the process's resident memory (`VmRSS`, `VmHWM` from
//! `/proc/self/status`) sampled while one long exploration runs.
//!
//! ```text
//! cargo bench -p weft-peer-bench --bench weft_alone
//! WEFT_BENCH_PROGRAM=semaphore-10x3 WEFT_BENCH_SAMPLER=pct WEFT_BENCH_CHECKS=0 cargo bench -p weft-peer-bench --bench weft_alone
//! WEFT_BENCH_MEMO=0 cargo bench -p weft-peer-bench --bench weft_alone    # every run checked as it runs
//! WEFT_BENCH_MEMORY=1 WEFT_BENCH_SCHEDULES=10000000 cargo bench -p weft-peer-bench --bench weft_alone
//! WEFT_BENCH_SIZES=1 cargo bench -p weft-peer-bench --bench weft_alone    # allocations by size
//! WEFT_BENCH_COUNT=0 WEFT_BENCH_JOBS=2 cargo bench -p weft-peer-bench --bench weft_alone # scaling
//! WEFT_BENCH_PROGRAM=semaphore-160x3 cargo bench -p weft-peer-bench --bench weft_alone # any size
//! ```
//!
//! Under `perf record -g` or `valgrind --tool=callgrind` it profiles weft's side only.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use weft::Strategy;
use weft_peer_bench::{floor, weft_side, Program};

/// Counts every allocation (and its bytes) the process makes.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);
/// Allocations by size (in 8-byte classes, the last one for every size above), counted while
/// `SIZES_ON` is set: where a schedule's allocations come from, without backtraces.
static SIZES: [AtomicU64; 129] = [const { AtomicU64::new(0) }; 129];
static SIZES_ON: AtomicBool = AtomicBool::new(false);
/// Whether allocations are counted (`WEFT_BENCH_COUNT=0`: not, for timings without the
/// counters' cost). Never while several workers explore: their counts in the shared counters
/// above would bounce one cache line between them at every allocation, and slow them down as
/// the workers themselves do not (2 workers measured 1.73x one with counting, 2.0x without).
static COUNTING: AtomicBool = AtomicBool::new(true);

fn count(size: usize) {
    if !COUNTING.load(Ordering::Relaxed) {
        return;
    }
    ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    BYTES.fetch_add(size as u64, Ordering::Relaxed);
    if SIZES_ON.load(Ordering::Relaxed) {
        SIZES[size.div_ceil(8).min(128)].fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: forwards to the system allocator; the counters are plain atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn counts() -> (u64, u64) {
    (ALLOCATIONS.load(Ordering::Relaxed), BYTES.load(Ordering::Relaxed))
}

fn setting(name: &str, default: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| default.to_string())
}

/// `VmRSS` and `VmHWM` of this process, in kB.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn main() {
    let name = setting("WEFT_BENCH_PROGRAM", "counter-3");
    let program = Program::parse(&name).unwrap_or_else(|| {
        let names: Vec<String> = Program::ALL.iter().map(|p| p.name()).collect();
        panic!(
            "WEFT_BENCH_PROGRAM={name} is none of {} (or one of them at another size, 1 to {})",
            names.join(", "),
            Program::MAX_SIZE
        )
    });
    let strategy = match setting("WEFT_BENCH_SAMPLER", "random").as_str() {
        "random" => Strategy::Random,
        "pct" => Strategy::Pct { depth: 3 },
        other => panic!("WEFT_BENCH_SAMPLER={other} is neither random nor pct"),
    };
    let checks = setting("WEFT_BENCH_CHECKS", "1") != "0";
    let memo = setting("WEFT_BENCH_MEMO", "1") != "0";
    let schedules: u64 = setting("WEFT_BENCH_SCHEDULES", "100000").parse().expect("WEFT_BENCH_SCHEDULES: a number");
    let jobs: usize = setting("WEFT_BENCH_JOBS", "1").parse().expect("WEFT_BENCH_JOBS: a number");
    let watch_memory = setting("WEFT_BENCH_MEMORY", "0") != "0";
    let by_size = setting("WEFT_BENCH_SIZES", "0") != "0";
    let counting = jobs == 1 && setting("WEFT_BENCH_COUNT", "1") != "0";

    let floor_runs = 10_000u64;
    let (a0, b0) = counts();
    let mut floor_steps = 0;
    for _ in 0..floor_runs {
        floor_steps += floor::run(program);
    }
    let (a1, b1) = counts();

    let done = AtomicBool::new(false);
    let started = Instant::now();
    let report = std::thread::scope(|s| {
        if watch_memory {
            s.spawn(|| {
                let mut next = Duration::ZERO;
                while !done.load(Ordering::Relaxed) {
                    if started.elapsed() >= next {
                        let (rss, hwm) = memory();
                        println!("{:>6.0} s  VmRSS {rss:>8} kB  VmHWM {hwm:>8} kB", started.elapsed().as_secs_f64());
                        next += Duration::from_secs(10);
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            });
        }
        COUNTING.store(counting, Ordering::Relaxed);
        let (c0, d0) = counts();
        SIZES_ON.store(by_size, Ordering::Relaxed);
        let report = weft::explore(move || weft_side::run(program))
            .name("bench")
            .strategy(strategy.clone())
            .schedules(schedules)
            .jobs(jobs)
            .checks(checks)
            .memo(memo)
            .shrink(false)
            .environment(false)
            .run();
        SIZES_ON.store(false, Ordering::Relaxed);
        let (c1, d1) = counts();
        done.store(true, Ordering::Relaxed);
        (report, c1 - c0, d1 - d0)
    });
    let elapsed = started.elapsed();
    let (report, allocations, bytes) = report;
    assert!(report.is_ok(), "{report}");
    let (rss, hwm) = memory();
    let per = |x: u64, n: u64| x as f64 / n as f64;
    println!(
        "{} {strategy} checks={checks} memo={memo} jobs={jobs}: {schedules} schedules in {:.2} s",
        program.name(),
        elapsed.as_secs_f64()
    );
    println!("  schedules/s        {:>10.0}", per(schedules, 1) / elapsed.as_secs_f64());
    println!("  steps/schedule     {:>10.1}", per(report.steps, schedules));
    println!("  interleavings      {:>10}", report.distinct);
    println!("  ns/step            {:>10.1}", elapsed.as_nanos() as f64 / report.steps as f64);
    if counting {
        println!(
            "  allocs/schedule    {:>10.1}   floor {:>6.1}",
            per(allocations, schedules),
            per(a1 - a0, floor_runs)
        );
        println!("  bytes/schedule     {:>10.0}   floor {:>6.0}", per(bytes, schedules), per(b1 - b0, floor_runs));
    } else {
        println!("  allocs/schedule    not counted (WEFT_BENCH_COUNT=0, or more than one job)");
    }
    println!("  floor steps/sched  {:>10.1}", per(floor_steps, floor_runs));
    println!("  VmRSS {rss} kB, VmHWM {hwm} kB at the end");
    if by_size {
        println!("  allocations per schedule by size (bytes, up to):");
        for (class, n) in SIZES.iter().enumerate() {
            let n = n.load(Ordering::Relaxed);
            if n > 0 {
                let size = if class == 128 { "more".to_string() } else { (class * 8).to_string() };
                println!("    {size:>6}  {:>8.2}", per(n, schedules));
            }
        }
    }
}
