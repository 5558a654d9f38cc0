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

fn fault_from_word(word: u64, at_byte: usize) -> Result<Fault, ScheduleError> {
    let task = TaskId(u32::try_from(word >> 2).map_err(|_| ScheduleError::Truncated { at_byte })?);
    Ok(match word & 3 {
        0 => Fault::Cancel { task },
        1 => Fault::SpuriousPoll { task },
        2 => Fault::FireTimeout { task },
        _ => Fault::ForceYield,
    })
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

/// A schedule string that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScheduleError {
    /// It does not start with a known version prefix.
    Prefix { found: String },
    /// It was written by an earlier weft, whose runs had other scheduling points.
    OldVersion,
    /// The part after the prefix is not URL-safe base64.
    Base64 { detail: String },
    /// A varint runs past the end, or overflows.
    Truncated { at_byte: usize },
    /// A word that names no choice this version knows.
    Unknown { at_byte: usize },
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScheduleError::Prefix { found } => write!(
                f,
                "not a weft schedule: expected it to start with `{PREFIX}`, found `{found}`; copy the whole WEFT_REPLAY value a failed run printed"
            ),
            ScheduleError::OldVersion => write!(
                f,
                "this `{OLD_PREFIX}` schedule was recorded by an earlier weft, whose runs had no scheduling points for timers due at the same instant, so it cannot be replayed exactly; run the exploration again to get a `{PREFIX}` schedule"
            ),
            ScheduleError::Base64 { detail } => write!(
                f,
                "schedule is damaged: the part after `{PREFIX}` is not URL-safe base64 ({detail}); was it cut short or wrapped when copied?"
            ),
            ScheduleError::Truncated { at_byte } => write!(
                f,
                "schedule is damaged: it ends in the middle of a choice (byte {at_byte}); was it cut short when copied?"
            ),
            ScheduleError::Unknown { at_byte } => write!(
                f,
                "schedule is damaged: byte {at_byte} names no kind of choice this weft knows; was it changed by hand, or written by a newer weft?"
            ),
        }
    }
}

impl std::error::Error for ScheduleError {}

impl FromStr for Schedule {
    type Err = ScheduleError;

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
        let mut reader = Varints { bytes: &bytes, pos: 0 };
        let mut choices = Vec::new();
        while reader.pos < bytes.len() {
            let at_byte = reader.pos;
            let word = reader.next()?;
            match word & 3 {
                TAG_PICK => choices
                    .push(Choice::Pick(u32::try_from(word >> 2).map_err(|_| ScheduleError::Truncated { at_byte })?)),
                TAG_HEAD_RUN => choices.extend(std::iter::repeat_n(Choice::Pick(0), (word >> 2) as usize)),
                TAG_DRAW if word == TAG_DRAW => choices.push(Choice::Draw(reader.next()?)),
                TAG_DRAW => return Err(ScheduleError::Unknown { at_byte }),
                _ => {
                    let fault = fault_from_word(reader.next()?, at_byte)?;
                    choices.push(Choice::Fault { step: word >> 2, fault });
                }
            }
        }
        Ok(Schedule { choices })
    }
}

struct Varints<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Varints<'_> {
    fn next(&mut self) -> Result<u64, ScheduleError> {
        let start = self.pos;
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.bytes.get(self.pos).ok_or(ScheduleError::Truncated { at_byte: start })?;
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(ScheduleError::Truncated { at_byte: start })
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
}
