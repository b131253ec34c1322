//! Facts about an encoded dataset, as `ofit data` prints them.

use serde::Serialize;

/// Facts about one split.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SplitStats {
    /// Number of examples.
    pub examples: usize,
    /// Examples per label value, in label order (for classification).
    pub label_counts: Vec<usize>,
    /// Mean sequence length, start token included (IMDB only).
    pub mean_length: Option<f64>,
    /// Median sequence length (IMDB only).
    pub median_length: Option<f64>,
    /// Shortest and longest sequence (IMDB only).
    pub length_range: Option<(usize, usize)>,
    /// Mean non-zeros per multi-hot row (IMDB only).
    pub mean_ids_per_row: Option<f64>,
}

/// Facts about a dataset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// The training split.
    pub train: SplitStats,
    /// The validation split.
    pub validation: SplitStats,
    /// Features per example.
    pub input_width: usize,
    /// Distinct words in the corpus (IMDB only).
    pub vocabulary: Option<usize>,
    /// The most frequent words (IMDB only).
    pub top_words: Vec<String>,
    /// Files the data was read from or cached in.
    pub files: Vec<String>,
}
