//! The one waiting mechanism every primitive uses.
//!
//! A [`WaitList`] is asyncio's `_waiters` deque: waiters in the order they began waiting, each
//! either *waiting* (its future pending) or *woken* (a wake-up was delivered and its task is
//! scheduled but has not run yet). Lock, Semaphore, Condition, Event, Barrier and Queue differ
//! only in *when* they wake (`wake_head`, `wake_next`); *how* is here, once:
//!
//! - a waiter is enqueued at the tail ([`WaitList::push`]);
//! - a wake-up marks it woken and wakes its task; it stays listed until its task runs and
//!   removes it (asyncio's hand-off discipline, A.0.5), so a woken waiter still counts as a live
//!   waiter and newcomers cannot barge past it;
//! - a waiter whose future is dropped (cancelled) is removed at once ([`WaitList::remove`]),
//!   and learns whether it had been woken, so the primitive can pass that wake-up on;
//! - under weft, a waiter whose task has a cancellation pending (requested, not yet delivered)
//!   counts as *done* like a woken one, as asyncio's cancelled-but-not-yet-run future does: wakes
//!   skip it, and its task passes the wake-up on when the cancellation lands.
//!
//! Invariants: keys are unique and increasing along the list; a woken waiter is never woken
//! again; every wake is recorded as `Op::Wake` naming the waiter's task.
//!
//! A list's room outlives its primitive: a list dropped empties into a spare one of its thread,
//! which the next list on the thread to take a waiter takes over, so that the primitives a
//! simulation makes in every run allocate nothing for their waiters past a worker's first runs.
//! The spares are bounded ([`SPARES`] lists of [`SPARE_ROOM`] entries at most): memory stays
//! flat however many runs a thread makes.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::task::{Context, Waker};
use weft_traces::resource::{self, Resource};
use weft_traces::TaskId;

/// Identifies one waiter in its list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WaiterKey(u64);

#[derive(Debug)]
struct Entry {
    key: u64,
    woken: bool,
    waker: Waker,
    task: Option<TaskId>,
    /// Left listed by a future that is gone (only BZ-Q3's mutant does this).
    #[cfg(feature = "mutants")]
    abandoned: bool,
}

/// Waiters in FIFO order.
#[derive(Debug, Default)]
pub(crate) struct WaitList {
    entries: VecDeque<Entry>,
    next_key: u64,
}

/// How many emptied lists a thread keeps for the next primitives' waiters.
const SPARES: usize = 16;

/// The most entries an emptied list may have room for and be kept.
const SPARE_ROOM: usize = 1024;

thread_local! {
    /// Emptied lists, with their room, for the thread's next lists to take over.
    static SPARE: RefCell<Vec<VecDeque<Entry>>> = const { RefCell::new(Vec::new()) };
}

impl Drop for WaitList {
    fn drop(&mut self) {
        if self.entries.capacity() == 0 || self.entries.capacity() > SPARE_ROOM {
            return;
        }
        let mut entries = std::mem::take(&mut self.entries);
        // The wakers go now, as with the list; the room is kept (unless the thread is ending).
        entries.clear();
        let _ = SPARE.try_with(|spare| {
            if let Ok(mut spare) = spare.try_borrow_mut() {
                if spare.len() < SPARES {
                    spare.push(entries);
                }
            }
        });
    }
}

impl WaitList {
    /// Enqueues the running task's waker at the tail.
    pub(crate) fn push(&mut self, waker: &Waker) -> WaiterKey {
        if self.entries.capacity() == 0 {
            let spare = SPARE.try_with(|spare| spare.try_borrow_mut().ok().and_then(|mut s| s.pop()));
            if let Ok(Some(entries)) = spare {
                self.entries = entries;
            }
        }
        let key = self.next_key;
        self.next_key += 1;
        self.entries.push_back(Entry {
            key,
            woken: false,
            waker: waker.clone(),
            task: resource::current_task(),
            #[cfg(feature = "mutants")]
            abandoned: false,
        });
        WaiterKey(key)
    }

    fn find(&self, key: WaiterKey) -> Option<usize> {
        self.entries.binary_search_by_key(&key.0, |e| e.key).ok()
    }

    /// Whether the waiter was woken; if not, keeps `waker` as the one to wake.
    pub(crate) fn is_woken(&mut self, key: WaiterKey, waker: &Waker) -> bool {
        let Some(i) = self.find(key) else {
            return false;
        };
        let entry = &mut self.entries[i];
        if !entry.woken && !entry.waker.will_wake(waker) {
            entry.waker = waker.clone();
        }
        entry.woken
    }

    /// Removes the waiter (its task ran, or its future was dropped); returns whether it had been
    /// woken, or `None` if it was not listed.
    pub(crate) fn remove(&mut self, key: WaiterKey) -> Option<bool> {
        // Most often the head (a FIFO grant): no search.
        if self.entries.front().is_some_and(|e| e.key == key.0) {
            return self.entries.pop_front().map(|e| e.woken);
        }
        let i = self.find(key)?;
        self.entries.remove(i).map(|e| e.woken)
    }

