//! Shrinking: from a failing schedule to a minimal one that fails the same way.
//!
//! A candidate is replayed with [`Lenient`], which never diverges: a pick out of range or past
//! the end of the schedule takes index 0 (asyncio's order) and a draw out of range or past the
//! end takes 0. The candidate's *actual* choices then become the new schedule, so the result
//! always replays exactly with [`Replay`](crate::strategy::Replay).
//!
//! Candidates are accepted only when they fail with the same [`ViolationKind`] and are strictly
//! smaller in the order (deviations from asyncio's order, number of choices, the choices' values
//! lexicographically), which makes shrinking terminate and prefer, in that order:
//!
//! 1. fewer deviations: delta debugging over the non-zero choices, setting chunks of them to 0;
//! 2. fewer choices: delta debugging over the whole choice list, removing chunks;
//!
//! and the two phases repeat until neither makes progress or the run budget is spent.

use crate::fault::{FaultContext, FaultReplay};
use crate::runtime::Runtime;
use crate::schedule::{Choice, Schedule};
use crate::strategy::{Divergence, FireContext, PickContext, Scheduler};
use std::future::Future;
use weft_traces::{Fault, ViolationKind};

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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shrunk {
    /// The schedule shrinking started from.
    pub original: Schedule,
    /// The smallest failing schedule found (the original if nothing smaller failed).
    pub schedule: Schedule,
    /// How many candidates were run.
    pub runs: usize,
}

/// The order shrinking minimizes: deviations, then length, then the values.
fn size(s: &Schedule) -> (usize, usize, Vec<u64>) {
    let values = s
        .choices
        .iter()
        .map(|c| match *c {
            Choice::Pick(i) => u64::from(i),
            Choice::Draw(v) => v,
            Choice::Fault { step, .. } => step,
        })
        .collect();
    (nonzero(s), s.len(), values)
}

/// Non-zero choices: picks away from asyncio's order, non-zero draws, and faults.
fn nonzero(s: &Schedule) -> usize {
    s.choices.iter().filter(|c| is_nonzero(c)).count()
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
/// ```
pub fn shrink(original: &Schedule, budget: usize, mut fails: impl FnMut(&Schedule) -> Option<Schedule>) -> Shrunk {
    let mut current = original.clone();
    let mut runs = 0;
    loop {
        let before = size(&current);
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
        if size(&current) == before || runs >= budget {
            break;
        }
    }
    Shrunk { original: original.clone(), schedule: current, runs }
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
                if size(&actual) < size(current) {
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

/// Shrinks a failing schedule of the program `factory` builds: each candidate is a fresh
/// [`Runtime::new`] run (tracing off) that must fail with `kind`.
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use weft_sim::shrink::shrink_program;
/// use weft_sim::{spawn, yield_now, Choice, Schedule};
/// use weft_traces::{Fault, ViolationKind};
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
/// let shrunk = shrink_program(&program, &failing, ViolationKind::Panic, 10_000, 100);
/// assert_eq!(shrunk.schedule.deviations(), 1);
/// ```
pub fn shrink_program<F, Fut>(
    factory: &F,
    original: &Schedule,
    kind: ViolationKind,
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
        match run.failure {
            Some(f) if f.kind() == Some(kind) => Some(run.schedule),
            _ => None,
        }
    })
}
