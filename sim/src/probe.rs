//! The quiescence probe: when nothing is ready and no timer is pending, each blocked task is
//! polled once without having been woken (a spurious poll, which every future must tolerate).
//!
//! The poll is recorded like any other (`Poll`, then what the task did, then `Suspend` or
//! `Exit`) but takes no step and makes no choice, so replays are unaffected. A task that makes
//! progress on such a poll was waiting for something already available: its wake-up was lost.
//! The checkers (`weft_traces::check`) read the probe from the events, online and offline
//! alike; the executor only performs it.

use crate::context::Installed;
use crate::runtime::run_task_code;
use crate::task::TaskRef;
use weft_traces::{Event, TaskId};

/// Polls blocked `task` once, recording the poll and its outcome; a finished or panicked task's
/// future is dropped, as after any step.
pub(crate) fn probe(installed: &Installed, slot: &mut Option<TaskRef>, task: TaskId) {
    let epoch = {
        let mut k = installed.kernel.borrow_mut();
        k.current = Some(task);
        if let Some(watch) = &k.chooser.watch {
            watch.step(k.step, task, &k.tasks[task.index()].name);
        }
        k.record(Event::Poll);
        k.epoch
    };
    let exit = run_task_code(installed, slot, task, epoch, false);
    let mut k = installed.kernel.borrow_mut();
    match exit {
        None => k.record(Event::Suspend),
        Some(exit) => {
            k.tasks[task.index()].done = true;
            k.record(Event::Exit { exit: exit.into_exit() });
        }
    }
    k.current = None;
}
