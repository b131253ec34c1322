//! The checked experiment: every name resolved, every value typed and in range, every
//! default filled in. Later stages (data, lower, train, report) read only this.
//!
//! The IR has no spans and no syntax: two specs that mean the same thing give equal IR,
//! which is what the run folder's content hashes are computed from.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The most units a layer, and the most features an example, may have: 2³² − 1. A
/// multi-hot row holds its word ids as `u32` (`data::MultiHot`), so `num_words` and
/// every width stay below this; the checker refuses anything wider.
pub const MAX_WIDTH: usize = u32::MAX as usize;

/// The most parameters (trainable and not) a model may have: 2⁵³, the largest count an
/// `f64` (the cost arithmetic, JSON readers) holds exactly. Its weights alone would take
/// 32 PiB; whether a model fits in memory is a question for run time.
pub const MAX_PARAMS: u64 = 1 << 53;

/// The most models one experiment entry (a sweep) may make, and the most all the
/// experiments of a spec may make together: the checker refuses a sweep whose product
/// is larger before making any of its models.
pub const MAX_MODELS: usize = 10_000;

/// The features of `auto_mpg()`: cylinders, displacement, horsepower, weight, acceleration,
/// model year, and Origin one-hot (Europe, Japan, USA).
pub const AUTO_MPG_WIDTH: usize = 9;

/// A whole checked spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Program {
    /// Datasets in declaration order.
    pub datasets: Vec<Dataset>,
    /// Training settings in declaration order.
    pub trainings: Vec<Training>,
    /// Every distinct model instance used by an experiment, in first-use order. A model
    /// shared by several experiments (same name, same layers, same input) appears once.
    pub models: Vec<Model>,
    /// Experiments in declaration order.
    pub experiments: Vec<Experiment>,
}

impl Program {
    /// The model called `name`, if exactly one instance has that name.
    pub fn model(&self, name: &str) -> Option<&Model> {
        let mut found = self.models.iter().filter(|m| m.name == name);
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }
}

/// A named dataset declaration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// The dataset's name in the spec.
    pub name: String,
    /// Where the examples come from.
    pub source: DataSource,
    /// What the model is validated on.
    pub validation: Validation,
    /// What the model is tested on once, after training; `None` for no test.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<Test>,
}

/// Where a dataset's examples come from and how they are encoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DataSource {
    /// The IMDB movie reviews, encoded as Keras's `imdb.load_data` does.
    Imdb {
        /// Keep word ids below this; rarer words become the out-of-vocabulary id 2.
        num_words: usize,
        /// How a review becomes a vector.
        encoding: Encoding,
        /// A local copy (`aclImdb/` directory or `imdb.npz`) instead of the npm package.
        path: Option<String>,
    },
    /// The Auto MPG data of TensorFlow's fuel-efficiency tutorial, prepared as it prepares
    /// it: the 392 complete cars, miles per gallon the label, Origin one-hot, the model
    /// year a feature, and the tutorial's test split (pandas's
    /// `sample(frac = 0.8, random_state = 0)` trains, the rest tests).
    AutoMpg,
    /// A table file (CSV, or JSON Lines) with a label column: numeric feature columns, or
    /// one text column tokenized as IMDB's reviews are.
    Table {
        /// How the file writes its rows.
        format: TableFormat,
        /// The training file, relative to the spec's folder.
        path: String,
        /// The label column's header.
        label: String,
        /// The text column, when the file holds text rather than numeric features.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<TextColumn>,
        /// Which columns are features and how they are read.
        #[serde(default, skip_serializing_if = "Columns::is_plain")]
        columns: Columns,
    },
}

/// Which of a table's columns are features, and how each is read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Columns {
    /// The feature columns, in this order; `None` for every column but the label (and
    /// the text column), in file order, less `drop`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<Vec<String>>,
    /// Columns left out when `features` is not given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drop: Vec<String>,
    /// Feature columns of names (strings), one-hot encoded: one feature per distinct name
    /// of the training file, in byte order, where the column stands.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categorical: Vec<String>,
    /// Feature columns of dates (`YYYY-MM-DD…`), read as their year.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<String>,
    /// What a row with a missing value (an empty cell, JSON's `null`) in a column that is
    /// read does.
    #[serde(default, skip_serializing_if = "Missing::is_error")]
    pub missing: Missing,
}

impl Columns {
    /// Every column but the label read as it is, a missing value an error.
    pub fn is_plain(&self) -> bool {
        *self == Columns::default()
    }
}

/// What a row with a missing value does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// It is an error at its line and column.
    #[default]
    Error,
    /// The row is left out, and counted (`ofit data` says how many).
    Drop,
}

impl Missing {
    fn is_error(&self) -> bool {
        *self == Missing::Error
    }
}

/// How a table file writes its header and rows; its validation and test files are
/// written the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableFormat {
    /// Comma-separated values with a header line (`csv(…)`).
    Csv,
    /// One JSON object per line, the first object's keys the columns (`jsonl(…)`).
    JsonLines,
    /// One JSON list of objects, the records; the first one's keys the columns (`json(…)`).
    Json,
}

