//! Strategies: who decides each choice of a run.
//!
//! A [`Scheduler`] is one small type per strategy behind one trait; the executor asks it for
//! every [`crate::Choice`] and never knows which strategy it runs. [`Strategy`] is the
//! user-facing description (what `WEFT_STRATEGY` names), which builds a scheduler for a seed.

pub(crate) mod chacha;
mod dfs;
mod fifo;
mod footprint;
mod pct;
mod pos;
mod random;
mod replay;

pub(crate) use dfs::Node;
pub use dfs::{Dfs, DfsTree, Reduction, FAIR_STREAK};
pub use fifo::Fifo;
pub(crate) use footprint::Footprints;
pub use footprint::{Access, Footprint, Mode, Object};
pub(crate) use pct::PickCount;
pub use pct::{Pct, DEFAULT_EXPECTED_PICKS};
pub use pos::Pos;
pub use random::Random;
pub use replay::Replay;

use crate::fault::FaultContext;
use crate::schedule::{Choice, Schedule, ScheduleError};
use crate::strategy::chacha::ChaCha8;
use std::fmt;
use weft_traces::{Fault, TaskId};

/// What a scheduler sees when it picks the next task.
#[derive(Debug)]
pub struct PickContext<'a> {
    /// The ready tasks in the order they were woken: index 0 is the one asyncio would run.
    pub ready: &'a [TaskId],
    /// The task polled in the previous step, if any (a pick away from it while it is still ready
    /// is a preemption).
    pub last: Option<TaskId>,
    /// The step about to run.
    pub step: u64,
    /// The steps run since the previous pick that offered a choice, oldest first: the first is
    /// the step that pick chose, any later ones ran with no other task ready (at the run's
    /// first pick: main's steps so far). The last is step `step - 1`, by `last`. Empty for a
    /// scheduler whose [`Scheduler::reads_steps`] is `false`.
    pub steps: &'a [Footprint],
}

impl PickContext<'_> {
    /// Whether the task that ran the previous step yielded: it woke itself during that step
    /// (`yield_now`, `sleep(0)`, a forced yield) and so is ready again by its own doing.
    ///
    /// ```
    /// use weft_sim::strategy::{Footprint, PickContext};
    /// use weft_sim::TaskId;
    /// let steps = [Footprint { woke_itself: true, ..Footprint::new(TaskId(1), 3) }];
    /// let cx = PickContext { ready: &[TaskId(2), TaskId(1)], last: Some(TaskId(1)), step: 4, steps: &steps };
    /// assert!(cx.yielded());
    /// ```
    pub fn yielded(&self) -> bool {
        match (self.steps.last(), self.last) {
            (Some(previous), Some(last)) => previous.task == last && previous.woke_itself && self.ready.contains(&last),
            _ => false,
        }
    }
}

/// What a scheduler sees when the clock has advanced and several timers are due at once.
#[derive(Debug)]
pub struct FireContext<'a> {
    /// The tasks of the due timers, in (deadline, registration) order: a task appears once per
    /// timer (a `timeout` and the `sleep` inside it, say).
    pub due: &'a [TaskId],
    /// The last step that ran.
    pub step: u64,
    /// The steps run since the last pick that offered a choice, oldest first (as
    /// [`PickContext::steps`]).
    pub steps: &'a [Footprint],
}

