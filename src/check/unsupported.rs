//! Names Keras has that ofit does not support yet: one table, consulted wherever a name
//! is resolved (layers, activations, losses, metrics, optimizers, regularizers,
//! encodings, parameters), so that `elu` gets "a Keras activation that ofit does not
//! support yet" and the list of what ofit has, not "did you mean `relu`?".
//!
//! A Keras name that ofit has under another spelling (`mean_squared_error` is `mse`) is
//! not here: `crate::suggest`'s aliases point it to ofit's name.

use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

/// The kinds of names the table knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vocabulary {
    /// `dense(16, elu)`.
    Activation,
    /// `loss = huber`.
    Loss,
    /// `metrics = [auc]`.
    Metric,
    /// `optimizer = adamw`.
    Optimizer,
    /// `conv2d(…)` in a model.
    Layer,
    /// `kernel_regularizer = orthogonal_regularizer(…)`.
    Regularizer,
    /// `encode = tf_idf`.
    Encoding,
    /// `adam(amsgrad = true)`, `dense(16, kernel_initializer = …)`.
    Parameter,
}

impl Vocabulary {
    /// The noun in messages.
    pub fn noun(self) -> &'static str {
        match self {
            Vocabulary::Activation => "activation",
            Vocabulary::Loss => "loss",
            Vocabulary::Metric => "metric",
            Vocabulary::Optimizer => "optimizer",
            Vocabulary::Layer => "layer",
            Vocabulary::Regularizer => "regularizer",
            Vocabulary::Encoding => "encoding",
            Vocabulary::Parameter => "parameter",
        }
    }

    /// The vocabulary of a noun that `check::value::Reader::keyword` is given ("loss",
    /// "metric to monitor" …), if the table covers it.
    pub fn of_noun(noun: &str) -> Option<Vocabulary> {
        Some(match noun {
            "activation" => Vocabulary::Activation,
            "loss" => Vocabulary::Loss,
            "metric" | "metric to monitor" => Vocabulary::Metric,
            "optimizer" => Vocabulary::Optimizer,
            "layer" => Vocabulary::Layer,
            "regularizer" => Vocabulary::Regularizer,
            "encoding" => Vocabulary::Encoding,
            "parameter" | "setting" => Vocabulary::Parameter,
            _ => return None,
        })
    }
}

/// Keras's names that ofit does not support yet, by vocabulary, in Keras's spelling
/// (snake case: `leaky_relu`, `conv2d`; class names such as `LeakyReLU` and `Conv2D`
/// match too, see [`normalize`]).
const KERAS: &[(Vocabulary, &[&str])] = &[
    (
        Vocabulary::Activation,
        &[
            "softsign",
            "relu6",
            "exponential",
            "hard_sigmoid",
            "hard_silu",
            "hard_swish",
            "mish",
            "log_softmax",
            "celu",
            "glu",
            "hard_tanh",
            "soft_shrink",
            "hard_shrink",
            "tanh_shrink",
            "sparse_plus",
            "sparsemax",
            "squareplus",
            "log_sigmoid",
            "threshold",
        ],
    ),
    (
        Vocabulary::Loss,
        &[
            "mape",
            "mean_absolute_percentage_error",
            "msle",
            "mean_squared_logarithmic_error",
            "log_cosh",
            "logcosh",
            "kl_divergence",
            "kld",
            "kullback_leibler_divergence",
            "hinge",
            "squared_hinge",
            "categorical_hinge",
            "poisson",
            "cosine_similarity",
            "binary_focal_crossentropy",
            "categorical_focal_crossentropy",
            "ctc",
            "dice",
            "tversky",
            "circle",
        ],
    ),
    (
        Vocabulary::Metric,
        &[
            "mape",
            "mean_absolute_percentage_error",
            "msle",
            "mean_squared_logarithmic_error",
            "auc",
            "precision",
            "recall",
            "f1_score",
            "fbeta_score",
            "top_k_categorical_accuracy",
            "sparse_top_k_categorical_accuracy",
            "true_positives",
            "true_negatives",
            "false_positives",
            "false_negatives",
            "precision_at_recall",
            "recall_at_precision",
            "sensitivity_at_specificity",
            "specificity_at_sensitivity",
            "mean_iou",
            "iou",
            "r2_score",
            "kl_divergence",
            "kld",
            "hinge",
            "squared_hinge",
            "categorical_hinge",
            "poisson",
            "log_cosh_error",
            "logcosh",
            "cosine_similarity",
        ],
    ),
    (
        Vocabulary::Optimizer,
        &[
            "adamw",
            "nadam",
            "adagrad",
            "adadelta",
            "adamax",
            "adafactor",
            "ftrl",
            "lion",
            "lamb",
            "loss_scale_optimizer",
            "muon",
        ],
    ),
    (
        Vocabulary::Layer,
        &[
            "conv2d",
            "conv3d",
            "conv1d_transpose",
            "conv2d_transpose",
            "conv3d_transpose",
            "separable_conv1d",
            "separable_conv2d",
            "depthwise_conv1d",
            "depthwise_conv2d",
            "max_pooling2d",
            "max_pooling3d",
            "average_pooling1d",
            "average_pooling2d",
            "average_pooling3d",
            "global_max_pooling2d",
            "global_average_pooling2d",
            "simple_rnn",
            "bidirectional",
            "conv_lstm2d",
            "time_distributed",
            "reshape",
            "permute",
            "repeat_vector",
            "layer_normalization",
            "group_normalization",
            "unit_normalization",
            "spectral_normalization",
            "multi_head_attention",
            "attention",
            "additive_attention",
            "gaussian_dropout",
            "gaussian_noise",
            "alpha_dropout",
            "spatial_dropout1d",
            "spatial_dropout2d",
            "activity_regularization",
            "text_vectorization",
            "einsum_dense",
            "concatenate",
            "add",
            "multiply",
            "lambda",
            "masking",
        ],
    ),
    (
        Vocabulary::Regularizer,
        &["orthogonal_regularizer", "orthogonal"],
    ),
    (Vocabulary::Encoding, &["int", "count", "tf_idf", "one_hot"]),
    (
        Vocabulary::Parameter,
        &[
            // Losses and metrics.
            "label_smoothing",
            "reduction",
            "axis",
            "delta",
            "thresholds",
            "top_k",
            "class_id",
            // Optimizers.
            "weight_decay",
            "clipnorm",
            "clipvalue",
            "global_clipnorm",
            "use_ema",
            "ema_momentum",
            "ema_overwrite_frequency",
            "loss_scale_factor",
            "gradient_accumulation_steps",
            "amsgrad",
            "initial_accumulator_value",
            // Layers.
            "kernel_initializer",
            "bias_initializer",
            "activity_regularizer",
            "kernel_constraint",
            "bias_constraint",
            "lora_rank",
            "noise_shape",
            "beta_initializer",
            "gamma_initializer",
            "moving_mean_initializer",
            "moving_variance_initializer",
            "beta_regularizer",
            "gamma_regularizer",
            "beta_constraint",
            "gamma_constraint",
            "synchronized",
            "input_shape",
            "input_dim",
            "dtype",
            "trainable",
            // `fit` and callbacks.
            "shuffle",
            "class_weight",
            "sample_weight",
            "callbacks",
            "steps_per_epoch",
            "validation_freq",
            "validation_steps",
            "initial_epoch",
            "verbose",
            "mode",
            "baseline",
            "start_from_epoch",
        ],
    ),
];

