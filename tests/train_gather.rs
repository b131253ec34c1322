//! Training with the gathered first layer (multi-hot input, any optimizer): it must train
//! the history the dense path trains, and resume and restore the best weights exactly as
//! the dense path does, although its weights and optimizer state live outside burn
//! between saves. The same for an embedding followed by global average pooling on
//! sequences (a gather on weighted rows).

use crate::support;
use ofit::data::stats::{SplitStats, Stats};
use ofit::data::{self, Encoded, Features, LabelRule, Loaded, Padded, Split};
use ofit::history::{Ending, History};
use ofit::ir::{Activation, Dense, Embedding, Input, Layer, Model, Program, Training};
use ofit::source::Source;
use ofit::train::checkpoint;
use ofit::train::fit::Trainer;
use ofit::train::folder::{FolderError, ModelFolder};
use ofit::train::{self, Outcome, Progress, TrainError};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

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

// ---------------------------------------------------------------------------------------
// An embedding followed by global average pooling on sequences, run as a pooled gather.

/// Length and vocabulary of [`sequences`]' rows.
const LENGTH: usize = 20;
const VOCABULARY: usize = 50;

/// A text model as Keras's tutorial builds it (smaller): `Embedding(50, 8)` →
/// `GlobalAveragePooling1D` → `Dense(4, relu)` → `Dense(1, sigmoid)`.
fn text_model(mask_zero: bool) -> Model {
    let dense = |units, activation| {
        Layer::Dense(Dense {
            units,
            activation,
            use_bias: true,
            kernel_regularizer: None,
            bias_regularizer: None,
        })
    };
    Model {
        name: "text".to_string(),
        template: "text".to_string(),
        arguments: Vec::new(),
        input: Input {
            width: Some(LENGTH),
            multi_hot: false,
            vocabulary: Some(VOCABULARY),
        },
        layers: vec![
            Layer::Embedding(Embedding { dim: 8, mask_zero }),
            Layer::GlobalAveragePooling,
            dense(4, Activation::Relu),
            dense(1, Activation::Sigmoid),
        ],
    }
}

/// `rows` padded rows of word ids whose label is whether word 3 occurs more than word 4,
/// padded post with 0 (some rows all padding).
fn sequences(rng: &mut ChaCha8Rng, rows: usize) -> Split {
    let mut ids = Vec::with_capacity(rows * LENGTH);
    let mut labels = Vec::with_capacity(rows);
    for r in 0..rows {
        let words = if r % 17 == 5 {
            0
        } else {
            rng.random_range(1..=LENGTH)
        };
        let row: Vec<u32> = (0..words)
            .map(|_| rng.random_range(1..VOCABULARY as u32))
            .collect();
        let count = |w| row.iter().filter(|&&id| id == w).count();
        labels.push(f32::from(u8::from(
            count(3) + rng.random_range(0..2) > count(4),
        )));
        ids.extend_from_slice(&row);
        ids.extend(std::iter::repeat_n(0, LENGTH - words));
    }
    Split {
        features: Features::Sequences(Padded {
            length: LENGTH,
            vocabulary: VOCABULARY,
            ids,
        }),
        labels,
    }
}

/// Sequence data built by hand (the data stage's part is tested apart).
fn text_data() -> Encoded {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let (train, validation) = (sequences(&mut rng, 60), sequences(&mut rng, 30));
    let stats = |split: &Split| SplitStats {
        examples: split.labels.len(),
        label_counts: Vec::new(),
        mean_length: None,
        median_length: None,
        length_range: None,
        mean_ids_per_row: None,
        truncated: None,
    };
    Encoded {
        stats: Stats {
            train: stats(&train),
            validation: stats(&validation),
            test: None,
            classes: None,
            input_width: LENGTH,
            vocabulary: None,
            top_words: Vec::new(),
            files: Vec::new(),
            features: Vec::new(),
            dropped: 0,
        },
        train,
        validation,
        test: None,
        classes: Some(2),
        preprocessing: None,
    }
}

#[test]
fn a_pooled_gather_resumed_from_a_checkpoint_trains_the_same_history_bit_for_bit() {
    let device = ofit::lower::Backend::default().device();
    let data = text_data();
    let model = text_model(false);
    for optimizer in [ADAM, SGD_MOMENTUM, RMSPROP_MOMENTUM] {
        let (program, _) = spec(optimizer);
        let training = Training {
            batch_size: 16,
            early_stopping: None,
            ..program.trainings[0].clone()
        };
        let run = |trainer: &mut Trainer, epochs: std::ops::RangeInclusive<usize>| {
            epochs
                .map(|e| {
                    trainer
                        .epoch(e, &mut |_, _, _| true)
                        .expect("trains")
                        .values
                })
                .collect::<Vec<_>>()
        };
        let mut whole = Trainer::new(&model, &training, &data, &device, true);
        let uninterrupted = run(&mut whole, 1..=4);
        // Training moved the weights: the loss changed.
        assert_ne!(uninterrupted[0][0], uninterrupted[3][0], "{optimizer}");

        let mut first = Trainer::new(&model, &training, &data, &device, true);
        let mut resumed = run(&mut first, 1..=2);
        let dir = tempfile::tempdir().unwrap();
        first.snapshot().write(dir.path()).unwrap();
        assert!(
            dir.path().join(checkpoint::GATHERED).exists(),
            "{optimizer}"
        );
        let mut second = Trainer::new(&model, &training, &data, &device, true);
        second.restore(dir.path()).unwrap();
        resumed.extend(run(&mut second, 3..=4));
        assert_eq!(resumed, uninterrupted, "{optimizer}");

        // The full save holds the table: loaded into a fresh trainer, it measures what
        // the trained one does.
        let weights = dir.path().join("weights.bpk");
        whole.save_weights(&weights).unwrap();
        let mut loaded = Trainer::new(&model, &training, &data, &device, true);
        loaded.load_weights(&weights).unwrap();
        assert_eq!(
            loaded.evaluate(&data.validation),
            whole.evaluate(&data.validation),
            "{optimizer}"
        );
    }
}

#[test]
fn a_pooled_gather_measures_a_split_it_has_not_seen_as_its_own() {
    // A test split's bags are computed when it is measured; the validation split's were
    // computed once: the same split measures the same either way.
    let device = ofit::lower::Backend::default().device();
    let data = text_data();
    let (program, _) = spec(ADAM);
    for mask_zero in [false, true] {
        let mut trainer = Trainer::new(
            &text_model(mask_zero),
            &program.trainings[0],
            &data,
            &device,
            true,
        );
        trainer.epoch(1, &mut |_, _, _| true).expect("trains");
        let copy = data.validation.clone();
        let measured = trainer.evaluate(&copy);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&measured), bits(&trainer.evaluate(&data.validation)));
        if mask_zero {
            // All-padding rows pool to Keras's 0 / 0.
            assert!(measured[0].is_nan(), "{measured:?}");
        } else {
            assert!(measured.iter().all(|v| v.is_finite()), "{measured:?}");
        }
    }
}
