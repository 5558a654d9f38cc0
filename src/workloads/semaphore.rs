//! The Semaphore workload: acquire (waiting, or with a timeout), hold, release, release-then-
//! acquire in one step, permits the program holds from the start and gives back in bursts,
//! and over-releases; the value checked against the workload's own count after each.

use super::timing::{pause, Timing};
use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use weft_primitives::{BoundedSemaphore, Semaphore, SemaphoreError};
use weft_sim::{random_range, spawn};

/// What the Semaphore workload needs of a semaphore.
///
/// ```
/// use weft::workloads::SemaphoreLike;
/// use weft::{BoundedSemaphore, Runtime};
/// let run = Runtime::new().run(async {
///     let sem = BoundedSemaphore::new(1);
///     let refused = SemaphoreLike::release(&sem).is_err(); // every permit is free
///     (refused, sem.bounded(), SemaphoreLike::value(&sem))
/// });
/// assert_eq!(run.output, Some((true, true, 1)));
/// ```
pub trait SemaphoreLike: 'static {
    /// Takes a permit, waiting if needed; `true` once it holds it. Dropping the future while
    /// it waits withdraws the request.
    fn acquire(&self) -> impl Future<Output = bool> + '_;
    /// Gives a permit back. A bounded semaphore refuses to go above its bound (every permit
    /// free) with an error; an unbounded one takes the extra permit.
    fn release(&self) -> Result<(), SemaphoreError>;
    /// Free permits not reserved for a woken waiter (asyncio's `_value`).
    fn value(&self) -> usize;
    /// Whether [`release`](SemaphoreLike::release) refuses a permit when every permit is free.
    fn bounded(&self) -> bool;
    /// How many tasks are listed waiting for a permit (still waiting, or woken and not yet run).
    fn waiters(&self) -> usize;
}

impl SemaphoreLike for Semaphore {
    fn acquire(&self) -> impl Future<Output = bool> + '_ {
        Semaphore::acquire(self)
    }
    fn release(&self) -> Result<(), SemaphoreError> {
        Semaphore::release(self);
        Ok(())
    }
    fn value(&self) -> usize {
        Semaphore::value(self)
    }
    fn bounded(&self) -> bool {
        false
    }
    fn waiters(&self) -> usize {
        Semaphore::waiters(self)
    }
}

impl SemaphoreLike for BoundedSemaphore {
    fn acquire(&self) -> impl Future<Output = bool> + '_ {
        BoundedSemaphore::acquire(self)
    }
    fn release(&self) -> Result<(), SemaphoreError> {
        BoundedSemaphore::release(self)
    }
    fn value(&self) -> usize {
        BoundedSemaphore::value(self)
    }
    fn bounded(&self) -> bool {
        true
    }
    fn waiters(&self) -> usize {
        BoundedSemaphore::waiters(self)
    }
}

#[cfg(feature = "mutants")]
impl SemaphoreLike for weft_primitives::mutants::MutantSemaphore {
    fn acquire(&self) -> impl Future<Output = bool> + '_ {
        weft_primitives::mutants::MutantSemaphore::acquire(self)
    }
    fn release(&self) -> Result<(), SemaphoreError> {
        weft_primitives::mutants::MutantSemaphore::release(self);
        Ok(())
    }
    fn value(&self) -> usize {
        weft_primitives::mutants::MutantSemaphore::value(self)
    }
    fn bounded(&self) -> bool {
        false
    }
    fn waiters(&self) -> usize {
        weft_primitives::mutants::MutantSemaphore::waiters(self)
    }
}

#[cfg(feature = "mutants")]
impl SemaphoreLike for weft_primitives::mutants::KotlinSemaphore {
    fn acquire(&self) -> impl Future<Output = bool> + '_ {
        weft_primitives::mutants::KotlinSemaphore::acquire(self)
    }
    fn release(&self) -> Result<(), SemaphoreError> {
        weft_primitives::mutants::KotlinSemaphore::release(self)
    }
    fn value(&self) -> usize {
        weft_primitives::mutants::KotlinSemaphore::value(self)
    }
    fn bounded(&self) -> bool {
        true
    }
    fn waiters(&self) -> usize {
        weft_primitives::mutants::KotlinSemaphore::waiters(self)
    }
}

