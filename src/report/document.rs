//! The report of a run directory: one SVG per experiment and plotted metric, `report.json`
//! with the over/underfitting figures of every model, and a self-contained `index.html`.
//! Everything is computed from the files training left (`run.json`, each model folder's
//! history — finished, or its newest checkpoint's — `model.json`, `summary.txt`), so
//! `ofit report` can redo it at any time, also of a run that is still training, was
//! interrupted or has damaged files: each model is reported as far as its files go.

use super::analysis::{analyse_history, best_of, Fit};
use super::more_data::{more_data, MoreData};
use super::plot::{learning_curves, Series};
use crate::file::{self, IoError};
use crate::history::{Ending, History};
use crate::ir::Model;
use crate::model_folder::{model_state, Progress, MODEL_JSON, SUMMARY_TXT};
use crate::run_index::{IndexedExperiment, IndexedModel, RunIndex, RunIndexError, RUN_JSON};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A report that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file could not be read or written.
    #[error(transparent)]
    Io(#[from] IoError),
    /// `run.json` is missing or not an index ofit can use.
    #[error(transparent)]
    Index(#[from] RunIndexError),
    /// A file is not what ofit expects.
    #[error("`{}`: {reason}", path.display())]
    Invalid {
        /// Which file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
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
    /// The view of its dataset (`plots/data-<dataset>.svg`), when the spec asks for it
    /// (`show_data`) and the run drew it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_view: Option<String>,
    /// The model with the best validation value on `metric` (the first on ties); `None`
    /// while no model has one.
    pub best: Option<Best>,
    /// One entry per model (per model and training-set size when the experiment sweeps
    /// `train_size`).
    pub models: Vec<ModelReport>,
    /// What more training data bought each model, when the experiment trains at two or
    /// more sizes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more_data: Option<MoreData>,
}

/// An experiment's best model on its metric.
#[derive(Debug, Clone, Serialize)]
pub struct Best {
    /// The model's name.
    pub model: String,
    /// Its best validation value.
    pub value: f64,
    /// The epoch of that value.
    pub epoch: usize,
    /// The same in words: "best model: `baseline`, lowest validation loss 0.2808 (epoch 2)".
    pub sentence: String,
}

/// How far a model's training got, as its folder shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// `history.json` is there (its `ending` says how training ended).
    Finished,
    /// Only a checkpoint: training is going on, or was interrupted.
    Training,
    /// Nothing yet.
    NotTrained,
    /// Nothing usable: its history files are damaged.
    Damaged,
}

/// One model's figures in an experiment.
#[derive(Debug, Clone, Serialize)]
pub struct ModelReport {
    /// Its name in the experiment, with its training-set size when the experiment sweeps
    /// them (`baseline@1250`).
    pub name: String,
    /// The training examples it was trained on, when the experiment sweeps them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub train_size: Option<usize>,
    /// Its folder, relative to the run directory.
    pub folder: String,
    /// Its parameter count.
    pub params: Option<usize>,
    /// How far its training got.
    pub state: State,
    /// How its training ended, when it did.
    pub ending: Option<Ending>,
    /// Its training in words: "completed 20 epochs", "stopped early after epoch 9
    /// (patience 3); weights of epoch 6 kept", "diverged at epoch 7: the training loss
    /// became NaN", "training, 3 of 20 epochs so far", "not trained yet", "damaged: …".
    pub status: String,
    /// Epochs recorded.
    pub epochs: usize,
    /// Epochs the training block asks for, when `model.json` says.
    pub planned_epochs: Option<usize>,
    /// The epoch whose weights early stopping put back, when it did: the final figures are
    /// that epoch's.
    pub kept_epoch: Option<usize>,
    /// Validation accuracy at the final epoch (the kept one, or the last before any
    /// divergence), when accuracy was computed.
    pub final_val_accuracy: Option<f64>,
    /// The test split's figures (loss and each metric), evaluated once after training;
    /// empty when the dataset has no test split or the model is not finished.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub test: std::collections::BTreeMap<String, crate::history::Value>,
    /// The figures on the experiment's metric (see `report::analysis`).
    #[serde(flatten)]
    pub fit: Option<Fit>,
    /// The same figures on the training loss (regularization penalties included).
    pub loss: Option<Fit>,
    /// Every damaged file found in its folder, in words.
    pub damage: Vec<String>,
    /// The model's Keras-style summary.
    #[serde(skip)]
    pub summary: String,
}

impl ModelReport {
    /// Whether it trained every epoch asked for (or its history, from before endings were
    /// recorded, does not say otherwise).
    pub fn completed(&self) -> bool {
        self.state == State::Finished
            && matches!(self.ending, None | Some(Ending::Completed { .. }))
    }

    /// The model in one line: the verdict of a model that completed its epochs, else its
    /// status and the verdict on what there is; damage after it.
    pub fn line(&self) -> String {
        let mut line = match (&self.fit, self.completed()) {
            (Some(fit), true) => fit.verdict.clone(),
            (Some(fit), false) => format!("{}; {}", self.status, fit.verdict),
            (None, _) => self.status.clone(),
        };
        if self.state != State::Damaged {
            for damage in &self.damage {
                line += &format!("; damaged: {damage}");
            }
        }
        line
    }

    /// Where the final figures come from when it is not the last epoch recorded: "epoch 6,
    /// kept" (restored weights), "epoch 6, before it diverged".
    pub fn final_note(&self) -> Option<String> {
        let fit = self.fit.as_ref()?;
        if self.kept_epoch == Some(fit.final_epoch) {
            Some(format!("epoch {}, kept", fit.final_epoch))
        } else if matches!(self.ending, Some(Ending::Diverged { .. })) {
            Some(format!("epoch {}, before it diverged", fit.final_epoch))
        } else {
            None
        }
    }
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Written {
    /// The report's figures.
    pub report: Report,
    /// `index.html`.
    pub html: PathBuf,
}

/// A report computed but not written: the index, the figures and every plot.
#[derive(Debug, Clone)]
pub struct Built {
    /// `run.json`.
    pub index: RunIndex,
    /// The figures (`report.json`).
    pub report: Report,
    /// Every learning-curve plot: its path relative to the run directory
    /// (`plots/<experiment>-<metric>.svg`) and the SVG.
    pub plots: Vec<(String, String)>,
}

/// One model of an experiment, as its folder holds it.
struct Loaded {
    history: Option<History>,
    report: ModelReport,
}

/// What `model.json` says that the report uses.
#[derive(Default)]
struct Key {
    params: Option<usize>,
    epochs: Option<usize>,
    patience: Option<usize>,
}

/// Reads `model.json` in `dir`; an absent one says nothing, a damaged one is damage.
fn read_key(dir: &Path, damage: &mut Vec<String>) -> Key {
    let path = dir.join(MODEL_JSON);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Key::default(),
        Err(e) => {
            damage.push(IoError::new("read", &path, &e).to_string());
            return Key::default();
        }
    };
    let key: serde_json::Value = match serde_json::from_str(&text) {
        Ok(key) => key,
        Err(e) => {
            damage.push(format!("`{}`: not JSON: {e}", path.display()));
            return Key::default();
        }
    };
    let count = |v: &serde_json::Value| v.as_u64().map(|n| n as usize);
    Key {
        params: serde_json::from_value::<Model>(key["model"].clone())
            .ok()
            .and_then(|m| m.params())
            .map(|(t, n)| t + n),
        epochs: count(&key["training"]["epochs"]),
        patience: count(&key["training"]["early_stopping"]["patience"]),
    }
}

/// "epoch" or "epochs".
fn epochs_word(n: usize) -> &'static str {
    if n == 1 {
        "epoch"
    } else {
        "epochs"
    }
}