impl TableFormat {
    /// The dataset source that reads it in a spec.
    pub fn source(self) -> &'static str {
        match self {
            TableFormat::Csv => "csv",
            TableFormat::JsonLines => "jsonl",
            TableFormat::Json => "json",
        }
    }

    /// Its name for people.
    pub fn name(self) -> &'static str {
        match self {
            TableFormat::Csv => "CSV",
            TableFormat::JsonLines => "JSON Lines",
            TableFormat::Json => "JSON",
        }
    }
}

/// A table file's text column and how its text becomes word ids: tokenized with Keras's rule
/// (as IMDB's reviews), words ranked by frequency over the training split only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextColumn {
    /// The column's header.
    pub column: String,
    /// Keep word ids below this, as `imdb(num_words = …)`.
    pub num_words: usize,
    /// How a text becomes a row.
    pub encoding: Encoding,
}

/// How text becomes a fixed-width row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// A 1 at every word id present in the review, 0 elsewhere.
    MultiHot,
    /// The word ids in order, padded and truncated to one length, as Keras's
    /// `pad_sequences`.
    Sequence(Padding),
}

/// Keras's `pad_sequences(maxlen = length, padding, truncating, value)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Padding {
    /// Every row's length, ≥ 1.
    pub length: usize,
    /// Where short rows get their pad values.
    pub padding: Side,
    /// Where long rows lose their ids.
    pub truncating: Side,
    /// The pad id, below `num_words`.
    pub value: u32,
}

/// The start or the end of a sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The start (Keras's `'pre'`).
    Pre,
    /// The end (Keras's `'post'`).
    Post,
}

/// Which examples validate the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Validation {
    /// The source's own test split (IMDB's 25,000 test reviews).
    TestSplit,
    /// The last fraction of the training examples, in the source's order, unshuffled:
    /// Keras's `fit(validation_split = fraction)`, which keeps the first
    /// `floor(n × (1 − fraction))` examples for training.
    Split {
        /// Fraction held out, in (0, 1).
        fraction: f64,
    },
    /// A seeded random fraction of the training examples, spread over the whole source.
    Sample {
        /// Fraction held out, in (0, 1).
        fraction: f64,
    },
    /// A separate file with the same columns.
    File {
        /// Path relative to the spec's folder.
        path: String,
    },
    /// The first `rows` training examples, in the source's order (the movie-review
    /// tutorial's `x_train[:10000]`).
    First {
        /// Examples held out, ≥ 1.
        rows: usize,
    },
}

/// Examples evaluated once, after training, with the final (or restored best) weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Test {
    /// The source's own test split (IMDB's 25,000 test reviews), when validation is
    /// carved from the training examples.
    TestSplit,
    /// A separate file with the same columns.
    File {
        /// Path relative to the spec's folder.
        path: String,
    },
}

impl Dataset {
    /// For text (IMDB, or a CSV file's text column): `num_words` and the encoding.
    pub fn text(&self) -> Option<(usize, Encoding)> {
        match &self.source {
            DataSource::Imdb {
                num_words,
                encoding,
                ..
            } => Some((*num_words, *encoding)),
            DataSource::Table { text, .. } => text.as_ref().map(|t| (t.num_words, t.encoding)),
            DataSource::AutoMpg => None,
        }
    }

    /// The width of one encoded example, when the declaration alone fixes it: `num_words`
    /// for multi-hot text, the length for sequences, Auto MPG's 9 features. A numeric CSV file's width is known
    /// only once the data stage has read its header.
    pub fn input_width(&self) -> Option<usize> {
        if self.source == DataSource::AutoMpg {
            return Some(AUTO_MPG_WIDTH);
        }
        match self.text()? {
            (num_words, Encoding::MultiHot) => Some(num_words),
            (_, Encoding::Sequence(padding)) => Some(padding.length),
        }
    }

    /// Whether examples are multi-hot rows (sparse) rather than dense features.
    pub fn is_multi_hot(&self) -> bool {
        matches!(self.text(), Some((_, Encoding::MultiHot)))
    }

    /// For sequences of word ids, the ids' bound (`num_words`): an embedding's input size.
    pub fn vocabulary(&self) -> Option<usize> {
        match self.text()? {
            (num_words, Encoding::Sequence(_)) => Some(num_words),
            (_, Encoding::MultiHot) => None,
        }
    }

    /// Numbers of training and validation examples, when known without reading data.
    pub fn split_sizes(&self) -> Option<(usize, usize)> {
        const IMDB_SPLIT: usize = 25_000;
        match (&self.source, &self.validation) {
            (DataSource::Imdb { .. }, Validation::TestSplit) => Some((IMDB_SPLIT, IMDB_SPLIT)),
            (
                DataSource::Imdb { .. },
                Validation::Split { fraction } | Validation::Sample { fraction },
            ) => {
                // Keras's count, which `data::validation::carve` keeps.
                let kept = (IMDB_SPLIT as f64 * (1.0 - fraction)).floor() as usize;
                Some((kept, IMDB_SPLIT - kept))
            }
            (DataSource::Imdb { .. }, Validation::First { rows }) => {
                Some((IMDB_SPLIT.saturating_sub(*rows), *rows))
            }
            _ => None,
        }
    }
}

