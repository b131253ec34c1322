//! `train NAME { ... }`: optimizer, loss, metrics, epochs, batch size, seed, early stopping.

use super::bind::{bind, bind_call, named, positional, Given, Signature};
use super::schedule;
use super::unsupported::{self, Vocabulary};
use super::value::{Env, Got, Reader};
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{EarlyStopping, Loss, Metric, Optimizer, Schedule, Split, Training};
use crate::source::Span;
use crate::suggest;
use crate::syntax::ast::{BlockItem, Value, ValueKind};

pub(super) const TRAIN: Signature = Signature {
    what: "training block",
    noun: "setting",
    params: &[
        named("optimizer"),
        named("loss").required(),
        named("metrics"),
        named("epochs").required(),
        named("batch_size"),
        named("seed"),
        named("early_stopping"),
    ],
};

pub(super) const ADAM: Signature = Signature {
    what: "optimizer `adam`",
    noun: "parameter",
    params: &[
        positional("lr"),
        named("beta_1"),
        named("beta_2"),
        named("epsilon"),
    ],
};
pub(super) const SGD: Signature = Signature {
    what: "optimizer `sgd`",
    noun: "parameter",
    params: &[positional("lr"), named("momentum"), named("nesterov")],
};
pub(super) const RMSPROP: Signature = Signature {
    what: "optimizer `rmsprop`",
    noun: "parameter",
    params: &[
        positional("lr"),
        named("rho"),
        named("momentum"),
        named("epsilon"),
    ],
};
pub(super) const OPTIMIZERS: [&str; 3] = ["adam", "sgd", "rmsprop"];

pub(super) const EARLY_STOPPING: Signature = Signature {
    what: "early stopping",
    noun: "setting",
    params: &[
        named("monitor"),
        named("patience"),
        named("min_delta"),
        named("baseline"),
        named("restore_best"),
    ],
};

pub(super) const LOSSES: [(&str, Loss); 5] = [
    ("binary_crossentropy", Loss::BinaryCrossentropy),
    ("categorical_crossentropy", Loss::CategoricalCrossentropy),
    ("mse", Loss::Mse),
    ("mae", Loss::Mae),
    ("huber", Loss::Huber),
];

/// Keras's defaults.
const BATCH_SIZE: i64 = 32;
const EPSILON: f64 = 1e-7;

/// Where the parts of a training block are written, for errors found later (an output
/// layer that does not fit the loss, a plotted metric that is not computed, a metric
/// that cannot be computed for a model's output).
#[derive(Debug, Clone)]
pub struct TrainingSpans {
    /// The block's name.
    pub name: Span,
    /// The `loss` value.
    pub loss: Span,
    /// The `metrics` value, if given.
    pub metrics: Option<Span>,
    /// Each entry of `metrics` (but `loss`), where it is written.
    pub metric_entries: Vec<(Metric, Span)>,
    /// The `monitor` value of early stopping, if given.
    pub monitor: Option<Span>,
}

