//! The layers of text models: an embedding of word ids, poolings, 1-D convolutions and
//! recurrent layers, over sequences `[batch, length, channels]` as Keras lays them out.
//!
//! Weights are kept in Keras's layouts (an LSTM's kernel `[inputs, 4·units]` with gates
//! `i, f, c, o`; a GRU's `z, r, h` and its bias `[2, 3·units]`), except a convolution's
//! kernel, which is burn's `[filters, channels, kernel_size]`, so that they can be
//! exported. The recurrent cells are written with burn's tensor operations: burn's own
//! `Gru` applies the reset gate before the recurrent product (Keras's `reset_after =
//! False`), not after as Keras's default does.

use super::{apply, init};
use crate::ir::{self, Activation, ConvPadding};
use burn::module::{Module, Param};
use burn::tensor::module::{embedding, max_pool1d};
use burn::tensor::ops::MaxPoolOptions;
use burn::tensor::{activation, Device, Int, Tensor};
use rand_chacha::ChaCha8Rng;

/// Keras's `Embedding(vocabulary, dim)`: row `id` of the table is word `id`'s vector.
#[derive(Module, Debug)]
pub struct EmbeddingBlock {
    /// `[vocabulary, dim]`, initialised uniform in ±0.05 as Keras's default.
    pub table: Param<Tensor<2>>,
    /// Whether id 0 is padding that later layers skip.
    #[module(skip)]
    pub mask_zero: bool,
}

impl EmbeddingBlock {
    /// A table drawn from `rng`.
    pub fn new(
        vocabulary: usize,
        e: &ir::Embedding,
        rng: &mut ChaCha8Rng,
        device: &Device,
    ) -> Self {
        let values = super::bag::embedding_init(vocabulary, e.dim, rng);
        EmbeddingBlock {
            table: Param::from_tensor(init::tensor(values, [vocabulary, e.dim], device)),
            mask_zero: e.mask_zero,
        }
    }

    /// The vectors of `ids` `[batch, length]`, and with `mask_zero` the mask (1 where the
    /// id is not 0) `[batch, length]`.
    pub fn forward(&self, ids: Tensor<2, Int>) -> (Tensor<3>, Option<Tensor<2>>) {
        let mask = self
            .mask_zero
            .then(|| ids.clone().not_equal_elem(0).float());
        (embedding(self.table.val(), ids), mask)
    }
}

/// A pooling over all steps, or the steps side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduce {
    /// Keras's `GlobalAveragePooling1D` (masked: the mean over unmasked steps).
    Average,
    /// Keras's `GlobalMaxPooling1D` (which ignores a mask).
    Max,
    /// Keras's `Flatten` (which drops a mask).
    Flatten,
}

/// A layer that turns a sequence into a flat row.
#[derive(Module, Debug)]
pub struct ReduceBlock {
    /// Which reduction.
    #[module(skip)]
    pub reduce: Reduce,
}

impl ReduceBlock {
    /// `[batch, length, channels]` → `[batch, channels]` (`[batch, length·channels]` for
    /// flatten).
    pub fn forward(&self, x: Tensor<3>, mask: Option<Tensor<2>>) -> Tensor<2> {
        let [batch, length, channels] = x.dims();
        match (self.reduce, mask) {
            // Keras: `sum(where(mask, x, 0)) / sum(mask)`, so a row that is all padding
            // divides 0 by 0 (NaN), as it does in Keras.
            (Reduce::Average, Some(mask)) => {
                let count = mask.clone().sum_dim(1); // [batch, 1]
                let sum = (x * mask.unsqueeze_dim::<3>(2))
                    .sum_dim(1)
                    .reshape([batch, channels]);
                sum / count
            }
            (Reduce::Average, None) => x.mean_dim(1).reshape([batch, channels]),
            (Reduce::Max, _) => x.max_dim(1).reshape([batch, channels]),
            (Reduce::Flatten, _) => x.reshape([batch, length * channels]),
        }
    }
}

/// The steps before and after a sequence of `length` that Keras's `same` padding adds for
/// windows of `size` every `strides` steps: `⌈length / strides⌉` outputs, the odd step at
/// the end (TensorFlow's convention).
pub fn same_padding(length: usize, size: usize, strides: usize) -> (usize, usize) {
    let out = length.div_ceil(strides);
    let total = ((out.max(1) - 1) * strides + size).saturating_sub(length);
    (total / 2, total - total / 2)
}

