//! Stage 4a: an IR model → a burn module, initialised as Keras initialises it.
//!
//! The module is a list of blocks (dense, dropout, batch norm, and the sequence layers of
//! [`sequence`]) in the shape of burn's own examples (`#[derive(Module)]`, built by `init(&device)`-style constructors). Every random
//! number (initial weights, dropout masks) comes from ofit's own seeded generator, not from
//! burn's global one, so a run is deterministic given its seed even with other models
//! training in the same process.

pub mod bag;
pub mod denormals;
pub mod init;
pub mod sequence;
pub mod sparse;

use crate::ir::{self, Activation, Layer, Regularizer};
use burn::module::{Module, Param};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig};
use burn::tensor::activation;
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sequence::{
    ConvBlock, EmbeddingBlock, GruBlock, LstmBlock, MaxPoolBlock, Reduce, ReduceBlock, Sequenced,
};

/// The CPU backends ofit can train on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    /// burn-ndarray (the default).
    #[default]
    NdArray,
    /// burn-flex, burn's newer pure-Rust CPU backend.
    Flex,
}

impl Backend {
    /// Every backend.
    pub const ALL: [Backend; 2] = [Backend::NdArray, Backend::Flex];

    /// The backend's name (`ndarray` or `flex`), as a result key and `OFIT_BACKEND` say it.
    pub fn name(self) -> &'static str {
        match self {
            Backend::NdArray => "ndarray",
            Backend::Flex => "flex",
        }
    }

    /// The backend called `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Backend> {
        Backend::ALL.into_iter().find(|b| b.name() == name)
    }

    /// The autodiff device of this backend. The backend is chosen here and only here:
    /// burn 0.22 picks it by device, so another backend is a one-line change.
    #[allow(deprecated)] // burn-ndarray is this project's fixed default CPU backend.
    pub fn device(self) -> Device {
        match self {
            Backend::NdArray => Device::ndarray().autodiff(),
            Backend::Flex => Device::flex().autodiff(),
        }
    }
}

/// A model lowered to burn.
#[derive(Module, Debug)]
pub struct Network {
    /// The layers in order.
    pub blocks: Vec<Block>,
    /// The activation of the output layer; [`Network::forward`] returns the values before
    /// it (logits), from which losses are computed stably.
    #[module(skip)]
    pub output: Activation,
}

/// One layer.
#[derive(Module, Debug)]
pub enum Block {
    /// A dense layer and its activation.
    Dense(DenseBlock),
    /// Inverted dropout.
    Dropout(DropoutBlock),
    /// Batch normalization (of the last axis, on sequences).
    BatchNorm(BatchNorm),
    /// Normalization by statistics adapted before training.
    Normalization(NormalizationBlock),
    /// Word ids → vectors.
    Embedding(EmbeddingBlock),
    /// A sequence → a flat row: global average or max pooling, or flatten.
    Reduce(ReduceBlock),
    /// A 1-D convolution.
    Conv1d(ConvBlock),
    /// Max pooling over windows of steps.
    MaxPooling1d(MaxPoolBlock),
    /// An LSTM layer.
    Lstm(LstmBlock),
    /// A GRU layer.
    Gru(GruBlock),
}

/// What flows between blocks.
#[derive(Debug, Clone)]
pub enum Value {
    /// Flat rows `[batch, width]`.
    Flat(Tensor<2>),
    /// Sequences `[batch, length, channels]`.
    Sequence(Tensor<3>),
    /// Word ids `[batch, length]`.
    Ids(Tensor<2, Int>),
}

impl From<Tensor<2>> for Value {
    fn from(x: Tensor<2>) -> Self {
        Value::Flat(x)
    }
}

/// The shape of a [`Value`] while lowering, batch left out.
#[derive(Debug, Clone, Copy)]
enum Shape {
    Flat(usize),
    Sequence { length: usize, channels: usize },
    Ids { length: usize, vocabulary: usize },
}

