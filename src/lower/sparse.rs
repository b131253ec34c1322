//! The first dense layer on multi-hot input, as a gather: a row with ids `S` gives
//! `b + Σ_{i∈S} W[i]`, the same numbers as `x · W + b` for its 0/1 vector `x`, at the cost
//! of ~131 rows instead of 10,000. Backward scatters the output gradient into the rows of
//! the ids present, and the optimizer update of `W` runs fused in one pass over the
//! weights. This layer lives outside burn's graph: its output enters the burn network as
//! a tensor that requires a gradient, and that gradient comes back here.

use crate::data::MultiHot;
use rayon::prelude::*;

/// Adam's settings for the fused update, as burn's Adam applies them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Adam {
    /// Learning rate.
    pub lr: f64,
    /// First-moment decay.
    pub beta_1: f32,
    /// Second-moment decay.
    pub beta_2: f32,
    /// Added to the denominator.
    pub epsilon: f32,
}

/// The layer's parameters, their gradients and Adam's moments, as flat `f32` buffers.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseDense {
    /// Rows of the kernel: one per input id.
    pub inputs: usize,
    /// Output units.
    pub units: usize,
    /// Kernel `[inputs, units]`, row-major (burn's `Linear` layout).
    pub weight: Vec<f32>,
    /// Bias `[units]` (empty without bias).
    pub bias: Vec<f32>,
    grad_weight: Vec<f32>,
    grad_bias: Vec<f32>,
    /// Adam's first moments of weight then bias.
    pub moment_1: Vec<f32>,
    /// Adam's second moments of weight then bias.
    pub moment_2: Vec<f32>,
    /// Adam steps taken.
    pub steps: u32,
}

/// Weights per rayon task in the fused update: large enough to amortise scheduling.
const CHUNK: usize = 1 << 15;

/// Columns per tile: 32 floats of running sums are four AVX2 registers (two AVX-512 ones).
const TILE: usize = 32;

/// Calls `f::<W>(args)` for a tile's width `W`, known at compile time so that a tile's
/// running sums live in registers and its loops unroll.
macro_rules! with_width {
    ($width:expr, $f:ident($($arg:expr),*)) => {
        match $width {
            32 => $f::<32>($($arg),*),
            16 => $f::<16>($($arg),*),
            8 => $f::<8>($($arg),*),
            4 => $f::<4>($($arg),*),
            2 => $f::<2>($($arg),*),
            1 => $f::<1>($($arg),*),
            w => unreachable!("a tile is 32, 16, 8, 4, 2 or 1 columns wide, not {w}"),
        }
    };
}

impl SparseDense {
    /// A layer with the given parameters and fresh optimizer state.
    pub fn new(inputs: usize, units: usize, weight: Vec<f32>, bias: Vec<f32>) -> Self {
        assert_eq!(weight.len(), inputs * units, "kernel shape");
        let params = weight.len() + bias.len();
        SparseDense {
            inputs,
            units,
            grad_weight: vec![0.0; weight.len()],
            grad_bias: vec![0.0; bias.len()],
            weight,
            bias,
            moment_1: vec![0.0; params],
            moment_2: vec![0.0; params],
            steps: 0,
        }
    }

    /// `[rows, units]` pre-activations of a batch of multi-hot rows: each output is its
    /// bias plus the kernel rows of its ids, summed in id order.
    pub fn forward(&self, batch: &MultiHot) -> Vec<f32> {
        let units = self.units;
        let rows = batch.rows();
        let mut out = vec![0.0f32; rows * units];
        let bias = (!self.bias.is_empty()).then_some(&self.bias[..]);
        let tiles = tiles(units);
        out.par_chunks_mut(units).enumerate().for_each(|(r, out)| {
            let ids = batch.row(r);
            if units <= TILE {
                // The whole row's sums fit in registers.
                for &(c0, w) in &tiles {
                    let (out, start) = (&mut out[c0..c0 + w], bias.map(|b| &b[c0..c0 + w]));
                    with_width!(w, sum_rows(out, start, &self.weight, (units, c0), ids));
                }
            } else {
                // Wider rows are summed in memory (in L1), each kernel row read in one
                // sequential sweep. (Tiling the columns was slower: a tile's rows lie
                // 4·units bytes apart, a power of two that maps them onto few cache sets.)
                if let Some(bias) = bias {
                    out.copy_from_slice(bias);
                }
                for &id in ids {
                    let w = &self.weight[id as usize * units..(id as usize + 1) * units];
                    for (o, w) in out.iter_mut().zip(w) {
                        *o += w;
                    }
                }
            }
        });
        out
    }

