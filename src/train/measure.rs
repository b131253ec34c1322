//! Losses and metrics, computed from the output layer's logits as Keras does internally
//! when the output activation is sigmoid or softmax (stable for confident predictions).

use crate::ir::{Activation, Loss, Metric};
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

/// The mean loss of a batch, without weight penalties.
pub fn loss(loss: Loss, output: Activation, logits: Tensor<2>, targets: &Targets) -> Tensor<1> {
    match loss {
        Loss::BinaryCrossentropy => binary_crossentropy(output, logits, targets),
        Loss::CategoricalCrossentropy => categorical_crossentropy(output, logits, targets),
        Loss::Mse | Loss::Mae | Loss::Huber => {
            // Against the one-hot target on a categorical output, as Keras computes `mse`
            // between one-hot labels and the softmax (`ir::Metric::fits`).
            let target = targets
                .one_hot
                .clone()
                .unwrap_or_else(|| targets.column.clone());
            let error = apply(output, logits) - target;
            match loss {
                Loss::Mae => error.abs().mean(),
                Loss::Huber => {
                    // Keras's `huber` with δ = 1: ½e² inside, δ·(|e| − ½δ) outside, as
                    // ½q² + δ·(|e| − q) with q = min(|e|, δ), whose gradient is defined
                    // everywhere.
                    const DELTA: f64 = 1.0;
                    let size = error.abs();
                    let inside = size.clone().clamp_max(DELTA);
                    let outside = size - inside.clone();
                    (inside.powi_scalar(2).mul_scalar(0.5) + outside.mul_scalar(DELTA)).mean()
                }
                _ => error.powi_scalar(2).mean(),
            }
        }
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

/// The mean of `metric` over a batch (for `Metric::Loss`, the loss without penalties;
/// the trainer adds them; for `Metric::Rmse`, the mean squared error, see [`finish`]).
pub fn metric(
    metric: Metric,
    loss_kind: Loss,
    output: Activation,
    logits: Tensor<2>,
    targets: &Targets,
) -> f64 {
    let value = match metric {
        Metric::Loss => loss(loss_kind, output, logits, targets),
        Metric::BinaryCrossentropy => binary_crossentropy(output, logits, targets),
        Metric::CategoricalCrossentropy => categorical_crossentropy(output, logits, targets),
        Metric::Mse | Metric::Rmse => loss(Loss::Mse, output, logits, targets),
        Metric::Mae => loss(Loss::Mae, output, logits, targets),
        Metric::Huber => loss(Loss::Huber, output, logits, targets),
        Metric::Accuracy => accuracy(output, logits, targets),
    };
    value.into_scalar::<f32>() as f64
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

fn accuracy(output: Activation, logits: Tensor<2>, targets: &Targets) -> Tensor<1> {
    match &targets.classes {
        Some(classes) => {
            let predicted = logits.argmax(1).reshape([-1]);
            predicted.equal(classes.clone()).float().mean()
        }
        None => {
            let p = apply(output, logits);
            p.greater_elem(0.5)
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

    #[test]
    fn mse_on_a_softmax_compares_with_the_one_hot_target() {
        // Keras: mean over examples and classes of (one_hot − p)²; p = [0.5, 0.5] for
        // equal logits, the target [0, 1]: 0.25.
        let device = crate::lower::Backend::default().device();
        let targets = Targets::new(&[1.0], 2, &device);
        let logits = Tensor::<2>::zeros([1, 2], &device);
        let mse = metric(
            Metric::Mse,
            Loss::CategoricalCrossentropy,
            Activation::Softmax,
            logits,
            &targets,
        );
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
        metric(which, Loss::Mse, Activation::Linear, predictions, &targets)
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
