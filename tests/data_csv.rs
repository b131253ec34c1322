//! CSV datasets: features and labels read strictly, every mistake named by file, line and
//! column.

use crate::support::root;
use ofit::data::table::{self, Table};
use ofit::data::{Context, DataError, Dense, Features, LabelRule};
use ofit::ir::Columns;
use ofit::ir::TableFormat::Csv;
use std::path::PathBuf;

/// A fixture of `tests/fixtures/data/csv/`.
fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/data/csv").join(name)
}

/// Labels 0 or 1, as a model trained with binary cross-entropy needs them.
fn binary() -> LabelRule {
    LabelRule::binary("model `m` of experiment `e` trains with binary_crossentropy")
}

/// A context for specs in `tests/fixtures/data` (no npm, no cache: CSV files only).
fn context() -> Context {
    Context::new(
        root().join("tests/fixtures/data"),
        std::env::temp_dir().join("ofit-no-cache"),
        "/no/such/npm",
    )
}

/// A fixture's path and the error reading it with label column `label` gives.
fn failure(name: &str, rule: LabelRule) -> (PathBuf, DataError) {
    let path = fixture(name);
    let error = table::read(&path, Csv, "label", &Columns::default(), &rule)
        .expect_err("the fixture is wrong");
    (path, error)
}

#[test]
fn a_good_file_reads_features_without_the_label_column() {
    let table = table::read(
        &fixture("good.csv"),
        Csv,
        "label",
        &Columns::default(),
        &binary(),
    )
    .unwrap();
    assert_eq!(
        table,
        Table {
            columns: vec!["x".to_string(), "y".to_string()],
            features: Dense {
                width: 2,
                values: vec![1.5, 2.0, -0.25, 300.0, 4.0, 0.5],
            },
            labels: vec![1.0, 0.0, 1.0],
            classes: None,
            categories: Vec::new(),
            dropped: 0,
            inputs: ["x", "y"]
                .map(|name| table::FeatureColumn {
                    name: name.to_string(),
                    read: table::ColumnRead::Number,
                })
                .to_vec(),
        }
    );
    assert_eq!(table.features.rows(), 3);
}

#[test]
fn a_json_lines_file_reads_as_its_csv_twin_with_keys_in_any_order() {
    let jsonl = ofit::ir::TableFormat::JsonLines;
    let path = fixture("good.jsonl");
    assert_eq!(
        table::read(&path, jsonl, "label", &Columns::default(), &binary()).unwrap(),
        table::read(
            &fixture("good.csv"),
            Csv,
            "label",
            &Columns::default(),
            &binary()
        )
        .unwrap()
    );
    assert_eq!(
        table::width(&path, jsonl, "label", &Columns::default()).unwrap(),
        2
    );
    assert_eq!(table::columns(&path, jsonl).unwrap(), ["x", "label", "y"]);
}

#[test]
fn the_width_comes_from_the_header() {
    assert_eq!(
        table::width(&fixture("good.csv"), Csv, "label", &Columns::default()).unwrap(),
        2
    );
    // Only the header is read: rows that `read` refuses do not matter here.
    assert_eq!(
        table::width(&fixture("ragged.csv"), Csv, "label", &Columns::default()).unwrap(),
        2
    );
    assert_eq!(
        table::width(
            &fixture("header_only.csv"),
            Csv,
            "label",
            &Columns::default()
        )
        .unwrap(),
        2
    );
}

#[test]
fn the_width_checks_the_header_as_read_does() {
    let path = fixture("no_label.csv");
    assert_eq!(
        table::width(&path, Csv, "label", &Columns::default())
            .unwrap_err()
            .to_string(),
        format!(
            "`{}`: no column `label`; the columns are `x`, `lable` and `y` — did you mean `lable`?",
            path.display()
        )
    );
    let path = fixture("empty.csv");
    assert_eq!(
        table::width(&path, Csv, "label", &Columns::default())
            .unwrap_err()
            .to_string(),
        format!("`{}`: has no header line", path.display())
    );
}

#[test]
fn a_ragged_row_names_file_line_and_column() {
    let (path, error) = failure("ragged.csv", binary());
    assert!(matches!(
        error,
        DataError::Syntax {
            line: 4,
            column: 3,
            ..
        }
    ));
    assert_eq!(
        error.to_string(),
        format!("{}:4:3: row has 2 fields, the header has 3", path.display())
    );
}

