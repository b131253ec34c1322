//! `model NAME(params) { layers }`: templates, their layers, and their instances.
//!
//! A template is checked once on its own with its parameters symbolic (names, argument
//! lists, types), then once per instance with concrete values (ranges). An error found in
//! both passes is the same diagnostic and is reported once.

use super::bind::{self, bind_call, named, positional, Given, Signature};
use super::unsupported::{self, Vocabulary};
use super::value::{Binding, Env, Got, Origin, ParamType, Reader};
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{
    Activation, Argument, BatchNorm, Conv1d, ConvPadding, Dense, Embedding, Layer, Literal,
    MaxPooling1d, Recurrent, Regularizer, MAX_MODELS, MAX_WIDTH,
};
use crate::source::Span;
use crate::suggest;
use crate::syntax::ast::{Call, LayerNode, ModelItem, Value, ValueKind};

pub(super) const DENSE: Signature = Signature {
    what: "layer `dense`",
    noun: "parameter",
    params: &[
        positional("units").required(),
        positional("activation"),
        named("use_bias"),
        named("kernel_regularizer"),
        named("bias_regularizer"),
    ],
};
pub(super) const DROPOUT: Signature = Signature {
    what: "layer `dropout`",
    noun: "parameter",
    params: &[positional("rate").required()],
};
pub(super) const BATCH_NORM: Signature = Signature {
    what: "layer `batch_norm`",
    noun: "parameter",
    params: &[
        named("momentum"),
        named("epsilon"),
        named("center"),
        named("scale"),
    ],
};
pub(super) const INPUT: Signature = Signature {
    what: "layer `input`",
    noun: "parameter",
    params: &[positional("width").required()],
};
pub(super) const EMBEDDING: Signature = Signature {
    what: "layer `embedding`",
    noun: "parameter",
    params: &[positional("dim").required(), named("mask_zero")],
};
pub(super) const GLOBAL_AVERAGE_POOLING: Signature = Signature {
    what: "layer `global_average_pooling`",
    noun: "parameter",
    params: &[],
};
pub(super) const GLOBAL_MAX_POOLING: Signature = Signature {
    what: "layer `global_max_pooling`",
    noun: "parameter",
    params: &[],
};
pub(super) const REPEAT: Signature = Signature {
    what: "`repeat`",
    noun: "parameter",
    params: &[positional("times").required()],
};
pub(super) const NORMALIZATION: Signature = Signature {
    what: "layer `normalization`",
    noun: "parameter",
    params: &[],
};
pub(super) const FLATTEN: Signature = Signature {
    what: "layer `flatten`",
    noun: "parameter",
    params: &[],
};
pub(super) const CONV1D: Signature = Signature {
    what: "layer `conv1d`",
    noun: "parameter",
    params: &[
        positional("filters").required(),
        positional("kernel_size").required(),
        positional("activation"),
        named("padding"),
        named("strides"),
    ],
};
pub(super) const MAX_POOLING1D: Signature = Signature {
    what: "layer `max_pooling1d`",
    noun: "parameter",
    params: &[positional("pool_size"), named("strides"), named("padding")],
};
pub(super) const LSTM: Signature = Signature {
    what: "layer `lstm`",
    noun: "parameter",
    params: &[positional("units").required(), named("return_sequences")],
};
pub(super) const GRU: Signature = Signature {
    what: "layer `gru`",
    noun: "parameter",
    params: &[positional("units").required(), named("return_sequences")],
};
pub(super) const LAYERS: [&str; 13] = [
    "dense",
    "dropout",
    "batch_norm",
    "normalization",
    "input",
    "embedding",
    "global_average_pooling",
    "global_max_pooling",
    "flatten",
    "conv1d",
    "max_pooling1d",
    "lstm",
    "gru",
];
/// Keras's `padding` of convolutions and poolings.
pub(super) const PADDINGS: [(&str, ConvPadding); 2] =
    [("valid", ConvPadding::Valid), ("same", ConvPadding::Same)];
/// Keras's default `pool_size` of `MaxPooling1D`.
const POOL_SIZE: usize = 2;

