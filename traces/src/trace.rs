//! A whole run: a header saying what ran, and its events in order.

use crate::event::Record;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What ran: enough to reproduce it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The weft version that recorded the trace.
    pub weft_version: String,
    /// The scenario or test name.
    pub name: String,
    /// The strategy, as it would be written in `WEFT_STRATEGY`.
    pub strategy: String,
    /// The run's seed.
    pub seed: u64,
    /// The run's schedule string (`weft2:...`), which replays it.
    pub schedule: String,
}

impl Header {
    /// A header for `name` with the current weft version and no schedule yet.
    pub fn new(name: impl Into<String>) -> Header {
        Header {
            weft_version: env!("CARGO_PKG_VERSION").to_string(),
            name: name.into(),
            strategy: "fifo".to_string(),
            seed: 0,
            schedule: String::new(),
        }
    }
}

/// A recorded run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    pub header: Header,
    pub events: Vec<Record>,
}

/// A trace file that could not be read.
#[derive(Debug)]
pub struct TraceError(serde_json::Error);

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not a weft trace ({}); expected the JSON that `weft trace --format json` or a failed test writes",
            self.0
        )
    }
}

impl std::error::Error for TraceError {}

impl Trace {
    /// An empty trace.
    pub fn new(header: Header) -> Trace {
        Trace { header, events: Vec::new() }
    }

    /// Appends a record.
    pub fn push(&mut self, record: Record) {
        self.events.push(record);
    }

    /// The trace as pretty JSON with stable field names.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a trace always serializes")
    }

    /// Reads a trace from its JSON.
    pub fn from_json(json: &str) -> Result<Trace, TraceError> {
        serde_json::from_str(json).map_err(TraceError)
    }

    /// The lines the program printed, in order.
    pub fn output(&self) -> impl Iterator<Item = &str> {
        self.events.iter().filter_map(|r| match &r.event {
            crate::Event::Print { text } => Some(text.as_str()),
            _ => None,
        })
    }
}
