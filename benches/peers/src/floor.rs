//! The floor: the programs' task bodies, on weft's primitives, polled by the smallest
//! single-threaded executor that can run them (a slab of boxed futures, a FIFO ready queue,
//! wakers that are a task index) with no recording, no choices and no checks. What weft's step
//! costs above this is the price of simulation.

use crate::Program;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use weft::primitives::{Condition, Lock, Semaphore};

thread_local! {
    static READY: RefCell<(VecDeque<usize>, Vec<bool>)> = const { RefCell::new((VecDeque::new(), Vec::new())) };
}

fn push(task: usize) {
    READY.with(|r| {
        let (queue, queued) = &mut *r.borrow_mut();
        if queued.len() <= task {
            queued.resize(task + 1, false);
        }
        if !queued[task] {
            queued[task] = true;
            queue.push_back(task);
        }
    });
}

static VTABLE: RawWakerVTable =
    RawWakerVTable::new(|d| RawWaker::new(d, &VTABLE), |d| push(d as usize), |d| push(d as usize), |_| {});

fn waker(task: usize) -> Waker {
    // SAFETY: the data is a plain index, never dereferenced.
    unsafe { Waker::from_raw(RawWaker::new(task as *const (), &VTABLE)) }
}

/// Polls `tasks` to completion in wake order; returns the number of polls (steps).
pub fn run_tasks(tasks: Vec<Pin<Box<dyn Future<Output = ()>>>>) -> u64 {
    let mut slab: Vec<Option<Pin<Box<dyn Future<Output = ()>>>>> = tasks.into_iter().map(Some).collect();
    READY.with(|r| {
        let (queue, queued) = &mut *r.borrow_mut();
        queue.clear();
        queued.clear();
    });
    for i in 0..slab.len() {
        push(i);
    }
    let mut steps = 0;
    while let Some(task) = READY.with(|r| {
        let (queue, queued) = &mut *r.borrow_mut();
        let t = queue.pop_front()?;
        queued[t] = false;
        Some(t)
    }) {
        let Some(future) = slab[task].as_mut() else { continue };
        steps += 1;
        let waker = waker(task);
        if future.as_mut().poll(&mut Context::from_waker(&waker)).is_ready() {
            slab[task] = None;
        }
    }
    assert!(slab.iter().all(Option::is_none), "the floor executor left tasks blocked");
    steps
}

/// Yields once, as `weft::yield_now` does: wakes itself and returns `Pending` the first time.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn yield_now() -> YieldOnce {
    YieldOnce(false)
}

/// Runs `program`'s tasks on the floor executor; returns the steps taken.
pub fn run(program: Program) -> u64 {
    type Task = Pin<Box<dyn Future<Output = ()>>>;
    match program {
        Program::Counter { tasks } => {
            let lock = Rc::new(Lock::new());
            let x = Rc::new(Cell::new(0));
            let bodies: Vec<Task> = (0..tasks)
                .map(|_| {
                    let (lock, x) = (lock.clone(), x.clone());
                    Box::pin(async move {
                        let _held = lock.lock().await;
                        let v = x.get();
                        yield_now().await;
                        x.set(v + 1);
                    }) as Task
                })
                .collect();
            let steps = run_tasks(bodies);
            assert_eq!(x.get(), tasks);
            steps
        }
        Program::Semaphore { tasks, permits } => {
            let sem = Rc::new(Semaphore::new(permits));
            let inside = Rc::new(Cell::new(0));
            let bodies: Vec<Task> = (0..tasks)
                .map(|_| {
                    let (sem, inside) = (sem.clone(), inside.clone());
                    Box::pin(async move {
                        let _permit = sem.permit().await;
                        inside.set(inside.get() + 1);
                        assert!(inside.get() <= permits);
                        yield_now().await;
                        inside.set(inside.get() - 1);
                    }) as Task
                })
                .collect();
            run_tasks(bodies)
        }
        Program::ProducerConsumer { items } => {
            let cond = Rc::new(Condition::new());
            let queue = Rc::new(RefCell::new(VecDeque::new()));
            let consumer = {
                let (cond, queue) = (cond.clone(), queue.clone());
                Box::pin(async move {
                    for expected in 0..items {
                        let held = cond.lock().await;
                        let (_held, item) = held.wait_for(|| queue.borrow_mut().pop_front()).await.unwrap();
                        assert_eq!(item, Some(expected));
                    }
                }) as Task
            };
            let producer = Box::pin(async move {
                for item in 0..items {
                    let held = cond.lock().await;
                    queue.borrow_mut().push_back(item);
                    cond.notify(1).unwrap();
                    drop(held);
                    yield_now().await;
                }
            }) as Task;
            run_tasks(vec![consumer, producer])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_program_runs_to_completion_on_the_floor() {
        for program in Program::ALL {
            assert!(run(program) > 0, "{}", program.name());
        }
    }
}