/// How training ended, in words.
fn ending_words(history: &History, ending: Option<Ending>, patience: Option<usize>) -> String {
    match ending {
        None | Some(Ending::Completed { restored: None }) => {
            let n = history.epochs.len();
            format!("completed {n} {}", epochs_word(n))
        }
        Some(Ending::Completed { restored: Some(r) }) => {
            let n = history.epochs.len();
            format!(
                "completed {n} {}; weights of epoch {r} kept",
                epochs_word(n)
            )
        }
        Some(Ending::StoppedEarly { epoch, restored }) => {
            let mut words = format!("stopped early after epoch {epoch}");
            if let Some(p) = patience {
                words += &format!(" (patience {p})");
            }
            if let Some(r) = restored {
                words += &format!("; weights of epoch {r} kept");
            }
            words
        }
        Some(Ending::Diverged { epoch }) => {
            let loss = history
                .column("loss")
                .and_then(|l| l.get(epoch.wrapping_sub(1)).copied());
            let became = match loss {
                Some(v) if v.is_nan() => "became NaN",
                Some(v) if v.is_infinite() => "became infinite",
                _ => "stopped being a finite number",
            };
            format!("diverged at epoch {epoch}: the training loss {became}")
        }
    }
}

/// Reads one model's folder into its report entry (figures on `metric`).
fn load_model(root: &Path, model: &IndexedModel, metric: &str) -> Loaded {
    let (name, folder) = (model.shown_name(), model.folder.as_str());
    let dir = root.join(folder);
    let state = model_state(&dir);
    let mut damage: Vec<String> = state.damage.iter().map(|e| e.to_string()).collect();
    let key = read_key(&dir, &mut damage);
    let summary = std::fs::read_to_string(dir.join(SUMMARY_TXT)).unwrap_or_default();
    let (state_kind, history, ending) = match state.progress {
        Progress::Finished(history) => {
            let ending = history.ending;
            (State::Finished, Some(history), ending)
        }
        Progress::Unfinished { history, .. } => (State::Training, Some(history), None),
        Progress::NotStarted if !state.damage.is_empty() => (State::Damaged, None, None),
        Progress::NotStarted => (State::NotTrained, None, None),
    };
    let epochs = history.as_ref().map_or(0, |h| h.epochs.len());
    let status = match (state_kind, &history) {
        (State::Finished, Some(h)) => ending_words(h, ending, key.patience),
        (State::Training, _) => match key.epochs {
            Some(m) => format!("training, {epochs} of {m} epochs so far"),
            None => format!("training, {epochs} {} so far", epochs_word(epochs)),
        },
        (State::Damaged, _) => format!("damaged: {}", damage.join("; ")),
        _ => "not trained yet".to_string(),
    };
    let kept_epoch = match ending {
        Some(Ending::StoppedEarly { restored, .. } | Ending::Completed { restored }) => restored,
        _ => None,
    };
    let final_val_accuracy = history.as_ref().and_then(|h| {
        let kept = h.kept_epoch()?;
        h.column("val_accuracy")?.get(kept - 1).copied()
    });
    let report = ModelReport {
        name,
        train_size: model.train_size,
        folder: folder.to_string(),
        params: key.params,
        state: state_kind,
        ending,
        status,
        epochs,
        planned_epochs: key.epochs,
        kept_epoch,
        final_val_accuracy,
        test: history
            .as_ref()
            .map(|h| {
                h.test_figures()
                    .into_iter()
                    .map(|(name, v)| (name.to_string(), crate::history::Value(v)))
                    .collect()
            })
            .unwrap_or_default(),
        fit: history.as_ref().and_then(|h| analyse_history(h, metric)),
        loss: history.as_ref().and_then(|h| analyse_history(h, "loss")),
        damage,
        summary,
    };
    Loaded { history, report }
}