pub(super) const L1: Signature = Signature {
    what: "regularizer `l1`",
    noun: "parameter",
    params: &[positional("l1").required()],
};
pub(super) const L2: Signature = Signature {
    what: "regularizer `l2`",
    noun: "parameter",
    params: &[positional("l2").required()],
};
pub(super) const L1_L2: Signature = Signature {
    what: "regularizer `l1_l2`",
    noun: "parameter",
    params: &[named("l1"), named("l2")],
};
pub(super) const REGULARIZERS: [&str; 3] = ["l1", "l2", "l1_l2"];

/// Whether a width (units, input features) is at most [`MAX_WIDTH`].
fn within_width(n: i64) -> bool {
    u64::try_from(n).is_ok_and(|n| n <= MAX_WIDTH as u64)
}

/// Keras's batch normalization defaults.
const BATCH_NORM_MOMENTUM: f64 = 0.99;
const BATCH_NORM_EPSILON: f64 = 0.001;

/// A template parameter with its checked type and default.
#[derive(Debug, Clone)]
pub struct TemplateParam {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: ParamType,
    /// Its default value and where it is written.
    pub default: Option<(Literal, Span)>,
}

/// A checked model definition, ready to be instantiated.
#[derive(Debug)]
pub struct Template<'a> {
    /// The definition.
    pub item: &'a ModelItem,
    /// Its parameters in order.
    pub params: Vec<TemplateParam>,
}

/// The layers of one instance, with the span of the call that made each.
#[derive(Debug, Clone, PartialEq)]
pub struct Layers {
    /// Layers in order (dropout of 0 and other no-ops removed).
    pub layers: Vec<(Layer, Span)>,
    /// The width given by an `input(n)` layer, and its span.
    pub input: Option<(usize, Span)>,
}

/// One instance of a template: its arguments and layers.
#[derive(Debug, Clone)]
pub struct Instance {
    /// For a sweep member, the swept arguments, e.g. `units=4`.
    pub swept: Vec<Argument>,
    /// Every argument after defaults.
    pub arguments: Vec<Argument>,
    /// The layers.
    pub layers: Layers,
}

/// Checks a model definition on its own: parameter types and defaults, then the layers
/// with the parameters symbolic.
pub fn check_template<'a>(item: &'a ModelItem, reader: &mut Reader) -> Template<'a> {
    let mut params: Vec<TemplateParam> = Vec::new();
    for (index, param) in item.params.iter().enumerate() {
        if let Some(first) = item.params[..index]
            .iter()
            .find(|p| p.name.text == param.name.text)
        {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::Duplicate,
                    param.name.span,
                    format!("parameter `{}` is declared twice", param.name.text),
                )
                .with_secondary(first.name.span, "first declared here")
                .with_help("rename one of them"),
            );
            continue;
        }
        let Some(ty) = ParamType::ALL
            .iter()
            .find(|(name, _)| *name == param.ty.text)
            .map(|(_, ty)| *ty)
        else {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::UnknownName,
                    param.ty.span,
                    format!("unknown type `{}`", param.ty.text),
                )
                .with_label("not a type")
                .with_help(suggest::help(
                    &param.ty.text,
                    ParamType::ALL.iter().map(|(n, _)| *n),
                )),
            );
            continue;
        };
        let default = param.default.as_ref().and_then(|value| {
            if let ValueKind::List(_) = value.kind {
                reader.diagnostics.push(
                    Diagnostic::error(
                        Code::MisplacedSweep,
                        value.span,
                        "a parameter's default cannot be a list",
                    )
                    .with_help(
                        "sweep over values where the template is used: `mlp(units = [4, 16])`",
                    ),
                );
                return None;
            }
            match reader.literal(value, &Env::default(), ty) {
                Got::Known(literal, origin) => Some((literal, origin.span)),
                _ => None,
            }
        });
        params.push(TemplateParam {
            name: param.name.text.clone(),
            ty,
            default,
        });
    }
    let env = Env {
        bindings: params
            .iter()
            .map(|p| Binding {
                name: p.name.clone(),
                ty: p.ty,
                value: None,
                used: Default::default(),
            })
            .collect(),
        unresolved: Default::default(),
    };
    read_layers(item, &env, reader);
    for binding in &env.bindings {
        if !binding.used.get() && !env.unresolved.get() {
            let span = item
                .params
                .iter()
                .find(|p| p.name.text == binding.name)
                .map_or(item.name.span, |p| p.name.span);
            reader.diagnostics.push(
                Diagnostic::warning(
                    Code::Unused,
                    span,
                    format!("parameter `{}` is never used", binding.name),
                )
                .with_help("use it in a layer, or remove it"),
            );
        }
    }
    Template { item, params }
}