/// Decides the choices of one run.
pub trait Scheduler {
    /// Which ready task runs next, as an index into `cx.ready` (called only when more than one
    /// task is ready).
    fn pick(&mut self, cx: &PickContext<'_>) -> Result<usize, Divergence>;

    /// A value in `0..bound` for the program's randomness (`bound >= 1`).
    fn draw(&mut self, bound: u64) -> Result<u64, Divergence>;

    /// Which of the due timers fire now (called only when more than one is due): `0` all of
    /// them, in order, as asyncio does (the default); `i` in `1..=cx.due.len()` only the `i`-th.
    /// Recorded as a [`Choice::Pick`] of the run's schedule.
    fn fire(&mut self, _cx: &FireContext<'_>) -> Result<usize, Divergence> {
        Ok(0)
    }

    /// Whether this scheduler wants each step's [`Footprint::accesses`] (partial-order
    /// reduction does); only then does the kernel collect them, so other runs pay nothing.
    fn wants_accesses(&self) -> bool {
        false
    }

    /// Called once when the run has ended, however it ended, with the steps run since the last
    /// pick that offered a choice (the ones no pick has seen). Nothing by default.
    fn ended(&mut self, _steps: &[Footprint]) {}

    /// Whether [`pick`](Scheduler::pick) reads [`PickContext::steps`] (what the steps since the
    /// previous choice touched); only then does the kernel collect it, on every step and every
    /// resource operation. `true` by default, so a scheduler of your own sees the steps.
    fn reads_steps(&self) -> bool {
        true
    }

    /// Whether this scheduler injects faults; only then does the executor offer it the fault
    /// choices below (so a run without faults pays nothing for them). Asked once, when the run
    /// starts: the answer holds for the whole run.
    fn injects_faults(&self) -> bool {
        false
    }

    /// Whether [`fault`](Scheduler::fault) may inject a fault before step `step`, asked once
    /// before each step of a scheduler that injects faults: only then does the kernel collect
    /// the candidates (every task's state: O(tasks)) and call `fault`, for the same step. `true`
    /// by default; weft's own injector says no as soon as its roll of the fault rate does, and
    /// so most steps pay nothing for the offer.
    fn offers_fault(&mut self, _step: u64) -> bool {
        true
    }

    /// A fault to inject before step `cx.step`, if any (see [`crate::fault`]). Called only when
    /// [`offers_fault`](Scheduler::offers_fault) said yes for the step.
    fn fault(&mut self, _cx: &FaultContext<'_>) -> Result<Option<Fault>, Divergence> {
        Ok(None)
    }

    /// Whether the primitive fast path reached during step `step` suspends once anyway.
    fn force_yield(&mut self, _step: u64) -> Result<bool, Divergence> {
        Ok(false)
    }

    /// Starts over as a new scheduler of this kind made for `seed` would, keeping what it
    /// allocated, so that an exploration reuses one scheduler for a worker's runs instead of
    /// making one per run. Returns `false` (the default) if it cannot: a new one is made then.
    ///
    /// ```
    /// use weft_sim::strategy::{PickContext, Random, Scheduler};
    /// use weft_sim::TaskId;
    /// let ready = [TaskId(1), TaskId(2), TaskId(3)];
    /// let cx = PickContext { ready: &ready, last: None, step: 1, steps: &[] };
    /// let mut reused = Random::new(1);
    /// reused.pick(&cx).unwrap();
    /// assert!(reused.reseed(7));
    /// let mut new = Random::new(7);
    /// for _ in 0..10 {
    ///     assert_eq!(reused.pick(&cx), new.pick(&cx));
    /// }
    /// ```
    fn reseed(&mut self, _seed: u64) -> bool {
        false
    }

    /// Called once when the run has ended without failing: a replay whose schedule holds choices
    /// the run never asked for says so here ([`DivergenceKind::LeftOver`]). `Ok(())` by default.
    /// The executor sets the divergence's step to the run's last step.
    fn finish(&mut self) -> Result<(), Divergence> {
        Ok(())
    }
}

/// A replayed schedule that does not fit the program, and where.
///
/// ```
/// use weft_sim::{spawn, yield_now, Choice, DivergenceKind, Failure, Runtime, Schedule, Strategy};
/// let program = || async {
///     spawn("a", yield_now());
///     spawn("b", yield_now());
/// };
/// // The program asks for a pick at step 2; this schedule has none.
/// let run = Runtime::new().strategy(Strategy::Replay(Schedule::default())).run(program());
/// let Some(Failure::Diverged(d)) = run.failure else { panic!() };
/// assert_eq!((d.kind, d.choice, d.step), (DivergenceKind::Ended, 0, 2));
///
/// // Choices left over after the run ended.
/// let long = Schedule::from(vec![Choice::Pick(0); 9]);
/// let run = Runtime::new().strategy(Strategy::Replay(long)).run(program());
/// let Some(Failure::Diverged(d)) = run.failure else { panic!() };
/// assert!(matches!(d.kind, DivergenceKind::LeftOver { .. }));
/// assert!(d.to_string().contains("left over"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// Which way it does not fit.
    pub kind: DivergenceKind,
    /// Which choice of the schedule (0-based): the one that did not fit, the one the program
    /// asked for past the end, or the first one left over.
    pub choice: usize,
    /// The run's step at that point.
    pub step: u64,
    /// What the schedule recorded there (`None`: the schedule had ended).
    pub recorded: Option<Choice>,
    /// What the program offered instead (for choices left over: that the run had ended).
    pub offered: String,
}