/// A model instance: a template applied to its arguments, or a plain model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// The name the experiment gives it, e.g. `baseline` or `size(units=4)` for a sweep.
    pub name: String,
    /// The template (or plain model) it was made from.
    pub template: String,
    /// The template's arguments, defaults filled in, in parameter order.
    pub arguments: Vec<Argument>,
    /// What the first layer receives.
    pub input: Input,
    /// The layers in order, with no-op layers (dropout of 0) removed.
    pub layers: Vec<Layer>,
}

/// One template argument of a model instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Argument {
    /// The parameter's name.
    pub name: String,
    /// Its value.
    pub value: Literal,
}

/// What a model's first layer receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    /// Features per example (a sequence's length for sequences); `None` until the data
    /// stage reads a CSV header.
    pub width: Option<usize>,
    /// Whether the rows are sparse multi-hot vectors (a first dense layer becomes a gather).
    pub multi_hot: bool,
    /// For rows of word ids (a sequence encoding): the ids lie below this (`num_words`),
    /// which is an embedding's input size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vocabulary: Option<usize>,
}

/// One layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Layer {
    /// A fully connected layer.
    Dense(Dense),
    /// Inverted dropout, active only in training.
    Dropout {
        /// Fraction of units zeroed, in (0, 1).
        rate: f64,
    },
    /// Batch normalization over the feature axis.
    BatchNorm(BatchNorm),
    /// Keras's `Normalization()`: each feature shifted by its mean and scaled by its
    /// standard deviation, both computed once on the training split before training
    /// (Keras's `adapt`) and then fixed. Only the first layer (after `input`).
    Normalization,
    /// Word ids → learned vectors, as Keras's `Embedding(num_words, dim)`.
    Embedding(Embedding),
    /// The mean over a sequence's steps (of the unmasked ones, after a masking embedding).
    GlobalAveragePooling,
    /// The maximum over a sequence's steps.
    GlobalMaxPooling,
    /// A sequence's steps side by side, as one flat row.
    Flatten,
    /// A 1-D convolution over a sequence's steps.
    Conv1d(Conv1d),
    /// The maximum over windows of steps.
    MaxPooling1d(MaxPooling1d),
    /// A long short-term memory layer, as Keras's `LSTM(units)`.
    Lstm(Recurrent),
    /// A gated recurrent unit layer, as Keras's `GRU(units)` (`reset_after = True`).
    Gru(Recurrent),
}

/// Keras's `Embedding(input_dim, output_dim, mask_zero)`; `input_dim` is the dataset's
/// `num_words`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Embedding {
    /// Length of each word's vector, ≥ 1.
    pub dim: usize,
    /// Whether id 0 is padding that later layers skip (Keras's `mask_zero`).
    pub mask_zero: bool,
}

/// Keras's `Conv1D(filters, kernel_size, strides, padding, activation)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conv1d {
    /// Output channels, ≥ 1.
    pub filters: usize,
    /// Steps each output sees, ≥ 1.
    pub kernel_size: usize,
    /// Applied to the output.
    pub activation: Activation,
    /// How the ends of the sequence are treated.
    pub padding: ConvPadding,
    /// Steps between windows, ≥ 1.
    pub strides: usize,
}

/// Keras's `MaxPooling1D(pool_size, strides, padding)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaxPooling1d {
    /// Steps per window, ≥ 1.
    pub pool_size: usize,
    /// Steps between windows, ≥ 1 (Keras's default: `pool_size`).
    pub strides: usize,
    /// How the end of the sequence is treated.
    pub padding: ConvPadding,
}

/// Keras's `padding` of convolutions and poolings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConvPadding {
    /// Only whole windows: the output has `(length − size) / strides + 1` steps.
    Valid,
    /// Zero-padded so the output has `⌈length / strides⌉` steps.
    Same,
}

/// An LSTM or GRU layer with Keras's default activations (`tanh`, recurrent `sigmoid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recurrent {
    /// State size, ≥ 1.
    pub units: usize,
    /// Every step's output (a sequence) rather than the last one (a flat row).
    pub return_sequences: bool,
}

/// A fully connected layer `activation(x · kernel + bias)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dense {
    /// Output units, ≥ 1.
    pub units: usize,
    /// Activation applied to the output.
    pub activation: Activation,
    /// Whether there is a bias vector.
    pub use_bias: bool,
    /// Penalty on the kernel, added to the training loss.
    pub kernel_regularizer: Option<Regularizer>,
    /// Penalty on the bias, added to the training loss.
    pub bias_regularizer: Option<Regularizer>,
}

/// Batch normalization settings, as Keras names them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchNorm {
    /// Momentum of the moving mean and variance.
    pub momentum: f64,
    /// Added to the variance before the square root.
    pub epsilon: f64,
    /// Whether there is a learned offset (beta).
    pub center: bool,
    /// Whether there is a learned scale (gamma).
    pub scale: bool,
}

/// An L1/L2 weight penalty `l1·Σ|w| + l2·Σw²`; at least one factor is non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Regularizer {
    /// L1 factor, ≥ 0.
    pub l1: f64,
    /// L2 factor, ≥ 0.
    pub l2: f64,
}

