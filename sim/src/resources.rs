//! The run's table of resources, for naming them in reports.

use std::rc::Rc;
use weft_traces::{ResourceId, ResourceKind};

#[derive(Debug, Default)]
pub(crate) struct Resources {
    table: Vec<(ResourceKind, Rc<str>)>,
}

impl Resources {
    pub(crate) fn register(&mut self, kind: ResourceKind, name: &str) -> ResourceId {
        self.table.push((kind, name.into()));
        ResourceId(self.table.len() as u32 - 1)
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
