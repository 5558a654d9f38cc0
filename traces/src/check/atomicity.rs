//! [`Atomicity`]: lost updates on tracked cells, found without an assertion.
//!
//! A task that reads a tracked cell (`weft::cell`), suspends, and then writes the cell in a
//! later step carries what it read across its suspension. If another task wrote the cell in
//! between, the write may be computed from a value that no longer holds: the other task's
//! update is lost. The rule, per cell and task:
//!
//! - a task's *carried read* of a cell is its last read of it in a step that ended (a step
//!   before the current one), since the task's own last write of it;
//! - a write by another task after the carried read marks it *stale*, naming that write;
//! - a write by the task while its carried read is stale is a violation, [`Rule::StaleWrite`]
//!   of kind [`ViolationKind::Atomicity`], naming the two tasks, the three steps and the cell.
//!
//! A read in a later step than the other's write refreshes the carried read; a read in the
//! writing step itself does not (the step may combine it with what it carried, as the
//! tutorial's `X *= X_init` does), unless the task acquired a primitive or ended a wait on one
//! (a `Grant` or `Resume`) since its carried read: a read made after synchronizing starts over,
//! as a check made again under a lock does (the tutorial's `set_item` checks `X` before taking
//! the condition's lock and again, under it, before it writes). A task's own write ends its
//! carried read.
//!
//! weft sees reads and writes, not data flow: it cannot tell whether the write was computed
//! from the stale read. A task that reads a cell, waits, then writes a value it did not compute
//! from it (a flag it sets after waiting for an Event) is flagged all the same. That is why the
//! rule is off by default (`docs/checkers.md`). Under a lock that excludes the other writer the
//! interleaving cannot happen, so correctly locked read-modify-writes are never flagged.

use super::{Checker, Rule, Violation, ViolationKind};
use crate::event::{Event, Op, Record, ResourceKind};
use crate::ids::{ResourceId, TaskId};
use std::collections::BTreeMap;

/// The lost-update checker over tracked cells (see the module's rule). Add it to an
/// exploration with `Explore::checker(|| Box::new(Atomicity::new()))`, or to one run with
/// `Runtime::checker`.
///
/// ```
/// use weft_traces::check::Atomicity;
/// use weft_traces::{Checker, Event, Op, Record, ResourceId, ResourceKind, Rule, TaskId, Time};
///
/// let mut checker = Atomicity::new();
/// let at = |step, task, event| Record::new(step, Time::ZERO, Some(TaskId(task)), event);
/// let x = ResourceId(0);
/// let op = |op| Event::Resource { id: x, op };
/// let events = [
///     at(0, 1, Event::Spawn { name: "a".into(), parent: None }),
///     at(0, 2, Event::Spawn { name: "b".into(), parent: None }),
///     at(1, 1, Event::NewResource { id: x, kind: ResourceKind::Cell, name: "X".into(), capacity: None, initial: None, fifo: false }),
///     at(1, 1, op(Op::Read)),  // a reads X and suspends
///     at(2, 2, op(Op::Write)), // b writes X
///     at(3, 1, op(Op::Write)), // a writes X from what it read at step 1
/// ];
/// let found = events.iter().find_map(|r| checker.observe(r)).unwrap();
/// assert_eq!(found.rule, Rule::StaleWrite);
/// assert_eq!(found.message, "lost update on cell 'X': task 'a' (#1) read it at step 1, task 'b' (#2) wrote it at step 2, then 'a' wrote it at step 3 without reading it in a step between");
/// ```
#[derive(Clone, Debug, Default)]
pub struct Atomicity {
    /// Task names, by id.
    tasks: BTreeMap<TaskId, String>,
    /// The tracked cells, by id.
    cells: BTreeMap<ResourceId, Cell>,
    /// The records seen so far: a position in the run.
    seen: u64,
    /// Per task, the position of its last `Grant` or `Resume`.
    synced: BTreeMap<TaskId, u64>,
}

