//! The user's own rules, checked by the running kernel: invariants over the program's state
//! after every step, and liveness monitors that must reach a goal.
//!
//! A program builds its state inside the run (an exploration's factory runs once per schedule),
//! so a rule over that state is registered from inside the run too, by the code that owns the
//! state: [`invariant`] and [`eventually`] take a closure over it (an `Rc` of the program's
//! cells). The executor calls the closures between steps, with nothing of the kernel borrowed,
//! so they may read primitives freely. A failure is a [`Violation`] like a built-in one: the
//! run stops, and an exploration shrinks it (a candidate must fail the same rule, by its name)
//! and prints the replay line that reproduces it.
//!
//! Liveness follows Coyote's liveness monitors: a monitor is *hot* while its goal is unmet and
//! *cold* once it is met; one still hot when the run ends (nothing left to run, no timer
//! pending), or hot for longer than the virtual time it was given, fails the run.
//!
//! ```
//! use std::cell::Cell;
//! use std::rc::Rc;
//! use weft_sim::{invariant, spawn, yield_now, Runtime};
//!
//! let run = Runtime::new().run(async {
//!     let (given, taken) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
//!     let (g, t) = (given.clone(), taken.clone());
//!     invariant("never more taken than given", move || match t.get() <= g.get() {
//!         true => Ok(()),
//!         false => Err(format!("{} taken, {} given", t.get(), g.get())),
//!     });
//!     given.set(1);
//!     yield_now().await;
//!     taken.set(2); // broken at the end of this step
//!     yield_now().await;
//! });
//! let v = run.violation().expect("the invariant failed");
//! assert_eq!(v.message, "invariant 'never more taken than given' failed after the step of #0: 2 taken, 1 given");
//! ```

use crate::context::{self, Installed};
use crate::panic;
use std::cell::{Cell, RefCell};
use std::time::Duration;
use weft_traces::{Time, Violation};

/// An invariant: its name and its check.
struct Invariant {
    name: String,
    check: Box<dyn Fn() -> Result<(), String>>,
}

/// A liveness monitor: its name, its goal, how long it may stay hot, and since when it is.
struct Liveness {
    name: String,
    goal: Box<dyn Fn() -> bool>,
    within: Option<Duration>,
    hot_since: Option<Time>,
}

/// The rules registered in a run, kept beside the kernel (not in it: their closures run with the
/// kernel free).
#[derive(Default)]
pub(crate) struct Monitors {
    invariants: RefCell<Vec<Invariant>>,
    liveness: RefCell<Vec<Liveness>>,
    /// A rule was registered in the run (rules are never removed before its end): what the
    /// step loop reads after every step, one load.
    registered: Cell<bool>,
}

impl Monitors {
    /// Drops every rule (a run's end), keeping the lists' room.
    pub(crate) fn clear(&mut self) {
        self.invariants.get_mut().clear();
        self.liveness.get_mut().clear();
        self.registered.set(false);
    }

    /// Whether any rule is registered (the step loop skips the checks when none is).
    pub(crate) fn any(&self) -> bool {
        self.registered.get()
    }
}

/// Registers an invariant with the running simulation: after every step from now on, `check`
/// runs over the program's state and returns `Err(message)` when the rule is broken, which
/// fails the run as a [`ViolationKind::Invariant`](weft_traces::ViolationKind::Invariant) of
/// rule `Rule::User(name)`, with `message` in its words. A panic in `check` fails it the same
/// way, with the panic's message.
///
/// Register it where the state is made, inside the run (see the module docs); two invariants
/// with different names are different failures to the shrinker.
///
/// # Panics
/// Outside a weft simulation.
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use weft_sim::{explore, invariant, spawn, yield_now};
/// use weft_traces::ViolationKind;
///
/// let report = explore(|| async {
///     let inside = Rc::new(Cell::new(0));
///     let i = inside.clone();
///     invariant("one inside at a time", move || match i.get() {
///         0 | 1 => Ok(()),
///         n => Err(format!("{n} inside")),
///     });
///     let workers: Vec<_> = (0..2)
///         .map(|w| {
///             let i = inside.clone();
///             spawn(format!("w{w}"), async move {
///                 i.set(i.get() + 1); // no lock: both can be inside
///                 yield_now().await;
///                 i.set(i.get() - 1);
///             })
///         })
///         .collect();
///     for w in workers {
///         w.await.unwrap();
///     }
/// })
/// .schedules(100)
/// .environment(false)
/// .run();
/// let found = report.failure.expect("two inside");
/// assert_eq!(found.failure.kind(), Some(ViolationKind::Invariant));
/// ```
#[track_caller]
pub fn invariant(name: impl Into<String>, check: impl Fn() -> Result<(), String> + 'static) {
    let invariant = Invariant { name: name.into(), check: Box::new(check) };
    installed("weft::invariant", |i| {
        i.monitors.invariants.borrow_mut().push(invariant);
        i.monitors.registered.set(true);
    });
}

