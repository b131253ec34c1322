//! The names a spec may write at each place, read from the signatures the checker binds
//! with (so they cannot drift from what it accepts): what an editor completes.

use super::bind::Signature;
use super::scope::Kind;
use super::{dataset, experiment, model, schedule, training};
use crate::ir::{Activation, Metric};

/// Every builtin that is called, with its signature: layers, regularizers, optimizers,
/// learning-rate schedules, data sources and encodings.
pub fn calls() -> Vec<(&'static str, &'static Signature<'static>)> {
    vec![
        ("dense", &model::DENSE),
        ("dropout", &model::DROPOUT),
        ("batch_norm", &model::BATCH_NORM),
        ("input", &model::INPUT),
        ("embedding", &model::EMBEDDING),
        ("global_average_pooling", &model::GLOBAL_AVERAGE_POOLING),
        ("global_max_pooling", &model::GLOBAL_MAX_POOLING),
        ("repeat", &model::REPEAT),
        ("normalization", &model::NORMALIZATION),
        ("flatten", &model::FLATTEN),
        ("conv1d", &model::CONV1D),
        ("max_pooling1d", &model::MAX_POOLING1D),
        ("lstm", &model::LSTM),
        ("gru", &model::GRU),
        ("l1", &model::L1),
        ("l2", &model::L2),
        ("l1_l2", &model::L1_L2),
        ("adam", &training::ADAM),
        ("sgd", &training::SGD),
        ("rmsprop", &training::RMSPROP),
        ("inverse_time_decay", &schedule::INVERSE_TIME_DECAY),
        ("exponential_decay", &schedule::EXPONENTIAL_DECAY),
        (
            "piecewise_constant_decay",
            &schedule::PIECEWISE_CONSTANT_DECAY,
        ),
        ("cosine_decay", &schedule::COSINE_DECAY),
        ("imdb", &dataset::IMDB),
        ("csv", &dataset::CSV),
        ("jsonl", &dataset::JSONL),
        ("json", &dataset::JSON),
        ("auto_mpg", &dataset::AUTO_MPG),
        ("sequence", &dataset::SEQUENCE),
    ]
}

/// The parameters of the builtin `callee`, in order.
pub fn parameters(callee: &str) -> Option<Vec<&'static str>> {
    calls()
        .into_iter()
        .find(|(name, _)| *name == callee)
        .map(|(_, signature)| signature.params.iter().map(|p| p.name).collect())
}

/// `dense(units, activation, use_bias = …, …)`: how a builtin is called.
pub fn signature(callee: &str) -> Option<String> {
    let (_, signature) = calls().into_iter().find(|(name, _)| *name == callee)?;
    let params: Vec<String> = signature
        .params
        .iter()
        .map(|p| match (p.positional, p.required) {
            (true, true) => p.name.to_string(),
            (true, false) => format!("[{}]", p.name),
            (false, _) => format!("{} = …", p.name),
        })
        .collect();
    Some(format!("{callee}({})", params.join(", ")))
}

/// The layers a model's body may hold.
pub fn layers() -> &'static [&'static str] {
    &model::LAYERS
}

/// The settings of a training block or an experiment.
pub fn settings(block: Kind) -> Vec<&'static str> {
    let signature = match block {
        Kind::Training => &training::TRAIN,
        Kind::Experiment => &experiment::EXPERIMENT,
        Kind::Dataset | Kind::Model => return Vec::new(),
    };
    signature.params.iter().map(|p| p.name).collect()
}