/// Activation functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// max(0, x)
    Relu,
    /// 1 / (1 + e^-x)
    Sigmoid,
    /// tanh(x)
    Tanh,
    /// e^x / Σe^x over the units
    Softmax,
    /// x
    Linear,
    /// Keras's `elu` (α = 1): x for x > 0, e^x − 1 otherwise
    Elu,
    /// Keras's `selu`: λ·elu with α ≈ 1.6733 and λ ≈ 1.0507 (Klambauer et al. 2017)
    Selu,
    /// Keras's `gelu` (exact, `approximate = False`): x·Φ(x) = x/2·(1 + erf(x/√2))
    Gelu,
    /// ln(1 + e^x)
    Softplus,
    /// Keras's `leaky_relu` (negative slope 0.2): x for x ≥ 0, 0.2·x otherwise
    LeakyRelu,
    /// Keras's `swish` (also called `silu`): x·sigmoid(x)
    Swish,
}

impl Activation {
    /// Every activation, in the order docs list them.
    pub const ALL: [Activation; 11] = [
        Activation::Relu,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Softmax,
        Activation::Linear,
        Activation::Elu,
        Activation::Selu,
        Activation::Gelu,
        Activation::Softplus,
        Activation::LeakyRelu,
        Activation::Swish,
    ];

    /// The name used in specs.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Softmax => "softmax",
            Activation::Linear => "linear",
            Activation::Elu => "elu",
            Activation::Selu => "selu",
            Activation::Gelu => "gelu",
            Activation::Softplus => "softplus",
            Activation::LeakyRelu => "leaky_relu",
            Activation::Swish => "swish",
        }
    }
}

/// A template argument's value, kept for display and for naming sweep members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Literal {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// An activation.
    Activation(Activation),
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Int(n) => write!(f, "{n}"),
            Literal::Float(x) => write!(f, "{x:?}"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Activation(a) => f.write_str(a.name()),
        }
    }
}

/// A named block of training settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Training {
    /// The block's name.
    pub name: String,
    /// The optimizer and its hyper-parameters.
    pub optimizer: Optimizer,
    /// The loss minimised.
    pub loss: Loss,
    /// Whether the model's output is raw logits rather than probabilities (Keras's
    /// `from_logits = True`): a cross-entropy loss and its metric apply the sigmoid or
    /// softmax themselves to a linear output layer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_logits: bool,
    /// Metrics reported per epoch besides the loss.
    pub metrics: Vec<Metric>,
    /// Where `accuracy` of a one-unit output splits 0 from 1: the output as it is, so a
    /// probability under a sigmoid and a logit under `from_logits` (Keras's
    /// `BinaryAccuracy(threshold)`, 0.5 unless given).
    #[serde(
        default = "Training::default_threshold",
        skip_serializing_if = "Training::is_default_threshold"
    )]
    pub accuracy_threshold: f64,
    /// Epochs to train, ≥ 1.
    pub epochs: usize,
    /// Examples per batch, ≥ 1.
    pub batch_size: usize,
    /// Seed for initialisation, shuffling and dropout.
    pub seed: u64,
    /// Stop when the monitored metric stops improving.
    pub early_stopping: Option<EarlyStopping>,
    /// How the learning rate changes step by step; `None` keeps the optimizer's `lr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
}

/// A learning-rate schedule, as Keras's `keras.optimizers.schedules` define them: the rate
/// of each optimizer step (counted from 0, over the whole training), starting from the
/// optimizer's `lr` (for `PiecewiseConstantDecay`, its first value).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    /// `lr / (1 + decay_rate · step / decay_steps)`.
    InverseTimeDecay {
        /// Steps per unit of decay, ≥ 1.
        decay_steps: u64,
        /// ≥ 0.
        decay_rate: f64,
        /// Whether `step / decay_steps` is rounded down (the rate changes in steps).
        staircase: bool,
    },
    /// `lr · decay_rate ^ (step / decay_steps)`.
    ExponentialDecay {
        /// Steps per unit of decay, ≥ 1.
        decay_steps: u64,
        /// > 0.
        decay_rate: f64,
        /// Whether `step / decay_steps` is rounded down.
        staircase: bool,
    },
    /// `values[i]` while `boundaries[i − 1] < step ≤ boundaries[i]`.
    PiecewiseConstantDecay {
        /// Increasing step counts.
        boundaries: Vec<u64>,
        /// One more than the boundaries; the first is the optimizer's `lr`.
        values: Vec<f64>,
    },
    /// `lr · ((1 − alpha) · ½(1 + cos(π · min(step, decay_steps) / decay_steps)) + alpha)`.
    CosineDecay {
        /// Steps to decay over, ≥ 1.
        decay_steps: u64,
        /// The fraction of `lr` reached at the end, in [0, 1].
        alpha: f64,
    },
}

impl Training {
    /// Keras's `BinaryAccuracy` threshold.
    pub const DEFAULT_THRESHOLD: f64 = 0.5;

    fn default_threshold() -> f64 {
        Self::DEFAULT_THRESHOLD
    }

    fn is_default_threshold(threshold: &f64) -> bool {
        *threshold == Self::DEFAULT_THRESHOLD
    }

