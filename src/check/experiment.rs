//! `experiment NAME { data = … train = … models = { … } plot = … }`: resolves the
//! references, instantiates the models on the dataset, and checks that each model fits
//! the dataset's input and the training block's loss.

use super::bind::{bind, named, Given, Signature};
use super::model::Instance;
use super::scope::Kind;
use super::training::metric_names;
use super::value::Reader;
use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{
    Dense, Experiment, Input, Layer, Loss, Metric, Misfit, Model, Shape, MAX_PARAMS, MAX_WIDTH,
};
use crate::source::Span;
use crate::syntax::ast::{BlockItem, Value, ValueKind};
use std::collections::HashMap;

pub(super) const EXPERIMENT: Signature = Signature {
    what: "experiment",
    noun: "setting",
    params: &[
        named("data").required(),
        named("train").required(),
        named("models").required(),
        named("plot"),
        named("show_data"),
        named("train_size"),
    ],
};

/// The training blocks of an experiment's models.
enum TrainingChoice {
    /// One for all.
    One(usize),
    /// One per entry of `models`, by its key.
    PerModel(Vec<(String, usize)>),
}

impl TrainingChoice {
    /// The training block of the entry `key`.
    fn of(&self, key: &str) -> Option<usize> {
        match self {
            TrainingChoice::One(training) => Some(*training),
            TrainingChoice::PerModel(chosen) => {
                chosen.iter().find(|(k, _)| k == key).map(|&(_, t)| t)
            }
        }
    }

