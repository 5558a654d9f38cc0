//! asyncio's own order.

use super::{Divergence, Draws, PickContext, Scheduler};

/// Always polls the ready queue's head, which is exactly CPython's event-loop order; program
/// randomness comes from the seed.
#[derive(Clone, Debug)]
pub struct Fifo {
    draws: Draws,
}

impl Fifo {
    /// FIFO order with program randomness from `seed`.
    pub fn new(seed: u64) -> Fifo {
        Fifo { draws: Draws::new(seed) }
    }
}

impl Scheduler for Fifo {
    fn reads_steps(&self) -> bool {
        false
    }

    fn pick(&mut self, _cx: &PickContext<'_>) -> Result<usize, Divergence> {
        Ok(0)
    }

    fn draw(&mut self, bound: u64) -> Result<u64, Divergence> {
        Ok(self.draws.below(bound))
    }

    fn reseed(&mut self, seed: u64) -> bool {
        self.draws.reseed(seed);
        true
    }
}