    /// Accumulates the gradients of a batch from `grad_out` (`[rows, units]`, the loss's
    /// gradient at this layer's output): each id's kernel row gets the sum of the output
    /// gradients of the rows it occurs in.
    pub fn backward(&mut self, batch: &MultiHot, grad_out: &[f32]) {
        let units = self.units;
        // Tasks own disjoint column ranges of the kernel and visit rows in order, so every
        // sum is taken in the same order whatever the scheduling (deterministic), with no
        // sorting and no locks.
        let columns = units
            .div_ceil(rayon::current_num_threads() * 2)
            .max(16)
            .min(units);
        let grad = SyncPtr(self.grad_weight.as_mut_ptr());
        (0..units).into_par_iter().step_by(columns).for_each(|c0| {
            let c1 = (c0 + columns).min(units);
            for r in 0..batch.rows() {
                let g = &grad_out[r * units + c0..r * units + c1];
                for &id in batch.row(r) {
                    // SAFETY: this task alone writes columns c0..c1 of every kernel row.
                    let row = unsafe {
                        std::slice::from_raw_parts_mut(
                            grad.get().add(id as usize * units + c0),
                            c1 - c0,
                        )
                    };
                    for (acc, g) in row.iter_mut().zip(g) {
                        *acc += g;
                    }
                }
            }
        });
        self.accumulate_bias(batch.rows(), grad_out);
    }

    /// The L1/L2 penalty of the kernel and bias (`Σ l1·|w| + l2·w²`).
    pub fn penalty(
        &self,
        kernel: Option<crate::ir::Regularizer>,
        bias: Option<crate::ir::Regularizer>,
    ) -> f64 {
        let sum = |values: &[f32], r: crate::ir::Regularizer| -> f64 {
            values
                .par_chunks(CHUNK)
                .map(|c| {
                    c.iter()
                        .map(|&w| r.l1 * (w as f64).abs() + r.l2 * (w as f64) * (w as f64))
                        .sum::<f64>()
                })
                // Collected in order and summed in order: the same total whatever the
                // scheduling, so histories stay bit-identical.
                .collect::<Vec<f64>>()
                .iter()
                .sum()
        };
        kernel.map_or(0.0, |r| sum(&self.weight, r)) + bias.map_or(0.0, |r| sum(&self.bias, r))
    }

    /// One Adam step on every parameter with the accumulated gradients (plus the
    /// penalty's gradient), then clears them: one pass over weights, moments and
    /// gradients, as burn's Adam computes it element by element. Returns the penalty of
    /// the weights before the step (the one this batch's loss includes).
    pub fn adam_step(
        &mut self,
        adam: Adam,
        kernel: Option<crate::ir::Regularizer>,
        bias: Option<crate::ir::Regularizer>,
    ) -> f64 {
        let penalty = self.penalty(kernel, bias);
        let kernel_step = self.begin_step(adam, kernel);
        let (m_w, _) = self.moment_1.split_at_mut(self.weight.len());
        let (v_w, _) = self.moment_2.split_at_mut(self.weight.len());
        self.weight
            .par_chunks_mut(CHUNK)
            .zip(self.grad_weight.par_chunks_mut(CHUNK))
            .zip(m_w.par_chunks_mut(CHUNK).zip(v_w.par_chunks_mut(CHUNK)))
            .for_each(|((w, g), (m, v))| {
                for (((w, g), m), v) in w
                    .iter_mut()
                    .zip(g.iter_mut())
                    .zip(m.iter_mut())
                    .zip(v.iter_mut())
                {
                    kernel_step.update(w, *g, m, v);
                    *g = 0.0;
                }
            });
        self.bias_step(adam, bias);
        penalty
    }