/// The ways a replayed schedule does not fit the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DivergenceKind {
    /// The program asked for a choice after the schedule's last one: the schedule was cut short,
    /// or it is another program's.
    Ended,
    /// The run ended with choices of the schedule never asked for: the schedule is another
    /// program's, or it was damaged (extended or changed).
    LeftOver {
        /// How many choices were left.
        left: usize,
    },
    /// The schedule's choice is not an option the program offers at that point: the code
    /// changed since the schedule was recorded, or the schedule is another program's.
    NotOffered,
    /// Two runs of the same schedule offered different options: the program is not
    /// deterministic (real time, OS randomness, `HashMap` order).
    Nondeterministic,
    /// Not a divergence of the program: DFS with reduction stopped the run because every way
    /// it could go on is covered by a schedule run before. Explorations never report it.
    Covered,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (choice, step, offered) = (self.choice, self.step, &self.offered);
        let recorded = self.recorded.map(|c| format!("`{c}`")).unwrap_or_else(|| "nothing".to_string());
        match self.kind {
            DivergenceKind::Ended => write!(
                f,
                "replay diverged at choice {choice} (step {step}): the schedule ended, but the program asked for {offered}. The schedule was cut short (copy the whole line) or belongs to another program (check the scenario or test name)"
            ),
            DivergenceKind::LeftOver { left } => write!(
                f,
                "replay diverged at choice {choice} (step {step}): the run ended with {left} choice(s) of the schedule left over, the first {recorded}. The schedule belongs to another program (check the scenario or test name) or was damaged when copied"
            ),
            DivergenceKind::NotOffered => write!(
                f,
                "replay diverged at choice {choice} (step {step}): the schedule recorded {recorded}, but the program offered {offered}. The code changed since the schedule was recorded, or the schedule belongs to another program; run the exploration again to get a fresh one"
            ),
            DivergenceKind::Nondeterministic => write!(
                f,
                "replay diverged at choice {choice} (step {step}): the schedule recorded {recorded}, but the program offered {offered}"
            ),
            DivergenceKind::Covered => write!(f, "run stopped at step {step}: {offered}"),
        }
    }
}

impl std::error::Error for Divergence {}

/// Which strategy explores a program, as `WEFT_STRATEGY` names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// asyncio's own order: always the ready queue's head. The baseline and golden-trace mode.
    Fifo,
    /// A uniformly random ready task at every pick (`random`).
    Random,
    /// Probabilistic concurrency testing with bug depth `depth` (`pct:3`; `pct` is depth 3; a
    /// string may ask for at most [`Strategy::MAX_PCT_DEPTH`]).
    Pct {
        /// The number of ordering constraints a bug needs (1 = any order of whole tasks).
        depth: u32,
    },
    /// Partial order sampling (`pos`): random priorities, reset for the steps that race with
    /// the one just run (see [`Pos`]).
    Pos,
    /// Exhaustive depth-first enumeration with at most `max_preemptions` preemptions per
    /// schedule (`dfs:2`; `dfs` is unbounded).
    Dfs {
        /// The preemption bound; `None` enumerates every schedule.
        max_preemptions: Option<u32>,
    },
    /// Re-run a recorded schedule exactly.
    Replay(Schedule),
}

impl Strategy {
    /// A fresh scheduler for one run with `seed`.
    pub fn scheduler(&self, seed: u64) -> Box<dyn Scheduler> {
        match self {
            Strategy::Fifo => Box::new(Fifo::new(seed)),
            Strategy::Random => Box::new(Random::new(seed)),
            Strategy::Pct { depth } => Box::new(Pct::new(*depth, seed, DEFAULT_EXPECTED_PICKS)),
            Strategy::Pos => Box::new(Pos::new(seed)),
            // One run alone takes the tree's first schedule (asyncio's order where allowed).
            Strategy::Dfs { max_preemptions } => Box::new(DfsTree::new(*max_preemptions).scheduler(seed)),
            Strategy::Replay(schedule) => Box::new(Replay::new(schedule.clone())),
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::Fifo => write!(f, "fifo"),
            Strategy::Random => write!(f, "random"),
            Strategy::Pct { depth } => write!(f, "pct:{depth}"),
            Strategy::Pos => write!(f, "pos"),
            Strategy::Dfs { max_preemptions: None } => write!(f, "dfs"),
            Strategy::Dfs { max_preemptions: Some(n) } => write!(f, "dfs:{n}"),
            Strategy::Replay(_) => write!(f, "replay"),
        }
    }
}

impl Strategy {
    /// The deepest PCT a strategy string may ask for (`pct:1000`): PCT draws `depth - 1` change
    /// points per run, and bugs of depth beyond a handful are not what it finds.
    pub const MAX_PCT_DEPTH: u32 = 1000;
}