/// Checks a training block.
pub fn check(item: &BlockItem, reader: &mut Reader) -> Option<(Training, TrainingSpans)> {
    let args = bind(
        item.fields.iter().map(Given::from),
        TRAIN,
        item.name.span,
        reader.diagnostics,
    );
    let env = Env::default();
    let optimizer = match args.get("optimizer") {
        Some(v) => optimizer(v, reader),
        None => Some((adam_defaults(), None)),
    };
    let loss = args
        .get("loss")
        .and_then(|v| written(v, "loss", &LOSSES, reader));
    let metric_entries = match args.get("metrics") {
        Some(v) => metrics(v, reader),
        None => Some(Vec::new()),
    };
    let epochs = count(
        reader,
        args.get("epochs"),
        "epochs",
        "the number of passes over the training data",
    );
    let batch_size = match args.get("batch_size") {
        Some(v) => count(
            reader,
            Some(v),
            "batch_size",
            "examples per gradient step, e.g. 512",
        ),
        None => Some(BATCH_SIZE as usize),
    };
    let seed = match args.get("seed") {
        Some(v) => {
            let got = reader.int(v, &env);
            reader
                .require(
                    got,
                    |s| s >= 0,
                    |s| format!("seed {s} must not be negative"),
                    "any whole number from 0 up",
                )
                .then(|| got.or(0) as u64)
        }
        None => Some(0),
    };
    let (optimizer, schedule) = optimizer?;
    let loss = loss?;
    let metric_entries = metric_entries?;
    let mut training = Training {
        name: item.name.text.clone(),
        optimizer,
        schedule,
        loss: loss.what,
        from_logits: loss.from_logits.unwrap_or(false),
        metrics: metric_entries.iter().map(|m| m.what).collect(),
        accuracy_threshold: metric_entries
            .iter()
            .find_map(|m| m.threshold)
            .unwrap_or(Training::DEFAULT_THRESHOLD),
        epochs: epochs?,
        batch_size: batch_size?,
        seed: seed?,
        early_stopping: None,
    };
    if !outputs_agree(&training, &loss, &metric_entries, reader) {
        return None;
    }
    if let Some(v) = args.get("early_stopping") {
        training.early_stopping = Some(early_stopping(
            v,
            &training,
            args.key_span("metrics"),
            reader,
        )?);
    }
    let spans = TrainingSpans {
        name: item.name.span,
        loss: args.get("loss").map_or(item.name.span, |v| v.span),
        metrics: args.get("metrics").map(|v| v.span),
        metric_entries: metric_entries.iter().map(|m| (m.what, m.span)).collect(),
        monitor: args.get("early_stopping").and_then(monitor_span),
    };
    Some((training, spans))
}

fn adam_defaults() -> Optimizer {
    Optimizer::Adam {
        lr: 0.001,
        beta_1: 0.9,
        beta_2: 0.999,
        epsilon: EPSILON,
    }
}

fn count(reader: &mut Reader, value: Option<&Value>, name: &str, help: &str) -> Option<usize> {
    let got = reader.int(value?, &Env::default());
    reader
        .require(
            got,
            |n| n >= 1,
            |n| format!("`{name}` is {n}, but must be at least 1"),
            help,
        )
        .then(|| got.or(1) as usize)
}

/// Reads a float argument with a default, requiring `ok`.
fn float_arg(
    reader: &mut Reader,
    value: Option<&Value>,
    default: f64,
    ok: impl Fn(f64) -> bool,
    rule: &str,
    help: &str,
) -> Option<f64> {
    let Some(value) = value else {
        return Some(default);
    };
    let got = reader.float(value, &Env::default());
    reader
        .require(got, ok, |x| format!("{x:?} {rule}"), help)
        .then(|| got.or(default))
}