/// A dense layer: `activation(x · W + b)`, with its weight penalties.
#[derive(Module, Debug)]
pub struct DenseBlock {
    /// Kernel `[inputs, units]` and bias `[units]`.
    pub linear: Linear,
    /// Applied after the linear map (not for the output layer, see [`Network::output`]).
    #[module(skip)]
    pub activation: Activation,
    /// Penalty on the kernel.
    #[module(skip)]
    pub kernel_regularizer: Option<Regularizer>,
    /// Penalty on the bias.
    #[module(skip)]
    pub bias_regularizer: Option<Regularizer>,
}

/// Dropout with rate `rate`: in training, each unit is zeroed with that probability and
/// the others scaled by `1 / (1 - rate)`; at inference it does nothing.
#[derive(Module, Debug)]
pub struct DropoutBlock {
    /// Fraction dropped.
    #[module(skip)]
    pub rate: f64,
}

/// Keras's `Normalization()`: `(x − mean) / max(√variance, ε)` per feature, with `ε` Keras's
/// `backend.epsilon()`, 1e-7. The statistics are weights that never train: they are set by
/// [`NormalizationBlock::adapt`] and saved with the model.
#[derive(Module, Debug)]
pub struct NormalizationBlock {
    /// Each feature's mean over the adapted rows.
    pub mean: Param<Tensor<1>>,
    /// Each feature's variance (the population's, as Keras's) over them.
    pub variance: Param<Tensor<1>>,
    /// How many rows they were computed over (Keras's third weight).
    pub count: Param<Tensor<1>>,
}

impl NormalizationBlock {
    /// Keras's `backend.epsilon()`: the smallest standard deviation divided by.
    pub const EPSILON: f64 = 1e-7;

    fn new(width: usize, device: &Device) -> Self {
        let fixed = |t: Tensor<1>| Param::from_tensor(t).set_require_grad(false);
        NormalizationBlock {
            mean: fixed(Tensor::zeros([width], device)),
            variance: fixed(Tensor::ones([width], device)),
            count: fixed(Tensor::zeros([1], device)),
        }
    }

    /// Sets the statistics to those of `rows` (row-major, `width` features each), computed
    /// in `f64` so that a large count loses nothing.
    pub fn adapt(&mut self, rows: &[f32], width: usize) {
        let n = rows.len() / width.max(1);
        let mut mean = vec![0.0f64; width];
        for row in rows.chunks_exact(width) {
            for (m, &x) in mean.iter_mut().zip(row) {
                *m += f64::from(x);
            }
        }
        mean.iter_mut().for_each(|m| *m /= n.max(1) as f64);
        let mut variance = vec![0.0f64; width];
        for row in rows.chunks_exact(width) {
            for ((v, &x), m) in variance.iter_mut().zip(row).zip(&mean) {
                *v += (f64::from(x) - m).powi(2);
            }
        }
        variance.iter_mut().for_each(|v| *v /= n.max(1) as f64);
        let device = self.mean.device();
        let fixed = |values: Vec<f64>| {
            let values: Vec<f32> = values.into_iter().map(|v| v as f32).collect();
            let len = values.len();
            Param::from_tensor(Tensor::from_data(TensorData::new(values, [len]), &device))
                .set_require_grad(false)
        };
        self.mean = fixed(mean);
        self.variance = fixed(variance);
        self.count = fixed(vec![n as f64]);
    }

    /// The normalized rows `[batch, features]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let std = self
            .variance
            .val()
            .sqrt()
            .clamp_min(Self::EPSILON)
            .unsqueeze_dim(0);
        (x - self.mean.val().unsqueeze_dim(0)) / std
    }
}

