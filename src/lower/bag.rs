//! An embedding followed directly by global average pooling, as a weighted gather: the
//! pooled vector of a row of `L` word ids is `Σ_id (count(id) / L) · E[id]` over its
//! distinct ids, the same numbers (to rounding) as Keras's `Embedding` then
//! `GlobalAveragePooling1D`, at the cost of one kernel row per distinct id instead of a
//! `[batch, L, dim]` tensor. Each row's distinct ids and weights are computed once per
//! dataset ([`Bags::new`]); the gather, the scatter of the gradient and the fused
//! optimizer step are [`SparseDense`]'s, reading the bags as weighted [`Rows`].
//!
//! Keras's semantics, from `keras/src/layers/core/embedding.py` and
//! `keras/src/layers/pooling/global_average_pooling1d.py`:
//! - without `mask_zero`, the padding id 0 is a word like any other, and the mean divides
//!   by the full length `L`;
//! - with `mask_zero`, the embedding's mask (`ids != 0`) reaches the pooling, which sums
//!   the unmasked steps and divides by their number. A row that is all padding is
//!   `0 / 0`: NaN, which Keras computes too (no `divide_no_nan` there); its masked steps
//!   pass no gradient to the table, as the `where` they go through passes none.

use super::sparse::{Rows, SparseDense};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::fmt;

/// Keras's `Embedding` initializer (`"uniform"`, `RandomUniform(-0.05, 0.05)`): its bound.
pub const INIT_LIMIT: f32 = 0.05;

/// A fresh embedding table `[vocabulary, dim]` (row-major, a word's vector a row), drawn
/// as Keras's default initializer draws it, uniform in `[−0.05, 0.05)`, one draw per
/// weight in row-major order from `rng`. Both forms of an embedding (this gather and the
/// plain burn layer) take their table from here, so they start from the same weights.
pub fn embedding_init(vocabulary: usize, dim: usize, rng: &mut ChaCha8Rng) -> Vec<f32> {
    (0..vocabulary * dim)
        .map(|_| rng.random_range(-INIT_LIMIT..INIT_LIMIT))
        .collect()
}

/// Rows of word ids as the pooled embedding reads them: each row's distinct counted ids,
/// ascending, with the weight `count / counted steps` (compressed rows). A row with no
/// counted step (all padding under `mask_zero`) has no ids, and pools to NaN.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bags {
    /// The vocabulary: every id lies below it.
    pub vocabulary: usize,
    offsets: Vec<u32>,
    ids: Vec<u32>,
    weights: Vec<f32>,
}

/// Why rows of ids cannot be read as bags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BagError {
    /// The number of ids is not a multiple of the row length.
    Length {
        /// Ids given.
        ids: usize,
        /// The row length.
        length: usize,
    },
    /// An id at or past the vocabulary.
    Id {
        /// The id.
        id: u32,
        /// Its row.
        row: usize,
        /// Its step within the row.
        step: usize,
        /// The vocabulary.
        vocabulary: usize,
    },
}

impl fmt::Display for BagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            BagError::Length { ids, length } => {
                write!(f, "{ids} ids do not make whole rows of length {length}")
            }
            BagError::Id {
                id,
                row,
                step,
                vocabulary,
            } => write!(
                f,
                "id {id} at step {step} of row {row} is not below the vocabulary of {vocabulary}"
            ),
        }
    }
}

impl std::error::Error for BagError {}

impl Bags {
    /// The bags of `ids`, rows of `length` ids (row-major), each id below `vocabulary`;
    /// with `mask_zero`, id 0 is padding and not counted. One pass over the ids, with a
    /// count per word reused from row to row; refused before anything is built if the
    /// ids do not make whole rows or one is not below the vocabulary.
    pub fn new(
        ids: &[u32],
        length: usize,
        vocabulary: usize,
        mask_zero: bool,
    ) -> Result<Bags, BagError> {
        if (length == 0 && !ids.is_empty()) || (length > 0 && !ids.len().is_multiple_of(length)) {
            return Err(BagError::Length {
                ids: ids.len(),
                length,
            });
        }
        if let Some(at) = ids.iter().position(|&id| id as usize >= vocabulary) {
            return Err(BagError::Id {
                id: ids[at],
                row: at / length,
                step: at % length,
                vocabulary,
            });
        }
        let rows = ids.len().checked_div(length).unwrap_or(0);
        let mut bags = Bags {
            vocabulary,
            offsets: Vec::with_capacity(rows + 1),
            ids: Vec::new(),
            weights: Vec::new(),
        };
        bags.offsets.push(0);
        let mut counts = vec![0u32; vocabulary];
        let mut distinct = Vec::with_capacity(length);
        for row in ids.chunks(length.max(1)) {
            let mut counted = 0u32;
            for &id in row {
                if mask_zero && id == 0 {
                    continue;
                }
                counted += 1;
                let count = &mut counts[id as usize];
                if *count == 0 {
                    distinct.push(id);
                }
                *count += 1;
            }
            // Ascending ids: each row's kernel rows are read in address order.
            distinct.sort_unstable();
            for &id in &distinct {
                bags.ids.push(id);
                bags.weights
                    .push(counts[id as usize] as f32 / counted as f32);
                counts[id as usize] = 0;
            }
            distinct.clear();
            bags.offsets.push(bags.ids.len() as u32);
        }
        Ok(bags)
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// The distinct counted ids of row `r`, ascending, and their weights.
    pub fn row(&self, r: usize) -> (&[u32], &[f32]) {
        let range = self.offsets[r] as usize..self.offsets[r + 1] as usize;
        (&self.ids[range.clone()], &self.weights[range])
    }

    /// Replaces `out`'s rows by the rows at `indices`, in that order (a batch), reusing
    /// its buffers so that a training loop allocates nothing per batch.
    ///
    /// # Panics
    ///
    /// If an index is not a row.
    pub fn select_into(&self, indices: &[usize], out: &mut Bags) {
        out.vocabulary = self.vocabulary;
        out.offsets.clear();
        out.ids.clear();
        out.weights.clear();
        out.offsets.push(0);
        for &r in indices {
            let (ids, weights) = self.row(r);
            out.ids.extend_from_slice(ids);
            out.weights.extend_from_slice(weights);
            out.offsets.push(out.ids.len() as u32);
        }
    }

    /// The bags as the gathered layer reads them: weighted rows.
    pub fn as_rows(&self) -> Rows<'_> {
        Rows {
            width: self.vocabulary,
            offsets: &self.offsets,
            ids: &self.ids,
            weights: Some(&self.weights),
        }
    }

    /// The pooled embeddings `[rows, dim]` of these rows through `table` (a layer of
    /// `vocabulary` inputs, `dim` units, no bias): each row its weighted sum of table
    /// rows, NaN for a row with no counted step (Keras's `0 / 0`).
    ///
    /// # Panics
    ///
    /// If `table` cannot read these rows ([`SparseDense::check`]).
    pub fn pool(&self, table: &SparseDense) -> Vec<f32> {
        let mut out = table.forward(self.as_rows());
        let units = table.units;
        for (r, w) in self.offsets.windows(2).enumerate() {
            if w[0] == w[1] {
                out[r * units..(r + 1) * units].fill(f32::NAN);
            }
        }
        out
    }
}