/// A name in the form the table is matched in: lower case, no underscores, so that
/// Keras's class names (`LeakyReLU`, `Conv2D`, `AdamW`) match its function names.
fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether `name` is a Keras name of this vocabulary that ofit does not support yet.
pub fn is_keras(vocabulary: Vocabulary, name: &str) -> bool {
    let name = normalize(name);
    KERAS
        .iter()
        .filter(|(v, _)| *v == vocabulary)
        .flat_map(|(_, names)| names.iter())
        .any(|n| normalize(n) == name)
}

/// The E0208 error for `name`, when it is a Keras name of this vocabulary that ofit does
/// not support yet; `help` says what ofit has instead.
pub fn diagnostic(
    vocabulary: Vocabulary,
    name: &str,
    span: Span,
    help: impl Into<String>,
) -> Option<Diagnostic> {
    is_keras(vocabulary, name).then(|| {
        Diagnostic::error(
            Code::NotSupported,
            span,
            format!(
                "`{name}` is a Keras {} that ofit does not support yet",
                vocabulary.noun()
            ),
        )
        .with_label("not supported yet")
        .with_help(help.into())
    })
}

/// "ofit's activations are `relu`, `sigmoid` … and `linear`".
pub fn offered(vocabulary: Vocabulary, names: &[&str]) -> String {
    let plural = match vocabulary {
        Vocabulary::Activation => "activations",
        Vocabulary::Loss => "losses",
        Vocabulary::Metric => "metrics",
        Vocabulary::Optimizer => "optimizers",
        Vocabulary::Layer => "layers",
        Vocabulary::Regularizer => "regularizers",
        Vocabulary::Encoding => "encodings",
        Vocabulary::Parameter => "parameters",
    };
    match names {
        [one] => format!("ofit's only {} is `{one}`", vocabulary.noun()),
        _ => format!(
            "ofit's {plural} are {}",
            crate::suggest::quoted_list(names, "and")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_class_names_match_function_names() {
        assert!(is_keras(Vocabulary::Activation, "HardSigmoid"));
        assert!(is_keras(Vocabulary::Layer, "Conv2D"));
        assert!(is_keras(Vocabulary::Optimizer, "AdamW"));
        assert!(!is_keras(Vocabulary::Activation, "relu6x"));
    }

    #[test]
    fn a_name_is_looked_up_in_its_own_vocabulary_only() {
        assert!(is_keras(Vocabulary::Parameter, "amsgrad"));
        assert!(!is_keras(Vocabulary::Activation, "amsgrad"));
    }
}