    /// A whole training step of this layer in one pass over its kernel: each kernel row
    /// sums the output gradients of the batch rows its id occurs in (in row order, as
    /// [`SparseDense::backward`] does) and takes its Adam step at once, so no gradient
    /// buffer is written, read back and cleared. The same numbers as `backward` followed
    /// by `adam_step`; returns the penalty of the weights before the step.
    pub fn step(
        &mut self,
        batch: &MultiHot,
        grad_out: &[f32],
        adam: Adam,
        kernel: Option<crate::ir::Regularizer>,
        bias: Option<crate::ir::Regularizer>,
    ) -> f64 {
        let units = self.units;
        let by_id = Transposed::new(batch, self.inputs);
        self.accumulate_bias(batch.rows(), grad_out);
        let penalty = self.penalty(kernel, bias);
        let kernel_step = self.begin_step(adam, kernel);
        let (m_w, _) = self.moment_1.split_at_mut(self.weight.len());
        let (v_w, _) = self.moment_2.split_at_mut(self.weight.len());
        let rows_per_task = (CHUNK / units).max(1);
        let tiles = tiles(units);
        self.weight
            .par_chunks_mut(rows_per_task * units)
            .zip(
                m_w.par_chunks_mut(rows_per_task * units)
                    .zip(v_w.par_chunks_mut(rows_per_task * units)),
            )
            .enumerate()
            .for_each(|(task, (w, (m, v)))| {
                let mut grad = [0.0f32; TILE];
                for (k, ((w, m), v)) in w
                    .chunks_mut(units)
                    .zip(m.chunks_mut(units))
                    .zip(v.chunks_mut(units))
                    .enumerate()
                {
                    let id = task * rows_per_task + k;
                    let rows = by_id.rows(id);
                    for &(c0, width) in &tiles {
                        let grad = &mut grad[..width];
                        let sources = rows.iter().map(|&r| r as usize * units + c0);
                        with_width!(width, sum_slices(grad, grad_out, sources));
                        for (((w, g), m), v) in w[c0..c0 + width]
                            .iter_mut()
                            .zip(grad.iter())
                            .zip(m[c0..c0 + width].iter_mut())
                            .zip(v[c0..c0 + width].iter_mut())
                        {
                            kernel_step.update(w, *g, m, v);
                        }
                    }
                }
            });
        self.bias_step(adam, bias);
        penalty
    }

    /// Adds each batch row's output gradient to the bias gradient.
    fn accumulate_bias(&mut self, rows: usize, grad_out: &[f32]) {
        let units = self.units;
        for r in 0..rows {
            for (acc, g) in self
                .grad_bias
                .iter_mut()
                .zip(&grad_out[r * units..(r + 1) * units])
            {
                *acc += g;
            }
        }
    }

    /// Counts one more Adam step and gives its element update, with `regularizer`'s
    /// gradient.
    fn begin_step(
        &mut self,
        adam: Adam,
        regularizer: Option<crate::ir::Regularizer>,
    ) -> AdamUpdate {
        self.steps += 1;
        AdamUpdate::new(adam, self.steps, regularizer)
    }

    /// Adam's step on the bias with its accumulated gradient (counted with the kernel's
    /// step), which it then clears.
    fn bias_step(&mut self, adam: Adam, regularizer: Option<crate::ir::Regularizer>) {
        let update = AdamUpdate::new(adam, self.steps, regularizer);
        let (_, m_b) = self.moment_1.split_at_mut(self.weight.len());
        let (_, v_b) = self.moment_2.split_at_mut(self.weight.len());
        for (((w, g), m), v) in self
            .bias
            .iter_mut()
            .zip(self.grad_bias.iter_mut())
            .zip(m_b)
            .zip(v_b)
        {
            update.update(w, *g, m, v);
            *g = 0.0;
        }
    }

    /// The accumulated kernel gradient (for tests).
    pub fn grad_weight(&self) -> &[f32] {
        &self.grad_weight
    }

    /// The accumulated bias gradient (for tests).
    pub fn grad_bias(&self) -> &[f32] {
        &self.grad_bias
    }
}

/// A batch transposed: for each id, the batch rows that hold it, in row order.
struct Transposed {
    /// `inputs + 1` offsets into `rows`.
    starts: Vec<u32>,
    rows: Vec<u32>,
}

impl Transposed {
    /// By counting sort: one pass to count each id, one to place each row.
    fn new(batch: &MultiHot, inputs: usize) -> Self {
        let mut starts = vec![0u32; inputs + 1];
        for &id in &batch.ids {
            starts[id as usize + 1] += 1;
        }
        for i in 0..inputs {
            starts[i + 1] += starts[i];
        }
        let mut fill = starts.clone();
        let mut rows = vec![0u32; batch.ids.len()];
        for r in 0..batch.rows() {
            for &id in batch.row(r) {
                rows[fill[id as usize] as usize] = r as u32;
                fill[id as usize] += 1;
            }
        }
        Transposed { starts, rows }
    }

