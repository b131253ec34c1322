//! How much memory a training takes, estimated before anything is allocated, so that a
//! model too large for the machine is refused with its size rather than aborting the
//! process on a failed allocation.

use crate::ir::{Layer, Model, Optimizer, Shape, Training};

/// Examples per validation pass (`fit::VALIDATION_BATCH`): their activations are held at
/// once.
const VALIDATION_ROWS: u64 = 2048;

/// A model whose training needs more memory than it may use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "model `{model}` needs about {} to train (its weights, their gradients and the optimizer's state, and a batch's activations), but only {} is available",
    bytes(*needed),
    bytes(*available)
)]
pub struct TooLarge {
    /// The model's name.
    pub model: String,
    /// Bytes it needs, at least.
    pub needed: u64,
    /// Bytes it may use.
    pub available: u64,
}

/// The bytes training `model` with `training` needs at least, `None` when the count does
/// not fit in 64 bits (or the input width is not known yet).
pub fn needed(model: &Model, training: &Training) -> Option<u64> {
    // Per parameter: the weight and its gradient, plus the optimizer's state.
    let state: u64 = match training.optimizer {
        Optimizer::Adam { .. } => 2,
        Optimizer::Sgd { momentum, .. } => u64::from(momentum > 0.0),
        Optimizer::Rmsprop { momentum, .. } => 1 + u64::from(momentum > 0.0),
    };
    let (trainable, fixed) = model.params()?;
    let params = (trainable as u64)
        .checked_mul(2 + state)?
        .checked_add(fixed as u64)?;
    // Activations: every layer's output, forward and backward, for one batch (and one
    // validation pass); a multi-hot input is sparse, a dense one (features, or a sequence's
    // word ids) is held as it is. A sequence layer's output is `length × channels` values;
    // an LSTM or GRU also keeps its gates at every step for the backward pass (4 and 3
    // state-sized values per step), whether or not it returns the sequence.
    let mut widths: u64 = if model.input.multi_hot {
        0
    } else {
        model.input.width? as u64
    };
    for (layer, (input, output)) in model.layers.iter().zip(model.shapes()) {
        let output = u64::try_from(output?.size()).ok()?;
        let kept = match (layer, input?) {
            (Layer::Lstm(r) | Layer::Gru(r), Shape::Sequence { length, .. }) => {
                let gates = if matches!(layer, Layer::Lstm(_)) {
                    4
                } else {
                    3
                };
                (length as u64)
                    .checked_mul(r.units as u64)?
                    .checked_mul(gates)?
            }
            _ => 0,
        };
        widths = widths.checked_add(output)?.checked_add(kept)?;
    }
    let rows = (training.batch_size as u64).max(VALIDATION_ROWS);
    let activations = widths.checked_mul(rows)?.checked_mul(2)?;
    params.checked_add(activations)?.checked_mul(4)
}

/// Refuses a training that needs more than `available` bytes (no limit for `None`).
pub fn check(model: &Model, training: &Training, available: Option<u64>) -> Result<(), TooLarge> {
    let Some(available) = available else {
        return Ok(());
    };
    let needed = needed(model, training).unwrap_or(u64::MAX);
    if needed > available {
        return Err(TooLarge {
            model: model.name.clone(),
            needed,
            available,
        });
    }
    Ok(())
}

/// A byte count in words: `12.8 GB`, `640 MB`, `3 KB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [(&str, f64); 4] = [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)];
    for (unit, size) in UNITS {
        if n as f64 >= size {
            return format!("{:.1} {unit}", n as f64 / size);
        }
    }
    format!("{n} bytes")
}

#[cfg(test)]
mod tests {
    use super::bytes;

    #[test]
    fn byte_counts_read_as_a_person_writes_them() {
        assert_eq!(bytes(12_800_000_000), "12.8 GB");
        assert_eq!(bytes(640_000_000), "640.0 MB");
        assert_eq!(bytes(999), "999 bytes");
        assert_eq!(bytes(u64::MAX), "18446744.1 TB");
    }
}