impl Template<'_> {
    /// Applies the template to `value` — a call `mlp(16, l2 = 0.001)` or a bare name —
    /// giving one instance, or one per combination of swept values. `made` is the number
    /// of models the spec's experiments have made so far: a sweep that would make more
    /// than [`MAX_MODELS`], alone or with them, is refused before any model is made.
    pub fn instantiate(&self, value: &Value, made: usize, reader: &mut Reader) -> Vec<Instance> {
        let (args, at): (Vec<Given>, Span) = match &value.kind {
            ValueKind::Call(call) => (
                call.args.iter().map(Given::from).collect(),
                call.callee.span,
            ),
            _ => (Vec::new(), value.span),
        };
        let what = format!("model `{}`", self.item.name.text);
        let params: Vec<bind::Param> = self
            .params
            .iter()
            .map(|p| {
                let param = positional(&p.name);
                if p.default.is_none() {
                    param.required()
                } else {
                    param
                }
            })
            .collect();
        let signature = Signature {
            what: &what,
            noun: "parameter",
            params: &params,
        };
        let bound = bind::bind(args, signature, at, reader.diagnostics);
        // Each parameter's candidate values: one, or several for a sweep.
        let mut choices: Vec<Vec<(Literal, Span)>> = Vec::new();
        for (param, slot) in self.params.iter().zip(bound.slots()) {
            let values = match slot {
                None => match &param.default {
                    Some(default) => vec![default.clone()],
                    None => return Vec::new(), // reported as missing
                },
                Some(given) => match &given.value.kind {
                    ValueKind::List(items) if items.is_empty() => {
                        reader.diagnostics.push(
                            Diagnostic::error(
                                Code::OutOfRange,
                                given.value.span,
                                "a sweep needs at least one value",
                            )
                            .with_label("empty list")
                            .with_help(format!(
                                "list the values of `{}` to try, e.g. `[4, 16]`",
                                param.name
                            )),
                        );
                        return Vec::new();
                    }
                    ValueKind::List(items) => items
                        .iter()
                        .filter_map(|item| literal(reader, item, param.ty))
                        .collect(),
                    _ => match literal(reader, given.value, param.ty) {
                        Some(v) => vec![v],
                        None => return Vec::new(),
                    },
                },
            };
            choices.push(values);
        }
        if !within_limit(&choices, made, value.span, reader) {
            return Vec::new();
        }
        let swept: Vec<bool> = bound
            .slots()
            .iter()
            .map(|slot| slot.is_some_and(|g| matches!(g.value.kind, ValueKind::List(_))))
            .collect();
        combinations(&choices)
            .into_iter()
            .map(|combination| {
                let env = Env {
                    bindings: self
                        .params
                        .iter()
                        .zip(&combination)
                        .map(|(p, value)| Binding {
                            name: p.name.clone(),
                            ty: p.ty,
                            value: Some(value.clone()),
                            used: Default::default(),
                        })
                        .collect(),
                    unresolved: Default::default(),
                };
                let arguments: Vec<Argument> = self
                    .params
                    .iter()
                    .zip(&combination)
                    .map(|(p, (v, _))| Argument {
                        name: p.name.clone(),
                        value: v.clone(),
                    })
                    .collect();
                Instance {
                    swept: arguments
                        .iter()
                        .zip(&swept)
                        .filter(|(_, s)| **s)
                        .map(|(a, _)| a.clone())
                        .collect(),
                    arguments,
                    layers: read_layers(self.item, &env, reader),
                }
            })
            .collect()
    }
}

