//! Panics inside a run fail the run with their message; they are not printed as they happen.

use std::any::Any;
use std::sync::Once;

/// Installs, once per process, a panic hook that stays quiet while a simulation runs on the
/// panicking thread (the run reports the panic with its trace) and defers to the previous hook
/// everywhere else.
pub(crate) fn install_quiet_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !weft_traces::recorder::is_recording() {
                previous(info);
            }
        }));
    });
}

/// The message of a panic payload.
pub(crate) fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic with a non-string payload)".to_string()
    }
}
