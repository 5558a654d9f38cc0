//! How sampling workers take the schedule indices they run: in chunks, from one shared counter.
//!
//! Every index a worker takes, it runs (unless a failure below it makes it moot), so the indices
//! that ran are always a contiguous prefix of the order: a worker reads the deadline before it
//! takes a chunk, never inside one (`budget.rs`). A chunk is sized to about a millisecond of
//! the worker's runs (between 1 and [`MAX_CHUNK`] indices, and no more than a share of what is
//! left), so that two workers do not write the counter's cache line at every schedule, a time
//! budget is overrun by about a millisecond at most, and the last indices are spread over the
//! workers. Which worker runs an index never changes what the index's run does: chunk sizes,
//! read from the wall clock, are not observable in any result.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The most indices a worker takes at once.
pub(super) const MAX_CHUNK: u64 = 64;

/// About how long a chunk's runs should take.
const CHUNK_TIME: Duration = Duration::from_millis(1);

/// A worker's `running` slot, alone on its cache line: each worker writes its own at every
/// chunk, and two slots sharing a line would bounce it between the cores.
#[repr(align(128))]
pub(super) struct Slot(pub(super) AtomicU64);

/// The indices one worker has taken and not yet run, and how many it takes next.
pub(super) struct Chunk {
    next: u64,
    end: u64,
    size: u64,
    taken_at: Option<Instant>,
}

impl Chunk {
    pub(super) fn new() -> Chunk {
        Chunk { next: 0, end: 0, size: 1, taken_at: None }
    }

    /// The next index of the chunk, if any is left in it.
    pub(super) fn pop(&mut self) -> Option<u64> {
        (self.next < self.end).then(|| {
            self.next += 1;
            self.next - 1
        })
    }

    /// Takes the next chunk of `0..local` from `counter` for a worker among `jobs`, first
    /// lowering `running` (its slot) to a bound below every index it will run. False once every
    /// index is taken.
    pub(super) fn take(&mut self, counter: &AtomicU64, running: &Slot, local: u64, jobs: u64) -> bool {
        let now = Instant::now();
        if let Some(at) = self.taken_at {
            let took = now.saturating_duration_since(at);
            self.size = match took {
                t if t < CHUNK_TIME / 2 => (self.size * 2).min(MAX_CHUNK),
                t if t > CHUNK_TIME * 2 => (self.size / 2).max(1),
                _ => self.size,
            };
        }
        self.taken_at = Some(now);
        let seen = counter.load(Ordering::SeqCst);
        running.0.store(seen, Ordering::SeqCst);
        // No more than a share of what is left, so the last indices are spread.
        let share = (local.saturating_sub(seen) / (2 * jobs.max(1))).max(1);
        let size = self.size.min(share);
        let start = counter.fetch_add(size, Ordering::SeqCst);
        if start >= local {
            return false;
        }
        (self.next, self.end) = (start, start.saturating_add(size).min(local));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every index of `0..local` is taken exactly once, in chunks no bigger than the cap, by
    /// workers taking turns.
    #[test]
    fn chunks_cover_every_index_once() {
        for (local, jobs) in [(0, 1), (1, 1), (7, 2), (1000, 2), (100_000, 3)] {
            let counter = AtomicU64::new(0);
            let slots: Vec<Slot> = (0..jobs).map(|_| Slot(AtomicU64::new(0))).collect();
            let mut chunks: Vec<Chunk> = (0..jobs).map(|_| Chunk::new()).collect();
            let mut seen = vec![0u32; local as usize];
            let mut live: Vec<usize> = (0..jobs as usize).collect();
            while !live.is_empty() {
                live.retain(|&w| {
                    let chunk = &mut chunks[w];
                    if !chunk.take(&counter, &slots[w], local, jobs) {
                        return false;
                    }
                    assert!(chunk.end - chunk.next <= MAX_CHUNK);
                    assert!(slots[w].0.load(Ordering::SeqCst) <= chunk.next, "the slot bounds what it runs");
                    while let Some(i) = chunk.pop() {
                        seen[i as usize] += 1;
                    }
                    true
                });
            }
            assert!(seen.iter().all(|&n| n == 1), "local {local}, jobs {jobs}");
        }
    }
}
