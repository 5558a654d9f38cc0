//! What the integration tests share: a log that tasks of one run append to.

use std::cell::RefCell;
use std::rc::Rc;

/// What happened, in order, as the tasks of one run saw it.
pub type Log = Rc<RefCell<Vec<String>>>;

/// An empty log.
pub fn log() -> Log {
    Rc::new(RefCell::new(Vec::new()))
}

/// Appends `entry`.
pub fn push(log: &Log, entry: impl Into<String>) {
    log.borrow_mut().push(entry.into());
}