    /// Every metric computed per epoch, `loss` first, on one split.
    pub fn computed_metrics(&self) -> Vec<Metric> {
        let mut all = vec![Metric::Loss];
        for m in &self.metrics {
            if !all.contains(m) {
                all.push(*m);
            }
        }
        all
    }
}

/// Optimizers with Keras's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Optimizer {
    /// Adam (Kingma & Ba).
    Adam {
        /// Learning rate.
        lr: f64,
        /// Decay of the first moment.
        beta_1: f64,
        /// Decay of the second moment.
        beta_2: f64,
        /// Added to the denominator.
        epsilon: f64,
    },
    /// Stochastic gradient descent.
    Sgd {
        /// Learning rate.
        lr: f64,
        /// Momentum factor, in [0, 1).
        momentum: f64,
        /// Nesterov momentum.
        nesterov: bool,
    },
    /// RMSprop.
    Rmsprop {
        /// Learning rate.
        lr: f64,
        /// Decay of the squared-gradient average.
        rho: f64,
        /// Momentum factor.
        momentum: f64,
        /// Added to the denominator.
        epsilon: f64,
    },
}

/// Losses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// For one sigmoid unit and 0/1 labels.
    BinaryCrossentropy,
    /// For a softmax over the classes and one-hot labels.
    CategoricalCrossentropy,
    /// Mean squared error.
    Mse,
    /// Mean absolute error.
    Mae,
    /// Keras's `huber` (δ = 1): ½e² where |e| ≤ δ, δ·(|e| − ½δ) beyond, averaged.
    Huber,
}

impl Loss {
    /// The metric that measures the same thing (without regularization penalties).
    pub fn metric(self) -> Metric {
        match self {
            Loss::BinaryCrossentropy => Metric::BinaryCrossentropy,
            Loss::CategoricalCrossentropy => Metric::CategoricalCrossentropy,
            Loss::Mse => Metric::Mse,
            Loss::Mae => Metric::Mae,
            Loss::Huber => Metric::Huber,
        }
    }

    /// Whether an output layer of `units` units and `activation` fits this loss. Labels
    /// are one scalar per example (0/1, a class index, or a number), so:
    ///
    /// - `binary_crossentropy` wants one sigmoid unit (the probability of class 1);
    /// - `categorical_crossentropy` wants a softmax over `units ≥ 2` classes (the
    ///   targets are the one-hot vectors of the class indices);
    /// - `mse`, `mae` and `huber` want one unit, of any activation but softmax (a softmax
    ///   over one unit is the constant 1, which nothing can train).
    ///
    /// With `from_logits` (cross-entropies only) the output is linear instead: the loss
    /// applies the sigmoid or softmax itself.
    ///
    /// The checker refuses every model whose output does not fit its loss, so the
    /// later stages may rely on this.
    pub fn fits_output(self, from_logits: bool, units: usize, activation: Activation) -> bool {
        let squashed = |probabilities| match from_logits {
            true => Activation::Linear,
            false => probabilities,
        };
        match self {
            Loss::BinaryCrossentropy => units == 1 && activation == squashed(Activation::Sigmoid),
            Loss::CategoricalCrossentropy => {
                units >= 2 && activation == squashed(Activation::Softmax)
            }
            Loss::Mse | Loss::Mae | Loss::Huber => units == 1 && activation != Activation::Softmax,
        }
    }

    /// Whether Keras's loss takes `from_logits`.
    pub fn takes_logits(self) -> bool {
        matches!(
            self,
            Loss::BinaryCrossentropy | Loss::CategoricalCrossentropy
        )
    }
}

/// Per-epoch measures. `Loss` is the training objective, penalties included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// The loss minimised, regularization penalties included.
    Loss,
    /// Fraction of examples classified right.
    Accuracy,
    /// Binary cross-entropy, without penalties.
    BinaryCrossentropy,
    /// Categorical cross-entropy, without penalties.
    CategoricalCrossentropy,
    /// Mean squared error, without penalties.
    Mse,
    /// Mean absolute error.
    Mae,
    /// Keras's Huber loss (δ = 1) as a metric.
    Huber,
    /// Root mean squared error: the square root of the mean over all the epoch's examples
    /// (Keras's `RootMeanSquaredError`), not a mean of batches' roots.
    Rmse,
}

impl Metric {
    /// Every metric.
    pub const ALL: [Metric; 8] = [
        Metric::Loss,
        Metric::Accuracy,
        Metric::BinaryCrossentropy,
        Metric::CategoricalCrossentropy,
        Metric::Mse,
        Metric::Mae,
        Metric::Huber,
        Metric::Rmse,
    ];

    /// The name used in specs and histories.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Loss => "loss",
            Metric::Accuracy => "accuracy",
            Metric::BinaryCrossentropy => "binary_crossentropy",
            Metric::CategoricalCrossentropy => "categorical_crossentropy",
            Metric::Mse => "mse",
            Metric::Mae => "mae",
            Metric::Huber => "huber",
            Metric::Rmse => "rmse",
        }
    }
}

/// Which split a monitored metric is measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// The training examples (running mean over the epoch).
    Train,
    /// The validation examples.
    Validation,
}