/// The learning curves of `experiment` on `plotted`, one series per model (a model without
/// a history is in the legend only), with overfit markers in the metric's direction; a
/// model's colour is `colour` of its name: its place among the report's model names in
/// order of first appearance, so a model keeps its colour in every experiment. The members
/// of a `train_size` sweep share their model's colour, lighter the fewer examples they
/// trained on.
fn plot(
    experiment: &IndexedExperiment,
    loaded: &[Loaded],
    plotted: &str,
    colour: &dyn Fn(&str) -> usize,
) -> String {
    let columns: Vec<(Vec<f64>, Vec<f64>, Option<usize>)> = loaded
        .iter()
        .map(|m| match &m.history {
            Some(h) => (
                h.column(plotted).unwrap_or_default(),
                h.column(&format!("val_{plotted}")).unwrap_or_default(),
                analyse_history(h, plotted).and_then(|f| f.overfit_epoch),
            ),
            None => (Vec::new(), Vec::new(), None),
        })
        .collect();
    let sizes = experiment.train_sizes();
    let shade = |size: Option<usize>| match (size, sizes.len()) {
        (Some(n), k) if k > 1 => {
            let rank = sizes.iter().position(|&s| s == n).unwrap_or(k - 1);
            0.35 + 0.65 * rank as f64 / (k - 1) as f64
        }
        _ => 1.0,
    };
    let series: Vec<Series> = loaded
        .iter()
        .zip(&experiment.models)
        .zip(&columns)
        .map(|((m, indexed), (train, validation, overfit))| Series {
            name: &m.report.name,
            colour: colour(&indexed.name),
            shade: shade(indexed.train_size),
            train,
            validation,
            overfit_epoch: *overfit,
        })
        .collect();
    let title = format!("{}: {plotted}", experiment.name);
    learning_curves(&title, plotted, &series)
}

