//! Regression losses and metrics over whole epochs, as Keras reports them: `rmse` is the
//! root of the epoch's mean squared error (Keras's `RootMeanSquaredError` accumulates
//! squared errors), not a mean of the batches' roots; the `huber` loss is the `huber`
//! metric when there is no penalty.

use crate::support;
use std::process::Command;

#[test]
fn rmse_is_the_root_of_the_epochs_mse_and_the_huber_loss_its_metric() {
    let out = tempfile::tempdir().unwrap();
    let ran = Command::new(env!("CARGO_BIN_EXE_ofit"))
        .args(["run", "tests/fixtures/train/regression.ofit", "--out"])
        .arg(out.path())
        .current_dir(support::root())
        .output()
        .expect("ofit runs");
    assert_eq!(
        ran.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    // A regression without accuracy has no accuracy column in its report.
    let html = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(
        html.contains("<table>") && !html.contains("accuracy"),
        "{html}"
    );
    let models = std::fs::read_dir(out.path().join("models")).unwrap();
    let folder = models.into_iter().next().unwrap().unwrap().path();
    let history: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("history.json")).unwrap()).unwrap();
    let columns: Vec<&str> = history["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let at = |name: &str| columns.iter().position(|c| *c == name).unwrap();
    let epochs = history["epochs"].as_array().unwrap();
    assert_eq!(epochs.len(), 3);
    for epoch in epochs {
        let value = |name: &str| epoch["values"][at(name)].as_f64().unwrap();
        for split in ["", "val_"] {
            let (mse, rmse) = (
                value(&format!("{split}mse")),
                value(&format!("{split}rmse")),
            );
            assert!(
                (rmse - mse.sqrt()).abs() <= 1e-12 * rmse,
                "{split}rmse {rmse} is not √{mse}"
            );
            let (loss, huber) = (
                value(&format!("{split}loss")),
                value(&format!("{split}huber")),
            );
            assert!(
                (loss - huber).abs() <= 1e-6,
                "{split}loss {loss} ≠ huber {huber}"
            );
            assert!(value(&format!("{split}mae")) > 0.0);
        }
    }
}
