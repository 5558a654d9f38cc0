//! [`ChaCha8`]: the ChaCha8 stream of `rand_chacha`'s `ChaCha8Rng`, word for word, made one
//! 64-byte block at a time, when a value is asked for.
//!
//! `ChaCha8Rng` computes four blocks (256 bytes) at its first draw and at every fourth block
//! after. A schedule draws a few words (one pick is two): a short one uses one or two blocks of
//! the four (counter-3 under Random: 1.5 on average), and the reseed between schedules copies
//! the whole buffer. This generator holds the key, the
//! block counter, the stream and one block, computes a block only when the last is used up,
//! and gives the same values (the words of the blocks in counter order, a `u64` two of them,
//! low first, as `rand_core`'s `BlockRng` reads them): every seed's schedules are unchanged.
//! A test checks it against `ChaCha8Rng` itself.

use rand::{RngCore, SeedableRng};

/// "expand 32-byte k", ChaCha's constant row.
const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// Words in a block.
const WORDS: usize = 16;

/// The ChaCha8 key stream of a 256-bit key and a 64-bit stream number (see the module docs).
#[derive(Clone)]
pub(crate) struct ChaCha8 {
    key: [u32; 8],
    /// The block counter of the next block to compute.
    counter: u64,
    stream: u64,
    block: [u32; WORDS],
    /// The next unread word of `block`; `WORDS` when it is used up (or none was made yet).
    index: usize,
}

impl std::fmt::Debug for ChaCha8 {
    /// The stream number only: not the key (the seed's) nor the block.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChaCha8").field("stream", &self.stream).finish_non_exhaustive()
    }
}

impl ChaCha8 {
    /// Stream `stream` of the key that `seed` expands to (`ChaCha8Rng::seed_from_u64(seed)`,
    /// then `set_stream(stream)`), from its start.
    pub(crate) fn stream_of(seed: u64, stream: u64) -> ChaCha8 {
        let mut rng = ChaCha8::seed_from_u64(seed);
        rng.stream = stream;
        rng
    }

    /// The next word of the stream.
    #[inline]
    fn word(&mut self) -> u32 {
        if self.index >= WORDS {
            self.refill();
        }
        let w = self.block[self.index];
        self.index += 1;
        w
    }

    /// A value in `low..=high`: `rand` 0.8's `gen_range(low..=high)` for `u64` and `usize`,
    /// the same values from the same words (a 64-bit draw times the range's size, its high half
    /// kept unless its low half falls past the zone; the whole range takes the draw as it is),
    /// inline where it is drawn: a pick costs a multiply, not a call through `rand`'s generic
    /// sampler.
    #[inline(always)]
    pub(crate) fn between(&mut self, low: u64, high: u64) -> u64 {
        debug_assert!(low <= high, "an empty range");
        let range = high.wrapping_sub(low).wrapping_add(1);
        if range == 0 {
            return self.next_u64();
        }
        let zone = (range << range.leading_zeros()).wrapping_sub(1);
        loop {
            let wide = u128::from(self.next_u64()) * u128::from(range);
            if wide as u64 <= zone {
                return low.wrapping_add((wide >> 64) as u64);
            }
        }
    }

    /// A value in `0..n` (`n >= 1`): `rand`'s `gen_range(0..n)`, [`ChaCha8::between`] of
    /// `0` and `n - 1` written out (a range that cannot be the whole).
    #[inline(always)]
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n >= 1, "an empty range");
        let zone = (n << n.leading_zeros()).wrapping_sub(1);
        loop {
            let wide = u128::from(self.next_u64()) * u128::from(n);
            if wide as u64 <= zone {
                return (wide >> 64) as u64;
            }
        }
    }

    /// Computes the block at `counter` and moves the counter on.
    #[inline(never)]
    fn refill(&mut self) {
        self.block = block(&self.key, self.counter, self.stream);
        self.counter = self.counter.wrapping_add(1);
        self.index = 0;
    }
}

