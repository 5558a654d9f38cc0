//! Shrinking: from a failing schedule to a minimal one that fails the same way.
//!
//! **Failing the same way.** A candidate counts only if it fails with a violation that
//! [`Violation::same_way`] matches with the original's: the same kind, on the same rule (the
//! invariant within the kind: `Capacity`, `GrantOrder`, `Handoff`, ...) and the same resource;
//! for a panic, raised at the same `file:line:column` (or, where either location is unknown,
//! with the same message). Steps, virtual times, tasks and the values in the message may
//! differ: a shrunk failure is the same bug seen on a shorter path, so its report (step, task,
//! message) is its own, and the exploration prints that one beside its replay line.
//!
//! A candidate is replayed with [`Lenient`], which never diverges: a pick out of range or past
//! the end of the schedule takes index 0 (asyncio's order) and a draw out of range or past the
//! end takes 0. The candidate's *actual* choices then become the new schedule, so the result
//! always replays exactly with [`Replay`](crate::strategy::Replay).
//!
//! **The order.** A candidate is kept only if it is strictly smaller in this order, which makes
//! shrinking terminate: first its [departures](Size::departures) from the default choices
//! (deviations from asyncio's order, faults, non-zero draws), then its number of choices, then
//! its choices' values lexicographically. So a kept schedule is never longer than the one it
//! replaces unless it departs from asyncio's order fewer times ([`Shrunk`]'s `Display` then says
//! so). Shrinking prefers, in that order:
//!
//! 1. fewer departures: delta debugging over the non-zero choices, setting chunks of them to 0
//!    (picks back to the ready queue's head, draws to 0, faults dropped);
//! 2. fewer choices: delta debugging over the whole choice list, removing chunks;
//!
//! and the two phases repeat until neither makes progress (the result is then
//! [`complete`](Shrunk::complete): no single step of either phase makes it smaller) or the run
//! budget is spent.

use crate::fault::{FaultContext, FaultReplay};
use crate::runtime::{Failure, Runtime};
use crate::schedule::{Choice, Schedule};
use crate::strategy::{Divergence, FireContext, PickContext, Scheduler};
use std::fmt;
use std::future::Future;
use weft_traces::{Fault, Violation};

/// Replays a schedule without ever diverging (see the module docs); picks and draws are read
/// from their own positions in the schedule, so removing a pick does not shift the draws.
///
/// ```
/// use weft_sim::shrink::Lenient;
/// use weft_sim::{spawn, yield_now, Choice, Runtime, Schedule};
/// // Index 7 does not exist among two ready tasks: the lenient replay takes index 0.
/// let odd = Schedule::from(vec![Choice::Pick(7)]);
/// let run = Runtime::new().run_with(Box::new(Lenient::new(&odd)), async {
///     spawn("a", async { yield_now().await });
///     spawn("b", async {});
/// });
/// assert!(run.is_ok());
/// assert_eq!(run.schedule.choices[0], Choice::Pick(0));
/// ```
#[derive(Clone, Debug)]
pub struct Lenient {
    picks: Vec<u32>,
    draws: Vec<u64>,
    next_pick: usize,
    next_draw: usize,
    faults: FaultReplay,
}

impl Lenient {
    /// A lenient replay of `schedule`.
    pub fn new(schedule: &Schedule) -> Lenient {
        let (mut picks, mut draws) = (Vec::new(), Vec::new());
        for choice in &schedule.choices {
            match *choice {
                Choice::Pick(i) => picks.push(i),
                Choice::Draw(v) => draws.push(v),
                Choice::Fault { .. } => {}
            }
        }
        let faults = FaultReplay::new(&schedule.choices);
        Lenient { picks, draws, next_pick: 0, next_draw: 0, faults }
    }
}

impl Scheduler for Lenient {
    fn reads_steps(&self) -> bool {
        false
    }

    fn pick(&mut self, cx: &PickContext<'_>) -> Result<usize, Divergence> {
        let recorded = self.picks.get(self.next_pick).map(|&i| i as usize);
        self.next_pick += 1;
        Ok(recorded.filter(|&i| i < cx.ready.len()).unwrap_or(0))
    }