/// Checks that the product of the sweep lists, alone and added to the `made` models of
/// the spec so far, is at most [`MAX_MODELS`]; reports it at `span` if not.
fn within_limit<T>(choices: &[Vec<T>], made: usize, span: Span, reader: &mut Reader) -> bool {
    let count = choices
        .iter()
        .try_fold(1u128, |n, values| n.checked_mul(values.len() as u128));
    let count_text = match count {
        Some(n) => crate::suggest::thousands(n),
        None => format!("more than {}", crate::suggest::thousands(u128::MAX)),
    };
    let limit = MAX_MODELS as u128;
    let (message, help) = match count {
        Some(n) if n <= limit && n + made as u128 <= limit => return true,
        Some(n) if n <= limit => (
            format!(
                "with this sweep the experiments make {} models; at most {} are allowed in one spec",
                crate::suggest::thousands(n + made as u128),
                crate::suggest::thousands(limit)
            ),
            "sweep fewer values, or split the experiments over several specs",
        ),
        _ => (
            format!(
                "this sweep makes {count_text} models; at most {} are allowed",
                crate::suggest::thousands(limit)
            ),
            "sweep fewer values: each list multiplies the number of models",
        ),
    };
    reader.diagnostics.push(
        Diagnostic::error(Code::TooManyModels, span, message)
            .with_label(format!("{count_text} models"))
            .with_help(help),
    );
    false
}

fn literal(reader: &mut Reader, value: &Value, ty: ParamType) -> Option<(Literal, Span)> {
    match reader.literal(value, &Env::default(), ty) {
        Got::Known(v, origin) => Some((v, origin.span)),
        _ => None,
    }
}

/// Every combination of one value per parameter, the first parameter varying slowest.
fn combinations<T: Clone>(choices: &[Vec<T>]) -> Vec<Vec<T>> {
    choices.iter().fold(vec![Vec::new()], |acc, values| {
        acc.iter()
            .flat_map(|prefix| {
                values.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push(v.clone());
                    next
                })
            })
            .collect()
    })
}

/// The most times a `repeat` block may repeat its layers.
const MAX_REPEAT: i64 = 1_000;

/// The layer calls of `nodes` in order, each `repeat(n) { … }` written out `n` times with
/// `n` as `env` binds it. A count not known yet (a template checked before it is called)
/// writes its layers out once, so that they are checked.
fn expand<'a>(nodes: &'a [LayerNode], env: &Env, reader: &mut Reader, out: &mut Vec<&'a Call>) {
    for node in nodes {
        match node {
            LayerNode::Call(call) => out.push(call),
            LayerNode::Repeat { times, body } => {
                let args = bind_call(times, REPEAT, reader.diagnostics);
                let count = match args.get("times") {
                    Some(v) => {
                        let got = reader.int(v, env);
                        let ok = reader.require(
                            got,
                            |n| (0..=MAX_REPEAT).contains(&n),
                            |n| {
                                format!(
                                    "`repeat` is given {n}, but repeats 0 to {MAX_REPEAT} times"
                                )
                            },
                            "the number of times the layers inside are written, e.g. a depth",
                        );
                        match got {
                            Got::Known(n, _) if ok => n as usize,
                            Got::Symbolic => 1,
                            _ => 0,
                        }
                    }
                    None => 0,
                };
                for _ in 0..count {
                    expand(body, env, reader, out);
                }
            }
        }
    }
}