/// One ChaCha8 block: the state (constants, key, 64-bit counter, 64-bit stream) after four
/// double rounds, plus the state.
#[inline(always)]
fn block(key: &[u32; 8], counter: u64, stream: u64) -> [u32; WORDS] {
    let input: [Row; 4] = [
        SIGMA,
        [key[0], key[1], key[2], key[3]],
        [key[4], key[5], key[6], key[7]],
        [counter as u32, (counter >> 32) as u32, stream as u32, (stream >> 32) as u32],
    ];
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of x86_64 itself: every x86_64 processor has it.
    let rows = unsafe { sse2::rounds(input) };
    #[cfg(not(target_arch = "x86_64"))]
    let rows = portable::rounds(input);
    let mut out = [0; WORDS];
    for (i, row) in rows.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(row);
    }
    out
}

/// A row of the state: four words.
type Row = [u32; 4];

/// The rounds on four rows of four lanes: a column round, then the diagonal round as a column
/// round on rows turned left by one, two and three lanes (and turned back); the input added at
/// the end.
#[cfg(any(test, not(target_arch = "x86_64")))]
mod portable {
    use super::Row;

    fn add(a: Row, b: Row) -> Row {
        [a[0].wrapping_add(b[0]), a[1].wrapping_add(b[1]), a[2].wrapping_add(b[2]), a[3].wrapping_add(b[3])]
    }

    fn xor_rotl(a: Row, b: Row, n: u32) -> Row {
        [
            (a[0] ^ b[0]).rotate_left(n),
            (a[1] ^ b[1]).rotate_left(n),
            (a[2] ^ b[2]).rotate_left(n),
            (a[3] ^ b[3]).rotate_left(n),
        ]
    }

    /// The row turned left by `n` lanes.
    fn turn(r: Row, n: usize) -> Row {
        [r[n % 4], r[(n + 1) % 4], r[(n + 2) % 4], r[(n + 3) % 4]]
    }

    fn quarter(a: &mut Row, b: &mut Row, c: &mut Row, d: &mut Row) {
        *a = add(*a, *b);
        *d = xor_rotl(*d, *a, 16);
        *c = add(*c, *d);
        *b = xor_rotl(*b, *c, 12);
        *a = add(*a, *b);
        *d = xor_rotl(*d, *a, 8);
        *c = add(*c, *d);
        *b = xor_rotl(*b, *c, 7);
    }

    pub(super) fn rounds(input: [Row; 4]) -> [Row; 4] {
        let [mut a, mut b, mut c, mut d] = input;
        for _ in 0..4 {
            quarter(&mut a, &mut b, &mut c, &mut d);
            (b, c, d) = (turn(b, 1), turn(c, 2), turn(d, 3));
            quarter(&mut a, &mut b, &mut c, &mut d);
            (b, c, d) = (turn(b, 3), turn(c, 2), turn(d, 1));
        }
        [add(a, input[0]), add(b, input[1]), add(c, input[2]), add(d, input[3])]
    }
}

