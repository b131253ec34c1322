//! Stage 4a: an IR model → a burn module, initialised as Keras initialises it.
//!
//! The module is a list of blocks (dense, dropout, batch norm) in the shape of burn's own
//! examples (`#[derive(Module)]`, built by `init(&device)`-style constructors). Every random
//! number (initial weights, dropout masks) comes from ofit's own seeded generator, not from
//! burn's global one, so a run is deterministic given its seed even with other models
//! training in the same process.

pub mod bag;
pub mod denormals;
pub mod sparse;

use crate::ir::{self, Activation, Layer, Regularizer};
use burn::module::{Module, Param};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig};
use burn::tensor::activation;
use burn::tensor::{Device, Tensor, TensorData};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

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
    /// Batch normalization.
    BatchNorm(BatchNorm),
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

/// Lowers `model` with weights drawn from `seed`: Glorot-uniform kernels and zero biases,
/// as Keras's `Dense` defaults.
///
/// # Panics
/// If the model's input width is unknown (the data stage fills it in before training).
pub fn lower(model: &ir::Model, seed: u64, device: &Device) -> Network {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut width = model
        .input
        .width
        .expect("input width is known before lowering");
    let last_dense = model
        .layers
        .iter()
        .rposition(|l| matches!(l, Layer::Dense(_)))
        .expect("the checker guarantees an output layer");
    let mut blocks = Vec::with_capacity(model.layers.len());
    for (index, layer) in model.layers.iter().enumerate() {
        blocks.push(match layer {
            Layer::Dense(d) => {
                let linear = glorot_linear(width, d.units, d.use_bias, &mut rng, device);
                width = d.units;
                Block::Dense(DenseBlock {
                    linear,
                    activation: if index == last_dense {
                        Activation::Linear
                    } else {
                        d.activation
                    },
                    kernel_regularizer: d.kernel_regularizer,
                    bias_regularizer: d.bias_regularizer,
                })
            }
            Layer::Dropout { rate } => Block::Dropout(DropoutBlock { rate: *rate }),
            Layer::BatchNorm(b) => Block::BatchNorm(
                BatchNormConfig::new(width)
                    .with_epsilon(b.epsilon)
                    // Keras keeps `momentum` of the old average; burn mixes in `momentum`
                    // of the new batch.
                    .with_momentum(1.0 - b.momentum)
                    .init(device),
            ),
            _ => todo!("issue 10: sequence layers"),
        });
    }
    let output = match &model.layers[last_dense] {
        Layer::Dense(d) => d.activation,
        _ => unreachable!("found as a dense layer"),
    };
    Network { blocks, output }
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
    /// The output layer's values before its activation (logits), for a batch `[rows,
    /// inputs]`. With `dropout`, dropout layers draw their masks from it (training);
    /// without, they pass values through (inference).
    pub fn forward(&self, input: Tensor<2>, dropout: Option<&mut ChaCha8Rng>) -> Tensor<2> {
        self.forward_from(0, input, dropout)
    }

    /// Like [`Network::forward`], from block `start` on: `input` is what block `start`
    /// receives (the first layer's activated output when that layer runs as a gather).
    pub fn forward_from(
        &self,
        start: usize,
        input: Tensor<2>,
        mut dropout: Option<&mut ChaCha8Rng>,
    ) -> Tensor<2> {
        let mut x = input;
        for block in &self.blocks[start..] {
            x = match block {
                Block::Dense(dense) => apply(dense.activation, dense.linear.forward(x)),
                Block::Dropout(d) => match dropout.as_deref_mut() {
                    Some(rng) if d.rate > 0.0 => {
                        let [rows, cols] = x.dims();
                        let keep = 1.0 - d.rate;
                        let scale = (1.0 / keep) as f32;
                        let mask: Vec<f32> = (0..rows * cols)
                            .map(|_| if rng.random_bool(keep) { scale } else { 0.0 })
                            .collect();
                        let device = x.device();
                        x * Tensor::from_data(TensorData::new(mask, [rows, cols]), &device)
                    }
                    _ => x,
                },
                Block::BatchNorm(norm) => norm.forward(x),
            };
        }
        x
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

/// Applies an activation.
pub fn apply(activation: Activation, x: Tensor<2>) -> Tensor<2> {
    match activation {
        Activation::Relu => activation::relu(x),
        Activation::Sigmoid => activation::sigmoid(x),
        Activation::Tanh => x.tanh(),
        Activation::Softmax => activation::softmax(x, 1),
        Activation::Linear => x,
    }
}
