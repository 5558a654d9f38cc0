//! No silent hang: a task whose poll does not return for a wall-clock while is reported.
//!
//! A poll that never returns (a loop without an `.await`, a blocking call) cannot be
//! interrupted: the thread is inside the task's code. So each thread that runs simulations
//! shows its run to a watchdog thread through a [`Watch`], updated with plain atomic stores (no
//! lock, no clock read): a counter bumped when task code starts and when it returns, the step,
//! the task and its name, and every choice made so far. The watchdog wakes every
//! [`TICK`], and when a watch's counter has stood odd (task code running) for the run's hang
//! timeout it prints the task, the step and the replay line of the run so far on stderr, and
//! ends the process (exit status 1). It only reads: a run does the same with or without it.
//!
//! The timeout is [`DEFAULT_HANG_TIMEOUT`], [`Runtime::hang_timeout`](crate::Runtime::hang_timeout)
//! or, over both, `WEFT_HANG_TIMEOUT` (seconds, `0` for none).
//!
//! **Exactness of the replay line.** The choices are published as they are made, including
//! those the hung step made before it stopped returning (a fault, its pick, the program's draws),
//! so the line printed is the run's own schedule up to the hang: replayed, it runs into the same
//! hang at the same step.
//!
//! **Memory safety.** The watchdog reads what a run published only while it holds the watch's
//! `guard` and the watch is `live`; a run ends (and may free the task names the watch points
//! to, or reuse its choice log) only after taking the same guard to clear `live`. The choice
//! log is append-only during a run: the watchdog reads the entries below the length it loaded
//! (with `Acquire`), which the run wrote before storing that length (with `Release`), and never
//! touches an entry the run is writing.

use crate::schedule::{Choice, Schedule};
use std::cell::Cell;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once, Weak};
use std::time::{Duration, Instant};
use weft_traces::TaskId;

/// How long a poll may run before it is reported, unless set otherwise.
pub const DEFAULT_HANG_TIMEOUT: Duration = Duration::from_secs(10);

/// The environment variable that sets the hang timeout, in seconds (`0`: no timeout); it wins
/// over [`Runtime::hang_timeout`](crate::Runtime::hang_timeout).
pub const HANG_TIMEOUT_VAR: &str = "WEFT_HANG_TIMEOUT";

/// How often the watchdog looks.
const TICK: Duration = Duration::from_millis(100);

/// The hang timeout of a run whose builder asked for `configured`: `WEFT_HANG_TIMEOUT` when it
/// is set, `None` for none. Panics, naming the variable, when it is set to something else than
/// a number of seconds (read once per process).
pub(crate) fn timeout(configured: Option<Duration>) -> Option<Duration> {
    static FROM_ENV: std::sync::OnceLock<Result<Option<Option<Duration>>, String>> = std::sync::OnceLock::new();
    let from_env = FROM_ENV.get_or_init(|| match std::env::var(HANG_TIMEOUT_VAR) {
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(v)) => Err(format!("{v:?}")),
        Ok(v) => parse_seconds(&v).map(Some).ok_or(v),
    });
    match from_env {
        Ok(Some(t)) => *t,
        Ok(None) => configured,
        Err(v) => panic!(
            "weft: {HANG_TIMEOUT_VAR}={v} is not a number of seconds: set it to how long a poll may run before weft reports it as hung (e.g. `10` or `0.5`; `0` for no limit), or unset it"
        ),
    }
}

/// `10`, `0.5`: a duration in seconds; `0` is none.
fn parse_seconds(text: &str) -> Option<Option<Duration>> {
    let secs: f64 = text.trim().parse().ok()?;
    let d = Duration::try_from_secs_f64(secs).ok()?;
    Some((!d.is_zero()).then_some(d))
}

/// What one thread's run shows the watchdog.
pub(crate) struct Watch {
    /// Bumped when task code starts and when it returns: odd while it runs.
    polls: AtomicU64,
    step: AtomicU64,
    task: AtomicU32,
    /// The running task's name (the run's `Rc<str>`, alive while the run is `live`).
    name: AtomicPtr<u8>,
    name_len: AtomicUsize,
    /// The run's name (the `Runtime`'s, alive while the run is `live`).
    run: AtomicPtr<u8>,
    run_len: AtomicUsize,
    seed: AtomicU64,
    /// The hang timeout in milliseconds; 0: none.
    timeout_ms: AtomicU64,
    live: AtomicBool,
    /// Held by the watchdog while it reads, and by a run while it ends.
    guard: Mutex<()>,
    choices: ChoiceLog,
}

thread_local! {
    /// This thread's watch while no run uses it; `MADE` once it exists.
    static SPARE: Cell<Option<Arc<Watch>>> = const { Cell::new(None) };
    static MADE: Cell<bool> = const { Cell::new(false) };
}

