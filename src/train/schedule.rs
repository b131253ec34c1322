//! The learning rate of each optimizer step: the optimizer's `lr`, or what a Keras
//! schedule (`ir::Schedule`) makes of it. Keras evaluates the schedule at the optimizer's
//! `iterations` before each update, so the first step's rate is the schedule at 0; a
//! history's `learning_rate` column is Keras's `optimizer.learning_rate` at the end of
//! the epoch (the schedule at the steps taken so far), as its callbacks log it.

use crate::ir::{Optimizer, Schedule, Training};

/// The optimizer's `lr`: the rate of step 0.
pub fn initial(optimizer: &Optimizer) -> f64 {
    match *optimizer {
        Optimizer::Adam { lr, .. } | Optimizer::Sgd { lr, .. } | Optimizer::Rmsprop { lr, .. } => {
            lr
        }
    }
}

/// The learning rate of step `step` (from 0) of `training`.
pub fn learning_rate(training: &Training, step: u64) -> f64 {
    let lr = initial(&training.optimizer);
    let Some(schedule) = &training.schedule else {
        return lr;
    };
    let progress = |decay_steps: u64, staircase: bool| {
        let p = step as f64 / decay_steps as f64;
        if staircase {
            p.floor()
        } else {
            p
        }
    };
    match schedule {
        Schedule::InverseTimeDecay {
            decay_steps,
            decay_rate,
            staircase,
        } => lr / (1.0 + decay_rate * progress(*decay_steps, *staircase)),
        Schedule::ExponentialDecay {
            decay_steps,
            decay_rate,
            staircase,
        } => lr * decay_rate.powf(progress(*decay_steps, *staircase)),
        Schedule::PiecewiseConstantDecay { boundaries, values } => {
            let index = boundaries.iter().take_while(|&&b| step > b).count();
            values[index]
        }
        Schedule::CosineDecay { decay_steps, alpha } => {
            let done = step.min(*decay_steps) as f64 / *decay_steps as f64;
            let cosine = 0.5 * (1.0 + (std::f64::consts::PI * done).cos());
            lr * ((1.0 - alpha) * cosine + alpha)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Loss, Training};

    fn training(lr: f64, schedule: Schedule) -> Training {
        Training {
            name: "t".to_string(),
            optimizer: Optimizer::Adam {
                lr,
                beta_1: 0.9,
                beta_2: 0.999,
                epsilon: 1e-7,
            },
            loss: Loss::Mse,
            from_logits: false,
            accuracy_threshold: Training::DEFAULT_THRESHOLD,
            metrics: Vec::new(),
            epochs: 1,
            batch_size: 1,
            seed: 0,
            early_stopping: None,
            schedule: Some(schedule),
        }
    }

    /// Keras 3's `keras.optimizers.schedules` on the same numbers (their formulas,
    /// computed by hand): `InverseTimeDecay(0.001, 20 * 1000, 1)`, the current
    /// overfitting tutorial's, at steps 0, 10,000 and 20,000 is 0.001, 0.001 / 1.5 and
    /// 0.0005; with `staircase`, 0.001 until step 20,000.
    #[test]
    fn inverse_time_decay_is_kerass() {
        let t = training(
            0.001,
            Schedule::InverseTimeDecay {
                decay_steps: 20_000,
                decay_rate: 1.0,
                staircase: false,
            },
        );
        assert_eq!(learning_rate(&t, 0), 0.001);
        assert!((learning_rate(&t, 10_000) - 0.001 / 1.5).abs() < 1e-15);
        assert!((learning_rate(&t, 20_000) - 0.0005).abs() < 1e-15);
        let stairs = training(
            0.001,
            Schedule::InverseTimeDecay {
                decay_steps: 20_000,
                decay_rate: 1.0,
                staircase: true,
            },
        );
        assert_eq!(learning_rate(&stairs, 19_999), 0.001);
        assert!((learning_rate(&stairs, 20_000) - 0.0005).abs() < 1e-15);
    }

    #[test]
    fn exponential_decay_is_kerass() {
        // ExponentialDecay(0.1, decay_steps = 100, decay_rate = 0.5): 0.1 · 0.5^(s / 100).
        let t = training(
            0.1,
            Schedule::ExponentialDecay {
                decay_steps: 100,
                decay_rate: 0.5,
                staircase: false,
            },
        );
        assert_eq!(learning_rate(&t, 0), 0.1);
        assert!((learning_rate(&t, 50) - 0.1 * 0.5f64.sqrt()).abs() < 1e-15);
        assert!((learning_rate(&t, 200) - 0.025).abs() < 1e-15);
    }

    #[test]
    fn piecewise_constant_decay_changes_after_each_boundary() {
        // Keras: values[0] while step <= boundaries[0], and so on.
        let t = training(
            1.0,
            Schedule::PiecewiseConstantDecay {
                boundaries: vec![10, 20],
                values: vec![1.0, 0.5, 0.1],
            },
        );
        let rates: Vec<f64> = [0, 10, 11, 20, 21, 1000]
            .iter()
            .map(|&s| learning_rate(&t, s))
            .collect();
        assert_eq!(rates, [1.0, 1.0, 0.5, 0.5, 0.1, 0.1]);
    }

    #[test]
    fn cosine_decay_falls_to_alpha_and_stays() {
        // CosineDecay(0.1, decay_steps = 100, alpha = 0.2).
        let t = training(
            0.1,
            Schedule::CosineDecay {
                decay_steps: 100,
                alpha: 0.2,
            },
        );
        assert_eq!(learning_rate(&t, 0), 0.1);
        assert!((learning_rate(&t, 50) - 0.1 * (0.8 * 0.5 + 0.2)).abs() < 1e-15);
        assert!((learning_rate(&t, 100) - 0.02).abs() < 1e-15);
        assert!((learning_rate(&t, 500) - 0.02).abs() < 1e-15);
    }
}
