//! The bug zoo: historical bugs of asyncio's primitives, and of their counterparts in tokio,
//! kotlinx.coroutines and futures, rebuilt in Rust (feature `mutants`; never in the default
//! build).
//!
//! Each mutant is a faithful port of the shipped buggy algorithm, recording the same trace ops
//! as the correct primitive, so weft's checkers and workloads judge it exactly as they judge
//! the real thing. The asyncio ones run on weft's own waiting mechanism (the shared waiter
//! list), as asyncio's own code maps onto it; a foreign one keeps its own algorithm where the
//! bug lives in it (kotlinx's slot array). weft's kill test must find every one from a seed,
//! with no hint of the schedule that exposes it, for the rule its bug breaks.
//!
//! | mutant | id | historical issue | what the bug does |
//! |---|---|---|---|
//! | [`MutantLock`] `Tulip2013` | BZ-L0 | tulip `01e947b` | `release()` sets the head's result even if it was cancelled: the releaser crashes, the next waiter is never woken |
//! | [`MutantLock`] `Bpo27585` | BZ-L2 | bpo-27585 | a waiter woken then cancelled does not pass the lock on |
//! | [`MutantSemaphore`] `Asyncio270` | BZ-S1 | python/asyncio#270 | a waiter woken then cancelled keeps the released permit from the next waiter |
//! | [`MutantSemaphore`] `Bpo45997` | BZ-S2 | bpo-45997 | not FIFO: a release-then-acquire takes the permit back; the woken waiter requeues at the tail |
//! | [`MutantSemaphore`] `Gh90155` | BZ-S3 | gh-90155 | `_wakeup_scheduled` stays set after a woken waiter is cancelled: every later acquire hangs |
//! | [`MutantCondition`] | BZ-C5 | gh-112202 | a waiter notified then cancelled drops the notification |
//! | [`MutantQueue`] `Bpo23812` | BZ-Q1 | bpo-23812 | `put_nowait` hands the item to a waiting getter; cancelled, the getter loses it |
//! | [`MutantQueue`] `Bpo31620` | BZ-Q3 | bpo-31620, bpo-32574 | cancelled getters stay in `_getters` forever |
//! | [`MutantBarrier`] | BZ-B1 | gh-155233 (open, 3.11–3.13) | `index = _count`: after a cancellation while filling, the next arrival reuses a live arrival's index |
//! | [`MutantLock`] `Tokio1898` | TK-1 | tokio-rs/tokio#1898 (0.2.0–0.2.3) | a dropped waiting `lock()` leaves its node queued; unlock assigns the lock to it, and it stays locked |
//! | [`KotlinSemaphore`] `Pr1323` | KT-1 | Kotlin/kotlinx.coroutines#1323 (1.3.0-M1, -M2) | a cancelled waiter's handler calls `release()`, resuming the next waiter with a permit that does not exist |
//! | [`KotlinSemaphore`] `Issue1422` | KT-2 | Kotlin/kotlinx.coroutines#1422 (to 1.3.0-RC) | `Semaphore(permits, acquiredPermits)` starts with all `permits` free |
//! | [`MutantQueue`] `Futures861` | FU-1 | rust-lang/futures-rs#861 (0.2.0-alpha) | `get_nowait` (`try_next`) neither wakes a putter nor brings down the count `full()` reads |
//!
//! Two zoo entries have no Rust counterpart, because a Rust cancellation is a *drop*, after
//! which none of the dropped code runs: BZ-C1 (bpo-22970: `wait()` raising `CancelledError`
//! from its final `acquire()` without the lock) and BZ-C2 (bpo-32841: `wait()` swallowing the
//! `CancelledError` and returning normally). A dropped `wait()` can neither raise nor return.
//! Its consequence, a guard releasing a lock after its `wait()` was dropped, is ruled out by the
//! guards' hold tickets; see `Condition`'s docs and `tests/guards.rs`.

mod barrier;
mod condition;
mod kotlin_semaphore;
mod lock;
mod queue;
mod semaphore;

pub use barrier::MutantBarrier;
pub use condition::MutantCondition;
pub use kotlin_semaphore::{KotlinBug, KotlinSemaphore};
pub use lock::{LockBug, MutantLock};
pub use queue::{MutantQueue, QueueBug};
pub use semaphore::{MutantSemaphore, SemaphoreBug};