/// [`portable::rounds`] with each row in one SSE2 register (the compiler leaves the portable
/// code scalar: SSE2 has no vector rotate).
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use super::Row;
    use std::arch::x86_64::*;

    /// `x` rotated left by `L` bits in each lane (`R` = 32 - `L`).
    #[inline(always)]
    unsafe fn rotl<const L: i32, const R: i32>(x: __m128i) -> __m128i {
        _mm_or_si128(_mm_slli_epi32::<L>(x), _mm_srli_epi32::<R>(x))
    }

    /// Rotated by 16: the two halves of each lane swapped.
    #[inline(always)]
    unsafe fn rotl16(x: __m128i) -> __m128i {
        _mm_shufflehi_epi16::<0b10_11_00_01>(_mm_shufflelo_epi16::<0b10_11_00_01>(x))
    }

    #[inline(always)]
    unsafe fn quarter(a: &mut __m128i, b: &mut __m128i, c: &mut __m128i, d: &mut __m128i) {
        *a = _mm_add_epi32(*a, *b);
        *d = rotl16(_mm_xor_si128(*d, *a));
        *c = _mm_add_epi32(*c, *d);
        *b = rotl::<12, 20>(_mm_xor_si128(*b, *c));
        *a = _mm_add_epi32(*a, *b);
        *d = rotl::<8, 24>(_mm_xor_si128(*d, *a));
        *c = _mm_add_epi32(*c, *d);
        *b = rotl::<7, 25>(_mm_xor_si128(*b, *c));
    }

    /// SAFETY: the caller runs on a processor with SSE2 (every x86_64 one).
    #[inline(always)]
    pub(super) unsafe fn rounds(input: [Row; 4]) -> [Row; 4] {
        // `Row` and `__m128i` are both 16 bytes of plain data: any bits are a valid value.
        let load = |r: Row| std::mem::transmute::<Row, __m128i>(r);
        let [a0, b0, c0, d0] = input.map(load);
        let (mut a, mut b, mut c, mut d) = (a0, b0, c0, d0);
        for _ in 0..4 {
            quarter(&mut a, &mut b, &mut c, &mut d);
            // Lanes turned left by one, two and three: the diagonals become columns.
            b = _mm_shuffle_epi32::<0b00_11_10_01>(b);
            c = _mm_shuffle_epi32::<0b01_00_11_10>(c);
            d = _mm_shuffle_epi32::<0b10_01_00_11>(d);
            quarter(&mut a, &mut b, &mut c, &mut d);
            b = _mm_shuffle_epi32::<0b10_01_00_11>(b);
            c = _mm_shuffle_epi32::<0b01_00_11_10>(c);
            d = _mm_shuffle_epi32::<0b00_11_10_01>(d);
        }
        let rows = [_mm_add_epi32(a, a0), _mm_add_epi32(b, b0), _mm_add_epi32(c, c0), _mm_add_epi32(d, d0)];
        rows.map(|r| std::mem::transmute::<__m128i, Row>(r))
    }
}

impl SeedableRng for ChaCha8 {
    type Seed = [u8; 32];

    /// The key's words, little-endian, stream 0 (`seed_from_u64`, `rand_core`'s default,
    /// expands a `u64` into a seed as for `ChaCha8Rng`).
    fn from_seed(seed: [u8; 32]) -> ChaCha8 {
        let mut key = [0; 8];
        for (k, bytes) in key.iter_mut().zip(seed.chunks_exact(4)) {
            *k = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        ChaCha8 { key, counter: 0, stream: 0, block: [0; WORDS], index: WORDS }
    }
}

impl RngCore for ChaCha8 {
    #[inline]
    fn next_u32(&mut self) -> u32 {
        self.word()
    }

    /// Two words, the first the low half (`BlockRng::next_u64`).
    #[inline]
    fn next_u64(&mut self) -> u64 {
        let low = u64::from(self.word());
        let high = u64::from(self.word());
        (high << 32) | low
    }

    /// Whole words, little-endian, the last one's unused bytes dropped (`BlockRng::fill_bytes`).
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(4) {
            let bytes = self.word().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;
    use rand_chacha::ChaCha8Rng;

    /// Both generators for `seed` and `stream`, as weft's strategies make them.
    fn pair(seed: u64, stream: u64) -> (ChaCha8, ChaCha8Rng) {
        let mut theirs = ChaCha8Rng::seed_from_u64(seed);
        theirs.set_stream(stream);
        (ChaCha8::stream_of(seed, stream), theirs)
    }

    #[test]
    fn the_stream_is_chacha8rngs_word_for_word() {
        for seed in [0, 1, 7, 0xdead_beef, u64::MAX] {
            for stream in [0, 1, 2, 0x6661_756c_7473_2121, u64::MAX] {
                let (mut ours, mut theirs) = pair(seed, stream);
                // 1,000 words: sixty-odd blocks, across many of ChaCha8Rng's four-block refills.
                for i in 0..1000 {
                    assert_eq!(ours.next_u32(), theirs.next_u32(), "seed {seed}, stream {stream}, word {i}");
                }
            }
        }
    }

    #[test]
    fn the_portable_rounds_are_the_vector_ones() {
        // The portable code runs where there is no SSE2 path: it must give the same blocks.
        let mut x: u32 = 1;
        for _ in 0..200 {
            let mut row = || {
                [0; 4].map(|_: u32| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x
                })
            };
            let input = [row(), row(), row(), row()];
            #[cfg(target_arch = "x86_64")]
            // SAFETY: SSE2 is part of x86_64.
            assert_eq!(portable::rounds(input), unsafe { sse2::rounds(input) });
            #[cfg(not(target_arch = "x86_64"))]
            let _ = portable::rounds(input);
        }
    }