#[test]
fn a_non_numeric_cell_names_its_column() {
    let (path, error) = failure("non_numeric.csv", binary());
    assert!(matches!(
        error,
        DataError::Syntax {
            line: 3,
            column: 2,
            ..
        }
    ));
    assert_eq!(
        error.to_string(),
        format!(
            "{}:3:2: `abc` in column `y` is not a number (a column of names is read with `categorical = [\"y\"]`)",
            path.display()
        )
    );
}

#[test]
fn a_missing_label_column_suggests_the_closest() {
    let (path, error) = failure("no_label.csv", binary());
    assert!(matches!(error, DataError::Invalid { .. }));
    assert_eq!(
        error.to_string(),
        format!(
            "`{}`: no column `label`; the columns are `x`, `lable` and `y` — did you mean `lable`?",
            path.display()
        )
    );
}

#[test]
fn a_missing_label_column_lists_the_columns_when_none_is_close() {
    let path = fixture("good.csv");
    let error = table::read(
        &path,
        Csv,
        "target",
        &Columns::default(),
        &LabelRule::any_number(),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "`{}`: no column `target`; the columns are `x`, `label` and `y`",
            path.display()
        )
    );
}

#[test]
fn the_label_column_can_be_any_column() {
    // With `y` as the label, `label` is an ordinary feature.
    let table = table::read(
        &fixture("good.csv"),
        Csv,
        "y",
        &Columns::default(),
        &LabelRule::any_number(),
    )
    .unwrap();
    assert_eq!(table.columns, ["x", "label"]);
    assert_eq!(table.features.values, [1.5, 1.0, -0.25, 0.0, 4.0, 1.0]);
    assert_eq!(table.labels, [2.0, 300.0, 0.5]);
}

#[test]
fn a_label_the_loss_cannot_take_is_an_error_at_its_cell() {
    let (path, error) = failure("bad_label.csv", binary());
    assert!(matches!(
        error,
        DataError::Syntax {
            line: 3,
            column: 3,
            ..
        }
    ));
    assert_eq!(
        error.to_string(),
        format!(
            "{}:3:3: label `2` in column `label`, but model `m` of experiment `e` trains with \
             binary_crossentropy: labels must be 0 or 1",
            path.display()
        )
    );
}

#[test]
fn class_labels_are_accepted_for_categorical() {
    let table = table::read(
        &fixture("classes.csv"),
        Csv,
        "label",
        &Columns::default(),
        &LabelRule::classes(3, "the test"),
    )
    .unwrap();
    assert_eq!(table.columns, ["a", "b"]);
    assert_eq!(table.features.values, [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]);
    assert_eq!(table.labels, [0.0, 2.0, 1.0]);

    // The same file is wrong for a binary loss, at the first label that is not 0 or 1.
    let (path, error) = failure("classes.csv", binary());
    assert_eq!(
        error.to_string(),
        format!(
            "{}:3:3: label `2` in column `label`, but model `m` of experiment `e` trains with \
             binary_crossentropy: labels must be 0 or 1",
            path.display()
        )
    );
}

#[test]
fn an_empty_file_or_header_only_file_is_invalid() {
    let (path, error) = failure("empty.csv", binary());
    assert!(matches!(error, DataError::Invalid { .. }));
    assert_eq!(
        error.to_string(),
        format!("`{}`: has no header line", path.display())
    );

    let (path, error) = failure("header_only.csv", binary());
    assert!(matches!(error, DataError::Invalid { .. }));
    assert_eq!(
        error.to_string(),
        format!("`{}`: has no examples, only a header line", path.display())
    );
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let path = fixture("missing.csv");
    for error in [
        table::read(&path, Csv, "label", &Columns::default(), &binary()).unwrap_err(),
        table::width(&path, Csv, "label", &Columns::default()).unwrap_err(),
    ] {
        assert!(matches!(&error, DataError::Io(e) if e.action == "read"));
        assert_eq!(
            error.to_string(),
            format!(
                "cannot read `{}`: no such file or directory",
                path.display()
            )
        );
    }
}

#[test]
fn a_csv_header_gives_the_models_their_input_width() {
    let (_, checked) = crate::support::compile(&root().join("tests/fixtures/data/local.ofit"));
    let mut program = checked.program.expect("checks");
    let table_model = program.experiments[1].models[0];
    assert_eq!(program.models[table_model].input.width, None);
    ofit::data::load::resolve_input_widths(&mut program, &[0, 1], &context())
        .expect("header reads");
    assert_eq!(program.models[table_model].input.width, Some(2));
    assert_eq!(program.models[table_model].params(), Some((3, 0)));
}

