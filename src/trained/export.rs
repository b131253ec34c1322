//! `ofit export`: a trained model in files other tools read. `weights.safetensors` holds
//! each weight as `layers.<i>.<name>` (the model's layer `i`, from 0, and Keras's name of
//! the weight, in Keras's layout: a dense `kernel` is `[inputs, units]`); `model.json`
//! holds the layers as ofit's IR writes them, each with the names and shapes of its
//! weights, the output (its activation, the loss and `from_logits`) and the preprocessing
//! that turns raw text into the input. `tests/export/forward.py` applies an export with
//! numpy alone and gives what `ofit predict` gives.

use super::{TrainedError, TrainedModel};
use crate::file;
use crate::lower::Backend;
use safetensors::tensor::{Dtype, TensorView};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The format of an export's `model.json`.
pub const FORMAT: u32 = 1;
/// The weights' file name in an export.
pub const WEIGHTS: &str = "weights.safetensors";
/// The description's file name in an export.
pub const MODEL: &str = "model.json";

/// An export's `model.json`.
#[derive(Debug, Serialize)]
struct Description<'a> {
    format: u32,
    /// Each layer as ofit's IR writes it, with its weights.
    layers: Vec<ExportedLayer<'a>>,
    /// The input: its width, multi-hot or word ids.
    input: &'a crate::ir::Input,
    /// How the output is read.
    output: Output,
    /// What turns raw input into the input; absent for a model trained before ofit kept it.
    #[serde(skip_serializing_if = "Option::is_none")]
    preprocessing: Option<&'a crate::data::preprocessing::Preprocessing>,
}

#[derive(Debug, Serialize)]
struct ExportedLayer<'a> {
    layer: &'a crate::ir::Layer,
    /// Each weight's Keras name, its tensor's name in the weights file, and its shape.
    weights: Vec<ExportedWeight>,
}

#[derive(Debug, Serialize)]
struct ExportedWeight {
    name: &'static str,
    tensor: String,
    shape: Vec<usize>,
}

#[derive(Debug, Serialize)]
struct Output {
    /// The output layer's activation.
    activation: crate::ir::Activation,
    /// The loss it was trained with.
    loss: crate::ir::Loss,
    /// Whether the loss read the output as logits (a probability is then its sigmoid or
    /// softmax).
    from_logits: bool,
}

/// Writes `model`'s export into `out` (created if needed); the files written.
pub fn export(
    model: &TrainedModel,
    out: &Path,
    backend: Backend,
) -> Result<Vec<PathBuf>, TrainedError> {
    let empty = model.empty();
    let trainer = model.trainer(&empty, backend)?;
    let layers = trainer.layer_weights(&model.model);
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    let mut described = Vec::with_capacity(layers.len());
    for (i, (layer, weights)) in model.model.layers.iter().zip(&layers).enumerate() {
        let mut exported = Vec::with_capacity(weights.len());
        for weight in weights {
            let tensor = format!("layers.{i}.{}", weight.name);
            tensors.push((
                tensor.clone(),
                weight.shape.clone(),
                bytemuck::cast_slice(&weight.values).to_vec(),
            ));
            exported.push(ExportedWeight {
                name: weight.name,
                tensor,
                shape: weight.shape.clone(),
            });
        }
        described.push(ExportedLayer {
            layer,
            weights: exported,
        });
    }
    let views = tensors.iter().map(|(name, shape, bytes)| {
        let view = TensorView::new(Dtype::F32, shape.clone(), bytes)
            .expect("a weight's bytes fit its shape");
        (name.clone(), view)
    });
    let bytes = safetensors::tensor::serialize(views, None).expect("f32 tensors serialize");
    let output = model
        .model
        .output()
        .expect("the checker guarantees an output layer");
    let description = Description {
        format: FORMAT,
        layers: described,
        input: &model.model.input,
        output: Output {
            activation: output.activation,
            loss: model.training.loss,
            from_logits: model.training.from_logits,
        },
        preprocessing: model.preprocessing.as_ref(),
    };
    file::ensure_dir(out)?;
    let weights = out.join(WEIGHTS);
    file::write_atomic(&weights, &bytes)?;
    let json = out.join(MODEL);
    let text = serde_json::to_string_pretty(&description).expect("the description serializes");
    file::write_atomic(&json, (text + "\n").as_bytes())?;
    Ok(vec![weights, json])
}
