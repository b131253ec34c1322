//! `run.json`: which experiments a run directory holds, and each model's folder. Training
//! writes it, reports read it.

use serde::{Deserialize, Serialize};

/// What `run.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexedExperiment {
    /// Its name.
    pub name: String,
    /// Its dataset's name.
    pub dataset: String,
    /// Its training block's name.
    pub training: String,
    /// Metrics to plot.
    pub plot: Vec<String>,
    /// Its models.
    pub models: Vec<IndexedModel>,
}

/// One model of an experiment in `run.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexedModel {
    /// The model's name in the experiment.
    pub name: String,
    /// Its folder, relative to the run directory.
    pub folder: String,
}