/// The output length of a window of `size` every `strides` steps over `length` steps.
pub fn output_length(length: usize, size: usize, strides: usize, padding: ConvPadding) -> usize {
    match padding {
        ConvPadding::Valid => (length.saturating_sub(size)) / strides + 1,
        ConvPadding::Same => length.div_ceil(strides),
    }
}

/// `x` `[batch, channels, length]` with `before` and `after` steps of `value` added.
fn pad_steps(x: Tensor<3>, before: usize, after: usize, value: f32) -> Tensor<3> {
    if before == 0 && after == 0 {
        return x;
    }
    let [batch, channels, _] = x.dims();
    let device = x.device();
    let mut parts = Vec::with_capacity(3);
    if before > 0 {
        parts.push(Tensor::full([batch, channels, before], value, &device));
    }
    parts.push(x);
    if after > 0 {
        parts.push(Tensor::full([batch, channels, after], value, &device));
    }
    Tensor::cat(parts, 2)
}

/// Keras's `Conv1D(filters, kernel_size, strides, padding, activation)`.
#[derive(Module, Debug)]
pub struct ConvBlock {
    /// `[filters, channels, kernel_size]` (burn's layout), Glorot-uniform with Keras's
    /// fans (`kernel_size · channels` in, `kernel_size · filters` out).
    pub kernel: Param<Tensor<3>>,
    /// `[filters]`, zeros.
    pub bias: Param<Tensor<1>>,
    /// Steps between windows.
    #[module(skip)]
    pub strides: usize,
    /// Valid or same.
    #[module(skip)]
    pub padding: ConvPadding,
    /// Applied to the output.
    #[module(skip)]
    pub activation: Activation,
}

impl ConvBlock {
    /// A convolution over `channels` input channels, drawn from `rng`.
    pub fn new(channels: usize, c: &ir::Conv1d, rng: &mut ChaCha8Rng, device: &Device) -> Self {
        let k = c.kernel_size;
        let f = c.filters;
        // Drawn in Keras's layout `(kernel_size, channels, filters)`, stored as burn's.
        let keras = init::glorot(k * channels, k * f, k * channels * f, rng);
        let mut burn_layout = vec![0.0; keras.len()];
        for step in 0..k {
            for ch in 0..channels {
                for filter in 0..f {
                    burn_layout[(filter * channels + ch) * k + step] =
                        keras[(step * channels + ch) * f + filter];
                }
            }
        }
        ConvBlock {
            kernel: Param::from_tensor(init::tensor(burn_layout, [f, channels, k], device)),
            bias: Param::from_tensor(Tensor::zeros([f], device)),
            strides: c.strides,
            padding: c.padding,
            activation: c.activation,
        }
    }

    /// `[batch, length, channels]` → `[batch, output_length, filters]`.
    ///
    /// As one matrix product of the windows (`[batch · output_length, k · channels]`, the
    /// `k` shifted views side by side) and the kernel: burn-ndarray's own `conv1d` and its
    /// backward were ~30× slower on IMDB-sized batches. The sums are the same.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [batch, length, channels] = x.dims();
        let [filters, _, k] = self.kernel.dims();
        let x = match self.padding {
            ConvPadding::Valid => x,
            ConvPadding::Same => {
                let (before, after) = same_padding(length, k, self.strides);
                pad_steps(x.swap_dims(1, 2), before, after, 0.0).swap_dims(1, 2)
            }
        };
        let padded = x.dims()[1];
        let out = (padded - k) / self.strides + 1;
        let device = x.device();
        let windows: Vec<Tensor<3>> = (0..k)
            .map(|j| {
                if self.strides == 1 {
                    x.clone().narrow(1, j, out)
                } else {
                    let steps: Vec<i64> = (0..out).map(|t| (j + t * self.strides) as i64).collect();
                    let steps = Tensor::<1, burn::tensor::Int>::from_data(
                        burn::tensor::TensorData::new(steps, [out]),
                        &device,
                    );
                    x.clone().select(1, steps)
                }
            })
            .collect();
        let windows = Tensor::cat(windows, 2).reshape([batch * out, k * channels]);
        // burn's `[filters, channels, k]` as `[k · channels, filters]`, row `j · channels + c`.
        let kernel = self
            .kernel
            .val()
            .permute([2, 1, 0])
            .reshape([k * channels, filters]);
        let y = windows.matmul(kernel) + self.bias.val().unsqueeze_dim(0);
        apply(self.activation, y.reshape([batch, out, filters]))
    }
}

