//! `ofit evaluate`: a finished model's figures on a split of its spec's data are those its
//! training measured, with the weights it kept: the kept epoch's validation figures, and
//! the test split's once-after-training figures, which it evaluates by default.

use crate::support;
use ofit::history::History;
use ofit::trained;
use std::process::Command;

/// `ofit evaluate ARGS… --format json`: its exit code and its models' JSON.
fn evaluate(args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let ran = Command::new(env!("CARGO_BIN_EXE_ofit"))
        .arg("evaluate")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("ofit runs");
    let stderr = String::from_utf8_lossy(&ran.stderr).to_string();
    let json = serde_json::from_slice(&ran.stdout).unwrap_or(serde_json::Value::Null);
    (ran.status.code(), json, stderr)
}

/// The figures of the first model evaluated, as (name, value).
fn figures(json: &serde_json::Value) -> Vec<(String, f64)> {
    json["models"][0]["figures"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_f64().unwrap()))
        .collect()
}

#[test]
fn the_validation_figures_are_the_kept_epochs() {
    // Early stopping restores the best epoch's weights; the L2 penalty is in `loss`.
    let out = support::run_spec("tests/fixtures/train/reviews.ofit", &[]);
    let run_dir = out.path().to_str().unwrap();
    let (code, json, stderr) = evaluate(&[run_dir, "e/a", "--split", "validation"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(json["models"][0]["split"], "validation");
    let folder = trained::find(out.path(), "e/a").unwrap();
    let history = History::read(&folder.join("history.json")).unwrap();
    let kept = history.kept_epoch().unwrap();
    assert!(
        kept < history.epochs.len(),
        "the fixture restores an earlier epoch"
    );
    let got = figures(&json);
    assert_eq!(got.len(), 2, "loss and accuracy: {got:?}");
    for (name, value) in got {
        let measured = history.column(&format!("val_{name}")).unwrap()[kept - 1];
        assert!(
            (value - measured).abs() <= 1e-6 * measured.abs().max(1.0),
            "{name}: evaluated {value}, measured {measured} at epoch {kept}"
        );
    }
}

#[test]
fn the_test_split_is_the_default_and_gives_the_figures_measured_after_training() {
    let out = support::run_spec("tests/fixtures/predict/own_text.ofit", &[]);
    let run_dir = out.path().to_str().unwrap();
    let (code, json, stderr) = evaluate(&[run_dir]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(json["models"][0]["model"], "words/averaged");
    assert_eq!(json["models"][0]["split"], "test");
    let folder = trained::find(out.path(), "words/averaged").unwrap();
    let history = History::read(&folder.join("history.json")).unwrap();
    let measured: Vec<(&str, f64)> = history.test_figures();
    assert_eq!(measured.len(), 3);
    for (name, value) in figures(&json) {
        let (_, expected) = measured.iter().find(|(n, _)| *n == name).unwrap();
        assert!(
            (value - expected).abs() <= 1e-9,
            "{name}: {value} vs {expected}"
        );
    }
}

#[test]
fn an_unknown_model_or_a_missing_split_is_an_error_that_says_so() {
    let out = support::run_spec("tests/fixtures/train/reviews.ofit", &[]);
    let run_dir = out.path().to_str().unwrap();
    let (code, _, stderr) = evaluate(&[run_dir, "e/b"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("no model `e/b`") && stderr.contains("e/a"),
        "{stderr}"
    );
    let (code, json, stderr) = evaluate(&[run_dir, "--split", "test"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("has no test split"), "{stderr}");
    assert_eq!(json["models"].as_array().unwrap().len(), 0);
}

#[test]
fn another_file_in_the_training_files_format_is_read_as_a_validation_file_would_be() {
    // The test file of the text table, given as a file: the history's test figures.
    let out = support::run_spec("tests/fixtures/predict/own_text.ofit", &[]);
    let run_dir = out.path().to_str().unwrap();
    let test = support::root().join("examples/data/reviews_test.jsonl");
    let (code, json, stderr) = evaluate(&[run_dir, "--file", test.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(json["models"][0]["split"], test.to_str().unwrap());
    let folder = trained::find(out.path(), "words/averaged").unwrap();
    let history = History::read(&folder.join("history.json")).unwrap();
    for (name, value) in figures(&json) {
        let (_, expected) = history
            .test_figures()
            .into_iter()
            .find(|(n, _)| *n == name)
            .unwrap();
        assert!(
            (value - expected).abs() <= 1e-9,
            "{name}: {value} vs {expected}"
        );
    }
    // A numeric table's validation records, in a file of their own: the validation figures.
    let out = support::run_spec("tests/fixtures/predict/cars.ofit", &[]);
    let file = out.path().join("validation.json");
    std::fs::write(
        &file,
        serde_json::to_string(&support::cars_validation()).unwrap(),
    )
    .unwrap();
    let run_dir = out.path().to_str().unwrap();
    let (code, json, stderr) = evaluate(&[run_dir, "e/m", "--file", file.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    let folder = trained::find(out.path(), "e/m").unwrap();
    let history = History::read(&folder.join("history.json")).unwrap();
    let (_, loss) = figures(&json)[0].clone();
    let measured = *history.column("val_loss").unwrap().last().unwrap();
    assert!(
        (loss - measured).abs() <= 1e-6 * measured.abs().max(1.0),
        "evaluated {loss}, measured {measured}"
    );
    // IMDB has no file format.
    let out = support::run_spec("tests/fixtures/train/reviews.ofit", &[]);
    let (code, _, stderr) = evaluate(&[out.path().to_str().unwrap(), "--file", "x.csv"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("was trained on IMDB's reviews, which has no file format"),
        "{stderr}"
    );
}
