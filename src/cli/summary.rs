//! `ofit summary FILE [MODEL]`

use super::render::{self, Style};
use super::{read_source, Exit};
use crate::report::summary::{summary, DataFacts};
use crate::suggest;

/// Prints the summary of every model of the spec (or of one), in first-use order.
pub fn run(path: &std::path::Path, only: Option<&str>) -> Exit {
    let source = match read_source(path) {
        Ok(source) => source,
        Err(exit) => return exit,
    };
    let checked = crate::compile(&source);
    eprint!(
        "{}",
        render::human(&source, &checked.diagnostics, Style::for_stderr())
    );
    let Some(program) = checked.program else {
        let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
        let warnings = checked.diagnostics.len() - errors;
        eprintln!(
            "error: {} in {}",
            render::tally(errors, warnings).unwrap_or_default(),
            source.name()
        );
        return Exit::Failed;
    };
    if let Some(name) = only {
        if !program.models.iter().any(|m| m.name == name) {
            let names = program.models.iter().map(|m| m.name.as_str());
            let help = suggest::help(name, names);
            eprintln!(
                "error: no experiment of `{}` has a model called `{name}` ({help})",
                source.name()
            );
            return Exit::Usage;
        }
    }
    let mut shown = vec![false; program.models.len()];
    let mut first = true;
    for experiment in &program.experiments {
        let training = &program.trainings[experiment.training];
        let facts = DataFacts::declared(&program.datasets[experiment.dataset]);
        for &index in &experiment.models {
            let model = &program.models[index];
            if shown[index] || only.is_some_and(|name| name != model.name) {
                continue;
            }
            shown[index] = true;
            if !first {
                println!();
            }
            first = false;
            print!("{}", summary(model, training, &facts));
        }
    }
    Exit::Ok
}