/// Reads a model's layers with the parameters bound as in `env`.
fn read_layers(item: &ModelItem, env: &Env, reader: &mut Reader) -> Layers {
    let mut layers = Vec::new();
    let mut input = None;
    // A repeated call's diagnostics are the same each time, and recorded once.
    let mut calls = Vec::new();
    expand(&item.layers, env, reader, &mut calls);
    for (index, &call) in calls.iter().enumerate() {
        let layer = match call.callee.text.as_str() {
            "dense" => Some(Layer::Dense(dense(call, env, reader))),
            "dropout" => dropout(call, env, reader),
            "batch_norm" => Some(Layer::BatchNorm(batch_norm(call, env, reader))),
            "embedding" => Some(embedding(call, env, reader)),
            "global_average_pooling" => {
                bind_call(call, GLOBAL_AVERAGE_POOLING, reader.diagnostics);
                Some(Layer::GlobalAveragePooling)
            }
            "global_max_pooling" => {
                bind_call(call, GLOBAL_MAX_POOLING, reader.diagnostics);
                Some(Layer::GlobalMaxPooling)
            }
            "flatten" => {
                bind_call(call, FLATTEN, reader.diagnostics);
                Some(Layer::Flatten)
            }
            "normalization" => {
                bind_call(call, NORMALIZATION, reader.diagnostics);
                // Adapted on the dataset's features, it can only see them first.
                if !layers.is_empty() {
                    reader.diagnostics.push(
                        Diagnostic::error(
                            Code::MisplacedLayer,
                            call.span,
                            "`normalization` must be the first layer (after `input`)",
                        )
                        .with_help(
                            "it is adapted to the dataset's features before training, so it \
                             normalizes what the model receives: move it to the top",
                        ),
                    );
                }
                Some(Layer::Normalization)
            }
            "conv1d" => Some(conv1d(call, env, reader)),
            "max_pooling1d" => Some(max_pooling1d(call, env, reader)),
            "lstm" => Some(Layer::Lstm(recurrent(call, LSTM, env, reader))),
            "gru" => Some(Layer::Gru(recurrent(call, GRU, env, reader))),
            "input" => {
                let args = bind_call(call, INPUT, reader.diagnostics);
                if index > 0 {
                    reader.diagnostics.push(
                        Diagnostic::error(
                            Code::MisplacedLayer,
                            call.span,
                            "`input` must be the first layer",
                        )
                        .with_help("move it to the top of the model"),
                    );
                }
                if let Some(v) = args.get("width") {
                    let got = reader.int(v, env);
                    if reader.require(
                        got,
                        |n| n >= 1 && within_width(n),
                        |n| match n {
                            i64::MIN..=0 => format!("input width {n} must be at least 1"),
                            _ => format!(
                                "input width {} is more than ofit can index: at most {} features",
                                crate::suggest::thousands(n as u128),
                                crate::suggest::thousands(MAX_WIDTH as u128)
                            ),
                        },
                        "the number of features per example, from 1 to 2³² − 1",
                    ) {
                        if let Got::Known(n, _) = got {
                            input = Some((n as usize, call.span));
                        }
                    }
                }
                None
            }
            other => {
                unknown_layer(other, call, reader);
                None
            }
        };
        if let Some(layer) = layer {
            layers.push((layer, call.span));
        }
    }
    match calls.iter().rposition(|c| c.callee.text == "dense") {
        None => {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::EmptyModel,
                    item.name.span,
                    format!("model `{}` has no dense layer", item.name.text),
                )
                .with_label("no output layer")
                .with_help("end the model with an output layer, e.g. `dense(1, sigmoid)`"),
            );
        }
        Some(last_dense) => {
            if let Some(after) = calls[last_dense + 1..]
                .iter()
                .find(|c| LAYERS.contains(&c.callee.text.as_str()))
            {
                reader.diagnostics.push(
                    Diagnostic::error(
                        Code::MisplacedLayer,
                        after.span,
                        format!("`{}` after the output layer", after.callee.text),
                    )
                    .with_label("after the last dense layer")
                    .with_secondary(calls[last_dense].span, "the output layer")
                    .with_help("the last layer is the model's output: it must be `dense`"),
                );
            }
        }
    }
    Layers { layers, input }
}