/// A strategy string (`WEFT_STRATEGY`, `--strategy`) that cannot be used: what is wrong, and
/// what is accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StrategyError {
    /// It names no strategy.
    Unknown {
        /// The text that was given.
        found: String,
    },
    /// It names a strategy, with an argument that strategy does not take.
    Argument {
        /// The text that was given.
        found: String,
        /// What is wrong with the argument.
        problem: String,
        /// What the strategy accepts.
        expected: &'static str,
    },
    /// `replay:` with a schedule that cannot be read.
    Schedule(ScheduleError),
}

/// Shortens user text for an error line: at most 40 characters, control characters escaped.
pub(crate) fn quote(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect::<String>().escape_debug().to_string();
    if text.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}

const PCT_ACCEPTED: &str = "`pct` (depth 3) or `pct:<depth>` with a depth from 1 to 1000";
const DFS_ACCEPTED: &str = "`dfs` (unbounded) or `dfs:<max preemptions>` from 0 to 4294967295";

impl fmt::Display for StrategyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StrategyError::Unknown { found } => write!(
                f,
                "unknown strategy `{}`: expected `fifo`, `random`, `pct`, `pct:<depth>` (depth 1 to 1000), `pos`, `dfs`, `dfs:<max preemptions>` or `replay:weft2:...`",
                quote(found)
            ),
            StrategyError::Argument { found, problem, expected } => {
                write!(f, "strategy `{}`: {problem}; expected {expected}", quote(found))
            }
            StrategyError::Schedule(e) => write!(f, "strategy `replay:...`: {e}"),
        }
    }
}

impl std::error::Error for StrategyError {}

/// Reads the strategy names that [`Strategy`]'s `Display` writes.
///
/// ```
/// use weft_sim::{Strategy, StrategyError};
/// assert_eq!("pct:3".parse::<Strategy>().unwrap(), Strategy::Pct { depth: 3 });
/// assert_eq!("dfs".parse::<Strategy>().unwrap(), Strategy::Dfs { max_preemptions: None });
/// assert_eq!(Strategy::Dfs { max_preemptions: Some(2) }.to_string(), "dfs:2");
/// assert_eq!("pos".parse::<Strategy>().unwrap(), Strategy::Pos);
/// assert!("pct:0".parse::<Strategy>().is_err());
/// let deep = "pct:99999999999".parse::<Strategy>().unwrap_err();
/// assert!(matches!(deep, StrategyError::Argument { .. }));
/// assert!(deep.to_string().contains("out of range"));
/// ```
impl std::str::FromStr for Strategy {
    type Err = StrategyError;

    fn from_str(text: &str) -> Result<Strategy, StrategyError> {
        let text = text.trim();
        let (name, arg) = match text.split_once(':') {
            Some((name, arg)) => (name, Some(arg)),
            None => (text, None),
        };
        let bad = |problem: String, expected: &'static str| StrategyError::Argument {
            found: text.to_string(),
            problem,
            expected,
        };
        // A whole number in `range`, or what is wrong with it.
        let number = |arg: &str, what: &str, range: std::ops::RangeInclusive<u64>, expected| {
            let arg = arg.trim();
            if arg.is_empty() || !arg.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(format!("the {what} `{}` is not a whole number", quote(arg)), expected));
            }
            match arg.parse::<u64>() {
                Ok(n) if range.contains(&n) => Ok(n),
                _ => Err(bad(format!("the {what} {} is out of range", quote(arg)), expected)),
            }
        };
        let pct_range = 1..=u64::from(Strategy::MAX_PCT_DEPTH);
        match (name.trim().to_ascii_lowercase().as_str(), arg) {
            ("fifo", None) => Ok(Strategy::Fifo),
            ("random", None) => Ok(Strategy::Random),
            ("fifo" | "random", Some(_)) => {
                Err(bad(format!("`{}` takes no argument", name.trim()), "`fifo` or `random` alone"))
            }
            ("pct", None) => Ok(Strategy::Pct { depth: 3 }),
            ("pct", Some(d)) => {
                let depth = number(d, "depth", pct_range, PCT_ACCEPTED)?;
                Ok(Strategy::Pct { depth: depth as u32 })
            }
            ("pos", None) => Ok(Strategy::Pos),
            ("dfs", None) => Ok(Strategy::Dfs { max_preemptions: None }),
            ("dfs", Some(n)) => {
                let bound = number(n, "preemption bound", 0..=u64::from(u32::MAX), DFS_ACCEPTED)?;
                Ok(Strategy::Dfs { max_preemptions: Some(bound as u32) })
            }
            ("replay", Some(s)) => s.parse().map(Strategy::Replay).map_err(StrategyError::Schedule),
            ("replay", None) => Err(bad("a replay needs its schedule".to_string(), "`replay:weft2:...`")),
            _ => Err(StrategyError::Unknown { found: text.to_string() }),
        }
    }
}

