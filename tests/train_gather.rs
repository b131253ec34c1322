//! Training with the gathered first layer (multi-hot input with Adam): it must resume and
//! restore the best weights exactly as the dense path does, although its weights live
//! outside burn between saves.

use crate::support;
use ofit::data::{self, LabelRule};
use ofit::history::{Ending, History};
use ofit::train::folder::{FolderError, ModelFolder};
use ofit::train::{self, Outcome, Progress, TrainError};

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

fn train_in(folder: &ModelFolder, stop_after: usize) -> Outcome {
    try_train_in(folder, stop_after).expect("trains")
}

fn try_train_in(folder: &ModelFolder, stop_after: usize) -> Result<Outcome, TrainError> {
    let path = support::root().join("tests/fixtures/train/reviews.ofit");
    let (_, checked) = support::compile(&path);
    let program = checked.program.expect("spec checks");
    let ctx = ofit::cli::data_context(path.parent().expect("folder"));
    let rule = LabelRule::for_dataset(&program, 0, &program.experiments);
    let loaded = data::load(&program.datasets[0], &rule, &ctx).expect("fixture data");
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
    let whole = tempfile::tempdir().unwrap();
    let uninterrupted = history(train_in(
        &ModelFolder::new(whole.path().to_path_buf()),
        usize::MAX,
    ));
    let split = tempfile::tempdir().unwrap();
    let folder = ModelFolder::new(split.path().to_path_buf());
    // 2 batches per epoch: stop in the middle of the third epoch.
    assert_eq!(train_in(&folder, 6), Outcome::Interrupted { epochs: 2 });
    let resumed = train_in(&folder, usize::MAX);
    let Outcome::Trained { resumed_after, .. } = &resumed else {
        panic!("{resumed:?}")
    };
    assert_eq!(*resumed_after, Some(2));
    assert_eq!(values(&history(resumed)), values(&uninterrupted));
    let weights = |dir: &std::path::Path| std::fs::read(dir.join("weights.bpk")).unwrap().len();
    assert_eq!(weights(split.path()), weights(whole.path()));
}

#[test]
fn gathered_early_stopping_saves_the_best_epochs_weights_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let folder = ModelFolder::new(dir.path().to_path_buf());
    let outcome = train_in(&folder, usize::MAX);
    let Outcome::Trained { history, .. } = &outcome else {
        panic!("{outcome:?}")
    };
    assert!(
        matches!(history.ending, Some(Ending::StoppedEarly { .. })),
        "{history:?}"
    );
    let best = std::fs::read(dir.path().join("best.bpk")).unwrap();
    let last = std::fs::read(dir.path().join("weights.bpk")).unwrap();
    // The full kernel (30 × 8 floats) is in both files, not the one-row training stand-in.
    assert!(best.len() > 30 * 8 * 4, "{}", best.len());
    assert_eq!(best.len(), last.len());
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
