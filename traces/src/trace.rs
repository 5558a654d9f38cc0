//! A whole run: a header saying what ran, and its events in order.

use crate::event::Record;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use std::io::Read;

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

impl TraceError {
    /// The JSON lacks `field`.
    pub(crate) fn missing(field: &'static str) -> TraceError {
        TraceError(de::Error::missing_field(field))
    }
}

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

/// Why reading a trace one record at a time stopped: the JSON is not a trace, or a callback said
/// stop (with its reason).
#[derive(Debug)]
pub enum StreamError<E> {
    /// Not a weft trace's JSON (or the reader failed).
    Json(TraceError),
    /// A callback returned this.
    Stopped(E),
}

impl Trace {
    /// Reads a trace's JSON from `reader` without holding its events: `on_header` gets the
    /// header and `on_record` each record, in order, as they are read, so memory stays
    /// proportional to the largest record whatever the file's size (give it a `BufReader`). The
    /// first `Err` a callback returns stops the reading ([`StreamError::Stopped`]). The JSON is
    /// the object [`Trace::to_json`] writes (`header` and `events`, in any order; other fields
    /// are ignored).
    ///
    /// ```
    /// use weft_traces::{Event, Header, Record, TaskId, Time, Trace};
    /// let mut trace = Trace::new(Header::new("demo"));
    /// trace.push(Record::new(0, Time::ZERO, Some(TaskId(0)), Event::Spawn { name: "main".into(), parent: None }));
    /// let json = trace.to_json();
    /// let mut records = 0;
    /// let read = Trace::stream(
    ///     json.as_bytes(),
    ///     |h| if h.name == "demo" { Ok(()) } else { Err("another trace") },
    ///     |_| {
    ///         records += 1;
    ///         Ok(())
    ///     },
    /// );
    /// assert!(read.is_ok());
    /// assert_eq!(records, 1);
    /// ```
    pub fn stream<R: Read, E>(
        reader: R,
        mut on_header: impl FnMut(Header) -> Result<(), E>,
        mut on_record: impl FnMut(Record) -> Result<(), E>,
    ) -> Result<(), StreamError<E>> {
        let mut stop = None;
        let mut de = serde_json::Deserializer::from_reader(reader);
        let seed = TraceSeed { on_header: &mut on_header, on_record: &mut on_record, stop: &mut stop };
        let read = seed.deserialize(&mut de).and_then(|()| de.end());
        match (read, stop) {
            (_, Some(e)) => Err(StreamError::Stopped(e)),
            (Err(e), None) => Err(StreamError::Json(TraceError(e))),
            (Ok(()), None) => Ok(()),
        }
    }
}

/// The fields of a trace's top-level object.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum Field {
    Header,
    Events,
    #[serde(other)]
    Other,
}

/// Reads a trace's object, handing its header and records to the callbacks.
struct TraceSeed<'a, E> {
    on_header: &'a mut dyn FnMut(Header) -> Result<(), E>,
    on_record: &'a mut dyn FnMut(Record) -> Result<(), E>,
    stop: &'a mut Option<E>,
}

/// Keeps a callback's reason to stop, and stops the parser with an error that carries none.
fn stopped<E, D: de::Error>(slot: &mut Option<E>, reason: E) -> D {
    *slot = Some(reason);
    D::custom("stopped by the reader")
}

impl<'de, E> DeserializeSeed<'de> for TraceSeed<'_, E> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, E> Visitor<'de> for TraceSeed<'_, E> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a weft trace: an object with a `header` and `events`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (mut header, mut events) = (false, false);
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Header if header => return Err(de::Error::duplicate_field("header")),
                Field::Header => {
                    header = true;
                    let value: Header = map.next_value()?;
                    (self.on_header)(value).map_err(|e| stopped(self.stop, e))?;
                }
                Field::Events if events => return Err(de::Error::duplicate_field("events")),
                Field::Events => {
                    events = true;
                    map.next_value_seed(EventsSeed { on_record: &mut *self.on_record, stop: &mut *self.stop })?;
                }
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match (header, events) {
            (false, _) => Err(de::Error::missing_field("header")),
            (_, false) => Err(de::Error::missing_field("events")),
            _ => Ok(()),
        }
    }
}

/// Reads the `events` array one record at a time.
struct EventsSeed<'a, E> {
    on_record: &'a mut dyn FnMut(Record) -> Result<(), E>,
    stop: &'a mut Option<E>,
}

impl<'de, E> DeserializeSeed<'de> for EventsSeed<'_, E> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, E> Visitor<'de> for EventsSeed<'_, E> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the trace's events: an array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(record) = seq.next_element::<Record>()? {
            (self.on_record)(record).map_err(|e| stopped(self.stop, e))?;
        }
        Ok(())
    }
}
