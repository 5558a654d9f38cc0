//! Schedules: the list of choices a run made, and their compact text form `weft2:...`.
//!
//! Every decision a run depends on is a [`Choice`]: at each *scheduling point*, which option
//! the run took ([`Choice::Pick`]: which ready task to poll when more than one is ready, or which
//! of the timers due at one virtual instant fire first); each value the program draws with
//! [`crate::random_range`]; and each fault injected (when faults are on). Replaying the same
//! choices reproduces the run exactly.
//!
//! A pick is an index into the options the program offers at that point, option 0 being
//! asyncio's own; the program, replayed, says which kind of point comes next. So a run in
//! asyncio's order is a run of zeros whatever its points are, which the text form compresses.
//!
//! The text form is `weft2:` followed by unpadded URL-safe base64 of a byte string of LEB128
//! varints, each carrying a two-bit tag: `0` a pick (`index << 2`), `1` a run of `n` picks of
//! index 0 (asyncio's own order, by far the most common), `2` a drawn value (in the next
//! varint), `3` a fault at step `word >> 2`, whose next varint is `task << 2 | kind` (kind 0
//! cancel, 1 spurious poll, 2 fire timeout, 3 forced yield). `weft1:` strings came from a weft
//! whose runs had no timer scheduling points; they are refused with a message saying so.
//!
//! Decoding trusts nothing in the string: every count is checked before anything is allocated,
//! a string claiming more than [`Schedule::MAX_CHOICES`] choices is refused, and every error is
//! one line saying what is wrong and what to do ([`ScheduleError`]).
//!
//! ```
//! use weft_sim::{Choice, Schedule};
//! let s = Schedule::from(vec![Choice::Pick(0), Choice::Pick(0), Choice::Pick(2), Choice::Draw(41)]);
//! let text = s.to_string();
//! assert!(text.starts_with("weft2:"));
//! assert_eq!(text.parse::<Schedule>().unwrap(), s);
//! ```

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::fmt;
use std::str::FromStr;
use weft_traces::check::Inconsistency;
use weft_traces::{Fault, TaskId};

/// One decision of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Choice {
    /// The option taken at a scheduling point (0 is asyncio's):
    ///
    /// - when more than one task is ready, poll the one at this position of the ready queue (0 is
    ///   the head);
    /// - when the clock advances and more than one timer is due at that instant, `0` fires all of
    ///   them, in (deadline, registration) order, as asyncio's event loop runs every due callback
    ///   before any task; `i >= 1` fires only the `i`-th of them, the others staying due at the
    ///   same instant until nothing is ready again (as if they were due an instant later).
    Pick(u32),
    /// The program drew this value (an offset into the range it asked for).
    Draw(u64),
    /// The strategy injected `fault` at `step`.
    Fault { step: u64, fault: Fault },
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Choice::Pick(i) => write!(f, "pick ready[{i}]"),
            Choice::Draw(v) => write!(f, "draw {v}"),
            Choice::Fault { step, fault } => write!(f, "fault at step {step}: {fault:?}"),
        }
    }
}

/// The choices of one run, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Schedule {
    pub choices: Vec<Choice>,
}

impl From<Vec<Choice>> for Schedule {
    fn from(choices: Vec<Choice>) -> Schedule {
        Schedule { choices }
    }
}

impl Schedule {
    /// The most choices a schedule string may hold: 2^20 (1,048,576), 16 MiB once decoded.
    ///
    /// A run of `n` zeros takes a few bytes in the text form whatever `n` is, so the string's length
    /// does not bound what it decodes to; this does. Decoding adds up every count before it
    /// allocates anything and refuses a string that claims more ([`ScheduleError::TooLong`]). A run
    /// makes at most one pick per step (plus its faults, draws and timer points): ten times the
    /// default step budget of 100,000 steps fits.
    pub const MAX_CHOICES: u64 = 1 << 20;

    /// How many choices it holds.
    pub fn len(&self) -> usize {
        self.choices.len()
    }

    /// Whether it holds no choice.
    pub fn is_empty(&self) -> bool {
        self.choices.is_empty()
    }

