//! The run state a thread keeps between its runs: the whole `Installed`, kernel and all, in its
//! box (the task table, the ready queue, the timers' lists, a fault offer's lists, the
//! resource table, the list of online checkers and weft's own checker, reset), the slab of
//! futures, and apart from them the steps' footprint lists (for runs that collect them) and the
//! list of choices, emptied at a run's end and taken by the thread's next run, which begins on
//! them where they are ([`Kernel::begin_run`]): a worker's schedules neither allocate these
//! tables again nor move them. Nothing of a run survives in them: each is emptied before it is
//! kept ([`Kernel::empty`]: the futures and pending timers are dropped then; the tasks' records
//! are kept only as room for the next run's names and lists, every record made new), and every
//! field a run reads is set when it begins, so a run sees the same state whether its tables are
//! new or reused, only with room already made.
//!
//! A run inside a run's task (a nested `Runtime`) finds nothing kept (the outer run holds it)
//! and starts with new vectors, as every run did before.

use crate::context::Installed;
use crate::kernel::{Chooser, Kernel};
use crate::schedule::Choice;
use crate::strategy::{Divergence, Footprint, Footprints, PickContext, Scheduler};
use crate::task::TaskRef;
use crate::watchdog::Watch;
use std::cell::Cell;
use std::sync::Arc;
use weft_traces::Time;

/// The run state of one finished run, emptied: its `Installed` (the kernel's tables, the user's
/// checkers' list, weft's own checker reset, the monitors' lists), kept in its box where it was
/// (a run moves a pointer in and out of the thread's slot, not the tables), and the executor's
/// slab of futures.
pub(crate) struct Kept {
    pub(crate) installed: Box<Installed>,
    pub(crate) futures: Vec<Option<TaskRef>>,
}

thread_local! {
    static KEPT: Cell<Option<Kept>> = const { Cell::new(None) };
    /// A finished run's list of choices that its caller no longer needs, and how many choices
    /// the thread's last run made.
    static CHOICES: Cell<(Vec<Choice>, usize)> = const { Cell::new((Vec::new(), 0)) };
    /// The steps' footprint lists of the thread's last run that collected footprints (kept
    /// apart: most runs collect none, and pass nothing).
    static FOOTPRINTS: Cell<Vec<Footprint>> = const { Cell::new(Vec::new()) };
}

impl Kept {
    /// What the thread's last run left, or a new, empty run state; and the list the next run
    /// records its choices in: a schedule given back ([`Kept::recycle_choices`]), emptied, or
    /// one made at about the last run's size.
    pub(crate) fn take() -> (Kept, Vec<Choice>) {
        let kept = KEPT.take().unwrap_or_else(|| Kept { installed: Box::new(Installed::new()), futures: Vec::new() });
        let (mut choices, made) = CHOICES.take();
        choices.clear();
        choices.reserve(made);
        (kept, choices)
    }

    /// The footprint lists a run that collects footprints starts with (empty on a new thread).
    pub(crate) fn footprint_room() -> Vec<Footprint> {
        FOOTPRINTS.take()
    }

    /// Keeps a run's footprint lists for the thread's next run that collects footprints.
    pub(crate) fn keep_footprints(steps: Vec<Footprint>) {
        FOOTPRINTS.set(steps);
    }

    /// A list of choices no longer needed, for the thread's next run (which would otherwise
    /// allocate one: a run's schedule leaves it).
    pub(crate) fn recycle_choices(choices: Vec<Choice>) {
        CHOICES.with(|c| {
            let (mut kept, made) = c.take();
            if choices.capacity() > kept.capacity() {
                kept = choices;
            }
            c.set((kept, made));
        });
    }

    /// Empties the run state and keeps it for the thread's next run, which made `choices`
    /// choices (the next run's list is made at about that size if none is given back).
    pub(crate) fn keep(mut self, choices: usize) {
        CHOICES.with(|c| {
            let (kept, _) = c.take();
            c.set((kept, choices));
        });
        self.installed.empty();
        self.futures.clear();
        KEPT.set(Some(self));
    }
}

/// What a run begins with, besides the tables a kept kernel has room in.
pub(crate) struct RunStart {
    pub(crate) epoch: u32,
    pub(crate) scheduler: Box<dyn Scheduler>,
    pub(crate) choices: Vec<Choice>,
    pub(crate) watch: Option<Arc<Watch>>,
    pub(crate) footprints: Footprints,
    /// The events are traced.
    pub(crate) tracing: bool,
    /// weft's own checker watches the run.
    pub(crate) checks: bool,
    pub(crate) faults: bool,
}

/// The place of a run's scheduler in a kernel between runs (a kernel always has one; this one
/// is never asked: nothing runs on a kernel between runs). Boxed, it allocates nothing.
struct NoScheduler;

