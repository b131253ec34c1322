//! `history`: NaN and ±∞ survive history.json and history.csv exactly, and every damaged
//! history file is refused with an error that names the file and what is wrong.

use crate::support;
use ofit::history::{Ending, Epoch, History, HistoryError, Problem};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    support::root()
        .join("tests/fixtures/report/history")
        .join(name)
}

/// A diverging history: finite values at the edges of f64, then ∞, then NaN.
fn diverging() -> History {
    let values = [
        [0.1 + 0.2, f64::MIN_POSITIVE, 1.0 / 3.0],
        [f64::MAX, f64::INFINITY, -0.0],
        [f64::NAN, f64::NEG_INFINITY, 5e-324],
    ];
    History {
        columns: vec!["loss".into(), "val_loss".into(), "val_accuracy".into()],
        epochs: values
            .iter()
            .enumerate()
            .map(|(i, v)| Epoch {
                epoch: i + 1,
                seconds: 0.25,
                values: v.to_vec(),
            })
            .collect(),
        ending: Some(Ending::Diverged { epoch: 3 }),
        weights_sha256: None,
        test: None,
    }
}

/// Every value's bits, so that NaN compares equal to NaN.
fn bits(history: &History) -> Vec<Vec<u64>> {
    history
        .epochs
        .iter()
        .map(|e| e.values.iter().map(|v| v.to_bits()).collect())
        .collect()
}

#[test]
fn non_finite_values_round_trip_through_history_json_bit_for_bit() {
    let history = diverging();
    let json = history.to_json();
    assert!(!json.contains("null"), "{json}");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        value["history"]["loss"],
        serde_json::json!([0.1 + 0.2, f64::MAX, "NaN"])
    );
    assert_eq!(
        value["epochs"][2]["values"],
        serde_json::json!(["NaN", "-Infinity", 5e-324])
    );
    assert_eq!(
        value["ending"],
        serde_json::json!({"kind": "diverged", "epoch": 3})
    );
    let back = History::from_json(&json).unwrap();
    assert_eq!(bits(&back), bits(&history));
    assert_eq!(back.columns, history.columns);
    assert_eq!(back.ending, history.ending);
    assert_eq!(back.to_json(), json);
}

#[test]
fn non_finite_values_round_trip_through_history_csv() {
    let history = diverging();
    let csv = history.to_csv();
    assert!(csv.contains(",NaN,-inf,"), "{csv}");
    assert!(csv.contains(",inf,"), "{csv}");
    let back = History::from_csv(&csv).unwrap();
    assert_eq!(bits(&back), bits(&history));
    assert_eq!(back.columns, history.columns);
    // What pandas writes reads too.
    let text = std::fs::read_to_string(fixture("nonfinite.csv")).unwrap();
    let read = History::from_csv(&text).unwrap();
    assert!(read.epochs[0].values[1].is_nan());
    assert_eq!(read.epochs[1].values, [f64::INFINITY, f64::NEG_INFINITY]);
}

#[test]
fn a_committed_diverged_history_reads_with_its_ending() {
    let history = History::read(&fixture("diverged.json")).unwrap();
    assert_eq!(history.ending, Some(Ending::Diverged { epoch: 3 }));
    assert_eq!(history.epochs[1].values, [1e308, f64::INFINITY]);
    assert!(history.epochs[2].values[0].is_nan());
    assert_eq!(history.epochs_before_divergence(), 2);
    assert_eq!(history.kept_epoch(), Some(2));
}

/// The error of reading fixture `name`, in words.
fn error(name: &str) -> (HistoryError, String) {
    let error = History::read(&fixture(name)).unwrap_err();
    let text = error.to_string();
    let path = fixture(name);
    assert!(
        text.starts_with(&format!("`{}`: ", path.display())),
        "the error names the file: {text}"
    );
    assert_eq!(error.path(), path);
    (error, text)
}

#[test]
fn a_damaged_history_json_is_refused_with_the_file_and_the_reason() {
    let (_, text) = error("value_count.json");
    assert!(
        text.ends_with("epoch 3 has 4 values, but there are 6 columns"),
        "{text}"
    );
    let (e, text) = error("truncated.json");
    assert!(
        matches!(
            e,
            HistoryError::Invalid {
                problem: Problem::Syntax(_),
                ..
            }
        ),
        "{text}"
    );
    assert!(text.contains(": not a history: "), "{text}");
    let (_, text) = error("numbering.json");
    assert!(
        text.ends_with(
            "the epoch in position 2 is numbered 3; epochs are numbered 1, 2, … in order"
        ),
        "{text}"
    );
    let (_, text) = error("duplicate_column.json");
    assert!(text.ends_with("column `loss` appears twice"), "{text}");
    let (_, text) = error("unknown_ending.json");
    assert!(text.contains("unknown variant `exploded`"), "{text}");
    let (_, text) = error("ending_epoch.json");
    assert!(
        text.ends_with(
            "the ending restores the weights of epoch 5, which is not one of epochs 1 to 2"
        ),
        "{text}"
    );
    let (_, text) = error("keras_list.json");
    assert!(
        text.ends_with("`history.val_loss` has 1 values, but there are 2 epochs"),
        "{text}"
    );
    let missing = History::read(&fixture("no_such.json")).unwrap_err();
    assert!(matches!(missing, HistoryError::Io(_)));
    assert!(missing
        .to_string()
        .ends_with("no_such.json`: no such file or directory"));
}

#[test]
fn a_damaged_history_csv_is_refused_with_the_line() {
    let text = std::fs::read_to_string(fixture("short_row.csv")).unwrap();
    assert_eq!(
        History::from_csv(&text).unwrap_err().to_string(),
        "not a history: line 3: 2 fields, but the header has 4"
    );
}

#[test]
fn a_column_of_a_malformed_history_is_none_not_a_panic() {
    let mut history = diverging();
    history.epochs[1].values.pop();
    assert_eq!(history.column("val_accuracy"), None);
    assert_eq!(history.column("loss").map(|c| c.len()), Some(3));
    assert!(history.validate().is_err());
}