    /// Every training block chosen, each once.
    fn all(&self) -> Vec<usize> {
        let mut all: Vec<usize> = match self {
            TrainingChoice::One(training) => vec![*training],
            TrainingChoice::PerModel(chosen) => chosen.iter().map(|&(_, t)| t).collect(),
        };
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// A model of this experiment, with its training block and where its entry is written.
struct Member {
    index: usize,
    training: usize,
    key: Span,
    from_sweep: Option<Span>,
}

impl Checker<'_> {
    /// Checks one experiment, adding its models to the program.
    pub(super) fn experiment(&mut self, item: &BlockItem) -> Option<Experiment> {
        let args = bind(
            item.fields.iter().map(Given::from),
            EXPERIMENT,
            item.name.span,
            &mut self.diagnostics,
        );
        let dataset = args
            .get("data")
            .and_then(|v| self.reference(v, Kind::Dataset))
            .and_then(|item| self.datasets[item]);
        let models_value = args.get("models")?;
        let choice = args
            .get("train")
            .and_then(|v| self.training_choice(v, models_value));
        let plot = match (args.get("plot"), &choice) {
            (Some(v), Some(choice)) => {
                let mut plot = None;
                for training in choice.all() {
                    plot = self.plot(v, training);
                    if plot.is_none() {
                        break;
                    }
                }
                plot
            }
            (None, _) => Some(vec![(Metric::Loss, item.name.span)]),
            (Some(_), None) => None,
        };
        // Metrics found not to fit a model of this experiment, each reported once.
        let mut unfit: Vec<Metric> = Vec::new();
        let ValueKind::Map(entries) = &models_value.kind else {
            self.reader().mismatch(
                models_value,
                "a map of models such as `{ baseline: mlp(16) }`",
            );
            return None;
        };
        if entries.is_empty() {
            self.diagnostics.push(
                Diagnostic::error(
                    Code::MissingArgument,
                    models_value.span,
                    "an experiment needs at least one model",
                )
                .with_label("no models")
                .with_help("name the models to compare, e.g. `{ baseline: mlp(16) }`"),
            );
            return None;
        }
        // Models read with errors are stand-ins: that two are alike says nothing.
        let errors_before = self.diagnostics.errors();
        let mut members: Vec<Member> = Vec::new();
        let mut member_indices: std::collections::HashSet<usize> = Default::default();
        let mut keys: Vec<&crate::syntax::ast::Ident> = Vec::new();
        for entry in entries {
            if let Some(first) = keys.iter().find(|k| k.text == entry.key.text) {
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::DuplicateArgument,
                        entry.key.span,
                        format!(
                            "model `{}` appears twice in this experiment",
                            entry.key.text
                        ),
                    )
                    .with_secondary(first.span, "first named here")
                    .with_help("give each model of an experiment its own name"),
                );
                continue;
            }
            keys.push(&entry.key);
            let Some(instances) = self.instances(&entry.value) else {
                continue;
            };
            let training = choice.as_ref().and_then(|c| c.of(&entry.key.text));
            let Some((dataset, training)) = dataset.zip(training) else {
                continue;
            };
            let sweep = instances.len() > 1 || instances.iter().any(|i| !i.swept.is_empty());
            for instance in instances {
                if !self.fits(&instance, dataset, training) {
                    continue;
                }
                self.metrics_fit(
                    &instance,
                    &entry.key.text,
                    training,
                    plot.as_deref().unwrap_or_default(),
                    &mut unfit,
                );
                let name = if instance.swept.is_empty() {
                    entry.key.text.clone()
                } else {
                    let args: Vec<String> = instance
                        .swept
                        .iter()
                        .map(|a| format!("{}={}", a.name, a.value))
                        .collect();
                    format!("{}({})", entry.key.text, args.join(", "))
                };
                let dataset = &self.program.datasets[dataset];
                let model = Model {
                    name,
                    template: callee(&entry.value).to_string(),
                    arguments: instance.arguments,
                    input: Input {
                        width: instance
                            .layers
                            .input
                            .map(|(w, _)| w)
                            .or(dataset.input_width()),
                        multi_hot: dataset.is_multi_hot(),
                        vocabulary: dataset.vocabulary(),
                    },
                    layers: instance.layers.layers.into_iter().map(|(l, _)| l).collect(),
                };
                let index = self.add_model(model, entry.key.span);
                if !member_indices.insert(index) {
                    self.diagnostics.push(
                        Diagnostic::warning(
                            Code::IdenticalSweep,
                            entry.value.span,
                            format!(
                                "this sweep makes `{}` twice",
                                self.program.models[index].name
                            ),
                        )
                        .with_help("remove the repeated value"),
                    );
                    continue;
                }
                members.push(Member {
                    index,
                    training,
                    key: entry.key.span,
                    from_sweep: sweep.then_some(entry.value.span),
                });
            }
        }
        if self.diagnostics.errors() == errors_before {
            self.warn_identical(&members);
        }
        let show_data = match (args.get("show_data"), dataset) {
            (Some(v), Some(d)) => self.show_data(v, d),
            (None, _) => Some(false),
            (Some(_), None) => None,
        };
        let train_sizes = match (args.get("train_size"), dataset) {
            (Some(v), Some(d)) => {
                let mut reader = Reader {
                    diagnostics: &mut self.diagnostics,
                };
                let (dataset, span) = (&self.program.datasets[d], self.dataset_spans[d]);
                super::train_size::read(v, dataset, span, &mut reader)
            }
            (None, _) => Some(Vec::new()),
            (Some(_), None) => None,
        };
        choice?;
        Some(Experiment {
            name: item.name.text.clone(),
            dataset: dataset?,
            models: members.iter().map(|m| m.index).collect(),
            trainings: members.iter().map(|m| m.training).collect(),
            plot: plot?.into_iter().map(|(m, _)| m).collect(),
            show_data: show_data?,
            train_sizes: train_sizes?,
        })
    }

    /// Reads `show_data`: a view of the data exists for multi-hot text only.
    fn show_data(&mut self, value: &Value, dataset: usize) -> Option<bool> {
        let shown = match self.reader().bool(value, &Default::default()) {
            super::value::Got::Known(b, _) => b,
            _ => return None,
        };
        let data = &self.program.datasets[dataset];
        if shown && !data.is_multi_hot() {
            self.diagnostics.push(
                Diagnostic::error(
                    Code::NotSupported,
                    value.span,
                    format!(
                        "ofit draws the data of multi-hot text only, and dataset `{}` is not",
                        data.name
                    ),
                )
                .with_label("no view of this dataset")
                .with_help("remove `show_data`, or show a multi-hot text dataset"),
            );
            return None;
        }
        Some(shown)
    }

    /// Reads `train`: one training block for every model (`train = tutorial`), or a map
    /// that gives each entry of `models` its own (`train = { linear: fast, dnn: slow }`),
    /// naming every entry and nothing else.
    fn training_choice(&mut self, value: &Value, models: &Value) -> Option<TrainingChoice> {
        let ValueKind::Map(entries) = &value.kind else {
            let item = self.reference(value, Kind::Training)?;
            return self.trainings[item].map(TrainingChoice::One);
        };
        let keys: Vec<&str> = match &models.kind {
            ValueKind::Map(models) => models.iter().map(|e| e.key.text.as_str()).collect(),
            _ => Vec::new(),
        };
        let mut chosen: Vec<(String, usize)> = Vec::new();
        let mut ok = true;
        for entry in entries {
            if !keys.contains(&entry.key.text.as_str()) {
                let mut d = Diagnostic::error(
                    Code::UnknownName,
                    entry.key.span,
                    format!("`{}` is not a model of this experiment", entry.key.text),
                )
                .with_label("not in `models`")
                .with_secondary(models.span, "the models");
                d = d.with_help(
                    match crate::suggest::did_you_mean(&entry.key.text, keys.iter().copied()) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => format!(
                            "`train` gives each of the models {} a training block",
                            crate::suggest::quoted_list(&keys, "and")
                        ),
                    },
                );
                self.diagnostics.push(d);
                ok = false;
                continue;
            }
            if let Some(first) = entries
                .iter()
                .find(|e| e.key.text == entry.key.text && e.key.span != entry.key.span)
                .filter(|e| e.key.span.start < entry.key.span.start)
            {
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::DuplicateArgument,
                        entry.key.span,
                        format!("model `{}` is given a training block twice", entry.key.text),
                    )
                    .with_secondary(first.key.span, "first here")
                    .with_help("give each model one training block"),
                );
                ok = false;
                continue;
            }
            match self
                .reference(&entry.value, Kind::Training)
                .and_then(|item| self.trainings[item])
            {
                Some(training) => chosen.push((entry.key.text.clone(), training)),
                None => ok = false,
            }
        }
        let missing: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|k| !entries.iter().any(|e| e.key.text == *k))
            .collect();
        if !missing.is_empty() {
            self.diagnostics.push(
                Diagnostic::error(
                    Code::MissingArgument,
                    value.span,
                    format!(
                        "`train` gives no training block to {} {}",
                        if missing.len() == 1 {
                            "model"
                        } else {
                            "models"
                        },
                        crate::suggest::quoted_list(&missing, "and")
                    ),
                )
                .with_label("every model needs one")
                .with_help(format!("add `{}: <training block>` to the map", missing[0])),
            );
            ok = false;
        }
        ok.then_some(TrainingChoice::PerModel(chosen))
    }

    /// Resolves a bare name to a definition of `kind`, giving its index among the items.
    fn reference(&mut self, value: &Value, kind: Kind) -> Option<usize> {
        let ValueKind::Name(name) = &value.kind else {
            let wanted = format!("the name of {}", kind.article());
            self.reader().mismatch(value, &wanted);
            return None;
        };
        self.scope
            .resolve(name, value.span, kind, &mut self.diagnostics)
            .map(|d| d.item)
    }

    /// Instantiates the model an entry names: `mlp(16)` or `tiny`.
    fn instances(&mut self, value: &Value) -> Option<Vec<Instance>> {
        let (name, span) = match &value.kind {
            ValueKind::Call(call) => (&call.callee.text, call.callee.span),
            ValueKind::Name(name) => (name, value.span),
            _ => {
                self.reader().mismatch(value, "a model such as `mlp(16)`");
                return None;
            }
        };
        let item = self
            .scope
            .resolve(name, span, Kind::Model, &mut self.diagnostics)?
            .item;
        let template = self.templates[item].as_ref()?;
        let mut reader = Reader {
            diagnostics: &mut self.diagnostics,
        };
        let instances = template.instantiate(value, self.models_made, &mut reader);
        self.models_made += instances.len();
        Some(instances)
    }

    /// Checks that an instance fits the dataset's input and the loss; reports and returns
    /// false if not.
    fn fits(&mut self, instance: &Instance, dataset: usize, training: usize) -> bool {
        let dataset_span = self.dataset_spans[dataset];
        let loss_span = self.training_spans[training].loss;
        let dataset = &self.program.datasets[dataset];
        let loss = self.program.trainings[training].loss;
        let mut fits = true;
        if let Some(width) = dataset.input_width().filter(|w| *w > MAX_WIDTH) {
            self.diagnostics.push(
                Diagnostic::error(
                    Code::OutOfRange,
                    dataset_span,
                    format!(
                        "dataset `{}` gives {} features per example, more than ofit can index: at most {}",
                        dataset.name,
                        crate::suggest::thousands(width as u128),
                        crate::suggest::thousands(MAX_WIDTH as u128)
                    ),
                )
                .with_label("too wide")
                .with_help("ofit's word ids are 32-bit: keep `num_words` at most 2³² − 1"),
            );
            return false;
        }
        if let (Some((width, span)), Some(expected)) =
            (instance.layers.input, dataset.input_width())
        {
            if width != expected {
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::InputMismatch,
                        span,
                        format!("the model takes {width} features, but dataset `{}` gives {expected}", dataset.name),
                    )
                    .with_label(format!("{width} features"))
                    .with_secondary(dataset_span, format!("{expected} features per example"))
                    .with_help(format!("write `input({expected})`, or leave `input` out to take the dataset's width")),
                );
                fits = false;
            }
        }
        if let (Some((_, span)), true) = (
            instance
                .layers
                .layers
                .iter()
                .find(|(l, _)| *l == Layer::Normalization),
            dataset.text().is_some(),
        ) {
            self.diagnostics.push(
                Diagnostic::error(
                    Code::InputMismatch,
                    *span,
                    format!(
                        "`normalization` adapts to numeric features, but dataset `{}` is text",
                        dataset.name
                    ),
                )
                .with_label("needs numeric features")
                .with_secondary(dataset_span, "text")
                .with_help("normalize the columns of a numeric table, or remove this layer"),
            );
            fits = false;
        }
        let Some((output, span)) = output_layer(instance) else {
            return false;
        };
        let width = instance
            .layers
            .input
            .map(|(w, _)| w)
            .or(dataset.input_width());
        let data = DataShape {
            name: &dataset.name,
            span: dataset_span,
            sequence: dataset.vocabulary().is_some(),
            text: dataset.text().is_some(),
        };
        if let Some(d) = shapes_fit(instance, width, dataset.vocabulary(), &data) {
            self.diagnostics.push(d);
            fits = false;
        }
        let from_logits = self.program.trainings[training].from_logits;
        if !loss.fits_output(from_logits, output.units, output.activation) {
            let (wants, help) = match loss {
                Loss::BinaryCrossentropy if from_logits => (
                    "one linear unit, as its output is logits",
                    "end the model with `dense(1)`",
                ),
                Loss::CategoricalCrossentropy if from_logits => (
                    "a linear layer of two or more units, as its output is logits",
                    "end the model with `dense(CLASSES)`",
                ),
                Loss::BinaryCrossentropy => (
                    "one sigmoid unit",
                    "end the model with `dense(1, sigmoid)`, or end it with `dense(1)` \
                     and write `binary_crossentropy(from_logits = true)`",
                ),
                Loss::CategoricalCrossentropy => (
                    "a softmax over two or more classes",
                    "end the model with `dense(CLASSES, softmax)`, or end it with \
                     `dense(CLASSES)` and write `categorical_crossentropy(from_logits = true)`",
                ),
                Loss::Mse | Loss::Mae | Loss::Huber if output.units == 1 => (
                    "one unit that is not a softmax (a softmax over one unit is always 1)",
                    "end the model with `dense(1)` (linear) or `dense(1, sigmoid)`",
                ),
                Loss::Mse | Loss::Mae | Loss::Huber => (
                    "one output unit, as the labels are one number per example",
                    "end the model with `dense(1)` (linear) or `dense(1, sigmoid)`",
                ),
            };
            self.diagnostics.push(
                Diagnostic::error(
                    Code::OutputMismatch,
                    span,
                    format!(
                        "`{}{}` wants {wants}, but the output layer has {}",
                        loss.metric().name(),
                        if from_logits {
                            "(from_logits = true)"
                        } else {
                            ""
                        },
                        units(output),
                    ),
                )
                .with_label("output layer")
                .with_secondary(loss_span, "the loss is chosen here")
                .with_help(help),
            );
            fits = false;
        }
        fits
    }

    /// Checks that every metric the training block computes ([`Metric::fits`]) can be
    /// computed for this instance's output, whose output fits the loss. A metric that
    /// does not is reported once per experiment (`unfit`), at its `metrics` entry, with
    /// where it is plotted or monitored.
    fn metrics_fit(
        &mut self,
        instance: &Instance,
        model: &str,
        training: usize,
        plot: &[(Metric, Span)],
        unfit: &mut Vec<Metric>,
    ) {
        let Some((output, output_span)) = output_layer(instance) else {
            return;
        };
        let spans = &self.training_spans[training];
        let training = &self.program.trainings[training];
        let loss = training.loss;
        for &(metric, at) in &spans.metric_entries {
            if metric.fits(loss, output.units) || unfit.contains(&metric) {
                continue;
            }
            unfit.push(metric);
            let needs = match metric {
                Metric::BinaryCrossentropy => "one output unit (the probability of class 1)",
                _ => {
                    "a softmax over two or more classes (the one-hot targets of the class indices)"
                }
            };
            let fitting: Vec<&str> = Metric::fitting(loss, output.units)
                .into_iter()
                .map(Metric::name)
                .collect();
            let mut d = Diagnostic::error(
                Code::MetricDoesNotFit,
                at,
                format!(
                    "`{}` cannot be computed for model `{model}`: it needs {needs}, but the output layer has {}",
                    metric.name(),
                    units(output),
                ),
            )
            .with_label("cannot be computed for this output")
            .with_secondary(output_span, "output layer")
            .with_secondary(spans.loss, "the loss is chosen here");
            if let Some(span) = spans.monitor.filter(|_| {
                training
                    .early_stopping
                    .as_ref()
                    .is_some_and(|e| e.monitor == metric)
            }) {
                d = d.with_secondary(span, "monitored here");
            }
            for &(plotted, span) in plot {
                if plotted == metric {
                    d = d.with_secondary(span, "plotted here");
                }
            }
            self.diagnostics.push(d.with_help(format!(
                "with `{}` and {}, ofit can compute: {}; remove `{}` from `metrics`",
                loss.metric().name(),
                units(output),
                fitting.join(", "),
                metric.name()
            )));
        }
    }

    /// Reads `plot = metric` or `plot = [metrics]`; each must be computed by the training.
    /// Each metric comes with where it is written.
    fn plot(&mut self, value: &Value, training: usize) -> Option<Vec<(Metric, Span)>> {
        let spans = self.training_spans[training].clone();
        let training = self.program.trainings[training].clone();
        let items: Vec<&Value> = match &value.kind {
            ValueKind::List(items) => items.iter().collect(),
            _ => vec![value],
        };
        let options: Vec<(&str, Metric)> = metric_names().collect();
        let computed = training.computed_metrics();
        let mut plot = Vec::new();
        let mut ok = true;
        for item in items {
            let Some(metric) = self.reader().keyword(item, "metric", &options) else {
                ok = false;
                continue;
            };
            if !computed.contains(&metric) {
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::MetricNotComputed,
                        item.span,
                        format!(
                            "`{}` is plotted, but training block `{}` does not compute it",
                            metric.name(),
                            training.name
                        ),
                    )
                    .with_label("not computed")
                    .with_secondary(spans.metrics.unwrap_or(spans.name), "computed metrics")
                    .with_help(format!(
                        "add `{}` to `metrics` of `{}`",
                        metric.name(),
                        training.name
                    )),
                );
                ok = false;
            } else if !plot.iter().any(|(m, _)| *m == metric) {
                plot.push((metric, item.span));
            }
        }
        ok.then_some(plot)
    }

    /// Adds a model to the program, or finds the identical one already there.
    fn add_model(&mut self, model: Model, key: Span) -> usize {
        let models = &mut self.program.models;
        let same_name = self.models_by_name.entry(model.name.clone()).or_default();
        if let Some(&index) = same_name.iter().find(|&&i| models[i] == model) {
            return index;
        }
        if let Some(&other) = same_name.iter().find(|&&i| models[i].input == model.input) {
            self.diagnostics.push(
                Diagnostic::warning(
                    Code::NameReused,
                    key,
                    format!(
                        "`{}` names a different model than in an earlier experiment on the same input",
                        model.name
                    ),
                )
                .with_secondary(self.model_keys[other], "the other model of that name")
                .with_help(
                    "give different models different names, so that reports tell them apart",
                ),
            );
        }
        same_name.push(models.len());
        models.push(model);
        self.model_keys.push(key);
        models.len() - 1
    }

    /// Warns about two entries of one experiment that are the same model.
    fn warn_identical(&mut self, members: &[Member]) {
        // Members by a text of their input and layers, so that a sweep of thousands of
        // models is not compared pair by pair; equal texts are confirmed with `==`.
        let mut seen: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, member) in members.iter().enumerate() {
            let models = &self.program.models;
            let model = &models[member.index];
            // The same layers trained differently are two experiments' worth, not a repeat.
            let same = seen
                .entry(format!(
                    "{:?}{:?}{}",
                    model.input, model.layers, member.training
                ))
                .or_default();
            let found = same.iter().copied().find(|&j| {
                let other = &models[members[j].index];
                other.input == model.input
                    && other.layers == model.layers
                    && members[j].training == member.training
            });
            same.push(i);
            let Some(first) = found.map(|j| &members[j]) else {
                continue;
            };
            let same_sweep = member.from_sweep.is_some() && member.from_sweep == first.from_sweep;
            let diagnostic = if same_sweep {
                Diagnostic::warning(
                    Code::IdenticalSweep,
                    member.from_sweep.unwrap_or(member.key),
                    format!(
                        "this sweep makes `{}` and `{}` the same model",
                        models[first.index].name, model.name
                    ),
                )
                .with_help("remove the repeated value")
            } else {
                Diagnostic::warning(
                    Code::IdenticalModels,
                    member.key,
                    format!(
                        "`{}` is the same model as `{}`",
                        model.name, models[first.index].name
                    ),
                )
                .with_secondary(first.key, "the same model")
                .with_help("compare models that differ, or remove one")
            };
            self.diagnostics.push(diagnostic);
        }
    }
}