#[test]
fn an_input_layer_that_disagrees_with_the_csv_header_is_an_error() {
    let (_, checked) =
        crate::support::compile(&root().join("tests/fixtures/data/csv_input_mismatch.ofit"));
    let mut program = checked.program.expect("checks");
    let error = ofit::data::load::resolve_input_widths(&mut program, &[0], &context()).unwrap_err();
    assert!(
        error
            .to_string()
            .ends_with("good.csv`: has 2 feature columns, but model `m` declares `input(3)`"),
        "{error}"
    );
}

/// A spec of `tests/fixtures/data/` compiled, and the data loaded for dataset `d` with the
/// label rule of the experiments `experiments` (indices).
fn load_for(spec: &str, d: usize, experiments: &[usize]) -> Result<ofit::data::Loaded, DataError> {
    let (_, checked) = crate::support::compile(&root().join("tests/fixtures/data").join(spec));
    let program = checked.program.expect("checks");
    let rule = LabelRule::for_dataset(
        &program,
        d,
        experiments.iter().map(|&e| &program.experiments[e]),
    );
    ofit::data::load(&program.datasets[d], &rule, &context())
}

#[test]
fn a_class_label_is_checked_against_every_model_trained_on_the_file() {
    // `wide` alone (4 output units) takes the labels 0 to 3.
    let loaded = load_for("labels.ofit", 0, &[0]).expect("4 classes fit 4 units");
    assert_eq!(loaded.data.classes, Some(4));
    // `small` of the second experiment has 3: label 3 (line 5) names it and what it needs.
    let error = load_for("labels.ofit", 0, &[0, 1]).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}:5:3: label `3` in column `label`, but model `small` of experiment \
             `spirals_depth` has 3 output units: classes must be 0, 1 or 2",
            fixture("four_classes.csv").display()
        )
    );
}

#[test]
fn an_accuracy_metric_on_regression_targets_needs_binary_labels() {
    let error = load_for("metrics.ofit", 0, &[0, 1]).unwrap_err();
    let DataError::Many {
        errors, more: 0, ..
    } = &error
    else {
        panic!("{error}")
    };
    assert_eq!(errors.len(), 3, "{error}");
    assert_eq!(
        errors[1].to_string(),
        format!(
            "{}:3:3: label `3e2` in column `y`, but model `reg` of experiment `scored_fit` \
             reports accuracy of its one output unit (thresholded at 0.5): labels must be 0 or 1",
            fixture("good.csv").display()
        )
    );
    // mse alone takes any number.
    let loaded = load_for("metrics.ofit", 0, &[1]).expect("regression");
    assert_eq!(loaded.data.classes, None);
}

#[test]
fn the_rules_of_the_losses_and_metrics() {
    let check = |text: &str, label: f32| {
        let (_, checked) = crate::support::compile_text(text);
        let program = checked.program.expect("checks");
        LabelRule::for_dataset(&program, 0, &program.experiments).check(label)
    };
    let spec = |model: &str, training: &str| {
        format!(
            "dataset d = csv(\"d.csv\", label = \"y\", validation_split = 0.2)\n\
             model m {{ {model} }}\ntrain t {{ {training}  epochs = 1 }}\n\
             experiment e {{ data = d  train = t  models = {{ m: m }} }}\n"
        )
    };
    let bce = spec("dense(1, sigmoid)", "loss = binary_crossentropy");
    assert!(check(&bce, 1.0).is_ok());
    assert!(check(&bce, 2.0)
        .unwrap_err()
        .contains("labels must be 0 or 1"));
    let mse = spec("dense(1, linear)", "loss = mse");
    assert!(check(&mse, -12.5).is_ok());
    let mse_bce = spec(
        "dense(1, sigmoid)",
        "loss = mse  metrics = [binary_crossentropy]",
    );
    assert!(check(&mse_bce, 0.5)
        .unwrap_err()
        .contains("reports binary_crossentropy: labels must be 0 or 1"));
    let cce = spec("dense(5, softmax)", "loss = categorical_crossentropy");
    assert!(check(&cce, 4.0).is_ok());
    assert!(check(&cce, 5.0)
        .unwrap_err()
        .contains("has 5 output units: classes must be 0, 1, …, 4"));
    assert!(check(&cce, 1.5).is_err());
    // mse compares one output with one label: a wider output is the checker's to refuse.
    let wide_mse = spec("dense(3, linear)", "loss = mse  metrics = [accuracy]");
    assert!(crate::support::compile_text(&wide_mse).1.program.is_none());
}

