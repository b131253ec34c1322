//! What a run directory says of each of its models, while workers train them or after:
//! finished, diverged, training (how far, and by which worker), failed, or waiting.

use super::claim::{self, ClaimTimeout};
use super::worker::Failure;
use crate::history::Ending;
use crate::model_folder::{self, Progress, MODEL_JSON};
use crate::run_index::{RunIndex, RunIndexError, RUN_JSON};
use serde::Serialize;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// One model's state.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum State {
    /// Training ended: its epochs ran out, or early stopping stopped it.
    Finished {
        /// Epochs trained.
        epochs: usize,
    },
    /// Training ended when the loss stopped being a finite number.
    Diverged {
        /// The epoch it diverged in.
        epoch: usize,
    },
    /// A worker holds it.
    Training {
        /// Finished epochs, as the worker last said.
        epoch: usize,
        /// Epochs it trains.
        epochs: usize,
        /// The worker's host.
        host: String,
        /// The worker's process id.
        pid: u32,
        /// Seconds since the worker last renewed its claim, by this machine's clock.
        beat_age: u64,
        /// Whether the claim is older than the timeout: the worker is likely gone, and
        /// the next worker to look takes the model over.
        stale: bool,
    },
    /// Its last training failed.
    Failed {
        /// The error, and where it happened.
        failure: Failure,
    },
    /// No worker holds it; it resumes after `epoch` finished epochs (0: from the start).
    Waiting {
        /// Finished epochs, saved in its newest checkpoint.
        epoch: usize,
        /// Epochs it trains, when its folder says.
        epochs: Option<usize>,
    },
}

/// A model of an experiment, and its state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelStatus {
    /// `experiment/model` (with `@size` under a training-set sweep).
    pub name: String,
    /// Its folder, relative to the run directory.
    pub folder: String,
    /// How far it is.
    #[serde(flatten)]
    pub state: State,
}

/// Every model of the run directory `root`, in `run.json`'s order (a model shared by two
/// experiments appears under each).
pub fn status(root: &Path, timeout: ClaimTimeout) -> Result<Vec<ModelStatus>, RunIndexError> {
    let index = RunIndex::read(&root.join(RUN_JSON))?;
    let mut models = Vec::new();
    for experiment in &index.experiments {
        for model in &experiment.models {
            let dir = model.dir(root);
            models.push(ModelStatus {
                name: format!("{}/{}", experiment.name, model.shown_name()),
                folder: model.folder.clone(),
                state: state(&dir, timeout),
            });
        }
    }
    Ok(models)
}

/// The state of the model folder `dir` (which need not exist yet).
pub fn state(dir: &Path, timeout: ClaimTimeout) -> State {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let folder = model_folder::model_state(dir);
    if let Progress::Finished(history) = &folder.progress {
        return match history.ending {
            Some(Ending::Diverged { epoch }) => State::Diverged { epoch },
            _ => State::Finished {
                epochs: history.epochs.len(),
            },
        };
    }
    if let Some((_, Some(record))) = claim::holder(dir) {
        let beat_age = now.saturating_sub(record.at);
        // The newest checkpoint is newer than the last heartbeat.
        let saved = folder.history().map_or(0, |h| h.epochs.len());
        return State::Training {
            epoch: record.epoch.max(saved),
            epochs: record.epochs,
            host: record.host,
            pid: record.pid,
            beat_age,
            stale: beat_age > timeout.0.as_secs(),
        };
    }
    if let Some(failure) = Failure::read(dir) {
        return State::Failed { failure };
    }
    State::Waiting {
        epoch: folder.history().map_or(0, |h| h.epochs.len()),
        epochs: planned_epochs(dir),
    }
}

/// The epochs the folder's `model.json` says the model trains.
fn planned_epochs(dir: &Path) -> Option<usize> {
    let text = std::fs::read_to_string(dir.join(MODEL_JSON)).ok()?;
    let key: serde_json::Value = serde_json::from_str(&text).ok()?;
    key["training"]["epochs"]
        .as_u64()
        .and_then(|e| usize::try_from(e).ok())
}

impl State {
    /// Whether the model is done for good: finished or diverged, it trains no more.
    pub fn is_final(&self) -> bool {
        matches!(self, State::Finished { .. } | State::Diverged { .. })
    }

    /// One line for a terminal.
    pub fn line(&self) -> String {
        match self {
            State::Finished { epochs } => format!(
                "finished ({epochs} epoch{})",
                if *epochs == 1 { "" } else { "s" }
            ),
            State::Diverged { epoch } => format!("diverged in epoch {epoch}"),
            State::Training {
                epoch,
                epochs,
                host,
                pid,
                beat_age,
                stale,
            } => {
                let mut line = format!("training (epoch {epoch}/{epochs}) on {host}, pid {pid}");
                if *stale {
                    line += &format!(
                        "; no heartbeat for {beat_age} s: taken over by the next worker that looks"
                    );
                }
                line
            }
            State::Failed { failure } => format!(
                "failed on {}, pid {}: {}",
                failure.host, failure.pid, failure.error
            ),
            State::Waiting { epoch: 0, .. } => "waiting".to_string(),
            State::Waiting { epoch, epochs } => match epochs {
                Some(n) => format!("waiting (resumes after epoch {epoch}/{n})"),
                None => format!("waiting (resumes after epoch {epoch})"),
            },
        }
    }
}