/// An optimizer, and the schedule its `lr` may be.
fn optimizer(value: &Value, reader: &mut Reader) -> Option<(Optimizer, Option<Schedule>)> {
    let (name, call) = match &value.kind {
        ValueKind::Name(name) => (name.as_str(), None),
        ValueKind::Call(call) => (call.callee.text.as_str(), Some(call)),
        _ => {
            reader.mismatch(value, "an optimizer such as `adam(lr = 0.001)`");
            return None;
        }
    };
    let signature = match name {
        "adam" => ADAM,
        "sgd" => SGD,
        "rmsprop" => RMSPROP,
        other => {
            let span = call.map_or(value.span, |c| c.callee.span);
            if let Some(d) = unsupported::diagnostic(
                Vocabulary::Optimizer,
                other,
                span,
                unsupported::offered(Vocabulary::Optimizer, &OPTIMIZERS),
            ) {
                reader.diagnostics.push(d);
                return None;
            }
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::UnknownName,
                    span,
                    format!("unknown optimizer `{other}`"),
                )
                .with_label("not an optimizer")
                .with_help(suggest::help(other, OPTIMIZERS)),
            );
            return None;
        }
    };
    let args = match call {
        Some(call) => bind_call(call, signature, reader.diagnostics),
        None => bind([], signature, value.span, reader.diagnostics),
    };
    let positive = |x: f64| x > 0.0;
    let unit = |x: f64| (0.0..1.0).contains(&x);
    let lr_default = if name == "sgd" { 0.01 } else { 0.001 };
    let mut schedule = None;
    let lr = match args.get("lr").map(|v| &v.kind) {
        Some(ValueKind::Call(call)) => schedule::read(call, reader).map(|(lr, s)| {
            schedule = Some(s);
            lr
        }),
        _ => float_arg(
            reader,
            args.get("lr"),
            lr_default,
            positive,
            "is not a valid learning rate: it must be above 0",
            "e.g. `lr = 0.001`, or a schedule such as `inverse_time_decay(0.001, 20000, 1)`",
        ),
    };
    let optimizer = match name {
        "adam" => {
            let beta_1 = float_arg(
                reader,
                args.get("beta_1"),
                0.9,
                unit,
                "is not a valid `beta_1`: it must be at least 0 and below 1",
                "the decay of the gradient's running mean, e.g. 0.9",
            );
            let beta_2 = float_arg(
                reader,
                args.get("beta_2"),
                0.999,
                unit,
                "is not a valid `beta_2`: it must be at least 0 and below 1",
                "the decay of the squared gradient's running mean, e.g. 0.999",
            );
            let epsilon = float_arg(
                reader,
                args.get("epsilon"),
                EPSILON,
                positive,
                "is not a valid `epsilon`: it must be above 0",
                "a small number such as 1e-7",
            );
            Optimizer::Adam {
                lr: lr?,
                beta_1: beta_1?,
                beta_2: beta_2?,
                epsilon: epsilon?,
            }
        }
        "sgd" => {
            let momentum = float_arg(
                reader,
                args.get("momentum"),
                0.0,
                unit,
                "is not a valid `momentum`: it must be at least 0 and below 1",
                "e.g. 0.9",
            );
            let nesterov = match args.get("nesterov") {
                Some(v) => match reader.bool(v, &Env::default()) {
                    Got::Known(b, _) => Some(b),
                    _ => None,
                },
                None => Some(false),
            };
            Optimizer::Sgd {
                lr: lr?,
                momentum: momentum?,
                nesterov: nesterov?,
            }
        }
        _ => {
            let rho = float_arg(
                reader,
                args.get("rho"),
                0.9,
                unit,
                "is not a valid `rho`: it must be at least 0 and below 1",
                "the decay of the squared gradient's running mean, e.g. 0.9",
            );
            let momentum = float_arg(
                reader,
                args.get("momentum"),
                0.0,
                unit,
                "is not a valid `momentum`: it must be at least 0 and below 1",
                "e.g. 0.9",
            );
            let epsilon = float_arg(
                reader,
                args.get("epsilon"),
                EPSILON,
                positive,
                "is not a valid `epsilon`: it must be above 0",
                "a small number such as 1e-7",
            );
            Optimizer::Rmsprop {
                lr: lr?,
                rho: rho?,
                momentum: momentum?,
                epsilon: epsilon?,
            }
        }
    };
    Some((optimizer, schedule))
}

/// The metrics a training block can compute, by name.
pub fn metric_names() -> impl Iterator<Item = (&'static str, Metric)> {
    Metric::ALL.iter().map(|m| (m.name(), *m))
}

/// Reads a list of metrics, e.g. `[accuracy, binary_crossentropy(from_logits = true)]`,
/// each with where it is written (`loss`, always reported, is left out).
fn metrics(value: &Value, reader: &mut Reader) -> Option<Vec<Written<Metric>>> {
    let ValueKind::List(items) = &value.kind else {
        reader.mismatch(value, "a list of metrics such as `[accuracy]`");
        return None;
    };
    let options: Vec<(&str, Metric)> = metric_names().collect();
    let mut metrics: Vec<Written<Metric>> = Vec::new();
    let mut ok = true;
    for item in items {
        let Some(metric) = written(item, "metric", &options, reader) else {
            ok = false;
            continue;
        };
        if let Some(first) = metrics.iter().find(|m| m.what == metric.what) {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::DuplicateArgument,
                    item.span,
                    format!("metric `{}` is listed twice", metric.what.name()),
                )
                .with_secondary(first.span, "first listed here")
                .with_help("remove one of them"),
            );
            ok = false;
            continue;
        }
        if metric.what == Metric::Loss {
            reader.diagnostics.push(
                Diagnostic::warning(Code::NoEffect, item.span, "`loss` is always reported")
                    .with_help("remove it from `metrics`"),
            );
        }
        metrics.push(metric);
    }
    ok.then(|| {
        metrics
            .into_iter()
            .filter(|m| m.what != Metric::Loss)
            .collect()
    })
}

