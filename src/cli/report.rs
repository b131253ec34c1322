//! `ofit report RUN_DIR`, and the report at the end of `ofit run`.

use super::output::say;
use super::Exit;
use crate::report::document::{write_report, Written};
use std::path::Path;

/// Re-renders the report of a run directory.
pub fn run(run_dir: &Path) -> Exit {
    match render(run_dir) {
        Some(_) => Exit::Ok,
        None => Exit::Failed,
    }
}

/// Writes the report, then says where it is and how each model fits, one line each.
pub fn render(run_dir: &Path) -> Option<Written> {
    match write_report(run_dir) {
        Ok(written) => {
            for experiment in &written.report.experiments {
                for model in &experiment.models {
                    if let Some(fit) = &model.fit {
                        say!("{} / {}: {}", experiment.name, model.name, fit.verdict);
                    }
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
