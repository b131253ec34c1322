//! A spec's run directory: one folder per trained model, named by a content hash of what
//! determines its result, and an index of the experiments. Any number of workers may use
//! it at once: each model is claimed by the worker that trains it (`run::claim`).
//!
//! ```text
//! runs/<spec>/run.json          experiments → models → folders (what the report reads)
//!            /models/<hash>/    see `folder`
//!            /slurm/            the Slurm job script and its tasks' logs (`run::slurm`)
//! ```

use crate::file::{self, IoError};
use crate::ir::{Dataset, Model, Training};
use crate::lower::Backend;
use crate::run_index::RunIndex;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Bumped when training changes in a way that changes results, so old folders are not
/// mistaken for current ones.
pub const RESULT_FORMAT: u32 = 2;

/// A run directory could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A file operation failed.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The directory holds the run of another spec, or is not a run directory at all.
    #[error("`{}` {what}; name another directory with `--out`", root.display())]
    NotOurs {
        /// The directory.
        root: PathBuf,
        /// What it holds instead.
        what: String,
    },
}

/// What a run directory may hold besides model folders: anything else means it is not one.
/// (`.lock` is what runs before workers shared a directory left.)
const RUN_FILES: [&str; 7] = [
    ".lock",
    "slurm",
    "run.json",
    "models",
    "plots",
    "report.json",
    "index.html",
];

/// An open run directory.
#[derive(Debug)]
pub struct RunDir {
    root: PathBuf,
}

impl RunDir {
    /// Creates (if needed) `root` for the runs of the spec at `spec` (an absolute path). A directory that holds the run of another spec, or files that are
    /// not a run's, is refused: two specs never replace each other's results.
    pub fn open(root: &Path, spec: &Path) -> Result<RunDir, RunError> {
        if let Ok(entries) = std::fs::read_dir(root) {
            let strangers: Vec<String> = entries
                .filter_map(Result::ok)
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|n| !RUN_FILES.contains(&n.as_str()) && !n.starts_with(file::TMP_PREFIX))
                .collect();
            if let Some(first) = strangers.first() {
                return Err(RunError::NotOurs {
                    root: root.to_path_buf(),
                    what: format!("is not an ofit run directory (it holds `{first}`)"),
                });
            }
        }
        file::ensure_dir(root)?;
        let run = RunDir {
            root: root.to_path_buf(),
        };
        if let Some(other) = run.read_index().and_then(|index| index.spec_path) {
            if other != spec {
                return Err(RunError::NotOurs {
                    root: root.to_path_buf(),
                    what: format!(
                        "holds the run of `{}`, not of `{}`",
                        other.display(),
                        spec.display()
                    ),
                });
            }
        }
        Ok(run)
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The index a previous run wrote, if it is readable ([`RunIndex::read`]).
    pub fn read_index(&self) -> Option<RunIndex> {
        RunIndex::read(&self.root.join(crate::run_index::RUN_JSON)).ok()
    }

    /// Writes the index of experiments and their models' folders.
    pub fn write_index(&self, index: &RunIndex) -> Result<(), RunError> {
        let path = self.root.join(crate::run_index::RUN_JSON);
        let text = serde_json::to_string_pretty(index).expect("index serializes") + "\n";
        Ok(file::write_atomic(&path, text.as_bytes())?)
    }
}

/// What a model's folder is named after: the model, the dataset declaration, the data
/// itself and the training settings (epochs and seed included).
#[derive(Serialize)]
pub struct ResultKey<'a> {
    /// Format of ofit's results.
    pub format: u32,
    /// The model, as checked.
    pub model: &'a Model,
    /// The dataset declaration.
    pub dataset: &'a Dataset,
    /// SHA-256 of the encoded examples.
    pub data: &'a str,
    /// The training settings.
    pub training: &'a Training,
    /// The backend trained on (`ndarray`, `flex`): their arithmetic differs in the last
    /// bits, so one's result is never taken for another's.
    pub backend: &'static str,
}

impl<'a> ResultKey<'a> {
    /// The key of training `model` on `dataset` (whose encoded data has fingerprint
    /// `data`) with `training` on `backend`.
    pub fn new(
        model: &'a Model,
        dataset: &'a Dataset,
        data: &'a str,
        training: &'a Training,
        backend: Backend,
    ) -> Self {
        ResultKey {
            format: RESULT_FORMAT,
            model,
            dataset,
            data,
            training,
            backend: backend.name(),
        }
    }

    /// The first 16 hex digits of the SHA-256 of the key with every name left out (names
    /// do not change results, so a renamed model is not retrained) and without the dataset
    /// declaration (the data's own checksum stands for it, so the same file named by
    /// another path is the same data): the folder's name.
    pub fn hash(&self) -> String {
        let mut value = serde_json::to_value(self).expect("key serializes");
        if let Some(object) = value.as_object_mut() {
            object.remove("dataset");
        }
        for part in ["model", "training"] {
            if let Some(object) = value[part].as_object_mut() {
                for name in ["name", "template", "arguments"] {
                    object.remove(name);
                }
            }
        }
        let json = serde_json::to_vec(&value).expect("key serializes");
        Sha256::digest(&json)
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The key as pretty JSON, kept in the folder as `model.json`.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("key serializes") + "\n"
    }
}
