//! The schedules a sampling worker has already checked and seen pass, so that it need not run
//! the checkers over them again.
//!
//! A run is a function of its choices: the same program under the same [`Choice`]s takes the
//! same steps, records the same events, and the checkers, which only read events, reach the same
//! verdict (the guarantee every replay line rests on). The checkers only observe: a run with
//! checks off makes the same choices as one with checks on for as long as neither has failed.
//! So when a run with checks off passes with a schedule that a run with checks on already
//! passed with, the checked run of its seed would be that same run, and would pass: its verdict
//! is known without running the checkers. Anything else (a schedule not seen passing, a run
//! that failed unchecked) is run again with checks on, and that run is the one counted. A
//! sampled program of few tasks meets the same few schedules over and over, and then costs
//! what it costs unchecked; one whose schedules are mostly new is run checked at once, as if
//! there were no memo, and remembers less and less of them (see [`Verdicts::plan`]).
//!
//! Nothing here changes a report: a run counted from the memo counts what its checked run would
//! (its steps, its picks, its pass), and the memo is the worker's own. Schedules are compared
//! whole, choice by choice (not by a hash, which two schedules may share), and with their number
//! of steps. That a run is a function of its schedule is what every replay line already rests
//! on; a program that breaks it (reads the wall clock, iterates a `HashMap` with a random
//! hasher) breaks replay too (a replay says so when the program offers other choices), and a
//! run of it whose steps differ from the passed run's is checked again here, one whose steps
//! agree is not. The same holds of the checkers: a user's checker must judge a run by its
//! events alone (`Explore::checker`). The memo is bounded
//! ([`MAX_SCHEDULES`], [`MAX_CHOICES`]): past that it keeps what it has, and memory stays flat
//! however many schedules run.

use super::progress::Mix;
use crate::schedule::Choice;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// At most this many schedules are remembered per worker.
pub(crate) const MAX_SCHEDULES: usize = 1 << 14;

/// At most this many choices, over all the remembered schedules of a worker (a choice is 16
/// bytes: 2 MB at most, and with the schedules' entries and their table under 3 MB).
pub(crate) const MAX_CHOICES: usize = 1 << 17;

/// How many runs the worker looks back over to choose how to run the next ones.
const WINDOW: u32 = 64;

/// Runs are tried unchecked first while at least this many of the last [`WINDOW`] found their
/// schedule in the memo. Checked, a run costs about 1.5 times what it costs unchecked (the
/// benches' programs); a miss costs both, so trying unchecked first pays from about two hits in
/// three.
const HITS_TO_TRY_UNCHECKED: u32 = WINDOW * 3 / 4;

/// Below this many hits in a window, the schedules are mostly new (a program of many tasks):
/// remembering them costs more than it saves, and the worker stops for a while
/// ([`MAX_PAUSE`]).
const FEW_HITS: u32 = WINDOW / 8;

/// The longest pause, in windows: a pause doubles at every window of few hits in a row, from
/// one window, so that a program whose schedules are all new pays for remembering about one
/// run in this many.
const MAX_PAUSE: u32 = 64;

/// How the worker's next run is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Checked, its verdict remembered if it passes ([`Verdicts::pass`], then
    /// [`Verdicts::note`]).
    Remember,
    /// With checks off first, counted if it passes with a schedule passed before
    /// ([`Verdicts::passed`], then [`Verdicts::note`]); otherwise again, checked and remembered.
    UncheckedFirst,
    /// Checked, and nothing more: the memo pauses ([`Verdicts::paused`]).
    Check,
}

/// A remembered schedule: its steps, where its choices are in [`Verdicts::choices`], and the
/// next one of the same hash (`NONE`: none).
struct Passed {
    steps: u64,
    start: u32,
    len: u32,
    next: u32,
}

const NONE: u32 = u32::MAX;