/// Lowers `model` with weights drawn from `seed`: Glorot-uniform kernels and zero biases,
/// as Keras's `Dense` defaults.
///
/// # Panics
/// If the model's input width is unknown (the data stage fills it in before training).
pub fn lower(model: &ir::Model, seed: u64, device: &Device) -> Network {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let width = model
        .input
        .width
        .expect("input width is known before lowering");
    let mut shape = match model.input.vocabulary {
        Some(vocabulary) => Shape::Ids {
            length: width,
            vocabulary,
        },
        None => Shape::Flat(width),
    };
    let last_dense = model
        .layers
        .iter()
        .rposition(|l| matches!(l, Layer::Dense(_)))
        .expect("the checker guarantees an output layer");
    let mut blocks = Vec::with_capacity(model.layers.len());
    for (index, layer) in model.layers.iter().enumerate() {
        let (block, next) = lower_layer(layer, shape, index == last_dense, &mut rng, device);
        blocks.push(block);
        shape = next;
    }
    let output = match &model.layers[last_dense] {
        Layer::Dense(d) => d.activation,
        _ => unreachable!("found as a dense layer"),
    };
    Network { blocks, output }
}

/// One layer receiving values of `shape`, and the shape of what it gives.
///
/// # Panics
/// On a layer that does not fit its input (the checker refuses such a model).
fn lower_layer(
    layer: &Layer,
    shape: Shape,
    output: bool,
    rng: &mut ChaCha8Rng,
    device: &Device,
) -> (Block, Shape) {
    match (layer, shape) {
        (Layer::Dense(d), Shape::Flat(width)) => {
            let linear = glorot_linear(width, d.units, d.use_bias, rng, device);
            let block = Block::Dense(DenseBlock {
                linear,
                activation: if output {
                    Activation::Linear
                } else {
                    d.activation
                },
                kernel_regularizer: d.kernel_regularizer,
                bias_regularizer: d.bias_regularizer,
            });
            (block, Shape::Flat(d.units))
        }
        (Layer::Dropout { rate }, _) => (Block::Dropout(DropoutBlock { rate: *rate }), shape),
        (Layer::Normalization, Shape::Flat(width)) => (
            Block::Normalization(NormalizationBlock::new(width, device)),
            shape,
        ),
        (Layer::BatchNorm(b), Shape::Flat(channels) | Shape::Sequence { channels, .. }) => (
            Block::BatchNorm(
                BatchNormConfig::new(channels)
                    .with_epsilon(b.epsilon)
                    // Keras keeps `momentum` of the old average; burn mixes in `momentum`
                    // of the new batch.
                    .with_momentum(1.0 - b.momentum)
                    .init(device),
            ),
            shape,
        ),
        (Layer::Embedding(e), Shape::Ids { length, vocabulary }) => (
            Block::Embedding(EmbeddingBlock::new(vocabulary, e, rng, device)),
            Shape::Sequence {
                length,
                channels: e.dim,
            },
        ),
        (
            Layer::GlobalAveragePooling | Layer::GlobalMaxPooling | Layer::Flatten,
            Shape::Sequence { length, channels },
        ) => {
            let (reduce, width) = match layer {
                Layer::GlobalAveragePooling => (Reduce::Average, channels),
                Layer::GlobalMaxPooling => (Reduce::Max, channels),
                _ => (Reduce::Flatten, length * channels),
            };
            (Block::Reduce(ReduceBlock { reduce }), Shape::Flat(width))
        }
        (Layer::Conv1d(c), Shape::Sequence { length, channels }) => (
            Block::Conv1d(ConvBlock::new(channels, c, rng, device)),
            Shape::Sequence {
                length: sequence::output_length(length, c.kernel_size, c.strides, c.padding),
                channels: c.filters,
            },
        ),
        (Layer::MaxPooling1d(p), Shape::Sequence { length, channels }) => (
            Block::MaxPooling1d(MaxPoolBlock {
                pool_size: p.pool_size,
                strides: p.strides,
                padding: p.padding,
            }),
            Shape::Sequence {
                length: sequence::output_length(length, p.pool_size, p.strides, p.padding),
                channels,
            },
        ),
        (Layer::Lstm(r) | Layer::Gru(r), Shape::Sequence { length, channels }) => {
            let block = match layer {
                Layer::Lstm(_) => Block::Lstm(LstmBlock::new(channels, r, rng, device)),
                _ => Block::Gru(GruBlock::new(channels, r, rng, device)),
            };
            let next = if r.return_sequences {
                Shape::Sequence {
                    length,
                    channels: r.units,
                }
            } else {
                Shape::Flat(r.units)
            };
            (block, next)
        }
        _ => panic!("the checker refuses {layer:?} on {shape:?}"),
    }
}

