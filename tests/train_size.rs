//! "More data": an experiment's `train_size` trains each model once per size, on the first
//! rows of one seeded shuffle of the training split, and the report plots and says what the
//! larger sizes bought.

use crate::support;
use ofit::data::{self, LabelRule};
use ofit::run_index::{RunIndex, RUN_JSON};
use std::path::{Path, PathBuf};

const SPEC: &str = "tests/fixtures/train/more_data.ofit";

/// A copy of the spec in a temporary folder, reading the moons from where they are, with
/// `sizes` for its `train_size`; the folder, and the copy's path.
fn copy_with_sizes(sizes: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let csv = support::root().join("examples/data/moons.csv");
    let text = std::fs::read_to_string(support::root().join(SPEC))
        .unwrap()
        .replace("../../../examples/data/moons.csv", csv.to_str().unwrap())
        .replace("[100, 50, 200]", sizes);
    let spec = dir.path().join("more.ofit");
    std::fs::write(&spec, text).unwrap();
    (dir, spec)
}

/// `ofit run` of the spec at `spec` into `out`: its exit code and standard error.
fn run(spec: &Path, out: &Path) -> (Option<i32>, String) {
    let ran = std::process::Command::new(env!("CARGO_BIN_EXE_ofit"))
        .arg("run")
        .arg(spec)
        .arg("--out")
        .arg(out)
        .output()
        .expect("ofit runs");
    (
        ran.status.code(),
        String::from_utf8_lossy(&ran.stderr).to_string(),
    )
}

#[test]
fn each_model_trains_once_per_size_on_the_nested_subset_of_that_size() {
    let out = support::run_spec(SPEC, &[]);
    let index = RunIndex::read(&out.path().join(RUN_JSON)).expect("run.json");
    let members: Vec<(String, Option<usize>)> = index.experiments[0]
        .models
        .iter()
        .map(|m| (m.name.clone(), m.train_size))
        .collect();
    let expected: Vec<(String, Option<usize>)> = ["narrow", "wide"]
        .iter()
        .flat_map(|m| [50, 100, 200].map(|n| (m.to_string(), Some(n))))
        .collect();
    assert_eq!(
        members, expected,
        "one member per model and size, sizes ascending"
    );

    // Each folder is named after the data it trained on: the subset of its size.
    let (_, checked) = support::compile(&support::root().join(SPEC));
    let program = checked.program.expect("the spec checks");
    let ctx = ofit::cli::data_context(&support::root().join("tests/fixtures/train"));
    let rule = LabelRule::for_dataset(&program, 0, &program.experiments);
    let whole = data::load(&program.datasets[0], &rule, &ctx).unwrap().data;
    assert_eq!(whole.train.labels.len(), 700);
    for model in &index.experiments[0].models {
        let size = model.train_size.unwrap();
        let subset = data::train_size::subset(&whole, "moons", size).unwrap();
        assert_eq!(subset.train.labels.len(), size);
        assert_eq!(
            subset.validation, whole.validation,
            "every size validates alike"
        );
        let key: serde_json::Value = serde_json::from_slice(
            &std::fs::read(model.dir(out.path()).join("model.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(key["data"], subset.fingerprint(), "{}", model.shown_name());
    }

    // The report: a member per model and size, and what the larger sizes bought.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap();
    let experiment = &report["experiments"][0];
    assert_eq!(experiment["models"][0]["name"], "narrow@50");
    assert_eq!(experiment["models"][0]["train_size"], 50);
    let more = &experiment["more_data"];
    assert_eq!(more["metric"], "loss");
    for model in more["models"].as_array().unwrap() {
        let sizes: Vec<u64> = model["sizes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["train_size"].as_u64().unwrap())
            .collect();
        assert_eq!(sizes, [50, 100, 200]);
        let sentence = model["sentence"].as_str().unwrap();
        assert!(
            sentence.contains("each doubling of the training examples")
                && sentence.contains("at 50 examples to"),
            "{sentence}"
        );
    }
    let plots: Vec<&str> = more["plots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(
        plots,
        [
            "plots/more-more_data.svg",
            "plots/more-more_data-overfit.svg"
        ]
    );
    let best = std::fs::read_to_string(out.path().join(plots[0])).unwrap();
    assert_eq!(
        best.matches("<circle").count(),
        6,
        "a dot per model and size"
    );
    assert!(best.contains(">training examples (log scale)</text>"));
    let html = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(html.contains("<h3>More data</h3>"));
}

#[test]
fn a_new_size_trains_only_its_own_models() {
    // A size's result does not depend on the other sizes asked for: adding one to the list
    // trains one model per model template, and keeps the others.
    let (dir, spec) = copy_with_sizes("[100, 50, 200]");
    let out = dir.path().join("run");
    let (code, stderr) = run(&spec, &out);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("trained 6 models"), "{stderr}");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, text.replace("[100, 50, 200]", "[100, 50, 200, 400]")).unwrap();
    let (code, stderr) = run(&spec, &out);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("trained 2 models"), "{stderr}");
}

#[test]
fn a_size_beyond_the_training_rows_is_refused_before_anything_trains() {
    // The checker does not read tables; the data stage refuses the size, naming it.
    let (dir, spec) = copy_with_sizes("[100, 5000]");
    let out = dir.path().join("run");
    let (code, stderr) = run(&spec, &out);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "`train_size` 5000 is more than the 700 training examples of dataset `moons`"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("use sizes up to 700"), "{stderr}");
    assert!(!out.join("run.json").exists(), "nothing was started");
}
