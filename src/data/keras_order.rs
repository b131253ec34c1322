//! The order Keras's `imdb.load_data` gives the reviews in: it shuffles the training
//! reviews (and then the test reviews) with `np.random.RandomState(113)`. The movie-review
//! tutorial validates on `x_train[:10000]`, the first 10,000 reviews in that order, so
//! `validation_first` must take them in it. This is numpy's legacy generator (MT19937,
//! seeded as `init_genrand`) and its legacy `shuffle` (Fisher–Yates from the end, each
//! index drawn by masked rejection), reproduced exactly.

/// The seed `imdb.load_data` shuffles with.
pub const SEED: u32 = 113;

/// numpy's `RandomState` bit generator, MT19937.
struct Mt19937 {
    state: [u32; 624],
    next: usize,
}

impl Mt19937 {
    fn new(seed: u32) -> Self {
        let mut state = [0u32; 624];
        state[0] = seed;
        for i in 1..624 {
            let prev = state[i - 1];
            state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        Mt19937 { state, next: 624 }
    }

    fn twist(&mut self) {
        for k in 0..624 {
            let y = (self.state[k] & 0x8000_0000) | (self.state[(k + 1) % 624] & 0x7fff_ffff);
            let odd = if y & 1 == 1 { 0x9908_b0df } else { 0 };
            self.state[k] = self.state[(k + 397) % 624] ^ (y >> 1) ^ odd;
        }
        self.next = 0;
    }

    fn next_u32(&mut self) -> u32 {
        if self.next >= 624 {
            self.twist();
        }
        let mut y = self.state[self.next];
        self.next += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// numpy's `random_interval(max)`: uniform in `0..=max`, by masked rejection.
    fn interval(&mut self, max: u32) -> u32 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        for shift in [1, 2, 4, 8, 16] {
            mask |= mask >> shift;
        }
        loop {
            let value = self.next_u32() & mask;
            if value <= max {
                return value;
            }
        }
    }
}

/// The shuffled indices `0..n` numpy's `RandomState(seed).shuffle(np.arange(n))` gives.
/// `n` is at most 2³² (the reviews are counted in `u32`).
pub fn shuffled(n: usize, seed: u32) -> Vec<usize> {
    let mut rng = Mt19937::new(seed);
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.interval(i as u32) as usize;
        order.swap(i, j);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_imdb_order_is_numpys() {
        // /work/peers-venv: np.random.RandomState(113).shuffle(np.arange(25000)).
        let order = shuffled(25_000, SEED);
        assert_eq!(
            order[..8],
            [7798, 13226, 18078, 793, 17499, 23003, 574, 19638]
        );
        assert_eq!(order[24_997..], [22690, 4828, 14501]);
        assert_eq!(shuffled(6, SEED), [1, 0, 3, 2, 4, 5]);
    }
}
