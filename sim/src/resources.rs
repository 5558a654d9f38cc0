//! The run's table of resources, for naming them in reports.

use weft_traces::{ResourceId, ResourceKind};

#[derive(Debug, Default)]
pub(crate) struct Resources {
    table: Vec<(ResourceKind, String)>,
}

impl Resources {
    /// A new resource of `kind`, named later ([`Resources::name`]).
    pub(crate) fn register(&mut self, kind: ResourceKind) -> ResourceId {
        self.table.push((kind, String::new()));
        ResourceId(self.table.len() as u32 - 1)
    }

    /// Names resource `id`.
    pub(crate) fn name(&mut self, id: ResourceId, name: String) {
        if let Some((_, slot)) = self.table.get_mut(id.index()) {
            *slot = name;
        }
    }

    /// Empties it, keeping its room (see `reuse.rs`).
    pub(crate) fn clear(&mut self) {
        self.table.clear();
    }

    /// `Lock 'name'`.
    pub(crate) fn describe(&self, id: ResourceId) -> String {
        match self.table.get(id.index()) {
            Some((kind, name)) => format!("{} '{}'", kind.name(), name),
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
