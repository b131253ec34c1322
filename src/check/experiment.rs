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
use crate::ir::{Activation, Experiment, Input, Layer, Loss, Metric, Model};
use crate::source::Span;
use crate::syntax::ast::{BlockItem, Value, ValueKind};

const EXPERIMENT: Signature = Signature {
    what: "experiment",
    noun: "setting",
    params: &[
        named("data").required(),
        named("train").required(),
        named("models").required(),
        named("plot"),
    ],
};

/// A model of this experiment, with where its entry is written.
struct Member {
    index: usize,
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
        let training = args
            .get("train")
            .and_then(|v| self.reference(v, Kind::Training))
            .and_then(|item| self.trainings[item]);
        let plot = match (args.get("plot"), training) {
            (Some(v), Some(t)) => self.plot(v, t),
            (None, _) => Some(vec![Metric::Loss]),
            (Some(_), None) => None,
        };
        let models_value = args.get("models")?;
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
        let mut members: Vec<Member> = Vec::new();
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
            let Some((dataset, training)) = dataset.zip(training) else {
                continue;
            };
            let sweep = instances.len() > 1 || instances.iter().any(|i| !i.swept.is_empty());
            for instance in instances {
                if !self.fits(&instance, dataset, training) {
                    continue;
                }
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
                    },
                    layers: instance.layers.layers.into_iter().map(|(l, _)| l).collect(),
                };
                let index = self.add_model(model, entry.key.span);
                if members.iter().any(|m| m.index == index) {
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
                    key: entry.key.span,
                    from_sweep: sweep.then_some(entry.value.span),
                });
            }
        }
        self.warn_identical(&members);
        let (dataset, training) = dataset.zip(training)?;
        Some(Experiment {
            name: item.name.text.clone(),
            dataset,
            training,
            models: members.iter().map(|m| m.index).collect(),
            plot: plot?,
        })
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
        Some(template.instantiate(value, &mut reader))
    }

    /// Checks that an instance fits the dataset's input and the loss; reports and returns
    /// false if not.
    fn fits(&mut self, instance: &Instance, dataset: usize, training: usize) -> bool {
        let dataset_span = self.dataset_spans[dataset];
        let spans = self.training_spans[training];
        let dataset = &self.program.datasets[dataset];
        let training = &self.program.trainings[training];
        let mut fits = true;
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
        let output = instance
            .layers
            .layers
            .iter()
            .rev()
            .find_map(|(layer, span)| match layer {
                Layer::Dense(d) => Some((d, *span)),
                _ => None,
            });
        let Some((output, span)) = output else {
            return false;
        };
        let wanted = match training.loss {
            Loss::BinaryCrossentropy
                if output.units != 1 || output.activation != Activation::Sigmoid =>
            {
                Some(("one sigmoid unit", "end the model with `dense(1, sigmoid)`"))
            }
            Loss::CategoricalCrossentropy
                if output.units < 2 || output.activation != Activation::Softmax =>
            {
                Some((
                    "a softmax over two or more classes",
                    "end the model with `dense(CLASSES, softmax)`",
                ))
            }
            _ => None,
        };
        if let Some((wants, help)) = wanted {
            self.diagnostics.push(
                Diagnostic::error(
                    Code::OutputMismatch,
                    span,
                    format!(
                        "`{}` wants {wants}, but the output layer has {} {} unit{}",
                        training.loss.metric().name(),
                        output.units,
                        output.activation.name(),
                        if output.units == 1 { "" } else { "s" }
                    ),
                )
                .with_label("output layer")
                .with_secondary(spans.loss, "the loss is chosen here")
                .with_help(help),
            );
            fits = false;
        }
        fits
    }

    /// Reads `plot = metric` or `plot = [metrics]`; each must be computed by the training.
    fn plot(&mut self, value: &Value, training: usize) -> Option<Vec<Metric>> {
        let spans = self.training_spans[training];
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
            } else if !plot.contains(&metric) {
                plot.push(metric);
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
        for (i, member) in members.iter().enumerate() {
            let models = &self.program.models;
            let model = &models[member.index];
            let Some(first) = members[..i].iter().find(|m| {
                let other = &models[m.index];
                other.input == model.input && other.layers == model.layers
            }) else {
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

fn callee(value: &Value) -> &str {
    match &value.kind {
        ValueKind::Call(call) => &call.callee.text,
        ValueKind::Name(name) => name,
        _ => "",
    }
}
