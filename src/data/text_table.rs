//! A table file's text column (CSV or JSON Lines) as a text dataset: tokenized with Keras's rule (as IMDB's
//! reviews), the words ranked over the training split only, encoded multi-hot or as
//! padded sequences.
//!
//! The validation split is carved (or read) before any word is counted, so nothing of the
//! validation or test examples leaks into the ranking: a word only they hold is out of
//! vocabulary ([`OOV`](super::corpus::OOV)), as a word beyond `num_words` is. The
//! tokenized and indexed splits are cached ([`cache::save_text_corpus`]) under a key made
//! of every file's SHA-256, the columns and the split, so a rerun does not tokenize again.

use super::cache;
use super::corpus::{TextCorpus, TextSplit, WordIndex};
use super::load::{class_count, no_test_split, text_stats, Context, Loaded};
use super::preprocessing::Preprocessing;
use super::stats::Stats;
use super::table::{self, Labels};
use super::validation;
use super::{DataError, Encoded, Features, LabelRule, Split};
use crate::ir::{Dataset, Encoding, TableFormat, Test, TextColumn, Validation};
use sha2::{Digest, Sha256};
use std::path::Path;

/// Loads dataset `dataset`, whose training file is `written` (as the spec writes it, in
/// `format`) with the label column `label` and the text column `column`.
pub fn load(
    dataset: &Dataset,
    format: TableFormat,
    written: &str,
    label: &str,
    column: &TextColumn,
    rule: &LabelRule,
    ctx: &Context,
) -> Result<Loaded, DataError> {
    let path = ctx.resolve(written);
    let validation_file = match &dataset.validation {
        Validation::File { path } => Some(ctx.resolve(path)),
        Validation::TestSplit => return Err(no_test_split(&path)),
        Validation::Split { .. } | Validation::Sample { .. } | Validation::First { .. } => None,
    };
    let test_file = match &dataset.test {
        None => None,
        Some(Test::File { path }) => Some(ctx.resolve(path)),
        Some(Test::TestSplit) => return Err(no_test_split(&path)),
    };
    let files = Files {
        format,
        train: &path,
        validation: validation_file.as_deref(),
        test: test_file.as_deref(),
        text: &column.column,
        label,
    };
    let corpus_path = ctx.cache_dir.join("corpus").join(format!(
        "text-{}.corpus",
        &key(&files, &dataset.validation)?[..16]
    ));
    // Creating the cache first makes an unusable cache directory the error a user sees.
    cache::ensure_dir(&ctx.cache_dir)?;
    let mut notes = Vec::new();
    let cached = match cache::load_text_corpus(&corpus_path) {
        Ok(cached) => cached,
        Err(damaged @ DataError::Damaged { .. }) => {
            notes.push(format!("{damaged}; rebuilt it"));
            None
        }
        Err(other) => return Err(other),
    };
    // A cached corpus whose labels this rule refuses is read again, so that the error
    // names the file, line and column of the first bad label.
    let corpus = match cached.filter(|c| labels_fit(c, rule)) {
        Some(corpus) => corpus,
        None => {
            let corpus = build(&files, &dataset.validation, rule)?;
            cache::save_text_corpus(&corpus_path, &corpus)?;
            corpus
        }
    };
    let mut read = vec![path.display().to_string()];
    read.extend(validation_file.iter().map(|p| p.display().to_string()));
    read.extend(test_file.iter().map(|p| p.display().to_string()));
    read.push(corpus_path.display().to_string());
    Ok(Loaded {
        data: encode(corpus, column, rule, read),
        notes,
    })
}

/// A text dataset's files, their format and the columns read.
struct Files<'a> {
    format: TableFormat,
    train: &'a Path,
    validation: Option<&'a Path>,
    test: Option<&'a Path>,
    text: &'a str,
    label: &'a str,
}