    fn draw(&mut self, bound: u64) -> Result<u64, Divergence> {
        let recorded = self.draws.get(self.next_draw).copied();
        self.next_draw += 1;
        Ok(recorded.filter(|&v| v < bound).unwrap_or(0))
    }

    fn fire(&mut self, cx: &FireContext<'_>) -> Result<usize, Divergence> {
        let recorded = self.picks.get(self.next_pick).map(|&i| i as usize);
        self.next_pick += 1;
        Ok(recorded.filter(|&i| i <= cx.due.len()).unwrap_or(0))
    }

    fn injects_faults(&self) -> bool {
        !self.faults.is_empty()
    }

    fn offers_fault(&mut self, step: u64) -> bool {
        self.faults.due(step)
    }

    /// A recorded fault applies at its step if the program still offers it; otherwise it is
    /// dropped, so removing choices before it never makes a candidate diverge.
    fn fault(&mut self, cx: &FaultContext<'_>) -> Result<Option<Fault>, Divergence> {
        Ok(self.faults.fault(cx, false).unwrap_or(None))
    }

    fn force_yield(&mut self, step: u64) -> Result<bool, Divergence> {
        Ok(self.faults.force_yield(step, false).unwrap_or(false))
    }
}

/// The outcome of shrinking.
///
/// Its `Display` says what shrank, in the order shrinking minimizes:
///
/// ```
/// use weft_sim::shrink::shrink;
/// use weft_sim::{Choice, Schedule};
/// let original = Schedule::from(vec![Choice::Pick(1), Choice::Pick(2), Choice::Pick(1), Choice::Pick(2)]);
/// let shrunk = shrink(&original, 100, |s| s.choices.contains(&Choice::Pick(2)).then(|| s.clone()));
/// assert_eq!(
///     shrunk.to_string(),
///     format!("shrunk from 4 choices (4 deviations from asyncio's order) to 1 (1 deviation) in {} candidate runs", shrunk.runs)
/// );
///
/// // Nothing smaller fails: the schedule was already minimal.
/// let one = Schedule::from(vec![Choice::Pick(2)]);
/// let same = shrink(&one, 100, |s| (s == &one).then(|| s.clone()));
/// assert!(same.to_string().starts_with("already minimal"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shrunk {
    /// The schedule shrinking started from.
    pub original: Schedule,
    /// The smallest failing schedule found (the original if nothing smaller failed).
    pub schedule: Schedule,
    /// How many candidates were run.
    pub runs: usize,
    /// Whether the search ended because no candidate was smaller (rather than because the run
    /// budget was spent): only then is an unchanged schedule "already minimal".
    pub complete: bool,
}

impl Shrunk {
    /// Whether shrinking found a smaller schedule than the original.
    pub fn shrank(&self) -> bool {
        self.schedule != self.original
    }
}

impl fmt::Display for Shrunk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let runs = match self.runs {
            1 => "1 candidate run".to_string(),
            n => format!("{n} candidate runs"),
        };
        if !self.shrank() {
            return match self.complete {
                true => write!(f, "already minimal (no smaller schedule fails the same way; {runs})"),
                false => write!(f, "not shrunk: the budget of {runs} ran out before a smaller schedule was found"),
            };
        }
        let (from, to) = (Size::of(&self.original), Size::of(&self.schedule));
        write!(f, "shrunk from {from} to {} ({})", to.choices, to.parts(false))?;
        if to.choices > from.choices {
            write!(
                f,
                ": longer, for fewer departures from the default choices ({} instead of {})",
                to.departures(),
                from.departures()
            )?;
        } else if (to.departures(), to.choices) == (from.departures(), from.choices) {
            write!(f, ": the same size, with smaller pick indices, fault steps or drawn values")?;
        }
        write!(f, " in {runs}")?;
        if !self.complete {
            write!(f, " (the budget ran out: a smaller one may exist)")?;
        }
        Ok(())
    }
}

