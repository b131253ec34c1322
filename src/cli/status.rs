//! `ofit status RUN_DIR`: every model of a run directory and how far it is — finished,
//! diverged, training (epoch k/n, on which host and process), failed (with the error) or
//! waiting — read from the directory alone, while workers train or after.

use super::output::{self, say};
use super::run::claim_timeout;
use super::{Exit, Format};
use crate::run::status::{status, State};
use std::path::Path;

/// Prints the status of `run_dir`.
pub fn run(run_dir: &Path, format: Format) -> Exit {
    let timeout = match claim_timeout() {
        Ok(timeout) => timeout,
        Err(exit) => return exit,
    };
    let models = match status(run_dir, timeout) {
        Ok(models) => models,
        Err(e) => {
            say!("error: {e}");
            return Exit::Usage;
        }
    };
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&models).expect("a status serializes") + "\n",
        Format::Human => {
            let width = models.iter().map(|m| m.name.len()).max().unwrap_or(0);
            models
                .iter()
                .map(|m| format!("{:width$}  {}\n", m.name, m.state.line()))
                .collect()
        }
    };
    if let Err(exit) = output::out(&text) {
        return exit;
    }
    let failed = models
        .iter()
        .any(|m| matches!(m.state, State::Failed { .. }));
    if failed {
        Exit::Failed
    } else {
        Exit::Ok
    }
}
