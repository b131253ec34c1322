//! Losses and metrics, computed from the output layer's logits as Keras does internally
//! when the output activation is sigmoid or softmax (stable for confident predictions).

use crate::ir::{Activation, Loss, Metric, Training};
use crate::lower::apply;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor, TensorData};

/// Keras's clipping of probabilities where a cross-entropy cannot use logits.
const EPSILON: f64 = 1e-7;

/// A batch's targets, in the forms the losses need.
pub struct Targets {
    /// `[rows, 1]` labels (binary, regression).
    pub column: Tensor<2>,
    /// `[rows, classes]` one-hot labels, for a softmax output.
    pub one_hot: Option<Tensor<2>>,
    /// `[rows]` class indices.
    pub classes: Option<Tensor<1, Int>>,
}

impl Targets {
    /// Targets for `labels`, with one-hot forms when the output has `units > 1`.
    pub fn new(labels: &[f32], units: usize, device: &burn::tensor::Device) -> Targets {
        let rows = labels.len();
        let column = Tensor::from_data(TensorData::new(labels.to_vec(), [rows, 1]), device);
        if units > 1 {
            let mut hot = vec![0.0f32; rows * units];
            for (r, &l) in labels.iter().enumerate() {
                if let Some(cell) = hot.get_mut(r * units + l as usize) {
                    *cell = 1.0;
                }
            }
            let ids: Vec<i64> = labels.iter().map(|&l| l as i64).collect();
            Targets {
                column,
                one_hot: Some(Tensor::from_data(
                    TensorData::new(hot, [rows, units]),
                    device,
                )),
                classes: Some(Tensor::from_data(TensorData::new(ids, [rows]), device)),
            }
        } else {
            Targets {
                column,
                one_hot: None,
                classes: None,
            }
        }
    }
}

/// How a model's output is scored: the loss, the output layer's activation, and the
/// training block's reading of it.
#[derive(Debug, Clone, Copy)]
pub struct Scoring {
    /// The loss minimised.
    pub loss: Loss,
    /// The output layer's activation.
    pub output: Activation,
    /// Whether the cross-entropies read a linear output as logits.
    pub from_logits: bool,
    /// Where `accuracy` of a one-unit output splits 0 from 1.
    pub threshold: f64,
}

impl Scoring {
    /// The scoring of `training` for an output layer with `output` activation.
    pub fn new(training: &Training, output: Activation) -> Scoring {
        Scoring {
            loss: training.loss,
            output,
            from_logits: training.from_logits,
            threshold: training.accuracy_threshold,
        }
    }

    /// The activation a cross-entropy applies to the logits: under `from_logits`, the
    /// sigmoid or softmax the linear output leaves out.
    fn probabilities(&self, squash: Activation) -> Activation {
        if self.from_logits {
            squash
        } else {
            self.output
        }
    }

    /// The model's outputs for `logits`: the output layer's activation applied, and under
    /// `from_logits` the sigmoid or softmax the loss applies (a probability, where Keras's
    /// `predict` would give the logit).
    pub fn outputs(&self, logits: Tensor<2>) -> Tensor<2> {
        let squash = match (self.from_logits, self.loss) {
            (true, Loss::BinaryCrossentropy) => Activation::Sigmoid,
            (true, Loss::CategoricalCrossentropy) => Activation::Softmax,
            _ => self.output,
        };
        apply(squash, logits)
    }

    /// The mean loss of a batch, without weight penalties.
    pub fn loss(&self, logits: Tensor<2>, targets: &Targets) -> Tensor<1> {
        self.loss_of(self.loss, logits, targets)
    }

    fn loss_of(&self, loss: Loss, logits: Tensor<2>, targets: &Targets) -> Tensor<1> {
        match loss {
            Loss::BinaryCrossentropy => {
                binary_crossentropy(self.probabilities(Activation::Sigmoid), logits, targets)
            }
            Loss::CategoricalCrossentropy => {
                categorical_crossentropy(self.probabilities(Activation::Softmax), logits, targets)
            }
            Loss::Mse | Loss::Mae | Loss::Huber => regression(loss, self.output, logits, targets),
        }
    }

