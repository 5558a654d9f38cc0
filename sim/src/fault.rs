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
use crate::strategy::chacha::ChaCha8;
use crate::strategy::{Divergence, FireContext, PickContext, Scheduler};
use rand::{Rng, SeedableRng};
use std::fmt;
use std::str::FromStr;
use weft_traces::{Fault, TaskId};

/// A kind of fault, as `WEFT_FAULTS` names it.
///
/// ```
/// use weft_sim::fault::FaultKind;
/// use weft_traces::{Fault, TaskId};
/// assert_eq!(FaultKind::of(Fault::Cancel { task: TaskId(1) }), FaultKind::Cancel);
/// assert_eq!(FaultKind::Yield.name(), "yield");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultKind {
    /// Cancel a task at its suspension point (`cancel`).
    Cancel,
    /// Fire a `timeout` deadline early (`timeout`).
    Timeout,
    /// Poll a suspended task nothing woke (`spurious`).
    Spurious,
    /// Make a primitive's fast path suspend once (`yield`).
    Yield,
}

impl FaultKind {
    /// Every kind, in the order `WEFT_FAULTS` lists them.
    pub const ALL: [FaultKind; 4] = [FaultKind::Cancel, FaultKind::Timeout, FaultKind::Spurious, FaultKind::Yield];

    /// The kind of `fault`.
    pub fn of(fault: Fault) -> FaultKind {
        match fault {
            Fault::Cancel { .. } => FaultKind::Cancel,
            Fault::FireTimeout { .. } => FaultKind::Timeout,
            Fault::SpuriousPoll { .. } => FaultKind::Spurious,
            Fault::ForceYield => FaultKind::Yield,
        }
    }

