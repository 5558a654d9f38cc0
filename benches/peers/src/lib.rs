//! The programs weft is measured on, written once for weft and once for shuttle (through
//! shuttle-tokio's `Mutex`, `Semaphore` and `Notify`), and a minimal hand-written executor that
//! polls weft's primitives with no recording: the floor a step can cost.
//!
//! Each program asserts its own invariant, so a bench run also checks that both tools run the
//! program correctly. `cargo bench -p weft-peer-bench` prints the comparison;
//! `cargo test -p weft-peer-bench` runs each program once under each tool.

pub mod floor;
pub mod shuttle_side;
pub mod tracked;
pub mod weft_side;

/// A program of the comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Program {
    /// `tasks` tasks each lock a mutex, read a shared counter, yield, write it plus one, unlock.
    Counter { tasks: usize },
    /// `tasks` tasks on a semaphore of `permits`: acquire, count themselves in (asserting at
    /// most `permits` inside), yield, count out, release.
    Semaphore { tasks: usize, permits: usize },
    /// One producer puts `items` items into a queue guarded by a lock and notifies; one consumer
    /// waits for each (weft: a `Condition`; shuttle: a `Mutex` and a `Notify`).
    ProducerConsumer { items: usize },
}

impl Program {
    /// Every program of the comparison.
    pub const ALL: [Program; 4] = [
        Program::Counter { tasks: 3 },
        Program::Counter { tasks: 8 },
        Program::Semaphore { tasks: 10, permits: 3 },
        Program::ProducerConsumer { items: 3 },
    ];

    /// A short name for tables.
    pub fn name(self) -> String {
        match self {
            Program::Counter { tasks } => format!("counter-{tasks}"),
            Program::Semaphore { tasks, permits } => format!("semaphore-{tasks}x{permits}"),
            Program::ProducerConsumer { items } => format!("prod-cons-{items}"),
        }
    }

    /// The largest size [`Program::parse`] takes (tasks, permits or items): each schedule
    /// spawns that many tasks, so a larger one would only ask for memory.
    pub const MAX_SIZE: usize = 10_000;

    /// The program a [`Program::name`] names, of any size from 1 to [`Program::MAX_SIZE`]
    /// (`counter-100`, `semaphore-50x3`).
    ///
    /// ```
    /// use weft_peer_bench::Program;
    /// assert_eq!(Program::parse("semaphore-50x3"), Some(Program::Semaphore { tasks: 50, permits: 3 }));
    /// assert_eq!(Program::parse("counter-0x"), None);
    /// assert_eq!(Program::parse("counter-0"), None);
    /// assert_eq!(Program::parse("counter-10001"), None);
    /// ```
    pub fn parse(name: &str) -> Option<Program> {
        let number = |s: &str| s.parse::<usize>().ok().filter(|n| (1..=Program::MAX_SIZE).contains(n));
        if let Some(tasks) = name.strip_prefix("counter-") {
            return Some(Program::Counter { tasks: number(tasks)? });
        }
        if let Some(items) = name.strip_prefix("prod-cons-") {
            return Some(Program::ProducerConsumer { items: number(items)? });
        }
        let (tasks, permits) = name.strip_prefix("semaphore-")?.split_once('x')?;
        Some(Program::Semaphore { tasks: number(tasks)?, permits: number(permits)? })
    }
}

/// The name weft gives the `i`-th task a program spawns (`t0` to `t9`; `t` beyond, in the
/// larger programs [`Program::parse`] makes): written once, not formatted at every spawn.
/// shuttle's tasks and the floor's have no names, so a `format!` per spawn would have weft's
/// side of the comparison run more code of its own than theirs.
pub fn task_name(i: usize) -> &'static str {
    const NAMES: [&str; 10] = ["t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9"];
    NAMES.get(i).copied().unwrap_or("t")
}
