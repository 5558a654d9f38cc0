//! The order a queue keeps its items in (CPython's `_init`, `_put`, `_get`): first in first out
//! ([`Fifo`], `Queue`), last in first out ([`Lifo`], `LifoQueue`), smallest first
//! ([`Priority`], `PriorityQueue`). One queue algorithm and one set of waiter lists serve all
//! three ([`QueueOf`](crate::QueueOf)); only the container differs, as in CPython.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// A queue's container: where `put` puts an item and which item `get` takes.
pub trait Order<T>: Default {
    /// The class name CPython's repr shows (`Queue`, `LifoQueue`, `PriorityQueue`).
    const NAME: &'static str;
    /// Adds an item (CPython's `_put`).
    fn push(&mut self, item: T);
    /// Takes the next item (CPython's `_get`).
    fn pop(&mut self) -> Option<T>;
    /// How many items it holds.
    fn len(&self) -> usize;
    /// Whether it holds none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The items as CPython's `_queue` lists them.
    fn listed(&self) -> Vec<&T>;
}

/// First in, first out: asyncio's `Queue`.
#[derive(Debug)]
pub struct Fifo<T>(VecDeque<T>);

impl<T> Default for Fifo<T> {
    fn default() -> Fifo<T> {
        Fifo(VecDeque::new())
    }
}

impl<T> Order<T> for Fifo<T> {
    const NAME: &'static str = "Queue";
    fn push(&mut self, item: T) {
        self.0.push_back(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn listed(&self) -> Vec<&T> {
        self.0.iter().collect()
    }
}

/// Last in, first out: asyncio's `LifoQueue`.
#[derive(Debug)]
pub struct Lifo<T>(Vec<T>);

impl<T> Default for Lifo<T> {
    fn default() -> Lifo<T> {
        Lifo(Vec::new())
    }
}

impl<T> Order<T> for Lifo<T> {
    const NAME: &'static str = "LifoQueue";
    fn push(&mut self, item: T) {
        self.0.push(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn listed(&self) -> Vec<&T> {
        self.0.iter().collect()
    }
}

/// Smallest item first: asyncio's `PriorityQueue` (a heap, as `heapq`; items that compare
/// equal come out in an unspecified order, as there). Its repr lists the items smallest first,
/// where CPython shows its heap array.
#[derive(Debug)]
pub struct Priority<T: Ord>(BinaryHeap<Reverse<T>>);

impl<T: Ord> Default for Priority<T> {
    fn default() -> Priority<T> {
        Priority(BinaryHeap::new())
    }
}

impl<T: Ord> Order<T> for Priority<T> {
    const NAME: &'static str = "PriorityQueue";
    fn push(&mut self, item: T) {
        self.0.push(Reverse(item));
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop().map(|Reverse(item)| item)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn listed(&self) -> Vec<&T> {
        let mut items: Vec<&T> = self.0.iter().map(|Reverse(item)| item).collect();
        items.sort();
        items
    }
}
