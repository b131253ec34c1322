//! The report of a run directory: one SVG per experiment and plotted metric, `report.json`
//! with the over/underfitting figures of every model, and a self-contained `index.html`.
//! Everything is computed from the files training left (`run.json`, each model's
//! `history.json`, `model.json`, `summary.txt`), so `ofit report` can redo it at any time.

use super::analysis::{analyse_history, Fit};
use super::plot::{learning_curves, Series};
use crate::file::{self, IoError};
use crate::history::History;
use crate::ir::Model;
use crate::run_index::RunIndex;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A report that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file could not be read or written.
    #[error(transparent)]
    Io(#[from] IoError),
    /// A file is not what training writes.
    #[error("`{path}` is not a run file ofit can read: {reason}")]
    Invalid {
        /// Which file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

fn read(path: &Path) -> Result<String, ReportError> {
    Ok(file::read_to_string(path)?)
}

fn parse<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, ReportError> {
    serde_json::from_str(text).map_err(|e| ReportError::Invalid {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

fn write(path: &Path, text: &str) -> Result<(), ReportError> {
    Ok(file::write_atomic(path, text.as_bytes())?)
}

/// `report.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// One entry per experiment of the run.
    pub experiments: Vec<ExperimentReport>,
}

/// One experiment's figures.
#[derive(Debug, Clone, Serialize)]
pub struct ExperimentReport {
    /// The experiment's name.
    pub name: String,
    /// The metric the figures are computed on (the first plotted one).
    pub metric: String,
    /// Every plotted metric, with the SVG file drawn for it.
    pub plots: Vec<(String, String)>,
    /// One entry per model.
    pub models: Vec<ModelReport>,
}

/// One model's figures in an experiment.
#[derive(Debug, Clone, Serialize)]
pub struct ModelReport {
    /// Its name in the experiment.
    pub name: String,
    /// Its folder, relative to the run directory.
    pub folder: String,
    /// Its parameter count.
    pub params: Option<usize>,
    /// Epochs trained.
    pub epochs: usize,
    /// Validation accuracy at the last epoch, when accuracy was computed.
    pub final_val_accuracy: Option<f64>,
    /// The figures on the experiment's metric (see `report::analysis`).
    #[serde(flatten)]
    pub fit: Option<Fit>,
    /// The same figures on the training loss (regularization penalties included).
    pub loss: Option<Fit>,
    /// The model's Keras-style summary.
    #[serde(skip)]
    pub summary: String,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Written {
    /// The report's figures.
    pub report: Report,
    /// `index.html`.
    pub html: PathBuf,
}

/// Writes the plots, `report.json` and `index.html` of the run directory `root`.
pub fn write_report(root: &Path) -> Result<Written, ReportError> {
    let index_path = root.join("run.json");
    let index: RunIndex = parse(&index_path, &read(&index_path)?)?;
    let plots_dir = root.join("plots");
    let mut experiments = Vec::new();
    for experiment in &index.experiments {
        let mut loaded = Vec::new();
        for model in &experiment.models {
            let folder = root.join(&model.folder);
            let history_path = folder.join("history.json");
            let history: History = parse(&history_path, &read(&history_path)?)?;
            let key_path = folder.join("model.json");
            let key: serde_json::Value = parse(&key_path, &read(&key_path)?)?;
            let params = serde_json::from_value::<Model>(key["model"].clone())
                .ok()
                .and_then(|m| m.params())
                .map(|(t, n)| t + n);
            let summary = std::fs::read_to_string(folder.join("summary.txt")).unwrap_or_default();
            loaded.push((model, history, params, summary));
        }
        let metric = experiment
            .plot
            .first()
            .cloned()
            .unwrap_or_else(|| "loss".to_string());
        let mut plots = Vec::new();
        for plotted in &experiment.plot {
            let columns: Vec<(Vec<f64>, Vec<f64>, Option<usize>)> = loaded
                .iter()
                .map(|(_, h, _, _)| {
                    let train = h.column(plotted).unwrap_or_default();
                    let validation = h.column(&format!("val_{plotted}")).unwrap_or_default();
                    let overfit = if lower_is_better(plotted) {
                        analyse_history(h, plotted).and_then(|f| f.overfit_epoch)
                    } else {
                        None
                    };
                    (train, validation, overfit)
                })
                .collect();
            let series: Vec<Series> = loaded
                .iter()
                .zip(&columns)
                .map(|((m, ..), (train, validation, overfit))| Series {
                    name: &m.name,
                    train,
                    validation,
                    overfit_epoch: *overfit,
                })
                .collect();
            let title = format!("{}: {plotted}", experiment.name);
            let file = format!("plots/{}-{plotted}.svg", experiment.name);
            file::ensure_dir(&plots_dir)?;
            write(
                &root.join(&file),
                &learning_curves(&title, plotted, &series),
            )?;
            plots.push((plotted.clone(), file));
        }
        let models = loaded
            .into_iter()
            .map(|(model, history, params, summary)| ModelReport {
                name: model.name.clone(),
                folder: model.folder.clone(),
                params,
                epochs: history.epochs.len(),
                final_val_accuracy: history
                    .column("val_accuracy")
                    .and_then(|v| v.last().copied()),
                fit: analyse_history(&history, &metric),
                loss: analyse_history(&history, "loss"),
                summary,
            })
            .collect();
        experiments.push(ExperimentReport {
            name: experiment.name.clone(),
            metric,
            plots,
            models,
        });
    }
    let report = Report { experiments };
    write(
        &root.join("report.json"),
        &(serde_json::to_string_pretty(&report).expect("report serializes") + "\n"),
    )?;
    let data_views: Vec<String> = std::fs::read_dir(&plots_dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.starts_with("data-") && n.ends_with(".svg"))
        .collect();
    let html = root.join("index.html");
    write(
        &html,
        &super::html::page(&index.spec, &report, root, &data_views),
    )?;
    Ok(Written { report, html })
}

/// Whether a smaller value of `metric` is better (every metric but accuracy).
fn lower_is_better(metric: &str) -> bool {
    metric != "accuracy"
}
