//! `auto_mpg()` on the real data: `vega-datasets@3.2.1`'s `cars.json`, fetched with npm
//! into the data cache on first use, prepared as TensorFlow's fuel-efficiency tutorial
//! prepares it. The figures are pandas's, from `keras_regression.py`'s preparation. This
//! test never skips: without npm and without a cached copy it fails and says what to do.

use ofit::data::{self, Features, LabelRule, Split};
use ofit::ir::{DataSource, Dataset, Test, Validation};

fn row(split: &Split, index: usize) -> (Vec<f32>, f32) {
    match &split.features {
        Features::Dense(d) => (
            d.values[index * d.width..(index + 1) * d.width].to_vec(),
            split.labels[index],
        ),
        other => panic!("dense features expected, got {other:?}"),
    }
}

#[test]
fn auto_mpg_is_the_tutorials_data_split_as_pandas_splits_it() {
    let dataset = Dataset {
        name: "cars".to_string(),
        source: DataSource::AutoMpg,
        validation: Validation::Split { fraction: 0.2 },
        test: Some(Test::TestSplit),
    };
    let ctx = ofit::cli::data_context(&crate::support::root());
    let loaded = match data::load(&dataset, &LabelRule::any_number(), &ctx) {
        Ok(loaded) => loaded,
        Err(error) => panic!(
            "the real Auto MPG data is needed: {error}\n  help: {}",
            error.help().unwrap_or_default()
        ),
    };
    let stats = &loaded.data.stats;
    assert_eq!(stats.dropped, 14, "406 cars, 14 with a missing value");
    assert_eq!(
        stats.features,
        [
            "Cylinders",
            "Displacement",
            "Horsepower",
            "Weight_in_lbs",
            "Acceleration",
            "Year",
            "Origin_Europe",
            "Origin_Japan",
            "Origin_USA"
        ]
    );
    // 314 training cars (the last 63 of them validate, as Keras's validation_split = 0.2)
    // and 78 test cars.
    let test = stats.test.as_ref().expect("the tutorial's test split");
    assert_eq!(
        (
            stats.train.examples,
            stats.validation.examples,
            test.examples
        ),
        (251, 63, 78)
    );
    let data = &loaded.data;
    // `train.iloc[0]`, `train.iloc[251]` and `test.iloc[0]` of the tutorial's frames.
    assert_eq!(
        row(&data.train, 0),
        (
            vec![4.0, 90.0, 75.0, 2125.0, 14.5, 1974.0, 0.0, 0.0, 1.0],
            28.0
        )
    );
    assert_eq!(
        row(&data.validation, 0),
        (
            vec![8.0, 318.0, 140.0, 3735.0, 13.2, 1978.0, 0.0, 0.0, 1.0],
            19.4
        )
    );
    let test_split = data.test.as_ref().unwrap();
    assert_eq!(
        row(test_split, 0),
        (
            vec![8.0, 390.0, 190.0, 3850.0, 8.5, 1970.0, 0.0, 0.0, 1.0],
            15.0
        )
    );
    let mean =
        |labels: &[f32]| labels.iter().map(|&l| f64::from(l)).sum::<f64>() / labels.len() as f64;
    assert!((mean(&test_split.labels) - 23.991_025_641).abs() < 1e-5);
}
