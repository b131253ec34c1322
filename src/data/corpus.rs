//! The IMDB reviews as Keras's `imdb.load_data` sees them: word-id sequences with a start
//! token, ids ranked by word frequency over all 50,000 reviews.

use super::tokenize;
use super::MultiHot;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// Id 0 pads sequences (never produced here).
pub const PAD: u32 = 0;
/// Id 1 starts every sequence.
pub const START: u32 = 1;
/// Id 2 stands for a word outside `num_words`.
pub const OOV: u32 = 2;
/// A word of rank `r` (1-based) gets id `r + INDEX_FROM`.
pub const INDEX_FROM: u32 = 3;

/// One labelled review.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Review {
    /// The text.
    #[serde(rename = "t")]
    pub text: String,
    /// 1 positive, 0 negative.
    #[serde(rename = "s")]
    pub label: u8,
}

/// Word-id sequences stored one after another: sequence `r` is
/// `ids[offsets[r]..offsets[r + 1]]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sequences {
    /// `rows + 1` offsets, starting at 0.
    pub offsets: Vec<u32>,
    /// Word ids; every sequence starts with [`START`]. Every word keeps its id here;
    /// `num_words` applies when encoding.
    pub ids: Vec<u32>,
    /// One label per sequence: 1 positive, 0 negative.
    pub labels: Vec<u8>,
}

impl Sequences {
    /// Number of sequences.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Sequence `r`.
    pub fn row(&self, r: usize) -> &[u32] {
        &self.ids[self.offsets[r] as usize..self.offsets[r + 1] as usize]
    }

    /// Appends one sequence.
    pub fn push(&mut self, ids: &[u32], label: u8) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        self.ids.extend_from_slice(ids);
        self.offsets.push(self.ids.len() as u32);
        self.labels.push(label);
    }

    /// The sequences at `rows`, in that order.
    pub fn select(&self, rows: &[usize]) -> Sequences {
        let mut out = Sequences {
            offsets: vec![0],
            ..Sequences::default()
        };
        for &r in rows {
            out.push(self.row(r), self.labels[r]);
        }
        out
    }

    /// Multi-hot rows of width `num_words`: each row's distinct ids, sorted, with ids of
    /// `num_words` and above mapped to [`OOV`] first (Keras's `num_words` rule).
    pub fn multi_hot(&self, num_words: usize) -> MultiHot {
        let rows: Vec<Vec<u32>> = (0..self.len())
            .into_par_iter()
            .map(|r| {
                let mut row: Vec<u32> = self
                    .row(r)
                    .iter()
                    .map(|&id| if (id as usize) < num_words { id } else { OOV })
                    .collect();
                row.sort_unstable();
                row.dedup();
                row
            })
            .collect();
        let mut offsets = Vec::with_capacity(rows.len() + 1);
        offsets.push(0);
        let mut ids = Vec::with_capacity(rows.iter().map(Vec::len).sum());
        for row in rows {
            ids.extend_from_slice(&row);
            offsets.push(ids.len() as u32);
        }
        MultiHot {
            width: num_words,
            offsets,
            ids,
        }
    }
}

/// The indexed reviews of both splits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Corpus {
    /// The training reviews.
    pub train: Sequences,
    /// The test reviews.
    pub test: Sequences,
    /// Number of distinct words; word ids run from `INDEX_FROM + 1` to
    /// `INDEX_FROM + vocabulary`.
    pub vocabulary: usize,
    /// The most frequent words, most frequent first (at most 20), for `ofit data`.
    pub top_words: Vec<String>,
}

/// How many of the most frequent words a corpus remembers by name.
const TOP_WORDS: usize = 20;

impl Corpus {
    /// Tokenizes and indexes reviews as Keras does: words ranked by their count over both
    /// splits, ties broken by first appearance (training reviews first, then test), rank
    /// `r` → id `r + 3`, and a start id before every review.
    pub fn build(train: &[Review], test: &[Review]) -> Corpus {
        let normalized: Vec<String> = train
            .par_iter()
            .chain(test.par_iter())
            .map(|review| tokenize::normalize(&review.text))
            .collect();
        // First pass: count words and remember the order in which they first appear.
        let mut first_seen: FxHashMap<&str, u32> = FxHashMap::default();
        let mut counts: Vec<u64> = Vec::new();
        let mut order: Vec<&str> = Vec::new();
        for text in &normalized {
            for word in tokenize::split(text) {
                let index = *first_seen.entry(word).or_insert_with(|| {
                    order.push(word);
                    counts.push(0);
                    (order.len() - 1) as u32
                });
                counts[index as usize] += 1;
            }
        }
        // Rank by count, descending; the sort is stable, so ties keep first appearance.
        let mut by_rank: Vec<u32> = (0..order.len() as u32).collect();
        by_rank.sort_by_key(|&i| std::cmp::Reverse(counts[i as usize]));
        let mut id_of_first_seen = vec![0u32; order.len()];
        for (rank, &i) in by_rank.iter().enumerate() {
            id_of_first_seen[i as usize] = rank as u32 + 1 + INDEX_FROM;
        }
        let encode = |texts: &[String], reviews: &[Review]| {
            let mut sequences = Sequences::default();
            let mut ids = Vec::new();
            for (text, review) in texts.iter().zip(reviews) {
                ids.clear();
                ids.push(START);
                ids.extend(tokenize::split(text).map(|w| id_of_first_seen[first_seen[w] as usize]));
                sequences.push(&ids, review.label);
            }
            if sequences.offsets.is_empty() {
                sequences.offsets.push(0);
            }
            sequences
        };
        let (train_texts, test_texts) = normalized.split_at(train.len());
        Corpus {
            train: encode(train_texts, train),
            test: encode(test_texts, test),
            vocabulary: order.len(),
            top_words: by_rank
                .iter()
                .take(TOP_WORDS)
                .map(|&i| order[i as usize].to_string())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(text: &str, label: u8) -> Review {
        Review {
            text: text.to_string(),
            label,
        }
    }

    #[test]
    fn ids_follow_frequency_and_first_appearance() {
        let train = [review("b a a", 1), review("c b", 0)];
        let test = [review("d c c", 1)];
        let corpus = Corpus::build(&train, &test);
        // Counts: a 2, b 2, c 3, d 1 → ranks c, b (seen before a), a, d → ids 4, 5, 6, 7.
        assert_eq!(corpus.train.row(0), [START, 5, 6, 6]);
        assert_eq!(corpus.train.row(1), [START, 4, 5]);
        assert_eq!(corpus.test.row(0), [START, 7, 4, 4]);
        assert_eq!(corpus.vocabulary, 4);
        assert_eq!(corpus.top_words, ["c", "b", "a", "d"]);
        assert_eq!(corpus.train.labels, [1, 0]);
    }

    #[test]
    fn multi_hot_rows_are_sorted_distinct_ids_with_rare_words_out_of_vocabulary() {
        let mut sequences = Sequences::default();
        sequences.push(&[START, 9, 4, 4, 12, 5], 1);
        sequences.push(&[START], 0);
        let rows = sequences.multi_hot(10);
        assert_eq!(rows.row(0), [START, OOV, 4, 5, 9]);
        assert_eq!(rows.row(1), [START]);
        assert_eq!(rows.width, 10);
    }
}