/// The schedules a worker's checked runs passed with, and how its next runs are made.
#[derive(Default)]
pub(crate) struct Verdicts {
    /// Passed schedules by the hash of their picks (the run's `PickHash`), each compared
    /// whole: the index in `passed` of the last one remembered with the hash, which links to
    /// the others.
    by_hash: HashMap<u64, u32, BuildHasherDefault<Mix>>,
    passed: Vec<Passed>,
    /// Every remembered schedule's choices, one after the other (one allocation, not one per
    /// schedule).
    choices: Vec<Choice>,
    /// Runs are tried unchecked first.
    unchecked_first: bool,
    /// Runs in the current window, and how many of them found their schedule in the memo.
    window: u32,
    hits: u32,
    /// Runs left in the current pause, and the pause's length in windows (0: none).
    pause_left: u64,
    pause: u32,
}

impl Verdicts {
    /// How to make the next run.
    pub(crate) fn plan(&self) -> Plan {
        match (self.pause_left > 0, self.unchecked_first) {
            (true, _) => Plan::Check,
            (false, true) => Plan::UncheckedFirst,
            (false, false) => Plan::Remember,
        }
    }

    /// Whether a checked run passed with exactly `choices` in `steps` steps (its picks hashing
    /// to `picks`).
    pub(crate) fn passed(&self, picks: u64, steps: u64, choices: &[Choice]) -> bool {
        let mut next = self.by_hash.get(&picks).copied().unwrap_or(NONE);
        while let Some(p) = self.passed.get(next as usize) {
            let (start, len) = (p.start as usize, p.len as usize);
            if p.steps == steps && self.choices[start..start + len] == *choices {
                return true;
            }
            next = p.next;
        }
        false
    }

    /// A checked run passed with `choices` in `steps` steps (picks hashing to `picks`):
    /// remembered, room permitting. Says whether it was known already.
    pub(crate) fn pass(&mut self, picks: u64, steps: u64, choices: &[Choice]) -> bool {
        if self.passed(picks, steps, choices) {
            return true;
        }
        if self.passed.capacity() == 0 {
            // All the room at once, at the first schedule: blocks big enough to be mapped on
            // their own, away from the heap the runs allocate from (grown there, step by step,
            // they left malloc 8% slower for every run after: 10 tasks on a 3-permit semaphore).
            // Only what is written is resident.
            self.passed.reserve_exact(MAX_SCHEDULES);
            self.choices.reserve_exact(MAX_CHOICES);
            self.by_hash.reserve(MAX_SCHEDULES);
        }
        if self.passed.len() < MAX_SCHEDULES && self.choices.len() + choices.len() <= MAX_CHOICES {
            let next = self.by_hash.insert(picks, self.passed.len() as u32).unwrap_or(NONE);
            self.passed.push(Passed { steps, start: self.choices.len() as u32, len: choices.len() as u32, next });
            self.choices.extend_from_slice(choices);
        }
        false
    }

    /// A run of plan [`Plan::Remember`] or [`Plan::UncheckedFirst`] met a schedule already
    /// passed (`hit`) or not: after every [`WINDOW`] such runs the worker chooses how to run
    /// the next ones.
    pub(crate) fn note(&mut self, hit: bool) {
        self.window += 1;
        self.hits += u32::from(hit);
        if self.window < WINDOW {
            return;
        }
        self.unchecked_first = self.hits >= HITS_TO_TRY_UNCHECKED;
        self.pause = match self.hits < FEW_HITS {
            true => (self.pause * 2).clamp(1, MAX_PAUSE),
            false => 0,
        };
        self.pause_left = u64::from(self.pause) * u64::from(WINDOW);
        (self.window, self.hits) = (0, 0);
    }

    /// A run of plan [`Plan::Check`] ran.
    pub(crate) fn paused(&mut self) {
        self.pause_left = self.pause_left.saturating_sub(1);
    }

