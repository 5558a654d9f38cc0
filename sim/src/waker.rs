//! Wakers that find their way back to the executor through the recorder hook (`context.rs`).
//!
//! A weft waker is a task id and the run's epoch packed into the data pointer: no allocation, no
//! reference count. Waking it appends the task to the running kernel's ready queue. A waker that
//! outlives its run (another epoch) or is woken on a thread with no simulation does nothing:
//! the task it named no longer exists there.

use crate::context;
use std::task::{RawWaker, RawWakerVTable, Waker};
use weft_traces::TaskId;

const HALF: u32 = usize::BITS / 2;

pub(crate) fn waker(epoch: u32, task: TaskId) -> Waker {
    let data = ((epoch as usize) << HALF) | task.0 as usize;
    // SAFETY: the vtable functions never dereference `data`; it is a plain integer.
    unsafe { Waker::from_raw(RawWaker::new(data as *const (), &VTABLE)) }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, drop);

fn clone(data: *const ()) -> RawWaker {
    RawWaker::new(data, &VTABLE)
}

fn wake(data: *const ()) {
    let data = data as usize;
    let epoch = (data >> HALF) as u32;
    let task = TaskId((data & ((1usize << HALF) - 1)) as u32);
    context::try_with(|k| {
        if k.epoch == epoch {
            k.wake(task);
        }
    });
}

/// Nothing to free (the step loop relies on it: it never drops the waker of a step).
fn drop(_: *const ()) {}