/// What the checker keeps of one tracked cell.
#[derive(Clone, Debug, Default)]
struct Cell {
    name: String,
    /// Per task, its reads since its own last write.
    reads: BTreeMap<TaskId, Reads>,
    /// Per task, the step of its last write.
    writes: BTreeMap<TaskId, u64>,
}

/// A task's reads of a cell since its own last write: the step of the last one, and the step
/// of the last one in an earlier step than that.
#[derive(Clone, Copy, Debug)]
struct Reads {
    last: u64,
    before: Option<u64>,
    /// The position of the last read.
    at: u64,
}

impl Reads {
    /// The read a write at `step` carries across a suspension: the last read in an earlier step.
    fn carried(self, step: u64) -> Option<u64> {
        if self.last < step {
            Some(self.last)
        } else {
            self.before
        }
    }
}

impl Atomicity {
    /// A checker that has seen nothing yet.
    ///
    /// ```
    /// let checker = weft_traces::check::Atomicity::new();
    /// # let _ = checker;
    /// ```
    pub fn new() -> Atomicity {
        Atomicity::default()
    }

    fn name(&self, task: TaskId) -> Option<&str> {
        self.tasks.get(&task).map(String::as_str).filter(|n| !n.is_empty())
    }

    fn who(&self, task: TaskId) -> String {
        match self.name(task) {
            None => format!("task {task}"),
            Some(name) => format!("task '{name}' ({task})"),
        }
    }

    fn short(&self, task: TaskId) -> String {
        match self.name(task) {
            None => format!("{task}"),
            Some(name) => format!("'{name}'"),
        }
    }

    fn read(&mut self, id: ResourceId, task: TaskId, step: u64) {
        let at = self.seen;
        let synced = self.synced.get(&task).copied();
        let Some(cell) = self.cells.get_mut(&id) else { return };
        let fresh = Reads { last: step, before: None, at };
        let reads = cell.reads.entry(task).or_insert(fresh);
        *reads = match synced {
            // Synchronized since the last read: this read starts over.
            Some(s) if s > reads.at => fresh,
            _ if reads.last == step => Reads { at, ..*reads },
            _ => Reads { last: step, before: Some(reads.last), at },
        };
    }

    fn write(&mut self, id: ResourceId, task: TaskId, record: &Record) -> Option<Violation> {
        let step = record.step;
        let cell = self.cells.get_mut(&id)?;
        let carried = cell.reads.remove(&task).and_then(|r| r.carried(step));
        let other = cell.writes.iter().filter(|&(&t, _)| t != task).map(|(&t, &at)| (at, t)).max();
        cell.writes.insert(task, step);
        let read = carried?;
        let (wrote, writer) = other.filter(|&(at, _)| at > read)?;
        let cell = cell.name.clone();
        let message = format!(
            "lost update on cell '{cell}': {} read it at step {read}, {} wrote it at step {wrote}, then {} wrote it at step {step} without reading it in a step between",
            self.who(task),
            self.who(writer),
            self.short(task),
        );
        Some(Violation::at(record, ViolationKind::Atomicity, Rule::StaleWrite, Some(id), message))
    }
}

