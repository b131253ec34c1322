//! Facts about an encoded dataset, as `ofit data` prints them.

use serde::Serialize;

/// Facts about one split.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SplitStats {
    /// Number of examples.
    pub examples: usize,
    /// Examples per label value, in label order (for classification).
    pub label_counts: Vec<usize>,
    /// Mean sequence length, start token included (text only).
    pub mean_length: Option<f64>,
    /// Median sequence length (text only).
    pub median_length: Option<f64>,
    /// Shortest and longest sequence (text only).
    pub length_range: Option<(usize, usize)>,
    /// Mean non-zeros per multi-hot row (multi-hot text only).
    pub mean_ids_per_row: Option<f64>,
    /// For sequences: how many were longer than the row length and lost ids to
    /// truncation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated: Option<usize>,
}

/// Facts about a dataset.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    /// The training split.
    pub train: SplitStats,
    /// The validation split.
    pub validation: SplitStats,
    /// The test split, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<SplitStats>,
    /// Features per example.
    pub input_width: usize,
    /// Distinct words in the corpus (text only).
    pub vocabulary: Option<usize>,
    /// The most frequent words (text only).
    pub top_words: Vec<String>,
    /// Files the data was read from or cached in.
    pub files: Vec<String>,
    /// For string labels (CSV): the class names, class id `i` is `classes[i]` (the
    /// training file's distinct labels in byte order).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classes: Option<Vec<String>>,
    /// For a numeric table: the features' names, in feature order (a categorical column's
    /// as `column_name` per name).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    /// Rows left out of the files for a missing value (`missing = drop`).
    #[serde(skip_serializing_if = "is_zero")]
    pub dropped: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
