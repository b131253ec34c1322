//! "More data": an experiment's `train_size = [1250, 2500, …]` trains each model on the
//! first `n` examples of one seeded shuffle of the training split, for each `n`. The
//! shuffle is the same for every size, model and run, so each subset lies inside every
//! larger one and a model's result at one size does not depend on the other sizes asked
//! for. Validation and test examples are never cut: every size is judged on the same ones.

use super::load::label_counts;
use super::stats::SplitStats;
use super::{DataError, Encoded, Features};
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// The seed of the one shuffle every subset is the start of.
pub const SUBSET_SEED: u64 = 0x5175;

/// The training examples a subset of `size` of `rows` keeps: the first `size` of the
/// shuffle of `0..rows`, in the training split's order. `size ≤ rows`.
pub fn rows(rows: usize, size: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..rows).collect();
    order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(SUBSET_SEED));
    let mut kept = order[..size.min(rows)].to_vec();
    kept.sort_unstable();
    kept
}

/// `data` (of dataset `dataset`) with its training split cut to `size` examples, its
/// statistics counted anew (but for the text lengths, which are counted before encoding
/// and not kept for a subset).
pub fn subset(data: &Encoded, dataset: &str, size: usize) -> Result<Encoded, DataError> {
    let available = data.train.labels.len();
    if size > available {
        return Err(DataError::TrainSizeTooLarge {
            dataset: dataset.to_string(),
            size,
            rows: available,
        });
    }
    let train = data.train.select(&rows(available, size));
    let mut stats = data.stats.clone();
    stats.train = SplitStats {
        examples: size,
        label_counts: label_counts(&train.labels, data.classes),
        mean_length: None,
        median_length: None,
        length_range: None,
        mean_ids_per_row: match &train.features {
            Features::MultiHot(m) => (size > 0).then(|| m.ids.len() as f64 / size as f64),
            _ => None,
        },
        truncated: None,
    };
    Ok(Encoded {
        train,
        validation: data.validation.clone(),
        test: data.test.clone(),
        classes: data.classes,
        stats,
        preprocessing: data.preprocessing.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_subset_lies_inside_every_larger_one_and_is_the_same_every_time() {
        let sizes = [1, 10, 100, 500, 1000];
        let subsets: Vec<Vec<usize>> = sizes.iter().map(|&n| rows(1000, n)).collect();
        for (subset, &n) in subsets.iter().zip(&sizes) {
            assert_eq!(subset.len(), n);
            assert!(
                subset.windows(2).all(|w| w[0] < w[1]),
                "in the split's order"
            );
        }
        for pair in subsets.windows(2) {
            assert!(pair[0].iter().all(|r| pair[1].contains(r)), "nested");
        }
        assert_eq!(rows(1000, 100), subsets[2], "seeded");
        assert_eq!(subsets[4], (0..1000).collect::<Vec<_>>());
        // A random draw, not the first rows.
        assert_ne!(subsets[2], (0..100).collect::<Vec<_>>());
    }
}