/// Reports a layer ofit does not have: a Keras layer it does not support yet, an
/// activation written as a layer (Keras's `ReLU()`), or an unknown name.
fn unknown_layer(name: &str, call: &Call, reader: &mut Reader) {
    let span = call.callee.span;
    if let Some(d) = unsupported::diagnostic(
        Vocabulary::Layer,
        name,
        span,
        unsupported::offered(Vocabulary::Layer, &LAYERS),
    ) {
        reader.diagnostics.push(d);
        return;
    }
    let help = if name == "repeat" {
        "`repeat` takes the layers it repeats in braces: `repeat(2) { dense(16, relu) }`".into()
    } else if Activation::ALL.iter().any(|a| a.name() == name) {
        format!("an activation is the second argument of `dense`, e.g. `dense(16, {name})`").into()
    } else if unsupported::is_keras(Vocabulary::Activation, name) {
        format!(
            "an activation is the second argument of `dense`, and `{name}` is a Keras activation that ofit does not support yet"
        ).into()
    } else {
        suggest::help(name, LAYERS)
    };
    reader.diagnostics.push(
        Diagnostic::error(Code::UnknownName, span, format!("unknown layer `{name}`"))
            .with_label("not a layer")
            .with_help(help),
    );
}

fn dense(call: &Call, env: &Env, reader: &mut Reader) -> Dense {
    let args = bind_call(call, DENSE, reader.diagnostics);
    let units = args.get("units").map_or(Got::Bad, |v| reader.int(v, env));
    let units_fine = reader.require(
        units,
        |n| n >= 1 && within_width(n),
        |n| match n {
            i64::MIN..=0 => format!("`units` is {n}, but a layer needs at least 1 unit"),
            _ => format!(
                "`units` is {}, but a layer has at most {} units",
                crate::suggest::thousands(n as u128),
                crate::suggest::thousands(MAX_WIDTH as u128)
            ),
        },
        "the number of outputs of the layer, from 1 to 2³² − 1",
    );
    let activation = args.get("activation").map_or(Activation::Linear, |v| {
        reader.activation(v, env).or(Activation::Linear)
    });
    let use_bias = args
        .get("use_bias")
        .is_none_or(|v| reader.bool(v, env).or(true));
    let kernel_regularizer = args
        .get("kernel_regularizer")
        .and_then(|v| regularizer(v, env, reader));
    let bias_regularizer = args
        .get("bias_regularizer")
        .and_then(|v| regularizer(v, env, reader));
    if !use_bias {
        if let Some(span) = args.key_span("bias_regularizer") {
            reader.diagnostics.push(
                Diagnostic::warning(
                    Code::NoEffect,
                    span,
                    "a bias regularizer on a layer without bias has no effect",
                )
                .with_secondary(
                    args.key_span("use_bias").unwrap_or(call.span),
                    "bias turned off here",
                )
                .with_help("remove `bias_regularizer`"),
            );
        }
    }
    Dense {
        // A refused width is already reported; 1 keeps later checks from repeating it.
        units: if units_fine { units.or(1) as usize } else { 1 },
        activation,
        use_bias,
        kernel_regularizer,
        bias_regularizer: bias_regularizer.filter(|_| use_bias),
    }
}

/// Reads a size (units, filters, a window) that must lie in 1 ..= [`MAX_WIDTH`]; 1 when it
/// is refused (already reported), so later checks do not repeat the error.
fn size(
    args: &bind::Bound,
    name: &str,
    default: Option<usize>,
    env: &Env,
    reader: &mut Reader,
    help: &str,
) -> usize {
    let got = match (args.get(name), default) {
        (Some(v), _) => reader.int(v, env),
        (None, Some(d)) => return d,
        (None, None) => Got::Bad,
    };
    let fine = reader.require(
        got,
        |n| n >= 1 && within_width(n),
        |n| match n {
            i64::MIN..=0 => format!("`{name}` is {n}, but must be at least 1"),
            _ => format!(
                "`{name}` is {}, but must be at most {}",
                crate::suggest::thousands(n as u128),
                crate::suggest::thousands(MAX_WIDTH as u128)
            ),
        },
        help,
    );
    if fine {
        got.or(1) as usize
    } else {
        1
    }
}