/// What the shape checks need to know of the dataset, for their messages.
struct DataShape<'a> {
    name: &'a str,
    span: Span,
    /// Whether it gives sequences of word ids.
    sequence: bool,
    /// Whether it is text (multi-hot or sequences).
    text: bool,
}

/// The layer's name as the spec writes it.
fn layer_name(layer: &Layer) -> &'static str {
    match layer {
        Layer::Dense(_) => "dense",
        Layer::Dropout { .. } => "dropout",
        Layer::BatchNorm(_) => "batch_norm",
        Layer::Embedding(_) => "embedding",
        Layer::GlobalAveragePooling => "global_average_pooling",
        Layer::GlobalMaxPooling => "global_max_pooling",
        Layer::Flatten => "flatten",
        Layer::Normalization => "normalization",
        Layer::Conv1d(_) => "conv1d",
        Layer::MaxPooling1d(_) => "max_pooling1d",
        Layer::Lstm(_) => "lstm",
        Layer::Gru(_) => "gru",
    }
}

/// Follows the example's shape through the instance's layers (`width` features, or
/// `width` word ids below `vocabulary`), and reports the first layer that cannot take
/// what it receives, a mask that reaches a layer that cannot use it, or the layer that
/// passes [`MAX_PARAMS`] (counted exactly; only when the width is known).
fn shapes_fit(
    instance: &Instance,
    width: Option<usize>,
    vocabulary: Option<usize>,
    data: &DataShape,
) -> Option<Diagnostic> {
    // A numeric CSV file's width is known only to the data stage; its rank is known
    // here, so the walk goes on with a stand-in width and counts no parameters.
    let mut shape = match vocabulary {
        Some(vocabulary) => Shape::Ids {
            length: width.unwrap_or(1),
            vocabulary,
        },
        None => Shape::Flat(width.unwrap_or(1)),
    };
    let count = width.is_some();
    let mut total: u128 = 0;
    // The layer that made the latest sequence, and the one that made it flat.
    let mut made_sequence: Option<(Span, &Layer)> = None;
    let mut made_flat: Option<(Span, &Layer)> = None;
    // The embedding whose `mask_zero` mask is still attached.
    let mut mask: Option<Span> = None;
    for (index, (layer, span)) in instance.layers.layers.iter().enumerate() {
        let next = match layer.output_shape(shape) {
            Ok(next) => next,
            Err(misfit) => {
                return Some(misfit_diagnostic(
                    misfit,
                    layer,
                    *span,
                    shape,
                    index,
                    made_sequence,
                    made_flat,
                    data,
                ))
            }
        };
        if let Some(embedding) = mask {
            if let Some(d) = mask_diagnostic(layer, *span, embedding) {
                return Some(d);
            }
            if !layer.passes_mask() {
                mask = None;
            }
        }
        if let Layer::Embedding(e) = layer {
            mask = e.mask_zero.then_some(*span);
        }
        if count {
            let (trainable, frozen) = layer.params(shape);
            let params = trainable + frozen;
            total = total.saturating_add(params);
            if total > u128::from(MAX_PARAMS) {
                return Some(
                    Diagnostic::error(
                        Code::TooManyParams,
                        *span,
                        format!(
                            "this model has at least {} parameters; ofit allows at most {} (2⁵³)",
                            crate::suggest::thousands(total),
                            crate::suggest::thousands(u128::from(MAX_PARAMS))
                        ),
                    )
                    .with_label(format!("{} parameters", crate::suggest::thousands(params)))
                    .with_help("make the layers narrower, or the input smaller"),
                );
            }
        }
        match (shape, next) {
            (_, Shape::Sequence { .. }) => made_sequence = Some((*span, layer)),
            (Shape::Sequence { .. }, Shape::Flat(_)) => made_flat = Some((*span, layer)),
            _ => {}
        }
        shape = next;
    }
    None
}