/// Registers a liveness monitor with the running simulation: `goal` must hold by the end of the
/// run (nothing left to run and no timer pending). While `goal` is false (checked after every
/// step) the monitor is *hot*; a monitor still hot when the run ends fails it as a
/// [`ViolationKind::Liveness`](weft_traces::ViolationKind::Liveness) of rule
/// `Rule::User(name)`, with the trace. "Every request is eventually answered":
/// `eventually("answered", move || pending.get() == 0)`.
///
/// # Panics
/// Outside a weft simulation.
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use weft_sim::{eventually, Runtime};
/// use weft_traces::ViolationKind;
///
/// let run = Runtime::new().run(async {
///     let answered = Rc::new(Cell::new(false));
///     let a = answered.clone();
///     eventually("the request is answered", move || a.get());
///     // nobody answers
/// });
/// assert_eq!(run.violation().map(|v| v.kind), Some(ViolationKind::Liveness));
/// ```
#[track_caller]
pub fn eventually(name: impl Into<String>, goal: impl Fn() -> bool + 'static) {
    register_liveness(name.into(), Box::new(goal), None);
}

/// As [`eventually`], and moreover the monitor may stay hot for at most `within` of virtual
/// time at a stretch: when the clock passes the moment it became hot plus `within` with the
/// goal still unmet, the run fails there ("every request is answered within 2 s").
///
/// # Panics
/// Outside a weft simulation.
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use std::time::Duration;
/// use weft_sim::{eventually_within, sleep, Runtime};
///
/// let run = Runtime::new().run(async {
///     let answered = Rc::new(Cell::new(false));
///     let a = answered.clone();
///     eventually_within("answered within 1s", Duration::from_secs(1), move || a.get());
///     sleep(Duration::from_secs(3)).await; // too slow
///     answered.set(true);
/// });
/// let v = run.violation().expect("too slow");
/// assert_eq!(v.time.as_duration(), Duration::from_secs(3)); // found when the clock passed 1s
/// assert!(v.message.contains("hot since 0.000s for more than 1.000s"), "{v}");
/// ```
#[track_caller]
pub fn eventually_within(name: impl Into<String>, within: Duration, goal: impl Fn() -> bool + 'static) {
    register_liveness(name.into(), Box::new(goal), Some(within));
}

#[track_caller]
fn register_liveness(name: String, goal: Box<dyn Fn() -> bool>, within: Option<Duration>) {
    let monitor = Liveness { name, goal, within, hot_since: None };
    installed("weft::eventually", |i| {
        i.monitors.liveness.borrow_mut().push(monitor);
        i.monitors.registered.set(true);
    });
}

#[track_caller]
fn installed(what: &str, f: impl FnOnce(&Installed)) {
    let done = context::try_installed(f);
    if done.is_none() {
        context::outside(what);
    }
}

/// After a step: runs every invariant, then updates every liveness monitor (hot or cold) and
/// checks its deadline. Returns the first failure.
pub(crate) fn after_step(installed: &Installed) -> Option<Violation> {
    let (step, now, task) = {
        let k = installed.kernel.borrow();
        (k.step, k.now, k.last)
    };
    // The closures run with the lists taken out: one may register another rule.
    let invariants = std::mem::take(&mut *installed.monitors.invariants.borrow_mut());
    let mut broken = None;
    for inv in &invariants {
        let verdict = panic::catch_task(installed, || (inv.check)()).unwrap_or_else(|c| Err(c.message));
        if let Err(message) = verdict {
            broken = Some(Violation::invariant(step, now, task, &inv.name, &message));
            break;
        }
    }
    restore(&installed.monitors.invariants, invariants);
    if broken.is_some() {
        return broken;
    }
    let mut liveness = std::mem::take(&mut *installed.monitors.liveness.borrow_mut());
    for m in &mut liveness {
        let met = panic::catch_task(installed, || (m.goal)()).unwrap_or(false);
        m.hot_since = match met {
            true => None,
            false => Some(m.hot_since.unwrap_or(now)),
        };
    }
    restore(&installed.monitors.liveness, liveness);
    overdue(installed)
}

/// A hot monitor past its deadline at the kernel's time (called after every step and whenever
/// the clock moves).
pub(crate) fn overdue(installed: &Installed) -> Option<Violation> {
    let (step, now) = {
        let k = installed.kernel.borrow();
        (k.step, k.now)
    };
    installed.monitors.liveness.borrow().iter().find_map(|m| {
        let (since, within) = (m.hot_since?, m.within?);
        (now > since.saturating_add(within)).then(|| {
            let message =
                format!("hot since {since} for more than {} of virtual time, still at {now}", Time::from(within));
            Violation::liveness(step, now, &m.name, &message)
        })
    })
}

/// At the end of a run that broke no other rule: a monitor still hot fails it.
pub(crate) fn at_end(installed: &Installed) -> Option<Violation> {
    let (step, now) = {
        let k = installed.kernel.borrow();
        (k.step, k.now)
    };
    installed.monitors.liveness.borrow().iter().find_map(|m| {
        let since = m.hot_since?;
        let message = format!("still hot at the end of the run (hot since {since}; nothing is left to run)");
        Some(Violation::liveness(step, now, &m.name, &message))
    })
}

/// Puts `taken` back in front of any rule registered while it was out.
fn restore<T>(slot: &RefCell<Vec<T>>, mut taken: Vec<T>) {
    let mut slot = slot.borrow_mut();
    taken.append(&mut slot);
    *slot = taken;
}
