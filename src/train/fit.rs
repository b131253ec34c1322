//! One model's training: seeded batches, forward, loss, backward, optimizer step, and the
//! per-epoch metrics Keras reports (running means over the epoch for training, a full
//! pass for validation).
//!
//! On multi-hot input, the first dense layer runs as a gather ([`crate::lower::sparse`]):
//! its output enters burn as a tensor that requires a gradient, the gradient comes back,
//! and the layer's optimizer step (Adam, SGD or RMSprop, as burn computes it) runs fused
//! in Rust. The rest of the model is plain burn, stepped by burn's optimizer.
//!
//! On sequence input, an embedding followed directly by global average pooling runs as
//! the same gather on weighted rows ([`crate::lower::bag`]): the table is a gathered
//! layer without bias, and each split's rows become bags (distinct ids, weights
//! `count / length`) once, when training starts.

use super::checkpoint::{self, Snapshot};
use super::measure::{self, Scoring, Targets};
use super::optimizer;
use super::schedule;
use crate::data::{Encoded, Features, MultiHot, Padded, Split};
use crate::history::Epoch;
use crate::ir::{self, Activation, Layer, Metric, Model, Regularizer, Training};
use crate::lower::bag::{self, Bags};
use crate::lower::sparse::{Rows, SparseDense};
use crate::lower::{self, apply, Block, Network, Value};
use burn::module::{Module, Param};
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::Path;
use std::time::Instant;

/// Examples per forward pass when validating (memory, not results, depends on it).
const VALIDATION_BATCH: usize = 2048;

/// Why an epoch did not finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted;

/// The first layer when it runs as a gather.
struct Gather {
    layer: SparseDense,
    activation: Activation,
    kernel_regularizer: Option<Regularizer>,
    bias_regularizer: Option<Regularizer>,
    /// For an embedding pooled by average (the layer is its table), the bags it reads.
    pooled: Option<Pooled>,
}

/// The bags of an embedding followed by global average pooling: the training and
/// validation rows', computed once, and a batch's, whose buffers are reused.
struct Pooled {
    mask_zero: bool,
    train: Bags,
    validation: Bags,
    batch: Bags,
}

impl Pooled {
    /// The bags of a split's sequences.
    fn bags(vocabulary: usize, mask_zero: bool, split: &Split) -> Bags {
        let Features::Sequences(Padded { length, ids, .. }) = &split.features else {
            unreachable!("the pooled gather is chosen for sequence data")
        };
        // The data stage's ids lie below the vocabulary and make whole rows.
        Bags::new(ids, *length, vocabulary, mask_zero)
            .unwrap_or_else(|e| panic!("the data stage's sequences: {e}"))
    }
}

/// A training batch of the gathered layer's rows.
enum Gathered {
    MultiHot(MultiHot),
    Bags(Bags),
}

impl Gathered {
    fn rows(&self) -> Rows<'_> {
        match self {
            Gathered::MultiHot(m) => m.into(),
            Gathered::Bags(b) => b.as_rows(),
        }
    }
}

impl Gather {
    /// The rows `indices` of the training features, as this layer reads them.
    fn batch(&mut self, features: &Features, indices: &[usize]) -> Gathered {
        match (&mut self.pooled, features) {
            (Some(pooled), _) => {
                let mut batch = std::mem::take(&mut pooled.batch);
                pooled.train.select_into(indices, &mut batch);
                Gathered::Bags(batch)
            }
            (None, Features::MultiHot(rows)) => Gathered::MultiHot(rows.batch(indices)),
            (None, _) => unreachable!("the gather form is chosen for multi-hot data"),
        }
    }

    /// The layer's output for `rows`: pre-activations, or pooled embeddings.
    fn forward(&self, rows: &Gathered) -> Vec<f32> {
        match rows {
            Gathered::MultiHot(m) => self.layer.forward(m.into()),
            Gathered::Bags(b) => b.pool(&self.layer),
        }
    }

    /// Keeps a batch's buffers for the next batch.
    fn reuse(&mut self, rows: Gathered) {
        if let (Gathered::Bags(batch), Some(pooled)) = (rows, &mut self.pooled) {
            pooled.batch = batch;
        }
    }
}