    /// The name in `WEFT_FAULTS` and `--faults`.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Cancel => "cancel",
            FaultKind::Timeout => "timeout",
            FaultKind::Spurious => "spurious",
            FaultKind::Yield => "yield",
        }
    }

    /// What a verdict calls `n` faults of this kind: "1 cancellation", "2 early timeouts".
    pub fn count(self, n: u32) -> String {
        let noun = match self {
            FaultKind::Cancel => "cancellation",
            FaultKind::Timeout => "early timeout",
            FaultKind::Spurious => "spurious poll",
            FaultKind::Yield => "forced yield",
        };
        match n {
            1 => format!("1 {noun}"),
            _ => format!("{n} {noun}s"),
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Which faults a run may inject, how often, and how many at most: in all (`budget`) and of
/// each kind (`per_kind`).
///
/// ```
/// use weft_sim::fault::FaultKind;
/// use weft_sim::Faults;
/// let faults: Faults = "cancel,timeout".parse().unwrap();
/// assert!(faults.cancel && faults.timeout && !faults.spurious);
/// assert_eq!("all".parse::<Faults>().unwrap(), Faults::all());
/// assert_eq!(Faults::none().to_string(), "none");
///
/// // Per-kind budgets: at most one cancellation per run, timeouts within the run's total.
/// let faults: Faults = "cancel<=1,timeout".parse().unwrap();
/// assert_eq!(faults, Faults::none().at_most(FaultKind::Cancel, 1).with(FaultKind::Timeout));
/// assert_eq!((faults.limit(FaultKind::Cancel), faults.limit(FaultKind::Timeout)), (1, 2));
/// assert_eq!(faults.to_string(), "cancel<=1,timeout");
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
    /// Sampling strategies draw with it; DFS enumerates every choice instead.
    pub rate: f64,
    /// At most this many faults per run, of all kinds together (`total<=N`; 2 by default).
    pub budget: u32,
    /// At most this many of each kind per run (`cancel<=1`), by [`FaultKind`] order; `None`:
    /// only `budget` limits the kind.
    pub per_kind: [Option<u32>; 4],
}

impl Default for Faults {
    fn default() -> Faults {
        Faults::none()
    }
}

/// The total per run unless `total<=N` says otherwise.
const DEFAULT_BUDGET: u32 = 2;

impl Faults {
    /// No faults (the default).
    pub const fn none() -> Faults {
        Faults {
            cancel: false,
            timeout: false,
            spurious: false,
            force_yield: false,
            rate: 0.05,
            budget: DEFAULT_BUDGET,
            per_kind: [None; 4],
        }
    }

    /// Every kind of fault, at a rate of 5% per step and at most 2 per run.
    pub const fn all() -> Faults {
        Faults {
            cancel: true,
            timeout: true,
            spurious: true,
            force_yield: true,
            rate: 0.05,
            budget: DEFAULT_BUDGET,
            per_kind: [None; 4],
        }
    }

    /// Whether any kind is on.
    pub fn any(&self) -> bool {
        self.cancel || self.timeout || self.spurious || self.force_yield
    }

    /// Whether `kind` is on.
    pub fn allows(&self, kind: FaultKind) -> bool {
        match kind {
            FaultKind::Cancel => self.cancel,
            FaultKind::Timeout => self.timeout,
            FaultKind::Spurious => self.spurious,
            FaultKind::Yield => self.force_yield,
        }
    }

    /// The same faults with `kind` on (its budget unchanged).
    pub fn with(mut self, kind: FaultKind) -> Faults {
        match kind {
            FaultKind::Cancel => self.cancel = true,
            FaultKind::Timeout => self.timeout = true,
            FaultKind::Spurious => self.spurious = true,
            FaultKind::Yield => self.force_yield = true,
        }
        self
    }

    /// The same faults with `kind` on and at most `n` of it per run (`cancel<=1`).
    ///
    /// ```
    /// use weft_sim::fault::FaultKind;
    /// use weft_sim::Faults;
    /// let faults = Faults::none().at_most(FaultKind::Cancel, 1);
    /// assert_eq!(faults.to_string(), "cancel<=1");
    /// assert_eq!(faults.limit(FaultKind::Yield), 0);
    /// ```
    pub fn at_most(mut self, kind: FaultKind, n: u32) -> Faults {
        self.per_kind[kind.index()] = Some(n);
        self.with(kind)
    }

    /// How many faults of `kind` a run may inject: 0 when the kind is off, else its own budget
    /// within the run's total.
    pub fn limit(&self, kind: FaultKind) -> u32 {
        match self.allows(kind) {
            false => 0,
            true => self.per_kind[kind.index()].map_or(self.budget, |n| n.min(self.budget)),
        }
    }

    /// The kinds that are on, in [`FaultKind`] order.
    pub fn kinds(&self) -> impl Iterator<Item = FaultKind> + '_ {
        FaultKind::ALL.into_iter().filter(|k| self.allows(*k))
    }

    /// The same kinds with another per-step rate (clamped to 0..=1).
    pub fn rate(mut self, rate: f64) -> Faults {
        self.rate = rate.clamp(0.0, 1.0);
        self
    }

    /// The same kinds with another per-run budget (of all kinds together).
    pub fn budget(mut self, budget: u32) -> Faults {
        self.budget = budget;
        self
    }

    /// Whether one more fault of `kind` fits in a run that has injected `so_far` (counts by
    /// [`FaultKind`] order).
    pub(crate) fn fits(&self, kind: FaultKind, so_far: &[u32; 4]) -> bool {
        so_far.iter().sum::<u32>() < self.budget && so_far[kind.index()] < self.limit(kind)
    }
}

impl fmt::Display for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kinds: Vec<FaultKind> = self.kinds().collect();
        let limits: Vec<Option<u32>> = kinds.iter().map(|k| self.per_kind[k.index()]).collect();
        let mut items: Vec<String> = match (kinds.len(), limits.first().copied().flatten()) {
            (0, _) => return write!(f, "none"),
            (4, None) if limits.iter().all(Option::is_none) => vec!["all".to_string()],
            (4, Some(n)) if limits.iter().all(|l| *l == Some(n)) => vec![format!("all<={n}")],
            _ => kinds
                .iter()
                .zip(&limits)
                .map(|(k, l)| match l {
                    Some(n) => format!("{}<={n}", k.name()),
                    None => k.name().to_string(),
                })
                .collect(),
        };
        if self.budget != DEFAULT_BUDGET {
            items.push(format!("total<={}", self.budget));
        }
        write!(f, "{}", items.join(","))
    }
}