/// How many permits a Semaphore workload runs with.
///
/// ```
/// use weft::workloads::{self, Permits};
/// use weft::{Runtime, Semaphore};
/// use std::rc::Rc;
/// // asyncio's Semaphore(0), with two permits the program holds and gives back during the run.
/// let permits = Permits { capacity: 2, held: 2 };
/// let run = Runtime::new().seed(1).run(workloads::semaphore(Rc::new(Semaphore::new(0)), permits));
/// assert!(run.is_ok(), "{:?}", run.failure);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permits {
    /// The most tasks that may hold a permit at once: the semaphore's initial value plus
    /// `held` (before any over-release of an unbounded semaphore adds one).
    pub capacity: usize,
    /// How many of those the program holds when the workload starts: the semaphore must start
    /// with `capacity - held` free permits. They are given back during the run, in bursts.
    pub held: usize,
}

/// One round of a Semaphore worker, drawn from the run.
///
/// ```
/// use weft::workloads::SemaphoreOp;
/// use weft::Runtime;
/// let run = Runtime::new().seed(2).run(async { (0..30).map(|_| SemaphoreOp::draw()).collect::<Vec<_>>() });
/// assert!(run.output.unwrap().iter().any(|op| matches!(op, SemaphoreOp::Retake(_))));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SemaphoreOp {
    /// Take a permit (as [`Timing`] says), hold it across a [`pause`], give it back.
    Hold(Timing),
    /// As `Hold`, then give it back and take one again at once, in the same step (untimed):
    /// the release-then-reacquire that broke FIFO in BZ-S2.
    Retake(Timing),
}

impl SemaphoreOp {
    /// `Hold` and `Retake` one time in two each.
    pub fn draw() -> SemaphoreOp {
        match random_range(0..=1) {
            0 => SemaphoreOp::Hold(Timing::draw()),
            _ => SemaphoreOp::Retake(Timing::draw()),
        }
    }
}

/// The workload's own account of the permits, against which it checks the semaphore.
struct Books {
    capacity: usize,
    /// Tasks between a granted `acquire()` and their `release()`.
    holders: Cell<usize>,
    /// Permits the program still holds from the start.
    owed: Cell<usize>,
    /// Over-releases an unbounded semaphore took.
    extra: Cell<usize>,
}

impl Books {
    fn permits(&self) -> usize {
        self.capacity + self.extra.get()
    }

    /// After `what`: no more holders than permits, and every permit is free, held, or (while
    /// some task is listed waiting) reserved for a woken waiter.
    fn check<S: SemaphoreLike>(&self, sem: &S, what: &str) {
        let (holders, owed, permits, value) = (self.holders.get(), self.owed.get(), self.permits(), sem.value());
        assert!(holders <= permits, "after {what}: {holders} tasks hold a semaphore of {permits} permits");
        let accounted = value + holders + owed;
        match sem.waiters() {
            0 => assert_eq!(
                accounted, permits,
                "after {what}, with no task waiting: value {value} + {holders} permit(s) held by tasks + {owed} held by the program should be the {permits} permits"
            ),
            _ => assert!(
                accounted <= permits,
                "after {what}: value {value} + {holders} permit(s) held by tasks + {owed} held by the program exceed the {permits} permits"
            ),
        }
    }

    /// An extra `release()`: an unbounded semaphore takes it; a bounded one must refuse it
    /// when every permit is free (tried only then).
    fn over_release<S: SemaphoreLike>(&self, sem: &S) {
        if !sem.bounded() {
            sem.release().expect("an unbounded semaphore takes an extra permit");
            self.extra.set(self.extra.get() + 1);
            self.check(sem, "an over-release");
        } else if self.holders.get() == 0 && self.owed.get() == 0 && sem.waiters() == 0 {
            let permits = self.permits();
            assert!(sem.release().is_err(), "a bounded semaphore took a release with all its {permits} permits free");
            self.check(sem, "a refused over-release");
        }
    }
}

/// A permit a task holds; given back when dropped (also on cancellation).
struct Permit<'a, S: SemaphoreLike> {
    sem: &'a S,
    books: &'a Books,
}

impl<S: SemaphoreLike> Drop for Permit<'_, S> {
    fn drop(&mut self) {
        self.books.holders.set(self.books.holders.get() - 1);
        let released = self.sem.release();
        if std::thread::panicking() {
            return; // the task is failing already: no second panic
        }
        released.expect("a holder's release is accepted");
        self.books.check(self.sem, "a release");
    }
}