impl Scheduler for NoScheduler {
    fn pick(&mut self, _: &PickContext<'_>) -> Result<usize, Divergence> {
        Ok(0)
    }

    fn draw(&mut self, _: u64) -> Result<u64, Divergence> {
        Ok(0)
    }
}

impl Kernel {
    /// A kernel with nothing in it and no run (a thread's first run begins on it).
    pub(crate) fn new() -> Kernel {
        Kernel {
            epoch: 0,
            now: Time::ZERO,
            step: 0,
            current: None,
            last: None,
            ready: Default::default(),
            timers: Default::default(),
            tasks: Vec::new(),
            retired: Vec::new(),
            spawned: Vec::new(),
            resources: Default::default(),
            offer_lists: Default::default(),
            chooser: Chooser::new(Box::new(NoScheduler), Vec::new(), None),
            footprints: Footprints::new(false, false),
            sink: Default::default(),
            violation: None,
            divergence: None,
            closed: true,
            heard: false,
            faults: false,
        }
    }

    /// Begins a run on the tables the last run emptied ([`Kernel::empty`]): every field as a new
    /// kernel's, the run's scheduler, choices' list, watch and footprints in place, the trace and
    /// weft's checker as the run asks (the checker's room kept aside while a run goes without).
    pub(crate) fn begin_run(&mut self, start: RunStart) {
        // Every field named, so that a new one cannot be forgotten here.
        let Kernel {
            epoch,
            now,
            step,
            current,
            last,
            ready,
            timers: _,
            tasks,
            retired: _,
            spawned,
            resources: _,
            offer_lists: _,
            chooser,
            footprints,
            sink,
            violation,
            divergence,
            closed,
            heard,
            faults,
        } = self;
        debug_assert!(ready.is_empty() && tasks.is_empty() && spawned.is_empty());
        debug_assert!(violation.is_none() && divergence.is_none());
        (*epoch, *now, *step, *current, *last) = (start.epoch, Time::ZERO, 0, None, None);
        *chooser = Chooser::new(start.scheduler, start.choices, start.watch);
        *footprints = start.footprints;
        sink.begin(start.tracing, start.checks);
        *closed = false;
        *heard = sink.heard();
        *faults = start.faults;
    }

    /// The run's scheduler and list of choices, for its outcome; the kernel keeps a placeholder
    /// and an empty list.
    pub(crate) fn take_chooser(&mut self) -> (Box<dyn Scheduler>, Vec<Choice>) {
        self.chooser.watch = None;
        let made = std::mem::take(&mut self.chooser.made);
        (std::mem::replace(&mut self.chooser.scheduler, Box::new(NoScheduler)), made)
    }

    /// Empties every table for the thread's next run: this run's tasks become the retired ones,
    /// unmoved (the next run's task of each id takes the room of that task's name and lists;
    /// the last run's are dropped, and their list's room is the next run's task list; bounded:
    /// one run's tasks), the steps' footprint lists go to the thread's next run that collects
    /// them, the rest is cleared, weft's checker reset.
    pub(crate) fn empty(&mut self) {
        // Every field named, so that a new one cannot be forgotten here ([`Kernel::begin_run`]
        // sets the rest).
        let Kernel {
            epoch: _,
            now: _,
            step: _,
            current,
            last,
            ready,
            timers,
            tasks,
            retired,
            spawned,
            resources,
            offer_lists,
            chooser: _,
            footprints,
            sink,
            violation,
            divergence,
            closed,
            heard,
            faults: _,
        } = self;
        std::mem::swap(retired, tasks);
        tasks.clear();
        spawned.clear();
        ready.clear();
        resources.clear();
        timers.clear();
        offer_lists.clear();
        let collected = std::mem::take(footprints);
        if collected.is_on() {
            Kept::keep_footprints(collected.into_room());
        }
        sink.empty();
        (*current, *last, *violation, *divergence) = (None, None, None, None);
        (*closed, *heard) = (true, false);
    }
}

#[cfg(test)]
mod tests {
    use crate::{spawn, strategy::Pos, strategy::Random, yield_now, Runtime};
    use weft_traces::Resource;

