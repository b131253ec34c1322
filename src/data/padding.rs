//! Keras's `pad_sequences(sequences, maxlen, padding, truncating, value)`: word-id
//! sequences of any length made rows of one length.
//!
//! Read from `keras/src/utils/sequence_utils.py`: a long sequence keeps its last `maxlen`
//! ids (`truncating = 'pre'`, `s[-maxlen:]`) or its first (`'post'`, `s[:maxlen]`); the
//! kept ids go to the row's end (`padding = 'pre'`, `x[idx, -len(trunc):]`) or start
//! (`'post'`, `x[idx, :len(trunc)]`), every other place holds `value`. An empty sequence
//! is all `value`. Before padding, ids of `num_words` and above become the
//! out-of-vocabulary id, as `imdb.load_data(num_words = …)` does (and as multi-hot rows
//! do), so every id of a row lies below `num_words`.

use super::corpus::OOV;
use super::Padded;
use crate::ir::{Padding, Side};

/// Pads and truncates `rows` (each a sequence of word ids) to `padding.length`, with ids
/// of `num_words` and above mapped to [`OOV`] first.
pub fn pad<'a>(
    rows: impl ExactSizeIterator<Item = &'a [u32]>,
    num_words: usize,
    padding: Padding,
) -> Padded {
    let length = padding.length;
    let mut ids = vec![padding.value; rows.len() * length];
    for (row, out) in rows.zip(ids.chunks_exact_mut(length.max(1))) {
        pad_row(row, num_words, padding, out);
    }
    Padded {
        length,
        vocabulary: num_words,
        ids,
    }
}

/// One row: `out` (`padding.length` ids, already filled with `padding.value`) receives
/// the kept ids of `row`.
fn pad_row(row: &[u32], num_words: usize, padding: Padding, out: &mut [u32]) {
    let length = out.len();
    let kept = match padding.truncating {
        Side::Pre => &row[row.len().saturating_sub(length)..],
        Side::Post => &row[..row.len().min(length)],
    };
    let start = match padding.padding {
        Side::Pre => length - kept.len(),
        Side::Post => 0,
    };
    for (slot, &id) in out[start..].iter_mut().zip(kept) {
        *slot = if (id as usize) < num_words { id } else { OOV };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn padded(rows: &[&[u32]], length: usize, padding: Side, truncating: Side) -> Vec<Vec<u32>> {
        let p = Padding {
            length,
            padding,
            truncating,
            value: 0,
        };
        let out = pad(rows.iter().copied(), 100, p);
        (0..out.rows()).map(|r| out.row(r).to_vec()).collect()
    }

    #[test]
    fn the_docstring_examples_of_keras() {
        let rows: &[&[u32]] = &[&[1], &[2, 3], &[4, 5, 6]];
        assert_eq!(
            padded(rows, 3, Side::Pre, Side::Pre),
            [[0, 0, 1], [0, 2, 3], [4, 5, 6]]
        );
        assert_eq!(
            padded(rows, 3, Side::Post, Side::Pre),
            [[1, 0, 0], [2, 3, 0], [4, 5, 6]]
        );
        assert_eq!(
            padded(rows, 2, Side::Pre, Side::Pre),
            [[0, 1], [2, 3], [5, 6]]
        );
    }
}