/// All watches, for the watchdog.
static WATCHES: Mutex<Vec<Weak<Watch>>> = Mutex::new(Vec::new());

impl Watch {
    /// This thread's watch for a run that starts now, reset, or `None` if a run is already
    /// using it (a run inside a run's task: only the outer one is watched) or `timeout` is none.
    pub(crate) fn start(run: &str, seed: u64, timeout: Option<Duration>) -> Option<Arc<Watch>> {
        let timeout = timeout?;
        let watch = SPARE.take().or_else(|| (!MADE.replace(true)).then(Watch::register))?;
        watch.choices.clear();
        watch.name.store(std::ptr::null_mut(), Ordering::Relaxed);
        watch.name_len.store(0, Ordering::Relaxed);
        watch.run.store(run.as_ptr().cast_mut(), Ordering::Relaxed);
        watch.run_len.store(run.len(), Ordering::Relaxed);
        watch.seed.store(seed, Ordering::Relaxed);
        watch.timeout_ms.store(timeout.as_millis().clamp(1, u128::from(u64::MAX)) as u64, Ordering::Relaxed);
        watch.live.store(true, Ordering::Release);
        Some(watch)
    }

    /// The run is over: nothing it published may be read any more. Gives the watch back to
    /// the thread for its next run.
    pub(crate) fn end(watch: Arc<Watch>) {
        {
            let _reading = watch.guard.lock().unwrap_or_else(|e| e.into_inner());
            watch.live.store(false, Ordering::Release);
        }
        SPARE.set(Some(watch));
    }

    fn register() -> Arc<Watch> {
        let watch = Arc::new(Watch {
            polls: AtomicU64::new(0),
            step: AtomicU64::new(0),
            task: AtomicU32::new(0),
            name: AtomicPtr::new(std::ptr::null_mut()),
            name_len: AtomicUsize::new(0),
            run: AtomicPtr::new(std::ptr::null_mut()),
            run_len: AtomicUsize::new(0),
            seed: AtomicU64::new(0),
            timeout_ms: AtomicU64::new(0),
            live: AtomicBool::new(false),
            guard: Mutex::new(()),
            choices: ChoiceLog::new(),
        });
        WATCHES.lock().unwrap_or_else(|e| e.into_inner()).push(Arc::downgrade(&watch));
        static WATCHDOG: Once = Once::new();
        WATCHDOG.call_once(|| {
            let _ = std::thread::Builder::new().name("weft-watchdog".into()).spawn(watchdog);
        });
        watch
    }

    /// Step `step` of `task`, named `name` (alive until the run ends), begins.
    pub(crate) fn step(&self, step: u64, task: TaskId, name: &str) {
        self.step.store(step, Ordering::Relaxed);
        self.task.store(task.0, Ordering::Relaxed);
        self.name.store(name.as_ptr().cast_mut(), Ordering::Relaxed);
        self.name_len.store(name.len(), Ordering::Relaxed);
    }

    /// Task code starts or returns (the outermost only: `panic::catch_task` calls it around
    /// task code that is not inside other task code). One writer: a load and a store.
    pub(crate) fn in_task(&self) {
        let polls = self.polls.load(Ordering::Relaxed);
        self.polls.store(polls + 1, Ordering::Release);
    }

    /// A choice the run made.
    #[inline]
    pub(crate) fn choice(&self, choice: Choice) {
        self.choices.push(choice);
    }

    /// What to print about the hang, read under the guard; `None` if the poll returned or the
    /// run ended meanwhile.
    fn report(&self, polls: u64, stuck_for: Duration) -> Option<String> {
        let _reading = self.guard.lock().unwrap_or_else(|e| e.into_inner());
        if !self.live.load(Ordering::Acquire) || self.polls.load(Ordering::Acquire) != polls {
            return None;
        }
        // SAFETY: the run is live and cannot end while we hold the guard, so the strings it
        // published are alive; they are immutable.
        let text = |ptr: &AtomicPtr<u8>, len: &AtomicUsize| {
            let (ptr, len) = (ptr.load(Ordering::Relaxed), len.load(Ordering::Relaxed));
            if ptr.is_null() {
                return String::new();
            }
            String::from_utf8_lossy(unsafe { std::slice::from_raw_parts(ptr, len) }).into_owned()
        };
        let (name, run) = (text(&self.name, &self.name_len), text(&self.run, &self.run_len));
        let task = TaskId(self.task.load(Ordering::Relaxed));
        let step = self.step.load(Ordering::Relaxed);
        let schedule = Schedule::from(self.choices.read()).to_string();
        let seed = self.seed.load(Ordering::Relaxed);
        let who = match name.as_str() {
            "" => format!("task {task}"),
            _ => format!("task '{name}' ({task})"),
        };
        Some(format!(
            "weft: {who} has not returned from its poll at step {step} of run '{run}' (seed {seed}) for more than {:.1}s of wall-clock time: it runs without reaching an `.await` (a loop that never suspends, or a blocking call).\n\
             weft: a poll that never returns cannot be interrupted, so weft ends the process.\n\
             weft: the run so far replays with schedule {schedule}\n\
             weft:   (in a test: WEFT_REPLAY={schedule} cargo test {run}; with the CLI: weft replay {schedule} --scenario {run})\n\
             weft: the limit is {HANG_TIMEOUT_VAR} seconds (default {}; `0`: none), or Runtime::hang_timeout.",
            stuck_for.as_secs_f64(),
            DEFAULT_HANG_TIMEOUT.as_secs()
        ))
    }
}