    /// A program of `n` tasks that yield twice each, run with Random picks; its trace as text.
    fn trace_of(n: usize, seed: u64) -> String {
        let run = Runtime::new().seed(seed).build_and_run(Box::new(Random::new(seed)), move || async move {
            let handles: Vec<_> = (0..n)
                .map(|i| {
                    spawn(format!("t{i}"), async {
                        yield_now().await;
                        yield_now().await;
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
        });
        assert!(run.is_ok());
        run.trace.to_text()
    }

    /// A program whose `n` tasks each take a unit of its own lock, then all but the first ask
    /// for the first's lock and wait forever: a deadlock, which the checkers report, naming
    /// holders and waiters.
    fn deadlock_of(n: usize, seed: u64) -> String {
        deadlock_checked(n, seed, true)
    }

    /// [`deadlock_of`], with weft's checker on or off.
    fn deadlock_checked(n: usize, seed: u64, checks: bool) -> String {
        let runtime = Runtime::new().seed(seed).checks(checks);
        let run = runtime.build_and_run(Box::new(Random::new(seed)), move || async move {
            let locks: Vec<_> = (0..n).map(|i| std::rc::Rc::new(Resource::lock(&format!("l{i}")))).collect();
            let handles: Vec<_> = (0..n)
                .map(|i| {
                    let locks = locks.clone();
                    spawn(format!("t{i}"), async move {
                        locks[i].request();
                        locks[i].grant();
                        yield_now().await;
                        if i > 0 {
                            locks[0].request();
                            std::future::pending::<()>().await;
                        }
                    })
                })
                .collect();
            for h in handles {
                let _ = h.await;
            }
        });
        run.failure.map(|f| f.to_string()).unwrap_or_default()
    }

    /// A program of `n` tasks whose steps touch resources in a pattern (each its own, and its
    /// neighbour's), run under POS, which reads the steps' footprints: its trace as text.
    fn footprinted_trace_of(n: usize, seed: u64) -> String {
        let run = Runtime::new().seed(seed).checks(false).build_and_run(Box::new(Pos::new(seed)), move || async move {
            let rs: Vec<_> = (0..n).map(|i| std::rc::Rc::new(Resource::lock(&format!("r{i}")))).collect();
            let handles: Vec<_> = (0..n)
                .map(|i| {
                    let rs = rs.clone();
                    spawn(format!("t{i}"), async move {
                        for round in 0..3 {
                            rs[(i + round) % n].request();
                            yield_now().await;
                            rs[(i + round) % n].abandon();
                        }
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
        });
        run.trace.to_text()
    }

    #[test]
    fn a_run_on_kept_footprint_lists_picks_as_a_run_on_new_ones() {
        let fresh = std::thread::spawn(|| footprinted_trace_of(3, 7)).join().unwrap();
        // A bigger run first leaves more footprints, touching more resources, behind.
        footprinted_trace_of(8, 1);
        assert_eq!(footprinted_trace_of(3, 7), fresh);
        // The schedule depends on the footprints: other seeds order the steps otherwise.
        assert!((0..8).any(|seed| footprinted_trace_of(3, seed) != fresh));
    }

    #[test]
    fn a_reused_checker_judges_as_a_new_one() {
        let fresh = std::thread::spawn(|| deadlock_of(3, 5)).join().unwrap();
        assert!(fresh.starts_with("deadlock"), "{fresh}");
        // A bigger run leaves more tasks, resources and waiters in the checker's model.
        assert!(deadlock_of(6, 1).starts_with("deadlock"));
        assert_eq!(deadlock_of(3, 5), fresh);
        // A passing run on the reused checker passes.
        assert!(!trace_of(4, 3).is_empty());
        assert_eq!(deadlock_of(3, 5), fresh);
    }

    /// A thread's runs that go without weft's checker keep it aside, reset, for the next that
    /// checks: the unchecked runs between are judged as on a new thread (no checker left on),
    /// and the checked run after them as a checked run on a new thread (none lost, none stale).
    #[test]
    fn the_checker_kept_aside_through_unchecked_runs_judges_as_a_new_one() {
        let (checked, unchecked) =
            std::thread::spawn(|| (deadlock_checked(3, 5, true), deadlock_checked(3, 5, false))).join().unwrap();
        assert_ne!(checked, unchecked, "the checker's report is not the executor's own");
        assert!(deadlock_checked(6, 1, true).starts_with("deadlock"));
        assert_eq!(deadlock_checked(3, 5, false), unchecked);
        assert_eq!(deadlock_checked(4, 2, false), std::thread::spawn(|| deadlock_checked(4, 2, false)).join().unwrap());
        assert_eq!(deadlock_checked(3, 5, true), checked);
    }

    #[test]
    fn a_run_on_kept_state_traces_as_a_run_on_new_state() {
        // On a new thread nothing is kept: the first run there starts from new vectors.
        let fresh = std::thread::spawn(|| trace_of(3, 7)).join().unwrap();
        // Here a bigger run first leaves more tasks, futures and choices behind.
        trace_of(12, 1);
        assert_eq!(trace_of(3, 7), fresh);
        // And a run nested in a run's task (which finds nothing kept) changes nothing.
        let outer = Runtime::new().run(async { trace_of(5, 2) });
        assert_eq!(outer.output.as_deref(), Some(trace_of(5, 2).as_str()));
        assert_eq!(trace_of(3, 7), fresh);
    }
}