/// Keras's `MaxPooling1D(pool_size, strides, padding)`.
#[derive(Module, Debug)]
pub struct MaxPoolBlock {
    /// Steps per window.
    #[module(skip)]
    pub pool_size: usize,
    /// Steps between windows.
    #[module(skip)]
    pub strides: usize,
    /// Valid or same.
    #[module(skip)]
    pub padding: ConvPadding,
}

impl MaxPoolBlock {
    /// `[batch, length, channels]` → `[batch, output_length, channels]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [_, length, _] = x.dims();
        let x = x.swap_dims(1, 2);
        let x = match self.padding {
            ConvPadding::Valid => x,
            // Padding never wins a maximum (TensorFlow's `SAME` pooling ignores it):
            // every window holds at least one real step.
            ConvPadding::Same => {
                let (before, after) = same_padding(length, self.pool_size, self.strides);
                pad_steps(x, before, after, f32::NEG_INFINITY)
            }
        };
        let options = MaxPoolOptions::new([self.pool_size]).with_stride([self.strides]);
        max_pool1d(x, options).swap_dims(1, 2)
    }
}

/// Keras's `LSTM(units)`: `tanh` activation, `sigmoid` recurrent activation, gates in
/// Keras's order `i, f, c, o`.
#[derive(Module, Debug)]
pub struct LstmBlock {
    /// `[inputs, 4·units]`, Glorot-uniform.
    pub kernel: Param<Tensor<2>>,
    /// `[units, 4·units]`, orthogonal.
    pub recurrent: Param<Tensor<2>>,
    /// `[4·units]`: zeros, ones for the forget gate (`unit_forget_bias`).
    pub bias: Param<Tensor<1>>,
    /// Every step's output rather than the last.
    #[module(skip)]
    pub return_sequences: bool,
}

/// Keras's `GRU(units)` with `reset_after = True`: gates `z, r, h`, the reset gate
/// applied to the recurrent product after its bias.
#[derive(Module, Debug)]
pub struct GruBlock {
    /// `[inputs, 3·units]`, Glorot-uniform.
    pub kernel: Param<Tensor<2>>,
    /// `[units, 3·units]`, orthogonal.
    pub recurrent: Param<Tensor<2>>,
    /// `[2, 3·units]`: the input bias, then the recurrent bias (Keras's shape); zeros.
    pub bias: Param<Tensor<2>>,
    /// Every step's output rather than the last.
    #[module(skip)]
    pub return_sequences: bool,
}

impl LstmBlock {
    /// A layer over `inputs` channels, drawn from `rng`.
    pub fn new(inputs: usize, r: &ir::Recurrent, rng: &mut ChaCha8Rng, device: &Device) -> Self {
        let u = r.units;
        let kernel = init::glorot(inputs, 4 * u, inputs * 4 * u, rng);
        let recurrent = init::orthogonal(u, 4 * u, rng);
        let mut bias = vec![0.0; 4 * u];
        bias[u..2 * u].fill(1.0);
        LstmBlock {
            kernel: Param::from_tensor(init::tensor(kernel, [inputs, 4 * u], device)),
            recurrent: Param::from_tensor(init::tensor(recurrent, [u, 4 * u], device)),
            bias: Param::from_tensor(init::tensor(bias, [4 * u], device)),
            return_sequences: r.return_sequences,
        }
    }

    /// `[batch, length, inputs]` → the last output `[batch, units]` or every step's
    /// `[batch, length, units]`. A masked step keeps the previous state and output, as
    /// Keras's recurrent layers do.
    pub fn forward(&self, x: Tensor<3>, mask: Option<Tensor<2>>) -> Sequenced {
        let [batch, length, inputs] = x.dims();
        let [units, _] = self.recurrent.dims();
        let device = x.device();
        // The input's contribution to every step at once: one matrix product.
        let projected = (x
            .reshape([batch * length, inputs])
            .matmul(self.kernel.val())
            + self.bias.val().unsqueeze_dim::<2>(0))
        .reshape([batch, length, 4 * units]);
        let recurrent = self.recurrent.val();
        let mut h: Tensor<2> = Tensor::zeros([batch, units], &device);
        let mut c: Tensor<2> = Tensor::zeros([batch, units], &device);
        let mut outputs = Vec::with_capacity(if self.return_sequences { length } else { 0 });
        for t in 0..length {
            let z = projected
                .clone()
                .narrow(1, t, 1)
                .reshape([batch, 4 * units])
                + h.clone().matmul(recurrent.clone());
            let gates = z.chunk(4, 1);
            let i = activation::sigmoid(gates[0].clone());
            let f = activation::sigmoid(gates[1].clone());
            let candidate = gates[2].clone().tanh();
            let o = activation::sigmoid(gates[3].clone());
            let c_new = f * c.clone() + i * candidate;
            let h_new = o * c_new.clone().tanh();
            (h, c) = match &mask {
                Some(mask) => {
                    let m = mask.clone().narrow(1, t, 1); // [batch, 1]
                    (keep(m.clone(), h_new, h), keep(m, c_new, c))
                }
                None => (h_new, c_new),
            };
            if self.return_sequences {
                outputs.push(h.clone());
            }
        }
        finish(h, outputs, self.return_sequences)
    }
}

