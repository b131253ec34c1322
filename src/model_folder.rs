//! A model folder as files: the names training writes there, and how far its training got
//! as those files show it ([`model_state`]). Training writes the folder (`train::folder`),
//! reports read it; both take the names from here.
//!
//! ```text
//! <hash>/model.json          the model, dataset and training it was trained with
//!        preprocessing.json  what turns raw input into its features, fitted on its training
//!                            data (`data::preprocessing`)
//!        summary.txt         the Keras-style summary
//!        history.csv         every metric per epoch, training and validation
//!        history.json        the same, with how training ended: the mark of a finished training
//!        train.log           Keras verbose=2 lines
//!        weights.bpk         the weights the model ends with (the restored epoch's when early
//!                            stopping stopped it under restore_best)
//!        best.bpk            the best epoch's weights, kept while training under restore_best
//!        checkpoint-NNNN/    while training: weights, optimizer state and history.json after
//!                            NNNN epochs (4 digits or more); `checkpoint-NNNN.tmp/` while written
//!        claim.N             while a worker trains it: the worker's claim (`run::claim`)
//!        failure.json        why its last training failed, and where (`run::worker`)
//! ```

use crate::history::{History, HistoryError, Problem};
use std::path::{Path, PathBuf};

/// The result key: model, dataset, data and training (`train::run::ResultKey`).
pub const MODEL_JSON: &str = "model.json";
/// What turns raw input into the model's features (`data::preprocessing`).
pub const PREPROCESSING_JSON: &str = "preprocessing.json";
/// The Keras-style summary.
pub const SUMMARY_TXT: &str = "summary.txt";
/// The history of a finished training; written last, so its presence marks one.
pub const HISTORY_JSON: &str = "history.json";
/// The same history as CSV.
pub const HISTORY_CSV: &str = "history.csv";
/// Keras `verbose=2` lines.
pub const TRAIN_LOG: &str = "train.log";
/// The weights the model ends with.
pub const WEIGHTS: &str = "weights.bpk";
/// The best epoch's weights under early stopping with `restore_best`.
pub const BEST_WEIGHTS: &str = "best.bpk";
/// Why the model's last training failed, and on which worker.
pub const FAILURE_JSON: &str = "failure.json";
/// A checkpoint directory's name is this, then the count of epochs it holds, 4 digits.
pub const CHECKPOINT_PREFIX: &str = "checkpoint-";
/// The suffix of a checkpoint directory (or file) still being written.
pub const TMP_SUFFIX: &str = ".tmp";

/// The name of the checkpoint after `epochs` epochs: `checkpoint-0007`.
pub fn checkpoint_name(epochs: usize) -> String {
    format!("{CHECKPOINT_PREFIX}{epochs:04}")
}

/// The epoch count of a complete checkpoint's name (`checkpoint-0007` → 7); `None` for a
/// temporary one (`checkpoint-0007.tmp`) or any other name.
pub fn checkpoint_epochs(name: &str) -> Option<usize> {
    let digits = name.strip_prefix(CHECKPOINT_PREFIX)?;
    if digits.len() < 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The complete checkpoint directories in `dir` with their epoch counts, oldest first; none
/// when `dir` does not exist.
pub fn checkpoints(dir: &Path) -> Result<Vec<(usize, PathBuf)>, crate::file::IoError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(crate::file::IoError::new("read", dir, &e)),
    };
    let mut found: Vec<(usize, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| {
            let epochs = checkpoint_epochs(e.file_name().to_str()?)?;
            Some((epochs, e.path()))
        })
        .collect();
    found.sort();
    Ok(found)
}

/// How far a model's training got.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// `history.json` is there: training ended (its `ending` says how).
    Finished(History),
    /// No finished history, but a checkpoint: training is going on, or was interrupted
    /// and resumes from there.
    Unfinished {
        /// The newest complete checkpoint with a sound history.
        checkpoint: PathBuf,
        /// Its history: the epochs finished so far.
        history: History,
    },
    /// Nothing usable yet.
    NotStarted,
}

/// What a model folder holds, as its files show it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelState {
    /// The finished history, else the newest sound checkpoint's, else nothing.
    pub progress: Progress,
    /// Every damaged history file found on the way (a `history.json` that cannot be read,
    /// a checkpoint whose history cannot be read or does not match its name), newest
    /// first; an absent file is not damage.
    pub damage: Vec<HistoryError>,
}

impl ModelState {
    /// The history there is, finished or not.
    pub fn history(&self) -> Option<&History> {
        match &self.progress {
            Progress::Finished(history) | Progress::Unfinished { history, .. } => Some(history),
            Progress::NotStarted => None,
        }
    }
}

/// Reads how far the training in model folder `dir` got: its finished `history.json`, else
/// the history of its newest complete checkpoint that can be read, else nothing; with every
/// damaged file found on the way. Never fails: a folder that cannot be read is damage.
pub fn model_state(dir: &Path) -> ModelState {
    let mut damage = Vec::new();
    let path = dir.join(HISTORY_JSON);
    match std::fs::read_to_string(&path) {
        Ok(text) => match History::parse_json(&path, &text) {
            Ok(history) => {
                return ModelState {
                    progress: Progress::Finished(history),
                    damage,
                }
            }
            Err(error) => damage.push(error),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => damage.push(crate::file::IoError::new("read", &path, &e).into()),
    }
    let found = match checkpoints(dir) {
        Ok(found) => found,
        Err(error) => {
            damage.push(error.into());
            Vec::new()
        }
    };
    for (epochs, checkpoint) in found.into_iter().rev() {
        let path = checkpoint.join(HISTORY_JSON);
        match History::read(&path) {
            Ok(history) if history.epochs.len() == epochs => {
                return ModelState {
                    progress: Progress::Unfinished {
                        checkpoint,
                        history,
                    },
                    damage,
                }
            }
            Ok(history) => damage.push(HistoryError::Invalid {
                path,
                problem: Problem::Checkpoint {
                    named: epochs,
                    holds: history.epochs.len(),
                },
            }),
            Err(error) => damage.push(error),
        }
    }
    ModelState {
        progress: Progress::NotStarted,
        damage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoint_names_carry_their_epoch_count() {
        assert_eq!(checkpoint_name(7), "checkpoint-0007");
        assert_eq!(checkpoint_epochs("checkpoint-0007"), Some(7));
        assert_eq!(checkpoint_epochs("checkpoint-12345"), Some(12345));
        assert_eq!(checkpoint_epochs("checkpoint-0007.tmp"), None);
        assert_eq!(checkpoint_epochs("checkpoint-7"), None);
        assert_eq!(checkpoint_epochs("history.json"), None);
    }
}