    /// How many picks deviate from asyncio's own order (a task other than the ready queue's head,
    /// or a due timer fired ahead of the others).
    pub fn deviations(&self) -> usize {
        self.choices.iter().filter(|c| matches!(c, Choice::Pick(i) if *i != 0)).count()
    }
}

/// The prefix of every schedule string this version writes.
pub const PREFIX: &str = "weft2:";

/// The prefix of the schedules of earlier versions, which this one cannot replay.
const OLD_PREFIX: &str = "weft1:";

const TAG_PICK: u64 = 0;
const TAG_HEAD_RUN: u64 = 1;
const TAG_DRAW: u64 = 2;
const TAG_FAULT: u64 = 3;

fn fault_word(fault: Fault) -> u64 {
    let (task, kind) = match fault {
        Fault::Cancel { task } => (task.0, 0),
        Fault::SpuriousPoll { task } => (task.0, 1),
        Fault::FireTimeout { task } => (task.0, 2),
        Fault::ForceYield => (0, 3),
    };
    (u64::from(task) << 2) | kind
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut bytes = Vec::with_capacity(self.choices.len());
        let mut i = 0;
        while i < self.choices.len() {
            match self.choices[i] {
                Choice::Pick(0) => {
                    let run = self.choices[i..].iter().take_while(|c| **c == Choice::Pick(0)).count();
                    push_varint(&mut bytes, ((run as u64) << 2) | TAG_HEAD_RUN);
                    i += run;
                    continue;
                }
                Choice::Pick(index) => push_varint(&mut bytes, (u64::from(index) << 2) | TAG_PICK),
                Choice::Draw(v) => {
                    push_varint(&mut bytes, TAG_DRAW);
                    push_varint(&mut bytes, v);
                }

                Choice::Fault { step, fault } => {
                    push_varint(&mut bytes, (step << 2) | TAG_FAULT);
                    push_varint(&mut bytes, fault_word(fault));
                }
            }
            i += 1;
        }
        write!(f, "{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
    }
}

fn push_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Shorthand for the limit below.
const MAX_CHOICES: u64 = Schedule::MAX_CHOICES;

/// A schedule string that could not be read. Each says, in one line, what is wrong and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScheduleError {
    /// It does not start with a known version prefix.
    Prefix { found: String },
    /// It was written by an earlier weft, whose runs had other scheduling points.
    OldVersion,
    /// The part after the prefix is not URL-safe base64.
    Base64 { detail: String },
    /// A varint runs past the end.
    Truncated { at_byte: usize },
    /// A word that names no choice this version knows.
    Unknown { at_byte: usize },
    /// A number too large for what it counts: a varint beyond 64 bits, a pick index or a task id
    /// beyond 32 bits.
    Overflow { at_byte: usize },
    /// It claims more than [`Schedule::MAX_CHOICES`] choices.
    TooLong { choices: u128 },
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScheduleError::Prefix { found } => write!(
                f,
                "not a weft schedule: expected it to start with `{PREFIX}`, found `{}`; copy the whole WEFT_REPLAY value a failed run printed",
                found.escape_debug()
            ),
            ScheduleError::OldVersion => write!(
                f,
                "this `{OLD_PREFIX}` schedule was recorded by an earlier weft, whose runs had no scheduling points for timers due at the same instant, so it cannot be replayed exactly; run the exploration again to get a `{PREFIX}` schedule"
            ),
            ScheduleError::Base64 { detail } => write!(
                f,
                "schedule is damaged: the part after `{PREFIX}` is not URL-safe base64 ({}); was it cut short or wrapped when copied?",
                detail.escape_debug()
            ),
            ScheduleError::Truncated { at_byte } => write!(
                f,
                "schedule is damaged: it ends in the middle of a choice (byte {at_byte}); was it cut short when copied?"
            ),
            ScheduleError::Unknown { at_byte } => write!(
                f,
                "schedule is damaged: byte {at_byte} names no kind of choice this weft knows; was it changed by hand, or written by a newer weft?"
            ),
            ScheduleError::Overflow { at_byte } => write!(
                f,
                "schedule is damaged: the number at byte {at_byte} is too large for a choice (weft writes none that large); was it changed by hand or by a copy?"
            ),
            ScheduleError::TooLong { choices } => write!(
                f,
                "schedule is damaged or too long: it claims {choices} choices, more than the {MAX_CHOICES} a schedule may hold; copy the line again, or replay a shorter run"
            ),
        }
    }
}

