//! A model's folder in the run directory, and the discipline that keeps it consistent:
//! every file is written to a temporary name and renamed into place, a checkpoint is a
//! complete directory renamed into place, and `history.json` — written last — marks a
//! finished training.
//!
//! ```text
//! <hash>/model.json      the model, dataset and training it was trained with
//!        summary.txt     the Keras-style summary
//!        history.csv     every metric per epoch, training and validation
//!        history.json    the same, and the mark of a finished training
//!        train.log       Keras verbose=2 lines
//!        weights.bpk     final weights, burn's format (the best epoch's with restore_best)
//!        best.bpk        the best epoch's weights, under early stopping with restore_best
//!        checkpoint-NNNN/   while training: weights, optimizer state, history so far
//! ```

use super::checkpoint::Snapshot;
use super::fit::Trainer;
use crate::file::{self, IoError};
use crate::history::{Ending, History};
use crate::model_folder::{
    self as layout, BEST_WEIGHTS, HISTORY_CSV, HISTORY_JSON as HISTORY, TRAIN_LOG, WEIGHTS,
};
use std::path::{Path, PathBuf};

/// A model folder that could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    /// A file operation failed.
    #[error(transparent)]
    Io(#[from] IoError),
    /// burn could not save or load weights or optimizer state.
    #[error("{0}")]
    Weights(String),
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> FolderError + 'a {
    move |e| FolderError::Io(IoError::new(action, path, &e))
}

/// The folder of one trained (or training) model.
#[derive(Debug, Clone)]
pub struct ModelFolder {
    dir: PathBuf,
}

/// What [`ModelFolder::examine`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// A finished training, with its history.
    Finished(History),
    /// Nothing finished: training starts, or resumes from a checkpoint.
    Unfinished,
}

impl ModelFolder {
    /// The folder at `dir` (created on first write).
    pub fn new(dir: PathBuf) -> Self {
        ModelFolder { dir }
    }

    /// Where it is.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `name` in the folder atomically.
    pub fn write(&self, name: &str, contents: &str) -> Result<(), FolderError> {
        Ok(file::write_atomic(
            &self.dir.join(name),
            contents.as_bytes(),
        )?)
    }

