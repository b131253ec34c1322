//! Reads syntax values as typed values, strictly: no conversion but an integer literal
//! where a float is wanted. Inside a model template, a bare name may refer to a template
//! parameter; the [`Env`] says what it stands for.

use super::unsupported::{self, Vocabulary};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::ir::{Activation, Literal};
use crate::source::Span;
use crate::suggest;
use crate::syntax::ast::{Value, ValueKind};

/// The type of a template parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// A whole number.
    Int,
    /// A real number (an integer literal is accepted).
    Float,
    /// `true` or `false`.
    Bool,
    /// One of the activation names.
    Activation,
}

impl ParamType {
    /// Every type, with its name in specs.
    pub const ALL: [(&'static str, ParamType); 4] = [
        ("int", ParamType::Int),
        ("float", ParamType::Float),
        ("bool", ParamType::Bool),
        ("activation", ParamType::Activation),
    ];

    /// The name in specs.
    pub fn name(self) -> &'static str {
        match self {
            ParamType::Int => "int",
            ParamType::Float => "float",
            ParamType::Bool => "bool",
            ParamType::Activation => "activation",
        }
    }

    /// How to write a value of this type.
    pub fn example(self) -> &'static str {
        match self {
            ParamType::Int => "write a whole number such as `16`",
            ParamType::Float => "write a number such as `0.5` or `1e-3`",
            ParamType::Bool => "write `true` or `false`",
            ParamType::Activation => {
                "write one of `relu`, `sigmoid`, `tanh`, `softmax` or `linear`"
            }
        }
    }

    /// "an int", "a float" …
    pub fn article(self) -> &'static str {
        match self {
            ParamType::Int => "an int",
            ParamType::Float => "a float",
            ParamType::Bool => "a bool",
            ParamType::Activation => "an activation",
        }
    }
}

/// A template parameter in scope while a model body is read.
#[derive(Debug, Clone)]
pub struct Binding {
    /// The parameter's name.
    pub name: String,
    /// Its declared type.
    pub ty: ParamType,
    /// Its value in this instance, and where that value was written; `None` while the
    /// template itself is checked, before any instance exists.
    pub value: Option<(Literal, Span)>,
    /// Set when the body refers to it, for the unused-parameter warning.
    pub used: std::cell::Cell<bool>,
}

/// The template parameters in scope (empty outside model bodies).
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// The parameters.
    pub bindings: Vec<Binding>,
    /// Set when the body names something that is not in scope: then a parameter that
    /// looks unused was probably misspelt, and is not reported as unused.
    pub unresolved: std::cell::Cell<bool>,
}

impl Env {
    fn lookup(&self, name: &str) -> Option<&Binding> {
        self.bindings.iter().find(|b| b.name == name)
    }
}

/// Where a typed value came from: the literal's span, and the template-parameter
/// reference it went through, if any.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    /// Where the value is written.
    pub span: Span,
    /// Where the template body refers to it, when the value came through a parameter.
    pub via: Option<Span>,
}

/// A value read as type `T`.
#[derive(Debug, Clone, Copy)]
pub enum Got<T> {
    /// The value, and where it was written.
    Known(T, Origin),
    /// A template parameter of the right type whose value is not known yet.
    Symbolic,
    /// Wrong type or unknown name; already reported.
    Bad,
}

impl<T: Copy> Got<T> {
    /// The value, or `fallback` if unknown or bad (the result is then discarded anyway).
    pub fn or(self, fallback: T) -> T {
        match self {
            Got::Known(value, _) => value,
            _ => fallback,
        }
    }
}

/// Reads values of one spec, recording diagnostics.
pub struct Reader<'d> {
    /// Where diagnostics go.
    pub diagnostics: &'d mut Diagnostics,
}

/// A scalar as read, before the caller's type is applied.
enum Scalar {
    Literal(Literal, Origin),
    Symbolic(ParamType),
    Bad,
}