/// A dense layer with a Glorot-uniform kernel (`±sqrt(6 / (in + out))`) and zero bias.
fn glorot_linear(
    inputs: usize,
    units: usize,
    bias: bool,
    rng: &mut ChaCha8Rng,
    device: &Device,
) -> Linear {
    let limit = (6.0 / (inputs + units) as f64).sqrt() as f32;
    let kernel: Vec<f32> = (0..inputs * units)
        .map(|_| rng.random_range(-limit..limit))
        .collect();
    let mut linear = LinearConfig::new(inputs, units)
        .with_bias(bias)
        .init(device);
    linear.weight = Param::from_tensor(Tensor::from_data(
        TensorData::new(kernel, [inputs, units]),
        device,
    ));
    if bias {
        linear.bias = Some(Param::from_tensor(Tensor::zeros([units], device)));
    }
    linear
}

impl Network {
    /// The output layer's values before its activation (logits), for a batch of flat rows
    /// `[rows, inputs]` or word ids `[rows, length]`. With `dropout`, dropout layers draw
    /// their masks from it (training); without, they pass values through (inference).
    pub fn forward(&self, input: impl Into<Value>, dropout: Option<&mut ChaCha8Rng>) -> Tensor<2> {
        self.forward_from(0, input, dropout)
    }

    /// Like [`Network::forward`], from block `start` on: `input` is what block `start`
    /// receives (the first layer's activated output when that layer runs as a gather;
    /// the pooled rows `Value::Flat` when an embedding and its pooling do). No mask enters
    /// with it: a mask ends at the first layer that consumes it.
    ///
    /// # Panics
    /// If a block receives a value of the wrong rank (the checker refuses such a model).
    pub fn forward_from(
        &self,
        start: usize,
        input: impl Into<Value>,
        mut dropout: Option<&mut ChaCha8Rng>,
    ) -> Tensor<2> {
        let mut x = input.into();
        // Keras's mask `[batch, length]` (1 = a real step), from an embedding with
        // `mask_zero` to the layer that consumes or drops it.
        let mut mask: Option<Tensor<2>> = None;
        for block in &self.blocks[start..] {
            x = match (block, x) {
                (Block::Dense(dense), Value::Flat(x)) => {
                    Value::Flat(apply(dense.activation, dense.linear.forward(x)))
                }
                (Block::Dropout(d), x) => match dropout.as_deref_mut() {
                    Some(rng) if d.rate > 0.0 => match x {
                        Value::Flat(x) => Value::Flat(drop(x, d.rate, rng)),
                        Value::Sequence(x) => Value::Sequence(drop(x, d.rate, rng)),
                        Value::Ids(_) => panic!("dropout on word ids"),
                    },
                    _ => x,
                },
                (Block::BatchNorm(norm), Value::Flat(x)) => Value::Flat(norm.forward(x)),
                (Block::Normalization(norm), Value::Flat(x)) => Value::Flat(norm.forward(x)),
                (Block::BatchNorm(norm), Value::Sequence(x)) => {
                    Value::Sequence(batch_norm_sequence(norm, x, mask.clone()))
                }
                (Block::Embedding(e), Value::Ids(ids)) => {
                    let (x, m) = e.forward(ids);
                    mask = m;
                    Value::Sequence(x)
                }
                (Block::Reduce(r), Value::Sequence(x)) => Value::Flat(r.forward(x, mask.take())),
                (Block::Conv1d(c), Value::Sequence(x)) => {
                    // Keras's convolutions do not support masking: the mask ends here.
                    mask = None;
                    Value::Sequence(c.forward(x))
                }
                (Block::MaxPooling1d(p), Value::Sequence(x)) => {
                    mask = None;
                    Value::Sequence(p.forward(x))
                }
                (Block::Lstm(l), Value::Sequence(x)) => {
                    sequenced(l.forward(x, mask.clone()), &mut mask)
                }
                (Block::Gru(g), Value::Sequence(x)) => {
                    sequenced(g.forward(x, mask.clone()), &mut mask)
                }
                (block, x) => panic!("the checker refuses {block:?} on {x:?}"),
            };
        }
        match x {
            Value::Flat(x) => x,
            x => panic!("a network ends in flat rows, not {x:?}"),
        }
    }

