//! Binds the arguments of a call (or the settings of a block, or the entries of a map) to
//! the parameters of a signature: positional and named, strictly.
//!
//! Every builtin — layers, optimizers, dataset sources, the keys of `train` and
//! `experiment` blocks — is described by a [`Signature`], so that unknown, repeated,
//! missing and surplus arguments are reported the same way everywhere.

use super::unsupported::{self, Vocabulary};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::source::Span;
use crate::suggest;
use crate::syntax::ast::{Arg, Call, Entry, Field, Ident, Value};

/// One parameter of a builtin.
#[derive(Debug, Clone, Copy)]
pub struct Param<'s> {
    /// Its name.
    pub name: &'s str,
    /// Whether it may be given by position (positional parameters come first).
    pub positional: bool,
    /// Whether it must be given.
    pub required: bool,
}

/// A parameter that may be given by position.
pub const fn positional(name: &str) -> Param<'_> {
    Param {
        name,
        positional: true,
        required: false,
    }
}

/// A parameter that must be named.
pub const fn named(name: &str) -> Param<'_> {
    Param {
        name,
        positional: false,
        required: false,
    }
}

impl<'s> Param<'s> {
    /// The same parameter, required.
    pub const fn required(self) -> Param<'s> {
        Param {
            required: true,
            ..self
        }
    }
}

/// The parameters of one builtin, and how to name it in messages.
#[derive(Debug, Clone, Copy)]
pub struct Signature<'s> {
    /// What it is, e.g. "layer `dense`" or "training block".
    pub what: &'s str,
    /// What its parameters are called: "parameter" for calls, "setting" for blocks.
    pub noun: &'s str,
    /// Its parameters.
    pub params: &'s [Param<'s>],
}

/// One argument as written: a name (absent for positional ones) and a value.
#[derive(Debug, Clone, Copy)]
pub struct Given<'a> {
    /// The name, for named arguments, keys and map entries.
    pub name: Option<&'a Ident>,
    /// The value.
    pub value: &'a Value,
}

impl<'a> From<&'a Arg> for Given<'a> {
    fn from(arg: &'a Arg) -> Self {
        Given {
            name: arg.name.as_ref(),
            value: &arg.value,
        }
    }
}

impl<'a> From<&'a Field> for Given<'a> {
    fn from(field: &'a Field) -> Self {
        Given {
            name: Some(&field.key),
            value: &field.value,
        }
    }
}

impl<'a> From<&'a Entry> for Given<'a> {
    fn from(entry: &'a Entry) -> Self {
        Given {
            name: Some(&entry.key),
            value: &entry.value,
        }
    }
}

/// The arguments of a call matched to its signature's parameters.
#[derive(Debug)]
pub struct Bound<'a, 's> {
    signature: Signature<'s>,
    slots: Vec<Option<Given<'a>>>,
}

impl<'a> Bound<'a, '_> {
    /// The argument given for each parameter, in the signature's order.
    pub fn slots(&self) -> &[Option<Given<'a>>] {
        &self.slots
    }

    /// The value given for `name`, if any.
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.given(name).map(|g| g.value)
    }

    /// The argument given for `name`, if any, with its key.
    pub fn given(&self, name: &str) -> Option<Given<'a>> {
        let index = self
            .signature
            .params
            .iter()
            .position(|p| p.name == name)
            .unwrap_or_else(|| panic!("{} has no parameter `{name}`", self.signature.what));
        self.slots[index]
    }

    /// The span of the key of `name` if it was named, else of its value.
    pub fn key_span(&self, name: &str) -> Option<Span> {
        self.given(name)
            .map(|g| g.name.map_or(g.value.span, |n| n.span))
    }
}