/// How far a schedule is from the default run, in the terms shrinking minimizes (see the
/// module docs): its departures from the default choices first, then its length.
///
/// ```
/// use weft_sim::shrink::Size;
/// use weft_sim::{Choice, Schedule};
/// let s = Schedule::from(vec![Choice::Pick(0), Choice::Pick(2), Choice::Draw(0), Choice::Draw(5)]);
/// let size = Size::of(&s);
/// assert_eq!((size.deviations, size.faults, size.draws, size.choices), (1, 0, 1, 4));
/// assert_eq!(size.departures(), 2);
/// assert_eq!(size.to_string(), "4 choices (1 deviation from asyncio's order, 1 non-zero draw)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    /// Picks other than option 0 (asyncio's): [`Schedule::deviations`].
    pub deviations: usize,
    /// Faults injected.
    pub faults: usize,
    /// Program draws of a value other than 0.
    pub draws: usize,
    /// Choices in all.
    pub choices: usize,
}

impl Size {
    /// The size of `schedule`.
    pub fn of(schedule: &Schedule) -> Size {
        let mut size = Size { deviations: 0, faults: 0, draws: 0, choices: schedule.len() };
        for choice in &schedule.choices {
            match choice {
                Choice::Pick(0) | Choice::Draw(0) => {}
                Choice::Pick(_) => size.deviations += 1,
                Choice::Draw(_) => size.draws += 1,
                Choice::Fault { .. } => size.faults += 1,
            }
        }
        size
    }

    /// Choices that are not the default: deviations, faults and non-zero draws.
    pub fn departures(&self) -> usize {
        self.deviations + self.faults + self.draws
    }

    /// "2 deviations from asyncio's order, 1 fault": the departures, by kind (deviations always,
    /// faults and draws when there are any).
    fn parts(&self, whose: bool) -> String {
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut deviations = plural(self.deviations, "deviation", "deviations");
        if whose {
            deviations += " from asyncio's order";
        }
        let mut parts = vec![deviations];
        if self.faults > 0 {
            parts.push(plural(self.faults, "fault", "faults"));
        }
        if self.draws > 0 {
            parts.push(plural(self.draws, "non-zero draw", "non-zero draws"));
        }
        parts.join(", ")
    }
}

/// "22 choices (2 deviations from asyncio's order, 1 fault)".
impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let choices = if self.choices == 1 { "choice" } else { "choices" };
        write!(f, "{} {choices} ({})", self.choices, self.parts(true))
    }
}

/// The order shrinking minimizes: departures, then length, then the values.
fn order(s: &Schedule) -> (usize, usize, Vec<u64>) {
    let values = s
        .choices
        .iter()
        .map(|c| match *c {
            Choice::Pick(i) => u64::from(i),
            Choice::Draw(v) => v,
            Choice::Fault { step, .. } => step,
        })
        .collect();
    let size = Size::of(s);
    (size.departures(), size.choices, values)
}

fn is_nonzero(c: &Choice) -> bool {
    !matches!(c, Choice::Pick(0) | Choice::Draw(0))
}

/// Shrinks `original` with `fails`, which replays a candidate (leniently) and returns the
/// choices it actually made if it failed the same way, `None` if it did not. At most `budget`
/// candidates are tried.
///
/// ```
/// use weft_sim::shrink::shrink;
/// use weft_sim::{Choice, Schedule};
/// // A toy "program" that fails whenever some pick is 2: the minimum is one pick of 2.
/// let original = Schedule::from(vec![Choice::Pick(1), Choice::Pick(2), Choice::Pick(1), Choice::Pick(2)]);
/// let shrunk = shrink(&original, 100, |s| {
///     s.choices.contains(&Choice::Pick(2)).then(|| s.clone())
/// });
/// assert_eq!(shrunk.schedule, Schedule::from(vec![Choice::Pick(2)]));
/// assert!(shrunk.complete);
/// ```
pub fn shrink(original: &Schedule, budget: usize, mut fails: impl FnMut(&Schedule) -> Option<Schedule>) -> Shrunk {
    let mut current = original.clone();
    let mut runs = 0;
    loop {
        let before = order(&current);
        // Phase 1: set chunks of the non-zero choices to 0.
        reduce(
            &mut current,
            &mut runs,
            budget,
            &mut fails,
            |s| (0..s.len()).filter(|&i| is_nonzero(&s.choices[i])).collect(),
            |s, chunk| {
                // Zero the chunk: picks back to asyncio's order, draws to 0, faults dropped.
                let choices = s.choices.iter().enumerate().filter_map(|(i, &c)| match c {
                    _ if !chunk.contains(&i) => Some(c),
                    Choice::Pick(_) => Some(Choice::Pick(0)),
                    Choice::Draw(_) => Some(Choice::Draw(0)),
                    Choice::Fault { .. } => None,
                });
                Schedule::from(choices.collect::<Vec<_>>())
            },
        );
        // Phase 2: remove chunks of choices.
        reduce(
            &mut current,
            &mut runs,
            budget,
            &mut fails,
            |s| (0..s.len()).collect(),
            |s, chunk| {
                let mut c = s.clone();
                for &i in chunk.iter().rev() {
                    c.choices.remove(i);
                }
                c
            },
        );
        if runs >= budget {
            return Shrunk { original: original.clone(), schedule: current, runs, complete: false };
        }
        if order(&current) == before {
            return Shrunk { original: original.clone(), schedule: current, runs, complete: true };
        }
    }
}

