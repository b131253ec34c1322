//! Validation examples carved from the training examples: Keras's last fraction
//! (`validation_split`), a seeded random fraction (`validation_sample`) or the first rows
//! (`validation_first`). A validation file, or a source's own test split, is not carved.

use super::DataError;
use crate::ir::Validation;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::path::Path;

/// The seed of every `validation_sample` drawn from training examples, so that the same
/// declaration always holds out the same examples.
pub const SAMPLE_SEED: u64 = 0x0f17;

/// The indices of the training examples kept for training and of those held out for
/// validation, each in the source's order.
pub type Carved = (Vec<usize>, Vec<usize>);

/// The kept and held-out indices of `rows` training examples (in the source's order) for
/// `validation`; `None` when the validation examples are not carved from them. A split
/// that keeps no example, or holds out none, is an error naming `path` (what the rows
/// are: `noun`).
///
/// A fraction keeps `floor(rows × (1 − fraction))` examples for training, as Keras's
/// `validation_split` does, whether the held-out ones are the last (`Split`) or drawn at
/// random (`Sample`, from a ChaCha8 generator seeded with [`SAMPLE_SEED`]). Both lists
/// are in the source's order.
pub fn carve(
    validation: &Validation,
    rows: usize,
    path: &Path,
    noun: &'static str,
) -> Result<Option<Carved>, DataError> {
    let fraction = |key: &'static str, fraction: f64| {
        let kept = ((rows as f64) * (1.0 - fraction)).floor() as usize;
        if kept == 0 || kept >= rows {
            return Err(DataError::EmptySplit {
                path: path.to_path_buf(),
                rows,
                noun,
                key,
                fraction,
                held_out: rows - kept.min(rows),
            });
        }
        Ok(kept)
    };
    Ok(Some(match *validation {
        Validation::Split { fraction: f } => {
            let kept = fraction("validation_split", f)?;
            ((0..kept).collect(), (kept..rows).collect())
        }
        Validation::Sample { fraction: f } => {
            let kept = fraction("validation_sample", f)?;
            let mut order: Vec<usize> = (0..rows).collect();
            order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(SAMPLE_SEED));
            let (mut held_out, mut keep) = (order[kept..].to_vec(), order[..kept].to_vec());
            keep.sort_unstable();
            held_out.sort_unstable();
            (keep, held_out)
        }
        Validation::First { rows: first } => {
            if first == 0 || first >= rows {
                return Err(DataError::FirstTooMany {
                    path: path.to_path_buf(),
                    rows,
                    noun,
                    first,
                });
            }
            ((first..rows).collect(), (0..first).collect())
        }
        Validation::File { .. } | Validation::TestSplit => return Ok(None),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn carve(validation: Validation, rows: usize) -> Result<Carved, DataError> {
        super::carve(&validation, rows, Path::new("t.csv"), "rows").map(Option::unwrap)
    }

    #[test]
    fn validation_split_holds_out_the_last_rows_as_keras_does() {
        // Keras: split_at = floor(n × (1 − f)); 314 rows at 0.2 keep 251 (the fuel
        // efficiency tutorial's training rows).
        let (keep, held) = carve(Validation::Split { fraction: 0.2 }, 314).unwrap();
        assert_eq!(keep, (0..251).collect::<Vec<_>>());
        assert_eq!(held, (251..314).collect::<Vec<_>>());
        let (keep, held) = carve(Validation::Split { fraction: 0.25 }, 10).unwrap();
        assert_eq!((keep.len(), held), (7, vec![7, 8, 9]));
        assert!(carve(Validation::Split { fraction: 0.95 }, 10).is_err());
    }

    #[test]
    fn a_sample_is_seeded_disjoint_complete_and_ordered() {
        let sample = |fraction| carve(Validation::Sample { fraction }, 10);
        let (keep, held) = sample(0.3).unwrap();
        assert_eq!((keep.len(), held.len()), (7, 3));
        assert_ne!(held, vec![7, 8, 9], "drawn at random, not the last rows");
        let mut all: Vec<usize> = keep.iter().chain(&held).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert!(keep.windows(2).all(|w| w[0] < w[1]));
        assert!(held.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(sample(0.3).unwrap(), (keep, held));
        // The count is Keras's: 0.05 of 10 keeps floor(9.5) = 9; 0.95 keeps none.
        assert_eq!(sample(0.05).unwrap().1.len(), 1);
        assert!(sample(0.95).is_err());
    }

    #[test]
    fn validation_first_holds_out_the_first_rows() {
        let (keep, held) = carve(Validation::First { rows: 2 }, 5).unwrap();
        assert_eq!((keep, held), (vec![2, 3, 4], vec![0, 1]));
        assert!(carve(Validation::First { rows: 5 }, 5).is_err());
        assert!(
            super::carve(&Validation::TestSplit, 5, Path::new("t"), "rows")
                .unwrap()
                .is_none()
        );
    }
}