    /// The mean of `metric` over a batch (for `Metric::Loss`, the loss without
    /// penalties; the trainer adds them; for `Metric::Rmse`, the mean squared error, see
    /// [`finish`]).
    pub fn metric(&self, metric: Metric, logits: Tensor<2>, targets: &Targets) -> f64 {
        let value = match metric {
            Metric::Loss => self.loss(logits, targets),
            Metric::BinaryCrossentropy => self.loss_of(Loss::BinaryCrossentropy, logits, targets),
            Metric::CategoricalCrossentropy => {
                self.loss_of(Loss::CategoricalCrossentropy, logits, targets)
            }
            Metric::Mse | Metric::Rmse => regression(Loss::Mse, self.output, logits, targets),
            Metric::Mae => regression(Loss::Mae, self.output, logits, targets),
            Metric::Huber => regression(Loss::Huber, self.output, logits, targets),
            Metric::Accuracy => accuracy(self.output, self.threshold, logits, targets),
        };
        value.into_scalar::<f32>() as f64
    }
}

/// `mse`, `mae` or `huber` of the output as it is.
fn regression(loss: Loss, output: Activation, logits: Tensor<2>, targets: &Targets) -> Tensor<1> {
    // Against the one-hot target on a categorical output, as Keras computes `mse` between
    // one-hot labels and the softmax (`ir::Metric::fits`).
    let target = targets
        .one_hot
        .clone()
        .unwrap_or_else(|| targets.column.clone());
    let error = apply(output, logits) - target;
    match loss {
        Loss::Mae => error.abs().mean(),
        Loss::Huber => {
            // Keras's `huber` with δ = 1: ½e² inside, δ·(|e| − ½δ) outside, as
            // ½q² + δ·(|e| − q) with q = min(|e|, δ), whose gradient is defined everywhere.
            const DELTA: f64 = 1.0;
            let size = error.abs();
            let inside = size.clone().clamp_max(DELTA);
            let outside = size - inside.clone();
            (inside.powi_scalar(2).mul_scalar(0.5) + outside.mul_scalar(DELTA)).mean()
        }
        _ => error.powi_scalar(2).mean(),
    }
}

/// A metric's value over a split from the mean of its batches' values (each weighted by
/// its examples): the mean itself, but for `rmse` its square root, since its batches give
/// squared errors (Keras's `RootMeanSquaredError` is the root of the total).
pub fn finish(metric: Metric, mean: f64) -> f64 {
    match metric {
        Metric::Rmse => mean.sqrt(),
        _ => mean,
    }
}

fn binary_crossentropy(output: Activation, logits: Tensor<2>, targets: &Targets) -> Tensor<1> {
    let y = targets.column.clone();
    if output == Activation::Sigmoid {
        // max(z, 0) - z·y + ln(1 + e^-|z|)
        let z = logits;
        (z.clone().clamp_min(0.0) - z.clone() * y + (z.abs().neg().exp() + 1.0).log()).mean()
    } else {
        let p = apply(output, logits).clamp(EPSILON, 1.0 - EPSILON);
        let one = p.ones_like();
        (y.clone() * p.clone().log() + (one.clone() - y) * (one - p).log())
            .mean()
            .neg()
    }
}

fn categorical_crossentropy(output: Activation, logits: Tensor<2>, targets: &Targets) -> Tensor<1> {
    let one_hot = targets
        .one_hot
        .clone()
        .expect("categorical cross-entropy has one-hot targets");
    let log_p = if output == Activation::Softmax {
        log_softmax(logits, 1)
    } else {
        apply(output, logits).clamp(EPSILON, 1.0 - EPSILON).log()
    };
    (one_hot * log_p).sum_dim(1).mean().neg()
}

