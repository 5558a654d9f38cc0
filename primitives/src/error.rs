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

/// Misuse of a [`Condition`](crate::Condition).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConditionError {
    /// `wait()` while the lock is not held: asyncio's `RuntimeError('cannot wait on un-acquired
    /// lock')`. Acquire the condition (or its lock) first.
    WaitNotAcquired,
    /// `notify()`/`notify_all()` while the lock is not held: asyncio's `RuntimeError('cannot
    /// notify on un-acquired lock')`. Notify while holding the condition's lock.
    NotifyNotAcquired,
}

impl fmt::Display for ConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConditionError::WaitNotAcquired => write!(f, "cannot wait on un-acquired lock"),
            ConditionError::NotifyNotAcquired => write!(f, "cannot notify on un-acquired lock"),
        }
    }
}

impl std::error::Error for ConditionError {}

/// Misuse of a [`BoundedSemaphore`](crate::BoundedSemaphore).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SemaphoreError {
    /// `release()` with every permit already free or handed to a woken waiter: asyncio's
    /// `ValueError('BoundedSemaphore released too many times')`. Release only permits you took.
    ReleasedTooManyTimes,
}

impl fmt::Display for SemaphoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SemaphoreError::ReleasedTooManyTimes => {
                write!(f, "BoundedSemaphore released too many times")
            }
        }
    }
}

impl std::error::Error for SemaphoreError {}