/// Early stopping, as Keras's callback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EarlyStopping {
    /// The metric watched, e.g. validation loss.
    pub monitor: Metric,
    /// The split it is watched on.
    pub split: Split,
    /// Epochs without improvement before stopping, ≥ 0.
    pub patience: usize,
    /// The least change that counts as an improvement, ≥ 0.
    pub min_delta: f64,
    /// A value the monitored metric must improve on before patience starts counting
    /// afresh (Keras's `baseline`); `None` for none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<f64>,
    /// Keep the best epoch's weights rather than the last.
    pub restore_best: bool,
}

impl Metric {
    /// Whether ofit can compute this metric for a model trained with `loss` whose output
    /// layer has `output_units` units, that output fitting the loss
    /// ([`Loss::fits_output`]). The checker refuses every `metrics`, `plot` and
    /// `early_stopping.monitor` entry that does not fit, so the trainer may rely on it.
    ///
    /// | metric | `binary_crossentropy` (1 sigmoid unit) | `categorical_crossentropy` (softmax over k ≥ 2) | `mse` (1 unit) |
    /// |---|---|---|---|
    /// | `loss` | ✓ | ✓ | ✓ |
    /// | `accuracy` | ✓ output > threshold (0.5) against the 0/1 label | ✓ argmax against the class index | ✓ output > threshold against the label |
    /// | `binary_crossentropy` | ✓ | ✗ needs one output unit | ✓ |
    /// | `categorical_crossentropy` | ✗ needs k ≥ 2 softmax units | ✓ | ✗ needs k ≥ 2 softmax units |
    /// | `mse`, `mae`, `huber`, `rmse` | ✓ on the probability | ✓ against the one-hot target, mean over examples and classes (Keras's `mse` of one-hot labels and the softmax) | ✓ |
    ///
    /// With `from_logits`, the cross-entropies read the linear output as logits, and the
    /// other metrics read it as it is, as Keras's do.
    ///
    /// The regression losses (`mae`, `huber`) are `mse`'s column. Under them, `accuracy`
    /// and `binary_crossentropy` need 0/1 labels; the data stage checks the labels, not
    /// this rule.
    pub fn fits(self, loss: Loss, output_units: usize) -> bool {
        let for_loss = match loss {
            Loss::BinaryCrossentropy | Loss::Mse | Loss::Mae | Loss::Huber => {
                self != Metric::CategoricalCrossentropy
            }
            Loss::CategoricalCrossentropy => self != Metric::BinaryCrossentropy,
        };
        let for_units = match self {
            Metric::BinaryCrossentropy => output_units == 1,
            Metric::CategoricalCrossentropy => output_units >= 2,
            Metric::Loss
            | Metric::Accuracy
            | Metric::Mse
            | Metric::Mae
            | Metric::Huber
            | Metric::Rmse => true,
        };
        for_loss && for_units
    }

    /// The metrics besides `loss` that [`Metric::fits`] this loss and output, in
    /// [`Metric::ALL`]'s order.
    pub fn fitting(loss: Loss, output_units: usize) -> Vec<Metric> {
        Metric::ALL
            .into_iter()
            .filter(|m| *m != Metric::Loss && m.fits(loss, output_units))
            .collect()
    }

    /// Whether a larger value is better (accuracy) rather than a smaller one.
    pub fn higher_is_better(self) -> bool {
        self == Metric::Accuracy
    }
}

/// A comparison of models trained on one dataset with one training block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Experiment {
    /// The experiment's name.
    pub name: String,
    /// Index into [`Program::datasets`].
    pub dataset: usize,
    /// Indices into [`Program::models`], in the order written.
    pub models: Vec<usize>,
    /// Each model's training block, an index into [`Program::trainings`], in the order of
    /// `models`: the experiment's `train`, or the one its map gives the model's entry.
    pub trainings: Vec<usize>,
    /// Metrics to plot, each computed by the training block.
    pub plot: Vec<Metric>,
    /// Whether its report shows the dataset (`show_data = true`): the tutorial's first
    /// plot, a training review as a multi-hot row.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub show_data: bool,
    /// The numbers of training examples each model is trained on (`train_size`),
    /// ascending: one model per size, each trained on a subset of the training split that
    /// lies inside the larger ones (`data::train_size`). Empty: the whole split.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub train_sizes: Vec<usize>,
}

impl Experiment {
    /// Each model with its training block: indices into [`Program::models`] and
    /// [`Program::trainings`].
    pub fn members(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.models
            .iter()
            .copied()
            .zip(self.trainings.iter().copied())
    }
}

/// The shape of one example as it flows through a model, batch axis left out: Keras's
/// `(None, 16)` is `Flat(16)`, `(None, 256, 16)` is `Sequence { length: 256, channels: 16 }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A row of features (rank 2 with the batch).
    Flat(usize),
    /// A row of `length` word ids below `vocabulary`, which only an embedding takes.
    Ids {
        /// Ids per example.
        length: usize,
        /// The ids' bound (`num_words`).
        vocabulary: usize,
    },
    /// `length` steps of `channels` values each (rank 3 with the batch).
    Sequence {
        /// Steps.
        length: usize,
        /// Values per step (the last axis).
        channels: usize,
    },
}