#[test]
fn a_file_with_many_problems_reports_the_first_twenty_and_counts_the_rest() {
    let path = fixture("many_problems.csv");
    let error = table::read(&path, Csv, "label", &Columns::default(), &binary()).unwrap_err();
    let DataError::Many { errors, more, .. } = &error else {
        panic!("{error}")
    };
    assert_eq!((errors.len(), *more), (ofit::data::error::MAX_REPORTED, 5));
    assert_eq!(
        errors[0].to_string(),
        format!(
            "{}:2:1: `abc0` in column `x` is not a number (a column of names is read with `categorical = [\"x\"]`)",
            path.display()
        )
    );
    assert!(matches!(errors[19], DataError::Syntax { line: 21, .. }));
    let text = error.to_string();
    assert!(
        text.starts_with(&format!("`{}` has 25 problems:\n", path.display())),
        "{text}"
    );
    assert!(text.ends_with("\n… and 5 more"), "{text}");
}

#[test]
fn a_huge_cell_is_quoted_cut_short() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.csv");
    let huge = "7".repeat(5_000_000);
    for cell in [format!("x{huge}"), format!("\"x{huge}\"")] {
        std::fs::write(&path, format!("x,label\n{cell},0\n1,{huge}\n")).unwrap();
        let error = table::read(&path, Csv, "label", &Columns::default(), &binary())
            .unwrap_err()
            .to_string();
        assert!(error.len() < 600, "{} bytes", error.len());
        assert!(
            error.contains(&format!(
                "`x{}…` in column `x` is not a number",
                "7".repeat(39)
            )),
            "{error}"
        );
        assert!(
            error.contains(&format!("`{}…` in column `label`", "7".repeat(40))),
            "{error}"
        );
    }
}

/// `good.csv` as a dataset validated as `validation` says.
fn good_with(validation: ofit::ir::Validation) -> ofit::ir::Dataset {
    ofit::ir::Dataset {
        name: "table".to_string(),
        source: ofit::ir::DataSource::Table {
            format: ofit::ir::TableFormat::Csv,
            path: "csv/good.csv".to_string(),
            label: "label".to_string(),
            text: None,
            columns: Default::default(),
        },
        validation,
        test: None,
    }
}

#[test]
fn validation_split_validates_on_the_last_rows_and_validation_sample_on_seeded_random_ones() {
    let features = |split: &ofit::data::Split| match &split.features {
        ofit::data::Features::Dense(dense) => dense.values.clone(),
        other => panic!("dense features expected, got {other:?}"),
    };
    // Keras keeps floor(3 × 0.6) = 1 row and validates on the last 2, in file order.
    let split = ofit::ir::Validation::Split { fraction: 0.4 };
    let loaded = ofit::data::load(&good_with(split), &binary(), &context()).unwrap();
    assert_eq!(features(&loaded.data.train), vec![1.5, 2.0]);
    assert_eq!(
        features(&loaded.data.validation),
        vec![-0.25, 300.0, 4.0, 0.5]
    );
    // The same count drawn at random: the same rows on every load.
    let sample = ofit::ir::Validation::Sample { fraction: 0.4 };
    let first = ofit::data::load(&good_with(sample.clone()), &binary(), &context()).unwrap();
    let again = ofit::data::load(&good_with(sample), &binary(), &context()).unwrap();
    assert_eq!(first.data.train.labels.len(), 1);
    assert_eq!(
        features(&first.data.validation),
        features(&again.data.validation)
    );
}