/// The embedding and vocabulary of a model whose first layers are an embedding then
/// global average pooling, on sequence data: what runs as a pooled gather.
fn pooled_embedding(model: &Model, data: &Encoded) -> Option<(ir::Embedding, usize)> {
    match (&model.layers[..], &data.train.features) {
        ([Layer::Embedding(e), Layer::GlobalAveragePooling, ..], Features::Sequences(p)) => {
            Some((*e, model.input.vocabulary.unwrap_or(p.vocabulary)))
        }
        _ => None,
    }
}

/// The model the burn network of a pooled gather is lowered from: the embedding and
/// pooling become one dense layer of the table's shape, without bias or activation (the
/// pooled vector is the bag's weights times the table), which holds the table in
/// saved weights and a one-row stand-in while training, as a gathered dense layer does.
fn pooled_tail(model: &Model, embedding: ir::Embedding, vocabulary: usize) -> Model {
    let table = Layer::Dense(ir::Dense {
        units: embedding.dim,
        activation: Activation::Linear,
        use_bias: false,
        kernel_regularizer: None,
        bias_regularizer: None,
    });
    Model {
        input: ir::Input {
            width: Some(vocabulary),
            multi_hot: false,
            vocabulary: None,
        },
        layers: std::iter::once(table)
            .chain(model.layers[2..].iter().cloned())
            .collect(),
        ..model.clone()
    }
}

/// A batch of the data stage's multi-hot rows as the gathered layer reads them, without a
/// copy.
impl<'a> From<&'a MultiHot> for Rows<'a> {
    fn from(rows: &'a MultiHot) -> Self {
        Rows {
            width: rows.width,
            offsets: &rows.offsets,
            ids: &rows.ids,
            weights: None,
        }
    }
}

/// A model being trained, with its optimizer state.
pub struct Trainer<'a> {
    network: Network,
    optimizer: ModuleOptimizer,
    gather: Option<Gather>,
    training: &'a Training,
    data: &'a Encoded,
    device: Device,
    units: usize,
    /// Metrics reported per epoch, `loss` first.
    metrics: Vec<Metric>,
}

impl<'a> Trainer<'a> {
    /// A freshly initialised model (weights drawn from the training seed). `gather`
    /// chooses the gather form of a multi-hot first layer, or of an embedding followed
    /// by global average pooling on sequences, where it applies. Subnormal
    /// floats are flushed to zero from here on, on this thread and rayon's
    /// ([`crate::lower::denormals`]).
    pub fn new(
        model: &Model,
        training: &'a Training,
        data: &'a Encoded,
        device: &Device,
        gather: bool,
    ) -> Self {
        crate::lower::denormals::flush_to_zero();
        let pooled = pooled_embedding(model, data).filter(|_| gather);
        let mut network = match pooled {
            Some((embedding, vocabulary)) => lower::lower(
                &pooled_tail(model, embedding, vocabulary),
                training.seed,
                device,
            ),
            None => lower::lower(model, training.seed, device),
        };
        if let (Some(Block::Normalization(norm)), Features::Dense(rows)) =
            (network.blocks.first_mut(), &data.train.features)
        {
            // Keras's `adapt`, on the examples the model trains on: no validation or test
            // example shapes what the model sees.
            norm.adapt(&rows.values, rows.width);
        }
        let units = model.output().map_or(1, |d| d.units);
        let gather = match (&network.blocks[0], &data.train.features) {
            (Block::Dense(_), Features::Sequences(_)) if pooled.is_some() => {
                let (embedding, vocabulary) = pooled.expect("matched");
                // The table is drawn first from the seed's stream, as Keras's first
                // layer's weights are the first drawn.
                let mut rng = ChaCha8Rng::seed_from_u64(training.seed);
                let table = bag::embedding_init(vocabulary, embedding.dim, &mut rng);
                let rule = optimizer::rule(&training.optimizer);
                let mask_zero = embedding.mask_zero;
                Some(Gather {
                    layer: SparseDense::new(vocabulary, embedding.dim, table, Vec::new(), rule),
                    activation: Activation::Linear,
                    kernel_regularizer: None,
                    bias_regularizer: None,
                    pooled: Some(Pooled {
                        mask_zero,
                        train: Pooled::bags(vocabulary, mask_zero, &data.train),
                        validation: Pooled::bags(vocabulary, mask_zero, &data.validation),
                        batch: Bags::default(),
                    }),
                })
            }
            (Block::Dense(first), Features::MultiHot(_)) if gather => {
                let [inputs, first_units] = first.linear.weight.dims();
                let weight = values(first.linear.weight.val().reshape([-1]));
                let bias = first
                    .linear
                    .bias
                    .as_ref()
                    .map_or_else(Vec::new, |b| values(b.val()));
                let rule = optimizer::rule(&training.optimizer);
                Some(Gather {
                    layer: SparseDense::new(inputs, first_units, weight, bias, rule),
                    activation: first.activation,
                    kernel_regularizer: first.kernel_regularizer,
                    bias_regularizer: first.bias_regularizer,
                    pooled: None,
                })
            }
            _ => None,
        };
        let mut trainer = Trainer {
            network,
            optimizer: optimizer::build(&training.optimizer),
            gather,
            training,
            data,
            device: device.clone(),
            units,
            metrics: training.computed_metrics(),
        };
        if let Some(placeholder) = trainer.placeholder_weight() {
            trainer.set_first_layer(placeholder);
        }
        trainer
    }

