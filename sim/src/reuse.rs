//! The run state a thread keeps between its runs: the task table, the slab of futures, the
//! ready queue, the timers' lists, a fault offer's lists, the steps' footprint lists (for runs
//! that collect them), the resource table, the list of online checkers and weft's own checker
//! (reset), handed back empty at a run's end and taken by the thread's next run, so that a
//! worker's schedules clear these vectors instead of allocating them again. Nothing of a run survives in them: each is
//! emptied before it is kept (the futures and pending timers are dropped then; the tasks'
//! records are kept only as room for the next run's names and lists, every record made new),
//! so a run sees the same state whether its vectors are new or reused, only with room already
//! made.
//!
//! A run inside a run's task (a nested `Runtime`) finds nothing kept (the outer run holds it)
//! and starts with new vectors, as every run did before.

use crate::kernel::{OfferLists, TaskMeta};
use crate::ready::ReadyQueue;
use crate::resources::Resources;
use crate::schedule::Choice;
use crate::strategy::Footprint;
use crate::task::TaskRef;
use crate::timers::Timers;
use std::cell::Cell;
use weft_traces::{Checker, Invariants};

/// Emptied vectors of one finished run (and, when taken, the list of choices for the next run).
#[derive(Default)]
pub(crate) struct Kept {
    pub(crate) tasks: Vec<TaskMeta>,
    /// The tasks of the thread's last run, kept whole for the next run's tasks of the same ids
    /// to write in the room of their names and lists (see `Kernel::retired`).
    pub(crate) retired: Vec<TaskMeta>,
    pub(crate) futures: Vec<Option<TaskRef>>,
    pub(crate) spawned: Vec<(weft_traces::TaskId, TaskRef)>,
    pub(crate) ready: ReadyQueue,
    pub(crate) resources: Resources,
    /// The timers' table and lists (emptied).
    pub(crate) timers: Timers,
    /// The lists a fault offer fills (emptied).
    pub(crate) offer_lists: OfferLists,
    pub(crate) checkers: Vec<Box<dyn Checker>>,
    /// weft's own checker, reset for the next run that has checks on.
    pub(crate) invariants: Option<Box<Invariants>>,
    /// The list the next run records its choices in: a schedule given back
    /// ([`Kept::recycle_choices`]), emptied, or one made at about the last run's size.
    pub(crate) choices: Vec<Choice>,
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
    /// What the thread's last run left, or new vectors.
    pub(crate) fn take() -> Kept {
        let mut kept = KEPT.take().unwrap_or_default();
        let (mut choices, made) = CHOICES.take();
        choices.clear();
        choices.reserve(made);
        kept.choices = choices;
        kept
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

    /// Empties every vector and keeps them for the thread's next run, which made `choices`
    /// choices (the next run's list is made at about that size if none is given back).
    pub(crate) fn keep(mut self, choices: usize) {
        CHOICES.with(|c| {
            let (kept, _) = c.take();
            c.set((kept, choices));
        });
        // This run's tasks become the retired ones, unmoved (the next run's task of each id
        // takes the room of that task's name and lists); the last run's are dropped, and their
        // list's room is the next run's task list. Bounded: one run's tasks.
        std::mem::swap(&mut self.retired, &mut self.tasks);
        self.tasks.clear();
        self.futures.clear();
        self.spawned.clear();
        self.ready.clear();
        self.resources.clear();
        self.timers.clear();
        self.offer_lists.clear();
        self.checkers.clear();
        if let Some(invariants) = &mut self.invariants {
            invariants.reset();
        }
        KEPT.set(Some(self));
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
        let run = Runtime::new().seed(seed).build_and_run(Box::new(Random::new(seed)), move || async move {
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