impl Reader<'_> {
    /// Resolves a value to a scalar: a literal, or a template parameter.
    fn scalar(&mut self, value: &Value, env: &Env, want: ParamType) -> Scalar {
        let here = Origin {
            span: value.span,
            via: None,
        };
        match &value.kind {
            ValueKind::Int(n) => Scalar::Literal(Literal::Int(*n), here),
            ValueKind::Float(x) => Scalar::Literal(Literal::Float(*x), here),
            ValueKind::Bool(b) => Scalar::Literal(Literal::Bool(*b), here),
            ValueKind::Name(name) => {
                if let Some(binding) = env.lookup(name) {
                    binding.used.set(true);
                    return match &binding.value {
                        Some((literal, span)) => Scalar::Literal(
                            literal.clone(),
                            Origin {
                                span: *span,
                                via: Some(value.span),
                            },
                        ),
                        None => Scalar::Symbolic(binding.ty),
                    };
                }
                if let Some(a) = Activation::ALL.iter().find(|a| a.name() == name) {
                    return Scalar::Literal(Literal::Activation(*a), here);
                }
                if want == ParamType::Activation {
                    env.unresolved.set(true);
                    self.unknown_activation(name, value.span, env);
                    return Scalar::Bad;
                }
                env.unresolved.set(true);
                let names: Vec<&str> = env.bindings.iter().map(|b| b.name.as_str()).collect();
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::UnknownName,
                        value.span,
                        format!("`{name}` is not defined here; expected {}", want.article()),
                    )
                    .with_help(if names.is_empty() {
                        want.example().into()
                    } else {
                        suggest::help(name, names)
                    }),
                );
                Scalar::Bad
            }
            _ => {
                self.mismatch(value, want.article());
                Scalar::Bad
            }
        }
    }

    fn unknown_activation(&mut self, name: &str, span: Span, env: &Env) {
        let mut names: Vec<&str> = Activation::ALL.iter().map(|a| a.name()).collect();
        if let Some(d) = unsupported::diagnostic(
            Vocabulary::Activation,
            name,
            span,
            unsupported::offered(Vocabulary::Activation, &names),
        ) {
            self.diagnostics.push(d);
            return;
        }
        names.extend(
            env.bindings
                .iter()
                .filter(|b| b.ty == ParamType::Activation)
                .map(|b| b.name.as_str()),
        );
        self.diagnostics.push(
            Diagnostic::error(
                Code::UnknownName,
                span,
                format!("unknown activation `{name}`"),
            )
            .with_label("not an activation")
            .with_help(suggest::help(name, names)),
        );
    }

    /// Reports that `value` is not of the wanted type.
    pub fn mismatch(&mut self, value: &Value, wanted: &str) {
        let found = describe(value);
        let mut d = Diagnostic::error(
            Code::TypeMismatch,
            value.span,
            format!("expected {wanted}, found {found}"),
        )
        .with_label(format!("this is {found}"))
        .with_help(format!("write {wanted} here"));
        if let ValueKind::Str(s) = &value.kind {
            if s.parse::<f64>().is_ok() {
                d = d.with_help(format!("write the number without quotes: `{s}`"));
            }
        }
        if matches!(value.kind, ValueKind::List(_)) {
            d = d.with_help(
                "a list of values (a sweep) is only allowed in the arguments of a model template",
            );
        }
        self.diagnostics.push(d);
    }

    fn typed<T>(
        &mut self,
        value: &Value,
        env: &Env,
        want: ParamType,
        convert: impl Fn(&Literal) -> Option<T>,
    ) -> Got<T> {
        match self.scalar(value, env, want) {
            Scalar::Literal(literal, origin) => match convert(&literal) {
                Some(v) => Got::Known(v, origin),
                None => {
                    let found = match &literal {
                        Literal::Int(_) => "an int",
                        Literal::Float(_) => "a float",
                        Literal::Bool(_) => "a bool",
                        Literal::Activation(_) => "an activation",
                    };
                    let mut d = Diagnostic::error(
                        Code::TypeMismatch,
                        origin.via.unwrap_or(origin.span),
                        format!("expected {}, found {found}", want.article()),
                    )
                    .with_label(format!("this is {found}"))
                    .with_help(want.example());
                    if origin.via.is_some() {
                        d = d.with_secondary(origin.span, "the value comes from here");
                    }
                    self.diagnostics.push(d);
                    Got::Bad
                }
            },
            Scalar::Symbolic(ty) => {
                let fits = ty == want || (ty == ParamType::Int && want == ParamType::Float);
                if fits {
                    Got::Symbolic
                } else {
                    self.diagnostics.push(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            value.span,
                            format!(
                                "expected {}, found a parameter of type `{}`",
                                want.article(),
                                ty.name()
                            ),
                        )
                        .with_label(format!("this is {}", ty.article()))
                        .with_help(format!(
                            "declare the parameter as `{}`, or pass something else here",
                            want.name()
                        )),
                    );
                    Got::Bad
                }
            }
            Scalar::Bad => Got::Bad,
        }
    }

    /// Reads an integer.
    pub fn int(&mut self, value: &Value, env: &Env) -> Got<i64> {
        self.typed(value, env, ParamType::Int, |l| match l {
            Literal::Int(n) => Some(*n),
            _ => None,
        })
    }

    /// Reads a float; an integer literal is accepted.
    pub fn float(&mut self, value: &Value, env: &Env) -> Got<f64> {
        self.typed(value, env, ParamType::Float, |l| match l {
            Literal::Int(n) => Some(*n as f64),
            Literal::Float(x) => Some(*x),
            _ => None,
        })
    }

    /// Reads a boolean.
    pub fn bool(&mut self, value: &Value, env: &Env) -> Got<bool> {
        self.typed(value, env, ParamType::Bool, |l| match l {
            Literal::Bool(b) => Some(*b),
            _ => None,
        })
    }

    /// Reads an activation name.
    pub fn activation(&mut self, value: &Value, env: &Env) -> Got<Activation> {
        self.typed(value, env, ParamType::Activation, |l| match l {
            Literal::Activation(a) => Some(*a),
            _ => None,
        })
    }

    /// Reads a value of the given parameter type as a literal.
    pub fn literal(&mut self, value: &Value, env: &Env, ty: ParamType) -> Got<Literal> {
        match ty {
            ParamType::Int => map(self.int(value, env), Literal::Int),
            ParamType::Float => map(self.float(value, env), Literal::Float),
            ParamType::Bool => map(self.bool(value, env), Literal::Bool),
            ParamType::Activation => map(self.activation(value, env), Literal::Activation),
        }
    }

    /// Reads a string literal.
    pub fn string(&mut self, value: &Value) -> Option<String> {
        match &value.kind {
            ValueKind::Str(s) => Some(s.clone()),
            _ => {
                self.mismatch(value, "a string");
                None
            }
        }
    }

    /// Reads a bare name that must be one of `options` (e.g. a loss), as their value.
    /// `what` is a noun such as "loss".
    pub fn keyword<T: Copy>(
        &mut self,
        value: &Value,
        what: &str,
        options: &[(&str, T)],
    ) -> Option<T> {
        let a_what = with_article(what);
        let vocabulary = Vocabulary::of_noun(what);
        // What ofit has, for "not supported yet": a monitored metric is also `val_…`.
        let offered: Vec<&str> = options
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| what != "metric to monitor" || !n.starts_with("val_"))
            .collect();
        let name = match &value.kind {
            ValueKind::Name(name) => name,
            ValueKind::Call(call) => {
                self.keyword_call(call, value, what, options, &offered);
                return None;
            }
            _ => {
                self.mismatch(value, &a_what);
                return None;
            }
        };
        if let Some((_, v)) = options.iter().find(|(n, _)| n == name) {
            return Some(*v);
        }
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        if let Some(vocabulary) = vocabulary {
            let bare = match what {
                "metric to monitor" => name.strip_prefix("val_").unwrap_or(name),
                _ => name,
            };
            if let Some(d) = unsupported::diagnostic(
                vocabulary,
                bare,
                value.span,
                unsupported::offered(vocabulary, &offered),
            ) {
                self.diagnostics.push(d);
                return None;
            }
        }
        self.diagnostics.push(
            Diagnostic::error(
                Code::UnknownName,
                value.span,
                format!("unknown {what} `{name}`"),
            )
            .with_label(format!("not {a_what}"))
            .with_help(suggest::help(name, names)),
        );
        None
    }

    /// Reports a call where a bare keyword is wanted: `binary_crossentropy(from_logits =
    /// true)` names a Keras parameter ofit does not support; `huber(delta = 1.0)` a Keras
    /// loss ofit does not support; anything else is a value of the wrong type.
    fn keyword_call<T>(
        &mut self,
        call: &crate::syntax::ast::Call,
        value: &Value,
        what: &str,
        options: &[(&str, T)],
        offered: &[&str],
    ) {
        let callee = call.callee.text.as_str();
        let vocabulary = Vocabulary::of_noun(what);
        if options.iter().any(|(n, _)| *n == callee) {
            let keras = call.args.iter().find_map(|arg| {
                let name = arg.name.as_ref()?;
                unsupported::diagnostic(
                    Vocabulary::Parameter,
                    &name.text,
                    name.span,
                    format!("ofit's {what} `{callee}` takes no parameters: write `{callee}`"),
                )
            });
            match keras {
                Some(d) => self.diagnostics.push(d),
                None => self.diagnostics.push(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        value.span,
                        format!("`{callee}` takes no arguments here"),
                    )
                    .with_label("a call")
                    .with_help(format!("write `{callee}`")),
                ),
            }
            return;
        }
        if let Some(d) = vocabulary.and_then(|v| {
            unsupported::diagnostic(
                v,
                callee,
                call.callee.span,
                unsupported::offered(v, offered),
            )
        }) {
            self.diagnostics.push(d);
            return;
        }
        self.mismatch(value, &with_article(what));
    }

    /// Checks that a known value satisfies `ok`, else reports `message` at the place the
    /// value was written (and where a template used it). Returns whether it is fine.
    pub fn require<T: Copy>(
        &mut self,
        got: Got<T>,
        ok: impl Fn(T) -> bool,
        message: impl Fn(T) -> String,
        help: &str,
    ) -> bool {
        match got {
            Got::Known(v, origin) if !ok(v) => {
                let mut d = Diagnostic::error(Code::OutOfRange, origin.span, message(v))
                    .with_label("out of range")
                    .with_help(help);
                if let Some(via) = origin.via {
                    d = d.with_secondary(via, "used here");
                }
                self.diagnostics.push(d);
                false
            }
            Got::Bad => false,
            _ => true,
        }
    }
}

fn map<T, U>(got: Got<T>, f: impl Fn(T) -> U) -> Got<U> {
    match got {
        Got::Known(v, o) => Got::Known(f(v), o),
        Got::Symbolic => Got::Symbolic,
        Got::Bad => Got::Bad,
    }
}

/// "a loss", "an encoding".
fn with_article(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

/// "a string", "a list" … for messages.
pub fn describe(value: &Value) -> String {
    match &value.kind {
        ValueKind::Int(_) => "an int".into(),
        ValueKind::Float(_) => "a float".into(),
        ValueKind::Str(_) => "a string".into(),
        ValueKind::Bool(_) => "a bool".into(),
        ValueKind::Name(n) => format!("the name `{n}`"),
        ValueKind::Call(c) => format!("a call of `{}`", c.callee.text),
        ValueKind::List(_) => "a list".into(),
        ValueKind::Map(_) => "a map".into(),
    }
}
