//! A resource outlives runs: each operation reaches the run through one hook call
//! (`Recorder::record_on`), which registers the resource with a run the first time it is used
//! there and records every operation under the id of that run.

use weft::{Resource, Runtime};
use weft_traces::{Event, Op, ResourceId};

/// What a run's trace says about resources: every registration (its id and name) and every
/// operation (its id and op), in order.
fn resource_events(trace: &weft::Trace) -> Vec<(ResourceId, String)> {
    trace
        .events
        .iter()
        .filter_map(|r| match &r.event {
            Event::NewResource { id, name, .. } => Some((*id, format!("new {name}"))),
            Event::Resource { id, op } => Some((*id, op.name().to_string())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_resource_used_in_several_runs_registers_in_each_before_its_first_op() {
    let shared = std::rc::Rc::new(Resource::lock("kept"));
    for _ in 0..3 {
        let lock = shared.clone();
        let run = Runtime::new().run(async move {
            // A resource of this run first, so that the kept one's id here is not the first.
            let fresh = Resource::event("fresh");
            fresh.set();
            lock.request();
            lock.grant();
            lock.release();
            (fresh.id(), lock.id())
        });
        let (fresh, kept) = run.output.expect("the run returns");
        let (fresh, kept) = (fresh.expect("registered"), kept.expect("registered"));
        assert_ne!(fresh, kept);
        assert_eq!(
            resource_events(&run.trace),
            [
                (fresh, "new fresh".to_string()),
                (fresh, Op::Set.name().to_string()),
                (kept, "new kept".to_string()),
                (kept, Op::Request.name().to_string()),
                (kept, Op::Grant.name().to_string()),
                (kept, Op::Release.name().to_string()),
            ]
        );
    }
    // Outside a run it has no id, and its ops go nowhere.
    assert_eq!(shared.id(), None);
    shared.request();
}
