//! What each step left behind for the scheduler: who ran it, whether it yielded, what it touched.

use weft_traces::{ResourceId, TaskId};

/// What one step did that a scheduler may weigh at the next pick ([`PickContext::steps`]).
///
/// [`PickContext::steps`]: super::PickContext::steps
///
/// ```
/// use weft_sim::strategy::Footprint;
/// use weft_sim::TaskId;
/// use weft_traces::ResourceId;
/// // Step 4: task 1 released a lock (resource 0) and yielded.
/// let step = Footprint { task: TaskId(1), step: 4, woke_itself: true, touched: vec![ResourceId(0)] };
/// assert!(step.touches(&[ResourceId(2), ResourceId(0)]));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Footprint {
    /// The task the step ran (or whose future it dropped, for a cancellation).
    pub task: TaskId,
    /// The step's number (the first step of a run is 1).
    pub step: u64,
    /// The task woke itself during the step: it is ready again because of its own wake-up
    /// (`yield_now`, `sleep(0)`, a forced yield at a primitive), not anyone else's.
    pub woke_itself: bool,
    /// The resources the step recorded an operation on (request, grant, release, wake, ...),
    /// each once, in the order first touched.
    pub touched: Vec<ResourceId>,
}

impl Footprint {
    /// Whether the step touched any of `resources`.
    pub fn touches(&self, resources: &[ResourceId]) -> bool {
        self.touched.iter().any(|r| resources.contains(r))
    }
}

/// The kernel's record of the steps since the last pick that offered a choice: a step is opened
/// when it is picked (with a choice or not), filled in while it runs, and the list is handed to
/// the scheduler, then cleared, at the next pick with a choice. The entries' storage is reused,
/// so a run allocates only while the list grows past its longest so far.
#[derive(Debug)]
pub(crate) struct Footprints {
    steps: Vec<Footprint>,
    len: usize,
    /// The scheduler reads them ([`Scheduler::reads_steps`](super::Scheduler::reads_steps)):
    /// otherwise nothing is collected.
    on: bool,
}

impl Footprints {
    /// Footprints that are collected only if `on`.
    pub(crate) fn new(on: bool) -> Footprints {
        Footprints { steps: Vec::new(), len: 0, on }
    }

    /// Step `step`, by `task`, is about to run.
    pub(crate) fn open(&mut self, task: TaskId, step: u64) {
        if !self.on {
            return;
        }
        match self.steps.get_mut(self.len) {
            Some(f) => {
                (f.task, f.step, f.woke_itself) = (task, step, false);
                f.touched.clear();
            }
            None => self.steps.push(Footprint { task, step, woke_itself: false, touched: Vec::new() }),
        }
        self.len += 1;
    }

    /// The step running now, if `task` runs it.
    fn running(&mut self, task: TaskId) -> Option<&mut Footprint> {
        self.steps[..self.len].last_mut().filter(|f| f.task == task)
    }

    /// `task`, running, recorded an operation on `resource`.
    pub(crate) fn touch(&mut self, task: TaskId, resource: ResourceId) {
        if let Some(f) = self.running(task) {
            if !f.touched.contains(&resource) {
                f.touched.push(resource);
            }
        }
    }

    /// `task`, running, woke itself.
    pub(crate) fn woke_itself(&mut self, task: TaskId) {
        if let Some(f) = self.running(task) {
            f.woke_itself = true;
        }
    }

    /// The steps since the last pick with a choice, oldest first.
    pub(crate) fn as_slice(&self) -> &[Footprint] {
        &self.steps[..self.len]
    }

    /// A pick with a choice has seen them.
    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_records_what_its_own_task_did_and_storage_is_reused() {
        let mut log = Footprints::new(true);
        log.open(TaskId(1), 1);
        log.touch(TaskId(1), ResourceId(3));
        log.touch(TaskId(1), ResourceId(3));
        log.touch(TaskId(2), ResourceId(4)); // not the running task: ignored
        log.woke_itself(TaskId(2));
        log.open(TaskId(2), 2);
        log.woke_itself(TaskId(2));
        assert_eq!(
            log.as_slice(),
            [
                Footprint { task: TaskId(1), step: 1, woke_itself: false, touched: vec![ResourceId(3)] },
                Footprint { task: TaskId(2), step: 2, woke_itself: true, touched: vec![] },
            ]
        );
        log.clear();
        assert!(log.as_slice().is_empty());
        log.open(TaskId(1), 3);
        assert_eq!(log.as_slice(), [Footprint { task: TaskId(1), step: 3, woke_itself: false, touched: vec![] }]);
    }
}
