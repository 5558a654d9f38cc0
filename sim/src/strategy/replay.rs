//! Re-running a recorded schedule.

use super::{Divergence, DivergenceKind, FireContext, PickContext, Scheduler};
use crate::fault::{FaultContext, FaultReplay};
use crate::schedule::{Choice, Schedule};
use weft_traces::Fault;

/// Replays a [`Schedule`] choice by choice, and stops with a [`Divergence`] that says which way
/// the program does not fit it: the schedule ends before the run does
/// ([`DivergenceKind::Ended`]), the run ends before the schedule does
/// ([`DivergenceKind::LeftOver`], found by [`Scheduler::finish`]), or a recorded choice is not
/// an option at its point ([`DivergenceKind::NotOffered`]); each names the choice and the step.
///
/// ```
/// use weft_sim::{spawn, yield_now, Runtime, Strategy};
/// let program = || async {
///     spawn("a", yield_now());
///     spawn("b", yield_now());
/// };
/// let recorded = Runtime::new().strategy(Strategy::Random).seed(3).run(program());
/// let replayed = Runtime::new().strategy(Strategy::Replay(recorded.schedule.clone())).run(program());
/// assert!(replayed.is_ok());
/// assert_eq!(replayed.schedule, recorded.schedule);
/// ```
#[derive(Clone, Debug)]
pub struct Replay {
    schedule: Schedule,
    next: usize,
    faults: FaultReplay,
}

impl Replay {
    /// Replays `schedule` from its first choice.
    pub fn new(schedule: Schedule) -> Replay {
        let faults = FaultReplay::new(&schedule.choices);
        Replay { schedule, next: 0, faults }
    }

    /// The next pick or draw; faults are replayed at their steps, apart from this sequence.
    fn take(&mut self, step: u64, offered: impl FnOnce() -> String) -> Result<Choice, Divergence> {
        self.skip_faults();
        let choice = self.next;
        let recorded = self.schedule.choices.get(choice).copied();
        self.next += 1;
        recorded.ok_or_else(|| Divergence {
            kind: DivergenceKind::Ended,
            choice,
            step,
            recorded: None,
            offered: offered(),
        })
    }

    fn skip_faults(&mut self) {
        while matches!(self.schedule.choices.get(self.next), Some(Choice::Fault { .. })) {
            self.next += 1;
        }
    }

    /// The choice just taken did not fit: `offered` says what the program offered.
    fn not_offered(&self, step: u64, recorded: Choice, offered: String) -> Divergence {
        Divergence { kind: DivergenceKind::NotOffered, choice: self.next - 1, step, recorded: Some(recorded), offered }
    }
}

impl Scheduler for Replay {
    fn reads_steps(&self) -> bool {
        false
    }

    fn pick(&mut self, cx: &PickContext<'_>) -> Result<usize, Divergence> {
        let offered = || {
            let tasks: Vec<String> = cx.ready.iter().map(|t| t.to_string()).collect();
            format!("a pick among {} ready tasks [{}]", cx.ready.len(), tasks.join(", "))
        };
        match self.take(cx.step, offered)? {
            Choice::Pick(i) if (i as usize) < cx.ready.len() => Ok(i as usize),
            recorded => Err(self.not_offered(cx.step, recorded, offered())),
        }
    }

    fn draw(&mut self, bound: u64) -> Result<u64, Divergence> {
        let offered = || format!("a draw below {bound}");
        match self.take(0, offered)? {
            Choice::Draw(v) if v < bound => Ok(v),
            recorded => Err(self.not_offered(0, recorded, offered())),
        }
    }

    fn fire(&mut self, cx: &FireContext<'_>) -> Result<usize, Divergence> {
        let offered =
            || format!("a choice among {} timers due at the same instant (0 all, or one alone)", cx.due.len());
        match self.take(cx.step, offered)? {
            Choice::Pick(i) if (i as usize) <= cx.due.len() => Ok(i as usize),
            recorded => Err(self.not_offered(cx.step, recorded, offered())),
        }
    }

    fn injects_faults(&self) -> bool {
        !self.faults.is_empty()
    }

    fn offers_fault(&mut self, step: u64) -> bool {
        self.faults.due(step)
    }

    fn fault(&mut self, cx: &FaultContext<'_>) -> Result<Option<Fault>, Divergence> {
        self.faults.fault(cx, true).map_err(|choice| Divergence {
            kind: DivergenceKind::NotOffered,
            choice,
            step: cx.step,
            recorded: self.schedule.choices.get(choice).copied(),
            offered: format!(
                "no such fault there (ready {:?}, suspended {:?}, with timeouts {:?})",
                cx.ready, cx.suspended, cx.timeouts
            ),
        })
    }

    fn force_yield(&mut self, step: u64) -> Result<bool, Divergence> {
        self.faults.force_yield(step, true).map_err(|choice| Divergence {
            kind: DivergenceKind::NotOffered,
            choice,
            step,
            recorded: self.schedule.choices.get(choice).copied(),
            offered: "no primitive fast path at that step".to_string(),
        })
    }

    /// The run ended: every pick, draw and fault of the schedule must have been used.
    fn finish(&mut self) -> Result<(), Divergence> {
        self.skip_faults();
        let picks =
            (self.next..self.schedule.len()).filter(|&i| !matches!(self.schedule.choices[i], Choice::Fault { .. }));
        let unused: Vec<usize> = picks.chain(self.faults.unused()).collect();
        let Some(&first) = unused.iter().min() else { return Ok(()) };
        Err(Divergence {
            kind: DivergenceKind::LeftOver { left: unused.len() },
            choice: first,
            step: 0,
            recorded: self.schedule.choices.get(first).copied(),
            offered: "nothing: the run had ended".to_string(),
        })
    }
}
