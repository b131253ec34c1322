//! JSON records (`json(…)`) and the column settings every table source has: `features` or
//! `drop`, `categorical`, `dates`, `missing`, on a few records of the real Auto MPG data.

use ofit::data::{Context, DataError, Features, LabelRule, Split};
use ofit::ir::{Columns, DataSource, Dataset, Missing, TableFormat, Test, Validation};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn context() -> Context {
    Context::new(
        root().join("tests/fixtures/data/json"),
        std::env::temp_dir().join("ofit-no-cache"),
        "/no/such/npm",
    )
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// The fuel-efficiency tutorial's columns: Name left out, Origin one-hot, Year a year.
fn tutorial_columns() -> Columns {
    Columns {
        features: None,
        drop: strings(&["Name"]),
        categorical: strings(&["Origin"]),
        dates: strings(&["Year"]),
        missing: Missing::Drop,
    }
}

fn cars(columns: Columns, test: Option<&str>) -> Dataset {
    Dataset {
        name: "cars".to_string(),
        source: DataSource::Table {
            format: TableFormat::Json,
            path: "cars.json".to_string(),
            label: "Miles_per_Gallon".to_string(),
            text: None,
            columns,
        },
        validation: Validation::Split { fraction: 0.25 },
        test: test.map(|path| Test::File {
            path: path.to_string(),
        }),
    }
}

fn rows(split: &Split) -> Vec<Vec<f32>> {
    match &split.features {
        Features::Dense(dense) => dense
            .values
            .chunks(dense.width)
            .map(<[f32]>::to_vec)
            .collect(),
        other => panic!("dense features expected, got {other:?}"),
    }
}

fn load(dataset: &Dataset) -> Result<ofit::data::Loaded, DataError> {
    ofit::data::load(dataset, &LabelRule::any_number(), &context())
}

#[test]
fn records_become_features_with_names_one_hot_and_dates_as_years() {
    let loaded = load(&cars(tutorial_columns(), None)).unwrap();
    let stats = &loaded.data.stats;
    // Origin's names in byte order, where the column stands (pandas's get_dummies names).
    assert_eq!(
        stats.features,
        strings(&[
            "Cylinders",
            "Displacement",
            "Horsepower",
            "Weight_in_lbs",
            "Acceleration",
            "Year",
            "Origin_Europe",
            "Origin_Japan",
            "Origin_USA"
        ])
    );
    // 9 records, 2 with a null (Miles_per_Gallon, Horsepower): 7 left, the last 2 validate.
    assert_eq!(stats.dropped, 2);
    assert_eq!((stats.train.examples, stats.validation.examples), (5, 2));
    let train = rows(&loaded.data.train);
    assert_eq!(
        train[0],
        [8.0, 307.0, 130.0, 3504.0, 12.0, 1970.0, 0.0, 0.0, 1.0],
        "chevrolet chevelle malibu"
    );
    assert_eq!(&train[3][6..], [0.0, 1.0, 0.0], "the first Japanese car");
    assert_eq!(loaded.data.train.labels[..3], [18.0, 15.0, 18.0]);
}

#[test]
fn features_choose_and_order_the_columns() {
    let columns = Columns {
        features: Some(strings(&["Weight_in_lbs", "Origin", "Cylinders"])),
        categorical: strings(&["Origin"]),
        ..tutorial_columns()
    };
    let columns = Columns {
        drop: Vec::new(),
        dates: Vec::new(),
        ..columns
    };
    let loaded = load(&cars(columns, None)).unwrap();
    assert_eq!(
        loaded.data.stats.features,
        strings(&[
            "Weight_in_lbs",
            "Origin_Europe",
            "Origin_Japan",
            "Origin_USA",
            "Cylinders"
        ])
    );
    // Horsepower is not read, so only the record without a label is dropped.
    assert_eq!(loaded.data.stats.dropped, 1);
    assert_eq!(rows(&loaded.data.train)[0], [3504.0, 0.0, 0.0, 1.0, 8.0]);
}

#[test]
fn a_missing_value_is_an_error_at_its_line_unless_rows_are_dropped() {
    let columns = Columns {
        missing: Missing::Error,
        ..tutorial_columns()
    };
    let error = load(&cars(columns, None)).unwrap_err().to_string();
    let path = root().join("tests/fixtures/data/json/cars.json");
    assert_eq!(
        error,
        format!(
            "`{0}` has 2 problems:\n\
             {0}:37:26: the value in column `Miles_per_Gallon` is missing (an empty cell, or null): `missing = drop` leaves such rows out\n\
             {0}:95:20: the value in column `Horsepower` is missing (an empty cell, or null): `missing = drop` leaves such rows out",
            path.display()
        )
    );
}

#[test]
fn a_test_file_follows_the_training_files_names_and_refuses_a_new_one() {
    let error = load(&cars(tutorial_columns(), Some("cars_test.json")))
        .unwrap_err()
        .to_string();
    let path = root().join("tests/fixtures/data/json/cars_test.json");
    assert_eq!(
        error,
        format!(
            "{}:22:16: `Mars` in column `Origin` is not one of the training file's names, \
             `Europe`, `Japan` and `USA`",
            path.display()
        )
    );
}

#[test]
fn a_date_or_a_name_read_as_a_number_says_how_to_read_it() {
    // Every column but `drop` read as a number.
    let numbers_but = |drop: &[&str]| {
        let columns = Columns {
            drop: strings(drop),
            categorical: Vec::new(),
            dates: Vec::new(),
            ..tutorial_columns()
        };
        load(&cars(columns, None)).unwrap_err().to_string()
    };
    let error = numbers_but(&["Name", "Origin"]);
    assert!(
        error.contains(
            "cars.json:10:14: `1970-01-01` in column `Year` is a date, not a number \
             (`dates = [\"Year\"]` reads its year)"
        ),
        "{error}"
    );
    let error = numbers_but(&["Year", "Origin"]);
    assert!(
        error.contains(
            "cars.json:3:14: `chevrolet chevelle malibu` in column `Name` is not a number \
             (a column of names is read with `categorical = [\"Name\"]`)"
        ),
        "{error}"
    );
}

#[test]
fn a_column_the_file_lacks_is_named_with_the_closest() {
    let columns = Columns {
        drop: strings(&["Name", "Acceleraton"]),
        ..tutorial_columns()
    };
    let error = load(&cars(columns, None)).unwrap_err().to_string();
    assert!(error.ends_with("did you mean `Acceleration`?"), "{error}");
}

#[test]
fn ofit_data_names_the_features_and_counts_the_rows_left_out() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ofit"))
        .args(["data", "tests/fixtures/data/json/cars.ofit"])
        .current_dir(root())
        .output()
        .expect("ofit runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(
            "  features:         Cylinders, Displacement, Horsepower, Weight_in_lbs, \
             Acceleration, Year, Origin_Europe, Origin_Japan, Origin_USA\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("  missing values:   2 rows with one, left out\n"),
        "{stdout}"
    );
}
