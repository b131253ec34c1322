//! A trained model's loss and metrics on labelled examples, as Keras's `evaluate` gives
//! them: one pass in inference mode (no dropout, batch norm's moving statistics), `loss`
//! with the weight penalties, every metric its training block computes.

use super::{TrainedError, TrainedModel};
use crate::data::{Encoded, Split};
use crate::lower::Backend;

/// Each metric's name (`loss` first) and value.
pub type Figures = Vec<(String, f64)>;

/// The figures of `model` on `split`, one of the splits of `data`: the data its spec
/// declares for it, loaded as `ofit run` loads it.
pub fn evaluate(
    model: &TrainedModel,
    data: &Encoded,
    split: &Split,
    backend: Backend,
) -> Result<Figures, TrainedError> {
    let values = model.trainer(data, backend)?.evaluate(split);
    Ok(model
        .training
        .computed_metrics()
        .iter()
        .map(|m| m.name().to_string())
        .zip(values)
        .collect())
}
