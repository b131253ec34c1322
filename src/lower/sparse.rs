//! The first dense layer on multi-hot input, as a gather: a row with ids `S` gives
//! `b + Σ_{i∈S} W[i]`, the same numbers as `x · W + b` for its 0/1 vector `x`, at the cost
//! of ~131 rows instead of 10,000. Backward scatters the output gradient into the rows of
//! the ids present, and the optimizer's update of `W` (Adam, SGD with or without momentum,
//! RMSprop) runs fused in one pass over the weights, element by element as burn's
//! optimizer computes it. This layer lives outside burn's graph: its output enters the
//! burn network as a tensor that requires a gradient, and that gradient comes back here.
//!
//! Rows may carry a weight per id ([`Rows::weights`]): an embedding followed by global
//! average pooling is this layer without bias on rows weighted `count / length`
//! ([`crate::lower::bag`]). Unweighted rows keep loops without the multiplication.
//!
//! Every public function checks its input at the boundary and panics with a message that
//! says what is wrong, before any work; the module has no `unsafe`.

use crate::ir::Regularizer;
use rayon::iter::Either;
use rayon::prelude::*;

/// A batch of rows as the layer reads them (compressed rows): row `r`'s ids are
/// `ids[offsets[r]..offsets[r + 1]]`, each with weight one (multi-hot rows) or its entry
/// of `weights` (an embedding's pooled rows, [`crate::lower::bag`]). A view, so a batch is
/// handed over without a copy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rows<'a> {
    /// The width of a row: the number of distinct ids, which must be the layer's inputs.
    pub width: usize,
    /// `rows + 1` offsets into `ids`: from 0, never decreasing, to `ids.len()`.
    pub offsets: &'a [u32],
    /// The ids of every row, each below `width`.
    pub ids: &'a [u32],
    /// Each id's weight (as many as `ids`); `None` for weights of one, which take the
    /// unweighted loops (no multiplication).
    pub weights: Option<&'a [f32]>,
}

impl<'a> Rows<'a> {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// The ids of row `r`.
    pub fn row(&self, r: usize) -> &'a [u32] {
        &self.ids[self.offsets[r] as usize..self.offsets[r + 1] as usize]
    }

    /// The weights of row `r`'s ids (`None`: all one).
    pub fn row_weights(&self, r: usize) -> Option<&'a [f32]> {
        self.weights
            .map(|w| &w[self.offsets[r] as usize..self.offsets[r + 1] as usize])
    }
}

/// The optimizer's update of the gathered layer, with the settings burn's optimizer of
/// the same name is built with (`train::optimizer`). Each weight's update is burn's,
/// element by element and operation by operation; the L1/L2 penalties enter as part of
/// the gradient, as autodiff gives them to burn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// Adam (burn's `Adam`, without weight decay or AMSGrad): two moments per weight.
    Adam {
        /// Learning rate.
        lr: f64,
        /// First-moment decay.
        beta_1: f32,
        /// Second-moment decay.
        beta_2: f32,
        /// Added to the denominator.
        epsilon: f32,
    },
    /// SGD (burn's `Sgd`, no weight decay): with `momentum > 0`, burn's momentum without
    /// dampening (as Keras), one velocity per weight; without, no state.
    Sgd {
        /// Learning rate.
        lr: f64,
        /// Momentum factor; 0 for plain SGD.
        momentum: f64,
        /// Nesterov momentum (only with `momentum > 0`).
        nesterov: bool,
    },
    /// RMSprop (burn's `RmsProp`, not centered, no weight decay): the squared-gradient
    /// average per weight and, with `momentum > 0`, a momentum buffer.
    RmsProp {
        /// Learning rate.
        lr: f64,
        /// Decay of the squared-gradient average (burn's `alpha`).
        rho: f32,
        /// Momentum factor; 0 for none.
        momentum: f32,
        /// Added to the denominator.
        epsilon: f32,
    },
}

