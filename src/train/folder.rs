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
use crate::history::History;
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

const CHECKPOINT: &str = "checkpoint-";

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

    /// The history of a finished training, if the folder holds one.
    pub fn finished(&self) -> Result<Option<History>, FolderError> {
        let path = self.dir.join("history.json");
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(serde_json::from_str(&text).ok()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io("read", &path)(e)),
        }
    }

    /// The newest complete checkpoint directory, if any.
    pub fn latest_checkpoint(&self) -> Result<Option<PathBuf>, FolderError> {
        Ok(self.checkpoint_dirs()?.pop())
    }

    /// Complete checkpoint directories, oldest first.
    fn checkpoint_dirs(&self) -> Result<Vec<PathBuf>, FolderError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io("read", &self.dir)(e)),
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(CHECKPOINT) && !n.ends_with(".tmp"))
            })
            .collect();
        found.sort();
        Ok(found)
    }

    /// Saves a checkpoint after the history's last epoch: everything goes into a temporary
    /// directory that is renamed into place, so a kill at any moment leaves either the
    /// previous checkpoint or this one, never half of one. Then the older ones go.
    pub fn checkpoint(&self, snapshot: Snapshot, history: &History) -> Result<(), FolderError> {
        let name = format!("{CHECKPOINT}{:04}", history.epochs.len());
        let tmp = self.dir.join(format!("{name}.tmp"));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).map_err(io("create directory", &tmp))?;
        snapshot.write(&tmp).map_err(FolderError::Weights)?;
        std::fs::write(tmp.join("history.json"), history.to_json()).map_err(io("write", &tmp))?;
        file::sync_dir(&tmp);
        let done = self.dir.join(&name);
        let _ = std::fs::remove_dir_all(&done);
        std::fs::rename(&tmp, &done).map_err(io("rename", &tmp))?;
        for old in self.checkpoint_dirs()? {
            if old != done {
                let _ = std::fs::remove_dir_all(old);
            }
        }
        Ok(())
    }

    /// Restores a checkpoint into `trainer` and returns the history so far.
    pub fn restore(
        &self,
        checkpoint: &Path,
        trainer: &mut Trainer,
    ) -> Result<History, FolderError> {
        let path = checkpoint.join("history.json");
        let text = std::fs::read_to_string(&path).map_err(io("read", &path))?;
        let history: History = serde_json::from_str(&text).map_err(|e| {
            FolderError::Io(IoError {
                action: "read",
                path: path.clone(),
                reason: format!("not a history ({e})"),
            })
        })?;
        trainer.restore(checkpoint).map_err(FolderError::Weights)?;
        Ok(history)
    }

    /// Keeps the current weights as the best epoch's.
    pub fn save_best(&self, trainer: &mut Trainer) -> Result<(), FolderError> {
        self.save_weights(trainer, "best.bpk")
    }

    /// Puts the best epoch's weights back into `trainer`.
    pub fn load_best(&self, trainer: &mut Trainer) -> Result<(), FolderError> {
        trainer
            .load_weights(&self.dir.join("best.bpk"))
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
        history: &History,
        epochs: usize,
    ) -> Result<(), FolderError> {
        self.save_weights(trainer, "weights.bpk")?;
        self.write("history.csv", &history.to_csv())?;
        let log: Vec<String> = history
            .epochs
            .iter()
            .map(|e| history.log_line(e, epochs))
            .collect();
        self.write("train.log", &(log.join("\n") + "\n"))?;
        self.write("history.json", &history.to_json())?;
        for old in self.checkpoint_dirs()? {
            let _ = std::fs::remove_dir_all(old);
        }
        Ok(())
    }
}
