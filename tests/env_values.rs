//! `WEFT_*` values that cannot be used stop the test with one line naming the variable, the value
//! and what is accepted: absurd numbers and text that is not UTF-8 included, never a crash, a
//! hang or a silent default. One test in its own binary, because it sets process-wide variables.

use std::panic::{catch_unwind, AssertUnwindSafe};
use weft::sim::env::{Overrides, VARIABLES};

fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("it panics");
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(p) => p.downcast_ref::<&str>().map(|s| s.to_string()).unwrap_or_default(),
    }
}

#[test]
fn unusable_values_stop_the_test_with_one_line() {
    for name in VARIABLES {
        std::env::remove_var(name);
    }
    for (name, value, expected) in [
        ("WEFT_JOBS", "100000", "at most 1024"),
        ("WEFT_SCHEDULES", "99999999999999999999999", "at most 18446744073709551615"),
        ("WEFT_SHARD", "0/0", "0 <= index < count"),
        ("WEFT_STRATEGY", "pct:99999999999", "out of range"),
        ("WEFT_FAULTS", "cancel,,yield", "an empty fault kind"),
        ("WEFT_REPLAY", "weft2:vEsvG1uUAGTZ4dp5ocLq-s6JMEScdMkGahu6SYTJ", "more than the 1048576"),
    ] {
        std::env::set_var(name, value);
        let message = panic_message(|| {
            weft::explore(|| async {}).schedules(1).run();
        });
        std::env::remove_var(name);
        assert!(message.starts_with(&format!("weft: {name}=`")), "{message}");
        assert!(message.contains(expected), "{message}");
        assert_eq!(message.lines().count(), 1, "{message}");
    }

    // Not UTF-8: an error naming the variable, not a variable silently ignored.
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        std::env::set_var("WEFT_SEED", std::ffi::OsString::from_vec(vec![b'4', 0xff, b'2']));
        let error = Overrides::from_env().expect_err("not UTF-8");
        std::env::remove_var("WEFT_SEED");
        assert_eq!(error.variable, "WEFT_SEED");
        assert!(error.to_string().contains("not valid UTF-8"), "{error}");
    }
}
