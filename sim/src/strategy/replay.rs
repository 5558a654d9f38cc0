//! Re-running a recorded schedule.

use super::{Divergence, FireContext, PickContext, Scheduler};
use crate::fault::{FaultContext, FaultReplay};
use crate::schedule::{Choice, Schedule};
use weft_traces::Fault;

/// Replays a [`Schedule`] choice by choice, and stops with a [`Divergence`] naming the choice,
/// the step, what was recorded and what was offered when the program no longer fits it.
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
        while matches!(self.schedule.choices.get(self.next), Some(Choice::Fault { .. })) {
            self.next += 1;
        }
        let choice = self.next;
        let recorded = self.schedule.choices.get(choice).copied();
        self.next += 1;
        recorded.ok_or_else(|| Divergence { choice, step, recorded, offered: offered() })
    }
}

impl Scheduler for Replay {
    fn pick(&mut self, cx: &PickContext<'_>) -> Result<usize, Divergence> {
        let offered = || {
            let tasks: Vec<String> = cx.ready.iter().map(|t| t.to_string()).collect();
            format!("a pick among {} ready tasks [{}]", cx.ready.len(), tasks.join(", "))
        };
        match self.take(cx.step, offered)? {
            Choice::Pick(i) if (i as usize) < cx.ready.len() => Ok(i as usize),
            recorded => {
                Err(Divergence { choice: self.next - 1, step: cx.step, recorded: Some(recorded), offered: offered() })
            }
        }
    }

    fn draw(&mut self, bound: u64) -> Result<u64, Divergence> {
        let offered = || format!("a draw below {bound}");
        match self.take(0, offered)? {
            Choice::Draw(v) if v < bound => Ok(v),
            recorded => {
                Err(Divergence { choice: self.next - 1, step: 0, recorded: Some(recorded), offered: offered() })
            }
        }
    }

    fn fire(&mut self, cx: &FireContext<'_>) -> Result<usize, Divergence> {
        let offered =
            || format!("a choice among {} timers due at the same instant (0 all, or one alone)", cx.due.len());
        match self.take(cx.step, offered)? {
            Choice::Pick(i) if (i as usize) <= cx.due.len() => Ok(i as usize),
            recorded => {
                Err(Divergence { choice: self.next - 1, step: cx.step, recorded: Some(recorded), offered: offered() })
            }
        }
    }

    fn injects_faults(&self) -> bool {
        !self.faults.is_empty()
    }

    fn fault(&mut self, cx: &FaultContext<'_>) -> Result<Option<Fault>, Divergence> {
        self.faults.fault(cx, true).map_err(|choice| Divergence {
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
            choice,
            step,
            recorded: self.schedule.choices.get(choice).copied(),
            offered: "no primitive fast path at that step".to_string(),
        })
    }
}
