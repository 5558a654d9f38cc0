//! Uniformly random scheduling.

use super::{Divergence, Draws, FireContext, LazyStream, PickContext, Scheduler};
use crate::strategy::chacha::ChaCha8;
use rand::Rng;

/// Picks uniformly among the ready tasks at every choice point.
///
/// At a timer scheduling point (several timers due at one instant) it keeps asyncio's order,
/// firing them all, with probability 1/2; otherwise it fires one of the `n`
/// due timers alone, each with probability 1/(2n), so that its task runs before the others fire.
///
/// Picks come from their own ChaCha8 stream (stream 1 of the run's seed), fire choices from
/// stream 2, program draws from the seed's stream 0, exactly as under [`Fifo`](super::Fifo):
/// the same seed gives the program the same random inputs whichever strategy schedules it.
///
/// ```
/// use weft_sim::strategy::{PickContext, Random, Scheduler};
/// use weft_sim::TaskId;
/// let ready = [TaskId(1), TaskId(2), TaskId(3)];
/// let cx = PickContext { ready: &ready, last: None, step: 1, steps: &[] };
/// let picks = |seed| {
///     let mut s = Random::new(seed);
///     (0..20).map(|_| s.pick(&cx).unwrap()).collect::<Vec<_>>()
/// };
/// assert_eq!(picks(7), picks(7)); // seeded: the same seed picks the same way
/// assert!(picks(7).iter().all(|&i| i < 3));
/// ```
#[derive(Clone, Debug)]
pub struct Random {
    picks: ChaCha8,
    /// Made at the first fire choice (most runs have none).
    fires: LazyStream,
    draws: Draws,
}

impl Random {
    /// Uniform picks, fire choices and program randomness, all from `seed`.
    pub fn new(seed: u64) -> Random {
        Random { picks: pick_stream(seed), fires: LazyStream::new(seed, FIRE_STREAM), draws: Draws::new(seed) }
    }
}

impl Random {
    /// Starts over as `Random::new(seed)`, in place (see [`Scheduler::reseed`]), keeping the
    /// room of the streams made at their first use.
    fn restart(&mut self, seed: u64) {
        // Every field named, so that a new one cannot be forgotten here.
        let Random { picks, fires, draws } = self;
        *picks = pick_stream(seed);
        fires.reseed(seed);
        draws.reseed(seed);
    }
}

/// The stream of a strategy's fire choices: stream 2 of the seed's ChaCha8, apart from its
/// picks (stream 1) and the program's draws (stream 0).
const FIRE_STREAM: u64 = 2;

/// A choice at a timer scheduling point with `due` timers: `0` (fire them all, asyncio's
/// order) with probability 1/2, otherwise `i` in `1..=due` (fire the `i`-th alone), uniformly.
pub(crate) fn fire_choice(rng: &mut ChaCha8, due: usize) -> usize {
    match rng.gen_bool(0.5) {
        true => 0,
        false => rng.between(1, due.max(1) as u64) as usize,
    }
}

/// The stream a strategy draws its own decisions from: stream 1 of the seed's ChaCha8, so that
/// it never consumes the values the program draws (stream 0).
pub(crate) fn pick_stream(seed: u64) -> ChaCha8 {
    ChaCha8::stream_of(seed, 1)
}

impl Scheduler for Random {
    fn reads_steps(&self) -> bool {
        false
    }

    fn pick(&mut self, cx: &PickContext<'_>) -> Result<usize, Divergence> {
        // A choice: any ready task, uniformly.
        Ok(self.picks.below(cx.ready.len() as u64) as usize)
    }

    fn draw(&mut self, bound: u64) -> Result<u64, Divergence> {
        Ok(self.draws.below(bound))
    }

    fn reseed(&mut self, seed: u64) -> bool {
        self.restart(seed);
        true
    }

    fn fire(&mut self, cx: &FireContext<'_>) -> Result<usize, Divergence> {
        // A choice: all due timers (asyncio's order) half the time, else one of them alone.
        Ok(fire_choice(self.fires.get(), cx.due.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_traces::TaskId;

    #[test]
    fn picks_are_uniform_among_the_ready_tasks() {
        let ready = [TaskId(1), TaskId(2), TaskId(3)];
        let cx = PickContext { ready: &ready, last: None, step: 1, steps: &[] };
        let mut counts = [0u32; 3];
        let mut random = Random::new(1);
        for _ in 0..30_000 {
            counts[random.pick(&cx).unwrap()] += 1;
        }
        // 10,000 expected each; the standard deviation is about 82, so 500 is > 6 sigma.
        assert!(counts.iter().all(|&c| c.abs_diff(10_000) < 500), "{counts:?}");
    }

    #[test]
    fn fire_choices_keep_asyncio_order_half_the_time_and_fire_each_timer_alone_otherwise() {
        let due = [TaskId(1), TaskId(2), TaskId(3)];
        let cx = FireContext { due: &due, step: 4, steps: &[] };
        let mut counts = [0u32; 4];
        let mut random = Random::new(5);
        for _ in 0..60_000 {
            counts[random.fire(&cx).unwrap()] += 1;
        }
        // 30,000 expected for 0 (sd ~122) and 10,000 for each timer alone (sd ~91).
        assert!(counts[0].abs_diff(30_000) < 800, "{counts:?}");
        assert!(counts[1..].iter().all(|&c| c.abs_diff(10_000) < 600), "{counts:?}");
    }

    #[test]
    fn fire_choices_do_not_consume_the_picks() {
        let ready = [TaskId(1), TaskId(2), TaskId(3)];
        let cx = PickContext { ready: &ready, last: None, step: 1, steps: &[] };
        let due = [TaskId(1), TaskId(2)];
        let (mut plain, mut firing) = (Random::new(3), Random::new(3));
        for _ in 0..20 {
            firing.fire(&FireContext { due: &due, step: 1, steps: &[] }).unwrap();
            assert_eq!(plain.pick(&cx), firing.pick(&cx));
        }
    }

    #[test]
    fn picks_do_not_consume_the_program_draws() {
        let ready = [TaskId(1), TaskId(2)];
        let cx = PickContext { ready: &ready, last: None, step: 1, steps: &[] };
        let mut with_picks = Random::new(9);
        for _ in 0..5 {
            with_picks.pick(&cx).unwrap();
        }
        // The program sees the same values as under FIFO with the same seed.
        let mut fifo = super::super::Fifo::new(9);
        for _ in 0..3 {
            assert_eq!(with_picks.draw(1000), fifo.draw(1000));
        }
    }
}