/// The watchdog thread: every tick, looks at every watch; reports a hang and exits.
fn watchdog() {
    // Per watch: the poll counter last seen odd, and since when.
    let mut seen: Vec<(Weak<Watch>, u64, Instant)> = Vec::new();
    loop {
        std::thread::sleep(TICK);
        let watches: Vec<Weak<Watch>> = {
            let mut all = WATCHES.lock().unwrap_or_else(|e| e.into_inner());
            all.retain(|w| w.strong_count() > 0);
            all.clone()
        };
        seen.retain(|(w, _, _)| w.strong_count() > 0);
        let now = Instant::now();
        for weak in watches {
            let Some(watch) = weak.upgrade() else { continue };
            let polls = watch.polls.load(Ordering::Acquire);
            let at = seen.iter().position(|(w, _, _)| w.ptr_eq(&weak));
            if polls % 2 == 0 || !watch.live.load(Ordering::Acquire) {
                if let Some(i) = at {
                    seen.swap_remove(i);
                }
                continue;
            }
            let since = match at {
                Some(i) if seen[i].1 == polls => seen[i].2,
                Some(i) => {
                    seen[i] = (weak.clone(), polls, now);
                    now
                }
                None => {
                    seen.push((weak.clone(), polls, now));
                    now
                }
            };
            let limit = Duration::from_millis(watch.timeout_ms.load(Ordering::Relaxed));
            if now.duration_since(since) < limit {
                continue;
            }
            if let Some(report) = watch.report(polls, now.duration_since(since)) {
                eprintln!("{report}");
                std::process::exit(1);
            }
        }
    }
}

/// The choices of a run, appended by the run's thread and readable by the watchdog at any
/// time: chunks that never move (chunk `k` holds `FIRST << k` entries), and a length published
/// after each entry is written.
struct ChoiceLog {
    chunks: [AtomicPtr<MaybeUninit<Choice>>; CHUNKS],
    len: AtomicUsize,
    /// The writer's place, read and written by the run's thread only (the watchdog reads the
    /// chunks and `len`): where entry `len` goes, and the end of its chunk. Equal when that
    /// chunk is full or not allocated yet, and only then does a push look for the next chunk:
    /// most pushes are a write and two stores.
    next: AtomicPtr<MaybeUninit<Choice>>,
    end: AtomicPtr<MaybeUninit<Choice>>,
}

const FIRST: usize = 64;
const CHUNKS: usize = 40;

impl ChoiceLog {
    fn new() -> ChoiceLog {
        let null = || AtomicPtr::new(std::ptr::null_mut());
        ChoiceLog { chunks: std::array::from_fn(|_| null()), len: AtomicUsize::new(0), next: null(), end: null() }
    }

    /// Chunk and offset of entry `i`: chunk `k` starts at `FIRST * (2^k - 1)`.
    fn place(i: usize) -> (usize, usize) {
        let k = (usize::BITS - 1 - (i / FIRST + 1).leading_zeros()) as usize;
        (k, i - FIRST * ((1 << k) - 1))
    }

    /// Empties the log (its chunks are kept). Only the run's thread, between runs: its next
    /// entry goes at the start of the first chunk.
    fn clear(&self) {
        self.len.store(0, Ordering::Release);
        let first = self.chunks[0].load(Ordering::Relaxed);
        // SAFETY: chunk 0, when allocated, holds `FIRST` entries: its end is one past them.
        let end = if first.is_null() { first } else { unsafe { first.add(FIRST) } };
        self.next.store(first, Ordering::Relaxed);
        self.end.store(end, Ordering::Relaxed);
    }

    /// Appends `choice` (the run's thread only), and publishes it.
    #[inline]
    fn push(&self, choice: Choice) {
        let next = self.next.load(Ordering::Relaxed);
        if next == self.end.load(Ordering::Relaxed) {
            return self.push_in_next_chunk(choice);
        }
        // SAFETY: `next` is entry `len`, inside its chunk (before `end`); it is at or past the
        // published length, so no reader looks at it until the store of the length below.
        unsafe { next.write(MaybeUninit::new(choice)) };
        // SAFETY: at most one past the chunk's last entry (`end`).
        self.next.store(unsafe { next.add(1) }, Ordering::Relaxed);
        self.len.store(self.len.load(Ordering::Relaxed) + 1, Ordering::Release);
    }

