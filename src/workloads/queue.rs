//! The Queue workload: items are conserved through `put().await`, `put_nowait`, `get().await`,
//! `get_nowait` (untimed and timed), `task_done` and `join`, and a final `shutdown`, on a
//! bounded or an unbounded queue.

use super::timing::{pause, settle, Timing};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;
use weft_primitives::{GetError, PutError, Queue, TaskDoneError};
use weft_sim::{random_range, spawn};

/// What the Queue workload needs of a queue of `u32`s.
///
/// ```
/// use weft::workloads::QueueLike;
/// use weft::{PutError, Queue, Runtime};
/// let run = Runtime::new().run(async {
///     let queue = Queue::new(1);
///     QueueLike::put(&queue, 7).await.unwrap();
///     let full = QueueLike::put_nowait(&queue, 8);
///     (full, QueueLike::get(&queue).await, QueueLike::getters(&queue))
/// });
/// assert_eq!(run.output, Some((Err(PutError::QueueFull(8)), Ok(7), 0)));
/// ```
pub trait QueueLike: 'static {
    /// The most items it holds; 0 means unbounded.
    fn maxsize(&self) -> usize;
    /// How many items it holds.
    fn qsize(&self) -> usize;
    /// Puts an item, waiting while the queue is full. Dropping the future withdraws it.
    fn put(&self, item: u32) -> impl Future<Output = Result<(), PutError<u32>>> + '_;
    /// Puts an item without waiting; `QueueFull` when full.
    fn put_nowait(&self, item: u32) -> Result<(), PutError<u32>>;
    /// Takes an item, waiting while the queue is empty. Dropping the future withdraws it.
    fn get(&self) -> impl Future<Output = Result<u32, GetError>> + '_;
    /// Takes an item without waiting; `QueueEmpty` when empty.
    fn get_nowait(&self) -> Result<u32, GetError>;
    /// Marks an item got earlier as processed.
    fn task_done(&self) -> Result<(), TaskDoneError>;
    /// Waits until every item put was marked done. Dropping the future withdraws it.
    fn join(&self) -> impl Future<Output = ()> + '_;
    /// Shuts the queue down (`immediate`: discarding its items).
    fn shutdown(&self, immediate: bool);
    /// How many `get()`s are listed waiting (still waiting, or woken and not yet run).
    fn getters(&self) -> usize;
    /// How many `put()`s are listed waiting (still waiting, or woken and not yet run).
    fn putters(&self) -> usize;
}

impl QueueLike for Queue<u32> {
    fn maxsize(&self) -> usize {
        Queue::maxsize(self)
    }
    fn qsize(&self) -> usize {
        Queue::qsize(self)
    }
    fn put(&self, item: u32) -> impl Future<Output = Result<(), PutError<u32>>> + '_ {
        Queue::put(self, item)
    }
    fn put_nowait(&self, item: u32) -> Result<(), PutError<u32>> {
        Queue::put_nowait(self, item)
    }
    fn get(&self) -> impl Future<Output = Result<u32, GetError>> + '_ {
        Queue::get(self)
    }
    fn get_nowait(&self) -> Result<u32, GetError> {
        Queue::get_nowait(self)
    }
    fn task_done(&self) -> Result<(), TaskDoneError> {
        Queue::task_done(self)
    }
    fn join(&self) -> impl Future<Output = ()> + '_ {
        Queue::join(self)
    }
    fn shutdown(&self, immediate: bool) {
        Queue::shutdown(self, immediate)
    }
    fn getters(&self) -> usize {
        Queue::getters(self)
    }
    fn putters(&self) -> usize {
        Queue::putters(self)
    }
}

#[cfg(feature = "mutants")]
impl QueueLike for weft_primitives::mutants::MutantQueue<u32> {
    fn maxsize(&self) -> usize {
        weft_primitives::mutants::MutantQueue::maxsize(self)
    }
    fn qsize(&self) -> usize {
        weft_primitives::mutants::MutantQueue::qsize(self)
    }
    fn put(&self, item: u32) -> impl Future<Output = Result<(), PutError<u32>>> + '_ {
        weft_primitives::mutants::MutantQueue::put(self, item)
    }
    fn put_nowait(&self, item: u32) -> Result<(), PutError<u32>> {
        weft_primitives::mutants::MutantQueue::put_nowait(self, item)
    }
    fn get(&self) -> impl Future<Output = Result<u32, GetError>> + '_ {
        weft_primitives::mutants::MutantQueue::get(self)
    }
    fn get_nowait(&self) -> Result<u32, GetError> {
        weft_primitives::mutants::MutantQueue::get_nowait(self)
    }
    fn task_done(&self) -> Result<(), TaskDoneError> {
        weft_primitives::mutants::MutantQueue::task_done(self)
    }
    fn join(&self) -> impl Future<Output = ()> + '_ {
        weft_primitives::mutants::MutantQueue::join(self)
    }
    fn shutdown(&self, immediate: bool) {
        weft_primitives::mutants::MutantQueue::shutdown(self, immediate)
    }
    fn getters(&self) -> usize {
        weft_primitives::mutants::MutantQueue::getters(self)
    }
    fn putters(&self) -> usize {
        weft_primitives::mutants::MutantQueue::putters(self)
    }
}

