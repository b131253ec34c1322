//! Training with the gathered first layer (multi-hot input, any optimizer): it must train
//! the history the dense path trains, and resume and restore the best weights exactly as
//! the dense path does, although its weights and optimizer state live outside burn
//! between saves.

use crate::support;
use ofit::data::{self, LabelRule, Loaded};
use ofit::history::{Ending, History};
use ofit::ir::Program;
use ofit::source::Source;
use ofit::train::fit::Trainer;
use ofit::train::folder::{FolderError, ModelFolder};
use ofit::train::{self, Outcome, Progress, TrainError};

/// The fixture's optimizer, which [`spec`] replaces.
const ADAM: &str = "adam(lr = 0.05)";
/// SGD with momentum and RMSprop with and without it, as the fixture may train instead.
const SGD_MOMENTUM: &str = "sgd(lr = 0.05, momentum = 0.9)";
const RMSPROP: &str = "rmsprop(lr = 0.01)";
const RMSPROP_MOMENTUM: &str = "rmsprop(lr = 0.01, momentum = 0.5)";

/// Stops training after `stop_after` batches (never, with `usize::MAX`).
struct StopAfter {
    batches: usize,
    stop_after: usize,
}

impl Progress for StopAfter {
    fn start(&mut self, _epochs: usize, _batches: usize, _done: usize) {}
    fn batch(&mut self, _epoch: usize, _batch: usize, _loss: f64) -> bool {
        self.batches += 1;
        self.batches < self.stop_after
    }
    fn epoch(&mut self, _line: &str) {}
    fn note(&mut self, _text: &str) {}
    fn finish(&mut self) {}
}

/// The fixture's program training with `optimizer`, and its data.
fn spec(optimizer: &str) -> (Program, Loaded) {
    let path = support::root().join("tests/fixtures/train/reviews.ofit");
    let text = std::fs::read_to_string(&path).expect("fixture");
    assert!(text.contains(ADAM), "the fixture trains with {ADAM}");
    let source = Source::new("reviews.ofit", text.replace(ADAM, optimizer));
    let program = ofit::compile(&source).program.expect("spec checks");
    let ctx = ofit::cli::data_context(path.parent().expect("folder"));
    let rule = LabelRule::for_dataset(&program, 0, &program.experiments);
    let loaded = data::load(&program.datasets[0], &rule, &ctx).expect("fixture data");
    (program, loaded)
}

fn train_in(folder: &ModelFolder, stop_after: usize) -> Outcome {
    train_with(ADAM, folder, stop_after)
}

fn train_with(optimizer: &str, folder: &ModelFolder, stop_after: usize) -> Outcome {
    try_train_with(optimizer, folder, stop_after).expect("trains")
}

fn try_train_in(folder: &ModelFolder, stop_after: usize) -> Result<Outcome, TrainError> {
    try_train_with(ADAM, folder, stop_after)
}

fn try_train_with(
    optimizer: &str,
    folder: &ModelFolder,
    stop_after: usize,
) -> Result<Outcome, TrainError> {
    let (program, loaded) = spec(optimizer);
    let mut progress = StopAfter {
        batches: 0,
        stop_after,
    };
    train::train(
        &program.models[0],
        &program.trainings[0],
        &loaded.data,
        folder,
        train::Options::default(),
        &mut progress,
    )
}

fn history(outcome: Outcome) -> History {
    match outcome {
        Outcome::Trained { history, .. } => history,
        other => panic!("expected a finished training, got {other:?}"),
    }
}

/// The values of every epoch, without the wall-clock seconds.
fn values(history: &History) -> Vec<Vec<f64>> {
    history.epochs.iter().map(|e| e.values.clone()).collect()
}

