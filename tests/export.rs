//! `ofit export`: the weights as safetensors and the model and its preprocessing as JSON,
//! proved outside Rust: `tests/export/forward.py` applies an export with numpy alone and
//! gives what `ofit predict` gives, to 1e-5. The check needs python3 with numpy and
//! safetensors (`.ci/run` installs them); without them it fails and says so.

use crate::support;
use ofit::lower::Backend;
use ofit::trained::{self, TrainedModel};
use std::path::Path;
use std::process::Command;

/// `ofit export RUN_DIR MODEL --out OUT`, which must succeed.
fn export(run_dir: &Path, model: &str, out: &Path) {
    let ran = Command::new(env!("CARGO_BIN_EXE_ofit"))
        .arg("export")
        .arg(run_dir)
        .arg(model)
        .arg("--out")
        .arg(out)
        .output()
        .expect("ofit runs");
    assert_eq!(
        ran.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
}

/// The outputs numpy computes from the export in `dir` for `inputs` (texts, or records).
fn numpy_outputs(dir: &Path, inputs: &impl serde::Serialize) -> Vec<Vec<f64>> {
    let input = dir.join("inputs.json");
    std::fs::write(&input, serde_json::to_string(inputs).unwrap()).unwrap();
    let script = support::root().join("tests/export/forward.py");
    let ran = Command::new("python3")
        .arg(&script)
        .arg(dir)
        .arg(&input)
        .output()
        .unwrap_or_else(|e| panic!("the export check needs python3 ({e})"));
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert!(
        ran.status.success(),
        "the export check needs python3 with numpy and safetensors (`pip install numpy \
         safetensors`; .ci/run installs them): {stderr}"
    );
    serde_json::from_slice(&ran.stdout).expect("a JSON list of outputs")
}

/// What `ofit predict` gives for `texts`, per text: the probability of class 1 of one
/// sigmoid unit, or each class's probability.
fn ofit_outputs(folder: &Path, texts: &[&str]) -> Vec<Vec<f64>> {
    let model = TrainedModel::open(folder).unwrap();
    let empty = model.empty();
    let predictor = model.predictor(&empty, Backend::default()).unwrap();
    outputs(predictor.predict(texts).expect("a text model"))
}

/// Each prediction's outputs.
fn outputs(predictions: Vec<trained::predict::Prediction>) -> Vec<Vec<f64>> {
    predictions
        .into_iter()
        .map(|p| match p {
            trained::predict::Prediction::Binary { probability, .. } => {
                vec![f64::from(probability)]
            }
            trained::predict::Prediction::Classes { probabilities, .. } => {
                probabilities.into_iter().map(f64::from).collect()
            }
            trained::predict::Prediction::Value { value } => vec![f64::from(value)],
        })
        .collect()
}

fn assert_close(numpy: &[Vec<f64>], ofit: &[Vec<f64>]) {
    assert_eq!(numpy.len(), ofit.len());
    for (n, o) in numpy.iter().zip(ofit) {
        assert_eq!(n.len(), o.len());
        for (a, b) in n.iter().zip(o) {
            assert!((a - b).abs() < 1e-5, "numpy {n:?}, ofit {o:?}");
        }
    }
}

/// Exports `model` of the run in `run_dir` and checks that numpy, from the export alone,
/// gives `ofit predict`'s outputs for `texts`; the export's folder.
fn export_and_compare(run_dir: &Path, model: &str, texts: &[&str]) -> tempfile::TempDir {
    let export_dir = tempfile::tempdir().unwrap();
    export(run_dir, model, export_dir.path());
    let folder = trained::find(run_dir, model).unwrap();
    assert_close(
        &numpy_outputs(export_dir.path(), &texts.to_vec()),
        &ofit_outputs(&folder, texts),
    );
    export_dir
}

/// An export's `model.json`.
fn described(export_dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(export_dir.join("model.json")).unwrap()).unwrap()
}

