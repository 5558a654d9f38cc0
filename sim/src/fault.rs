//! Faults as explored choices: cancellations, early timeouts, spurious polls, forced yields.
//!
//! Faults are off by default. [`Faults`] says which kinds a run may inject, how often and how
//! many; the [`Injector`] adds them to any strategy's scheduler. Each injected fault is a
//! [`Choice::Fault`](crate::Choice) recorded with the step it happened at, so it replays
//! exactly, and the shrinker drops it when the failure does not need it.
//!
//! | fault | what it does | asyncio analogue |
//! |---|---|---|
//! | `cancel` | cancels a task at its suspension point: a suspended one before its wake-up (state a), a ready one after it (state b) | `Task.cancel()` at the worst moment |
//! | `timeout` | fires a pending `timeout` deadline early, anywhere in its window | a deadline that expires during a hand-off |
//! | `spurious` | polls a suspended task that nothing woke | a stray wake-up |
//! | `yield` | makes a primitive's fast path suspend once anyway | tokio's cooperative budget |

use crate::schedule::Choice;
use crate::strategy::{Divergence, FireContext, PickContext, Scheduler};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt;
use std::str::FromStr;
use weft_traces::{Fault, TaskId};

/// Which faults a run may inject, how often, and how many at most.
///
/// ```
/// use weft_sim::Faults;
/// let faults: Faults = "cancel,timeout".parse().unwrap();
/// assert!(faults.cancel && faults.timeout && !faults.spurious);
/// assert_eq!("all".parse::<Faults>().unwrap(), Faults::all());
/// assert_eq!(Faults::none().to_string(), "none");
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Faults {
    /// Cancel tasks at suspension points (states a and b).
    pub cancel: bool,
    /// Fire `timeout` deadlines early.
    pub timeout: bool,
    /// Poll suspended tasks that nothing woke.
    pub spurious: bool,
    /// Make primitives' fast paths suspend once.
    pub force_yield: bool,
    /// The chance, at each step (and each fast path for `force_yield`), of injecting one.
    pub rate: f64,
    /// At most this many faults per run.
    pub budget: u32,
}

impl Default for Faults {
    fn default() -> Faults {
        Faults::none()
    }
}

impl Faults {
    /// No faults (the default).
    pub const fn none() -> Faults {
        Faults { cancel: false, timeout: false, spurious: false, force_yield: false, rate: 0.05, budget: 2 }
    }

    /// Every kind of fault, at a rate of 5% per step and at most 2 per run.
    pub const fn all() -> Faults {
        Faults { cancel: true, timeout: true, spurious: true, force_yield: true, rate: 0.05, budget: 2 }
    }

    /// Whether any kind is on.
    pub fn any(&self) -> bool {
        self.cancel || self.timeout || self.spurious || self.force_yield
    }

    /// The same kinds with another per-step rate (clamped to 0..=1).
    pub fn rate(mut self, rate: f64) -> Faults {
        self.rate = rate.clamp(0.0, 1.0);
        self
    }

    /// The same kinds with another per-run budget.
    pub fn budget(mut self, budget: u32) -> Faults {
        self.budget = budget;
        self
    }
}

impl fmt::Display for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kinds: Vec<&str> = [
            (self.cancel, "cancel"),
            (self.timeout, "timeout"),
            (self.spurious, "spurious"),
            (self.force_yield, "yield"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        match kinds.len() {
            0 => write!(f, "none"),
            4 => write!(f, "all"),
            _ => write!(f, "{}", kinds.join(",")),
        }
    }
}

/// A `WEFT_FAULTS` / `--faults` value that cannot be used: what is wrong, and what is accepted.
///
/// ```
/// use weft_sim::{Faults, FaultsError};
/// assert_eq!("cancel,,yield".parse::<Faults>(), Err(FaultsError::EmptyKind { list: "cancel,,yield".into() }));
/// assert!(matches!("".parse::<Faults>(), Err(FaultsError::Empty)));
/// assert!("bogus".parse::<Faults>().unwrap_err().to_string().contains("unknown fault `bogus`"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultsError {
    /// No kind at all.
    Empty,
    /// An empty kind in a list (`cancel,,yield`, or a trailing comma).
    EmptyKind {
        /// The list that was given.
        list: String,
    },
    /// A word that names no fault.
    Unknown {
        /// The word.
        found: String,
    },
    /// `none` or `all` in a list with other kinds.
    Combined {
        /// `none` or `all`.
        word: String,
        /// The list that was given.
        list: String,
    },
}

/// What every faults value accepts.
const FAULTS_ACCEPTED: &str = "expected `none`, `all`, or a comma-separated list of `cancel`, `timeout`, `spurious`, `yield` (e.g. `cancel,timeout`)";

