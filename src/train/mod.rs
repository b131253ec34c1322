//! Stage 4b: training. One model at a time ([`fit`]), every result kept in its model
//! folder ([`folder`]): a checkpoint after every epoch so that a killed run resumes where it
//! stopped, and the final weights, history and log when it is done.

pub mod checkpoint;
pub mod early_stopping;
pub mod fit;
pub mod folder;
pub mod lanes;
pub mod measure;
pub mod memory;
pub mod optimizer;
pub mod run;
pub mod schedule;

use crate::data::Encoded;
use crate::history::{Ending, History};
use crate::ir::{Model, Training};
use crate::lower::Backend;
use fit::Trainer;
use folder::{Found, ModelFolder};

/// How a model's training ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Its folder already held a finished training: nothing was trained.
    AlreadyTrained(History),
    /// Trained now (possibly resumed from a checkpoint), until its epochs ran out, early
    /// stopping stopped it or it diverged (`history.ending` says which).
    Trained {
        /// Every epoch, and how training ended.
        history: History,
        /// The epoch training resumed after, if it resumed.
        resumed_after: Option<usize>,
    },
    /// Stopped on request after `epochs` finished epochs (checkpointed).
    Interrupted {
        /// Finished epochs, all saved.
        epochs: usize,
    },
}

/// Why a model could not be trained.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// Its folder could not be read or written.
    #[error(transparent)]
    Folder(#[from] folder::FolderError),
    /// There is nothing to train on.
    #[error("the training split has no examples")]
    NoExamples,
    /// Its weights and optimizer state would not fit in the memory it may use.
    #[error(transparent)]
    Memory(#[from] memory::TooLarge),
}

/// The choices a caller makes for a training, which the spec does not: the CLI reads them
/// from its arguments and the environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// The backend to train on.
    pub backend: Backend,
    /// Bytes of memory the training may take; `None` for no limit.
    pub memory: Option<u64>,
}

/// What the trainer reports as it goes.
pub trait Progress {
    /// Training (re)starts; `done` epochs are already finished.
    fn start(&mut self, epochs: usize, batches: usize, done: usize);
    /// A batch finished; returning `false` asks training to stop.
    fn batch(&mut self, epoch: usize, batch: usize, loss: f64) -> bool;
    /// An epoch finished; `line` is its Keras-style log line.
    fn epoch(&mut self, line: &str);
    /// Something the user should know: damage found in the folder and what is done
    /// about it, early stopping, divergence.
    fn note(&mut self, text: &str);
    /// Training ended.
    fn finish(&mut self);
}

/// Trains `model` as `training` says on `data`, keeping everything in `folder`. A finished
/// folder is not trained again; a checkpoint is resumed; damage is reported through
/// `progress` and repaired (a damaged file is set aside, never deleted).
pub fn train(
    model: &Model,
    training: &Training,
    data: &Encoded,
    folder: &ModelFolder,
    options: Options,
    progress: &mut dyn Progress,
) -> Result<Outcome, TrainError> {
    let columns = fit::columns(training);
    let mut notes = Vec::new();
    let found = folder.examine(&columns, training.epochs, &mut notes);
    for note in &notes {
        progress.note(note);
    }
    if let Found::Finished(history) = found? {
        return Ok(Outcome::AlreadyTrained(history));
    }
    if data.train.labels.is_empty() {
        return Err(TrainError::NoExamples);
    }
    memory::check(model, training, options.memory)?;
    let device = options.backend.device();
    let fresh = || Trainer::new(model, training, data, &device, true);
    let mut trainer = fresh();
    let mut history = History::new(columns.clone());
    let mut resumed_after = None;
    for checkpoint in folder.checkpoints()?.into_iter().rev() {
        match folder.restore(&checkpoint, &mut trainer, &columns, training.epochs) {
            Ok(restored) => {
                resumed_after = Some(restored.epochs.len());
                history = restored;
                break;
            }
            Err(damage) => {
                let aside = folder.set_aside(&checkpoint)?;
                progress.note(&format!(
                    "`{}` is damaged ({damage}); set aside as `{}`, resuming from an older checkpoint or the start",
                    checkpoint.display(),
                    aside.display()
                ));
                trainer = fresh();
            }
        }
    }
    let batches = data.train.labels.len().div_ceil(training.batch_size);
    progress.start(training.epochs, batches, history.epochs.len());
    // A checkpoint can hold the epoch that ended training (killed before the folder was
    // marked finished): it ends now, as it would have then.
    let mut best = None;
    let mut ended = history
        .epochs
        .last()
        .and_then(|last| ending_after(&history, last, training, &mut best));
    while ended.is_none() && history.epochs.len() < training.epochs {
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
        let last = history.epochs.last().expect("just pushed");
        progress.epoch(&history.log_line(last, training.epochs));
        ended = ending_after(&history, last, training, &mut best);
        if let Some(early) = &training.early_stopping {
            if early.restore_best && best == Some(number) {
                folder.save_best(&mut trainer)?;
            }
        }
        folder.checkpoint(trainer.snapshot(), &history, training.epochs)?;
    }
    let mut ending = ended.unwrap_or(Ending::Completed { restored: None });
    progress.finish();
    if let (Some(early), Some(best)) = (&training.early_stopping, best) {
        // Keras puts the best epoch's weights back at the end of training, stopped early
        // or not; a diverged model keeps the weights it diverged with.
        if early.restore_best && !matches!(ending, Ending::Diverged { .. }) {
            folder.load_best(&mut trainer)?;
            let kept = (best != history.epochs.len()).then_some(best);
            match &mut ending {
                Ending::Completed { restored } | Ending::StoppedEarly { restored, .. } => {
                    *restored = kept
                }
                Ending::Diverged { .. } => {}
            }
        }
    }
    history.ending = Some(ending);
    // Keras's `model.evaluate` after `fit`: once, with the weights the model keeps.
    if let Some(test) = &data.test {
        history.test = Some(trainer.evaluate(test));
        if let Some(line) = history.test_line() {
            progress.epoch(&line);
        }
    }
    folder.finish(&mut trainer, &mut history, training.epochs)?;
    Ok(Outcome::Trained {
        history,
        resumed_after,
    })
}

/// How training ends after `last`, the newest epoch of `history`, if it ends there; `best`
/// becomes early stopping's best epoch so far.
fn ending_after(
    history: &History,
    last: &crate::history::Epoch,
    training: &Training,
    best: &mut Option<usize>,
) -> Option<Ending> {
    let epoch = last.epoch;
    let stop = training.early_stopping.as_ref().is_some_and(|early| {
        let state = early_stopping::replay(history, early);
        *best = state.best_epoch;
        state.stop
    });
    // Keras's TerminateOnNaN watches the training loss; a validation value that is no
    // longer a number says the same of the weights (the batch that broke them came last),
    // so it ends training too: every value a history keeps is finite, or the model is
    // marked diverged.
    if last.values.iter().any(|v| !v.is_finite()) {
        Some(Ending::Diverged { epoch })
    } else if stop {
        Some(Ending::StoppedEarly {
            epoch,
            restored: None,
        })
    } else {
        None
    }
}