/// How a Queue producer puts an item, drawn from the run.
///
/// ```
/// use weft::workloads::PutOp;
/// use weft::Runtime;
/// let run = Runtime::new().seed(1).run(async { (0..20).map(|_| PutOp::draw()).collect::<Vec<_>>() });
/// assert!(run.output.unwrap().contains(&PutOp::PutNowait));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PutOp {
    /// `put(item)` (as [`Timing`] says).
    Put(Timing),
    /// `put_nowait(item)`.
    PutNowait,
}

impl PutOp {
    /// `Put` two times in three, `PutNowait` one in three.
    pub fn draw() -> PutOp {
        match random_range(0..=2) {
            0 | 1 => PutOp::Put(Timing::draw()),
            _ => PutOp::PutNowait,
        }
    }
}

/// How a Queue consumer gets an item, drawn from the run.
///
/// ```
/// use weft::workloads::GetOp;
/// use weft::Runtime;
/// let run = Runtime::new().seed(1).run(async { (0..20).map(|_| GetOp::draw()).collect::<Vec<_>>() });
/// assert!(run.output.unwrap().contains(&GetOp::GetNowait));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GetOp {
    /// `get()` (as [`Timing`] says).
    Get(Timing),
    /// `get_nowait()`.
    GetNowait,
}

impl GetOp {
    /// `Get` two times in three, `GetNowait` one in three.
    pub fn draw() -> GetOp {
        match random_range(0..=2) {
            0 | 1 => GetOp::Get(Timing::draw()),
            _ => GetOp::GetNowait,
        }
    }
}

/// The workload's own account of the queue: items put and got, and how often the count of
/// unfinished items (put and not yet done) came down to zero.
#[derive(Default)]
struct Books {
    produced: RefCell<Vec<u32>>,
    got: RefCell<Vec<u32>>,
    done: Cell<usize>,
    discarded: Cell<usize>,
    zeros: Cell<u32>,
}

impl Books {
    fn unfinished(&self) -> usize {
        self.produced.borrow().len() - self.done.get() - self.discarded.get()
    }

    fn finished(&self, items: usize, discarded: bool) {
        let counter = if discarded { &self.discarded } else { &self.done };
        counter.set(counter.get() + items);
        if items > 0 && self.unfinished() == 0 {
            self.zeros.set(self.zeros.get() + 1);
        }
    }
}

/// An item a consumer got: marked done when dropped (after its processing, or when the
/// consumer is cancelled), as `try: ... finally: q.task_done()` does.
struct Processing<'a, Q: QueueLike> {
    queue: &'a Q,
    books: &'a Books,
}

impl<'a, Q: QueueLike> Processing<'a, Q> {
    fn got(queue: &'a Q, books: &'a Books, item: u32) -> Processing<'a, Q> {
        books.got.borrow_mut().push(item);
        Processing { queue, books }
    }
}

impl<Q: QueueLike> Drop for Processing<'_, Q> {
    fn drop(&mut self) {
        let done = self.queue.task_done();
        if std::thread::panicking() {
            return; // the task is failing already: no second panic
        }
        done.expect("task_done() for an item got is accepted");
        self.books.finished(1, false);
    }
}

fn check_size<Q: QueueLike>(queue: &Q) {
    let (size, max) = (queue.qsize(), queue.maxsize());
    assert!(max == 0 || size <= max, "the queue holds {size} items, more than its maxsize {max}");
}