impl fmt::Display for FaultsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quote = crate::strategy::quote;
        match self {
            FaultsError::Empty => write!(f, "no fault kind given: {FAULTS_ACCEPTED}"),
            FaultsError::EmptyKind { list } => {
                write!(f, "an empty fault kind in `{}`: {FAULTS_ACCEPTED}", quote(list))
            }
            FaultsError::Unknown { found } => write!(f, "unknown fault `{}`: {FAULTS_ACCEPTED}", quote(found)),
            FaultsError::Combined { word, list } => {
                write!(f, "`{word}` stands alone, but `{}` lists it with other kinds: {FAULTS_ACCEPTED}", quote(list))
            }
        }
    }
}

impl std::error::Error for FaultsError {}

impl FromStr for Faults {
    type Err = FaultsError;

    /// Strict: one of `none` or `all` alone, or a list of kinds with no empty entry.
    fn from_str(text: &str) -> Result<Faults, FaultsError> {
        let list = text.trim();
        if list.is_empty() {
            return Err(FaultsError::Empty);
        }
        let words: Vec<&str> = list.split(',').map(str::trim).collect();
        let mut faults = Faults::none();
        for word in &words {
            let lower = word.to_ascii_lowercase();
            match lower.as_str() {
                "" => return Err(FaultsError::EmptyKind { list: list.to_string() }),
                "none" | "all" if words.len() > 1 => {
                    return Err(FaultsError::Combined { word: lower, list: list.to_string() })
                }
                "none" => {}
                "all" => faults = Faults::all(),
                "cancel" => faults.cancel = true,
                "timeout" => faults.timeout = true,
                "spurious" => faults.spurious = true,
                "yield" => faults.force_yield = true,
                _ => return Err(FaultsError::Unknown { found: word.to_string() }),
            }
        }
        Ok(faults)
    }
}

/// What a scheduler may inject a fault into, before a step.
#[derive(Debug)]
pub struct FaultContext<'a> {
    /// The step about to run.
    pub step: u64,
    /// Tasks woken and not yet polled (cancelling one is state b), in ready-queue order.
    pub ready: &'a [TaskId],
    /// Tasks suspended and not woken (cancelling one is state a), by id.
    pub suspended: &'a [TaskId],
    /// Tasks with a pending `timeout` deadline, by id.
    pub timeouts: &'a [TaskId],
}

impl FaultContext<'_> {
    /// Whether `fault` can be applied here (its task is a candidate for that kind).
    pub fn admits(&self, fault: Fault) -> bool {
        match fault {
            Fault::Cancel { task } => self.ready.contains(&task) || self.suspended.contains(&task),
            Fault::SpuriousPoll { task } => self.suspended.contains(&task),
            Fault::FireTimeout { task } => self.timeouts.contains(&task),
            Fault::ForceYield => false,
        }
    }
}

/// A kind of fault with its candidate tasks.
type Kind<'a> = (&'a [TaskId], fn(TaskId) -> Fault);

/// Adds faults to any scheduler: picks and draws go to the inner one; faults are drawn from
/// their own stream, seeded from the run's seed.
pub struct Injector {
    inner: Box<dyn Scheduler>,
    faults: Faults,
    rng: ChaCha8Rng,
    injected: u32,
}

impl Injector {
    /// `inner` with `faults`, for a run with `seed`.
    pub fn new(inner: Box<dyn Scheduler>, faults: Faults, seed: u64) -> Injector {
        // A stream of its own, so that turning faults on does not change the strategy's picks.
        let rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6661_756c_7473_2121);
        Injector { inner, faults, rng, injected: 0 }
    }

    fn roll(&mut self) -> bool {
        self.injected < self.faults.budget && self.rng.gen_bool(self.faults.rate)
    }
}

impl Scheduler for Injector {
    fn reads_steps(&self) -> bool {
        self.inner.reads_steps()
    }

    fn pick(&mut self, cx: &PickContext<'_>) -> Result<usize, Divergence> {
        self.inner.pick(cx)
    }

    fn draw(&mut self, bound: u64) -> Result<u64, Divergence> {
        self.inner.draw(bound)
    }

    fn fire(&mut self, cx: &FireContext<'_>) -> Result<usize, Divergence> {
        self.inner.fire(cx)
    }

    fn injects_faults(&self) -> bool {
        true
    }

    fn fault(&mut self, cx: &FaultContext<'_>) -> Result<Option<Fault>, Divergence> {
        if self.inner.injects_faults() {
            return self.inner.fault(cx); // a replay decides its own faults
        }
        if !self.roll() {
            return Ok(None);
        }
        // A choice: the kind among those enabled that have a candidate, then the task.
        let cancellable: Vec<TaskId> = cx.ready.iter().chain(cx.suspended).copied().collect();
        let mut kinds: Vec<Kind<'_>> = Vec::new();
        if self.faults.cancel && !cancellable.is_empty() {
            kinds.push((&cancellable, |task| Fault::Cancel { task }));
        }
        if self.faults.spurious && !cx.suspended.is_empty() {
            kinds.push((cx.suspended, |task| Fault::SpuriousPoll { task }));
        }
        if self.faults.timeout && !cx.timeouts.is_empty() {
            kinds.push((cx.timeouts, |task| Fault::FireTimeout { task }));
        }
        if kinds.is_empty() {
            return Ok(None);
        }
        let (tasks, make) = kinds[self.rng.gen_range(0..kinds.len())];
        self.injected += 1;
        Ok(Some(make(tasks[self.rng.gen_range(0..tasks.len())])))
    }

