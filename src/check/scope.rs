//! The top-level names of a spec: one namespace for datasets, models, training blocks and
//! experiments, so that a name means one thing and a wrong-kind use can say what it is.

use super::suggest;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::source::Span;
use crate::syntax::ast::{Ident, Item};
use std::cell::Cell;
use std::collections::HashMap;

/// The kinds of top-level definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `dataset`
    Dataset,
    /// `model`
    Model,
    /// `train`
    Training,
    /// `experiment`
    Experiment,
}

impl Kind {
    /// "a dataset", "a model" …
    pub fn article(self) -> &'static str {
        match self {
            Kind::Dataset => "a dataset",
            Kind::Model => "a model",
            Kind::Training => "a training block",
            Kind::Experiment => "an experiment",
        }
    }

    /// "dataset", "model" …
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Dataset => "dataset",
            Kind::Model => "model",
            Kind::Training => "training block",
            Kind::Experiment => "experiment",
        }
    }

    /// The kind of an item.
    pub fn of(item: &Item) -> Kind {
        match item {
            Item::Dataset(_) => Kind::Dataset,
            Item::Model(_) => Kind::Model,
            Item::Training(_) => Kind::Training,
            Item::Experiment(_) => Kind::Experiment,
        }
    }
}

/// One definition: its kind, index among the file's items, and whether anything uses it.
#[derive(Debug)]
pub struct Definition {
    /// What it is.
    pub kind: Kind,
    /// Index into the file's items.
    pub item: usize,
    /// Its name as written.
    pub name: Ident,
    used: Cell<bool>,
}

/// All top-level definitions by name.
#[derive(Debug, Default)]
pub struct Scope {
    definitions: Vec<Definition>,
    by_name: HashMap<String, usize>,
}

impl Scope {
    /// Collects the items' names, reporting duplicates. The first definition wins.
    pub fn new(items: &[Item], diagnostics: &mut Diagnostics) -> Scope {
        let mut scope = Scope::default();
        for (index, item) in items.iter().enumerate() {
            let name = item.name();
            let kind = Kind::of(item);
            if let Some(&first) = scope.by_name.get(&name.text) {
                let first = &scope.definitions[first];
                diagnostics.push(
                    Diagnostic::error(
                        Code::Duplicate,
                        name.span,
                        format!("`{}` is defined twice", name.text),
                    )
                    .with_secondary(
                        first.name.span,
                        format!("first defined here as {}", first.kind.article()),
                    )
                    .with_help("rename one of them"),
                );
                continue;
            }
            scope
                .by_name
                .insert(name.text.clone(), scope.definitions.len());
            scope.definitions.push(Definition {
                kind,
                item: index,
                name: name.clone(),
                used: Cell::new(false),
            });
        }
        scope
    }

    /// Whether `item` is the definition that owns its name (not a duplicate).
    pub fn owns(&self, item: usize) -> bool {
        self.definitions.iter().any(|d| d.item == item)
    }

    /// Looks up `name` as a `kind`, marking it used. Reports an unknown name (with a
    /// suggestion among the definitions of that kind) or a definition of another kind.
    pub fn resolve(
        &self,
        name: &str,
        span: Span,
        kind: Kind,
        diagnostics: &mut Diagnostics,
    ) -> Option<&Definition> {
        match self.by_name.get(name).map(|&i| &self.definitions[i]) {
            Some(def) if def.kind == kind => {
                def.used.set(true);
                Some(def)
            }
            Some(def) => {
                def.used.set(true);
                diagnostics.push(
                    Diagnostic::error(
                        Code::WrongKind,
                        span,
                        format!("`{name}` is {}, not {}", def.kind.article(), kind.article()),
                    )
                    .with_label(format!("expected {}", kind.article()))
                    .with_secondary(def.name.span, format!("`{name}` is defined here"))
                    .with_help_opt(self.help(name, kind)),
                );
                None
            }
            None => {
                diagnostics.push(
                    Diagnostic::error(
                        Code::UnknownName,
                        span,
                        format!("no {} is called `{name}`", kind.noun()),
                    )
                    .with_help_opt(self.help(name, kind).or_else(|| self.none_help(kind))),
                );
                None
            }
        }
    }

    fn names(&self, kind: Kind) -> impl Iterator<Item = &str> {
        self.definitions
            .iter()
            .filter(move |d| d.kind == kind)
            .map(|d| d.name.text.as_str())
    }

    fn help(&self, name: &str, kind: Kind) -> Option<String> {
        suggest::help(name, self.names(kind))
    }

    fn none_help(&self, kind: Kind) -> Option<String> {
        (self.names(kind).next().is_none()).then(|| {
            let keyword = match kind {
                Kind::Dataset => "dataset NAME = imdb(num_words = 10000)",
                Kind::Model => "model NAME { dense(1, sigmoid) }",
                Kind::Training => "train NAME { loss = binary_crossentropy  epochs = 20 }",
                Kind::Experiment => "experiment NAME { … }",
            };
            format!("define one first, e.g. `{keyword}`")
        })
    }

    /// Warns about every dataset, model and training block that nothing used.
    pub fn warn_unused(&self, diagnostics: &mut Diagnostics) {
        for def in &self.definitions {
            if def.kind != Kind::Experiment && !def.used.get() {
                diagnostics.push(
                    Diagnostic::warning(
                        Code::Unused,
                        def.name.span,
                        format!("{} `{}` is never used", def.kind.noun(), def.name.text),
                    )
                    .with_help("use it in an experiment, or remove it"),
                );
            }
        }
    }
}
