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
        multi_hot((0..self.len()).map(|r| self.row(r)), num_words)
    }

    /// The sequences padded and truncated as Keras's `pad_sequences` ([`super::padding`]).
    pub fn padded(&self, num_words: usize, padding: crate::ir::Padding) -> super::Padded {
        super::padding::pad((0..self.len()).map(|r| self.row(r)), num_words, padding)
    }
}

/// The indexed reviews of both splits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Corpus {
    /// The training reviews.
    pub train: Sequences,
    /// The test reviews.
    pub test: Sequences,
    /// Every distinct word, most frequent first: word `words[i]` has id
    /// `INDEX_FROM + 1 + i`.
    pub words: Vec<String>,
}

/// How many of the most frequent words `ofit data` shows.
const TOP_WORDS: usize = 20;

/// The most frequent of ranked `words`, for `ofit data`.
pub fn top_words(words: &[String]) -> Vec<String> {
    words.iter().take(TOP_WORDS).cloned().collect()
}

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
        let (id_of, by_rank) = rank(&normalized);
        let encode = |texts: &[String], reviews: &[Review]| {
            let mut sequences = Sequences::default();
            let mut ids = Vec::new();
            for (text, review) in texts.iter().zip(reviews) {
                ids.clear();
                ids.push(START);
                ids.extend(tokenize::split(text).map(|w| id_of[w]));
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
            words: by_rank.iter().map(|w| w.to_string()).collect(),
        }
    }
}

/// Keras's ranking of the words of `normalized` texts: by count, descending, ties broken
/// by first appearance; rank `r` (1-based) gets id `r + INDEX_FROM`. Returns each word's
/// id and the words in rank order.
fn rank(normalized: &[String]) -> (FxHashMap<&str, u32>, Vec<&str>) {
    // First pass: count words and remember the order in which they first appear.
    let mut first_seen: FxHashMap<&str, u32> = FxHashMap::default();
    let mut counts: Vec<u64> = Vec::new();
    let mut order: Vec<&str> = Vec::new();
    for text in normalized {
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
    let mut id_of = first_seen;
    for (rank, &i) in by_rank.iter().enumerate() {
        *id_of.get_mut(order[i as usize]).expect("a counted word") = rank as u32 + 1 + INDEX_FROM;
    }
    let words = by_rank.iter().map(|&i| order[i as usize]).collect();
    (id_of, words)
}

/// A word index ranked over some texts only (a CSV file's training split), for encoding
/// others: a word it never saw is out of vocabulary ([`OOV`]), as a word beyond
/// `num_words` is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordIndex {
    ids: FxHashMap<String, u32>,
    /// Every distinct word ranked, most frequent first ([`Corpus::words`]).
    pub words: Vec<String>,
}

impl WordIndex {
    /// Ranks the words of `texts` as [`Corpus::build`] ranks the reviews' (same rule, same
    /// tie-breaking: first appearance in `texts` order).
    pub fn rank(texts: &[String]) -> WordIndex {
        let normalized: Vec<String> = texts.par_iter().map(|t| tokenize::normalize(t)).collect();
        let (id_of, by_rank) = rank(&normalized);
        WordIndex {
            words: by_rank.iter().map(|w| w.to_string()).collect(),
            ids: id_of
                .into_iter()
                .map(|(w, id)| (w.to_string(), id))
                .collect(),
        }
    }

    /// The index of `words`, already ranked (most frequent first): `words[i]` has id
    /// `INDEX_FROM + 1 + i`.
    pub fn of_ranked(words: &[String]) -> WordIndex {
        WordIndex {
            ids: words
                .iter()
                .enumerate()
                .map(|(i, w)| (w.clone(), i as u32 + 1 + INDEX_FROM))
                .collect(),
            words: words.to_vec(),
        }
    }

    /// `text` as word ids: [`START`], then each word's id ([`OOV`] for a word not ranked).
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let normalized = tokenize::normalize(text);
        std::iter::once(START)
            .chain(tokenize::split(&normalized).map(|w| self.ids.get(w).copied().unwrap_or(OOV)))
            .collect()
    }
}

/// Word-id sequences with numeric labels (a CSV text split: labels are class ids or
/// targets), stored as [`Sequences`] are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextSplit {
    /// `rows + 1` offsets, starting at 0.
    pub offsets: Vec<u32>,
    /// Word ids; every sequence starts with [`START`].
    pub ids: Vec<u32>,
    /// One label per sequence.
    pub labels: Vec<f32>,
}

impl TextSplit {
    /// The texts encoded with `index`, with their labels.
    pub fn encode(index: &WordIndex, texts: &[String], labels: Vec<f32>) -> TextSplit {
        let encoded: Vec<Vec<u32>> = texts.par_iter().map(|t| index.encode(t)).collect();
        let mut split = TextSplit {
            offsets: Vec::with_capacity(texts.len() + 1),
            ids: Vec::with_capacity(encoded.iter().map(Vec::len).sum()),
            labels,
        };
        split.offsets.push(0);
        for row in encoded {
            split.ids.extend_from_slice(&row);
            split.offsets.push(split.ids.len() as u32);
        }
        split
    }

    /// Number of sequences.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sequence `r`.
    pub fn row(&self, r: usize) -> &[u32] {
        &self.ids[self.offsets[r] as usize..self.offsets[r + 1] as usize]
    }
}

/// A CSV file's text, tokenized and indexed: the words ranked over the training split
/// only, every split encoded with that ranking (what the cache keeps).
#[derive(Debug, Clone, PartialEq)]
pub struct TextCorpus {
    /// The training split.
    pub train: TextSplit,
    /// The validation split.
    pub validation: TextSplit,
    /// The test split, when the dataset has one.
    pub test: Option<TextSplit>,
    /// Every distinct word of the training split, most frequent first ([`Corpus::words`]).
    pub words: Vec<String>,
    /// For string labels, the class names: id `i` is `classes[i]`.
    pub classes: Option<Vec<String>>,
}

/// Multi-hot rows of width `num_words` from word-id `rows`: each row's distinct ids,
/// sorted, with ids of `num_words` and above mapped to [`OOV`] first (Keras's `num_words`
/// rule).
pub fn multi_hot<'a>(rows: impl Iterator<Item = &'a [u32]>, num_words: usize) -> MultiHot {
    let rows: Vec<&[u32]> = rows.collect();
    let rows: Vec<Vec<u32>> = rows
        .into_par_iter()
        .map(|row| {
            let mut row: Vec<u32> = row
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
        assert_eq!(corpus.words, ["c", "b", "a", "d"]);
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