/// Computes the report of the run directory `root` without writing anything: `run.json`
/// must be sound; every model is reported as far as its folder goes.
pub fn build_report(root: &Path) -> Result<Built, ReportError> {
    let index = RunIndex::read(&root.join(RUN_JSON))?;
    let mut names: Vec<&str> = Vec::new();
    for model in index.experiments.iter().flat_map(|e| &e.models) {
        if !names.contains(&model.name.as_str()) {
            names.push(&model.name);
        }
    }
    let colour = |name: &str| names.iter().position(|n| *n == name).unwrap_or(0);
    let mut experiments = Vec::new();
    let mut plots = Vec::new();
    for experiment in &index.experiments {
        let metric = experiment
            .plot
            .first()
            .cloned()
            .unwrap_or_else(|| "loss".to_string());
        let loaded: Vec<Loaded> = experiment
            .models
            .iter()
            .map(|m| load_model(root, m, &metric))
            .collect();
        let mut drawn = Vec::new();
        for plotted in &experiment.plot {
            let file = format!("plots/{}-{plotted}.svg", experiment.name);
            plots.push((file.clone(), plot(experiment, &loaded, plotted, &colour)));
            drawn.push((plotted.clone(), file));
        }
        let best = best_of(loaded.iter().map(|m| m.report.fit.as_ref())).map(|(i, fit)| Best {
            model: loaded[i].report.name.clone(),
            value: fit.best_val,
            epoch: fit.best_epoch,
            sentence: format!(
                "best model: `{}`, {} validation {metric} {:.4} (epoch {})",
                loaded[i].report.name,
                fit.direction.best_word(),
                fit.best_val,
                fit.best_epoch
            ),
        });
        let reports: Vec<ModelReport> = loaded.into_iter().map(|m| m.report).collect();
        let more_data = more_data(experiment, &reports, &metric, colour).map(|(figures, svgs)| {
            plots.extend(svgs);
            figures
        });
        let view = format!("plots/data-{}.svg", experiment.dataset);
        let data_view = (experiment.show_data && root.join(&view).is_file()).then_some(view);
        experiments.push(ExperimentReport {
            best,
            name: experiment.name.clone(),
            metric,
            plots: drawn,
            data_view,
            models: reports,
            more_data,
        });
    }
    Ok(Built {
        index,
        report: Report { experiments },
        plots,
    })
}

/// Writes the plots, `report.json` and `index.html` of the run directory `root`.
pub fn write_report(root: &Path) -> Result<Written, ReportError> {
    let built = build_report(root)?;
    let plots_dir = root.join("plots");
    file::ensure_dir(&plots_dir)?;
    for (file, svg) in &built.plots {
        write(&root.join(file), svg)?;
    }
    let report = built.report;
    write(
        &root.join("report.json"),
        &(serde_json::to_string_pretty(&report).expect("report serializes") + "\n"),
    )?;
    let html = root.join("index.html");
    write(&html, &super::html::page(&built.index.spec, &report, root))?;
    Ok(Written { report, html })
}
