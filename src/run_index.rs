//! `run.json`: which experiments a run directory holds, and each model's folder. Training
//! writes it (at the start of a run, so an interrupted run has one), reports read it,
//! through [`RunIndex::read`], which refuses an index whose folders or names would lead
//! out of the run directory.

use crate::file::{self, IoError};
use serde::{Deserialize, Serialize};
use std::path::{Component, Path, PathBuf};

/// The index's file name in a run directory.
pub const RUN_JSON: &str = "run.json";

/// What `run.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunIndex {
    /// The spec file, as named on the command line.
    pub spec: String,
    /// The spec file's absolute path: a run directory holds the runs of one spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_path: Option<std::path::PathBuf>,
    /// Experiments in spec order.
    pub experiments: Vec<IndexedExperiment>,
}

/// One experiment in `run.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexedExperiment {
    /// Its name.
    pub name: String,
    /// Its dataset's name.
    pub dataset: String,
    /// Metrics to plot.
    pub plot: Vec<String>,
    /// Whether the report shows the dataset's view (`plots/data-<dataset>.svg`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub show_data: bool,
    /// Its models.
    pub models: Vec<IndexedModel>,
}

impl IndexedExperiment {
    /// The training-set sizes its models trained at (`train_size`), ascending, each once;
    /// empty when it trains on the whole training split.
    pub fn train_sizes(&self) -> Vec<usize> {
        let mut sizes: Vec<usize> = self.models.iter().filter_map(|m| m.train_size).collect();
        sizes.sort_unstable();
        sizes.dedup();
        sizes
    }
}

/// One model of an experiment in `run.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexedModel {
    /// The model's name in the experiment.
    pub name: String,
    /// Its training block's name (absent from runs written before models of one
    /// experiment could train differently).
    #[serde(default)]
    pub training: String,
    /// The number of training examples it was trained on, when the experiment sweeps
    /// them (`train_size`); absent: the whole training split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_size: Option<usize>,
    /// Its folder, relative to the run directory.
    pub folder: String,
}

/// A `run.json` that could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunIndexError {
    /// The file could not be read.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The file is not an index ofit can use.
    #[error("`{}`: {reason}", path.display())]
    Invalid {
        /// Which file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl RunIndex {
    /// Reads and checks the `run.json` at `path`.
    pub fn read(path: &Path) -> Result<RunIndex, RunIndexError> {
        let text = file::read_to_string(path)?;
        RunIndex::from_json(&text).map_err(|reason| RunIndexError::Invalid {
            path: path.to_path_buf(),
            reason,
        })
    }

    /// Parses and checks the text of a `run.json`; the error says what is wrong.
    pub fn from_json(text: &str) -> Result<RunIndex, String> {
        let index: RunIndex =
            serde_json::from_str(text).map_err(|e| format!("not a run index: {e}"))?;
        index.validate()?;
        Ok(index)
    }

    /// Checks that every model folder is a relative path inside the run directory (no
    /// `..`, not absolute), and that experiment and metric names, which name plot files,
    /// are plain names (letters, digits, `_`, `-`), experiments named once each.
    pub fn validate(&self) -> Result<(), String> {
        let plain = |name: &str| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        for (i, experiment) in self.experiments.iter().enumerate() {
            if !plain(&experiment.name) {
                return Err(format!(
                    "experiment name `{}` is not a plain name (letters, digits, `_`, `-`)",
                    experiment.name
                ));
            }
            if self.experiments[..i]
                .iter()
                .any(|e| e.name == experiment.name)
            {
                return Err(format!("experiment `{}` appears twice", experiment.name));
            }
            if let Some(metric) = experiment.plot.iter().find(|m| !plain(m)) {
                return Err(format!(
                    "experiment `{}` plots `{metric}`, which is not a metric name",
                    experiment.name
                ));
            }
            for model in &experiment.models {
                if !inside(&model.folder) {
                    return Err(format!(
                        "model `{}` of experiment `{}` has folder `{}`, which is not inside \
                         the run directory (a relative path without `..`)",
                        model.name, experiment.name, model.folder
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Whether `folder` is a relative path that stays inside the directory it is relative to.
fn inside(folder: &str) -> bool {
    let path = Path::new(folder);
    let mut names = 0;
    for component in path.components() {
        match component {
            Component::Normal(_) => names += 1,
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    names > 0 && !folder.contains('\\')
}

impl IndexedModel {
    /// Its name in reports: the model's, and its training-set size when the experiment
    /// sweeps them (`baseline@1250`).
    pub fn shown_name(&self) -> String {
        match self.train_size {
            Some(n) => format!("{}@{n}", self.name),
            None => self.name.clone(),
        }
    }

    /// Its folder in the run directory `root`.
    pub fn dir(&self, root: &Path) -> PathBuf {
        root.join(&self.folder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_must_stay_inside_the_run_directory() {
        assert!(inside("models/0123abcd"));
        assert!(inside("./models/x"));
        for bad in [
            "",
            ".",
            "../elsewhere",
            "models/../../x",
            "/etc",
            "models\\..\\x",
        ] {
            assert!(!inside(bad), "{bad}");
        }
    }
}