/// A loss or metric as written, with the Keras parameter ofit reads from it:
/// `binary_crossentropy(from_logits = true)`, `accuracy(threshold = 0)`.
struct Written<T> {
    what: T,
    span: Span,
    from_logits: Option<bool>,
    threshold: Option<f64>,
}

/// The Keras parameter of loss or metric `name` that ofit reads: the cross-entropies'
/// `from_logits`, and `accuracy`'s `threshold` (Keras's `BinaryAccuracy`).
fn keras_parameter(name: &str) -> Option<&'static str> {
    match name {
        "binary_crossentropy" | "categorical_crossentropy" => Some("from_logits"),
        "accuracy" => Some("threshold"),
        _ => None,
    }
}

/// Reads a loss or metric among `options`: a name, or a call giving its Keras parameter.
/// `what` is "loss" or "metric".
fn written<T: Copy>(
    value: &Value,
    what: &str,
    options: &[(&str, T)],
    reader: &mut Reader,
) -> Option<Written<T>> {
    let bare = |what| Written {
        what,
        span: value.span,
        from_logits: None,
        threshold: None,
    };
    let ValueKind::Call(call) = &value.kind else {
        return reader.keyword(value, what, options).map(bare);
    };
    let name = call.callee.text.as_str();
    let known = options.iter().find(|(n, _)| *n == name);
    let (Some(param), Some(&(_, chosen))) = (keras_parameter(name), known) else {
        // Reports the call: a parameter ofit does not read, or not a loss or metric.
        return reader.keyword(value, what, options).map(bare);
    };
    let title = format!("{what} `{name}`");
    let params = [named(param)];
    let signature = Signature {
        what: &title,
        noun: "parameter",
        params: &params,
    };
    let args = bind_call(call, signature, reader.diagnostics);
    let mut written = bare(chosen);
    if let Some(v) = args.get(param) {
        let env = Env::default();
        match param {
            "from_logits" => written.from_logits = Some(schedule::known(reader.bool(v, &env))?),
            _ => written.threshold = Some(schedule::known(reader.float(v, &env))?),
        }
    }
    Some(written)
}

/// Checks that the metrics read the model's output as the loss does: a cross-entropy
/// metric's `from_logits` is the loss's (Keras would compute one of them on the wrong
/// numbers), and says what `accuracy` does with logits or many classes.
fn outputs_agree(
    training: &Training,
    loss: &Written<Loss>,
    metrics: &[Written<Metric>],
    reader: &mut Reader,
) -> bool {
    let mut ok = true;
    let reads = |from_logits: bool| match from_logits {
        true => "as logits",
        false => "as probabilities",
    };
    let loss_reads = match (training.from_logits, loss.what.takes_logits()) {
        (true, _) => "as logits",
        (false, true) => "as probabilities",
        (false, false) => "as it is",
    };
    for metric in metrics {
        let takes_logits = matches!(
            metric.what,
            Metric::BinaryCrossentropy | Metric::CategoricalCrossentropy
        );
        let from_logits = metric.from_logits.unwrap_or(false);
        if takes_logits && from_logits != training.from_logits {
            let (name, loss_name) = (metric.what.name(), loss.what.metric().name());
            let help = if training.from_logits {
                format!("write `{name}(from_logits = true)`, as the loss is")
            } else if loss.what.takes_logits() {
                format!(
                    "write the loss as `{loss_name}(from_logits = true)` and end the model \
                     with a linear layer, or remove `from_logits` here"
                )
            } else {
                "remove `from_logits`: only a cross-entropy loss reads logits".to_string()
            };
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::Conflict,
                    metric.span,
                    format!(
                        "metric `{name}` reads the output {}, but the loss `{loss_name}` \
                         reads it {loss_reads}",
                        reads(from_logits),
                    ),
                )
                .with_label(format!("reads it {}", reads(from_logits)))
                .with_secondary(loss.span, format!("reads it {loss_reads}"))
                .with_help(help),
            );
            ok = false;
        }
        if metric.what != Metric::Accuracy {
            continue;
        }
        match (loss.what, metric.threshold) {
            (Loss::CategoricalCrossentropy, Some(_)) => reader.diagnostics.push(
                Diagnostic::warning(
                    Code::NoEffect,
                    metric.span,
                    "`accuracy` of a softmax over classes takes the most likely class; a \
                     threshold has no effect",
                )
                .with_help("write `accuracy`"),
            ),
            (Loss::BinaryCrossentropy, None) if training.from_logits => reader.diagnostics.push(
                Diagnostic::warning(
                    Code::AccuracyOfLogits,
                    metric.span,
                    "`accuracy` splits the output at 0.5, as Keras's does, but the output is \
                     logits: 0.5 is a probability of 0.62",
                )
                .with_label("threshold 0.5")
                .with_secondary(loss.span, "the output is logits")
                .with_help(
                    "write `accuracy(threshold = 0)` to count a logit above 0 (a probability \
                     above 0.5) as class 1",
                ),
            ),
            _ => {}
        }
    }
    ok
}