    /// The metric names of a history row ([`columns`]).
    pub fn columns(&self) -> Vec<String> {
        columns(self.training)
    }

    /// Trains one epoch (`epoch` counts from 1). `tick(batch, batches, loss)` is called
    /// after every batch and may ask to stop by returning `false`.
    pub fn epoch(
        &mut self,
        epoch: usize,
        tick: &mut dyn FnMut(usize, usize, f64) -> bool,
    ) -> Result<Epoch, Interrupted> {
        let started = Instant::now();
        let rows = self.data.train.labels.len();
        let mut order: Vec<usize> = (0..rows).collect();
        // The shuffle and the dropout masks depend only on (seed, epoch), so a resumed run
        // draws exactly what an uninterrupted one would.
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(mix(
            self.training.seed,
            epoch as u64,
            1,
        )));
        let mut dropout = ChaCha8Rng::seed_from_u64(mix(self.training.seed, epoch as u64, 2));
        let batches = rows.div_ceil(self.training.batch_size);
        let mut sums = vec![0.0; self.metrics.len()];
        let mut seen = 0;
        for (b, batch) in order.chunks(self.training.batch_size).enumerate() {
            let labels: Vec<f32> = batch.iter().map(|&r| self.data.train.labels[r]).collect();
            let targets = Targets::new(&labels, self.units, &self.device);
            let data = self.data;
            let gathered = self
                .gather
                .as_mut()
                .map(|gather| gather.batch(&data.train.features, batch));
            let (logits, gathered) = match (&self.gather, gathered) {
                (Some(gather), Some(batch_rows)) => {
                    let pre = self.gather_forward(gather, &batch_rows).require_grad();
                    let x = apply(gather.activation, pre.clone());
                    let logits = self.network.forward_from(1, x, Some(&mut dropout));
                    (logits, Some((batch_rows, pre)))
                }
                _ => {
                    let input = features(&self.data.train, batch, &self.device);
                    (self.network.forward(input, Some(&mut dropout)), None)
                }
            };
            let start = usize::from(self.gather.is_some());
            let scoring = Scoring::new(self.training, self.network.output);
            let data_loss = scoring.loss(logits.clone(), &targets);
            let total = match self.network.penalty(start) {
                Some(penalty) => data_loss + penalty,
                None => data_loss,
            };
            let mut loss_value = total.clone().into_scalar::<f32>() as f64;
            let mut grads = total.backward();
            // Steps count over the whole training: every epoch has the same batches.
            let lr = schedule::learning_rate(self.training, step(epoch, batches, b));
            if let (Some(gather), Some((batch_rows, pre))) = (&mut self.gather, gathered) {
                gather.layer.set_learning_rate(lr);
                let grad = pre
                    .grad_remove(&mut grads)
                    .expect("the gathered output has a gradient");
                loss_value += gather.layer.step(
                    batch_rows.rows(),
                    &values(grad.reshape([-1])),
                    gather.kernel_regularizer,
                    gather.bias_regularizer,
                );
                gather.reuse(batch_rows);
            }
            let grads = GradientsParams::from_grads(grads, &self.network);
            for (sum, metric) in sums.iter_mut().zip(&self.metrics) {
                let value = match metric {
                    Metric::Loss => loss_value,
                    m => scoring.metric(*m, logits.clone().detach(), &targets),
                };
                *sum += value * batch.len() as f64;
            }
            let network = std::mem::replace(&mut self.network, placeholder());
            self.network = self.optimizer.step(lr, network, grads);
            seen += batch.len();
            let running_loss = sums[0] / seen as f64;
            if !tick(b + 1, batches, running_loss) {
                return Err(Interrupted);
            }
            if !running_loss.is_finite() {
                // Keras's TerminateOnNaN: stop after this batch; the epoch is still
                // measured and recorded, over the batches it ran.
                break;
            }
        }
        let mut values: Vec<f64> = sums
            .iter()
            .zip(&self.metrics)
            .map(|(s, m)| measure::finish(*m, s / seen.max(1) as f64))
            .collect();
        values.extend(self.evaluate(&self.data.validation));
        if self.training.schedule.is_some() {
            values.push(schedule::learning_rate(
                self.training,
                step(epoch + 1, batches, 0),
            ));
        }
        Ok(Epoch {
            epoch,
            seconds: started.elapsed().as_secs_f64(),
            values,
        })
    }

    /// The gathered layer's output for a batch as a tensor.
    fn gather_forward(&self, gather: &Gather, rows: &Gathered) -> Tensor<2> {
        let out = gather.forward(rows);
        Tensor::from_data(
            TensorData::new(out, [rows.rows().rows(), gather.layer.units]),
            &self.device,
        )
    }

    /// Every metric over a whole split, in inference mode (no dropout, batch norm's
    /// moving statistics). `loss` includes the weight penalties, as Keras reports it.
    pub fn evaluate(&self, split: &Split) -> Vec<f64> {
        let network = self.network.valid();
        let device = network.device();
        let rows = split.labels.len();
        let start = usize::from(self.gather.is_some());
        let mut penalty = network
            .penalty(start)
            .map_or(0.0, |p| p.into_scalar::<f32>() as f64);
        if let Some(gather) = &self.gather {
            penalty += gather
                .layer
                .penalty(gather.kernel_regularizer, gather.bias_regularizer);
        }
        let scoring = Scoring::new(self.training, network.output);
        let mut sums = vec![0.0; self.metrics.len()];
        self.pass(&network, split, |chunk, logits| {
            let labels: Vec<f32> = chunk.iter().map(|&r| split.labels[r]).collect();
            let targets = Targets::new(&labels, self.units, &device);
            for (sum, metric) in sums.iter_mut().zip(&self.metrics) {
                let value = scoring.metric(*metric, logits.clone(), &targets);
                *sum += value * chunk.len() as f64;
            }
        });
        self.metrics
            .iter()
            .zip(sums)
            .map(|(m, s)| {
                measure::finish(*m, s / rows.max(1) as f64)
                    + if *m == Metric::Loss { penalty } else { 0.0 }
            })
            .collect()
    }

    /// The model's outputs for every example of `split`, in inference mode: per example,
    /// its output units, row after row; probabilities where the loss reads logits
    /// (`from_logits`), the output layer's values otherwise.
    pub fn predict(&self, split: &Split) -> Vec<f32> {
        let network = self.network.valid();
        let scoring = Scoring::new(self.training, network.output);
        let mut outputs = Vec::with_capacity(split.features.rows() * self.units);
        self.pass(&network, split, |_, logits| {
            outputs.extend(values(scoring.outputs(logits).reshape([-1])));
        });
        outputs
    }

    /// Runs `network` over `split` in chunks of [`VALIDATION_BATCH`] examples, giving each
    /// chunk's rows and the output layer's logits to `each`.
    fn pass(&self, network: &Network, split: &Split, mut each: impl FnMut(&[usize], Tensor<2>)) {
        let device = network.device();
        let rows = split.features.rows();
        // A pooled gather's bags of this split: the training and validation ones were
        // computed when training started; another split's (a test split) are now.
        let computed;
        let bags = match &self.gather {
            Some(Gather {
                pooled: Some(pooled),
                layer,
                ..
            }) => Some(if std::ptr::eq(split, &self.data.validation) {
                &pooled.validation
            } else if std::ptr::eq(split, &self.data.train) {
                &pooled.train
            } else {
                computed = Pooled::bags(layer.inputs, pooled.mask_zero, split);
                &computed
            }),
            _ => None,
        };
        let mut batch = Bags::default();
        let all: Vec<usize> = (0..rows).collect();
        for chunk in all.chunks(VALIDATION_BATCH) {
            let logits = match (&self.gather, &split.features) {
                (Some(gather), Features::Sequences(_)) => {
                    let bags = bags.expect("a pooled gather has its split's bags");
                    bags.select_into(chunk, &mut batch);
                    let pre = Tensor::from_data(
                        TensorData::new(
                            batch.pool(&gather.layer),
                            [chunk.len(), gather.layer.units],
                        ),
                        &device,
                    );
                    network.forward_from(1, apply(gather.activation, pre), None)
                }
                (Some(gather), Features::MultiHot(m)) => {
                    let out = gather.layer.forward(Rows::from(&m.batch(chunk)));
                    let pre = Tensor::from_data(
                        TensorData::new(out, [chunk.len(), gather.layer.units]),
                        &device,
                    );
                    network.forward_from(1, apply(gather.activation, pre), None)
                }
                _ => network.forward(features(split, chunk, &device), None),
            };
            each(chunk, logits);
        }
    }

    /// Puts `weight` (and, with it, the gathered bias) into the burn module's first layer.
    /// While training, the module holds a one-row placeholder there: the real kernel lives
    /// in the gathered layer, and saving a 5-million-weight tensor through burn costs more
    /// than an epoch's worth of checkpoints should.
    fn set_first_layer(&mut self, weight: Tensor<2>) {
        let Some(gather) = &self.gather else { return };
        let Some(Block::Dense(first)) = self.network.blocks.first_mut() else {
            return;
        };
        first.linear.weight = Param::from_tensor(weight);
        if let Some(bias) = &mut first.linear.bias {
            *bias = Param::from_tensor(Tensor::from_data(
                TensorData::new(gather.layer.bias.clone(), [gather.layer.units]),
                &self.device,
            ));
        }
    }

    /// The one-row stand-in for the gathered kernel in the burn module.
    fn placeholder_weight(&self) -> Option<Tensor<2>> {
        let gather = self.gather.as_ref()?;
        Some(Tensor::zeros([1, gather.layer.units], &self.device))
    }

    /// The model's state after an epoch, to be written as a checkpoint. The burn module
    /// holds a one-row stand-in for a gathered kernel, which the snapshot keeps raw.
    pub fn snapshot(&self) -> Snapshot<'_> {
        Snapshot::new(
            self.network.clone().into_record(),
            self.optimizer.to_record(),
            self.gather.as_ref().map(|g| &g.layer),
        )
    }

    /// Saves every weight in burn's format (the final or the best epoch's), a gathered
    /// kernel included.
    pub fn save_weights(&mut self, path: &Path) -> Result<(), String> {
        if let Some(gather) = &self.gather {
            let layer = &gather.layer;
            let kernel = Tensor::from_data(
                TensorData::new(layer.weight.clone(), [layer.inputs, layer.units]),
                &self.device,
            );
            self.set_first_layer(kernel);
        }
        let saved = self.network.clone().save_file(path).map_err(|e| {
            format!(
                "cannot write `{}`: {}",
                path.display(),
                crate::file::reason_in_message(&e.to_string())
            )
        });
        if let Some(placeholder) = self.placeholder_weight() {
            self.set_first_layer(placeholder);
        }
        saved
    }

    /// Restores a checkpoint directory written from [`Trainer::snapshot`].
    pub fn restore(&mut self, dir: &Path) -> Result<(), String> {
        let weights = dir.join(checkpoint::WEIGHTS);
        let network = std::mem::replace(&mut self.network, placeholder());
        self.network = network
            .try_load_file(&weights)
            .map_err(|e| format!("cannot read `{}`: {e}", weights.display()))?;
        let path = dir.join(checkpoint::OPTIMIZER);
        let record = burn::optim::OptimizerRecord::load(&path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let fresh = optimizer::build(&self.training.optimizer);
        self.optimizer = std::mem::replace(&mut self.optimizer, fresh).load_record(record);
        if let Some(gather) = &mut self.gather {
            let path = dir.join(checkpoint::GATHERED);
            checkpoint::read_gathered(&path, &mut gather.layer)
                .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?
                .ok_or_else(|| format!("`{}` is damaged", path.display()))?;
        }
        Ok(())
    }

    /// Loads every weight from a full save (the best epoch's, to restore them at the end).
    pub fn load_weights(&mut self, weights: &Path) -> Result<(), String> {
        if let Some(gather) = &self.gather {
            let full = Tensor::zeros([gather.layer.inputs, gather.layer.units], &self.device);
            self.set_first_layer(full);
        }
        let network = std::mem::replace(&mut self.network, placeholder());
        self.network = network
            .try_load_file(weights)
            .map_err(|e| format!("cannot read `{}`: {e}", weights.display()))?;
        if let (Some(gather), Some(Block::Dense(first))) =
            (&mut self.gather, self.network.blocks.first())
        {
            gather.layer.weight = values(first.linear.weight.val().reshape([-1]));
            if let Some(bias) = &first.linear.bias {
                gather.layer.bias = values(bias.val());
            }
        }
        if let Some(placeholder) = self.placeholder_weight() {
            self.set_first_layer(placeholder);
        }
        Ok(())
    }
}