#[test]
fn a_split_that_holds_out_nothing_or_everything_is_an_error() {
    let path = fixture("good.csv");
    let fraction = |fraction| ofit::ir::Validation::Split { fraction };
    let error = ofit::data::load(&good_with(fraction(1e-17)), &binary(), &context()).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "`{}` has 3 rows; validation_split = 0.00000000000000001 holds out 0 of them",
            path.display()
        )
    );
    assert!(
        error
            .help()
            .unwrap()
            .contains("use a validation_split of at least 0.0001"),
        "{:?}",
        error.help()
    );
    let error = ofit::data::load(&good_with(fraction(0.9996)), &binary(), &context()).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "`{}` has 3 rows; validation_split = 0.9996 holds out all 3 of them, leaving none to train on",
            path.display()
        )
    );
    assert!(error.help().unwrap().contains("of at most 0.6666"));
    // The bounds the help gives do split the file.
    for f in [0.0001, 0.6666] {
        let loaded = ofit::data::load(&good_with(fraction(f)), &binary(), &context()).unwrap();
        assert!(loaded.data.train.labels.len() == 2 || loaded.data.validation.labels.len() == 2);
    }
    // A test file with only its header is no validation either.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("train.csv"), "x,label,y\n1,0,2\n").unwrap();
    std::fs::write(dir.path().join("test.csv"), "x,label,y\n").unwrap();
    let ctx = Context::new(dir.path(), dir.path(), "/no/such/npm");
    let in_dir = ofit::ir::Dataset {
        name: "table".to_string(),
        source: ofit::ir::DataSource::Table {
            format: ofit::ir::TableFormat::Csv,
            path: "train.csv".to_string(),
            label: "label".to_string(),
            text: None,
            columns: Default::default(),
        },
        validation: ofit::ir::Validation::File {
            path: "test.csv".to_string(),
        },
        test: None,
    };
    let error = ofit::data::load(&in_dir, &binary(), &ctx).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "`{}`: has no examples, only a header line",
            dir.path().join("test.csv").display()
        )
    );
}

#[test]
fn only_the_chosen_experiments_files_are_read_for_input_widths() {
    let (_, checked) =
        crate::support::compile(&root().join("tests/fixtures/data/two_experiments.ofit"));
    let mut program = checked.program.expect("checks");
    ofit::data::load::resolve_input_widths(&mut program, &[0], &context())
        .expect("the other experiment's file is not read");
    assert_eq!(
        program.models[program.experiments[0].models[0]].input.width,
        Some(2)
    );
    let error =
        ofit::data::load::resolve_input_widths(&mut program, &[0, 1], &context()).unwrap_err();
    assert!(error.to_string().contains("no-such-file.csv"), "{error}");
}

#[test]
fn run_only_one_experiment_needs_nothing_of_the_others() {
    let out = tempfile::tempdir().unwrap();
    let run = |only: Option<&str>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_ofit"));
        command
            .args(["run", "tests/fixtures/data/two_experiments.ofit", "--out"])
            .arg(out.path())
            .current_dir(root());
        if let Some(only) = only {
            command.args(["--only", only]);
        }
        command.output().expect("ofit runs")
    };
    let ran = run(Some("present"));
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert_eq!(ran.status.code(), Some(0), "{stderr}");
    // Every experiment: the missing file is reported as `ofit check` does, before training.
    let ran = run(None);
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert_eq!(ran.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("E0600"), "{stderr}");
    assert!(
        stderr.contains("cannot read `csv/no-such-file.csv`: no such file or directory"),
        "{stderr}"
    );
    assert!(!stderr.contains("trained"), "{stderr}");
}

/// The data lint's diagnostics of a spec of `tests/fixtures/data/lint/`, for every dataset.
pub fn lint(path: &std::path::Path) -> (ofit::source::Source, Vec<ofit::diagnostic::Diagnostic>) {
    let (source, checked) = crate::support::compile(path);
    let program = checked.program.expect("a lint fixture checks");
    let ctx = Context::new(
        path.parent().expect("folder"),
        std::env::temp_dir().join("ofit-no-cache"),
        "/no/such/npm",
    );
    let all: Vec<usize> = (0..program.datasets.len()).collect();
    let diagnostics = ofit::data::lint::datasets(&program, &checked.datasets, &all, &ctx);
    (source, diagnostics)
}

#[test]
fn each_data_lint_fixture_renders_as_pinned() {
    insta::glob!("fixtures/data/lint/*.ofit", |path| {
        let (source, diagnostics) = lint(path);
        assert!(
            !diagnostics.is_empty(),
            "{} has no diagnostic",
            path.display()
        );
        for d in &diagnostics {
            assert!(
                d.help.is_some(),
                "{}: {} has no help",
                path.display(),
                d.message
            );
            assert!(d.labels[0].primary);
        }
        insta::assert_snapshot!(
            "human",
            ofit::cli::render::human(&source, &diagnostics, ofit::cli::render::Style::plain(80))
        );
        insta::assert_json_snapshot!("json", ofit::cli::render::json(&source, &diagnostics));
    });
}