impl Checker for Atomicity {
    fn observe(&mut self, record: &Record) -> Option<Violation> {
        self.seen += 1;
        match (&record.event, record.task) {
            (Event::Resource { op: Op::Grant | Op::Resume, .. }, Some(task)) => {
                self.synced.insert(task, self.seen);
                None
            }
            (Event::Spawn { name, .. }, Some(task)) => {
                self.tasks.insert(task, name.clone());
                None
            }
            (Event::NewResource { id, kind: ResourceKind::Cell, name, .. }, _) => {
                self.cells.insert(*id, Cell { name: name.clone(), ..Cell::default() });
                None
            }
            (Event::Resource { id, op: Op::Read }, Some(task)) => {
                self.read(*id, task, record.step);
                None
            }
            (Event::Resource { id, op: Op::Write }, Some(task)) => self.write(*id, task, record),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Atomicity;
    use crate::check::{Checker, Rule, Violation};
    use crate::event::{Event, Op, Record, ResourceKind};
    use crate::ids::{ResourceId, TaskId, Time};

    const X: ResourceId = ResourceId(0);

    /// Runs `accesses` (step, task, op on X; a `Grant` is on another resource, a lock) after
    /// spawning tasks 1 and 2 and registering X.
    fn check(accesses: &[(u64, u32, Op)]) -> Option<Violation> {
        let at = |step, task, event| Record::new(step, Time::ZERO, Some(TaskId(task)), event);
        let mut records = vec![
            at(0, 1, Event::Spawn { name: "a".into(), parent: None }),
            at(0, 2, Event::Spawn { name: "b".into(), parent: None }),
            at(
                0,
                0,
                Event::NewResource {
                    id: X,
                    kind: ResourceKind::Cell,
                    name: "X".into(),
                    capacity: None,
                    initial: None,
                    fifo: false,
                },
            ),
        ];
        records.extend(accesses.iter().map(|(step, task, op)| {
            let id = if *op == Op::Grant { ResourceId(1) } else { X };
            at(*step, *task, Event::Resource { id, op: op.clone() })
        }));
        let mut checker = Atomicity::new();
        records.iter().find_map(|r| checker.observe(r))
    }

    #[test]
    fn read_suspend_other_writes_write_is_a_stale_write() {
        let v = check(&[(1, 1, Op::Read), (2, 2, Op::Write), (3, 1, Op::Write)]).expect("a lost update");
        assert_eq!((v.rule, v.step, v.task, v.resource), (Rule::StaleWrite, 3, Some(TaskId(1)), Some(X)));
        assert!(v.message.contains("'a' (#1) read it at step 1, task 'b' (#2) wrote it at step 2"), "{}", v.message);
    }

    #[test]
    fn a_read_in_the_writing_step_does_not_refresh_the_carried_read() {
        // The tutorial's `X *= X_init`: X read again in the step that writes it.
        let v = check(&[(1, 1, Op::Read), (2, 2, Op::Write), (3, 1, Op::Read), (3, 1, Op::Write)]);
        assert_eq!(v.map(|v| (v.rule, v.step)), Some((Rule::StaleWrite, 3)));
    }

    #[test]
    fn a_reread_in_a_step_between_is_not_flagged() {
        let v = check(&[(1, 1, Op::Read), (2, 2, Op::Write), (3, 1, Op::Read), (4, 1, Op::Write)]);
        assert_eq!(v, None);
        let v = check(&[(1, 1, Op::Read), (2, 2, Op::Write), (3, 1, Op::Read), (5, 1, Op::Read), (5, 1, Op::Write)]);
        assert_eq!(v, None);
    }

    #[test]
    fn writes_by_the_same_task_only_are_not_flagged() {
        let v = check(&[(1, 1, Op::Read), (2, 1, Op::Write), (3, 1, Op::Read), (4, 1, Op::Write), (5, 2, Op::Read)]);
        assert_eq!(v, None);
    }

    #[test]
    fn a_read_and_write_in_one_step_is_atomic() {
        let v = check(&[(1, 1, Op::Read), (1, 1, Op::Write), (2, 2, Op::Read), (2, 2, Op::Write), (3, 1, Op::Write)]);
        assert_eq!(v, None, "a's write at step 3 carries no read: its own write at step 1 ended it");
    }

    #[test]
    fn a_read_after_acquiring_starts_over() {
        let lock = |step, task| (step, task, Op::Grant);
        // Check, take the lock, check again and write under it: not flagged.
        let v = check(&[(1, 1, Op::Read), (2, 2, Op::Write), lock(3, 1), (3, 1, Op::Read), (3, 1, Op::Write)]);
        assert_eq!(v, None);
        // Take the lock and write without reading again: the read before it is still carried.
        let v = check(&[(1, 1, Op::Read), (2, 2, Op::Write), lock(3, 1), (3, 1, Op::Write)]);
        assert_eq!(v.map(|v| v.step), Some(3));
    }

    #[test]
    fn the_other_write_must_fall_after_the_read() {
        let v = check(&[(1, 2, Op::Write), (2, 1, Op::Read), (3, 1, Op::Write)]);
        assert_eq!(v, None);
    }
}