impl GruBlock {
    /// A layer over `inputs` channels, drawn from `rng`.
    pub fn new(inputs: usize, r: &ir::Recurrent, rng: &mut ChaCha8Rng, device: &Device) -> Self {
        let u = r.units;
        let kernel = init::glorot(inputs, 3 * u, inputs * 3 * u, rng);
        let recurrent = init::orthogonal(u, 3 * u, rng);
        GruBlock {
            kernel: Param::from_tensor(init::tensor(kernel, [inputs, 3 * u], device)),
            recurrent: Param::from_tensor(init::tensor(recurrent, [u, 3 * u], device)),
            bias: Param::from_tensor(Tensor::zeros([2, 3 * u], device)),
            return_sequences: r.return_sequences,
        }
    }

    /// As [`LstmBlock::forward`], with Keras's GRU cell:
    /// `z = σ(x_z + h_z)`, `r = σ(x_r + h_r)`, `ĥ = tanh(x_h + r ⊙ h_h)`,
    /// `h' = z ⊙ h + (1 − z) ⊙ ĥ`, where `x_* = x·W + b_in` and `h_* = h·U + b_rec`.
    pub fn forward(&self, x: Tensor<3>, mask: Option<Tensor<2>>) -> Sequenced {
        let [batch, length, inputs] = x.dims();
        let [units, _] = self.recurrent.dims();
        let device = x.device();
        let biases = self.bias.val().chunk(2, 0);
        let input_bias = biases[0].clone().reshape([1, 3 * units]);
        let recurrent_bias = biases[1].clone().reshape([1, 3 * units]);
        let projected = (x
            .reshape([batch * length, inputs])
            .matmul(self.kernel.val())
            + input_bias)
            .reshape([batch, length, 3 * units]);
        let recurrent = self.recurrent.val();
        let mut h: Tensor<2> = Tensor::zeros([batch, units], &device);
        let mut outputs = Vec::with_capacity(if self.return_sequences { length } else { 0 });
        for t in 0..length {
            let xs = projected
                .clone()
                .narrow(1, t, 1)
                .reshape([batch, 3 * units])
                .chunk(3, 1);
            let hs = (h.clone().matmul(recurrent.clone()) + recurrent_bias.clone()).chunk(3, 1);
            let z = activation::sigmoid(xs[0].clone() + hs[0].clone());
            let r = activation::sigmoid(xs[1].clone() + hs[1].clone());
            let candidate = (xs[2].clone() + r * hs[2].clone()).tanh();
            let h_new = z.clone() * h.clone() + z.neg().add_scalar(1.0) * candidate;
            h = match &mask {
                Some(mask) => keep(mask.clone().narrow(1, t, 1), h_new, h),
                None => h_new,
            };
            if self.return_sequences {
                outputs.push(h.clone());
            }
        }
        finish(h, outputs, self.return_sequences)
    }
}

/// What a recurrent layer returns.
pub enum Sequenced {
    /// The last output `[batch, units]`.
    Last(Tensor<2>),
    /// Every step's output `[batch, length, units]`.
    All(Tensor<3>),
}

/// `new` where `mask` `[batch, 1]` is 1, `old` where it is 0 (exactly: `x · 1 + y · 0`).
fn keep(mask: Tensor<2>, new: Tensor<2>, old: Tensor<2>) -> Tensor<2> {
    new * mask.clone() + old * mask.neg().add_scalar(1.0)
}

fn finish(h: Tensor<2>, outputs: Vec<Tensor<2>>, return_sequences: bool) -> Sequenced {
    if return_sequences && !outputs.is_empty() {
        Sequenced::All(Tensor::stack(outputs, 1))
    } else {
        Sequenced::Last(h)
    }
}