/// The error for a layer that cannot take the shape it receives.
#[allow(clippy::too_many_arguments)]
fn misfit_diagnostic(
    misfit: Misfit,
    layer: &Layer,
    span: Span,
    input: Shape,
    index: usize,
    made_sequence: Option<(Span, &Layer)>,
    made_flat: Option<(Span, &Layer)>,
    data: &DataShape,
) -> Diagnostic {
    let name = layer_name(layer);
    match misfit {
        Misfit::NeedsEmbedding => Diagnostic::error(
            Code::ShapeMismatch,
            span,
            format!(
                "dataset `{}` gives sequences of word ids, which only `embedding` takes, not `{name}`",
                data.name
            ),
        )
        .with_label(format!("receives word ids {input}"))
        .with_secondary(data.span, format!("{} word ids per example", input.last_axis()))
        .with_help(
            "begin the model with an embedding, e.g. `embedding(16)`, which turns each word id into a vector of 16 numbers",
        ),
        Misfit::NeedsIds if index > 0 => Diagnostic::error(
            Code::MisplacedLayer,
            span,
            "`embedding` must be the model's first layer: it takes word ids",
        )
        .with_label(format!("receives {input}"))
        .with_help("move it to the top of the model (after `input`, if there is one)"),
        Misfit::NeedsIds => {
            let help = if data.text {
                "encode the dataset as sequences of word ids, e.g. `encode = sequence(length = 256)`"
            } else {
                "an embedding takes text encoded as sequences, e.g. `imdb(num_words = 10000, encode = sequence(length = 256))`"
            };
            Diagnostic::error(
                Code::ShapeMismatch,
                span,
                format!(
                    "`embedding` takes sequences of word ids, but dataset `{}` gives rows of features",
                    data.name
                ),
            )
            .with_label(format!("receives {input}"))
            .with_secondary(data.span, "rows of features, not word ids")
            .with_help(help)
        }
        Misfit::NeedsFlat => {
            let mut help =
                format!("insert `global_average_pooling()` or `flatten()` before this `{name}`");
            let mut d = Diagnostic::error(
                Code::ShapeMismatch,
                span,
                format!("`{name}` takes flat rows, but receives a sequence {input}"),
            )
            .with_label(format!("receives {input}"));
            if let Some((at, maker)) = made_sequence {
                if let Layer::Lstm(_) | Layer::Gru(_) = maker {
                    help += &format!(
                        ", or give the `{}` `return_sequences = false` to keep its last state only",
                        layer_name(maker)
                    );
                }
                d = d.with_secondary(at, "the sequence is made here");
            }
            d.with_help(help)
        }
        Misfit::NeedsSequence => {
            let d = Diagnostic::error(
                Code::ShapeMismatch,
                span,
                format!(
                    "`{name}` takes a sequence `[batch, length, channels]`, but receives flat rows {input}"
                ),
            )
            .with_label(format!("receives {input}"));
            match made_flat {
                Some((at, flat)) => {
                    let flat_name = layer_name(flat);
                    let help = match flat {
                        Layer::Lstm(_) | Layer::Gru(_) => format!(
                            "give the `{flat_name}` `return_sequences = true` to pass on every step, or move `{name}` before it"
                        ),
                        _ => format!("move `{name}` before the `{flat_name}`"),
                    };
                    d.with_secondary(at, format!("`{flat_name}` makes the rows flat here"))
                        .with_help(help)
                }
                None if data.sequence => d.with_help(format!(
                    "`{name}` works on a sequence of vectors: put it after the `embedding`"
                )),
                None => d
                    .with_secondary(data.span, "rows of features, not sequences")
                    .with_help(if data.text {
                        "sequence layers need text encoded as sequences: `encode = sequence(length = 256)`, then `embedding(16)` first"
                    } else {
                        "sequence layers need text encoded as sequences, e.g. `imdb(num_words = 10000, encode = sequence(length = 256))`, then `embedding(16)` first"
                    }),
            }
        }
        Misfit::WindowTooLong { window, length } => {
            let (what, smaller) = match layer {
                Layer::Conv1d(_) => ("kernel", "`kernel_size`"),
                _ => ("pool", "`pool_size`"),
            };
            let mut d = Diagnostic::error(
                Code::WindowTooLong,
                span,
                format!(
                    "`{name}`'s {what} of {window} steps is longer than the sequence it receives, of {length} step{}",
                    if length == 1 { "" } else { "s" }
                ),
            )
            .with_label(format!("receives {input}"));
            if let Some((at, _)) = made_sequence {
                d = d.with_secondary(at, format!("{length} steps from here"));
            }
            d.with_help(format!(
                "with `padding = valid` (the default) every window must fit: use a smaller {smaller}, `padding = same`, or a longer sequence"
            ))
        }
    }
}

