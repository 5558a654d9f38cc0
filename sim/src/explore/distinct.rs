//! How many distinct interleavings an exploration ran, counted in memory that does not grow with
//! the number of schedules.
//!
//! Up to [`KEEP_AT_MOST`] distinct interleavings the count is exact: every interleaving's hash
//! is kept. Past that, a program whose schedules rarely repeat would keep a hash per schedule
//! (tens of bytes each: 300 MB over 10⁷ schedules), so the set keeps a *sample* instead, the
//! hashes whose mixed value falls below a threshold that halves each time the sample outgrows
//! its bound (adaptive sampling, Gibbons 2001): at level `k` it holds the distinct hashes of
//! one interleaving in `2^k`, and the count is its size times `2^k`, an estimate (within about
//! 1 % in 19 cases out of 20, for a sample of 32,768 to 65,536), said as one wherever it is
//! printed.
//!
//! The sample is a function of the set of hashes alone: not of the order they came in, nor of
//! how the workers shared the schedules, nor of how their sets were merged (a merge takes the
//! higher level and raises it as one set would), so the same exploration gives the same count
//! on any machine with any number of workers, and `weft merge` of its shards gives the count
//! the unsharded exploration gives.

use super::progress::Mix;
use std::collections::HashSet;
use std::hash::BuildHasherDefault;

/// The most hashes a set keeps (under 1.3 MB of table).
pub(crate) const KEEP_AT_MOST: usize = 1 << 16;

/// The distinct interleavings among counted schedules: their hashes, or past
/// [`KEEP_AT_MOST`] of them a sample (see the module docs).
#[derive(Clone, Debug, Default)]
pub(crate) struct Distinct {
    kept: HashSet<u64, BuildHasherDefault<Mix>>,
    /// The sample keeps the hashes of mixed value below `2^(64 - level)`: all of them at 0.
    level: u32,
}

/// A count of distinct interleavings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Count {
    pub(crate) distinct: u64,
    /// Estimated from a sample of one interleaving in `2^level` (0: counted exactly).
    pub(crate) level: u32,
}

impl Count {
    /// One interleaving, counted.
    pub(crate) const ONE: Count = Count { distinct: 1, level: 0 };
}

impl Distinct {
    /// Counts the interleaving of hash `hash`.
    #[inline]
    pub(crate) fn insert(&mut self, hash: u64) {
        if self.admits(hash) && self.kept.insert(hash) && self.kept.len() > KEEP_AT_MOST {
            self.raise();
        }
    }

    /// Counts every interleaving `other` counted.
    pub(crate) fn extend(&mut self, other: Distinct) {
        if other.level > self.level {
            self.level = other.level;
            self.kept.retain(|h| admits(self.level, *h));
        }
        for hash in other.kept {
            self.insert(hash);
        }
        self.raise();
    }

    /// The count among `schedules` schedules: exact, or the sample's size scaled by its rate,
    /// within what is certain (more than [`KEEP_AT_MOST`], as it outgrew that; at most one
    /// interleaving a schedule).
    pub(crate) fn count(&self, schedules: u64) -> Count {
        let kept = self.kept.len() as u64;
        if self.level == 0 {
            return Count { distinct: kept, level: 0 };
        }
        let scaled = u128::from(kept) << self.level.min(64);
        let scaled = u64::try_from(scaled).unwrap_or(u64::MAX);
        let distinct = scaled.max(KEEP_AT_MOST as u64 + 1).min(schedules);
        Count { distinct, level: self.level }
    }

    fn admits(&self, hash: u64) -> bool {
        admits(self.level, hash)
    }

    /// Halves the sampling rate until the sample is within its bound.
    fn raise(&mut self) {
        while self.kept.len() > KEEP_AT_MOST && self.level < 64 {
            self.level += 1;
            let level = self.level;
            self.kept.retain(|h| admits(level, *h));
        }
    }
}