impl Rule {
    /// The optimizer state kept per parameter, in floats: Adam's two moments, SGD's
    /// velocity (with momentum), RMSprop's squared average and momentum buffer (with
    /// momentum).
    pub fn slots(&self) -> usize {
        match *self {
            Rule::Adam { .. } => 2,
            Rule::Sgd { momentum, .. } => usize::from(momentum > 0.0),
            Rule::RmsProp { momentum, .. } => 1 + usize::from(momentum > 0.0),
        }
    }
}

/// The layer's parameters, their gradients and its optimizer's state, as flat `f32`
/// buffers.
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
    rule: Rule,
    /// [`Rule::slots`] buffers, each the state of the kernel's weights then the bias's.
    state: Vec<Vec<f32>>,
    /// Optimizer steps taken.
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
    /// A layer with the given parameters, stepped by `rule`, with fresh optimizer state.
    ///
    /// # Panics
    ///
    /// If `weight` is not `inputs × units` floats, or `bias` neither empty nor `units`.
    pub fn new(inputs: usize, units: usize, weight: Vec<f32>, bias: Vec<f32>, rule: Rule) -> Self {
        assert!(
            weight.len() == inputs * units,
            "a kernel of {} floats for {inputs} inputs × {units} units",
            weight.len()
        );
        assert!(
            bias.is_empty() || bias.len() == units,
            "a bias of {} floats for {units} units",
            bias.len()
        );
        let params = weight.len() + bias.len();
        SparseDense {
            inputs,
            units,
            grad_weight: vec![0.0; weight.len()],
            grad_bias: vec![0.0; bias.len()],
            weight,
            bias,
            rule,
            state: (0..rule.slots()).map(|_| vec![0.0; params]).collect(),
            steps: 0,
        }
    }

    /// The optimizer's update this layer takes.
    pub fn rule(&self) -> Rule {
        self.rule
    }

    /// The optimizer's state: [`Rule::slots`] buffers (Adam's first then second moments;
    /// SGD's velocity; RMSprop's squared average then momentum buffer), each holding the
    /// kernel's weights' state then the bias's.
    pub fn state(&self) -> &[Vec<f32>] {
        &self.state
    }

    /// The optimizer's state buffers, to be filled (from a checkpoint); their lengths are
    /// fixed.
    pub fn state_mut(&mut self) -> impl Iterator<Item = &mut [f32]> + '_ {
        self.state.iter_mut().map(|s| s.as_mut_slice())
    }

    /// `[rows, units]` pre-activations of a batch of rows: each output is its bias plus
    /// the kernel rows of its ids (times their weights, if any), summed in id order.
    ///
    /// # Panics
    ///
    /// If the batch is not one this layer can read ([`SparseDense::check`]).
    pub fn forward(&self, batch: Rows<'_>) -> Vec<f32> {
        self.check(batch, None);
        let units = self.units;
        let rows = batch.rows();
        let mut out = vec![0.0f32; rows * units];
        let bias = (!self.bias.is_empty()).then_some(&self.bias[..]);
        let tiles = tiles(units);
        out.par_chunks_mut(units).enumerate().for_each(|(r, out)| {
            let ids = batch.row(r);
            let weights = batch.row_weights(r);
            if units <= TILE {
                // The whole row's sums fit in registers.
                for &(c0, w) in &tiles {
                    let (out, start) = (&mut out[c0..c0 + w], bias.map(|b| &b[c0..c0 + w]));
                    let at = (units, c0);
                    match weights {
                        None => with_width!(w, sum_rows(out, start, &self.weight, at, ids)),
                        Some(s) => {
                            with_width!(w, sum_weighted_rows(out, start, &self.weight, at, ids, s))
                        }
                    }
                }
            } else {
                // Wider rows are summed in memory (in L1), each kernel row read in one
                // sequential sweep. (Tiling the columns was slower: a tile's rows lie
                // 4·units bytes apart, a power of two that maps them onto few cache sets.)
                if let Some(bias) = bias {
                    out.copy_from_slice(bias);
                }
                let row = |id: u32| &self.weight[id as usize * units..(id as usize + 1) * units];
                match weights {
                    None => {
                        for &id in ids {
                            for (o, w) in out.iter_mut().zip(row(id)) {
                                *o += w;
                            }
                        }
                    }
                    Some(scales) => {
                        for (&id, &s) in ids.iter().zip(scales) {
                            for (o, w) in out.iter_mut().zip(row(id)) {
                                *o += s * w;
                            }
                        }
                    }
                }
            }
        });
        out
    }

    /// Accumulates the gradients of a batch from `grad_out` (`[rows, units]`, the loss's
    /// gradient at this layer's output): each id's kernel row gets the sum of the output
    /// gradients of the rows it occurs in (each times the id's weight there, if any),
    /// added in row order.
    ///
    /// # Panics
    ///
    /// If the batch is not one this layer can read, or `grad_out` is not `rows × units`
    /// floats ([`SparseDense::check`]).
    pub fn backward(&mut self, batch: Rows<'_>, grad_out: &[f32]) {
        self.check(batch, Some(grad_out));
        let units = self.units;
        let by_id = Transposed::new(batch, self.inputs);
        // Tasks own whole kernel rows and visit each row's batch rows in order, so every
        // sum is taken in the same order whatever the scheduling (deterministic).
        let chunk = rows_per_task(units) * units;
        self.grad_weight
            .par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(task, grad)| {
                for (k, grad) in grad.chunks_mut(units).enumerate() {
                    let (rows, weights) = by_id.rows(task * chunk / units + k);
                    let g = |r: u32| &grad_out[r as usize * units..(r as usize + 1) * units];
                    match weights {
                        None => {
                            for &r in rows {
                                for (acc, g) in grad.iter_mut().zip(g(r)) {
                                    *acc += g;
                                }
                            }
                        }
                        Some(scales) => {
                            for (&r, &s) in rows.iter().zip(scales) {
                                for (acc, g) in grad.iter_mut().zip(g(r)) {
                                    *acc += s * g;
                                }
                            }
                        }
                    }
                }
            });
        self.accumulate_bias(batch.rows(), grad_out);
    }

    /// The L1/L2 penalty of the kernel and bias (`Σ l1·|w| + l2·w²`).
    pub fn penalty(&self, kernel: Option<Regularizer>, bias: Option<Regularizer>) -> f64 {
        let sum = |values: &[f32], r: Regularizer| -> f64 {
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

    /// One optimizer step on every parameter with the accumulated gradients (plus the
    /// penalty's gradient), then clears them: one pass over weights, state and gradients.
    /// Every weight takes its step, whether or not it had a gradient (momentum and the
    /// penalty move it), as in burn. Returns the penalty of the weights before the step
    /// (the one this batch's loss includes).
    ///
    /// # Panics
    ///
    /// If the kernel or bias was replaced by one of another shape.
    pub fn optimizer_step(
        &mut self,
        kernel: Option<Regularizer>,
        bias: Option<Regularizer>,
    ) -> f64 {
        self.check_buffers();
        let penalty = self.penalty(kernel, bias);
        self.update(None, kernel, bias);
        penalty
    }

    /// Sets the learning rate of the next steps (a schedule's rate of the step).
    pub fn set_learning_rate(&mut self, rate: f64) {
        match &mut self.rule {
            Rule::Adam { lr, .. } | Rule::Sgd { lr, .. } | Rule::RmsProp { lr, .. } => *lr = rate,
        }
    }

    /// A whole training step of this layer in one pass over its kernel: each kernel row
    /// sums the output gradients of the batch rows its id occurs in (in row order, as
    /// [`SparseDense::backward`] does) and takes its optimizer step at once, so no
    /// gradient buffer is written, read back and cleared. Every weight takes its step,
    /// gradient or not. The same numbers as `backward` followed by `optimizer_step`;
    /// returns the penalty of the weights before the step.
    ///
    /// # Panics
    ///
    /// If the batch is not one this layer can read, or `grad_out` is not `rows × units`
    /// floats ([`SparseDense::check`]).
    pub fn step(
        &mut self,
        batch: Rows<'_>,
        grad_out: &[f32],
        kernel: Option<Regularizer>,
        bias: Option<Regularizer>,
    ) -> f64 {
        self.check(batch, Some(grad_out));
        let by_id = Transposed::new(batch, self.inputs);
        self.accumulate_bias(batch.rows(), grad_out);
        let penalty = self.penalty(kernel, bias);
        self.update(Some((&by_id, grad_out)), kernel, bias);
        penalty
    }

    /// Checks that `batch` (and `grad_out`, its output gradient) is one this layer can
    /// take, and panics with what is wrong if not: its width is the layer's inputs, its
    /// offsets run from 0 to the number of ids without decreasing, every id is below the
    /// width, the weights (if any) are one per id, and `grad_out` is `rows × units` floats. Also that the layer's own buffers
    /// have their shapes (its fields are public). Linear in the batch's size, which the
    /// kernels then read many times over.
    pub fn check(&self, batch: Rows<'_>, grad_out: Option<&[f32]>) {
        self.check_buffers();
        let (inputs, units) = (self.inputs, self.units);
        assert!(
            batch.width == inputs,
            "a batch of width {} given to a gathered layer of {inputs} inputs",
            batch.width
        );
        assert!(
            batch.offsets.first() == Some(&0)
                && batch.offsets.windows(2).all(|w| w[0] <= w[1])
                && batch.offsets.last().map(|&o| o as usize) == Some(batch.ids.len()),
            "a batch's row offsets must run from 0 to its {} ids without decreasing",
            batch.ids.len()
        );
        if let Some(weights) = batch.weights {
            assert!(
                weights.len() == batch.ids.len(),
                "a batch of {} ids with {} weights",
                batch.ids.len(),
                weights.len()
            );
        }
        if let Some(id) = batch.ids.iter().copied().max() {
            assert!(
                (id as usize) < inputs,
                "id {id} in a batch given to a gathered layer of {inputs} inputs"
            );
        }
        if let Some(grad_out) = grad_out {
            let rows = batch.rows();
            assert!(
                grad_out.len() == rows * units,
                "an output gradient of {} floats for {rows} rows of {units} units",
                grad_out.len()
            );
        }
    }

    /// Checks that the kernel, bias, their gradients and the optimizer's state still have
    /// the layer's shape (the kernel and bias are public fields, and may be replaced).
    fn check_buffers(&self) {
        let (inputs, units) = (self.inputs, self.units);
        assert!(
            self.weight.len() == inputs * units,
            "the gathered layer's kernel is not {inputs} × {units} floats"
        );
        assert!(
            self.bias.is_empty() || self.bias.len() == units,
            "the gathered layer's bias is {} floats, not {units}",
            self.bias.len()
        );
        let params = self.weight.len() + self.bias.len();
        assert!(
            self.grad_weight.len() == self.weight.len()
                && self.grad_bias.len() == self.bias.len()
                && self.state.iter().all(|s| s.len() == params),
            "the gathered layer's kernel or bias was replaced by one of another shape"
        );
    }

    /// Adds each batch row's output gradient to the bias gradient.
    fn accumulate_bias(&mut self, rows: usize, grad_out: &[f32]) {
        let units = self.units;
        if self.grad_bias.is_empty() {
            return;
        }
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

    /// Counts one more step and takes it with the rule's element update, specialised
    /// once here so that the passes' loops are straight-line arithmetic. The kernel's
    /// gradient is `batch`'s (summed on the fly) or, without one, the accumulated one.
    fn update(
        &mut self,
        batch: Option<(&Transposed, &[f32])>,
        kernel: Option<Regularizer>,
        bias: Option<Regularizer>,
    ) {
        self.steps += 1;
        let (kernel, bias) = (Penalty::new(kernel), Penalty::new(bias));
        match self.rule {
            Rule::Adam {
                lr,
                beta_1,
                beta_2,
                epsilon,
            } => {
                let update = AdamUpdate::new(lr, beta_1, beta_2, epsilon, self.steps);
                self.pass(update, batch, kernel, bias)
            }
            Rule::Sgd {
                lr,
                momentum,
                nesterov,
            } => {
                let (lr, momentum) = (lr as f32, momentum as f32);
                match (self.rule.slots(), nesterov) {
                    (0, _) => self.pass(SgdUpdate { lr }, batch, kernel, bias),
                    (_, false) => self.pass(MomentumUpdate { lr, momentum }, batch, kernel, bias),
                    (_, true) => self.pass(NesterovUpdate { lr, momentum }, batch, kernel, bias),
                }
            }
            Rule::RmsProp {
                lr,
                rho,
                momentum,
                epsilon,
            } => {
                let update = RmsPropUpdate {
                    lr: lr as f32,
                    rho,
                    epsilon,
                    momentum,
                };
                if momentum > 0.0 {
                    self.pass(update, batch, kernel, bias)
                } else {
                    self.pass(RmsPropPlain(update), batch, kernel, bias)
                }
            }
        }
    }

    /// One step of every kernel weight, then of the bias.
    fn pass<U: Update>(
        &mut self,
        update: U,
        batch: Option<(&Transposed, &[f32])>,
        kernel: Penalty,
        bias: Penalty,
    ) {
        self.kernel_pass(update, batch, kernel);
        self.bias_pass(update, bias);
    }

    /// The kernel's step, in tasks of whole kernel rows and, within a row, in tiles whose
    /// gradients are summed in registers (from the batch) or read and cleared (from the
    /// accumulated gradient), then applied at once.
    fn kernel_pass<U: Update>(
        &mut self,
        update: U,
        batch: Option<(&Transposed, &[f32])>,
        penalty: Penalty,
    ) {
        let SparseDense {
            units,
            weight,
            grad_weight,
            state,
            ..
        } = self;
        let (units, n) = (*units, weight.len());
        let rows_per_task = rows_per_task(units);
        let chunk = rows_per_task * units;
        let tasks = n.div_ceil(chunk);
        let mut slots = state.iter_mut().map(|s| &mut s[..n]);
        let (a, b) = (slots.next(), slots.next());
        let tiles = tiles(units);
        weight
            .par_chunks_mut(chunk)
            .zip(grad_weight.par_chunks_mut(chunk))
            .zip(slot_chunks(a, chunk, tasks).zip(slot_chunks(b, chunk, tasks)))
            .enumerate()
            .for_each(|(task, ((w, g), (mut a, mut b)))| {
                let mut grad = [0.0f32; TILE];
                // Where a rule keeps fewer than two floats per weight, the unused ones.
                let (mut spare_a, mut spare_b) = ([0.0f32; TILE], [0.0f32; TILE]);
                for (k, (w, g)) in w.chunks_mut(units).zip(g.chunks_mut(units)).enumerate() {
                    let rows = batch.map(|(by_id, _)| by_id.rows(task * rows_per_task + k));
                    for &(c0, width) in &tiles {
                        let grad = &mut grad[..width];
                        match (batch, rows) {
                            (Some((_, grad_out)), Some((rows, None))) => {
                                let sources = rows.iter().map(|&r| r as usize * units + c0);
                                with_width!(width, sum_slices(grad, grad_out, sources));
                            }
                            (Some((_, grad_out)), Some((rows, Some(scales)))) => {
                                let sources = rows
                                    .iter()
                                    .zip(scales)
                                    .map(|(&r, &s)| (r as usize * units + c0, s));
                                with_width!(width, sum_weighted_slices(grad, grad_out, sources));
                            }
                            _ => {
                                let g = &mut g[c0..c0 + width];
                                grad.copy_from_slice(g);
                                g.fill(0.0);
                            }
                        }
                        let at = k * units + c0;
                        let a = match a.as_deref_mut() {
                            Some(a) => &mut a[at..at + width],
                            None => &mut spare_a[..width],
                        };
                        let b = match b.as_deref_mut() {
                            Some(b) => &mut b[at..at + width],
                            None => &mut spare_b[..width],
                        };
                        for (((w, g), a), b) in w[c0..c0 + width]
                            .iter_mut()
                            .zip(grad.iter())
                            .zip(a.iter_mut())
                            .zip(b.iter_mut())
                        {
                            update.update(w, penalty.gradient(*w, *g), a, b);
                        }
                    }
                }
            });
    }

    /// The bias's step with its accumulated gradient, which it then clears.
    fn bias_pass<U: Update>(&mut self, update: U, penalty: Penalty) {
        let n = self.weight.len();
        let mut slots = self.state.iter_mut().map(|s| &mut s[n..]);
        let (mut a, mut b) = (slots.next(), slots.next());
        for (i, (w, g)) in self
            .bias
            .iter_mut()
            .zip(self.grad_bias.iter_mut())
            .enumerate()
        {
            let (mut spare_a, mut spare_b) = (0.0, 0.0);
            let a = a.as_deref_mut().map_or(&mut spare_a, |a| &mut a[i]);
            let b = b.as_deref_mut().map_or(&mut spare_b, |b| &mut b[i]);
            update.update(w, penalty.gradient(*w, *g), a, b);
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

/// Kernel rows per rayon task: [`CHUNK`] weights, or one row if wider.
fn rows_per_task(units: usize) -> usize {
    (CHUNK / units.max(1)).max(1)
}

/// A state buffer in the kernel pass's chunks, or, for a slot the rule does not have,
/// `tasks` times nothing.
fn slot_chunks<'a>(
    slot: Option<&'a mut [f32]>,
    chunk: usize,
    tasks: usize,
) -> impl IndexedParallelIterator<Item = Option<&'a mut [f32]>> + 'a {
    match slot {
        Some(slot) => Either::Left(slot.par_chunks_mut(chunk).map(Some)),
        None => Either::Right((0..tasks).into_par_iter().map(|_| None)),
    }
}

/// A batch transposed: for each id, the batch rows that hold it, in row order, with the
/// id's weight in each (for weighted rows).
struct Transposed {
    /// `inputs + 1` offsets into `rows`.
    starts: Vec<u32>,
    rows: Vec<u32>,
    /// Beside `rows`; empty for unweighted rows.
    weights: Vec<f32>,
}

impl Transposed {
    /// By counting sort: one pass to count each id, one to place each row. The batch has
    /// been checked ([`SparseDense::check`]).
    fn new(batch: Rows<'_>, inputs: usize) -> Self {
        let mut starts = vec![0u32; inputs + 1];
        for &id in batch.ids {
            starts[id as usize + 1] += 1;
        }
        for i in 0..inputs {
            starts[i + 1] += starts[i];
        }
        let mut fill = starts.clone();
        let mut rows = vec![0u32; batch.ids.len()];
        let mut weights = Vec::new();
        match batch.weights {
            None => {
                for r in 0..batch.rows() {
                    for &id in batch.row(r) {
                        rows[fill[id as usize] as usize] = r as u32;
                        fill[id as usize] += 1;
                    }
                }
            }
            Some(all) => {
                weights = vec![0.0f32; all.len()];
                for r in 0..batch.rows() {
                    let range = batch.offsets[r] as usize..batch.offsets[r + 1] as usize;
                    for (&id, &w) in batch.ids[range.clone()].iter().zip(&all[range]) {
                        let at = fill[id as usize] as usize;
                        rows[at] = r as u32;
                        weights[at] = w;
                        fill[id as usize] += 1;
                    }
                }
            }
        }
        Transposed {
            starts,
            rows,
            weights,
        }
    }

    /// The rows holding `id`, and its weights in them (`None` for unweighted rows).
    fn rows(&self, id: usize) -> (&[u32], Option<&[f32]>) {
        let range = self.starts[id] as usize..self.starts[id + 1] as usize;
        let weights = (!self.weights.is_empty()).then(|| &self.weights[range.clone()]);
        (&self.rows[range], weights)
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

/// Writes into `out` the sum of `start` (or zero) and the `W` columns from `c0` of the
/// kernel rows `ids`, each times its weight in `scales`, added in order.
#[inline(always)]
fn sum_weighted_rows<const W: usize>(
    out: &mut [f32],
    start: Option<&[f32]>,
    weight: &[f32],
    (units, c0): (usize, usize),
    ids: &[u32],
    scales: &[f32],
) {
    let mut acc = [0.0f32; W];
    if let Some(start) = start {
        acc.copy_from_slice(start);
    }
    for (&id, &s) in ids.iter().zip(scales) {
        let row = &weight[id as usize * units + c0..][..W];
        for (a, w) in acc.iter_mut().zip(row) {
            *a += s * w;
        }
    }
    out.copy_from_slice(&acc);
}

/// Writes into `acc` the sum of the `W`-float slices of `source` at `offsets`, each times
/// its scale, added in order.
#[inline(always)]
fn sum_weighted_slices<const W: usize>(
    acc: &mut [f32],
    source: &[f32],
    offsets: impl Iterator<Item = (usize, f32)>,
) {
    let mut sum = [0.0f32; W];
    for (o, scale) in offsets {
        for (s, v) in sum.iter_mut().zip(&source[o..o + W]) {
            *s += scale * v;
        }
    }
    acc.copy_from_slice(&sum);
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

/// The gradient of an L1/L2 penalty, added to a weight's gradient.
#[derive(Debug, Clone, Copy)]
struct Penalty {
    l1: f32,
    /// Twice the L2 factor: the gradient of `l2·w²` is `2·l2·w`.
    l2: f32,
}

impl Penalty {
    fn new(regularizer: Option<Regularizer>) -> Self {
        let (l1, l2) = regularizer.map_or((0.0, 0.0), |r| (r.l1 as f32, (2.0 * r.l2) as f32));
        Penalty { l1, l2 }
    }

    /// `g + l2·w + l1·sign(w)`; `sign` is 0 at 0, as burn's `abs`'s gradient.
    #[inline(always)]
    fn gradient(self, w: f32, g: f32) -> f32 {
        let sign = if w > 0.0 {
            1.0
        } else if w < 0.0 {
            -1.0
        } else {
            0.0
        };
        g + self.l2 * w + self.l1 * sign
    }
}

/// One step's element update of a weight `w` with its gradient `g` (the penalty's
/// included) and its two floats of state `a`, `b` (those a rule does not keep are
/// scratch). Straight-line arithmetic, so the loops over it vectorise. Each one computes
/// what burn's optimizer computes for one element, in the same operations and order, with
/// the same `f32` constants; burn's first step (no state yet) is the general step from a
/// zero state, exactly.
trait Update: Copy + Send + Sync {
    fn update(&self, w: &mut f32, g: f32, a: &mut f32, b: &mut f32);
}

/// One Adam step's constants (burn's `AdaptiveMomentum`).
#[derive(Debug, Clone, Copy)]
struct AdamUpdate {
    beta_1: f32,
    beta_2: f32,
    /// `1 − β₁`, `1 − β₂`.
    decay_1: f32,
    decay_2: f32,
    /// `sqrt(1 − β₂ᵗ) / (1 − β₁ᵗ)`.
    factor: f32,
    /// `ε · sqrt(1 − β₂ᵗ)`.
    epsilon: f32,
    lr: f32,
}

impl AdamUpdate {
    fn new(lr: f64, beta_1: f32, beta_2: f32, epsilon: f32, steps: u32) -> Self {
        let t = steps as i32;
        let bias_correction_2 = (1.0 - beta_2.powi(t)).sqrt();
        AdamUpdate {
            beta_1,
            beta_2,
            decay_1: 1.0 - beta_1,
            decay_2: 1.0 - beta_2,
            factor: bias_correction_2 / (1.0 - beta_1.powi(t)),
            epsilon: epsilon * bias_correction_2,
            lr: lr as f32,
        }
    }
}

impl Update for AdamUpdate {
    /// `a`, `b`: the first and second moments.
    #[inline(always)]
    fn update(&self, w: &mut f32, g: f32, m: &mut f32, v: &mut f32) {
        *m = *m * self.beta_1 + g * self.decay_1;
        *v = *v * self.beta_2 + g * g * self.decay_2;
        let step = *m * self.factor / (v.sqrt() + self.epsilon);
        *w -= step * self.lr;
    }
}

/// Plain SGD (burn's `Sgd` without momentum): no state.
#[derive(Debug, Clone, Copy)]
struct SgdUpdate {
    lr: f32,
}

impl Update for SgdUpdate {
    #[inline(always)]
    fn update(&self, w: &mut f32, g: f32, _: &mut f32, _: &mut f32) {
        *w -= g * self.lr;
    }
}

/// SGD with burn's `Momentum`, dampening 0: `a` is the velocity. (burn multiplies the
/// gradient by `1 − dampening` = 1, which changes no bit.)
#[derive(Debug, Clone, Copy)]
struct MomentumUpdate {
    lr: f32,
    momentum: f32,
}

impl Update for MomentumUpdate {
    #[inline(always)]
    fn update(&self, w: &mut f32, g: f32, velocity: &mut f32, _: &mut f32) {
        *velocity = g + *velocity * self.momentum;
        *w -= *velocity * self.lr;
    }
}

/// SGD with burn's Nesterov `Momentum`, dampening 0: `a` is the velocity.
#[derive(Debug, Clone, Copy)]
struct NesterovUpdate {
    lr: f32,
    momentum: f32,
}

impl Update for NesterovUpdate {
    #[inline(always)]
    fn update(&self, w: &mut f32, g: f32, velocity: &mut f32, _: &mut f32) {
        *velocity = g + *velocity * self.momentum;
        *w -= (*velocity * self.momentum + g) * self.lr;
    }
}

/// RMSprop with momentum (burn's `RmsProp`, not centered): `a` is the squared-gradient
/// average, `b` the momentum buffer.
#[derive(Debug, Clone, Copy)]
struct RmsPropUpdate {
    lr: f32,
    rho: f32,
    epsilon: f32,
    momentum: f32,
}

impl Update for RmsPropUpdate {
    #[inline(always)]
    fn update(&self, w: &mut f32, g: f32, square_avg: &mut f32, buf: &mut f32) {
        *square_avg = *square_avg * self.rho + g * g * (1.0 - self.rho);
        let step = g / (square_avg.sqrt() + self.epsilon);
        *buf = *buf * self.momentum + step;
        *w -= *buf * self.lr;
    }
}

/// RMSprop without momentum: `a` is the squared-gradient average.
#[derive(Debug, Clone, Copy)]
struct RmsPropPlain(RmsPropUpdate);

impl Update for RmsPropPlain {
    #[inline(always)]
    fn update(&self, w: &mut f32, g: f32, square_avg: &mut f32, _: &mut f32) {
        let RmsPropUpdate {
            lr, rho, epsilon, ..
        } = self.0;
        *square_avg = *square_avg * rho + g * g * (1.0 - rho);
        *w -= g / (square_avg.sqrt() + epsilon) * lr;
    }
}