/// One tensor of a trained model, as Keras names and lays it out.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTensor {
    /// Keras's name of the weight: `kernel`, `bias`, `embeddings`, `mean`, `gamma` …
    pub name: &'static str,
    /// Its shape (`[]` for a scalar).
    pub shape: Vec<usize>,
    /// Its values, row-major.
    pub values: Vec<f32>,
}

impl NamedTensor {
    fn of<const D: usize>(name: &'static str, tensor: Tensor<D>) -> NamedTensor {
        NamedTensor {
            name,
            shape: tensor.dims().to_vec(),
            values: values(tensor.reshape([-1])),
        }
    }
}

impl Trainer<'_> {
    /// The weights of `model` (the model this trainer was built for), one list per layer
    /// of `model.layers`, with Keras's names and layouts: a dense `kernel` `[inputs,
    /// units]` and `bias`, `embeddings` `[num_words, dim]`, normalization's `mean`,
    /// `variance` and `count`, batch normalization's `gamma`, `beta`, `moving_mean` and
    /// `moving_variance`, a convolution's `kernel` `[kernel_size, channels, filters]` and
    /// `bias`, a recurrent layer's `kernel` `[inputs, gates·units]`, `recurrent_kernel`
    /// `[units, gates·units]` and `bias` (`[4·units]` for an LSTM, gates `i, f, c, o`;
    /// `[2, 3·units]` for a GRU, gates `z, r, h`, input bias then recurrent bias); none
    /// for dropout and poolings. The gathered first layer's are its own.
    pub fn layer_weights(&self, model: &Model) -> Vec<Vec<NamedTensor>> {
        let pooled = self.gather.as_ref().is_some_and(|g| g.pooled.is_some());
        let gathered = |g: &Gather, name| NamedTensor {
            name,
            shape: vec![g.layer.inputs, g.layer.units],
            values: g.layer.weight.clone(),
        };
        let mut blocks = self.network.blocks.iter().enumerate();
        let mut layers = Vec::with_capacity(model.layers.len());
        for i in 0..model.layers.len() {
            if pooled && i < 2 {
                // The embedding and its pooling run as one gathered table (`pooled_tail`).
                let gather = self.gather.as_ref().expect("pooled");
                layers.push(match i {
                    0 => vec![gathered(gather, "embeddings")],
                    _ => Vec::new(),
                });
                if i == 1 {
                    blocks.next();
                }
                continue;
            }
            let (b, block) = blocks.next().expect("a block per layer");
            let tensors = match block {
                Block::Dense(dense) => {
                    let kernel = match (&self.gather, b) {
                        (Some(gather), 0) => gathered(gather, "kernel"),
                        _ => NamedTensor::of("kernel", dense.linear.weight.val()),
                    };
                    let bias = match (&self.gather, b) {
                        (Some(gather), 0) if !gather.layer.bias.is_empty() => Some(NamedTensor {
                            name: "bias",
                            shape: vec![gather.layer.units],
                            values: gather.layer.bias.clone(),
                        }),
                        (Some(_), 0) => None,
                        _ => dense
                            .linear
                            .bias
                            .as_ref()
                            .map(|b| NamedTensor::of("bias", b.val())),
                    };
                    std::iter::once(kernel).chain(bias).collect()
                }
                Block::Normalization(norm) => vec![
                    NamedTensor::of("mean", norm.mean.val()),
                    NamedTensor::of("variance", norm.variance.val()),
                    NamedTensor {
                        shape: Vec::new(),
                        ..NamedTensor::of("count", norm.count.val())
                    },
                ],
                Block::BatchNorm(norm) => vec![
                    NamedTensor::of("gamma", norm.gamma.val()),
                    NamedTensor::of("beta", norm.beta.val()),
                    NamedTensor::of("moving_mean", norm.running_mean.value()),
                    NamedTensor::of("moving_variance", norm.running_var.value()),
                ],
                Block::Embedding(embedding) => {
                    vec![NamedTensor::of("embeddings", embedding.table.val())]
                }
                Block::Dropout(_) | Block::Reduce(_) | Block::MaxPooling1d(_) => Vec::new(),
                Block::Conv1d(conv) => vec![
                    // burn's `[filters, channels, kernel_size]` as Keras's
                    // `[kernel_size, channels, filters]`.
                    NamedTensor::of("kernel", conv.kernel.val().permute([2, 1, 0])),
                    NamedTensor::of("bias", conv.bias.val()),
                ],
                Block::Lstm(lstm) => vec![
                    NamedTensor::of("kernel", lstm.kernel.val()),
                    NamedTensor::of("recurrent_kernel", lstm.recurrent.val()),
                    NamedTensor::of("bias", lstm.bias.val()),
                ],
                Block::Gru(gru) => vec![
                    NamedTensor::of("kernel", gru.kernel.val()),
                    NamedTensor::of("recurrent_kernel", gru.recurrent.val()),
                    NamedTensor::of("bias", gru.bias.val()),
                ],
            };
            layers.push(tensors);
        }
        layers
    }
}