/// A `WEFT_FAULTS` / `--faults` value that cannot be used: what is wrong, and what is accepted.
///
/// ```
/// use weft_sim::{Faults, FaultsError};
/// assert_eq!("cancel,,yield".parse::<Faults>(), Err(FaultsError::EmptyKind { list: "cancel,,yield".into() }));
/// assert!(matches!("".parse::<Faults>(), Err(FaultsError::Empty)));
/// assert!("bogus".parse::<Faults>().unwrap_err().to_string().contains("unknown fault `bogus`"));
/// assert!("cancel<=x".parse::<Faults>().unwrap_err().to_string().contains("not a whole number"));
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
    /// A budget (`cancel<=N`, `total<=N`) that cannot be used.
    Budget {
        /// The item, e.g. `cancel<=x`.
        item: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A kind named twice (`cancel,cancel<=1`).
    Repeated {
        /// The kind.
        kind: String,
    },
}

/// What every faults value accepts.
const FAULTS_ACCEPTED: &str = "expected `none`, `all`, or a comma-separated list of `cancel`, `timeout`, `spurious`, `yield` (e.g. `cancel,timeout`), each optionally with its own budget per run (`cancel<=1`, `all<=1`), and `total<=N` for the run's total (2 unless given)";

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
            FaultsError::Budget { item, problem } => write!(f, "`{}`: {problem}; {FAULTS_ACCEPTED}", quote(item)),
            FaultsError::Repeated { kind } => write!(f, "the fault `{kind}` is named twice: {FAULTS_ACCEPTED}"),
        }
    }
}

impl std::error::Error for FaultsError {}

impl FromStr for Faults {
    type Err = FaultsError;

    /// Strict: `none` alone, `all` (with at most `total<=N` beside it), or a list of kinds with
    /// no empty entry and no kind twice; every budget a whole number from 1 to 2^32 - 1.
    fn from_str(text: &str) -> Result<Faults, FaultsError> {
        let list = text.trim();
        if list.is_empty() {
            return Err(FaultsError::Empty);
        }
        let items: Vec<&str> = list.split(',').map(str::trim).collect();
        let kinds = items.iter().filter(|i| !i.to_ascii_lowercase().starts_with("total")).count();
        let mut faults = Faults::none();
        let mut named = [false; 4];
        for item in &items {
            let (word, bound) = match item.split_once("<=") {
                Some((word, bound)) => (word.trim(), Some(budget(item, bound.trim())?)),
                None => (*item, None),
            };
            let lower = word.to_ascii_lowercase();
            let kind = match lower.as_str() {
                "" => return Err(FaultsError::EmptyKind { list: list.to_string() }),
                "none" | "all" if kinds > 1 || (lower == "none" && items.len() > 1) => {
                    return Err(FaultsError::Combined { word: lower, list: list.to_string() })
                }
                "none" if bound.is_some() => {
                    let problem = "`none` takes no budget".to_string();
                    return Err(FaultsError::Budget { item: item.to_string(), problem });
                }
                "none" => continue,
                "total" => {
                    let problem = "the run's total needs a budget, e.g. `total<=3`".to_string();
                    faults.budget = bound.ok_or(FaultsError::Budget { item: item.to_string(), problem })?;
                    continue;
                }
                "all" => {
                    for k in FaultKind::ALL {
                        faults = faults.with(k);
                        faults.per_kind[k.index()] = bound;
                    }
                    continue;
                }
                "cancel" => FaultKind::Cancel,
                "timeout" => FaultKind::Timeout,
                "spurious" => FaultKind::Spurious,
                "yield" => FaultKind::Yield,
                _ => return Err(FaultsError::Unknown { found: word.to_string() }),
            };
            if std::mem::replace(&mut named[kind.index()], true) {
                return Err(FaultsError::Repeated { kind: kind.name().to_string() });
            }
            faults = faults.with(kind);
            faults.per_kind[kind.index()] = bound;
        }
        if kinds == 0 {
            return Err(FaultsError::Empty);
        }
        Ok(faults)
    }
}