impl std::error::Error for ScheduleError {}

/// One word of the text form, decoded but not expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Word {
    /// One choice.
    One(Choice),
    /// `n` picks of index 0.
    HeadRun(u64),
}

impl FromStr for Schedule {
    type Err = ScheduleError;

    /// Reads a `weft2:` string in time linear in its length. Every count is added up and checked
    /// against [`Schedule::MAX_CHOICES`] before the choices are allocated, so no string, however damaged,
    /// makes weft allocate more than the choices it holds.
    fn from_str(text: &str) -> Result<Schedule, ScheduleError> {
        let text = text.trim();
        if text.starts_with(OLD_PREFIX) {
            return Err(ScheduleError::OldVersion);
        }
        let Some(body) = text.strip_prefix(PREFIX) else {
            let found: String = text.chars().take(12).collect();
            return Err(ScheduleError::Prefix { found });
        };
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|e| ScheduleError::Base64 { detail: e.to_string() })?;
        // First pass: decode every word and count what they expand to, allocating nothing that
        // the words claim.
        let mut total: u128 = 0;
        let mut reader = Varints { bytes: &bytes, pos: 0 };
        while let Some(word) = reader.word()? {
            total += match word {
                Word::One(_) => 1,
                Word::HeadRun(n) => u128::from(n),
            };
            if total > u128::from(MAX_CHOICES) {
                // Keep counting cheaply only to say how many were claimed: the rest may be long.
                let mut claimed = total;
                while let Ok(Some(word)) = reader.word() {
                    claimed += match word {
                        Word::One(_) => 1,
                        Word::HeadRun(n) => u128::from(n),
                    };
                }
                return Err(ScheduleError::TooLong { choices: claimed });
            }
        }
        // Second pass: expand, into exactly the room counted.
        let mut choices = Vec::with_capacity(total as usize);
        let mut reader = Varints { bytes: &bytes, pos: 0 };
        while let Some(word) = reader.word()? {
            match word {
                Word::One(choice) => choices.push(choice),
                Word::HeadRun(n) => choices.extend(std::iter::repeat_n(Choice::Pick(0), n as usize)),
            }
        }
        Ok(Schedule { choices })
    }
}

/// Whether a stored trace's header names a strategy and a schedule this weft can read: the
/// strategy as [`Strategy`](crate::Strategy)'s `Display` writes it (`replay` for a replayed
/// run), and the schedule as a `weft2:` string, or empty when none was recorded. `weft check`
/// passes it to [`weft_traces::check::judge_json`].
///
/// ```
/// use weft_sim::check_header;
/// use weft_traces::Header;
/// let mut header = Header::new("demo");
/// assert!(check_header(&header).is_ok());
/// header.schedule = "weft2:vEsvG1uUAGTZ4dp5ocLq-s6JMEScdMkGahu6SYTJ".to_string();
/// assert!(check_header(&header).unwrap_err().to_string().contains("its schedule cannot be read"));
/// ```
pub fn check_header(header: &weft_traces::Header) -> Result<(), Inconsistency> {
    if header.strategy != "replay" {
        if let Err(e) = header.strategy.parse::<crate::Strategy>() {
            return Err(Inconsistency::in_header(format!("its strategy cannot be read ({e})")));
        }
    }
    if !header.schedule.is_empty() {
        if let Err(e) = header.schedule.parse::<Schedule>() {
            return Err(Inconsistency::in_header(format!("its schedule cannot be read ({e})")));
        }
    }
    Ok(())
}

