//! TK-2: tokio's `sync::Notify`, ported as a user-style primitive.
//!
//! **Invariant its bug breaks:** a permit that `notify_one` stored (nobody waiting) stays
//! stored until a `notified()` takes it: never a free permit with a task waiting for it.
//!
//! Source: PR <https://github.com/tokio-rs/tokio/pull/3652>, commit
//! `f7c181c2c49ee28d7cb0773f5cdb4bec35b5a89b`; tokio 0.3.4–1.4.0 affected, fixed in 1.5.0
//! (CHANGELOG: "sync: fix notifications getting dropped on receiver drop (#3652)").
//!
//! tokio's state machine, single-threaded: the state `EMPTY` / `WAITING` / `NOTIFIED` (a
//! stored permit) and a `notify_waiters` call counter; a list of waiters, each notified
//! `OneWaiter` or `AllWaiters`; the `Notified` future's `Init` / `Waiting` / `Done`. Before the
//! fix, dropping a `Notified` in `Waiting` stored `EMPTY` whenever the list was empty: after
//! `notify_waiters` had emptied the list and a `notify_one` had stored a permit, the drop of a
//! broadcast-woken, not yet polled `Notified` erased the permit. The fix stores `EMPTY` only
//! over `WAITING`. The mutant ([`Notify::mutant`]) stores it unconditionally.
//!
//! Described as a counting resource "notify" with 0 units at the start and no bound
//! ([`Resource::counting`]; the bound of 1 stored permit is the state machine's): storing the
//! permit is a `release`; handing it to a waiter a `wake`, and that waiter's taking it a
//! `release` and `grant` (so a hand-off in flight to a task being cancelled is no free unit);
//! taking a stored permit, a `request` and `grant`; a waiter registers
//! with a `request`; `notify_waiters` wakes every waiter (`wake`), which then withdraws its
//! request (`abandon`) when it completes without the permit. The checkers' work conservation
//! then sees the erased permit: a unit free and a live waiter that nobody wakes.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use weft_traces::resource::{self, Resource};
use weft_traces::{ResourceKind, TaskId};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Empty,
    Waiting,
    Notified,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Notification {
    One,
    All,
}

/// tokio's `Notify`: `notify_one` wakes a waiter or stores one permit; `notify_waiters` wakes
/// every registered waiter.
///
/// ```
/// use weft::zoo_user::notify::Notify;
/// # futures::executor::block_on(async {
/// let notify = Notify::new();
/// notify.notify_one(); // nobody waits: the permit is stored
/// notify.notified().await; // and taken at once
/// # });
/// ```
pub struct Notify {
    state: Cell<State>,
    calls: Cell<u64>,
    waiters: RefCell<VecDeque<Rc<Waiter>>>,
    res: Resource,
    check_waiting_on_drop: bool,
}

struct Waiter {
    task: Option<TaskId>,
    notified: Cell<Option<Notification>>,
    waker: RefCell<Waker>,
}

impl Notify {
    /// The correct Notify (tokio 1.5.0).
    pub fn new() -> Notify {
        Notify::build(true)
    }

    /// The historical mutant (tokio 0.3.4–1.4.0): dropping a `Notified` erases a stored permit.
    #[cfg(feature = "mutants")]
    pub fn mutant() -> Notify {
        Notify::build(false)
    }

    fn build(check_waiting_on_drop: bool) -> Notify {
        Notify {
            state: Cell::new(State::Empty),
            calls: Cell::new(0),
            waiters: RefCell::default(),
            res: Resource::counting(ResourceKind::Foreign, "notify", 0, None, false),
            check_waiting_on_drop,
        }
    }

    /// `notified()`: completes on a stored permit, a `notify_one` or a later `notify_waiters`.
    pub fn notified(&self) -> Notified<'_> {
        Notified { notify: self, calls: self.calls.get(), waiter: None, done: false }
    }

    /// `notify_one()`.
    pub fn notify_one(&self) {
        match self.state.get() {
            State::Empty => {
                self.state.set(State::Notified);
                self.res.release();
            }
            State::Notified => {}
            State::Waiting => self.hand_to_next(),
        }
    }

    /// `notify_locked`: the permit to the first waiter (recorded as released when that waiter
    /// takes it), or stored.
    fn hand_to_next(&self) {
        let mut waiters = self.waiters.borrow_mut();
        match waiters.pop_front() {
            Some(w) => {
                w.notified.set(Some(Notification::One));
                if let Some(task) = w.task {
                    self.res.wake(task);
                }
                w.waker.borrow().wake_by_ref();
                if waiters.is_empty() {
                    self.state.set(State::Empty);
                }
            }
            None if self.state.get() == State::Notified => {} // permits coalesce
            None => {
                self.state.set(State::Notified);
                self.res.release();
            }
        }
    }

    /// `notify_waiters()`: every registered waiter completes; no permit is stored.
    pub fn notify_waiters(&self) {
        self.calls.set(self.calls.get() + 1);
        for w in self.waiters.borrow_mut().drain(..) {
            w.notified.set(Some(Notification::All));
            if let Some(task) = w.task {
                self.res.wake(task);
            }
            w.waker.borrow().wake_by_ref();
        }
        if self.state.get() == State::Waiting {
            self.state.set(State::Empty);
        }
    }

    /// Whether a permit is stored (`NOTIFIED`).
    pub fn permit_stored(&self) -> bool {
        self.state.get() == State::Notified
    }
}

impl Default for Notify {
    fn default() -> Notify {
        Notify::new()
    }
}

/// The future of [`Notify::notified`].
#[must_use = "futures do nothing unless awaited"]
pub struct Notified<'a> {
    notify: &'a Notify,
    calls: u64,
    waiter: Option<Rc<Waiter>>,
    done: bool,
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let n = self.notify;
        if self.done {
            return Poll::Ready(());
        }
        match &self.waiter {
            None => {
                if n.state.get() == State::Notified {
                    n.state.set(State::Empty);
                    n.res.request();
                    n.res.grant();
                    self.done = true;
                    return Poll::Ready(());
                }
                if n.calls.get() != self.calls {
                    self.done = true;
                    return Poll::Ready(());
                }
                n.res.request();
                let w = Rc::new(Waiter {
                    task: resource::current_task(),
                    notified: Cell::new(None),
                    waker: RefCell::new(cx.waker().clone()),
                });
                n.waiters.borrow_mut().push_back(w.clone());
                n.state.set(State::Waiting);
                self.waiter = Some(w);
                Poll::Pending
            }
            Some(w) => match w.notified.get() {
                Some(kind) => {
                    match kind {
                        Notification::One => {
                            n.res.release(); // the permit handed to us, taken now
                            n.res.grant();
                        }
                        Notification::All => n.res.abandon(),
                    }
                    self.waiter = None;
                    self.done = true;
                    Poll::Ready(())
                }
                None => {
                    *w.waker.borrow_mut() = cx.waker().clone();
                    Poll::Pending
                }
            },
        }
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let Some(w) = self.waiter.take() else { return };
        let n = self.notify;
        n.res.abandon();
        let empty = {
            let mut waiters = n.waiters.borrow_mut();
            waiters.retain(|x| !Rc::ptr_eq(x, &w));
            waiters.is_empty()
        };
        if empty && (!n.check_waiting_on_drop || n.state.get() == State::Waiting) {
            n.state.set(State::Empty);
        }
        if w.notified.get() == Some(Notification::One) {
            n.hand_to_next(); // pass the permit on
        }
    }
}
