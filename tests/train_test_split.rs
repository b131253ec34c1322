//! A test split is evaluated once, after training, with the weights the model keeps (as
//! Keras's `model.evaluate` after `fit`), and its figures reach `history.json`, `train.log`
//! and the report.

use crate::support;
use ofit::data::{self, LabelRule, Loaded};
use ofit::history::History;
use ofit::ir::Program;
use ofit::source::Source;
use ofit::train::folder::ModelFolder;
use ofit::train::{self, Outcome, Progress};

/// Keeps the lines training reports.
#[derive(Default)]
struct Lines(Vec<String>);

impl Progress for Lines {
    fn start(&mut self, _epochs: usize, _batches: usize, _done: usize) {}
    fn batch(&mut self, _epoch: usize, _batch: usize, _loss: f64) -> bool {
        true
    }
    fn epoch(&mut self, line: &str) {
        self.0.push(line.to_string());
    }
    fn note(&mut self, _text: &str) {}
    fn finish(&mut self) {}
}

/// The gathered-layer fixture (early stopping restores the best weights), with its
/// validation reviews as the test split too: the test figures must then be exactly the
/// kept epoch's validation figures.
fn spec_with_test() -> (Program, Loaded) {
    let path = support::root().join("tests/fixtures/train/reviews.ofit");
    let text = std::fs::read_to_string(&path).expect("fixture");
    let program = ofit::compile(&Source::new("reviews.ofit", text))
        .program
        .expect("spec checks");
    let ctx = ofit::cli::data_context(path.parent().expect("folder"));
    let rule = LabelRule::for_dataset(&program, 0, &program.experiments);
    let mut loaded = data::load(&program.datasets[0], &rule, &ctx).expect("fixture data");
    loaded.data.test = Some(loaded.data.validation.clone());
    (program, loaded)
}

fn train_into(dir: &std::path::Path) -> (History, Vec<String>) {
    let (program, loaded) = spec_with_test();
    let folder = ModelFolder::new(dir.to_path_buf());
    let mut lines = Lines::default();
    let outcome = train::train(
        &program.models[0],
        &program.trainings[0],
        &loaded.data,
        &folder,
        train::Options::default(),
        &mut lines,
    )
    .expect("trains");
    match outcome {
        Outcome::Trained { history, .. } => (history, lines.0),
        other => panic!("expected a finished training, got {other:?}"),
    }
}

#[test]
fn the_test_split_is_evaluated_once_with_the_kept_weights() {
    let dir = tempfile::tempdir().unwrap();
    let (history, lines) = train_into(dir.path());
    let kept = history.kept_epoch().expect("a kept epoch");
    assert!(
        kept < history.epochs.len(),
        "the fixture restores an earlier epoch's weights ({kept} of {})",
        history.epochs.len()
    );
    let half = history.columns.len() / 2;
    let validation = &history.epochs[kept - 1].values[half..];
    let test = history.test.as_ref().expect("test figures");
    assert_eq!(history.test_columns(), ["loss", "accuracy"]);
    assert_eq!(
        test.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        validation.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        "the test split is the validation split here, measured with the kept weights"
    );
    let line = history.test_line().expect("a test line");
    assert_eq!(
        line,
        format!("test - loss: {:.4} - accuracy: {:.4}", test[0], test[1])
    );
    assert_eq!(lines.last(), Some(&line), "reported after the epochs");

    let log = std::fs::read_to_string(dir.path().join("train.log")).unwrap();
    assert_eq!(log.lines().last(), Some(line.as_str()));
    let read = History::read(&dir.path().join("history.json")).unwrap();
    assert_eq!(read.test, history.test, "history.json keeps them exactly");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("history.json")).unwrap())
            .unwrap();
    assert_eq!(json["test"]["loss"], serde_json::json!(test[0]));
    assert_eq!(json["test"]["accuracy"], serde_json::json!(test[1]));
}

#[test]
fn a_history_whose_test_figures_do_not_match_its_metrics_is_refused() {
    let mut history = History::new(vec![
        "loss".into(),
        "accuracy".into(),
        "val_loss".into(),
        "val_accuracy".into(),
    ]);
    history.test = Some(vec![0.5, f64::NAN]);
    let json = history.to_json();
    let back = History::from_json(&json).unwrap();
    assert_eq!(back.test.as_ref().unwrap()[0], 0.5);
    assert!(back.test.as_ref().unwrap()[1].is_nan(), "NaN survives");
    for broken in [
        json.replace("\"accuracy\": \"NaN\"", "\"acc\": \"NaN\""),
        json.replace("\"accuracy\": \"NaN\"", "\"accuracy\": \"high\""),
        json.replace("\"accuracy\": \"NaN\",\n    ", ""),
    ] {
        assert_ne!(broken, json, "the replacement applies");
        let error = History::from_json(&broken).unwrap_err().to_string();
        assert!(
            error.starts_with("`test` holds") && error.ends_with("loss, accuracy"),
            "{error}"
        );
    }
}