    #[test]
    fn mixed_draws_read_the_same_words() {
        // u64s that straddle a block's end, bytes that end inside a word, ranges and coin flips
        // (what the strategies draw), interleaved by a seeded pattern.
        for seed in 0..50u64 {
            let (mut ours, mut theirs) = pair(seed, seed % 3);
            let mut pattern = seed;
            for i in 0..400 {
                pattern = pattern.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                let at = format!("seed {seed}, draw {i}");
                match (pattern >> 60) % 5 {
                    0 => assert_eq!(ours.next_u64(), theirs.next_u64(), "{at}"),
                    1 => assert_eq!(ours.next_u32(), theirs.next_u32(), "{at}"),
                    2 => {
                        let n = 1 + (pattern >> 40) as usize % 11;
                        let (mut a, mut b) = (vec![0u8; n], vec![0u8; n]);
                        ours.fill_bytes(&mut a);
                        theirs.fill_bytes(&mut b);
                        assert_eq!(a, b, "{at}");
                    }
                    3 => {
                        let bound = 1 + (pattern >> 20) as usize % 1000;
                        assert_eq!(ours.gen_range(0..bound), theirs.gen_range(0..bound), "{at}");
                    }
                    _ => assert_eq!(ours.gen_bool(0.3), theirs.gen_bool(0.3), "{at}"),
                }
            }
        }
    }

    /// `below` and `between` draw what `rand`'s `gen_range` draws, for `u64` and `usize`, at
    /// every size of range: one, small ones, those next to powers of two (where the zone's
    /// approximation rejects most), the largest and the whole, from 0 and from higher bounds.
    #[test]
    fn below_and_between_draw_what_gen_range_draws() {
        let mut sizes: Vec<u64> = (1..=40).collect();
        for k in 1..64 {
            sizes.extend([(1u64 << k) - 1, 1 << k, (1 << k) + 1]);
        }
        sizes.extend([u64::MAX - 1, u64::MAX]);
        let lows = [0, 1, 7, 1 << 63, u64::MAX - 50];
        let mut rejected = 0;
        for (i, &n) in sizes.iter().enumerate() {
            let (mut ours, mut theirs) = pair(i as u64, 1);
            let (mut wide, mut narrow) = pair(i as u64, 1);
            let (mut from, mut to) = pair(i as u64, 2);
            for draw in 0..200 {
                let before = theirs.get_word_pos();
                assert_eq!(ours.below(n), theirs.gen_range(0..n), "n {n}, draw {draw}");
                rejected += usize::from(theirs.get_word_pos() - before > 2);
                assert_eq!(wide.below(n) as usize, narrow.gen_range(0..n as usize), "n {n}, draw {draw}");
                let low = lows[draw % lows.len()];
                let high = low.saturating_add(n - 1);
                assert_eq!(from.between(low, high), to.gen_range(low..=high), "{low}..={high}, draw {draw}");
            }
        }
        let (mut ours, mut theirs) = pair(99, 1);
        for draw in 0..50 {
            assert_eq!(ours.between(0, u64::MAX), theirs.gen_range(0..=u64::MAX), "the whole range, draw {draw}");
        }
        assert!(rejected > 100, "some draws fall past the zone and are drawn again: {rejected}");
    }
}
