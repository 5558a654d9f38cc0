//! `gather` and `TaskGroup` under exploration: the example proposed for the README, and the
//! same shape with a lost update that exploration must find through a task group.

use std::{cell::Cell, rc::Rc};
use weft::prelude::*;
use weft::tasks::{gather, task_group};

#[test]
fn workers_gathered_and_grouped_under_exploration() {
    explore(|| async {
        let sem = Rc::new(Semaphore::new(2));
        // gather: every worker's result, in the order given, whatever order they ran in.
        let workers = (0..3).map(|i| {
            let sem = sem.clone();
            spawn(format!("worker{i}"), async move {
                let _permit = sem.permit().await;
                sleep(Duration::from_millis(10)).await;
                Ok::<_, String>(i * 10)
            })
        });
        assert_eq!(gather(workers).await, Ok(vec![0, 10, 20]));
        // TaskGroup: a failing child cancels its siblings; the errors come back together.
        let group = task_group(|tg| async move {
            tg.spawn("slow", async {
                sleep(Duration::from_secs(60)).await;
                Ok(())
            })
            .unwrap();
            tg.spawn("fails", async { Err::<(), _>("boom".to_string()) }).unwrap();
        })
        .await;
        assert_eq!(group.unwrap_err().errors, ["boom"]);
        assert_eq!(now(), Duration::from_millis(20)); // two permits, three workers; "slow" was cancelled, not waited for
    })
    .schedules(500)
    .run()
    .assert_ok();
}

#[test]
fn a_lost_update_inside_a_task_group_is_found() {
    let report = explore(|| async {
        let x = Rc::new(Cell::new(0));
        let group = task_group(|tg| {
            let x = x.clone();
            async move {
                for i in 0..2 {
                    let x = x.clone();
                    tg.spawn(format!("inc{i}"), async move {
                        let v = x.get();
                        yield_now().await; // no lock: another increment may run here
                        x.set(v + 1);
                        Ok::<_, ()>(())
                    })
                    .unwrap();
                }
            }
        })
        .await;
        assert!(group.is_ok());
        assert_eq!(x.get(), 2, "an increment was lost");
    })
    .schedules(500)
    .run();
    assert!(!report.is_ok(), "exploration missed the lost update");
    // asyncio's own order (FIFO) interleaves the two increments too: both read 0.
    let fifo = Runtime::new().run(async {
        let x = Rc::new(Cell::new(0));
        let x2 = x.clone();
        task_group(move |tg| async move {
            for i in 0..2 {
                let x = x2.clone();
                tg.spawn(format!("inc{i}"), async move {
                    let v = x.get();
                    yield_now().await;
                    x.set(v + 1);
                    Ok::<_, ()>(())
                })
                .unwrap();
            }
        })
        .await
        .unwrap();
        x.get()
    });
    assert_eq!(fifo.output, Some(1));
}

#[test]
fn faults_never_cancel_the_loops_callbacks() {
    // A task group's bookkeeping runs in done callbacks: were a fault to cancel one, the group
    // would wait forever for a child that has ended (a deadlock weft would report).
    explore(|| async {
        let group = task_group(|tg| async move {
            for i in 0..3 {
                tg.spawn(format!("child{i}"), async move {
                    sleep(Duration::from_millis(i)).await;
                    Ok::<_, ()>(())
                })
                .unwrap();
            }
        })
        .await;
        assert!(group.is_ok());
    })
    .faults(Faults { cancel: true, ..Faults::none() })
    .schedules(500)
    .run()
    .assert_ok();
}