/// Where `monitor` is written in an `early_stopping` map.
fn monitor_span(early_stopping: &Value) -> Option<Span> {
    let ValueKind::Map(entries) = &early_stopping.kind else {
        return None;
    };
    entries
        .iter()
        .find(|e| e.key.text == "monitor")
        .map(|e| e.value.span)
}

fn early_stopping(
    value: &Value,
    training: &Training,
    metrics_span: Option<Span>,
    reader: &mut Reader,
) -> Option<EarlyStopping> {
    let ValueKind::Map(entries) = &value.kind else {
        reader.mismatch(value, "a map such as `{ monitor: val_loss, patience: 3 }`");
        return None;
    };
    let args = bind(
        entries.iter().map(Given::from),
        EARLY_STOPPING,
        value.span,
        reader.diagnostics,
    );
    let (monitor, split) = match args.get("monitor") {
        Some(v) => monitor(v, training, metrics_span, reader)?,
        None => (Metric::Loss, Split::Validation),
    };
    let env = Env::default();
    let patience = match args.get("patience") {
        Some(v) => {
            let got = reader.int(v, &env);
            reader
                .require(
                    got,
                    |p| p >= 0,
                    |p| format!("patience {p} must not be negative"),
                    "epochs without improvement before stopping, e.g. 3",
                )
                .then(|| got.or(0) as usize)
        }
        None => Some(0),
    };
    let min_delta = float_arg(
        reader,
        args.get("min_delta"),
        0.0,
        |d| d >= 0.0,
        "is not a valid `min_delta`: it must not be negative",
        "the least change that counts as an improvement, e.g. 0.001",
    );
    let baseline = match args.get("baseline") {
        Some(v) => {
            let got = reader.float(v, &env);
            reader
                .require(
                    got,
                    f64::is_finite,
                    |b| format!("baseline {b:?} must be a finite number"),
                    "the value the monitored metric must improve on, e.g. 0.5",
                )
                .then(|| Some(got.or(0.0)))
        }
        None => Some(None),
    };
    let restore_best = match args.get("restore_best") {
        Some(v) => match reader.bool(v, &env) {
            Got::Known(b, _) => Some(b),
            _ => None,
        },
        None => Some(false),
    };
    Some(EarlyStopping {
        monitor,
        split,
        patience: patience?,
        min_delta: min_delta?,
        baseline: baseline?,
        restore_best: restore_best?,
    })
}

/// Reads a monitored metric such as `val_loss`; it must be one the block computes.
fn monitor(
    value: &Value,
    training: &Training,
    metrics_span: Option<Span>,
    reader: &mut Reader,
) -> Option<(Metric, Split)> {
    let mut options: Vec<(String, (Metric, Split))> = Vec::new();
    for (name, metric) in metric_names() {
        options.push((name.to_string(), (metric, Split::Train)));
        options.push((format!("val_{name}"), (metric, Split::Validation)));
    }
    let options: Vec<(&str, (Metric, Split))> =
        options.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let (metric, split) = reader.keyword(value, "metric to monitor", &options)?;
    if !training.computed_metrics().contains(&metric) {
        let mut d = Diagnostic::error(
            Code::MetricNotComputed,
            value.span,
            format!(
                "early stopping monitors `{}`, which this training block does not compute",
                metric.name()
            ),
        )
        .with_label("not computed")
        .with_help(format!("add `{}` to `metrics`", metric.name()));
        if let Some(span) = metrics_span {
            d = d.with_secondary(span, "computed metrics");
        }
        reader.diagnostics.push(d);
        return None;
    }
    Some((metric, split))
}
