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

    /// `[rows, units]` pre-activations of a batch of multi-hot rows.
    pub fn forward(&self, batch: &MultiHot) -> Vec<f32> {
        let units = self.units;
        let mut out = vec![0.0f32; batch.rows() * units];
        out.par_chunks_mut(units).enumerate().for_each(|(r, row)| {
            if !self.bias.is_empty() {
                row.copy_from_slice(&self.bias);
            }
            for &id in batch.row(r) {
                let w = &self.weight[id as usize * units..(id as usize + 1) * units];
                for (o, w) in row.iter_mut().zip(w) {
                    *o += w;
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
        // The batch transposed (ids → rows, each list in row order), by counting sort.
        let mut starts = vec![0u32; self.inputs + 1];
        for &id in &batch.ids {
            starts[id as usize + 1] += 1;
        }
        for i in 0..self.inputs {
            starts[i + 1] += starts[i];
        }
        let mut fill = starts.clone();
        let mut rows_of = vec![0u32; batch.ids.len()];
        for r in 0..batch.rows() {
            for &id in batch.row(r) {
                rows_of[fill[id as usize] as usize] = r as u32;
                fill[id as usize] += 1;
            }
        }
        self.accumulate_bias(batch.rows(), grad_out);
        let penalty = self.penalty(kernel, bias);
        let kernel_step = self.begin_step(adam, kernel);
        let (m_w, _) = self.moment_1.split_at_mut(self.weight.len());
        let (v_w, _) = self.moment_2.split_at_mut(self.weight.len());
        let rows_per_task = (CHUNK / units).max(1);
        self.weight
            .par_chunks_mut(rows_per_task * units)
            .zip(
                m_w.par_chunks_mut(rows_per_task * units)
                    .zip(v_w.par_chunks_mut(rows_per_task * units)),
            )
            .enumerate()
            .for_each(|(task, (w, (m, v)))| {
                let mut grad = vec![0.0f32; units];
                for (k, ((w, m), v)) in w
                    .chunks_mut(units)
                    .zip(m.chunks_mut(units))
                    .zip(v.chunks_mut(units))
                    .enumerate()
                {
                    let id = task * rows_per_task + k;
                    grad.iter_mut().for_each(|g| *g = 0.0);
                    for &r in &rows_of[starts[id] as usize..starts[id + 1] as usize] {
                        let r = r as usize;
                        for (g, o) in grad.iter_mut().zip(&grad_out[r * units..(r + 1) * units]) {
                            *g += o;
                        }
                    }
                    for (((w, g), m), v) in
                        w.iter_mut().zip(&grad).zip(m.iter_mut()).zip(v.iter_mut())
                    {
                        kernel_step.update(w, *g, m, v);
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