    /// Looks at the folder before training `epochs` epochs whose history has `columns`:
    /// a finished training whose files are all there, or not. What is damaged is repaired
    /// (a file derived from the history is written again) or set aside (`NAME.damaged`,
    /// so nothing is lost), with a note in `notes` that says what was wrong and what ofit
    /// does about it.
    pub fn examine(
        &self,
        columns: &[String],
        epochs: usize,
        notes: &mut Vec<String>,
    ) -> Result<Found, FolderError> {
        let path = self.dir.join(HISTORY);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Unfinished),
            Err(e) => return Err(io("read", &path)(e)),
        };
        let damage = match parse_history(&text, columns, epochs) {
            Ok(history) if history.ending.is_some() => {
                let weights = self.dir.join(WEIGHTS);
                match std::fs::read(&weights) {
                    Ok(bytes) if Some(file::sha256_hex(&bytes)) == history.weights_sha256 => {
                        self.repair(&history, epochs, notes)?;
                        return Ok(Found::Finished(history));
                    }
                    Ok(_) => format!("its `{WEIGHTS}` is not the file training saved"),
                    Err(e) => format!("cannot read its `{WEIGHTS}`: {}", file::reason(&e)),
                }
            }
            Ok(_) => "it does not say how training ended".to_string(),
            Err(damage) => damage,
        };
        let aside = self.set_aside(&path)?;
        notes.push(format!(
            "`{}` is damaged ({damage}); set aside as `{}`, and the model is trained again",
            path.display(),
            aside.display()
        ));
        Ok(Found::Unfinished)
    }

    /// Writes again what a finished folder derives from its history, where it is missing
    /// or differs.
    fn repair(
        &self,
        history: &History,
        epochs: usize,
        notes: &mut Vec<String>,
    ) -> Result<(), FolderError> {
        for (name, contents) in [
            (HISTORY_CSV, history.to_csv()),
            (TRAIN_LOG, log(history, epochs)),
        ] {
            let path = self.dir.join(name);
            let found = std::fs::read_to_string(&path).ok();
            if found.as_deref() != Some(contents.as_str()) {
                self.write(name, &contents)?;
                let what = if found.is_some() {
                    "damaged"
                } else {
                    "missing"
                };
                notes.push(format!(
                    "`{}` was {what}; written again from the history",
                    path.display()
                ));
            }
        }
        Ok(())
    }

    /// Renames a damaged file or checkpoint to `NAME.damaged` (`NAME.damaged-2` … when
    /// that exists), and says where it went.
    pub fn set_aside(&self, path: &Path) -> Result<PathBuf, FolderError> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("file")
            .to_string();
        let mut aside = path.with_file_name(format!("{name}.damaged"));
        let mut n = 2;
        while aside.exists() {
            aside = path.with_file_name(format!("{name}.damaged-{n}"));
            n += 1;
        }
        std::fs::rename(path, &aside).map_err(io("rename", path))?;
        Ok(aside)
    }

    /// Checkpoint directories, oldest first (a temporary or set-aside one is not a
    /// checkpoint).
    pub fn checkpoints(&self) -> Result<Vec<PathBuf>, FolderError> {
        Ok(layout::checkpoints(&self.dir)?
            .into_iter()
            .map(|(_, path)| path)
            .collect())
    }

    /// Saves a checkpoint after the history's last epoch: everything goes into a temporary
    /// directory that is renamed into place, so a kill at any moment leaves either the
    /// previous checkpoint or this one, never half of one. Then the older ones go, and
    /// `history.csv` and `train.log` grow by the epoch (each written whole and renamed
    /// into place, so a reader never sees a torn line) for whoever watches the training.
    pub fn checkpoint(
        &self,
        snapshot: Snapshot,
        history: &History,
        epochs: usize,
    ) -> Result<(), FolderError> {
        let name = layout::checkpoint_name(history.epochs.len());
        let tmp = self.dir.join(format!("{name}.tmp"));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).map_err(io("create directory", &tmp))?;
        snapshot.write(&tmp).map_err(FolderError::Weights)?;
        let path = tmp.join(HISTORY);
        std::fs::write(&path, history.to_json()).map_err(io("write", &path))?;
        file::sync_dir(&tmp);
        let done = self.dir.join(&name);
        let _ = std::fs::remove_dir_all(&done);
        std::fs::rename(&tmp, &done).map_err(io("rename", &tmp))?;
        for old in self.checkpoints()? {
            if old != done {
                let _ = std::fs::remove_dir_all(old);
            }
        }
        self.write(HISTORY_CSV, &history.to_csv())?;
        self.write(TRAIN_LOG, &log(history, epochs))?;
        Ok(())
    }

    /// Restores a checkpoint into `trainer` and returns the history so far, or says what is
    /// wrong with it: a checkpoint is only used when its history fits the training (its
    /// columns, no more epochs than `epochs`, as many as its name says) and every file of
    /// it loads.
    pub fn restore(
        &self,
        checkpoint: &Path,
        trainer: &mut Trainer,
        columns: &[String],
        epochs: usize,
    ) -> Result<History, String> {
        let path = checkpoint.join(HISTORY);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read its `{HISTORY}`: {}", file::reason(&e)))?;
        let history = parse_history(&text, columns, epochs)?;
        let named = checkpoint.file_name().and_then(|n| n.to_str());
        if Some(history.epochs.len()) != named.and_then(layout::checkpoint_epochs) {
            return Err(format!(
                "its history holds {} epochs, not as many as its name says",
                history.epochs.len()
            ));
        }
        if history.ending.is_some() {
            return Err("its history says training ended".to_string());
        }
        trainer.restore(checkpoint)?;
        Ok(history)
    }

    /// Keeps the current weights as the best epoch's.
    pub fn save_best(&self, trainer: &mut Trainer) -> Result<(), FolderError> {
        self.save_weights(trainer, BEST_WEIGHTS)
    }

    /// Puts the best epoch's weights back into `trainer`.
    pub fn load_best(&self, trainer: &mut Trainer) -> Result<(), FolderError> {
        trainer
            .load_weights(&self.dir.join(BEST_WEIGHTS))
            .map_err(FolderError::Weights)
    }

    fn save_weights(&self, trainer: &mut Trainer, name: &str) -> Result<(), FolderError> {
        std::fs::create_dir_all(&self.dir).map_err(io("create directory", &self.dir))?;
        let tmp = self.dir.join(format!("{name}.tmp"));
        trainer.save_weights(&tmp).map_err(FolderError::Weights)?;
        let path = self.dir.join(name);
        std::fs::rename(&tmp, &path).map_err(io("rename", &tmp))
    }

    /// Writes the final weights, history and log, then `history.json` (the mark of a
    /// finished training), then drops the checkpoints.
    pub fn finish(
        &self,
        trainer: &mut Trainer,
        history: &mut History,
        epochs: usize,
    ) -> Result<(), FolderError> {
        self.save_weights(trainer, WEIGHTS)?;
        let weights = self.dir.join(WEIGHTS);
        let bytes = std::fs::read(&weights).map_err(io("read", &weights))?;
        history.weights_sha256 = Some(file::sha256_hex(&bytes));
        self.write(HISTORY_CSV, &history.to_csv())?;
        self.write(TRAIN_LOG, &log(history, epochs))?;
        self.write(HISTORY, &history.to_json())?;
        for old in self.checkpoints()? {
            let _ = std::fs::remove_dir_all(old);
        }
        Ok(())
    }
}

/// A history read back ([`History::from_json`] checks it is whole and consistent),
/// checked against the training it belongs to.
fn parse_history(text: &str, columns: &[String], epochs: usize) -> Result<History, String> {
    let history = History::from_json(text).map_err(|e| e.to_string())?;
    if history.columns != columns {
        return Err(format!(
            "its columns are {}, but this training computes {}",
            history.columns.join(", "),
            columns.join(", ")
        ));
    }
    let n = history.epochs.len();
    if n > epochs {
        return Err(format!("it holds {n} epochs of a {epochs}-epoch training"));
    }
    if matches!(history.ending, Some(Ending::Completed { .. })) && n != epochs {
        return Err(format!(
            "it says training completed after {n} of {epochs} epochs"
        ));
    }
    Ok(history)
}

/// `train.log`: Keras's `verbose=2` line per epoch, then how training ended, in Keras's
/// words where Keras has some.
fn log(history: &History, epochs: usize) -> String {
    let mut lines: Vec<String> = history
        .epochs
        .iter()
        .map(|e| history.log_line(e, epochs))
        .collect();
    match history.ending {
        Some(Ending::StoppedEarly { epoch, restored }) => {
            lines.push(format!("Epoch {epoch}: early stopping"));
            if let Some(best) = restored {
                lines.push(format!(
                    "Restoring model weights from the end of the best epoch: {best}."
                ));
            }
        }
        Some(Ending::Completed {
            restored: Some(best),
        }) => lines.push(format!(
            "Restoring model weights from the end of the best epoch: {best}."
        )),
        Some(Ending::Diverged { epoch }) => lines.push(format!(
            "Epoch {epoch}: invalid loss (NaN or infinite), terminating training"
        )),
        Some(Ending::Completed { restored: None }) | None => {}
    }
    lines.extend(history.test_line());
    lines.join("\n") + "\n"
}