/// The cache key: SHA-256 (hex) of the cache's layout, the file format, the columns, each
/// file's SHA-256 and the validation split.
fn key(files: &Files, validation: &Validation) -> Result<String, DataError> {
    let file_hash = |path: &Path| -> Result<String, DataError> {
        let bytes = std::fs::read(path).map_err(|e| DataError::io("read", path, &e))?;
        Ok(crate::file::sha256_hex(&bytes))
    };
    let mut hash = Sha256::new();
    let mut part = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    part(b"ofit text table 2");
    part(files.format.source().as_bytes());
    part(files.text.as_bytes());
    part(files.label.as_bytes());
    part(file_hash(files.train)?.as_bytes());
    match validation {
        Validation::Split { fraction } => {
            part(b"split");
            part(&fraction.to_bits().to_le_bytes());
        }
        Validation::Sample { fraction } => {
            part(b"sample");
            part(&fraction.to_bits().to_le_bytes());
        }
        Validation::First { rows } => {
            part(b"first");
            part(&(*rows as u64).to_le_bytes());
        }
        Validation::File { .. } | Validation::TestSplit => part(b"file"),
    }
    for file in [files.validation, files.test] {
        match file {
            Some(path) => part(file_hash(path)?.as_bytes()),
            None => part(b"none"),
        }
    }
    Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether every label of a cached corpus meets `rule`.
fn labels_fit(corpus: &TextCorpus, rule: &LabelRule) -> bool {
    match &corpus.classes {
        Some(classes) => rule.check(classes.len().saturating_sub(1) as f32).is_ok(),
        None => [
            Some(&corpus.train),
            Some(&corpus.validation),
            corpus.test.as_ref(),
        ]
        .into_iter()
        .flatten()
        .all(|s| s.labels.iter().all(|&l| rule.check(l).is_ok())),
    }
}

/// Reads the files, splits, ranks the training split's words and encodes every split.
fn build(
    files: &Files,
    validation: &Validation,
    rule: &LabelRule,
) -> Result<TextCorpus, DataError> {
    let Files {
        format,
        train: path,
        text,
        label,
        ..
    } = *files;
    let train = table::read_text(path, format, text, label, rule, Labels::Decide)?;
    let follow = match &train.classes {
        Some(classes) => Labels::Classes(classes),
        None => Labels::Numbers,
    };
    let other = |path: &Path| table::read_text(path, format, text, label, rule, follow);
    let pick = |rows: &[usize]| -> (Vec<String>, Vec<f32>) {
        (
            rows.iter().map(|&r| train.texts[r].clone()).collect(),
            rows.iter().map(|&r| train.labels[r]).collect(),
        )
    };
    let rows = train.texts.len();
    let ((train_texts, train_labels), (validation_texts, validation_labels)) =
        match (validation, files.validation) {
            (_, Some(file)) => {
                let held = other(file)?;
                (
                    (train.texts.clone(), train.labels.clone()),
                    (held.texts, held.labels),
                )
            }
            (carved, None) => match validation::carve(carved, rows, path, "rows")? {
                Some((keep, held)) => (pick(&keep), pick(&held)),
                None => return Err(no_test_split(path)),
            },
        };
    let test = files.test.map(other).transpose()?;
    // The training split alone decides the ranking.
    let index = WordIndex::rank(&train_texts);
    Ok(TextCorpus {
        train: TextSplit::encode(&index, &train_texts, train_labels),
        validation: TextSplit::encode(&index, &validation_texts, validation_labels),
        test: test.map(|t| TextSplit::encode(&index, &t.texts, t.labels)),
        words: index.words,
        classes: train.classes,
    })
}

/// A split's sequences, in order.
fn rows(split: &TextSplit) -> impl ExactSizeIterator<Item = &[u32]> + '_ {
    (0..split.len()).map(move |r| split.row(r))
}

/// The corpus encoded as the declaration asks, with its facts.
fn encode(
    corpus: TextCorpus,
    column: &TextColumn,
    rule: &LabelRule,
    files: Vec<String>,
) -> Encoded {
    let split = |s: &TextSplit| Split {
        features: match column.encoding {
            Encoding::MultiHot => {
                Features::MultiHot(super::corpus::multi_hot(rows(s), column.num_words))
            }
            Encoding::Sequence(padding) => {
                Features::Sequences(super::padding::pad(rows(s), column.num_words, padding))
            }
        },
        labels: s.labels.clone(),
    };
    let train = split(&corpus.train);
    let validation = split(&corpus.validation);
    let test = corpus.test.as_ref().map(split);
    let classes = class_count(
        corpus.classes.as_deref(),
        [Some(&train), Some(&validation), test.as_ref()],
        rule,
    );
    let stats_of = |s: &TextSplit, encoded: &Split| {
        text_stats((0..s.len()).map(|r| s.row(r).len()), encoded, classes)
    };
    let preprocessing = Preprocessing::text(
        &corpus.words,
        column.num_words,
        column.encoding,
        Some(&column.column),
        corpus.classes.clone(),
    );
    let stats = Stats {
        train: stats_of(&corpus.train, &train),
        validation: stats_of(&corpus.validation, &validation),
        test: corpus
            .test
            .as_ref()
            .zip(test.as_ref())
            .map(|(s, t)| stats_of(s, t)),
        input_width: train.features.width(),
        vocabulary: Some(corpus.words.len()),
        top_words: super::corpus::top_words(&corpus.words),
        files,
        classes: corpus.classes,
        features: Vec::new(),
        dropped: 0,
    };
    Encoded {
        train,
        validation,
        test,
        classes,
        stats,
        preprocessing: Some(preprocessing),
    }
}