    /// The sum of the weight penalties `Σ l1·|w| + l2·w²` of blocks `start..` (Keras adds
    /// them to the loss).
    pub fn penalty(&self, start: usize) -> Option<Tensor<1>> {
        let mut total: Option<Tensor<1>> = None;
        for block in &self.blocks[start..] {
            let Block::Dense(dense) = block else { continue };
            let mut terms = Vec::new();
            if let Some(r) = dense.kernel_regularizer {
                terms.push(penalty(dense.linear.weight.val().reshape([-1]), r));
            }
            if let (Some(r), Some(bias)) = (dense.bias_regularizer, &dense.linear.bias) {
                terms.push(penalty(bias.val(), r));
            }
            for term in terms {
                total = Some(match total.take() {
                    Some(sum) => sum + term,
                    None => term,
                });
            }
        }
        total
    }

    /// The device of the parameters.
    pub fn device(&self) -> Device {
        match self.blocks.first() {
            Some(Block::Dense(d)) => d.linear.weight.device(),
            _ => self
                .blocks
                .iter()
                .find_map(|b| match b {
                    Block::Dense(d) => Some(d.linear.weight.device()),
                    _ => None,
                })
                .expect("a network has a dense layer"),
        }
    }
}

fn penalty(w: Tensor<1>, r: Regularizer) -> Tensor<1> {
    let mut p = w.clone().powi_scalar(2).sum().mul_scalar(r.l2);
    if r.l1 > 0.0 {
        p = p + w.abs().sum().mul_scalar(r.l1);
    }
    p
}

/// Applies an activation (softmax over the last axis), as Keras defines it.
pub fn apply<const D: usize>(activation: Activation, x: Tensor<D>) -> Tensor<D> {
    // Keras's `selu` constants (`keras.ops.selu`), as float64 literals.
    const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;
    const SELU_SCALE: f64 = 1.050_700_987_355_480_5;
    match activation {
        Activation::Relu => activation::relu(x),
        Activation::Sigmoid => activation::sigmoid(x),
        Activation::Tanh => x.tanh(),
        Activation::Softmax => activation::softmax(x, D - 1),
        Activation::Linear => x,
        Activation::Elu => elu(x, 1.0),
        Activation::Selu => elu(x, SELU_ALPHA).mul_scalar(SELU_SCALE),
        // x·Φ(x) from `erf`: burn's `gelu` has a gradient 3 % off at x = −3.
        Activation::Gelu => {
            let phi = x
                .clone()
                .div_scalar(std::f64::consts::SQRT_2)
                .erf()
                .add_scalar(1.0);
            x * phi.mul_scalar(0.5)
        }
        Activation::Softplus => activation::softplus(x, 1.0),
        Activation::LeakyRelu => activation::leaky_relu(x, 0.2),
        Activation::Swish => activation::silu(x),
    }
}

/// `x` for x > 0, `α·(e^x − 1)` otherwise, written as `relu(x) + α·(e^min(x, 0) − 1)`: the
/// exponential never sees a large positive x, so neither it nor its gradient overflows
/// (burn's `elu` takes `exp` of every element and masks afterwards, so a large x gives a
/// NaN gradient: 0 · ∞).
fn elu<const D: usize>(x: Tensor<D>, alpha: f64) -> Tensor<D> {
    let negative = x
        .clone()
        .clamp_max(0.0)
        .exp()
        .sub_scalar(1.0)
        .mul_scalar(alpha);
    activation::relu(x) + negative
}