/// Takes a permit as `timing` says; the permit, or `None` if the timeout expired first.
async fn take<'a, S: SemaphoreLike>(sem: &'a S, books: &'a Books, timing: Timing) -> Option<Permit<'a, S>> {
    if !timing.run(sem.acquire()).await? {
        return None;
    }
    books.holders.set(books.holders.get() + 1);
    books.check(sem, "a grant");
    Some(Permit { sem, books })
}

/// The permits the program holds; whatever is still held is given back when dropped (the
/// releaser's `finally`, also when a fault cancels it, even before its first step: the guard
/// exists before the task does).
struct Owed<S: SemaphoreLike> {
    sem: Rc<S>,
    books: Rc<Books>,
}

impl<S: SemaphoreLike> Owed<S> {
    fn give_back(&self, n: usize) {
        for _ in 0..n {
            self.books.owed.set(self.books.owed.get() - 1);
            self.sem.release().expect("a release of a permit the program holds is accepted");
        }
        self.books.check(&*self.sem, "a burst of releases");
    }
}

impl<S: SemaphoreLike> Drop for Owed<S> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            for _ in 0..self.books.owed.replace(0) {
                let _ = self.sem.release(); // the task is failing already: no second panic
            }
            return;
        }
        self.give_back(self.books.owed.get());
    }
}

/// Four workers share a semaphore of `permits.capacity`, three rounds of [`SemaphoreOp`]
/// each: take a permit (waiting, or with a timeout), hold it across a pause and give it back,
/// sometimes taking one again at once in the same step. A releaser gives back the
/// `permits.held` the program holds in bursts (several in one step), then sometimes
/// over-releases; main over-releases once more at the end. Asserts, after every grant and
/// release, at most `capacity` holders and that the value adds up (value + held = permits,
/// exactly when no task waits); that a bounded semaphore refuses a release with every permit
/// free and an unbounded one takes it; and at the end that no waiter is left listed.
///
/// ```
/// use weft::workloads::{self, Permits};
/// use weft::{Runtime, Semaphore};
/// use std::rc::Rc;
/// let permits = Permits { capacity: 2, held: 0 };
/// let run = Runtime::new().seed(2).run(workloads::semaphore(Rc::new(Semaphore::new(2)), permits));
/// assert!(run.is_ok(), "{:?}", run.failure);
/// ```
pub async fn semaphore<S: SemaphoreLike>(sem: Rc<S>, permits: Permits) {
    let Permits { capacity, held } = permits;
    assert!(
        held <= capacity,
        "Permits {{ capacity: {capacity}, held: {held} }}: the program cannot hold more permits than there are"
    );
    let books = Rc::new(Books { capacity, holders: Cell::new(0), owed: Cell::new(held), extra: Cell::new(0) });
    let releaser = {
        let owed = Owed { sem: sem.clone(), books: books.clone() };
        spawn("releaser", async move {
            while owed.books.owed.get() > 0 {
                pause().await;
                owed.give_back(random_range(1..=owed.books.owed.get() as u64) as usize);
            }
            pause().await;
            if random_range(0..=1) == 0 {
                owed.books.over_release(&*owed.sem);
            }
        })
    };
    let workers: Vec<_> = (1..=4)
        .map(|i| {
            let (sem, books) = (sem.clone(), books.clone());
            spawn(format!("worker{i}"), async move {
                for _ in 0..3 {
                    let (timing, again) = match SemaphoreOp::draw() {
                        SemaphoreOp::Hold(timing) => (timing, false),
                        SemaphoreOp::Retake(timing) => (timing, true),
                    };
                    let Some(permit) = take(&*sem, &books, timing).await else {
                        continue;
                    };
                    pause().await;
                    drop(permit);
                    if again {
                        // Given back; take one again before anything else runs.
                        let permit = take(&*sem, &books, Timing::Untimed).await;
                        pause().await;
                        drop(permit);
                    }
                }
            })
        })
        .collect();
    let _ = releaser.await;
    for w in workers {
        let _ = w.await; // a worker may be cancelled by a fault
    }
    let waiters = sem.waiters();
    assert_eq!(waiters, 0, "no task waits for the semaphore, yet it lists {waiters} waiter(s)");
    books.over_release(&*sem);
    books.check(&*sem, "the end");
}
