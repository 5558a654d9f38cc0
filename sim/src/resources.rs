//! The run's table of resources: their names for reports, and what a step's operation on one
//! means to partial-order reduction.

use crate::strategy::Mode;
use weft_traces::{Op, Resource, ResourceId, ResourceKind};

#[derive(Debug, Default)]
pub(crate) struct Resources {
    table: Vec<Entry>,
    /// Names of earlier runs' resources, emptied, for this run's names to be written in.
    spare: Vec<String>,
}

#[derive(Debug)]
struct Entry {
    kind: ResourceKind,
    name: String,
    /// It promises hand-off semantics ([`Resource::handoff`]).
    handoff: bool,
    /// It has a single unit (a Lock): whoever releases it released the only one.
    single: bool,
}

impl Resources {
    /// A new resource as `resource` describes it, named later ([`Resources::name`]).
    pub(crate) fn register(&mut self, resource: &Resource) -> ResourceId {
        let (kind, handoff, single) = (resource.kind(), resource.hands_off(), resource.capacity() == Some(1));
        let name = self.spare.pop().unwrap_or_default();
        self.table.push(Entry { kind, name, handoff, single });
        ResourceId(self.table.len() as u32 - 1)
    }

    /// Names resource `id`.
    /// `name` written in the room of resource `id`'s name (which is left empty until
    /// [`Resources::name`] gives it back), so that a thread's runs register their resources
    /// without allocating.
    pub(crate) fn name_buffer(&mut self, id: ResourceId, name: &str) -> String {
        let mut buffer = self.table.get_mut(id.index()).map(|e| std::mem::take(&mut e.name)).unwrap_or_default();
        buffer.clear();
        buffer.push_str(name);
        buffer
    }

    pub(crate) fn name(&mut self, id: ResourceId, name: String) {
        if let Some(entry) = self.table.get_mut(id.index()) {
            entry.name = name;
        }
    }

    /// Resource `id` promises hand-off semantics from now on.
    pub(crate) fn promise_handoff(&mut self, id: ResourceId) {
        if let Some(entry) = self.table.get_mut(id.index()) {
            entry.handoff = true;
        }
    }

    /// How `op` on resource `id` touches it, for partial-order reduction: a read or a write,
    /// and on a hand-off resource what the op does to its units (see [`Mode`] and
    /// `docs/search.md`, "Hand-off resources").
    pub(crate) fn mode(&self, id: ResourceId, op: &Op) -> Mode {
        match (op, self.table.get(id.index())) {
            (Op::Read, _) => Mode::Read,
            (Op::Request, Some(e)) if e.handoff => Mode::Enqueue,
            (Op::Grant, Some(e)) if e.handoff => match e.single {
                true => Mode::Handover,
                false => Mode::Grant,
            },
            (Op::Release | Op::Wake { .. }, Some(e)) if e.handoff => match e.single {
                true => Mode::Unlock,
                false => Mode::Release,
            },
            _ => Mode::Write,
        }
    }

    /// Empties it, keeping its room (see `reuse.rs`).
    pub(crate) fn clear(&mut self) {
        let Resources { table, spare } = self;
        spare.extend(table.drain(..).map(|e| e.name));
    }

    /// `Lock 'name'`.
    pub(crate) fn describe(&self, id: ResourceId) -> String {
        match self.table.get(id.index()) {
            Some(e) => format!("{} '{}'", e.kind.name(), e.name),
            None => format!("resource {id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{spawn, yield_now, Runtime};
    use std::rc::Rc;
    use weft_traces::Resource;

    /// A deadlock reported by the executor itself (checks off): 'waiter' asks for the lock
    /// 'gate' that 'holder' keeps while it waits forever.
    fn deadlock(tracing: bool) -> String {
        let run = Runtime::new().checks(false).tracing(tracing).run(async {
            let gate = Rc::new(Resource::lock("gate"));
            let held = gate.clone();
            let holder = spawn("holder", async move {
                held.request();
                held.grant();
                std::future::pending::<()>().await;
            });
            yield_now().await;
            let waiter = spawn("waiter", async move {
                gate.request();
                std::future::pending::<()>().await;
            });
            let _ = (holder.await, waiter.await);
        });
        run.failure.map(|f| f.to_string()).unwrap_or_default()
    }

    #[test]
    fn names_reach_reports_whether_or_not_a_trace_keeps_them() {
        let untraced = deadlock(false);
        assert!(untraced.contains("'waiter' (#2) waits on Lock 'gate' (request)"), "{untraced}");
        assert!(untraced.contains("'holder' (#1)"), "{untraced}");
        assert_eq!(untraced, deadlock(true));
    }
}
