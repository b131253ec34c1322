//! `ofit report RUN_DIR [--docs DIR [--readme FILE]]`, and the report at the end of
//! `ofit run`.

use super::output::say;
use super::Exit;
use crate::report::docs::write_docs;
use crate::report::document::{write_report, Written};
use std::path::Path;

/// Re-renders the report of a run directory, and with `docs` its documentation files.
pub fn run(run_dir: &Path, docs: Option<&Path>, readme: Option<&Path>) -> Exit {
    let index = run_dir.join(crate::run_index::RUN_JSON);
    if !index.is_file() {
        // Not a run directory at all: a usage mistake, as an unreadable spec is.
        say!(
            "error: `{}` is not a run directory (it has no `{}`); name the folder `ofit run` wrote, e.g. runs/tutorial",
            run_dir.display(),
            crate::run_index::RUN_JSON
        );
        return Exit::Usage;
    }
    if render(run_dir).is_none() {
        return Exit::Failed;
    }
    let Some(docs) = docs else { return Exit::Ok };
    match write_docs(run_dir, docs, readme) {
        Ok(written) => {
            for file in &written.files {
                say!("wrote {}", file.display());
            }
            Exit::Ok
        }
        Err(error) => {
            say!("error: {error}");
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
                    say!("{} / {}: {}", experiment.name, model.name, model.line());
                }
                if let Some(best) = &experiment.best {
                    say!("{}: {}", experiment.name, best.sentence);
                }
            }
            say!("report: {}", written.html.display());
            Some(written)
        }
        Err(error) => {
            say!("error: {error}");
            None
        }
    }
}