impl Shape {
    /// The values one example holds in this shape.
    pub fn size(self) -> u128 {
        match self {
            Shape::Flat(w) => w as u128,
            Shape::Ids { length, .. } => length as u128,
            Shape::Sequence { length, channels } => length as u128 * channels as u128,
        }
    }

    /// The last axis: features of a row, channels of a sequence (what dense and batch
    /// normalization work over), ids of a row of ids.
    pub fn last_axis(self) -> usize {
        match self {
            Shape::Flat(w) => w,
            Shape::Ids { length, .. } => length,
            Shape::Sequence { channels, .. } => channels,
        }
    }
}

impl fmt::Display for Shape {
    /// As Keras's summary prints it: `(None, 16)`, `(None, 256, 16)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Flat(w) => write!(f, "(None, {w})"),
            Shape::Ids { length, .. } => write!(f, "(None, {length})"),
            Shape::Sequence { length, channels } => write!(f, "(None, {length}, {channels})"),
        }
    }
}

/// Why a layer cannot take the shape it receives (the checker words each for the user).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misfit {
    /// Word ids reach a layer other than an embedding.
    NeedsEmbedding,
    /// An embedding receives something other than word ids.
    NeedsIds,
    /// A sequence reaches a layer that takes flat rows (dense).
    NeedsFlat,
    /// A flat row reaches a layer that takes a sequence.
    NeedsSequence,
    /// A `valid` window is longer than the sequence.
    WindowTooLong {
        /// The window (kernel or pool size).
        window: usize,
        /// The sequence's length.
        length: usize,
    },
}

/// Keras's output length of a 1-D window of `size` moved by `strides` over `length` steps
/// (`keras/src/ops/operation_utils.py`, `compute_conv_output_shape`): `valid` keeps whole
/// windows only, `same` pads so that every stride start gives one output.
pub fn window_length(
    length: usize,
    size: usize,
    strides: usize,
    padding: ConvPadding,
) -> Result<usize, Misfit> {
    let strides = strides.max(1);
    match padding {
        ConvPadding::Valid if length < size => Err(Misfit::WindowTooLong {
            window: size,
            length,
        }),
        ConvPadding::Valid => Ok((length - size) / strides + 1),
        ConvPadding::Same => Ok(length.div_ceil(strides)),
    }
}

impl Layer {
    /// Whether the mask of an `embedding(…, mask_zero = true)` reaches the layer after this
    /// one, as in Keras 3.15 (the release the references run): dropout and batch
    /// normalization pass it on (`supports_masking`, no `compute_mask`), and so does an LSTM
    /// or GRU with `return_sequences` (`RNN.compute_mask` returns the input mask for the
    /// sequence, `None` for the last state). Whether a layer can *take* the mask is the
    /// checker's rule (E0407). Keras's main branch after 3.15 stops RNNs passing it on
    /// (keras-team/keras#23235); ofit follows the release.
    pub fn passes_mask(&self) -> bool {
        match self {
            Layer::Dropout { .. } | Layer::BatchNorm(_) => true,
            Layer::Lstm(r) | Layer::Gru(r) => r.return_sequences,
            _ => false,
        }
    }

    /// The shape this layer gives for `input`, or why it cannot take it. Keras's rules:
    /// dense, dropout and batch normalization work on the last axis (dense only on flat
    /// rows here: on a sequence Keras would apply it per step, which no tutorial model
    /// means); pooling, flatten and a recurrent layer without `return_sequences` make a
    /// sequence flat.
    pub fn output_shape(&self, input: Shape) -> Result<Shape, Misfit> {
        use Shape::{Flat, Ids, Sequence};
        match (self, input) {
            (Layer::Embedding(e), Ids { length, .. }) => Ok(Sequence {
                length,
                channels: e.dim,
            }),
            (Layer::Embedding(_), _) => Err(Misfit::NeedsIds),
            (_, Ids { .. }) => Err(Misfit::NeedsEmbedding),
            (Layer::Dense(d), Flat(_)) => Ok(Flat(d.units)),
            (Layer::Dense(_), Sequence { .. }) => Err(Misfit::NeedsFlat),
            (Layer::Dropout { .. } | Layer::BatchNorm(_), shape) => Ok(shape),
            (Layer::Normalization, Flat(width)) => Ok(Flat(width)),
            (Layer::Normalization, Sequence { .. }) => Err(Misfit::NeedsFlat),
            (_, Flat(_)) => Err(Misfit::NeedsSequence),
            (Layer::GlobalAveragePooling | Layer::GlobalMaxPooling, Sequence { channels, .. }) => {
                Ok(Flat(channels))
            }
            (Layer::Flatten, Sequence { length, channels }) => {
                Ok(Flat(length.saturating_mul(channels)))
            }
            (Layer::Conv1d(c), Sequence { length, .. }) => Ok(Sequence {
                length: window_length(length, c.kernel_size, c.strides, c.padding)?,
                channels: c.filters,
            }),
            (Layer::MaxPooling1d(p), Sequence { length, channels }) => Ok(Sequence {
                length: window_length(length, p.pool_size, p.strides, p.padding)?,
                channels,
            }),
            (Layer::Lstm(r) | Layer::Gru(r), Sequence { length, .. }) => {
                Ok(if r.return_sequences {
                    Sequence {
                        length,
                        channels: r.units,
                    }
                } else {
                    Flat(r.units)
                })
            }
        }
    }

