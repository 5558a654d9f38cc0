//! The scenario catalog: programs weft ships, each with what it shows and the invariant it
//! checks. The tutorial's programs come first, under the names of what they show.
//!
//! ```
//! let scenario = weft::scenarios::find("lock-raise").unwrap();
//! let run = scenario.run(0);
//! assert!(run.is_ok());
//! assert_eq!(run.trace.output().last(), Some("Value of X After Raise : 7625597484987"));
//! ```

mod barrier_queue;
mod tutorial_condition;
mod tutorial_event;
mod tutorial_lock;
mod tutorial_semaphore;
mod workloads;

pub use tutorial_lock::lock_race_unasserted;
#[cfg(feature = "mutants")]
mod zoo;

use std::future::Future;
use std::pin::Pin;
pub use weft_sim::Faults;
use weft_sim::{Run, Runtime};

/// A program as a scenario runs it: built afresh for every run.
pub type Program = Pin<Box<dyn Future<Output = ()>>>;

/// Whether a scenario's invariant holds under every schedule, or is meant to break.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// The invariant holds: any failure is a bug.
    Holds,
    /// The program is broken on purpose (the tutorial's race): weft must find the failure.
    Fails,
}

/// A named program with its story and its invariant.
#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    /// What it shows, e.g. `lock-raise`.
    pub name: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// The invariant it asserts.
    pub invariant: &'static str,
    /// Whether the invariant is expected to hold.
    pub expect: Expect,
    /// Builds the program.
    pub program: fn() -> Program,
    /// The faults an exploration of it injects (none for the tutorial's programs, which do not
    /// expect their tasks to be cancelled; all for the workloads and mutants).
    pub faults: Faults,
    /// Whether all the state its tasks share is in weft primitives and tracked cells
    /// (`weft::cell`), so that DFS with partial-order reduction is valid on it
    /// ([`Reduction::Dpor`](weft_sim::Reduction)): the main job (`weft` with no arguments) tries
    /// to prove only these exhaustively. The workloads, generic over the user's primitive, keep
    /// their bookkeeping in `std` cells and say `false`.
    pub tracked: bool,
}

impl Scenario {
    /// One run in asyncio's own order (FIFO) with `seed` for the program's random values.
    pub fn run(&self, seed: u64) -> Run<()> {
        Runtime::new().name(self.name).seed(seed).run((self.program)())
    }

    /// Runs the scenario once in asyncio's order and prints it as the tutorial shows it: the
    /// program's lines, then the total time (virtual, plus the real time the run took), then
    /// whether its invariant held. For the `cargo run --example` programs.
    pub fn run_printed(&self, seed: u64) -> Run<()> {
        let started = std::time::Instant::now();
        let run = self.run(seed);
        let real = started.elapsed();
        for line in run.trace.output() {
            println!("{line}");
        }
        println!("\nTotal Time Taken : {:.3} virtual seconds ({real:.1?} real)", run.elapsed.as_secs_f64());
        match &run.failure {
            None => println!("invariant held: {}", self.invariant),
            Some(failure) => println!("invariant broken: {}\n{failure}", self.invariant),
        }
        run
    }

    /// A runtime named after the scenario, to configure further.
    pub fn runtime(&self) -> Runtime {
        Runtime::new().name(self.name)
    }
}

/// Every scenario, in catalog order.
pub fn all() -> Vec<Scenario> {
    let mut all = Vec::new();
    all.extend(tutorial_lock::scenarios());
    all.extend(tutorial_condition::scenarios());
    all.extend(tutorial_semaphore::scenarios());
    all.extend(tutorial_event::scenarios());
    all.extend(barrier_queue::scenarios());
    all.extend(workloads::scenarios());
    #[cfg(feature = "mutants")]
    all.extend(zoo::scenarios());
    all
}

/// The scenario called `name`.
pub fn find(name: &str) -> Option<Scenario> {
    all().into_iter().find(|s| s.name == name)
}
