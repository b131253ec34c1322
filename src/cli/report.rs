//! `ofit report RUN_DIR [--docs DIR [--readme FILE]]`, and the report at the end of
//! `ofit run`.

use super::Exit;
use crate::report::docs::write_docs;
use crate::report::document::{write_report, Written};
use std::path::Path;

/// Re-renders the report of a run directory, and with `docs` its documentation files.
pub fn run(run_dir: &Path, docs: Option<&Path>, readme: Option<&Path>) -> Exit {
    if render(run_dir).is_none() {
        return Exit::Failed;
    }
    let Some(docs) = docs else { return Exit::Ok };
    match write_docs(run_dir, docs, readme) {
        Ok(written) => {
            for file in &written.files {
                eprintln!("wrote {}", file.display());
            }
            Exit::Ok
        }
        Err(error) => {
            eprintln!("error: {error}");
            Exit::Failed
        }
    }
}

/// Writes the report, then says where it is and how each model fits, one line each.
pub fn render(run_dir: &Path) -> Option<Written> {
    match write_report(run_dir) {
        Ok(written) => {
            for experiment in &written.report.experiments {
                for model in &experiment.models {
                    eprintln!("{} / {}: {}", experiment.name, model.name, model.line());
                }
            }
            eprintln!("report: {}", written.html.display());
            Some(written)
        }
        Err(error) => {
            eprintln!("error: {error}");
            None
        }
    }
}
