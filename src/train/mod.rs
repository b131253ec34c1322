//! Stage 4b: training. One model at a time ([`fit`]), every result kept in its model
//! folder ([`folder`]): a checkpoint after every epoch so that a killed run resumes where it
//! stopped, and the final weights, history and log when it is done.

pub mod checkpoint;
pub mod fit;
pub mod folder;
pub mod lanes;
pub mod measure;
pub mod optimizer;
pub mod run;

use crate::data::Encoded;
use crate::history::History;
use crate::ir::{EarlyStopping, Model, Split, Training};
use fit::Trainer;
use folder::ModelFolder;

/// How a model's training ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Its folder already held a finished training: nothing was trained.
    AlreadyTrained(History),
    /// Trained now (possibly resumed from a checkpoint), all epochs or until early stopping.
    Trained {
        /// Every epoch.
        history: History,
        /// The epoch early stopping stopped after, if it did.
        stopped_after: Option<usize>,
        /// The epoch training resumed after, if it resumed.
        resumed_after: Option<usize>,
    },
    /// Stopped on request after `epochs` finished epochs (checkpointed).
    Interrupted {
        /// Finished epochs, all saved.
        epochs: usize,
    },
}

/// What the trainer reports as it goes.
pub trait Progress {
    /// Training (re)starts; `done` epochs are already finished.
    fn start(&mut self, epochs: usize, batches: usize, done: usize);
    /// A batch finished; returning `false` asks training to stop.
    fn batch(&mut self, epoch: usize, batch: usize, loss: f64) -> bool;
    /// An epoch finished; `line` is its Keras-style log line.
    fn epoch(&mut self, line: &str);
    /// Training ended.
    fn finish(&mut self);
}

/// Trains `model` as `training` says on `data`, keeping everything in `folder`. A finished
/// folder is not trained again; a checkpoint is resumed.
pub fn train(
    model: &Model,
    training: &Training,
    data: &Encoded,
    folder: &ModelFolder,
    progress: &mut dyn Progress,
) -> Result<Outcome, folder::FolderError> {
    if let Some(history) = folder.finished()? {
        return Ok(Outcome::AlreadyTrained(history));
    }
    let device = crate::lower::device();
    let mut trainer = Trainer::new(model, training, data, &device, true);
    let mut history = History::new(trainer.columns());
    let mut resumed_after = None;
    if let Some(checkpoint) = folder.latest_checkpoint()? {
        history = folder.restore(&checkpoint, &mut trainer)?;
        resumed_after = Some(history.epochs.len());
    }
    let batches = data.train.labels.len().div_ceil(training.batch_size);
    progress.start(training.epochs, batches, history.epochs.len());
    let mut stopped_after = None;
    let mut best = training
        .early_stopping
        .as_ref()
        .and_then(|early| best_epoch(&history, early));
    while history.epochs.len() < training.epochs {
        let number = history.epochs.len() + 1;
        let epoch = match trainer.epoch(number, &mut |b, _, loss| progress.batch(number, b, loss)) {
            Ok(epoch) => epoch,
            Err(fit::Interrupted) => {
                progress.finish();
                return Ok(Outcome::Interrupted {
                    epochs: history.epochs.len(),
                });
            }
        };
        history.epochs.push(epoch);
        progress
            .epoch(&history.log_line(history.epochs.last().expect("just pushed"), training.epochs));
        let mut stop = false;
        if let Some(early) = &training.early_stopping {
            let now_best = best_epoch(&history, early);
            if now_best != best && now_best == Some(number) && early.restore_best {
                folder.save_best(&mut trainer)?;
            }
            best = now_best;
            stop = best.is_some_and(|b| number - b > early.patience);
        }
        folder.checkpoint(trainer.snapshot(), &history)?;
        if stop {
            stopped_after = Some(number);
            break;
        }
    }
    progress.finish();
    if training
        .early_stopping
        .as_ref()
        .is_some_and(|e| e.restore_best)
        && best.is_some()
    {
        folder.load_best(&mut trainer)?;
    }
    folder.finish(&mut trainer, &history, training.epochs)?;
    Ok(Outcome::Trained {
        history,
        stopped_after,
        resumed_after,
    })
}

/// The epoch with the best monitored value so far, as Keras's `EarlyStopping` counts it:
/// a value improves on the best only by more than `min_delta`.
pub fn best_epoch(history: &History, early: &EarlyStopping) -> Option<usize> {
    let prefix = if early.split == Split::Validation {
        "val_"
    } else {
        ""
    };
    let values = history.column(&format!("{prefix}{}", early.monitor.name()))?;
    let better = |a: f64, b: f64| {
        if early.monitor.higher_is_better() {
            a - early.min_delta > b
        } else {
            a + early.min_delta < b
        }
    };
    let mut best: Option<(usize, f64)> = None;
    for (i, &v) in values.iter().enumerate() {
        if best.is_none_or(|(_, b)| better(v, b)) {
            best = Some((i + 1, v));
        }
    }
    best.map(|(epoch, _)| epoch)
}