/// The builtin names a setting, or an argument of `callee`, called `key` takes as its value.
pub fn values(callee: Option<&str>, key: &str) -> Vec<&'static str> {
    let metrics = || Metric::ALL.iter().map(|m| m.name()).collect::<Vec<_>>();
    match key {
        "optimizer" => training::OPTIMIZERS.to_vec(),
        "loss" => names(&training::LOSSES),
        "metrics" => metrics(),
        "plot" | "monitor" => {
            let mut names = vec!["loss"];
            names.extend(metrics());
            names
        }
        "activation" => Activation::ALL.iter().map(|a| a.name()).collect(),
        "kernel_regularizer" | "bias_regularizer" => model::REGULARIZERS.to_vec(),
        "encode" => dataset::ENCODINGS.to_vec(),
        "padding" if matches!(callee, Some("conv1d" | "max_pooling1d")) => names(&model::PADDINGS),
        "padding" | "truncating" => names(&dataset::SIDES),
        "lr" => schedule::SCHEDULES.to_vec(),
        _ => Vec::new(),
    }
}

fn names<T>(pairs: &[(&'static str, T)]) -> Vec<&'static str> {
    pairs.iter().map(|(name, _)| *name).collect()
}

/// A builtin as an editor describes it: the defaults of its optional parameters (Keras's,
/// which the checker fills in; a test writes each one out and finds the same program) and a
/// line of what it is.
pub struct Builtin {
    /// Its name.
    pub name: &'static str,
    /// What it is: "layer", "optimizer", "loss", "metric", "activation" …
    pub what: &'static str,
    /// Each optional parameter with a default, and the default as it would be written.
    pub defaults: &'static [(&'static str, &'static str)],
    /// One line about it.
    pub doc: &'static str,
}

const fn builtin(
    name: &'static str,
    what: &'static str,
    defaults: &'static [(&'static str, &'static str)],
    doc: &'static str,
) -> Builtin {
    Builtin {
        name,
        what,
        defaults,
        doc,
    }
}

/// The layers, optimizers, regularizers, losses, metrics and activations an editor shows.
pub const BUILTINS: &[Builtin] = &[
    builtin("dense", "layer", &[("activation", "linear"), ("use_bias", "true")], "A densely-connected layer: activation(input · kernel + bias), as Keras's `Dense`."),
    builtin("dropout", "layer", &[], "Sets a fraction `rate` of its inputs to 0 while training and scales the rest by 1/(1 − rate), as Keras's `Dropout`."),
    builtin("batch_norm", "layer", &[("momentum", "0.99"), ("epsilon", "0.001"), ("center", "true"), ("scale", "true")], "Normalizes each feature by the batch's mean and variance while training and by their moving averages after, as Keras's `BatchNormalization`."),
    builtin("normalization", "layer", &[], "Standardizes each feature by the mean and variance of the training rows, as Keras's `Normalization` adapted to them."),
    builtin("input", "layer", &[], "States the width of the model's input rows (checked against the data)."),
    builtin("embedding", "layer", &[("mask_zero", "false")], "Maps each word id to a learned vector of `dim` values, as Keras's `Embedding`; `mask_zero` makes id 0 padding."),
    builtin("global_average_pooling", "layer", &[], "The mean over a sequence's steps (the unmasked ones), as Keras's `GlobalAveragePooling1D`."),
    builtin("global_max_pooling", "layer", &[], "The maximum over a sequence's steps, as Keras's `GlobalMaxPooling1D`."),
    builtin("flatten", "layer", &[], "A sequence's steps and channels as one row, as Keras's `Flatten`."),
    builtin("conv1d", "layer", &[("activation", "linear"), ("padding", "valid"), ("strides", "1")], "A 1D convolution of `filters` kernels of `kernel_size` steps over a sequence, as Keras's `Conv1D`."),
    builtin("max_pooling1d", "layer", &[("pool_size", "2"), ("padding", "valid")], "The maximum over windows of `pool_size` steps (strides default to the pool size), as Keras's `MaxPooling1D`."),
    builtin("lstm", "layer", &[("return_sequences", "false")], "A long short-term memory layer of `units`, as Keras's `LSTM`: the last step's output, or every step's."),
    builtin("gru", "layer", &[("return_sequences", "false")], "A gated recurrent unit layer of `units`, as Keras's `GRU` (`reset_after`)."),
    builtin("adam", "optimizer", &[("lr", "0.001"), ("beta_1", "0.9"), ("beta_2", "0.999"), ("epsilon", "1e-7")], "Adam, as Keras's `Adam`; `lr` may be a schedule."),
    builtin("sgd", "optimizer", &[("lr", "0.01"), ("momentum", "0.0"), ("nesterov", "false")], "Stochastic gradient descent with optional (Nesterov) momentum, as Keras's `SGD`."),
    builtin("rmsprop", "optimizer", &[("lr", "0.001"), ("rho", "0.9"), ("momentum", "0.0"), ("epsilon", "1e-7")], "RMSprop, as Keras's `RMSprop`."),
    builtin("l1", "regularizer", &[], "Adds `l1` · Σ|w| of the weights to the loss."),
    builtin("l2", "regularizer", &[], "Adds `l2` · Σw² of the weights to the loss."),
    builtin("l1_l2", "regularizer", &[], "Adds `l1` · Σ|w| + `l2` · Σw² of the weights to the loss."),
    builtin("binary_crossentropy", "loss", &[], "−[y·log p + (1 − y)·log(1 − p)] for one sigmoid unit, as Keras's."),
    builtin("categorical_crossentropy", "loss", &[], "−log p of the true class under a softmax (labels as class indices), as Keras's."),
    builtin("mse", "loss", &[], "The mean squared error, as Keras's."),
    builtin("mae", "loss", &[], "The mean absolute error, as Keras's."),
    builtin("huber", "loss", &[], "Squared error below δ = 1, absolute error above, as Keras's `Huber`."),
    builtin("loss", "metric", &[], "The loss itself, as training computes it (with any regularization penalty)."),
    builtin("accuracy", "metric", &[], "The fraction of examples whose predicted class is the label."),
    builtin("rmse", "metric", &[], "The root of the epoch's mean squared error, as Keras's `RootMeanSquaredError`."),
    builtin("relu", "activation", &[], "max(0, x)."),
    builtin("sigmoid", "activation", &[], "1 / (1 + e^(−x)): one unit's probability."),
    builtin("tanh", "activation", &[], "The hyperbolic tangent."),
    builtin("softmax", "activation", &[], "e^(x_i) / Σ e^(x_j): probabilities over the classes."),
    builtin("linear", "activation", &[], "x: no activation."),
    builtin("elu", "activation", &[], "x for x > 0, e^x − 1 below, as Keras's `elu`."),
    builtin("selu", "activation", &[], "The scaled ELU, λ·elu(x; α) with Keras's constants."),
    builtin("gelu", "activation", &[], "x · Φ(x), with the tanh approximation off, as Keras's `gelu`."),
    builtin("softplus", "activation", &[], "log(1 + e^x)."),
    builtin("leaky_relu", "activation", &[], "x for x > 0, 0.2·x below, as Keras's `leaky_relu`."),
    builtin("swish", "activation", &[], "x · sigmoid(x) (Keras's `silu`)."),
];

/// The hover text of builtin `name`: its signature with defaults, and its line.
pub fn describe(name: &str) -> Option<String> {
    let builtin = BUILTINS.iter().find(|b| b.name == name)?;
    let call = calls()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, signature)| {
            let params: Vec<String> = signature
                .params
                .iter()
                .map(
                    |p| match builtin.defaults.iter().find(|(n, _)| *n == p.name) {
                        Some((_, default)) => format!("{} = {default}", p.name),
                        None if p.required => p.name.to_string(),
                        None => format!("{} = …", p.name),
                    },
                )
                .collect();
            format!("{name}({})", params.join(", "))
        });
    Some(format!(
        "```ofit\n{}\n```\n{} — {}",
        call.unwrap_or_else(|| name.to_string()),
        builtin.what,
        builtin.doc
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layer_has_a_signature() {
        for layer in layers() {
            assert!(parameters(layer).is_some(), "{layer}");
        }
        assert_eq!(
            signature("dense").unwrap(),
            "dense(units, [activation], use_bias = …, kernel_regularizer = …, bias_regularizer = …)"
        );
    }
}