struct Varints<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Varints<'_> {
    /// The next word, `None` at the end.
    fn word(&mut self) -> Result<Option<Word>, ScheduleError> {
        if self.pos >= self.bytes.len() {
            return Ok(None);
        }
        let at_byte = self.pos;
        let word = self.next()?;
        let narrow = |v: u64| u32::try_from(v).map_err(|_| ScheduleError::Overflow { at_byte });
        Ok(Some(match word & 3 {
            TAG_PICK => Word::One(Choice::Pick(narrow(word >> 2)?)),
            TAG_HEAD_RUN => Word::HeadRun(word >> 2),
            TAG_DRAW if word == TAG_DRAW => Word::One(Choice::Draw(self.next()?)),
            TAG_DRAW => return Err(ScheduleError::Unknown { at_byte }),
            _ => {
                let fault = self.next()?;
                let task = TaskId(narrow(fault >> 2)?);
                let fault = match fault & 3 {
                    0 => Fault::Cancel { task },
                    1 => Fault::SpuriousPoll { task },
                    2 => Fault::FireTimeout { task },
                    _ => Fault::ForceYield,
                };
                Word::One(Choice::Fault { step: word >> 2, fault })
            }
        }))
    }

    /// The next LEB128 varint: at most ten bytes, the tenth carrying only the 64th bit.
    fn next(&mut self) -> Result<u64, ScheduleError> {
        let start = self.pos;
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.bytes.get(self.pos).ok_or(ScheduleError::Truncated { at_byte: start })?;
            self.pos += 1;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(ScheduleError::Overflow { at_byte: start });
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(ScheduleError::Overflow { at_byte: start })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_kind_of_choice() {
        let s = Schedule::from(vec![
            Choice::Pick(0),
            Choice::Pick(3),
            Choice::Draw(0),
            Choice::Draw(u64::MAX),
            Choice::Fault { step: 12, fault: Fault::Cancel { task: TaskId(3) } },
            Choice::Fault { step: 0, fault: Fault::SpuriousPoll { task: TaskId(0) } },
            Choice::Fault { step: 1 << 40, fault: Fault::FireTimeout { task: TaskId(u32::MAX) } },
            Choice::Fault { step: 7, fault: Fault::ForceYield },
            Choice::Pick(0),
            Choice::Pick(0),
            Choice::Pick(0),
            Choice::Pick(200),
        ]);
        assert_eq!(s.to_string().parse::<Schedule>().unwrap(), s);
    }

    #[test]
    fn head_runs_are_compact() {
        let s = Schedule::from(vec![Choice::Pick(0); 1000]);
        assert!(s.to_string().len() < 12, "{}", s);
    }

    #[test]
    fn malformed_strings_say_what_is_wrong() {
        assert!(matches!("weft3:AA".parse::<Schedule>(), Err(ScheduleError::Prefix { .. })));
        assert_eq!("weft1:HQ".parse::<Schedule>(), Err(ScheduleError::OldVersion));
        // A value word with a sub-kind no version writes.
        let odd = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode([0x06u8, 0x01]));
        assert_eq!(odd.parse::<Schedule>(), Err(ScheduleError::Unknown { at_byte: 0 }));
        assert!(matches!("weft2:***".parse::<Schedule>(), Err(ScheduleError::Base64 { .. })));
        // 0x82 promises another varint byte that never comes.
        let cut = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode([0x82u8]));
        assert!(matches!(cut.parse::<Schedule>(), Err(ScheduleError::Truncated { .. })));
        // A fault tag whose second varint is missing.
        let fault_cut = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode([0x03u8]));
        assert!(matches!(fault_cut.parse::<Schedule>(), Err(ScheduleError::Truncated { .. })));
        assert!("weft2:".parse::<Schedule>().unwrap().is_empty());
    }

    fn encoded(bytes: &[u8]) -> String {
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    #[test]
    fn a_head_run_claiming_more_than_the_maximum_is_refused_before_anything_is_allocated() {
        // The string of issue 11: a head run of ~2^47 picks (it aborted allocating them).
        let claimed = "weft2:vEsvG1uUAGTZ4dp5ocLq-s6JMEScdMkGahu6SYTJ".parse::<Schedule>();
        let Err(ScheduleError::TooLong { choices }) = claimed else { panic!("{claimed:?}") };
        assert!(choices > u128::from(MAX_CHOICES), "{choices}");
        // The largest head run there is, twice.
        let mut bytes = Vec::new();
        push_varint(&mut bytes, (u64::MAX >> 2 << 2) | TAG_HEAD_RUN);
        push_varint(&mut bytes, (u64::MAX >> 2 << 2) | TAG_HEAD_RUN);
        assert_eq!(
            encoded(&bytes).parse::<Schedule>(),
            Err(ScheduleError::TooLong { choices: 2 * u128::from(u64::MAX >> 2) })
        );
    }

    #[test]
    fn the_maximum_is_exact() {
        let at_most = Schedule::from(vec![Choice::Pick(0); MAX_CHOICES as usize]);
        assert_eq!(at_most.to_string().parse::<Schedule>().map(|s| s.len()), Ok(MAX_CHOICES as usize));
        let one_more = Schedule::from(vec![Choice::Pick(0); MAX_CHOICES as usize + 1]);
        assert_eq!(
            one_more.to_string().parse::<Schedule>(),
            Err(ScheduleError::TooLong { choices: u128::from(MAX_CHOICES) + 1 })
        );
        // Explicit choices count too: a run of the maximum, then one pick.
        let mut bytes = Vec::new();
        push_varint(&mut bytes, (MAX_CHOICES << 2) | TAG_HEAD_RUN);
        push_varint(&mut bytes, (1 << 2) | TAG_PICK);
        assert!(matches!(encoded(&bytes).parse::<Schedule>(), Err(ScheduleError::TooLong { .. })));
    }

    #[test]
    fn numbers_too_large_for_their_choice_are_refused() {
        // Eleven varint bytes: more than 64 bits.
        let long = encoded(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        assert_eq!(long.parse::<Schedule>(), Err(ScheduleError::Overflow { at_byte: 0 }));
        // Ten bytes whose last carries more than the 64th bit.
        let wide = encoded(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02]);
        assert_eq!(wide.parse::<Schedule>(), Err(ScheduleError::Overflow { at_byte: 0 }));
        // A pick index beyond 32 bits.
        let mut bytes = vec![0x00];
        push_varint(&mut bytes, (u64::from(u32::MAX) + 1) << 2 | TAG_PICK);
        assert_eq!(encoded(&bytes).parse::<Schedule>(), Err(ScheduleError::Overflow { at_byte: 1 }));
        // A fault on a task beyond 32 bits.
        let mut bytes = vec![(5 << 2) | TAG_FAULT as u8];
        push_varint(&mut bytes, (u64::from(u32::MAX) + 1) << 2);
        assert_eq!(encoded(&bytes).parse::<Schedule>(), Err(ScheduleError::Overflow { at_byte: 0 }));
        // The largest values weft writes still read back.
        let s = Schedule::from(vec![
            Choice::Pick(u32::MAX),
            Choice::Draw(u64::MAX),
            Choice::Fault { step: u64::MAX >> 2, fault: Fault::SpuriousPoll { task: TaskId(u32::MAX) } },
        ]);
        assert_eq!(s.to_string().parse::<Schedule>(), Ok(s));
    }

    #[test]
    fn every_error_is_one_line() {
        let errors = [
            ScheduleError::Prefix { found: "a\nb\tc".to_string() },
            ScheduleError::OldVersion,
            ScheduleError::Base64 { detail: "x\ny".to_string() },
            ScheduleError::Truncated { at_byte: 3 },
            ScheduleError::Unknown { at_byte: 3 },
            ScheduleError::Overflow { at_byte: 3 },
            ScheduleError::TooLong { choices: 1 << 40 },
        ];
        for e in errors {
            let text = e.to_string();
            assert_eq!(text.lines().count(), 1, "{text}");
            assert!(text.contains("; "), "says what to do: {text}");
        }
    }
}