/// The metric names of a history row of `training`, training values then validation ones
/// (`loss, accuracy, val_loss, val_accuracy`), as Keras names them; then, with a schedule,
/// the learning rate.
pub fn columns(training: &Training) -> Vec<String> {
    let names: Vec<String> = training
        .computed_metrics()
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    let mut columns: Vec<String> = names
        .iter()
        .cloned()
        .chain(names.iter().map(|n| format!("val_{n}")))
        .collect();
    if training.schedule.is_some() {
        columns.push(LEARNING_RATE.to_string());
    }
    columns
}

/// The history column of a scheduled learning rate: Keras's `optimizer.learning_rate` at
/// the end of each epoch, under the name Keras's callbacks log it.
pub const LEARNING_RATE: &str = "learning_rate";

/// The optimizer step (from 0) of batch `batch` (from 0) of epoch `epoch` (from 1), with
/// `batches` batches an epoch.
fn step(epoch: usize, batches: usize, batch: usize) -> u64 {
    ((epoch - 1) * batches + batch) as u64
}

/// A tensor's values.
fn values(tensor: Tensor<1>) -> Vec<f32> {
    // burn-ndarray copies a tensor whose array is shared (a parameter's, say) element by
    // element through a dynamic-rank iterator, ~20 ns a float: 0.1 s for the bigger
    // model's kernel. Multiplying by one makes an unshared array with a vectorised pass,
    // which it then hands over without a copy; the values are the same bit for bit.
    tensor
        .mul_scalar(1.0)
        .into_data()
        .try_into_vec::<f32>()
        .expect("parameters are f32")
}