/// The run's own random stream, seeded from its seed: the only randomness weft has. The
/// generator is made at the first draw (most programs draw nothing, and a schedule then pays
/// nothing for it); the values are the same as if it had been made at once. A reseeded stream
/// keeps its generator's room: a worker's runs that draw allocate it once.
#[derive(Clone, Debug)]
pub struct Draws {
    stream: LazyStream,
}

impl Draws {
    /// The stream for `seed`.
    pub fn new(seed: u64) -> Draws {
        Draws { stream: LazyStream::new(seed, 0) }
    }

    /// Starts over as [`Draws::new`] of `seed` would, in place.
    ///
    /// ```
    /// use weft_sim::strategy::Draws;
    /// let mut reused = Draws::new(1);
    /// reused.below(100);
    /// reused.reseed(7);
    /// let mut new = Draws::new(7);
    /// assert!((0..20).all(|_| reused.below(1000) == new.below(1000)));
    /// ```
    pub fn reseed(&mut self, seed: u64) {
        self.stream.reseed(seed);
    }

    /// A value in `0..bound` (`bound >= 1`).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.stream.get().below(bound.max(1))
    }
}

/// Stream `stream` of a run's seed, made at its first use and kept when the seed changes: its
/// first use after a [`LazyStream::reseed`] remakes it in place. The values are those of
/// `ChaCha8::stream_of(seed, stream)` from its start, however the generator was come by.
#[derive(Clone, Debug)]
pub(crate) struct LazyStream {
    seed: u64,
    stream: u64,
    rng: Option<Box<ChaCha8>>,
    /// `rng` is another seed's (or none was made yet).
    stale: bool,
}

impl LazyStream {
    pub(crate) fn new(seed: u64, stream: u64) -> LazyStream {
        LazyStream { seed, stream, rng: None, stale: true }
    }

    pub(crate) fn reseed(&mut self, seed: u64) {
        (self.seed, self.stale) = (seed, true);
    }

    pub(crate) fn get(&mut self) -> &mut ChaCha8 {
        if self.stale {
            self.stale = false;
            let fresh = ChaCha8::stream_of(self.seed, self.stream);
            match &mut self.rng {
                Some(rng) => **rng = fresh,
                None => self.rng = Some(Box::new(fresh)),
            }
        }
        // Made above if it was not before: a new stream is stale.
        self.rng.get_or_insert_with(|| Box::new(ChaCha8::stream_of(self.seed, self.stream)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        text.parse::<Strategy>().unwrap_err().to_string()
    }

    #[test]
    fn every_name_display_writes_reads_back() {
        for s in [
            Strategy::Fifo,
            Strategy::Random,
            Strategy::Pct { depth: 1 },
            Strategy::Pct { depth: Strategy::MAX_PCT_DEPTH },
            Strategy::Dfs { max_preemptions: None },
            Strategy::Dfs { max_preemptions: Some(u32::MAX) },
        ] {
            assert_eq!(s.to_string().parse::<Strategy>(), Ok(s));
        }
    }

    #[test]
    fn arguments_out_of_range_say_so_and_what_is_accepted() {
        let deep = error("pct:99999999999");
        assert!(deep.contains("the depth 99999999999 is out of range"), "{deep}");
        assert!(deep.contains(&format!("from 1 to {}", Strategy::MAX_PCT_DEPTH)), "{deep}");
        assert!(error("pct:1001").contains("out of range"));
        assert!(error("pct:0").contains("out of range"));
        assert!(error("pct:x").contains("not a whole number"));
        assert!(error("pct:").contains("not a whole number"));
        assert!(error("dfs:4294967296").contains("the preemption bound 4294967296 is out of range"));
        assert!(error("dfs:-1").contains("not a whole number"));
        assert!(error("fifo:2").contains("takes no argument"));
        assert!(error("replay").contains("needs its schedule"));
        assert!(error("replay:weft2:***").contains("not URL-safe base64"));
        assert!(error("bfs").starts_with("unknown strategy `bfs`"));
    }

    #[test]
    fn errors_are_one_short_line() {
        let long = format!("pct:{}", "9".repeat(10_000));
        for text in [long.as_str(), "bfs\nrandom", "pct:\u{7}"] {
            let message = error(text);
            assert_eq!(message.lines().count(), 1, "{message}");
            assert!(message.len() < 400, "{message}");
        }
    }
}