const TEXTS: [&str; 4] = [
    "This movie was wonderful, the acting was superb!",
    "Terrible. A waste of two hours; the plot made no sense.",
    "the script is bland but the music is delightful",
    "unheard-of words only: zyzzyva quixotic",
];

#[test]
fn numpy_applies_an_exported_multi_hot_model_as_ofit_predicts() {
    let out = support::run_spec("tests/fixtures/predict/reviews.ofit", &[]);
    let export_dir = export_and_compare(out.path(), "e/a", &TEXTS);
    // The names and shapes are documented in model.json.
    let model = described(export_dir.path());
    let first = &model["layers"][0]["weights"][0];
    assert_eq!(first["tensor"], "layers.0.kernel");
    assert_eq!(first["shape"], serde_json::json!([30, 8]));
    assert_eq!(
        model["layers"][1]["weights"],
        serde_json::json!([]),
        "dropout"
    );
}

#[test]
fn numpy_applies_an_exported_masked_embedding_and_softmax_as_ofit_predicts() {
    let out = support::run_spec("tests/fixtures/predict/own_text.ofit", &[]);
    let mut texts: Vec<&str> = TEXTS.to_vec();
    // Longer than the sequence length (16): truncated as in training.
    texts.push("the story is fine and gripping the cast felt charming the pacing is okay and moving but the script is bland");
    export_and_compare(out.path(), "words/averaged", &texts);
}

#[test]
fn numpy_applies_an_exported_table_model_to_raw_records_as_ofit_predicts() {
    // Normalization, a categorical column and a date column, read from the records.
    let out = support::run_spec("tests/fixtures/predict/cars.ofit", &[]);
    let export_dir = tempfile::tempdir().unwrap();
    export(out.path(), "e/m", export_dir.path());
    let complete = support::complete_cars();
    let model = TrainedModel::open(&trained::find(out.path(), "e/m").unwrap()).unwrap();
    let empty = model.empty();
    let predictor = model.predictor(&empty, Backend::default()).unwrap();
    let trained::predict::Reader::Table(reader) = predictor.reader() else {
        panic!("a table's model")
    };
    let rows: Vec<Vec<f32>> = complete
        .iter()
        .map(|r| {
            reader
                .read(&|name| {
                    r.get(name).map(|v| match v {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                })
                .unwrap()
        })
        .collect();
    let ofit = outputs(predictor.predict_rows(&rows));
    let numpy = numpy_outputs(export_dir.path(), &complete);
    // Relative: the validating European cars are scaled by Keras's 1e-7 (see tests/predict.rs).
    for (n, o) in numpy.iter().zip(&ofit) {
        assert!(
            (n[0] - o[0]).abs() <= 1e-5 * o[0].abs().max(1.0),
            "numpy {n:?}, ofit {o:?}"
        );
    }
}

#[test]
fn numpy_applies_exported_convolutions_poolings_and_masked_recurrent_layers_as_ofit_predicts() {
    let out = support::run_spec("tests/fixtures/predict/sequences.ofit", &[]);
    let mut texts: Vec<&str> = TEXTS.to_vec();
    texts.push("the story is fine and gripping the cast felt charming the pacing is okay");
    for name in ["e/conv", "e/lstm", "e/gru"] {
        export_and_compare(out.path(), name, &texts);
    }
}

#[test]
fn a_convolution_kernel_is_exported_in_keras_layout() {
    let out = support::run_spec("tests/fixtures/predict/sequences.ofit", &[]);
    let export_dir = tempfile::tempdir().unwrap();
    export(out.path(), "e/conv", export_dir.path());
    let model = described(export_dir.path());
    // Keras's `Conv1D` kernel is `(kernel_size, channels, filters)`.
    assert_eq!(
        model["layers"][1]["weights"][0]["shape"],
        serde_json::json!([3, 4, 4])
    );
    assert_eq!(
        model["layers"][3]["weights"][0]["shape"],
        serde_json::json!([2, 4, 3])
    );
}