/// An empty network, held for the moment the real one is moved through the optimizer.
fn placeholder() -> Network {
    Network {
        blocks: Vec::new(),
        output: Activation::Linear,
    }
}

/// A seed for stream `stream` of epoch `epoch` of a run seeded `seed`.
fn mix(seed: u64, epoch: u64, stream: u64) -> u64 {
    // SplitMix64's finaliser spreads nearby inputs over the whole range.
    let mut z = seed
        ^ epoch.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ stream.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The rows `rows` of a split as the network's input: a dense `[rows, width]` tensor, or
/// word ids `[rows, length]`.
fn features(split: &Split, rows: &[usize], device: &Device) -> Value {
    let (values, width) = match &split.features {
        Features::MultiHot(m) => (m.dense(rows), m.width),
        Features::Dense(d) => {
            let mut values = Vec::with_capacity(rows.len() * d.width);
            for &r in rows {
                values.extend_from_slice(&d.values[r * d.width..(r + 1) * d.width]);
            }
            (values, d.width)
        }
        Features::Sequences(s) => {
            let mut ids = Vec::with_capacity(rows.len() * s.length);
            for &r in rows {
                ids.extend(s.row(r).iter().map(|&id| i64::from(id)));
            }
            return Value::Ids(Tensor::from_data(
                TensorData::new(ids, [rows.len(), s.length]),
                device,
            ));
        }
    };
    Value::Flat(Tensor::from_data(
        TensorData::new(values, [rows.len(), width]),
        device,
    ))
}
