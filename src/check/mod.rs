//! Stage 2: syntax tree → checked IR, plus every error and warning.
//!
//! Names are resolved in one namespace ([`scope`]); builtins are described by signatures
//! and bound strictly ([`bind`]); values are read with their types ([`value`]). Datasets,
//! training blocks and model templates are checked first, each on its own; experiments
//! then instantiate the models on their dataset and check that they fit the loss.
//!
//! The checker never touches burn or the data: it is pure and fast.

mod bind;
mod columns;
mod dataset;
mod experiment;
mod model;
mod schedule;
pub mod scope;
mod train_size;
mod training;
mod unsupported;
mod value;
pub mod vocabulary;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ir::Program;
use crate::source::Span;
use crate::syntax::ast::{File, Item};
use model::Template;
use scope::Scope;
use std::collections::HashMap;
use training::TrainingSpans;
use value::Reader;

/// The result of checking: the program when there is no error, and every diagnostic.
#[derive(Debug)]
pub struct Checked {
    /// The checked program; `None` when any error was found.
    pub program: Option<Program>,
    /// Errors and warnings in source order.
    pub diagnostics: Vec<Diagnostic>,
    /// Per program dataset: where its file arguments are written (for the data lint).
    pub datasets: Vec<crate::data::lint::DatasetSpans>,
    /// Every name that refers to a top-level definition, in source order.
    pub references: Vec<scope::Reference>,
}

/// Checks a parsed file.
pub fn check(file: &File) -> Checked {
    let mut checker = Checker::new(file);
    checker.run(file);
    let Checker {
        mut diagnostics,
        scope,
        program,
        dataset_args,
        ..
    } = checker;
    scope.warn_unused(&mut diagnostics);
    let program = (!diagnostics.has_errors()).then_some(program);
    Checked {
        references: scope.references(),
        program,
        diagnostics: diagnostics.into_sorted(),
        datasets: dataset_args,
    }
}

/// The state of one check.
pub(crate) struct Checker<'a> {
    diagnostics: Diagnostics,
    scope: Scope,
    /// Per item: the checked template, for model items.
    templates: Vec<Option<Template<'a>>>,
    /// Per item: the index of its dataset in the program, for dataset items.
    datasets: Vec<Option<usize>>,
    /// Per program dataset: where its name is written.
    dataset_spans: Vec<Span>,
    /// Per program dataset: where its name and file arguments are written.
    dataset_args: Vec<crate::data::lint::DatasetSpans>,
    /// Per item: the index of its training block in the program.
    trainings: Vec<Option<usize>>,
    /// Per program training block: where its parts are written.
    training_spans: Vec<TrainingSpans>,
    /// Per program model: the experiment entry that first named it.
    model_keys: Vec<Span>,
    /// Program models by name.
    models_by_name: HashMap<String, Vec<usize>>,
    /// Models the experiments have made so far, repeats included (for the sweep limit).
    models_made: usize,
    program: Program,
}

impl<'a> Checker<'a> {
    fn new(file: &File) -> Self {
        let mut diagnostics = Diagnostics::default();
        let scope = Scope::new(&file.items, &file.broken, &mut diagnostics);
        let n = file.items.len();
        Checker {
            diagnostics,
            scope,
            templates: (0..n).map(|_| None).collect(),
            datasets: vec![None; n],
            dataset_spans: Vec::new(),
            dataset_args: Vec::new(),
            trainings: vec![None; n],
            training_spans: Vec::new(),
            model_keys: Vec::new(),
            models_by_name: HashMap::new(),
            models_made: 0,
            program: Program {
                datasets: Vec::new(),
                trainings: Vec::new(),
                models: Vec::new(),
                experiments: Vec::new(),
            },
        }
    }

    fn reader(&mut self) -> Reader<'_> {
        Reader {
            diagnostics: &mut self.diagnostics,
        }
    }

    fn run(&mut self, file: &'a File) {
        for (index, item) in file.items.iter().enumerate() {
            // A duplicate definition is reported once and otherwise ignored.
            if !self.scope.owns(index) {
                continue;
            }
            match item {
                Item::Dataset(d) => {
                    if let Some((dataset, args)) = dataset::check(d, &mut self.reader()) {
                        self.datasets[index] = Some(self.program.datasets.len());
                        self.program.datasets.push(dataset);
                        self.dataset_spans.push(d.name.span);
                        self.dataset_args.push(args);
                    }
                }
                Item::Training(t) => {
                    if let Some((training, spans)) = training::check(t, &mut self.reader()) {
                        self.trainings[index] = Some(self.program.trainings.len());
                        self.program.trainings.push(training);
                        self.training_spans.push(spans);
                    }
                }
                Item::Model(m) => {
                    self.templates[index] = Some(model::check_template(m, &mut self.reader()));
                }
                Item::Experiment(_) => {}
            }
        }
        for (index, item) in file.items.iter().enumerate() {
            if let (Item::Experiment(e), true) = (item, self.scope.owns(index)) {
                if let Some(experiment) = self.experiment(e) {
                    self.program.experiments.push(experiment);
                }
            }
        }
    }
}