/// Reads a boolean flag, `default` when not given.
fn flag(args: &bind::Bound, name: &str, default: bool, env: &Env, reader: &mut Reader) -> bool {
    args.get(name)
        .map_or(default, |v| reader.bool(v, env).or(default))
}

/// Reads `padding = valid | same`, Keras's default `valid` when not given.
fn padding(args: &bind::Bound, reader: &mut Reader) -> ConvPadding {
    args.get("padding").map_or(ConvPadding::Valid, |v| {
        reader
            .keyword(v, "padding", &PADDINGS)
            .unwrap_or(ConvPadding::Valid)
    })
}

fn embedding(call: &Call, env: &Env, reader: &mut Reader) -> Layer {
    let args = bind_call(call, EMBEDDING, reader.diagnostics);
    Layer::Embedding(Embedding {
        dim: size(
            &args,
            "dim",
            None,
            env,
            reader,
            "the length of each word's vector, from 1 to 2³² − 1, e.g. 16",
        ),
        mask_zero: flag(&args, "mask_zero", false, env, reader),
    })
}

fn conv1d(call: &Call, env: &Env, reader: &mut Reader) -> Layer {
    let args = bind_call(call, CONV1D, reader.diagnostics);
    let filters = size(
        &args,
        "filters",
        None,
        env,
        reader,
        "the number of output channels, from 1 to 2³² − 1",
    );
    let kernel_size = size(
        &args,
        "kernel_size",
        None,
        env,
        reader,
        "the number of steps each output sees, e.g. 5",
    );
    let activation = args.get("activation").map_or(Activation::Linear, |v| {
        reader.activation(v, env).or(Activation::Linear)
    });
    let padding = padding(&args, reader);
    let strides = size(
        &args,
        "strides",
        Some(1),
        env,
        reader,
        "the steps between windows, at least 1",
    );
    Layer::Conv1d(Conv1d {
        filters,
        kernel_size,
        activation,
        padding,
        strides,
    })
}

fn max_pooling1d(call: &Call, env: &Env, reader: &mut Reader) -> Layer {
    let args = bind_call(call, MAX_POOLING1D, reader.diagnostics);
    let pool_size = size(
        &args,
        "pool_size",
        Some(POOL_SIZE),
        env,
        reader,
        "the number of steps per window, e.g. 2",
    );
    // Keras: `strides = None` means `pool_size`.
    let strides = size(
        &args,
        "strides",
        Some(pool_size),
        env,
        reader,
        "the steps between windows, at least 1 (by default the pool size)",
    );
    Layer::MaxPooling1d(MaxPooling1d {
        pool_size,
        strides,
        padding: padding(&args, reader),
    })
}

fn recurrent(call: &Call, signature: Signature, env: &Env, reader: &mut Reader) -> Recurrent {
    let args = bind_call(call, signature, reader.diagnostics);
    Recurrent {
        units: size(
            &args,
            "units",
            None,
            env,
            reader,
            "the size of the layer's state, from 1 to 2³² − 1",
        ),
        return_sequences: flag(&args, "return_sequences", false, env, reader),
    }
}

fn dropout(call: &Call, env: &Env, reader: &mut Reader) -> Option<Layer> {
    let args = bind_call(call, DROPOUT, reader.diagnostics);
    let rate = args.get("rate").map_or(Got::Bad, |v| reader.float(v, env));
    reader.require(
        rate,
        |r| (0.0..1.0).contains(&r),
        |r| format!("dropout rate {r:?} must be at least 0 and below 1"),
        "the fraction of units dropped in training, e.g. 0.5",
    );
    match rate {
        Got::Known(0.0, origin) => {
            no_effect(
                reader,
                origin,
                "a dropout rate of 0 has no effect",
                "remove the layer",
            );
            None
        }
        Got::Known(r, _) => Some(Layer::Dropout { rate: r }),
        _ => Some(Layer::Dropout { rate: 0.5 }),
    }
}