/// The error for a layer that receives the mask of an `embedding(…, mask_zero = true)`
/// (at `embedding`) and cannot use it as Keras 3 would; `None` for the layers that can.
///
/// Keras 3 (`layers/layer.py`): a layer whose `call` takes `mask` gets it; one that
/// `supports_masking` passes it on. `Dropout` passes it on; `GlobalAveragePooling1D`
/// averages over the unmasked steps and ends it. `Flatten`, `Conv1D` and `MaxPooling1D`
/// do not support masking: Keras drops the mask with a warning, so `mask_zero` would
/// have no effect. `GlobalMaxPooling1D` ignores it (its `call` takes no mask), so the
/// padding takes part in the maximum. `LSTM` and `GRU` skip masked steps (keeping the
/// state and output) and pass the mask on with `return_sequences` only;
/// `BatchNormalization` computes masked moments and passes it on
/// ([`Layer::passes_mask`]): `lower::sequence` does the same.
fn mask_diagnostic(layer: &Layer, span: Span, embedding: Span) -> Option<Diagnostic> {
    let name = layer_name(layer);
    let (message, help) = match layer {
        Layer::Dropout { .. }
        | Layer::GlobalAveragePooling
        | Layer::BatchNorm(_)
        | Layer::Lstm(_)
        | Layer::Gru(_) => return None,
        Layer::Flatten | Layer::Conv1d(_) | Layer::MaxPooling1d(_) => (
            format!(
                "`{name}` cannot take the mask of `mask_zero = true`: Keras drops it here, so the padding would count as words"
            ),
            "remove `mask_zero = true`, or pool right after the embedding with `global_average_pooling()`, which averages over the words only",
        ),
        Layer::GlobalMaxPooling => (
            "`global_max_pooling` ignores the mask of `mask_zero = true`: Keras takes the maximum over the padding too".to_string(),
            "remove `mask_zero = true`, or use `global_average_pooling()`, which averages over the words only",
        ),
        _ => (
            format!(
                "ofit cannot yet apply the mask of `mask_zero = true` in `{name}` (Keras skips the masked steps there)"
            ),
            "remove `mask_zero = true`, or pool right after the embedding with `global_average_pooling()`, which averages over the words only",
        ),
    };
    Some(
        Diagnostic::error(Code::MaskNotSupported, span, message)
            .with_label("receives a mask")
            .with_secondary(embedding, "the mask is made here")
            .with_help(help),
    )
}

/// The last dense layer of an instance (its output), with where it is written.
fn output_layer(instance: &Instance) -> Option<(&Dense, Span)> {
    instance
        .layers
        .layers
        .iter()
        .rev()
        .find_map(|(layer, span)| match layer {
            Layer::Dense(d) => Some((d, *span)),
            _ => None,
        })
}

/// "one sigmoid unit", "3 softmax units".
fn units(output: &Dense) -> String {
    match output.units {
        1 => format!("one {} unit", output.activation.name()),
        n => format!("{n} {} units", output.activation.name()),
    }
}

fn callee(value: &Value) -> &str {
    match &value.kind {
        ValueKind::Call(call) => &call.callee.text,
        ValueKind::Name(name) => name,
        _ => "",
    }
}