/// Two producers put 1 to 3 numbered items each ([`PutOp`]: `put()` untimed or with a
/// timeout, or `put_nowait()`), the first then waits on `join()` (untimed or with a timeout);
/// two consumers make four attempts each to get one ([`GetOp`]: `get()` untimed or timed, or
/// `get_nowait()`) and mark each item done after a pause (also when cancelled). Main waits,
/// at most 30 virtual seconds, until the consumers are done or the producers are and the
/// queue is empty; then it shuts the queue down (immediately one time in two, discarding what
/// is left), which fails the puts and gets still waiting or to come, takes what is left, and
/// joins the queue.
///
/// Asserts that `put_nowait` is refused only by a full queue and `get_nowait` only by an empty
/// one, that the queue never holds more than its maxsize, that `join()` returns only after
/// every item put so far was done at some point since it began, that every item put was got
/// exactly once, is still in the queue, or was discarded by the shutdown (no item lost to a
/// cancelled getter, BZ-Q1); that once shut down and emptied the queue refuses `get_nowait`
/// and `put_nowait` with `QueueShutDown`; and at the end that no getter or putter is left
/// listed (BZ-Q3) and a `task_done()` too many is refused.
///
/// ```
/// use weft::{workloads, Queue, Runtime};
/// use std::rc::Rc;
/// let run = Runtime::new().seed(6).run(workloads::queue(Rc::new(Queue::new(2))));
/// assert!(run.is_ok(), "{:?}", run.failure);
/// ```
pub async fn queue<Q: QueueLike>(queue: Rc<Q>) {
    let books = Rc::new(Books::default());
    let producers: Vec<_> = (0..2u32)
        .map(|p| {
            let (queue, books) = (queue.clone(), books.clone());
            spawn(format!("producer{}", p + 1), async move {
                for i in 0..random_range(1..=3) as u32 {
                    pause().await;
                    let item = p * 100 + i;
                    let put = match PutOp::draw() {
                        PutOp::Put(timing) => timing.run(queue.put(item)).await,
                        PutOp::PutNowait => Some(queue.put_nowait(item)),
                    };
                    match put {
                        Some(Ok(())) => {
                            books.produced.borrow_mut().push(item);
                            check_size(&*queue);
                        }
                        Some(Err(PutError::QueueFull(_))) => {
                            let (size, max) = (queue.qsize(), queue.maxsize());
                            assert!(
                                max > 0 && size >= max,
                                "put_nowait() was refused as full with {size} item(s) in a queue of maxsize {max}"
                            );
                        }
                        Some(Err(PutError::QueueShutDown(_))) => return,
                        None => {} // timed out: not put
                    }
                }
                if p == 0 {
                    let (idle, zeros) = (books.unfinished() == 0, books.zeros.get());
                    if Timing::draw().run(queue.join()).await.is_some() {
                        assert!(
                            idle || books.zeros.get() > zeros,
                            "join() returned, but items put since before it began were never all done"
                        );
                    }
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (1..=2)
        .map(|c| {
            let (queue, books) = (queue.clone(), books.clone());
            spawn(format!("consumer{c}"), async move {
                for _ in 0..4 {
                    let got = match GetOp::draw() {
                        GetOp::Get(timing) => timing.run(queue.get()).await,
                        GetOp::GetNowait => Some(queue.get_nowait()),
                    };
                    match got {
                        Some(Ok(item)) => {
                            let processing = Processing::got(&*queue, &books, item);
                            pause().await;
                            drop(processing);
                        }
                        Some(Err(GetError::QueueEmpty)) => {
                            let size = queue.qsize();
                            assert_eq!(size, 0, "get_nowait() was refused as empty with {size} item(s) in the queue");
                        }
                        Some(Err(GetError::QueueShutDown)) => return,
                        None => {} // timed out
                    }
                }
            })
        })
        .collect();
    let finished = |tasks: &[weft_sim::JoinHandle<()>]| tasks.iter().all(|t| t.is_finished());
    // Until nobody will take another item, or nothing is left to take.
    settle(|| finished(&consumers) || (finished(&producers) && queue.qsize() == 0)).await;
    let immediate = random_range(0..=1) == 0;
    let left = queue.qsize();
    queue.shutdown(immediate);
    if immediate {
        books.finished(left, true);
    }
    let mut leftovers = Vec::new();
    let refused = loop {
        match queue.get_nowait() {
            Ok(item) => {
                leftovers.push(item);
                queue.task_done().expect("task_done() for an item got is accepted");
                books.finished(1, false);
            }
            Err(refused) => break refused,
        }
    };
    assert_eq!(
        refused,
        GetError::QueueShutDown,
        "get_nowait() on a shut-down, emptied queue must fail with QueueShutDown"
    );
    assert!(
        matches!(queue.put_nowait(u32::MAX), Err(PutError::QueueShutDown(_))),
        "put_nowait() on a shut-down queue must fail with QueueShutDown"
    );
    for consumer in consumers {
        let _ = consumer.await; // a getter still waiting failed with QueueShutDown
    }
    // No item is put from now on: the count is final.
    let mut accounted = books.got.borrow().clone();
    accounted.extend(leftovers);
    accounted.sort_unstable();
    let mut produced = books.produced.borrow().clone();
    produced.sort_unstable();
    let discarded = if immediate { left } else { 0 };
    let duplicates = accounted.windows(2).filter(|w| w[0] == w[1]).count();
    assert_eq!(duplicates, 0, "an item was got twice: got and left over {accounted:?}, put {produced:?}");
    assert!(
        accounted.len() + discarded == produced.len() && accounted.iter().all(|i| produced.binary_search(i).is_ok()),
        "items got plus items left ({accounted:?}) and {discarded} discarded must be exactly the items put ({produced:?})"
    );
    let unfinished = books.unfinished();
    assert_eq!(unfinished, 0, "every item put was got and done, or discarded, yet {unfinished} count as unfinished");
    for producer in producers {
        let _ = producer.await; // one may be in join(), which nothing unfinished releases
    }
    queue.join().await; // nothing unfinished: returns at once
    assert!(
        queue.task_done().is_err(),
        "task_done() with no item unfinished was accepted (asyncio raises ValueError: called too many times)"
    );
    let (getters, putters) = (queue.getters(), queue.putters());
    assert_eq!(
        (getters, putters),
        (0, 0),
        "nobody waits on the queue, yet it lists {getters} getter(s) and {putters} putter(s)"
    );
}
