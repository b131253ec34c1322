//! One model's training: seeded batches, forward, loss, backward, optimizer step, and the
//! per-epoch metrics Keras reports (running means over the epoch for training, a full
//! pass for validation).

use super::history::Epoch;
use super::measure::{self, Targets};
use super::optimizer;
use crate::data::{Encoded, Features, Split};
use crate::ir::{Metric, Model, Training};
use crate::lower::{self, Network};
use burn::module::Module;
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

/// A model being trained, with its optimizer state.
pub struct Trainer<'a> {
    network: Network,
    optimizer: ModuleOptimizer,
    training: &'a Training,
    data: &'a Encoded,
    device: Device,
    units: usize,
    /// Metrics reported per epoch, `loss` first.
    metrics: Vec<Metric>,
}

impl<'a> Trainer<'a> {
    /// A freshly initialised model (weights drawn from the training seed).
    pub fn new(model: &Model, training: &'a Training, data: &'a Encoded, device: &Device) -> Self {
        let network = lower::lower(model, training.seed, device);
        let units = model.output().map_or(1, |d| d.units);
        Trainer {
            network,
            optimizer: optimizer::build(&training.optimizer),
            training,
            data,
            device: device.clone(),
            units,
            metrics: training.computed_metrics(),
        }
    }

    /// The metric names of a history row, training values then validation ones
    /// (`loss, accuracy, val_loss, val_accuracy`), as Keras names them.
    pub fn columns(&self) -> Vec<String> {
        let names: Vec<String> = self.metrics.iter().map(|m| m.name().to_string()).collect();
        names
            .iter()
            .cloned()
            .chain(names.iter().map(|n| format!("val_{n}")))
            .collect()
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
        for (b, batch) in order.chunks(self.training.batch_size).enumerate() {
            let input = features(&self.data.train, batch, &self.device);
            let labels: Vec<f32> = batch.iter().map(|&r| self.data.train.labels[r]).collect();
            let targets = Targets::new(&labels, self.units, &self.device);
            let logits = self.network.forward(input, Some(&mut dropout));
            let data_loss = measure::loss(
                self.training.loss,
                self.network.output,
                logits.clone(),
                &targets,
            );
            let total = match self.network.penalty() {
                Some(penalty) => data_loss + penalty,
                None => data_loss,
            };
            let loss_value = total.clone().into_scalar::<f32>() as f64;
            let grads = GradientsParams::from_grads(total.backward(), &self.network);
            for (sum, metric) in sums.iter_mut().zip(&self.metrics) {
                let value = match metric {
                    Metric::Loss => loss_value,
                    m => measure::metric(
                        *m,
                        self.training.loss,
                        self.network.output,
                        logits.clone().detach(),
                        &targets,
                    ),
                };
                *sum += value * batch.len() as f64;
            }
            let network = std::mem::replace(&mut self.network, placeholder());
            self.network = self
                .optimizer
                .step(learning_rate(self.training), network, grads);
            if !tick(
                b + 1,
                batches,
                sums[0] / ((b * self.training.batch_size + batch.len()) as f64),
            ) {
                return Err(Interrupted);
            }
        }
        let mut values: Vec<f64> = sums.iter().map(|s| s / rows as f64).collect();
        values.extend(self.evaluate(&self.data.validation));
        Ok(Epoch {
            epoch,
            seconds: started.elapsed().as_secs_f64(),
            values,
        })
    }

    /// Every metric over a whole split, in inference mode (no dropout, batch norm's
    /// moving statistics). `loss` includes the weight penalties, as Keras reports it.
    pub fn evaluate(&self, split: &Split) -> Vec<f64> {
        let network = self.network.valid();
        let rows = split.labels.len();
        let penalty = network
            .penalty()
            .map_or(0.0, |p| p.into_scalar::<f32>() as f64);
        let mut sums = vec![0.0; self.metrics.len()];
        let all: Vec<usize> = (0..rows).collect();
        for chunk in all.chunks(VALIDATION_BATCH) {
            let device = network_device(&network);
            let input = features(split, chunk, &device);
            let labels: Vec<f32> = chunk.iter().map(|&r| split.labels[r]).collect();
            let targets = Targets::new(&labels, self.units, &device);
            let logits = network.forward(input, None);
            for (sum, metric) in sums.iter_mut().zip(&self.metrics) {
                let value = measure::metric(
                    *metric,
                    self.training.loss,
                    network.output,
                    logits.clone(),
                    &targets,
                );
                *sum += value * chunk.len() as f64;
            }
        }
        self.metrics
            .iter()
            .zip(sums)
            .map(|(m, s)| s / rows.max(1) as f64 + if *m == Metric::Loss { penalty } else { 0.0 })
            .collect()
    }

    /// Saves the weights (burn's own format) and the optimizer state.
    pub fn save(&self, weights: &Path, optimizer: Option<&Path>) -> Result<(), String> {
        self.network
            .clone()
            .save_file(weights)
            .map_err(|e| format!("cannot write `{}`: {e}", weights.display()))?;
        if let Some(path) = optimizer {
            self.optimizer
                .to_record()
                .save(path)
                .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        }
        Ok(())
    }

    /// Restores weights and optimizer state saved by [`Trainer::save`].
    pub fn restore(&mut self, weights: &Path, optimizer: &Path) -> Result<(), String> {
        let network = std::mem::replace(&mut self.network, placeholder());
        self.network = network
            .try_load_file(weights)
            .map_err(|e| format!("cannot read `{}`: {e}", weights.display()))?;
        let record = burn::optim::OptimizerRecord::load(optimizer)
            .map_err(|e| format!("cannot read `{}`: {e}", optimizer.display()))?;
        let fresh = optimizer::build(&self.training.optimizer);
        self.optimizer = std::mem::replace(&mut self.optimizer, fresh).load_record(record);
        Ok(())
    }

    /// Loads weights only (the best epoch's, to restore them at the end).
    pub fn load_weights(&mut self, weights: &Path) -> Result<(), String> {
        let network = std::mem::replace(&mut self.network, placeholder());
        self.network = network
            .try_load_file(weights)
            .map_err(|e| format!("cannot read `{}`: {e}", weights.display()))?;
        Ok(())
    }
}

/// The training block's learning rate.
fn learning_rate(training: &Training) -> f64 {
    match training.optimizer {
        crate::ir::Optimizer::Adam { lr, .. }
        | crate::ir::Optimizer::Sgd { lr, .. }
        | crate::ir::Optimizer::Rmsprop { lr, .. } => lr,
    }
}

/// An empty network, held for the moment the real one is moved through the optimizer.
fn placeholder() -> Network {
    Network {
        blocks: Vec::new(),
        output: crate::ir::Activation::Linear,
    }
}

fn network_device(network: &Network) -> Device {
    network
        .blocks
        .iter()
        .find_map(|b| match b {
            lower::Block::Dense(d) => Some(d.linear.weight.device()),
            _ => None,
        })
        .expect("a network has a dense layer")
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

/// The rows `rows` of a split as a dense `[rows, width]` tensor.
fn features(split: &Split, rows: &[usize], device: &Device) -> Tensor<2> {
    let (values, width) = match &split.features {
        Features::MultiHot(m) => (m.dense(rows), m.width),
        Features::Dense(d) => {
            let mut values = Vec::with_capacity(rows.len() * d.width);
            for &r in rows {
                values.extend_from_slice(&d.values[r * d.width..(r + 1) * d.width]);
            }
            (values, d.width)
        }
    };
    Tensor::from_data(TensorData::new(values, [rows.len(), width]), device)
}
