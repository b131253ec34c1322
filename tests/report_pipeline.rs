//! The whole pipeline at a reduced scale on committed fixture data: `ofit run` trains, the
//! report is written, and its histories (rounded to 4 decimals), `report.json` and SVGs
//! are pinned. `ofit report` redoes the same files from the saved histories.

use crate::support;
use std::path::Path;
use std::process::Command;

const SPEC: &str = "tests/fixtures/report/pipeline.ofit";

fn ofit(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ofit"))
        .args(args)
        .current_dir(support::root())
        .output()
        .expect("ofit runs")
}

/// Every number in a JSON value rounded to 4 decimals, and wall-clock seconds dropped.
fn rounded(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or_default();
            serde_json::json!((x * 1e4).round() / 1e4)
        }
        Value::Array(items) => Value::Array(items.iter().map(rounded).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| k.as_str() != "seconds")
                .map(|(k, v)| (k.clone(), rounded(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("file")).expect("json")
}

#[test]
fn the_pipeline_at_small_scale_is_pinned() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    let run = ofit(&["run", SPEC, "--out", dir]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("report: {dir}/index.html")),
        "{stderr}"
    );
    assert!(stderr.contains("words / narrow: "), "{stderr}");

    let report = json(&out.path().join("report.json"));
    insta::assert_json_snapshot!("report", rounded(&report));
    let index = json(&out.path().join("run.json"));
    for experiment in index["experiments"].as_array().unwrap() {
        for model in experiment["models"].as_array().unwrap() {
            let name = format!(
                "{}-{}",
                experiment["name"].as_str().unwrap(),
                model["name"].as_str().unwrap()
            );
            let history = json(
                &out.path()
                    .join(model["folder"].as_str().unwrap())
                    .join("history.json"),
            );
            insta::assert_json_snapshot!(format!("history-{name}"), rounded(&history["history"]));
        }
    }
    for plot in [
        "words-binary_crossentropy",
        "points-loss",
        "points-accuracy",
        "data-reviews",
    ] {
        let svg = std::fs::read_to_string(out.path().join("plots").join(format!("{plot}.svg")))
            .expect("plot");
        insta::assert_snapshot!(format!("svg-{plot}"), svg);
    }

    // The page is self-contained: inline SVG, nothing fetched.
    let html = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 4);
    // (An SVG's `xmlns` names a namespace; nothing may be loaded from anywhere.)
    for external in ["src=\"http", "href=\"http", "<script", "<link", "url(http"] {
        assert!(
            !html.contains(external),
            "the page loads something: {external}"
        );
    }
    assert!(html.contains("history.csv") && html.contains("<table>"));
    assert!(html.contains("<th>final validation accuracy</th>"));

    // `ofit report` redoes the same files from the histories alone.
    let before: Vec<Vec<u8>> = ["report.json", "index.html"]
        .iter()
        .map(|f| std::fs::read(out.path().join(f)).unwrap())
        .collect();
    std::fs::remove_file(out.path().join("report.json")).unwrap();
    std::fs::remove_file(out.path().join("index.html")).unwrap();
    let again = ofit(&["report", dir]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let after: Vec<Vec<u8>> = ["report.json", "index.html"]
        .iter()
        .map(|f| std::fs::read(out.path().join(f)).unwrap())
        .collect();
    assert_eq!(before, after);
}

#[test]
fn the_text_pipeline_at_small_scale_is_pinned() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    let run = ofit(&[
        "run",
        "tests/fixtures/report/text_pipeline.ofit",
        "--out",
        dir,
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    // Each model is tested once, after its epochs, and says so in its log.
    assert_eq!(stderr.matches(": test - loss: ").count(), 2, "{stderr}");
    let report = json(&out.path().join("report.json"));
    insta::assert_json_snapshot!("text-report", rounded(&report));
    for model in report["experiments"][0]["models"].as_array().unwrap() {
        assert!(model["test"]["accuracy"].is_number(), "{model}");
        let history = json(
            &out.path()
                .join(model["folder"].as_str().unwrap())
                .join("history.json"),
        );
        assert_eq!(
            history["test"], model["test"],
            "report.json has the history's test figures"
        );
        insta::assert_json_snapshot!(
            format!("text-history-{}", model["name"].as_str().unwrap()),
            rounded(&history["history"])
        );
    }
    let html = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(
        html.contains("<th>test (once, after training)</th>"),
        "{html}"
    );
}

#[test]
fn report_json_has_every_field_of_every_model() {
    let out = tempfile::tempdir().unwrap();
    let run = ofit(&[
        "run",
        SPEC,
        "--out",
        out.path().to_str().unwrap(),
        "--only",
        "points",
    ]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report = json(&out.path().join("report.json"));
    let experiment = &report["experiments"][0];
    assert_eq!(experiment["name"], "points");
    assert_eq!(experiment["metric"], "loss");
    for model in experiment["models"].as_array().unwrap() {
        for field in [
            "name",
            "params",
            "state",
            "status",
            "ending",
            "epochs",
            "planned_epochs",
            "kept_epoch",
            "direction",
            "best_epoch",
            "final_epoch",
            "best_val",
            "final_val",
            "overfit_epoch",
            "final_val_accuracy",
            "gap_at_best",
            "gap_at_end",
            "underfitting",
            "verdict",
            "loss",
        ] {
            assert!(model.get(field).is_some(), "{field} missing in {model}");
        }
        assert_eq!(model["state"], "finished");
        assert_eq!(model["planned_epochs"], 8);
    }
}

#[test]
fn a_report_of_a_directory_without_a_run_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let out = ofit(&["report", dir.path().to_str().unwrap()]);
    // Not a run directory: a usage mistake, as an unreadable spec is.
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is not a run directory (it has no `run.json`)"),
        "{stderr}"
    );
}

#[test]
fn the_data_view_is_drawn_only_where_the_spec_asks_for_it() {
    // `tests/fixtures/train/reviews.ofit` trains on multi-hot reviews without `show_data`.
    let out = support::run_spec("tests/fixtures/train/reviews.ofit", &["--epochs", "1"]);
    assert!(!out.path().join("plots/data-reviews.svg").exists());
    let html = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(!html.contains("class=\"data\""), "{html}");
}
