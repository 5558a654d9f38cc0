//! A [`tracing_subscriber::Layer`] that records the program's own `tracing` events into the
//! run's trace (feature `tracing`), with the task and the step that logged them, so that `weft
//! trace`, the SVG timeline and the Perfetto export show the user's log lines in the schedule
//! that produced them.
//!
//! Each `tracing` event logged inside a weft run becomes one [`Event::Log`]: level, target, the
//! spans it was logged in (outermost first, each `name{field=value ...}`) and its message with
//! its other fields. Outside a run (another thread, or no simulation) the layer records
//! nothing, so one global subscriber serves tests that run in parallel, each on its own thread.
//! Recording a line is not a choice and changes no schedule: a run with the layer takes the same
//! steps as one without.
//!
//! ```
//! use tracing_subscriber::layer::SubscriberExt;
//! use weft_sim::{spawn, Runtime};
//!
//! let subscriber = tracing_subscriber::registry().with(weft_sim::tracing_layer::layer());
//! let run = tracing::subscriber::with_default(subscriber, || {
//!     Runtime::new().run(async {
//!         spawn("worker", async {
//!             let _span = tracing::info_span!("job", id = 7).entered();
//!             tracing::info!(items = 3, "took the lock");
//!         })
//!         .await
//!         .unwrap();
//!     })
//! });
//! let text = run.trace.to_text();
//! assert!(text.contains("worker         ~ INFO rust_out [job{id=7}]: took the lock items=3"), "{text}");
//! ```

use crate::context;
use std::fmt::{self, Write};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::Subscriber;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use weft_traces::Event;

/// The layer; see the [module](self).
#[derive(Clone, Copy, Debug, Default)]
pub struct WeftLayer {
    _private: (),
}

/// The layer that records `tracing` events into weft's trace.
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt;
/// let subscriber = tracing_subscriber::registry().with(weft_sim::tracing_layer::layer());
/// # drop(subscriber);
/// ```
pub fn layer() -> WeftLayer {
    WeftLayer::default()
}

/// A span's name and fields, kept in its extensions: `name{a=1 b=x}`.
struct Label(String);

/// Formats fields as `message key=value ...` (strings without quotes).
#[derive(Default)]
struct Fields {
    message: String,
    rest: String,
}

impl Fields {
    fn push(&mut self, field: &Field, value: fmt::Arguments<'_>) {
        if field.name() == "message" {
            let _ = self.message.write_fmt(value);
            return;
        }
        if !self.rest.is_empty() {
            self.rest.push(' ');
        }
        let _ = write!(self.rest, "{}={value}", field.name());
    }

    fn joined(self) -> String {
        match (self.message.is_empty(), self.rest.is_empty()) {
            (_, true) => self.message,
            (true, false) => self.rest,
            (false, false) => format!("{} {}", self.message, self.rest),
        }
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.push(field, format_args!("{value}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.push(field, format_args!("{value:?}"));
    }
}

impl<S> tracing_subscriber::Layer<S> for WeftLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let fields = fields.joined();
        let label = match fields.is_empty() {
            true => span.name().to_string(),
            false => format!("{}{{{fields}}}", span.name()),
        };
        span.extensions_mut().insert(Label(label));
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        if !weft_traces::recorder::is_recording() {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let spans = ctx
            .event_scope(event)
            .map(|scope| {
                scope
                    .from_root()
                    .map(|span| {
                        span.extensions().get::<Label>().map_or_else(|| span.name().to_string(), |l| l.0.clone())
                    })
                    .collect()
            })
            .unwrap_or_default();
        let meta = event.metadata();
        let log = Event::Log {
            level: meta.level().to_string(),
            target: meta.target().to_string(),
            spans,
            message: fields.joined(),
        };
        context::try_with(move |k| k.record(log));
    }
}