/// The budget `text` of `item` (`cancel<=text`): a whole number of at least 1.
fn budget(item: &str, text: &str) -> Result<u32, FaultsError> {
    let bad = |problem: String| FaultsError::Budget { item: item.to_string(), problem };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(format!("the budget `{}` is not a whole number", crate::strategy::quote(text))));
    }
    match text.parse::<u32>() {
        Ok(0) => Err(bad("a budget of 0 allows none: leave the kind out instead".to_string())),
        Ok(n) => Ok(n),
        Err(_) => Err(bad(format!("the budget {} is out of range", crate::strategy::quote(text)))),
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
    /// Every ready task, in ready-queue order (main and tasks being cancelled included): the
    /// tasks the pick after this point chooses among.
    pub queue: &'a [TaskId],
    /// The task polled in the previous step, if any.
    pub last: Option<TaskId>,
    /// The steps run since the last pick that offered a choice, oldest first (as
    /// [`PickContext::steps`]).
    pub steps: &'a [crate::strategy::Footprint],
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

/// A kind of fault with its candidate tasks: two lists, one after the other (a cancellation's
/// candidates are the ready tasks, then the suspended ones; the other kinds use the first only).
type Kind<'a> = (&'a [TaskId], &'a [TaskId], fn(TaskId) -> Fault);

/// Adds faults to any scheduler: picks and draws go to the inner one; faults are drawn from
/// their own stream, seeded from the run's seed.
pub struct Injector {
    inner: Box<dyn Scheduler>,
    faults: Faults,
    rng: ChaCha8,
    /// Faults injected so far, by [`FaultKind`] order.
    injected: [u32; 4],
}

impl Injector {
    /// `inner` with `faults`, for a run with `seed`.
    pub fn new(inner: Box<dyn Scheduler>, faults: Faults, seed: u64) -> Injector {
        Injector { inner, faults, rng: fault_stream(seed), injected: [0; 4] }
    }

    fn roll(&mut self) -> bool {
        self.injected.iter().sum::<u32>() < self.faults.budget && self.rng.gen_bool(self.faults.rate)
    }

    /// Whether one more fault of `kind` fits in this run's budgets.
    fn fits(&self, kind: FaultKind) -> bool {
        self.faults.fits(kind, &self.injected)
    }
}

/// The faults' stream for a run with `seed`: a stream of its own, so that turning faults on
/// does not change the strategy's picks.
fn fault_stream(seed: u64) -> ChaCha8 {
    ChaCha8::seed_from_u64(seed ^ 0x6661_756c_7473_2121)
}

impl Scheduler for Injector {
    fn reads_steps(&self) -> bool {
        self.inner.reads_steps()
    }

    /// Starts over as `Injector::new` of the inner scheduler, reseeded, would (if the inner one
    /// can be).
    fn reseed(&mut self, seed: u64) -> bool {
        // Every field named, so that a new one cannot be forgotten here.
        let Injector { inner, faults: _, rng, injected } = self;
        if !inner.reseed(seed) {
            return false;
        }
        (*rng, *injected) = (fault_stream(seed), [0; 4]);
        true
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

    fn wants_accesses(&self) -> bool {
        self.inner.wants_accesses()
    }

    fn ended(&mut self, steps: &[crate::strategy::Footprint]) {
        self.inner.ended(steps);
    }

    /// The roll of the fault rate, made before the kernel collects the candidates: most steps
    /// are offered no fault, and pay nothing for it.
    fn offers_fault(&mut self, step: u64) -> bool {
        if self.inner.injects_faults() {
            return self.inner.offers_fault(step); // a replay decides its own faults
        }
        self.roll()
    }

    fn fault(&mut self, cx: &FaultContext<'_>) -> Result<Option<Fault>, Divergence> {
        if self.inner.injects_faults() {
            return self.inner.fault(cx);
        }
        // The roll said yes ([`Injector::offers_fault`]).
        // A choice: the kind among those enabled that have a candidate, then the task. (In a
        // list on the stack: an offer allocates nothing.)
        let none: &[TaskId] = &[];
        let mut kinds: [Kind<'_>; 3] = [(none, none, |task| Fault::Cancel { task }); 3];
        let mut enabled = 0;
        if self.fits(FaultKind::Cancel) && cx.ready.len() + cx.suspended.len() > 0 {
            kinds[enabled] = (cx.ready, cx.suspended, |task| Fault::Cancel { task });
            enabled += 1;
        }
        if self.fits(FaultKind::Spurious) && !cx.suspended.is_empty() {
            kinds[enabled] = (cx.suspended, none, |task| Fault::SpuriousPoll { task });
            enabled += 1;
        }
        if self.fits(FaultKind::Timeout) && !cx.timeouts.is_empty() {
            kinds[enabled] = (cx.timeouts, none, |task| Fault::FireTimeout { task });
            enabled += 1;
        }
        if enabled == 0 {
            return Ok(None);
        }
        let (first, then, make) = kinds[self.rng.below(enabled as u64) as usize];
        let i = self.rng.below((first.len() + then.len()) as u64) as usize;
        let fault = make(first.get(i).copied().unwrap_or_else(|| then[i - first.len()]));
        self.injected[FaultKind::of(fault).index()] += 1;
        Ok(Some(fault))
    }

    fn force_yield(&mut self, step: u64) -> Result<bool, Divergence> {
        if self.inner.injects_faults() {
            return self.inner.force_yield(step);
        }
        if !self.fits(FaultKind::Yield) || !self.roll() {
            return Ok(false);
        }
        self.injected[FaultKind::Yield.index()] += 1;
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

    /// Whether a recorded fault is due at or before `step` ([`FaultReplay::fault`] has
    /// something to decide).
    pub(crate) fn due(&self, step: u64) -> bool {
        self.faults.get(self.next_fault).is_some_and(|&(_, at, _)| at <= step)
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
    fn per_kind_budgets_are_read_and_written_back() {
        let faults: Faults = "cancel<=1, timeout , yield<=3".parse().unwrap();
        assert_eq!(faults.limit(FaultKind::Cancel), 1);
        assert_eq!(faults.limit(FaultKind::Timeout), 2, "the run's total limits a kind without its own budget");
        assert_eq!(faults.limit(FaultKind::Yield), 2, "a kind's budget never exceeds the run's total");
        assert_eq!(faults.limit(FaultKind::Spurious), 0);
        assert_eq!(faults.to_string(), "cancel<=1,timeout,yield<=3");
        let faults: Faults = "all<=1,total<=3".parse().unwrap();
        assert_eq!((faults.budget, faults.limit(FaultKind::Spurious)), (3, 1));
        assert_eq!(faults.to_string(), "all<=1,total<=3");
        for text in ["none", "all", "cancel", "cancel<=1,timeout", "all<=2", "spurious,total<=4", "all,total<=5"] {
            let faults: Faults = text.parse().unwrap();
            assert_eq!(faults.to_string(), text);
            assert_eq!(faults.to_string().parse::<Faults>(), Ok(faults));
        }
    }

    #[test]
    fn budgets_that_cannot_be_used_say_why() {
        let error = |text: &str| text.parse::<Faults>().unwrap_err().to_string();
        assert!(error("cancel<=x").contains("the budget `x` is not a whole number"), "{}", error("cancel<=x"));
        assert!(error("cancel<=").contains("not a whole number"));
        assert!(error("cancel<=0").contains("a budget of 0 allows none"));
        assert!(error("cancel<=99999999999").contains("out of range"));
        assert!(error("total").contains("needs a budget"));
        assert!(error("none<=1").contains("takes no budget"));
        assert!(error("cancel,cancel<=1").contains("named twice"));
        assert!(matches!("total<=3".parse::<Faults>(), Err(FaultsError::Empty)));
        assert!(matches!("all,cancel".parse::<Faults>(), Err(FaultsError::Combined { .. })));
        assert!(matches!("none,total<=2".parse::<Faults>(), Err(FaultsError::Combined { .. })));
    }

    #[test]
    fn the_injector_keeps_each_kind_within_its_budget() {
        use crate::{spawn, yield_now, Runtime};
        let faults = "cancel<=1,spurious".parse::<Faults>().unwrap().rate(1.0).budget(5);
        for seed in 0..40 {
            let run = Runtime::new().seed(seed).strategy(crate::Strategy::Random).faults(faults).run(async {
                let tasks: Vec<_> = (0..4)
                    .map(|i| {
                        spawn(format!("t{i}"), async {
                            for _ in 0..3 {
                                yield_now().await
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    let _ = t.await;
                }
            });
            let injected: Vec<Fault> = run
                .schedule
                .choices
                .iter()
                .filter_map(|c| match c {
                    Choice::Fault { fault, .. } => Some(*fault),
                    _ => None,
                })
                .collect();
            let cancels = injected.iter().filter(|f| matches!(f, Fault::Cancel { .. })).count();
            assert!(cancels <= 1, "seed {seed}: {injected:?}");
            assert!(injected.len() <= 5, "seed {seed}: {injected:?}");
        }
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