#[test]
fn an_interrupted_gathered_training_resumes_to_the_same_history() {
    // The gathered layer's optimizer state (Adam's moments, SGD's velocity, RMSprop's
    // averages and momentum) is in the checkpoint.
    for optimizer in [ADAM, SGD_MOMENTUM, RMSPROP_MOMENTUM] {
        let whole = tempfile::tempdir().unwrap();
        let uninterrupted = history(train_with(
            optimizer,
            &ModelFolder::new(whole.path().to_path_buf()),
            usize::MAX,
        ));
        let split = tempfile::tempdir().unwrap();
        let folder = ModelFolder::new(split.path().to_path_buf());
        // 2 batches per epoch: stop in the middle of the third epoch.
        assert_eq!(
            train_with(optimizer, &folder, 6),
            Outcome::Interrupted { epochs: 2 },
            "{optimizer}"
        );
        let resumed = train_with(optimizer, &folder, usize::MAX);
        let Outcome::Trained { resumed_after, .. } = &resumed else {
            panic!("{optimizer}: {resumed:?}")
        };
        assert_eq!(*resumed_after, Some(2), "{optimizer}");
        assert_eq!(
            values(&history(resumed)),
            values(&uninterrupted),
            "{optimizer}"
        );
        let weights = |dir: &std::path::Path| std::fs::read(dir.join("weights.bpk")).unwrap().len();
        assert_eq!(weights(split.path()), weights(whole.path()), "{optimizer}");
    }
}

#[test]
fn every_optimizer_trains_the_same_history_gathered_as_dense() {
    let device = ofit::lower::Backend::default().device();
    for optimizer in [
        ADAM,
        "sgd(lr = 0.05)",
        SGD_MOMENTUM,
        "sgd(lr = 0.05, momentum = 0.9, nesterov = true)",
        RMSPROP,
        RMSPROP_MOMENTUM,
    ] {
        let (program, loaded) = spec(optimizer);
        let epochs = |gather: bool| -> Vec<Vec<f64>> {
            let (model, training) = (&program.models[0], &program.trainings[0]);
            let mut trainer = Trainer::new(model, training, &loaded.data, &device, gather);
            (1..=2)
                .map(|e| {
                    trainer
                        .epoch(e, &mut |_, _, _| true)
                        .expect("trains")
                        .values
                })
                .collect()
        };
        let (gathered, dense) = (epochs(true), epochs(false));
        for (g, d) in gathered.iter().flatten().zip(dense.iter().flatten()) {
            let error = (g - d).abs() / d.abs().max(1e-3);
            assert!(
                error <= 1e-5,
                "{optimizer}: gathered {gathered:?}, dense {dense:?}"
            );
        }
        // Training moved the weights: the loss changed.
        assert_ne!(dense[0][0], dense[1][0], "{optimizer}");
    }
}

#[test]
fn gathered_early_stopping_keeps_the_best_epochs_weights_by_their_values() {
    let dir = tempfile::tempdir().unwrap();
    let folder = ModelFolder::new(dir.path().to_path_buf());
    let outcome = train_in(&folder, usize::MAX);
    let Outcome::Trained { history, .. } = &outcome else {
        panic!("{outcome:?}")
    };
    let Some(Ending::StoppedEarly {
        restored: Some(best),
        ..
    }) = history.ending
    else {
        panic!("stopped early with the best epoch's weights kept: {history:?}")
    };
    // The weights the model ends with, loaded into a fresh model, measure on the
    // validation data exactly what the best epoch measured: they are that epoch's.
    let (program, loaded) = spec(ADAM);
    let device = ofit::lower::Backend::default().device();
    let mut trainer = Trainer::new(
        &program.models[0],
        &program.trainings[0],
        &loaded.data,
        &device,
        true,
    );
    trainer
        .load_weights(&dir.path().join("weights.bpk"))
        .unwrap();
    let measured = trainer.evaluate(&loaded.data.validation);
    let half = history.columns.len() / 2;
    let recorded = &history.epochs[best - 1].values[half..];
    for (m, r) in measured.iter().zip(recorded) {
        assert!(
            (m - r).abs() <= 1e-6 * r.abs().max(1.0),
            "{measured:?} vs {recorded:?}"
        );
    }
}

#[test]
fn a_checkpoint_that_cannot_be_written_stops_training_with_a_clear_error() {
    // A checkpoint that fails stops the training, and says which directory it could not
    // create.
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("checkpoint-0001.tmp");
    std::fs::write(
        &blocker,
        "a file where the first checkpoint's directory goes",
    )
    .unwrap();
    let folder = ModelFolder::new(dir.path().to_path_buf());
    let error = try_train_in(&folder, usize::MAX).unwrap_err();
    let TrainError::Folder(FolderError::Io(e)) = &error else {
        panic!("{error}")
    };
    assert_eq!(
        (e.action, e.path.as_path()),
        ("create directory", blocker.as_path())
    );
    assert!(
        !dir.path().join("history.json").exists(),
        "not marked finished"
    );
}