/// Whether the sample at `level` keeps `hash`: its mixed value's top `level` bits are zero (the
/// hashes are FNV-1a over picks, whose high bits a finalizer spreads first).
fn admits(level: u32, hash: u64) -> bool {
    level == 0 || (level < 64 && mix(hash) >> (64 - level) == 0) || (level >= 64 && mix(hash) == 0)
}

/// SplitMix64's finalizer.
fn mix(hash: u64) -> u64 {
    let z = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distinct pseudo-random hashes (SplitMix64's stream from a seed), as a program whose
    /// schedules never repeat gives.
    fn hashes(seed: u64, n: u64) -> impl Iterator<Item = u64> {
        (0..n).map(move |i| mix(seed.wrapping_add(i.wrapping_mul(0x9e37_79b9_7f4a_7c15))))
    }

    #[test]
    fn up_to_the_bound_the_count_is_exact() {
        let mut d = Distinct::default();
        for h in hashes(1, KEEP_AT_MOST as u64).chain(hashes(1, 1000)) {
            d.insert(h);
        }
        // Repeats count once, and no more than the schedules.
        assert_eq!(d.count(u64::MAX), Count { distinct: KEEP_AT_MOST as u64, level: 0 });
        d.insert(0x1234);
        assert!(d.count(u64::MAX).level > 0, "one more interleaving makes it a sample");
    }

    #[test]
    fn past_the_bound_the_sample_stays_bounded_and_the_estimate_close() {
        for (seed, n) in [(7, 100_000u64), (8, 1_000_000), (9, 3_000_000)] {
            let mut d = Distinct::default();
            for h in hashes(seed, n) {
                d.insert(h);
                assert!(d.kept.len() <= KEEP_AT_MOST);
            }
            // Every hash again: the same count, as repeats add nothing.
            let once = d.count(u64::MAX);
            hashes(seed, n).for_each(|h| d.insert(h));
            assert_eq!(d.count(u64::MAX), once);
            let error = (once.distinct as f64 - n as f64).abs() / n as f64;
            assert!(once.level > 0 && error < 0.02, "{n} distinct counted as {once:?} ({error})");
            assert!(d.kept.len() > KEEP_AT_MOST / 4, "{}", d.kept.len());
            // Never more than the schedules.
            assert_eq!(d.count(n / 2).distinct, n / 2);
        }
    }

    /// However the hashes are shared out and merged, and in whatever order they come, the
    /// sample is the same set: the count of the workers' merged sets is one set's count.
    #[test]
    fn the_sample_depends_on_the_set_of_hashes_alone() {
        let all: Vec<u64> = hashes(3, 400_000).chain(hashes(3, 50_000)).collect();
        let mut one = Distinct::default();
        all.iter().for_each(|h| one.insert(*h));
        for workers in [2usize, 3, 7] {
            // Dealt unevenly (worker w takes runs of w + 1), merged in two orders.
            let mut sets = vec![Distinct::default(); workers];
            for (i, h) in all.iter().enumerate() {
                sets[(i / 1000) % workers.min(i / 50_000 + 1)].insert(*h);
            }
            for reversed in [false, true] {
                let mut sets = sets.clone();
                if reversed {
                    sets.reverse();
                }
                let mut merged = Distinct::default();
                for s in sets {
                    merged.extend(s);
                }
                assert_eq!(merged.count(u64::MAX), one.count(u64::MAX), "{workers} workers, reversed {reversed}");
                let mut a: Vec<u64> = merged.kept.iter().copied().collect();
                let mut b: Vec<u64> = one.kept.iter().copied().collect();
                a.sort_unstable();
                b.sort_unstable();
                assert_eq!(a, b);
            }
        }
        // Backwards, one by one.
        let mut back = Distinct::default();
        all.iter().rev().for_each(|h| back.insert(*h));
        assert_eq!(back.count(u64::MAX), one.count(u64::MAX));
    }
}