/// Delta debugging (Zeller's ddmin) over the positions `items` names: tries `apply` on chunks,
/// halving the chunk size when no chunk helps, and keeps any strictly smaller failing schedule.
fn reduce(
    current: &mut Schedule,
    runs: &mut usize,
    budget: usize,
    fails: &mut impl FnMut(&Schedule) -> Option<Schedule>,
    items: impl Fn(&Schedule) -> Vec<usize>,
    apply: impl Fn(&Schedule, &[usize]) -> Schedule,
) {
    let mut parts = 2;
    loop {
        let list = items(current);
        if list.is_empty() {
            return;
        }
        let parts_now = parts.min(list.len());
        let chunk = list.len().div_ceil(parts_now);
        let mut progressed = false;
        for positions in list.chunks(chunk) {
            if *runs >= budget {
                return;
            }
            *runs += 1;
            let candidate = apply(current, positions);
            if let Some(actual) = fails(&candidate) {
                if order(&actual) < order(current) {
                    *current = actual;
                    progressed = true;
                    break;
                }
            }
        }
        if progressed {
            parts = (parts_now - 1).max(2);
        } else if parts_now >= list.len() {
            return;
        } else {
            parts = (parts_now * 2).min(list.len());
        }
    }
}

/// Whether `failure` is the same failure as `original` (see the module docs): a violation that
/// [`Violation::same_way`] matches. A divergence is never the same failure.
pub fn fails_the_same_way(failure: Option<&Failure>, original: &Violation) -> bool {
    matches!(failure, Some(Failure::Violation(v)) if v.same_way(original))
}

/// Shrinks a failing schedule of the program `factory` builds: each candidate is a fresh
/// [`Runtime::new`] run (tracing off) that must fail the same way as `original` (see the module
/// docs).
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use weft_sim::shrink::shrink_program;
/// use weft_sim::{spawn, yield_now, Choice, Runtime, Schedule, Strategy};
///
/// // Fails when "b" runs before "a": the one deviation needed is picking index 1 first.
/// let program = || async {
///     let order = Rc::new(Cell::new(0));
///     let o = order.clone();
///     spawn("a", async move { if o.get() == 0 { o.set(1) } });
///     let o = order.clone();
///     spawn("b", async move { assert_eq!(o.get(), 1, "b ran first") });
///     yield_now().await;
/// };
/// let failing = Schedule::from(vec![Choice::Pick(2), Choice::Pick(1)]);
/// let run = Runtime::new().strategy(Strategy::Replay(failing.clone())).run(program());
/// let violation = run.violation().expect("b ran first");
/// let shrunk = shrink_program(&program, &failing, violation, 10_000, 100);
/// assert_eq!(shrunk.schedule.deviations(), 1);
/// ```
pub fn shrink_program<F, Fut>(
    factory: &F,
    original: &Schedule,
    failure: &Violation,
    max_steps: u64,
    budget: usize,
) -> Shrunk
where
    F: Fn() -> Fut,
    Fut: Future + 'static,
{
    shrink(original, budget, |candidate| {
        let run =
            Runtime::new().tracing(false).max_steps(max_steps).run_with(Box::new(Lenient::new(candidate)), factory());
        fails_the_same_way(run.failure.as_ref(), failure).then_some(run.schedule)
    })
}
