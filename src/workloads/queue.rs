//! The Queue workload: items are conserved.

use super::{patience, pause};
use std::cell::RefCell;
use std::fmt::Debug;
use std::future::Future;
use std::rc::Rc;
use weft_primitives::Queue;
use weft_sim::{random_range, spawn, timeout};

/// What the Queue workload needs of an unbounded queue of `u32`s.
pub trait QueueLike: Debug + 'static {
    /// Puts an item without waiting.
    fn put_nowait(&self, item: u32);
    /// Takes an item, waiting for one.
    fn get(&self) -> impl Future<Output = u32> + '_;
    /// Takes an item if there is one.
    fn get_nowait(&self) -> Option<u32>;
}

impl QueueLike for Queue<u32> {
    fn put_nowait(&self, item: u32) {
        Queue::put_nowait(self, item).expect("an unbounded queue that is not shut down takes every item");
    }
    async fn get(&self) -> u32 {
        Queue::get(self).await.expect("the workload never shuts the queue down")
    }
    fn get_nowait(&self) -> Option<u32> {
        Queue::get_nowait(self).ok()
    }
}

#[cfg(feature = "mutants")]
impl QueueLike for weft_primitives::mutants::MutantQueue<u32> {
    fn put_nowait(&self, item: u32) {
        weft_primitives::mutants::MutantQueue::put_nowait(self, item)
    }
    fn get(&self) -> impl Future<Output = u32> + '_ {
        weft_primitives::mutants::MutantQueue::get(self)
    }
    fn get_nowait(&self) -> Option<u32> {
        weft_primitives::mutants::MutantQueue::get_nowait(self)
    }
}

/// Two producers put numbered items with pauses between; two consumers take items with
/// timeouts until production is over and the queue is empty. Asserts that every item put was
/// got exactly once or is still in the queue (no item lost to a cancelled getter, BZ-Q1), and
/// that no getter is left listed once nobody waits (BZ-Q3).
///
/// ```
/// use weft::{workloads, Queue, Runtime};
/// use std::rc::Rc;
/// let run = Runtime::new().seed(6).run(workloads::queue(Rc::new(Queue::new(0))));
/// assert!(run.is_ok(), "{:?}", run.failure);
/// ```
pub async fn queue<Q: QueueLike>(queue: Rc<Q>) {
    let got = Rc::new(RefCell::new(Vec::new()));
    let produced = Rc::new(RefCell::new(Vec::new()));
    let producers: Vec<_> = (0..2u32)
        .map(|p| {
            let (queue, produced) = (queue.clone(), produced.clone());
            spawn(format!("producer{}", p + 1), async move {
                for i in 0..random_range(1..=3) as u32 {
                    pause().await;
                    let item = p * 100 + i;
                    produced.borrow_mut().push(item);
                    queue.put_nowait(item);
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (1..=2)
        .map(|c| {
            let (queue, got) = (queue.clone(), got.clone());
            spawn(format!("consumer{c}"), async move {
                for _ in 0..4 {
                    if let Ok(item) = timeout(patience(), queue.get()).await {
                        got.borrow_mut().push(item);
                    }
                }
            })
        })
        .collect();
    for p in producers {
        let _ = p.await;
    }
    for c in consumers {
        let _ = c.await;
    }
    let mut accounted = got.take();
    accounted.extend(std::iter::from_fn(|| queue.get_nowait()));
    accounted.sort_unstable();
    let mut produced = produced.take();
    produced.sort_unstable();
    assert_eq!(accounted, produced, "items got plus items left must be exactly the items put");
    let repr = format!("{queue:?}");
    assert!(!repr.contains("_getters"), "no getter waits, yet the queue still lists some: {repr}");
}
