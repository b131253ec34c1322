//! CSV datasets: features and labels read strictly, every mistake named by file, line and
//! column.

use crate::support::root;
use ofit::data::csv::{self, Table};
use ofit::data::{DataError, Dense, LabelKind};
use std::path::PathBuf;

/// A fixture of `tests/fixtures/data/csv/`.
fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/data/csv").join(name)
}

/// A fixture's path and the error reading it with label column `label` gives.
fn failure(name: &str, kind: LabelKind) -> (PathBuf, DataError) {
    let path = fixture(name);
    let error = csv::read(&path, "label", kind).expect_err("the fixture is wrong");
    (path, error)
}

#[test]
fn a_good_file_reads_features_without_the_label_column() {
    let table = csv::read(&fixture("good.csv"), "label", LabelKind::Binary).unwrap();
    assert_eq!(
        table,
        Table {
            columns: vec!["x".to_string(), "y".to_string()],
            features: Dense {
                width: 2,
                values: vec![1.5, 2.0, -0.25, 300.0, 4.0, 0.5],
            },
            labels: vec![1.0, 0.0, 1.0],
        }
    );
    assert_eq!(table.features.rows(), 3);
}

#[test]
fn the_width_comes_from_the_header() {
    assert_eq!(csv::width(&fixture("good.csv"), "label").unwrap(), 2);
    // Only the header is read: rows that `read` refuses do not matter here.
    assert_eq!(csv::width(&fixture("ragged.csv"), "label").unwrap(), 2);
    assert_eq!(csv::width(&fixture("header_only.csv"), "label").unwrap(), 2);
}

#[test]
fn the_width_checks_the_header_as_read_does() {
    let path = fixture("no_label.csv");
    assert_eq!(
        csv::width(&path, "label").unwrap_err().to_string(),
        format!(
            "`{}`: no column `label`; the columns are `x`, `lable` and `y` — did you mean `lable`?",
            path.display()
        )
    );
    let path = fixture("empty.csv");
    assert_eq!(
        csv::width(&path, "label").unwrap_err().to_string(),
        format!("`{}`: has no header line", path.display())
    );
}

#[test]
fn a_ragged_row_names_file_line_and_column() {
    let (path, error) = failure("ragged.csv", LabelKind::Binary);
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
    let (path, error) = failure("non_numeric.csv", LabelKind::Binary);
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
            "{}:3:2: `abc` in column `y` is not a number",
            path.display()
        )
    );
}

#[test]
fn a_missing_label_column_suggests_the_closest() {
    let (path, error) = failure("no_label.csv", LabelKind::Binary);
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
    let error = csv::read(&path, "target", LabelKind::Real).unwrap_err();
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
    let table = csv::read(&fixture("good.csv"), "y", LabelKind::Real).unwrap();
    assert_eq!(table.columns, ["x", "label"]);
    assert_eq!(table.features.values, [1.5, 1.0, -0.25, 0.0, 4.0, 1.0]);
    assert_eq!(table.labels, [2.0, 300.0, 0.5]);
}

#[test]
fn a_label_the_loss_cannot_take_is_an_error_at_its_cell() {
    let (path, error) = failure("bad_label.csv", LabelKind::Binary);
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
            "{}:3:3: label `2` in column `label`: binary_crossentropy needs labels 0 or 1",
            path.display()
        )
    );
}

#[test]
fn class_labels_are_accepted_for_categorical() {
    let table = csv::read(&fixture("classes.csv"), "label", LabelKind::Class).unwrap();
    assert_eq!(table.columns, ["a", "b"]);
    assert_eq!(table.features.values, [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]);
    assert_eq!(table.labels, [0.0, 2.0, 1.0]);

    // The same file is wrong for a binary loss, at the first label that is not 0 or 1.
    let (path, error) = failure("classes.csv", LabelKind::Binary);
    assert_eq!(
        error.to_string(),
        format!(
            "{}:3:3: label `2` in column `label`: binary_crossentropy needs labels 0 or 1",
            path.display()
        )
    );
}

#[test]
fn an_empty_file_or_header_only_file_is_invalid() {
    let (path, error) = failure("empty.csv", LabelKind::Binary);
    assert!(matches!(error, DataError::Invalid { .. }));
    assert_eq!(
        error.to_string(),
        format!("`{}`: has no header line", path.display())
    );

    let (path, error) = failure("header_only.csv", LabelKind::Binary);
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
        csv::read(&path, "label", LabelKind::Binary).unwrap_err(),
        csv::width(&path, "label").unwrap_err(),
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
    let ctx = ofit::data::Context::from_env(&root().join("tests/fixtures/data"));
    ofit::data::load::resolve_input_widths(&mut program, &ctx).expect("header reads");
    assert_eq!(program.models[table_model].input.width, Some(2));
    assert_eq!(program.models[table_model].params(), Some((3, 0)));
}

#[test]
fn an_input_layer_that_disagrees_with_the_csv_header_is_an_error() {
    let (_, checked) =
        crate::support::compile(&root().join("tests/fixtures/data/csv_input_mismatch.ofit"));
    let mut program = checked.program.expect("checks");
    let ctx = ofit::data::Context::from_env(&root().join("tests/fixtures/data"));
    let error = ofit::data::load::resolve_input_widths(&mut program, &ctx).unwrap_err();
    assert!(
        error
            .to_string()
            .ends_with("good.csv`: has 2 feature columns, but model `m` declares `input(3)`"),
        "{error}"
    );
}