/// Warns about a literal 0 written directly; a 0 that comes through a template parameter
/// is the template's way of switching a feature off, and is dropped silently.
fn no_effect(reader: &mut Reader, origin: Origin, message: &str, help: &str) {
    if origin.via.is_none() {
        reader
            .diagnostics
            .push(Diagnostic::warning(Code::NoEffect, origin.span, message).with_help(help));
    }
}

fn batch_norm(call: &Call, env: &Env, reader: &mut Reader) -> BatchNorm {
    let args = bind_call(call, BATCH_NORM, reader.diagnostics);
    let momentum = args.get("momentum").map_or(
        Got::Known(
            BATCH_NORM_MOMENTUM,
            Origin {
                span: call.span,
                via: None,
            },
        ),
        |v| reader.float(v, env),
    );
    reader.require(
        momentum,
        |m| (0.0..1.0).contains(&m),
        |m| format!("momentum {m:?} must be at least 0 and below 1"),
        "the decay of the moving mean and variance, e.g. 0.99",
    );
    let epsilon = args.get("epsilon").map_or(
        Got::Known(
            BATCH_NORM_EPSILON,
            Origin {
                span: call.span,
                via: None,
            },
        ),
        |v| reader.float(v, env),
    );
    reader.require(
        epsilon,
        |e| e > 0.0,
        |e| format!("epsilon {e:?} must be above 0"),
        "a small number added to the variance, e.g. 0.001",
    );
    BatchNorm {
        momentum: momentum.or(BATCH_NORM_MOMENTUM),
        epsilon: epsilon.or(BATCH_NORM_EPSILON),
        center: args
            .get("center")
            .is_none_or(|v| reader.bool(v, env).or(true)),
        scale: args
            .get("scale")
            .is_none_or(|v| reader.bool(v, env).or(true)),
    }
}

/// Reads `l1(x)`, `l2(x)` or `l1_l2(l1 = x, l2 = y)`; `None` when every factor is 0.
fn regularizer(value: &Value, env: &Env, reader: &mut Reader) -> Option<Regularizer> {
    let ValueKind::Call(call) = &value.kind else {
        reader.mismatch(value, "a regularizer such as `l2(0.001)`");
        return None;
    };
    let (signature, names): (Signature, &[&str]) = match call.callee.text.as_str() {
        "l1" => (L1, &["l1"]),
        "l2" => (L2, &["l2"]),
        "l1_l2" => (L1_L2, &["l1", "l2"]),
        other => {
            if let Some(d) = unsupported::diagnostic(
                Vocabulary::Regularizer,
                other,
                call.callee.span,
                unsupported::offered(Vocabulary::Regularizer, &REGULARIZERS),
            ) {
                reader.diagnostics.push(d);
                return None;
            }
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::UnknownName,
                    call.callee.span,
                    format!("unknown regularizer `{other}`"),
                )
                .with_label("not a regularizer")
                .with_help(suggest::help(other, REGULARIZERS)),
            );
            return None;
        }
    };
    let args = bind_call(call, signature, reader.diagnostics);
    let mut factors = [0.0, 0.0];
    let mut all_written_directly = true;
    let mut symbolic = false;
    for name in names {
        let Some(v) = args.get(name) else { continue };
        let got = reader.float(v, env);
        reader.require(
            got,
            |f| f >= 0.0,
            |f| format!("regularization factor {f:?} must not be negative"),
            "a penalty factor such as 0.001",
        );
        match got {
            Got::Known(f, origin) => {
                factors[usize::from(*name == "l2")] = f;
                all_written_directly &= origin.via.is_none();
            }
            Got::Symbolic => symbolic = true,
            Got::Bad => return None,
        }
    }
    let [l1, l2] = factors;
    if symbolic {
        return Some(Regularizer { l1, l2 });
    }
    if l1 == 0.0 && l2 == 0.0 {
        no_effect(
            reader,
            Origin {
                span: call.span,
                via: (!all_written_directly).then_some(call.span),
            },
            "a regularizer of 0 has no effect",
            "remove it, or give a factor above 0",
        );
        return None;
    }
    Some(Regularizer { l1, l2 })
}
