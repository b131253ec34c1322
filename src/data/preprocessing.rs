//! What turns raw input into a model's features, fitted on its training data: for text,
//! Keras's tokenizer rule, the word index and the encoding; for a numeric table, each
//! feature column and how it is read (a categorical column's names among them). Training
//! keeps it in every model folder (`preprocessing.json`), so that a trained model applies
//! to raw input anywhere, without the spec, the data or the data cache, exactly as it was
//! trained.

use super::corpus::{self, WordIndex, INDEX_FROM, OOV, START};
use super::error::shown;
use super::table::FeatureColumn;
use super::{padding, tokenize, Features};
use crate::ir::Encoding;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The format of `preprocessing.json`; a file of another is refused, not misread.
pub const FORMAT: u32 = 1;

/// A model's preprocessing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocessing {
    /// [`FORMAT`].
    pub format: u32,
    /// How an input becomes features.
    pub input: Input,
    /// For classification, the class names: the output for class `i` is `classes[i]`'s
    /// (IMDB's are `negative` and `positive`); `None` for numeric labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes: Option<Vec<String>>,
}

/// How an input becomes features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Input {
    /// A text, tokenized and indexed as the training texts were.
    Text(TextEncoder),
    /// A row of named cells, read as the training file's rows were.
    Table(TableReader),
}

/// A numeric table's rows as features: each feature column's cell read as in training
/// (a number, a date's year, a name one-hot over the training file's names); other cells,
/// the label's among them, are not read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableReader {
    /// The feature columns, in feature order.
    pub columns: Vec<FeatureColumn>,
    /// The features' names, in order (a one-hot column's as `column_name`).
    pub features: Vec<String>,
}

impl TableReader {
    /// The features of one row, whose cell in a column `cell` gives (`None`: the row has
    /// no such column); else what is wrong with it.
    pub fn read(&self, cell: &dyn Fn(&str) -> Option<String>) -> Result<Vec<f32>, String> {
        let mut values = Vec::with_capacity(self.features.len());
        for column in &self.columns {
            let text = cell(&column.name)
                .ok_or_else(|| format!("has no `{}` value", shown(&column.name)))?;
            column.read(&text, &mut values)?;
        }
        Ok(values)
    }
}

/// Keras's text pipeline as `imdb.load_data` and ofit's text tables apply it: lower-case
/// the text, replace each of `filters` by a space, split on spaces; `start` first, then
/// each word's id (`words[i]` has id `index_from + 1 + i`; any other word is `oov`, as a
/// word beyond `num_words` is); then the encoding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextEncoder {
    /// The characters that become spaces.
    pub filters: String,
    /// The id every text starts with.
    pub start: u32,
    /// The id of a word out of the vocabulary.
    pub oov: u32,
    /// The id below the most frequent word's.
    pub index_from: u32,
    /// Ids at and above this are `oov` (Keras's `num_words`).
    pub num_words: usize,
    /// The most frequent words of the training data, most frequent first: those whose
    /// ids lie below `num_words`.
    pub words: Vec<String>,
    /// Multi-hot rows of width `num_words`, or padded sequences.
    pub encoding: Encoding,
    /// The column the training texts were read from (a text table's); `None` for IMDB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

impl Preprocessing {
    /// The preprocessing of text indexed with the ranked `words` (most frequent first),
    /// kept below `num_words`, encoded as `encoding`, read from `column` of a table.
    pub fn text(
        words: &[String],
        num_words: usize,
        encoding: Encoding,
        column: Option<&str>,
        classes: Option<Vec<String>>,
    ) -> Preprocessing {
        let kept = num_words.saturating_sub(INDEX_FROM as usize + 1);
        Preprocessing {
            format: FORMAT,
            input: Input::Text(TextEncoder {
                filters: tokenize::FILTERS.to_string(),
                start: START,
                oov: OOV,
                index_from: INDEX_FROM,
                num_words,
                words: words.iter().take(kept).cloned().collect(),
                encoding,
                column: column.map(str::to_string),
            }),
            classes,
        }
    }
}

impl Preprocessing {
    /// The preprocessing of a numeric table read by `columns`, giving `features`.
    pub fn table(
        columns: Vec<FeatureColumn>,
        features: Vec<String>,
        classes: Option<Vec<String>>,
    ) -> Preprocessing {
        Preprocessing {
            format: FORMAT,
            input: Input::Table(TableReader { columns, features }),
            classes,
        }
    }
}

impl TextEncoder {
    /// The encoder of these rules, with its word index built once.
    pub fn encoder(&self) -> Result<TextEncoding<'_>, String> {
        // ofit's tokenizer is the rule these files were written by; another rule would
        // need another tokenizer, not a silently different encoding.
        if self.filters != tokenize::FILTERS
            || (self.start, self.oov, self.index_from) != (START, OOV, INDEX_FROM)
        {
            return Err(
                "its tokenizer rule is not the one this ofit applies (Keras's defaults)"
                    .to_string(),
            );
        }
        Ok(TextEncoding {
            rules: self,
            index: WordIndex::of_ranked(&self.words),
        })
    }
}

/// A [`TextEncoder`] ready to encode.
pub struct TextEncoding<'a> {
    rules: &'a TextEncoder,
    index: WordIndex,
}

impl TextEncoding<'_> {
    /// `texts` as the model's features, one row each.
    pub fn encode(&self, texts: &[&str]) -> Features {
        let rows: Vec<Vec<u32>> = texts.par_iter().map(|t| self.index.encode(t)).collect();
        let num_words = self.rules.num_words;
        match self.rules.encoding {
            Encoding::MultiHot => {
                Features::MultiHot(corpus::multi_hot(rows.iter().map(Vec::as_slice), num_words))
            }
            Encoding::Sequence(p) => {
                Features::Sequences(padding::pad(rows.iter().map(Vec::as_slice), num_words, p))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Padding, Side};

    fn words() -> Vec<String> {
        ["the", "movie", "was", "great", "bad"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn words_keep_their_training_ids_and_the_rest_are_out_of_vocabulary() {
        // num_words = 7 keeps ids 4, 5, 6: "the", "movie", "was".
        let pre = Preprocessing::text(&words(), 7, Encoding::MultiHot, None, None);
        let Input::Text(text) = &pre.input else {
            panic!("text")
        };
        assert_eq!(text.words, ["the", "movie", "was"]);
        let encoder = text.encoder().unwrap();
        let Features::MultiHot(rows) = encoder.encode(&["The movie was GREAT!", ""]) else {
            panic!("multi-hot")
        };
        assert_eq!(rows.row(0), [START, OOV, 4, 5, 6]);
        assert_eq!(rows.row(1), [START]);
        assert_eq!(rows.width, 7);
    }

    #[test]
    fn sequences_are_padded_as_in_training() {
        let padding = Padding {
            length: 4,
            padding: Side::Pre,
            truncating: Side::Pre,
            value: 0,
        };
        let pre = Preprocessing::text(&words(), 100, Encoding::Sequence(padding), None, None);
        let Input::Text(text) = &pre.input else {
            panic!("text")
        };
        let Features::Sequences(rows) = text.encoder().unwrap().encode(&["movie bad"]) else {
            panic!("sequences")
        };
        assert_eq!(rows.row(0), [0, START, 5, 8]);
    }

    #[test]
    fn another_tokenizer_rule_is_refused() {
        let mut pre = Preprocessing::text(&words(), 100, Encoding::MultiHot, None, None);
        let Input::Text(text) = &mut pre.input else {
            panic!("text")
        };
        text.filters.push('\'');
        assert!(text.encoder().is_err());
    }
}