    /// The rows holding `id`.
    fn rows(&self, id: usize) -> &[u32] {
        &self.rows[self.starts[id] as usize..self.starts[id + 1] as usize]
    }
}

/// `units` columns as `(first column, width)` tiles: as many [`TILE`]-wide ones as fit,
/// then the rest in powers of two, so every tile has a width [`with_width!`] knows.
fn tiles(units: usize) -> Vec<(usize, usize)> {
    let mut tiles: Vec<(usize, usize)> = (0..units / TILE).map(|t| (t * TILE, TILE)).collect();
    let mut c0 = units / TILE * TILE;
    for width in [16, 8, 4, 2, 1] {
        if units - c0 >= width {
            tiles.push((c0, width));
            c0 += width;
        }
    }
    tiles
}

/// Writes into `out` the sum of `start` (or zero) and the `W` columns from `c0` of the
/// kernel rows `ids`, added in order.
#[inline(always)]
fn sum_rows<const W: usize>(
    out: &mut [f32],
    start: Option<&[f32]>,
    weight: &[f32],
    (units, c0): (usize, usize),
    ids: &[u32],
) {
    let mut acc = [0.0f32; W];
    if let Some(start) = start {
        acc.copy_from_slice(start);
    }
    for &id in ids {
        let row = &weight[id as usize * units + c0..][..W];
        for (a, w) in acc.iter_mut().zip(row) {
            *a += w;
        }
    }
    out.copy_from_slice(&acc);
}

/// Writes into `acc` the sum of the `W`-float slices of `source` at `offsets`, added in
/// order.
#[inline(always)]
fn sum_slices<const W: usize>(
    acc: &mut [f32],
    source: &[f32],
    offsets: impl Iterator<Item = usize>,
) {
    let mut sum = [0.0f32; W];
    for o in offsets {
        for (s, v) in sum.iter_mut().zip(&source[o..o + W]) {
            *s += v;
        }
    }
    acc.copy_from_slice(&sum);
}

/// One Adam step's constants, applied element by element as burn's Adam does.
#[derive(Debug, Clone, Copy)]
struct AdamUpdate {
    beta_1: f32,
    beta_2: f32,
    /// `lr · sqrt(1 − β₂ᵗ) / (1 − β₁ᵗ)`.
    step: f32,
    /// `ε · sqrt(1 − β₂ᵗ)`.
    epsilon: f32,
    /// The penalty's gradient is `l1·sign(w) + l2·w` (here `l2` is twice the factor).
    l1: f32,
    l2: f32,
}

impl AdamUpdate {
    fn new(adam: Adam, steps: u32, regularizer: Option<crate::ir::Regularizer>) -> Self {
        let t = steps as i32;
        let bias_correction_2 = (1.0 - adam.beta_2.powi(t)).sqrt();
        let (l1, l2) = regularizer.map_or((0.0, 0.0), |r| (r.l1 as f32, (2.0 * r.l2) as f32));
        AdamUpdate {
            beta_1: adam.beta_1,
            beta_2: adam.beta_2,
            step: (adam.lr as f32) * bias_correction_2 / (1.0 - adam.beta_1.powi(t)),
            epsilon: adam.epsilon * bias_correction_2,
            l1,
            l2,
        }
    }

    /// Updates one weight and its moments from its gradient `g`. Straight-line
    /// arithmetic, so loops over it vectorise; `sign` is 0 at 0, as burn's `abs`.
    #[inline(always)]
    fn update(&self, w: &mut f32, g: f32, m: &mut f32, v: &mut f32) {
        let sign = if *w > 0.0 {
            1.0
        } else if *w < 0.0 {
            -1.0
        } else {
            0.0
        };
        let grad = g + self.l2 * *w + self.l1 * sign;
        *m = self.beta_1 * *m + (1.0 - self.beta_1) * grad;
        *v = self.beta_2 * *v + (1.0 - self.beta_2) * grad * grad;
        *w -= self.step * *m / (v.sqrt() + self.epsilon);
    }
}

/// A raw pointer that may cross threads; used only where tasks write disjoint memory.
#[derive(Clone, Copy)]
struct SyncPtr(*mut f32);
unsafe impl Send for SyncPtr {}
unsafe impl Sync for SyncPtr {}

impl SyncPtr {
    fn get(self) -> *mut f32 {
        self.0
    }
}
