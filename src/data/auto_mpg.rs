//! `auto_mpg()`: the data of TensorFlow's "Basic regression: predict fuel efficiency"
//! tutorial, prepared as the tutorial prepares it, from the npm package `vega-datasets`
//! (`data/cars.json`, the UCI repository's 406 cars).
//!
//! The tutorial drops the rows with a missing value (392 left), one-hot encodes `Origin`
//! (pandas's `get_dummies`: Europe, Japan, USA, at the end), keeps the model year as a
//! feature and trains on `dataset.sample(frac = 0.8, random_state = 0)`, testing on the
//! rest. pandas draws that sample as numpy's `RandomState(0).permutation(392)[:314]`, in
//! that order, which [`keras_order`](super::keras_order) reproduces; the test rows keep
//! the file's order (`dataset.drop(train.index)`). The year is the calendar year (1970),
//! where the tutorial's UCI file writes 70: a normalized or trained model does not see
//! the difference.

use super::load::{dense_encoded, dense_split, Context, Loaded};
use super::{fetch, keras_order, table, validation, DataError, LabelRule};
use crate::ir::{Columns, Dataset, Missing, TableFormat, AUTO_MPG_WIDTH};

/// The label column.
pub const LABEL: &str = "Miles_per_Gallon";

/// The fraction of the complete cars the tutorial trains on.
const TRAIN_FRACTION: f64 = 0.8;

/// The seed of the tutorial's `sample(random_state = 0)`.
const SAMPLE_SEED: u32 = 0;

/// The tutorial's columns: all but `Name`, `Origin` one-hot, `Year` a year, incomplete
/// rows dropped.
pub fn columns() -> Columns {
    Columns {
        features: Some(
            [
                "Cylinders",
                "Displacement",
                "Horsepower",
                "Weight_in_lbs",
                "Acceleration",
                "Year",
                "Origin",
            ]
            .map(String::from)
            .to_vec(),
        ),
        drop: Vec::new(),
        categorical: vec!["Origin".to_string()],
        dates: vec!["Year".to_string()],
        missing: Missing::Drop,
    }
}

/// The tutorial's training rows of `rows` complete cars, in pandas's order, and its test
/// rows, in file order.
pub fn tutorial_split(rows: usize) -> (Vec<usize>, Vec<usize>) {
    // pandas rounds `frac × n` to the nearest count: 313.6 → 314.
    let train = ((rows as f64) * TRAIN_FRACTION).round() as usize;
    let order = keras_order::shuffled(rows, SAMPLE_SEED);
    let mut test = order[train..].to_vec();
    test.sort_unstable();
    (order[..train].to_vec(), test)
}

/// Loads `auto_mpg()`: the verified `cars.json` (fetched with npm on first use), prepared
/// as the tutorial prepares it, validated as `dataset` says (the tutorial's last 20 % of
/// the training rows by default) and tested on the tutorial's test rows.
pub fn load(dataset: &Dataset, rule: &LabelRule, ctx: &Context) -> Result<Loaded, DataError> {
    let fetched = fetch::verified_member(&ctx.cars, &ctx.cache_dir, &ctx.npm, ctx.npm_timeout)?;
    let cars = table::read(&fetched.path, TableFormat::Json, LABEL, &columns(), rule)?;
    if cars.features.width != AUTO_MPG_WIDTH {
        return Err(DataError::Invalid {
            path: fetched.path,
            message: format!(
                "has {} features, the tutorial's data has {AUTO_MPG_WIDTH}",
                cars.features.width
            ),
        });
    }
    let all = dense_split(cars.features.clone(), cars.labels.clone());
    let (train_rows, test_rows) = tutorial_split(all.labels.len());
    let (train, test) = (all.select(&train_rows), all.select(&test_rows));
    let (keep, held_out) =
        validation::carve(&dataset.validation, train_rows.len(), &fetched.path, "cars")?
            .expect("auto_mpg validates on its training cars");
    let splits = [train.select(&keep), train.select(&held_out)];
    let dropped = cars.dropped;
    let files = vec![fetched.path.display().to_string()];
    Ok(Loaded {
        data: dense_encoded(splits, Some(test), cars, files, dropped, rule),
        notes: fetched.note.into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tutorial_split_is_pandas_sample_with_random_state_0() {
        // pandas 2: `df.sample(frac=0.8, random_state=0).index[:10]` of the 392 cars.
        let (train, test) = tutorial_split(392);
        assert_eq!((train.len(), test.len()), (314, 78));
        assert_eq!(
            train[..10],
            [144, 280, 68, 372, 328, 255, 308, 326, 124, 107]
        );
        assert!(test.windows(2).all(|w| w[0] < w[1]));
        let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..392).collect::<Vec<_>>());
    }
}