    /// Wakes the head if it is still waiting (asyncio's `Lock._wake_up_first`); a done head
    /// (woken, or being cancelled) means its task will run and decide. Says whether it woke one.
    pub(crate) fn wake_head(&mut self, resource: &Resource) -> bool {
        match self.entries.front_mut() {
            Some(entry) if entry.is_waiting() => {
                wake(entry, resource);
                true
            }
            _ => false,
        }
    }

    /// Wakes the first `n` waiters that are still waiting, skipping done ones (woken, or being
    /// cancelled), as asyncio's `_wake_up_next` and `Condition._notify` do. Returns how many it
    /// woke.
    pub(crate) fn wake_next(&mut self, n: usize, resource: &Resource) -> usize {
        let mut woken = 0;
        for entry in self.entries.iter_mut().filter(|e| e.is_waiting()).take(n) {
            wake(entry, resource);
            woken += 1;
        }
        woken
    }

    /// Whether every listed waiter is still waiting and its task's cancellation is pending
    /// (asyncio: `all(w.cancelled() for w in _waiters)`), so a newcomer may jump the queue.
    /// True for an empty list.
    pub(crate) fn all_cancelled(&self) -> bool {
        self.entries.iter().all(|e| !e.woken && e.task.is_some_and(resource::is_cancelling))
    }

    /// Whether the head is listed but done (woken, or its task being cancelled): asyncio's
    /// `_waiters[0].done()`. Only the historical mutants look at the head this way.
    #[cfg(feature = "mutants")]
    pub(crate) fn head_is_done(&self) -> bool {
        self.entries.front().is_some_and(|e| !e.is_waiting())
    }

    /// Wakes the first waiting entry and returns its key (BZ-Q1 hands it an item).
    #[cfg(feature = "mutants")]
    pub(crate) fn wake_next_key(&mut self, resource: &Resource) -> Option<WaiterKey> {
        let entry = self.entries.iter_mut().find(|e| e.is_waiting())?;
        wake(entry, resource);
        Some(WaiterKey(entry.key))
    }

    /// Leaves the waiter listed although its future is gone, as a done future nobody removes
    /// (BZ-Q3); wakes skip it. Returns whether it had been woken.
    #[cfg(feature = "mutants")]
    pub(crate) fn abandon_in_place(&mut self, key: WaiterKey) -> bool {
        let Some(i) = self.find(key) else { return false };
        let entry = &mut self.entries[i];
        entry.abandoned = true;
        entry.woken
    }

    /// Pops abandoned entries at the head, as asyncio's `_wakeup_next` pops done futures.
    #[cfg(feature = "mutants")]
    pub(crate) fn pop_abandoned_front(&mut self) {
        while self.entries.front().is_some_and(|e| e.abandoned) {
            self.entries.pop_front();
        }
    }

    /// Takes the head off the list whatever its state and wakes it; returns its key (TK-1:
    /// tokio 0.2's semaphore assigns a released permit to the node at the head, which cannot
    /// know that its future is gone or being cancelled).
    #[cfg(feature = "mutants")]
    pub(crate) fn assign_head(&mut self, resource: &Resource) -> Option<WaiterKey> {
        let mut entry = self.entries.pop_front()?;
        wake(&mut entry, resource);
        Some(WaiterKey(entry.key))
    }

    /// How many waiters are listed (waiting or woken).
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no waiter is listed.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many listed waiters are still waiting (not yet woken).
    pub(crate) fn waiting(&self) -> usize {
        self.entries.iter().filter(|e| e.is_waiting()).count()
    }

    /// How many listed waiters were woken and have not run yet (a Semaphore's reserved permits).
    pub(crate) fn woken(&self) -> usize {
        self.entries.iter().filter(|e| e.woken).count()
    }
}

impl Entry {
    /// Not woken, and its task is not being cancelled: asyncio's "future not done".
    fn is_waiting(&self) -> bool {
        #[cfg(feature = "mutants")]
        if self.abandoned {
            return false;
        }
        !self.woken && !self.task.is_some_and(resource::is_cancelling)
    }
}

fn wake(entry: &mut Entry, resource: &Resource) {
    entry.woken = true;
    if let Some(waiter) = entry.task {
        resource.wake(waiter);
    }
    entry.waker.wake_by_ref();
}

/// Every fast path (an operation that could complete without suspending) asks this first: under
/// weft a forced-yield fault makes it suspend once anyway, as tokio's cooperative budget can.
/// When it returns true the task has been re-woken and the caller returns `Poll::Pending`
/// without changing any state, so its next poll starts the operation afresh.
pub(crate) fn forced_yield(cx: &Context<'_>) -> bool {
    if resource::force_yield() {
        cx.waker().wake_by_ref();
        return true;
    }
    false
}