    fn force_yield(&mut self, step: u64) -> Result<bool, Divergence> {
        if self.inner.injects_faults() {
            return self.inner.force_yield(step);
        }
        if !self.faults.force_yield || !self.roll() {
            return Ok(false);
        }
        self.injected += 1;
        Ok(true)
    }

    fn finish(&mut self) -> Result<(), Divergence> {
        self.inner.finish()
    }
}

/// Replays the faults of a schedule: the fault recorded next applies at its step if the program
/// still offers it there; `strict` makes any mismatch a divergence, otherwise (shrinking) a
/// fault that no longer applies is skipped.
#[derive(Clone, Debug, Default)]
pub(crate) struct FaultReplay {
    /// Faults injected before a step, in order: (index in the schedule, step, fault).
    faults: Vec<(usize, u64, Fault)>,
    /// Forced yields, in order: (index in the schedule, step).
    yields: Vec<(usize, u64)>,
    next_fault: usize,
    next_yield: usize,
}

impl FaultReplay {
    pub(crate) fn new(choices: &[Choice]) -> FaultReplay {
        let mut replay = FaultReplay::default();
        for (index, choice) in choices.iter().enumerate() {
            match *choice {
                Choice::Fault { step, fault: Fault::ForceYield } => replay.yields.push((index, step)),
                Choice::Fault { step, fault } => replay.faults.push((index, step, fault)),
                _ => {}
            }
        }
        replay
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.faults.is_empty() && self.yields.is_empty()
    }

    /// The schedule indices of the faults not replayed yet (at the end of a run: left over).
    pub(crate) fn unused(&self) -> impl Iterator<Item = usize> + '_ {
        let faults = self.faults[self.next_fault.min(self.faults.len())..].iter().map(|&(index, _, _)| index);
        faults.chain(self.yields[self.next_yield.min(self.yields.len())..].iter().map(|&(index, _)| index))
    }

    /// The fault due before step `cx.step`. Lenient: faults whose step passed or that no longer
    /// apply are skipped. Strict: they are a divergence, returned as the schedule index of the
    /// fault that did not fit.
    pub(crate) fn fault(&mut self, cx: &FaultContext<'_>, strict: bool) -> Result<Option<Fault>, usize> {
        while let Some(&(index, step, fault)) = self.faults.get(self.next_fault) {
            if step > cx.step {
                return Ok(None);
            }
            self.next_fault += 1;
            if step == cx.step && cx.admits(fault) {
                return Ok(Some(fault));
            }
            if strict {
                return Err(index);
            }
        }
        Ok(None)
    }

    /// Whether a forced yield is due in step `step` (at most one per recorded entry). Strict: a
    /// yield whose step passed is a divergence, returned as its schedule index.
    pub(crate) fn force_yield(&mut self, step: u64, strict: bool) -> Result<bool, usize> {
        while let Some(&(index, at)) = self.yields.get(self.next_yield) {
            if at > step {
                return Ok(false);
            }
            self.next_yield += 1;
            if at == step {
                return Ok(true);
            }
            if strict {
                return Err(index);
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_read_strictly() {
        assert_eq!(
            "cancel, timeout".parse::<Faults>().map(|f| (f.cancel, f.timeout, f.spurious)),
            Ok((true, true, false))
        );
        assert_eq!("NONE".parse::<Faults>(), Ok(Faults::none()));
        assert_eq!("all".parse::<Faults>(), Ok(Faults::all()));
        assert_eq!("".parse::<Faults>(), Err(FaultsError::Empty));
        assert_eq!(" ".parse::<Faults>(), Err(FaultsError::Empty));
        for list in ["cancel,,yield", "cancel,", ",cancel", ","] {
            assert_eq!(list.parse::<Faults>(), Err(FaultsError::EmptyKind { list: list.to_string() }), "{list}");
        }
        assert!(matches!("all,cancel".parse::<Faults>(), Err(FaultsError::Combined { .. })));
        assert!(matches!("cancel,none".parse::<Faults>(), Err(FaultsError::Combined { .. })));
        assert_eq!("cancel,bogus".parse::<Faults>(), Err(FaultsError::Unknown { found: "bogus".to_string() }));
    }

    #[test]
    fn every_error_names_what_is_accepted_in_one_line() {
        for list in ["", "cancel,,yield", "all,cancel", "bogus\nline"] {
            let message = list.parse::<Faults>().unwrap_err().to_string();
            assert_eq!(message.lines().count(), 1, "{message}");
            assert!(message.contains("`cancel`, `timeout`, `spurious`, `yield`"), "{message}");
        }
    }
}