    /// [`ChoiceLog::push`] when the writer's chunk is full (or there is none yet): entry `len`
    /// goes in the chunk [`ChoiceLog::place`] says, allocated on its first use, which becomes the
    /// writer's.
    #[cold]
    #[inline(never)]
    fn push_in_next_chunk(&self, choice: Choice) {
        let i = self.len.load(Ordering::Relaxed);
        let (k, offset) = Self::place(i);
        let Some(slot) = self.chunks.get(k) else { return }; // beyond 2^45 choices: not kept
        let mut chunk = slot.load(Ordering::Relaxed);
        if chunk.is_null() {
            let fresh: Box<[MaybeUninit<Choice>]> = (0..FIRST << k).map(|_| MaybeUninit::uninit()).collect();
            chunk = Box::into_raw(fresh).cast::<MaybeUninit<Choice>>();
            slot.store(chunk, Ordering::Release);
        }
        // SAFETY: `offset < FIRST << k`, the chunk's length; entry `i` is at or past the
        // published length, so no reader looks at it until the store below. The writer's place
        // moves to the entry after it, and its end to the chunk's.
        unsafe {
            let at = chunk.add(offset);
            at.write(MaybeUninit::new(choice));
            self.next.store(at.add(1), Ordering::Relaxed);
            self.end.store(chunk.add(FIRST << k), Ordering::Relaxed);
        }
        self.len.store(i + 1, Ordering::Release);
    }

    /// The entries published so far.
    fn read(&self) -> Vec<Choice> {
        let len = self.len.load(Ordering::Acquire);
        (0..len)
            .map(|i| {
                let (k, offset) = Self::place(i);
                let chunk = self.chunks[k].load(Ordering::Acquire);
                // SAFETY: entries below the published length were written (and their chunk
                // allocated) before it was stored; chunks are freed only with the log.
                unsafe { chunk.add(offset).read().assume_init() }
            })
            .collect()
    }
}

impl Drop for ChoiceLog {
    fn drop(&mut self) {
        for (k, slot) in self.chunks.iter().enumerate() {
            let chunk = slot.load(Ordering::Acquire);
            if !chunk.is_null() {
                // SAFETY: allocated in `push` as a boxed slice of `FIRST << k` entries.
                drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(chunk, FIRST << k)) });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_every_choice_across_chunks_and_clears() {
        let log = ChoiceLog::new();
        let choices: Vec<Choice> = (0..1000u32).map(|i| Choice::Pick(i % 7)).collect();
        for c in &choices {
            log.push(*c);
        }
        assert_eq!(log.read(), choices);
        log.clear();
        log.push(Choice::Draw(5));
        assert_eq!(log.read(), [Choice::Draw(5)]);
        // Cleared again, the log fills its chunks from the first, already allocated, and past
        // them into new ones.
        log.clear();
        assert_eq!(log.read(), []);
        let again: Vec<Choice> = (0..3000u64).map(|i| Choice::Draw(i * 3)).collect();
        for (n, c) in again.iter().enumerate() {
            log.push(*c);
            if [0, 63, 64, 191, 192, 999, 1000, 2999].contains(&n) {
                assert_eq!(log.read(), again[..=n], "after entry {n}");
            }
        }
    }

    #[test]
    fn a_new_log_cleared_before_any_entry_fills_from_its_first_chunk() {
        let log = ChoiceLog::new();
        log.clear();
        log.push(Choice::Pick(1));
        log.push(Choice::Pick(2));
        assert_eq!(log.read(), [Choice::Pick(1), Choice::Pick(2)]);
    }

    #[test]
    fn entries_map_to_chunks_that_double() {
        assert_eq!(ChoiceLog::place(0), (0, 0));
        assert_eq!(ChoiceLog::place(63), (0, 63));
        assert_eq!(ChoiceLog::place(64), (1, 0));
        assert_eq!(ChoiceLog::place(191), (1, 127));
        assert_eq!(ChoiceLog::place(192), (2, 0));
    }

    #[test]
    fn timeouts_are_seconds() {
        assert_eq!(parse_seconds("10"), Some(Some(Duration::from_secs(10))));
        assert_eq!(parse_seconds(" 0.5 "), Some(Some(Duration::from_millis(500))));
        assert_eq!(parse_seconds("0"), Some(None));
        assert_eq!(parse_seconds("ten"), None);
        assert_eq!(parse_seconds("-1"), None);
    }
}
