//! Errors with asyncio's own messages.

use std::fmt;

/// Misuse of a [`Lock`](crate::Lock).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockError {
    /// `release()` of a lock that is not held: asyncio's `RuntimeError('Lock is not acquired.')`.
    NotAcquired,
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::NotAcquired => write!(f, "Lock is not acquired."),
        }
    }
}

impl std::error::Error for LockError {}