#[test]
fn check_reports_the_data_lint_with_the_other_diagnostics() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ofit"))
        .args([
            "check",
            "--format",
            "json",
            "tests/fixtures/data/lint/no_label_column.ofit",
        ])
        .current_dir(root())
        .output()
        .expect("ofit runs");
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["errors"], 2);
    assert_eq!(report["diagnostics"][0]["code"], "E0601");
    assert_eq!(report["diagnostics"][0]["help"], "did you mean `label`?");
    let clean = std::process::Command::new(env!("CARGO_BIN_EXE_ofit"))
        .args(["check", "tests/fixtures/data/local.ofit"])
        .current_dir(root())
        .output()
        .expect("ofit runs");
    assert_eq!(
        clean.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&clean.stderr)
    );
}

#[test]
fn the_cli_prints_each_of_many_problems_and_how_many_more() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ofit"))
        .args(["data", "tests/fixtures/data/many_problems.ofit"])
        .current_dir(root())
        .output()
        .expect("ofit runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let path = "tests/fixtures/data/csv/many_problems.csv";
    assert_eq!(stderr.matches("is not a number").count(), 20, "{stderr}");
    // How to read a column of names is said once, at its first cell.
    assert_eq!(stderr.matches("categorical").count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: {path}:2:1: `abc0` in column `x` is not a number (a column of names is read with `categorical = [\"x\"]`)\n"
        )),
        "{stderr}"
    );
    assert!(
        stderr.ends_with(&format!(
            "error: … and 5 more problems in `{path}`\nerror: 25 problems in `{path}`\n"
        )),
        "{stderr}"
    );
}

/// `good.csv` (3 rows) validated as `validation` and tested on `test`.
fn good(validation: ofit::ir::Validation, test: Option<&str>) -> ofit::ir::Dataset {
    ofit::ir::Dataset {
        name: "table".to_string(),
        source: ofit::ir::DataSource::Table {
            format: ofit::ir::TableFormat::Csv,
            path: "csv/good.csv".to_string(),
            label: "label".to_string(),
            text: None,
            columns: Default::default(),
        },
        validation,
        test: test.map(|path| ofit::ir::Test::File {
            path: path.to_string(),
        }),
    }
}

#[test]
fn validation_first_holds_out_the_first_rows_in_file_order() {
    let first = |rows| ofit::ir::Validation::First { rows };
    let loaded = ofit::data::load(&good(first(1), None), &binary(), &context()).unwrap();
    assert_eq!(loaded.data.validation.labels, [1.0]);
    assert_eq!(loaded.data.train.labels, [0.0, 1.0]);
    let Features::Dense(train) = &loaded.data.train.features else {
        panic!("dense")
    };
    assert_eq!(train.values, [-0.25, 300.0, 4.0, 0.5]);
    assert_eq!(loaded.data.test, None);
    assert_eq!(loaded.data.stats.test, None);
    let error = ofit::data::load(&good(first(3), None), &binary(), &context()).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "`{}` has 3 rows; validation_first = 3 holds out 3, leaving none to train on",
            fixture("good.csv").display()
        )
    );
    assert!(error.help().unwrap().ends_with("use a number from 1 to 2"));
}

#[test]
fn a_test_file_is_read_with_the_training_files_columns() {
    let loaded = ofit::data::load(
        &good(
            ofit::ir::Validation::First { rows: 1 },
            Some("csv/good.csv"),
        ),
        &binary(),
        &context(),
    )
    .unwrap();
    let test = loaded.data.test.as_ref().expect("a test split");
    assert_eq!(test.labels, [1.0, 0.0, 1.0]);
    assert_eq!(
        loaded.data.stats.test.as_ref().unwrap().label_counts,
        [1, 2]
    );
    assert_eq!(loaded.data.stats.files.len(), 2);
    // The fingerprint covers the test split.
    let mut without = loaded.data.clone();
    without.test = None;
    assert_ne!(without.fingerprint(), loaded.data.fingerprint());

    let error = ofit::data::load(
        &good(
            ofit::ir::Validation::First { rows: 1 },
            Some("csv/classes.csv"),
        ),
        &LabelRule::classes(3, "t"),
        &context(),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "`{}`: has the columns `a` and `b`, but `{}` has `x` and `y`",
            fixture("classes.csv").display(),
            fixture("good.csv").display()
        )
    );
}