/// Matches `args` to `signature`. `at` is where a missing argument is reported (the
/// call's name, or the block's name).
pub fn bind<'a, 's>(
    args: impl IntoIterator<Item = Given<'a>>,
    signature: Signature<'s>,
    at: Span,
    diagnostics: &mut Diagnostics,
) -> Bound<'a, 's> {
    let params = signature.params;
    let mut slots: Vec<Option<Given<'a>>> = vec![None; params.len()];
    let mut next_positional = 0;
    let mut first_named: Option<Span> = None;
    // Parameters that an unknown name probably meant: not also reported as missing.
    let mut meant: Vec<&str> = Vec::new();
    for given in args {
        let index = match given.name {
            None => {
                if let Some(named_at) = first_named {
                    diagnostics.push(
                        Diagnostic::error(
                            Code::PositionalAfterNamed,
                            given.value.span,
                            format!(
                                "positional argument after a named one in {}",
                                signature.what
                            ),
                        )
                        .with_secondary(named_at, "named argument here")
                        .with_help("give this argument by name, or move it before the named ones"),
                    );
                    continue;
                }
                let positionals = params.iter().filter(|p| p.positional).count();
                if next_positional >= positionals {
                    let names: Vec<&str> = params
                        .iter()
                        .filter(|p| p.positional)
                        .map(|p| p.name)
                        .collect();
                    diagnostics.push(
                        Diagnostic::error(
                            Code::TooManyArguments,
                            given.value.span,
                            format!(
                                "{} takes {} positional argument{}, this is one more",
                                signature.what,
                                positionals,
                                if positionals == 1 { "" } else { "s" }
                            ),
                        )
                        .with_label("surplus argument")
                        .with_help(if names.is_empty() {
                            "name every argument, e.g. `name = value`".to_string()
                        } else {
                            format!(
                                "the positional {}s are {}; name the others",
                                signature.noun,
                                suggest::quoted_list(&names, "and")
                            )
                        }),
                    );
                    continue;
                }
                next_positional += 1;
                next_positional - 1
            }
            Some(name) => {
                first_named.get_or_insert(name.span);
                match params.iter().position(|p| p.name == name.text) {
                    Some(index) => index,
                    None => {
                        let names: Vec<&str> = params.iter().map(|p| p.name).collect();
                        let keras = suggest::alias(&name.text, names.iter().copied())
                            .is_none()
                            .then(|| {
                                unsupported::diagnostic(
                                    Vocabulary::Parameter,
                                    &name.text,
                                    name.span,
                                    format!(
                                        "{} has {}",
                                        signature.what,
                                        suggest::quoted_list(&names, "and")
                                    ),
                                )
                            })
                            .flatten();
                        if let Some(d) = keras {
                            diagnostics.push(d);
                            continue;
                        }
                        meant.extend(suggest::did_you_mean(&name.text, names.iter().copied()));
                        diagnostics.push(
                            Diagnostic::error(
                                Code::UnknownParameter,
                                name.span,
                                format!(
                                    "{} has no {} `{}`",
                                    signature.what, signature.noun, name.text
                                ),
                            )
                            .with_label(format!("unknown {}", signature.noun))
                            .with_help(suggest::help(&name.text, names)),
                        );
                        continue;
                    }
                }
            }
        };
        if let Some(earlier) = slots[index] {
            let earlier_span = earlier.name.map_or(earlier.value.span, |n| n.span);
            let here = given.name.map_or(given.value.span, |n| n.span);
            diagnostics.push(
                Diagnostic::error(
                    Code::DuplicateArgument,
                    here,
                    format!(
                        "`{}` is given twice in {}",
                        params[index].name, signature.what
                    ),
                )
                .with_secondary(earlier_span, "first given here")
                .with_help("remove one of them"),
            );
            continue;
        }
        slots[index] = Some(given);
    }
    for (param, slot) in params.iter().zip(&slots) {
        if param.required && slot.is_none() && !meant.contains(&param.name) {
            diagnostics.push(
                Diagnostic::error(
                    Code::MissingArgument,
                    at,
                    format!("{} needs `{}`", signature.what, param.name),
                )
                .with_label(format!("`{}` missing", param.name))
                .with_help(format!("add `{} = …`", param.name)),
            );
        }
    }
    Bound { signature, slots }
}

/// Binds a call's arguments, reporting a missing one at the call's name.
pub fn bind_call<'a, 's>(
    call: &'a Call,
    signature: Signature<'s>,
    diagnostics: &mut Diagnostics,
) -> Bound<'a, 's> {
    bind(
        call.args.iter().map(Given::from),
        signature,
        call.callee.span,
        diagnostics,
    )
}
