//! The top-level names of a spec: one namespace for datasets, models, training blocks and
//! experiments, so that a name means one thing and a wrong-kind use can say what it is.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::source::Span;
use crate::suggest;
use crate::syntax::ast::{Ident, Item};
use std::cell::{Cell, RefCell};
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

    /// "datasets", "models" …
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Dataset => "datasets",
            Kind::Model => "models",
            Kind::Training => "training blocks",
            Kind::Experiment => "experiments",
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
    /// The item failed to parse: its name exists, but uses of it are not checked further.
    broken: bool,
}

/// All top-level definitions by name.
#[derive(Debug, Default)]
pub struct Scope {
    definitions: Vec<Definition>,
    by_name: HashMap<String, usize>,
    /// Kinds with a reference that did not resolve: its definitions may be meant by that
    /// reference, so none of them is reported as unused.
    unresolved: Cell<[bool; 4]>,
    /// Per item: whether it owns its name.
    owned: Vec<bool>,
    /// Every place a name was resolved to a definition.
    uses: RefCell<Vec<Reference>>,
}

/// A name that refers to a top-level definition: an editor's "go to definition", "find
/// references" and "rename" follow these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reference {
    /// Where the name is written.
    pub span: Span,
    /// The index of the item it names among the file's items.
    pub item: usize,
}

impl Scope {
    /// Collects the items' names, reporting duplicates (the first definition wins), and
    /// the names of items that failed to parse, so that their uses are not reported again.
    pub fn new(items: &[Item], broken: &[(&str, Ident)], diagnostics: &mut Diagnostics) -> Scope {
        let mut scope = Scope {
            owned: vec![false; items.len()],
            ..Scope::default()
        };
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
            scope.owned[index] = true;
            scope.definitions.push(Definition {
                kind,
                item: index,
                name: name.clone(),
                used: Cell::new(false),
                broken: false,
            });
        }
        for (keyword, name) in broken {
            let kind = match *keyword {
                "dataset" => Kind::Dataset,
                "model" => Kind::Model,
                "train" => Kind::Training,
                _ => Kind::Experiment,
            };
            if name.text.is_empty() || scope.by_name.contains_key(&name.text) {
                continue;
            }
            scope
                .by_name
                .insert(name.text.clone(), scope.definitions.len());
            scope.definitions.push(Definition {
                kind,
                item: usize::MAX,
                name: name.clone(),
                used: Cell::new(false),
                broken: true,
            });
        }
        scope
    }

    /// Every place a name was resolved to a definition, in source order, each once.
    pub fn references(&self) -> Vec<Reference> {
        let mut uses = self.uses.borrow().clone();
        uses.sort_unstable();
        uses.dedup();
        uses
    }

    /// Whether `item` is the definition that owns its name (not a duplicate).
    pub fn owns(&self, item: usize) -> bool {
        self.owned.get(item).copied().unwrap_or(false)
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
        let found = self.by_name.get(name).map(|&i| &self.definitions[i]);
        if let Some(def) = found.filter(|def| !def.broken) {
            self.uses.borrow_mut().push(Reference {
                span,
                item: def.item,
            });
        }
        match found {
            Some(def) if def.kind == kind => {
                def.used.set(true);
                (!def.broken).then_some(def)
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
                    .with_help(self.help(name, kind)),
                );
                None
            }
            None => {
                let mut unresolved = self.unresolved.get();
                unresolved[kind as usize] = true;
                self.unresolved.set(unresolved);
                diagnostics.push(
                    Diagnostic::error(
                        Code::UnknownName,
                        span,
                        format!("no {} is called `{name}`", kind.noun()),
                    )
                    .with_help(
                        self.none_help(kind)
                            .unwrap_or_else(|| self.help(name, kind)),
                    ),
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

    fn help(&self, name: &str, kind: Kind) -> String {
        let names: Vec<&str> = self.names(kind).collect();
        match suggest::did_you_mean(name, names.iter().copied()) {
            Some(best) => format!("did you mean `{best}`?"),
            None if names.is_empty() => format!("there are no {} yet", kind.plural()),
            None => format!(
                "the {} here: {}",
                kind.plural(),
                suggest::quoted_list(&names, "and")
            ),
        }
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
            let unresolved = self.unresolved.get()[def.kind as usize];
            if def.kind != Kind::Experiment && !def.used.get() && !def.broken && !unresolved {
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