/// Keras's `accuracy`: the argmax of a k-class output, or a one-unit output as it is
/// above `threshold` (Keras's `BinaryAccuracy`, which does not know about logits).
fn accuracy(output: Activation, threshold: f64, logits: Tensor<2>, targets: &Targets) -> Tensor<1> {
    match &targets.classes {
        Some(classes) => {
            let predicted = logits.argmax(1).reshape([-1]);
            predicted.equal(classes.clone()).float().mean()
        }
        None => {
            let p = apply(output, logits);
            p.greater_elem(threshold)
                .float()
                .equal(targets.column.clone())
                .float()
                .mean()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scoring(loss: Loss, output: Activation, from_logits: bool, threshold: f64) -> Scoring {
        Scoring {
            loss,
            output,
            from_logits,
            threshold,
        }
    }

    /// Five logits of a linear one-unit output, and their labels.
    fn five_logits() -> (Tensor<2>, Targets) {
        let device = crate::lower::Backend::default().device();
        let logits = Tensor::<2>::from_data(
            TensorData::new(vec![-1.0f32, 0.2, 0.4, 0.7, 3.0], [5, 1]),
            &device,
        );
        (logits, Targets::new(&[0.0, 1.0, 1.0, 1.0, 0.0], 1, &device))
    }

    #[test]
    fn binary_from_logits_is_kerass_on_fixed_numbers() {
        // Keras 3.15: `Dense(1)` with these outputs, compiled with
        // `BinaryCrossentropy(from_logits=True)` and `metrics=['accuracy']`, evaluates to
        // loss 0.9752378 and accuracy 0.4: `accuracy` is `BinaryAccuracy(threshold=0.5)`
        // applied to the logits; `threshold=0` counts 4 of 5.
        let (logits, targets) = five_logits();
        let keras = scoring(Loss::BinaryCrossentropy, Activation::Linear, true, 0.5);
        let loss = keras.metric(Metric::Loss, logits.clone(), &targets);
        assert!((loss - 0.975_237_8).abs() < 1e-6, "{loss}");
        let bce = keras.metric(Metric::BinaryCrossentropy, logits.clone(), &targets);
        assert_eq!(bce, loss);
        let accuracy = keras.metric(Metric::Accuracy, logits.clone(), &targets);
        assert!((accuracy - 0.4).abs() < 1e-7, "{accuracy}");
        let at_zero = scoring(Loss::BinaryCrossentropy, Activation::Linear, true, 0.0);
        let accuracy = at_zero.metric(Metric::Accuracy, logits, &targets);
        assert!((accuracy - 0.8).abs() < 1e-7, "{accuracy}");
    }

    #[test]
    fn categorical_from_logits_applies_the_softmax() {
        // Keras: `SparseCategoricalCrossentropy(from_logits=True)` of equal logits over
        // three classes is ln 3; accuracy takes the first of tied classes.
        let device = crate::lower::Backend::default().device();
        let logits = Tensor::<2>::from_data(
            TensorData::new(vec![3.0f32, 3.0, 3.0, 0.0, 0.0, 0.0], [2, 3]),
            &device,
        );
        let targets = Targets::new(&[0.0, 2.0], 3, &device);
        let keras = scoring(Loss::CategoricalCrossentropy, Activation::Linear, true, 0.5);
        let loss = keras.metric(Metric::Loss, logits.clone(), &targets);
        assert!((loss - 3f64.ln()).abs() < 1e-6, "{loss}");
        assert_eq!(keras.metric(Metric::Accuracy, logits, &targets), 0.5);
    }

    #[test]
    fn mse_on_a_softmax_compares_with_the_one_hot_target() {
        // Keras: mean over examples and classes of (one_hot − p)²; p = [0.5, 0.5] for
        // equal logits, the target [0, 1]: 0.25.
        let device = crate::lower::Backend::default().device();
        let targets = Targets::new(&[1.0], 2, &device);
        let logits = Tensor::<2>::zeros([1, 2], &device);
        let mse = scoring(
            Loss::CategoricalCrossentropy,
            Activation::Softmax,
            false,
            0.5,
        )
        .metric(Metric::Mse, logits, &targets);
        assert!((mse - 0.25).abs() < 1e-7, "{mse}");
    }

    /// A batch of four predictions (a linear output) against their labels.
    fn regression(which: Metric) -> f64 {
        let device = crate::lower::Backend::default().device();
        let targets = Targets::new(&[0.0, 1.0, -2.0, 3.0], 1, &device);
        let predictions = Tensor::<2>::from_data(
            TensorData::new(vec![0.5f32, 1.0, 1.0, 2.25], [4, 1]),
            &device,
        );
        scoring(Loss::Mse, Activation::Linear, false, 0.5).metric(which, predictions, &targets)
    }

    #[test]
    fn mae_huber_and_mse_are_kerass_on_fixed_numbers() {
        // Errors 0.5, 0, 3, −0.75.
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-6, "{a} ≠ {b}");
        close(regression(Metric::Mae), (0.5 + 0.0 + 3.0 + 0.75) / 4.0);
        close(regression(Metric::Mse), (0.25 + 0.0 + 9.0 + 0.5625) / 4.0);
        // keras.losses.Huber(delta=1): ½e² for |e| ≤ 1, |e| − ½ beyond.
        close(
            regression(Metric::Huber),
            (0.125 + 0.0 + 2.5 + 0.28125) / 4.0,
        );
        // A batch's rmse is its mean squared error until the split is finished.
        close(regression(Metric::Rmse), regression(Metric::Mse));
        close(finish(Metric::Rmse, 2.25), 1.5);
        close(finish(Metric::Mae, 2.25), 2.25);
    }
}
