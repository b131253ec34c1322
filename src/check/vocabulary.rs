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