    /// Trainable and non-trainable parameters on `input`, exactly, as Keras counts them
    /// (`count_params` of each layer's weights): dense `i·u + u`; batch normalization
    /// `(center + scale)·c` trainable and `2c` moving statistics over the last axis;
    /// normalization `2c + 1` statistics;
    /// embedding `V·d`; conv1d `k·C·F + F` (`base_conv.py`: kernel `(k, C, F)`, bias
    /// `(F,)`); LSTM `4(C·U + U·U + U)` (`lstm.py`: kernel `(C, 4U)`, recurrent kernel
    /// `(U, 4U)`, bias `(4U,)`); GRU `3(C·U + U·U + 2U)` (`gru.py`, `reset_after = True`:
    /// bias `(2, 3U)`).
    pub fn params(&self, input: Shape) -> (u128, u128) {
        let c = input.last_axis() as u128;
        match self {
            Layer::Dense(d) => {
                let u = d.units as u128;
                (c * u + if d.use_bias { u } else { 0 }, 0)
            }
            Layer::BatchNorm(b) => ((u128::from(b.center) + u128::from(b.scale)) * c, 2 * c),
            // `normalization.py`: mean and variance per feature, and the count adapted on.
            Layer::Normalization => (0, 2 * c + 1),
            Layer::Embedding(e) => match input {
                Shape::Ids { vocabulary, .. } => (vocabulary as u128 * e.dim as u128, 0),
                _ => (0, 0),
            },
            Layer::Conv1d(k) => {
                let f = k.filters as u128;
                (k.kernel_size as u128 * c * f + f, 0)
            }
            Layer::Lstm(r) => {
                let u = r.units as u128;
                (4 * (c * u + u * u + u), 0)
            }
            Layer::Gru(r) => {
                let u = r.units as u128;
                (3 * (c * u + u * u + 2 * u), 0)
            }
            Layer::Dropout { .. }
            | Layer::GlobalAveragePooling
            | Layer::GlobalMaxPooling
            | Layer::Flatten
            | Layer::MaxPooling1d(_) => (0, 0),
        }
    }
}

impl Input {
    /// The shape of one example: word ids for a sequence encoding, a row otherwise;
    /// `None` while the width is not known.
    pub fn shape(&self) -> Option<Shape> {
        let width = self.width?;
        Some(match self.vocabulary {
            Some(vocabulary) => Shape::Ids {
                length: width,
                vocabulary,
            },
            None => Shape::Flat(width),
        })
    }
}

impl Model {
    /// Input shape and output shape of every layer, in order. `None` where the input
    /// width is not known yet, and from the first layer that cannot take its input on (the
    /// checker refuses such a model).
    pub fn shapes(&self) -> Vec<(Option<Shape>, Option<Shape>)> {
        let mut shape = self.input.shape();
        self.layers
            .iter()
            .map(|layer| {
                let input = shape;
                shape = match (input, layer) {
                    (Some(s), _) => layer.output_shape(s).ok(),
                    // A dense layer's output is known before its input is (a CSV file's
                    // width is read by the data stage).
                    (None, Layer::Dense(d)) => Some(Shape::Flat(d.units)),
                    (None, _) => None,
                };
                (input, shape)
            })
            .collect()
    }

    /// Trainable and non-trainable parameter counts per layer, as Keras counts them
    /// ([`Layer::params`]). `None` where the input shape is not known yet, or where a count
    /// does not fit in a `usize` (the checker refuses such a model: see [`MAX_PARAMS`]).
    pub fn layer_params(&self) -> Vec<Option<(usize, usize)>> {
        self.layers
            .iter()
            .zip(self.shapes())
            .map(|(layer, (input, _))| {
                let (trainable, frozen) = layer.params(input?);
                Some((
                    usize::try_from(trainable).ok()?,
                    usize::try_from(frozen).ok()?,
                ))
            })
            .collect()
    }

    /// Total trainable and non-trainable parameters, when the input width is known and
    /// the counts (and their sum) fit in a `usize`.
    pub fn params(&self) -> Option<(usize, usize)> {
        let (trainable, frozen) =
            self.layer_params()
                .into_iter()
                .try_fold((0usize, 0usize), |(t, n), p| {
                    let (pt, pn) = p?;
                    Some((t.checked_add(pt)?, n.checked_add(pn)?))
                })?;
        trainable.checked_add(frozen)?;
        Some((trainable, frozen))
    }

    /// The number of `f32` values the model's parameters hold, trainable and not (what
    /// its weights take in memory: 4 bytes each), or `None` while the input width is not
    /// known. Checked: a count that does not fit in a `u64` is `None` too, and a checked
    /// program never has more than [`MAX_PARAMS`].
    pub fn f32_params(&self) -> Option<u64> {
        let (trainable, frozen) = self.params()?;
        u64::try_from(trainable)
            .ok()?
            .checked_add(u64::try_from(frozen).ok()?)
    }

    /// The last dense layer (the output), if any.
    pub fn output(&self) -> Option<&Dense> {
        self.layers.iter().rev().find_map(|l| match l {
            Layer::Dense(d) => Some(d),
            _ => None,
        })
    }
}
