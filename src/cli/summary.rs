//! `ofit summary FILE [MODEL]`

use super::output::{self, say};
use super::{compile_or_report, known_name, Exit};
use crate::data::{self, LabelRule};
use crate::report::summary::{summary, DataFacts};
use std::path::Path;

/// Prints the summary of every model of the spec (or of one), in first-use order. The
/// data is read when it can be (for CSV widths, example counts and the density of
/// multi-hot rows); otherwise the summary says what the declaration alone gives.
pub fn run(path: &Path, only: Option<&str>) -> Exit {
    let (source, mut program) = match compile_or_report(path) {
        Ok(compiled) => compiled,
        Err(exit) => return exit,
    };
    if let Err(exit) = known_name(
        only,
        "model",
        &source,
        program.models.iter().map(|m| m.name.as_str()),
    ) {
        return exit;
    }
    let ctx = super::data::context(super::check::spec_dir(path));
    let all: Vec<usize> = (0..program.experiments.len()).collect();
    if let Err(error) = data::load::resolve_input_widths(&mut program, &all, &ctx) {
        say!("note: {error}; input widths from CSV files are unknown");
    }
    let mut facts: Vec<Option<DataFacts>> = vec![None; program.datasets.len()];
    let mut shown = vec![false; program.models.len()];
    let mut first = true;
    for experiment in &program.experiments {
        for (index, training) in experiment.members() {
            let training = &program.trainings[training];
            let model = &program.models[index];
            if shown[index] || only.is_some_and(|name| name != model.name) {
                continue;
            }
            shown[index] = true;
            let dataset = &program.datasets[experiment.dataset];
            let facts = facts[experiment.dataset].get_or_insert_with(|| {
                let rule = LabelRule::for_dataset(&program, experiment.dataset, &program.experiments);
                match data::load(dataset, &rule, &ctx) {
                    Ok(loaded) => {
                        for note in &loaded.notes {
                            say!("note: {note}");
                        }
                        DataFacts {
                        split_sizes: Some((loaded.data.stats.train.examples, loaded.data.stats.validation.examples)),
                        mean_ids_per_row: loaded.data.stats.train.mean_ids_per_row,
                    }},
                    Err(error) => {
                        say!("note: dataset `{}` could not be read ({error}); costs are estimated from the declaration", dataset.name);
                        DataFacts::declared(dataset)
                    }
                }
            });
            let separator = if first { "" } else { "\n" };
            first = false;
            let text = format!("{separator}{}", summary(model, training, facts));
            if let Err(stop) = output::out(&text) {
                return stop;
            }
        }
    }
    Exit::Ok
}
