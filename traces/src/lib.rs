//! weft's event model: what happened in a run, in what order, at what virtual time.
//!
//! This crate is the one both sides of weft speak: the primitives (`weft-primitives`, and any
//! primitive of yours) describe what they do through the public [`resource`] API, which
//! reports through the [`recorder`] hook; the simulator (`weft-sim`) installs a recorder,
//! stamps each event with the step, the virtual time and the running task, and keeps them as a
//! [`Trace`]. A trace renders as text for reading and golden snapshots
//! ([`Trace::to_text`]) and round-trips through JSON ([`Trace::to_json`], [`Trace::from_json`]).
//!
//! ```
//! use weft_traces::{Event, Header, Record, TaskId, Time, Trace};
//!
//! let mut trace = Trace::new(Header::new("demo"));
//! trace.push(Record::new(0, Time::ZERO, Some(TaskId(0)), Event::Spawn { name: "main".into(), parent: None }));
//! trace.push(Record::new(1, Time::ZERO, Some(TaskId(0)), Event::Print { text: "hello".into() }));
//! let back = Trace::from_json(&trace.to_json()).unwrap();
//! assert_eq!(back, trace);
//! assert!(trace.to_text().contains("hello"));
//! ```

pub mod check;
mod chrome;
mod event;
mod ids;
mod name;
pub mod recorder;
pub mod resource;
mod svg;
mod text;
mod timeline;
mod trace;

pub use check::{check, Checker, Invariants, Rule, Violation, ViolationKind};
pub use event::{Event, Exit, Fault, Op, Record, ResourceKind};
pub use ids::{ResourceId, TaskId, Time};
pub use recorder::Recorder;
pub use resource::Resource;
pub use trace::{Header, StreamError, Trace, TraceError};
