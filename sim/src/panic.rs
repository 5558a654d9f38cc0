//! A panic in a task fails the run with its message and trace; it is not printed as it happens.
//! A panic anywhere else (a bug in weft itself, say) is printed as usual.

use crate::context::{self, Installed};
use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

/// Installs, once per process, a panic hook that stays quiet for panics in task code run by
/// [`catch_task`] (the run reports them with their trace) and defers to the previous hook for
/// every other panic.
pub(crate) fn install_quiet_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let quiet = context::try_installed(|installed| {
                if !installed.in_task.get() {
                    return None;
                }
                let at = info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
                installed.panic_location.replace(at);
                Some(())
            });
            if quiet.flatten().is_none() {
                previous(info);
            }
        }));
    });
}

/// A panic caught in task code: its message and, when the hook saw it, where it was raised.
#[derive(Debug)]
pub(crate) struct Caught {
    pub(crate) message: String,
    pub(crate) location: Option<String>,
}

/// Runs task code (a poll, or a future's drop), catching a panic with its message and location
/// (boxed: the step loop moves the result at every step, and a panic is rare).
#[inline(always)]
pub(crate) fn catch_task<R>(installed: &Installed, f: impl FnOnce() -> R) -> Result<R, Box<Caught>> {
    let outer = installed.in_task.replace(true);
    let watch = installed.watch.as_deref().filter(|_| !outer);
    watch.inspect(|w| w.in_task()); // odd: task code runs
    let result = catch_unwind(AssertUnwindSafe(f));
    watch.inspect(|w| w.in_task());
    installed.in_task.set(outer);
    result
        .map_err(|payload| Box::new(Caught { message: message(&*payload), location: installed.panic_location.take() }))
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