/// Inverted dropout of every element of `x`, the mask drawn from `rng` in row-major order.
fn drop<const D: usize>(x: Tensor<D>, rate: f64, rng: &mut ChaCha8Rng) -> Tensor<D> {
    let dims = x.dims();
    let keep = 1.0 - rate;
    let scale = (1.0 / keep) as f32;
    let mask: Vec<f32> = (0..dims.iter().product::<usize>())
        .map(|_| if rng.random_bool(keep) { scale } else { 0.0 })
        .collect();
    let device = x.device();
    x * Tensor::from_data(TensorData::new(mask, dims), &device)
}

/// A recurrent layer's output as a value.
/// A recurrent layer's output as the next block's value. Every step's output keeps the
/// mask for the next layer (`ir::Layer::passes_mask`); the last state ends it.
fn sequenced(out: Sequenced, mask: &mut Option<Tensor<2>>) -> Value {
    match out {
        Sequenced::Last(h) => {
            *mask = None;
            Value::Flat(h)
        }
        Sequenced::All(hs) => Value::Sequence(hs),
    }
}

/// Keras's batch normalization of sequences `[batch, length, channels]`: of the last
/// axis (burn's normalizes axis 1), and in training under a mask `[batch, length]` with the
/// masked moments ([`masked_batch_norm`]).
pub fn batch_norm_sequence(norm: &BatchNorm, x: Tensor<3>, mask: Option<Tensor<2>>) -> Tensor<3> {
    match mask {
        Some(m) if x.device().is_autodiff() && norm.training.is_enabled() => {
            masked_batch_norm(norm, x, m)
        }
        _ => norm.forward(x.swap_dims(1, 2)).swap_dims(1, 2),
    }
}

/// Keras's batch normalization of sequences `[batch, length, channels]` in training
/// under a mask `[batch, length]`: the moments are over the unmasked steps,
/// `Σ m·x / (Σ m + 1e-7)` and `Σ (m·(x − mean))² / (Σ m + 1e-7)`, every step normalized
/// with them, and the moving averages updated with them.
fn masked_batch_norm(norm: &BatchNorm, x: Tensor<3>, mask: Tensor<2>) -> Tensor<3> {
    // Keras's `backend.epsilon()`.
    const KERAS_EPSILON: f64 = 1e-7;
    let [_, _, channels] = x.dims();
    let device = x.device();
    let m = mask.unsqueeze_dim::<3>(2); // [batch, length, 1]
    let weight = m.clone().sum().add_scalar(KERAS_EPSILON); // [1]
    let mean = (x.clone() * m.clone()).sum_dims(&[0, 1]) / weight.clone().reshape([1, 1, 1]);
    let centred = x - mean.clone();
    let variance =
        (centred.clone() * m).powi_scalar(2).sum_dims(&[0, 1]) / weight.reshape([1, 1, 1]);
    let out = centred / variance.clone().add_scalar(norm.epsilon).sqrt()
        * norm.gamma.val().reshape([1, 1, channels])
        + norm.beta.val().reshape([1, 1, channels]);
    let mean: Tensor<1> = mean.reshape([channels]);
    let variance: Tensor<1> = variance.reshape([channels]);
    let running_mean = norm.running_mean.value_sync().to_device(&device);
    let running_var = norm.running_var.value_sync().to_device(&device);
    norm.running_mean.update(
        running_mean
            .mul_scalar(1.0 - norm.momentum)
            .add(mean.detach().mul_scalar(norm.momentum))
            .detach(),
    );
    norm.running_var.update(
        running_var
            .mul_scalar(1.0 - norm.momentum)
            .add(variance.detach().mul_scalar(norm.momentum))
            .detach(),
    );
    out
}