    /// How many schedules are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.passed.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picks(ps: &[u32]) -> Vec<Choice> {
        ps.iter().map(|&p| Choice::Pick(p)).collect()
    }

    #[test]
    fn schedules_are_compared_whole_with_their_steps_not_by_their_hash() {
        let mut v = Verdicts::default();
        assert!(!v.pass(7, 5, &picks(&[0, 1])));
        assert!(v.passed(7, 5, &picks(&[0, 1])));
        // The same hash (a collision, or draws the hash leaves out) with other choices: unknown.
        assert!(!v.passed(7, 5, &picks(&[1, 0])));
        assert!(!v.passed(7, 5, &[Choice::Pick(0), Choice::Pick(1), Choice::Draw(3)]));
        assert!(!v.passed(8, 5, &picks(&[0, 1])));
        // The same choices in another number of steps (a program that is not a function of its
        // schedule): unknown.
        assert!(!v.passed(7, 6, &picks(&[0, 1])));
        assert!(!v.pass(7, 5, &picks(&[1, 0])));
        assert!(v.pass(7, 5, &picks(&[1, 0])));
        assert!(v.passed(7, 5, &picks(&[0, 1])));
        assert_eq!(v.len(), 2);
    }

    #[test]
    fn the_memo_stops_growing_at_its_bounds() {
        let mut v = Verdicts::default();
        for i in 0..MAX_SCHEDULES as u64 + 10 {
            v.pass(i, 1, &picks(&[i as u32]));
        }
        assert_eq!(v.len(), MAX_SCHEDULES);
        assert!(!v.pass(u64::MAX, 1, &picks(&[9])), "not remembered when full");
        assert!(!v.passed(u64::MAX, 1, &picks(&[9])));
        // Choices count too: one long schedule fills what is left.
        let mut v = Verdicts::default();
        assert!(!v.pass(1, 1, &vec![Choice::Pick(0); MAX_CHOICES - 1]));
        assert!(!v.pass(2, 1, &picks(&[0, 0])));
        assert!(!v.passed(2, 1, &picks(&[0, 0])));
        assert!(!v.pass(3, 1, &picks(&[0])));
        assert!(v.passed(3, 1, &picks(&[0])));
    }

    #[test]
    fn runs_are_tried_unchecked_first_only_while_most_recent_ones_hit() {
        let mut v = Verdicts::default();
        assert_eq!(v.plan(), Plan::Remember, "a worker starts checked, remembering");
        // A window with one hit too few keeps runs checked.
        for i in 0..WINDOW {
            v.note(i < HITS_TO_TRY_UNCHECKED - 1);
        }
        assert_eq!(v.plan(), Plan::Remember);
        // One with just enough turns to unchecked first, and the choice holds for a window.
        for i in 0..WINDOW {
            v.note(i >= WINDOW - HITS_TO_TRY_UNCHECKED);
            let expected = if i == WINDOW - 1 { Plan::UncheckedFirst } else { Plan::Remember };
            assert_eq!(v.plan(), expected, "run {i}");
        }
        for _ in 0..WINDOW - 1 {
            v.note(true);
            assert_eq!(v.plan(), Plan::UncheckedFirst);
        }
        v.note(false);
        assert_eq!(v.plan(), Plan::UncheckedFirst, "still most hits");
        for _ in 0..WINDOW {
            v.note(v.window % 2 == 0);
        }
        assert_eq!(v.plan(), Plan::Remember, "half the runs missing turns back to checked");
    }

    #[test]
    fn a_worker_whose_schedules_are_all_new_pauses_remembering_longer_each_time() {
        let mut v = Verdicts::default();
        let mut remembered = 0;
        let mut pauses = Vec::new();
        for _ in 0..20_000 {
            match v.plan() {
                Plan::Remember => {
                    remembered += 1;
                    v.note(false);
                    if v.plan() == Plan::Check {
                        pauses.push(v.pause);
                    }
                }
                Plan::Check => v.paused(),
                Plan::UncheckedFirst => panic!("no hits, never unchecked first"),
            }
        }
        // A window remembered, then 1 paused; one, then 2; ... (2 + 3 + 5 + ... + 65 windows of
        // 64 runs each: the tenth pause begins at run 16,896).
        assert_eq!(pauses, [1, 2, 4, 8, 16, 32, 64, 64, 64, 64]);
        assert_eq!(remembered, 10 * WINDOW, "640 of the 20,000 runs remembered");
        // A window with some hits (not few) ends the pauses.
        for _ in 0..v.pause_left {
            v.paused();
        }
        for i in 0..WINDOW {
            v.note(i < FEW_HITS);
        }
        assert_eq!((v.plan(), v.pause), (Plan::Remember, 0));
    }
}
