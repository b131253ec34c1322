//! A trained model as something to use. A finished model folder stands alone: its
//! `model.json` (the model and its training), `weights.bpk` (checked against the checksum
//! its `history.json` keeps) and `preprocessing.json` are all it takes to predict, here or
//! on another machine, without the spec, the data or the data cache ([`TrainedModel`]).
//! A model is named by its folder, or in a run directory by its experiment and name
//! (`sizes/baseline`, [`find`]).

pub mod evaluate;
pub mod export;
pub mod predict;

use crate::data::preprocessing::{self, Preprocessing};
use crate::data::{Dense, Encoded, Features, MultiHot, Padded, Split};
use crate::file::{self, IoError};
use crate::history::{History, HistoryError};
use crate::ir::{Dataset, Model, Training};
use crate::model_folder::{HISTORY_JSON, MODEL_JSON, PREPROCESSING_JSON, WEIGHTS};
use crate::run_index::{RunIndex, RunIndexError, RUN_JSON};
use crate::train::run::RESULT_FORMAT;
use std::path::{Path, PathBuf};

/// Why a trained model cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TrainedError {
    /// A file could not be read.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The run directory's index is missing or unusable.
    #[error(transparent)]
    Index(#[from] RunIndexError),
    /// `history.json` is missing or damaged: the model is not (yet) trained.
    #[error("`{}` holds no finished training: {reason}", dir.display())]
    NotFinished {
        /// The model folder.
        dir: PathBuf,
        /// What was found.
        reason: String,
    },
    /// A file of the folder is damaged, or not one this ofit writes.
    #[error("`{}`: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// No model of the run directory has this name.
    #[error("no model `{name}` in `{}`", run_dir.display())]
    Unknown {
        /// The name asked for.
        name: String,
        /// The run directory.
        run_dir: PathBuf,
        /// Every model it has, as `experiment/model`.
        known: Vec<String>,
    },
}

impl TrainedError {
    /// What the user can do about it.
    pub fn help(&self) -> Option<String> {
        match self {
            TrainedError::NotFinished { .. } => Some(
                "train it with `ofit run` (a run that was stopped continues where it stopped)"
                    .to_string(),
            ),
            TrainedError::Unknown { name, known, .. } => Some(
                match crate::suggest::did_you_mean(name, known.iter().map(String::as_str)) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!(
                        "name a model as `experiment/model`: {}",
                        crate::suggest::quoted_list(
                            &known.iter().map(String::as_str).collect::<Vec<_>>(),
                            "or"
                        )
                    ),
                },
            ),
            _ => None,
        }
    }
}

/// A finished model folder, read and checked.
#[derive(Debug, Clone)]
pub struct TrainedModel {
    /// The folder.
    pub dir: PathBuf,
    /// The model.
    pub model: Model,
    /// How it was trained.
    pub training: Training,
    /// The dataset it was trained on, as declared.
    pub dataset: Dataset,
    /// What turns raw input into its features; `None` for a model trained by an ofit that
    /// did not keep it, which can be evaluated on its data but not applied to raw input.
    pub preprocessing: Option<Preprocessing>,
    /// Its finished history.
    pub history: History,
}

impl TrainedModel {
    /// Opens the finished model folder `dir`: its history must mark a finished training,
    /// its weights must have the checksum the history keeps, and its model and
    /// preprocessing (when it has one) must be what this ofit writes.
    pub fn open(dir: &Path) -> Result<TrainedModel, TrainedError> {
        let history =
            History::read(&dir.join(HISTORY_JSON)).map_err(|e| TrainedError::NotFinished {
                dir: dir.to_path_buf(),
                reason: match e {
                    HistoryError::Io(io) => io.reason,
                    other => other.to_string(),
                },
            })?;
        let weights = dir.join(WEIGHTS);
        let bytes = std::fs::read(&weights).map_err(IoError::on("read", &weights))?;
        if history.weights_sha256.as_deref() != Some(file::sha256_hex(&bytes).as_str()) {
            return Err(TrainedError::Invalid {
                path: weights,
                reason: "its checksum is not the one `history.json` keeps: the weights are \
                         damaged, or not this training's"
                    .to_string(),
            });
        }
        let (model, training, dataset) = read_key(&dir.join(MODEL_JSON))?;
        let preprocessing = read_preprocessing(&dir.join(PREPROCESSING_JSON))?;
        Ok(TrainedModel {
            dir: dir.to_path_buf(),
            model,
            training,
            dataset,
            preprocessing,
            history,
        })
    }

    /// Examples of none, shaped as this model's input: what a trainer holding its weights
    /// is built with, before it is given any.
    pub fn empty(&self) -> Encoded {
        let input = &self.model.input;
        let width = input.width.unwrap_or(0);
        let features = match (input.vocabulary, input.multi_hot) {
            (Some(vocabulary), _) => Features::Sequences(Padded {
                length: width,
                vocabulary,
                ids: Vec::new(),
            }),
            (None, true) => Features::MultiHot(MultiHot {
                width,
                offsets: vec![0],
                ids: Vec::new(),
            }),
            (None, false) => Features::Dense(Dense {
                width,
                values: Vec::new(),
            }),
        };
        let split = Split {
            features,
            labels: Vec::new(),
        };
        Encoded {
            train: split.clone(),
            validation: split,
            test: None,
            classes: None,
            stats: Default::default(),
            preprocessing: None,
        }
    }

    /// A trainer of this model holding its weights, built with `data` (the examples it
    /// evaluates, or none), in inference use only.
    pub(crate) fn trainer<'a>(
        &'a self,
        data: &'a Encoded,
        backend: crate::lower::Backend,
    ) -> Result<crate::train::fit::Trainer<'a>, TrainedError> {
        let device = backend.device();
        let mut trainer =
            crate::train::fit::Trainer::new(&self.model, &self.training, data, &device, true);
        let weights = self.dir.join(WEIGHTS);
        trainer
            .load_weights(&weights)
            .map_err(|reason| TrainedError::Invalid {
                path: weights,
                reason,
            })?;
        Ok(trainer)
    }
}

/// The model, training and dataset of a `model.json`.
fn read_key(path: &Path) -> Result<(Model, Training, Dataset), TrainedError> {
    let invalid = |reason: String| TrainedError::Invalid {
        path: path.to_path_buf(),
        reason,
    };
    let key: serde_json::Value = serde_json::from_str(&file::read_to_string(path)?)
        .map_err(|e| invalid(format!("not JSON: {e}")))?;
    let format = key.get("format").and_then(serde_json::Value::as_u64);
    if format != Some(u64::from(RESULT_FORMAT)) {
        return Err(invalid(format!(
            "has format {}, this ofit reads {RESULT_FORMAT}: the model was trained by another \
             version of ofit, or this is not an ofit model folder",
            format.map_or("none".to_string(), |f| f.to_string())
        )));
    }
    let part = |name: &str| {
        key.get(name)
            .cloned()
            .ok_or_else(|| invalid(format!("has no `{name}`")))
    };
    let model = serde_json::from_value(part("model")?)
        .map_err(|e| invalid(format!("its model is not one this ofit reads: {e}")))?;
    let training = serde_json::from_value(part("training")?)
        .map_err(|e| invalid(format!("its training is not one this ofit reads: {e}")))?;
    let dataset = serde_json::from_value(part("dataset")?)
        .map_err(|e| invalid(format!("its dataset is not one this ofit reads: {e}")))?;
    Ok((model, training, dataset))
}

/// A `preprocessing.json`; `None` when there is none.
fn read_preprocessing(path: &Path) -> Result<Option<Preprocessing>, TrainedError> {
    let invalid = |reason: String| TrainedError::Invalid {
        path: path.to_path_buf(),
        reason,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(IoError::new("read", path, &e).into()),
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| invalid(format!("not JSON: {e}")))?;
    let format = value.get("format").and_then(serde_json::Value::as_u64);
    if format != Some(u64::from(preprocessing::FORMAT)) {
        return Err(invalid(format!(
            "has format {}, this ofit reads {}",
            format.map_or("none".to_string(), |f| f.to_string()),
            preprocessing::FORMAT
        )));
    }
    serde_json::from_value(value)
        .map(Some)
        .map_err(|e| invalid(format!("not a preprocessing: {e}")))
}

/// The folder of the model `name` of the run directory `run_dir`: `experiment/model`, as
/// reports name it (`sizes/baseline`, `more_data/baseline@1250`), or a model name that
/// only one experiment has.
pub fn find(run_dir: &Path, name: &str) -> Result<PathBuf, TrainedError> {
    let index = RunIndex::read(&run_dir.join(RUN_JSON))?;
    let mut known = Vec::new();
    let mut matches = Vec::new();
    for experiment in &index.experiments {
        for model in &experiment.models {
            let full = format!("{}/{}", experiment.name, model.shown_name());
            if full == name || model.shown_name() == name {
                matches.push(model.dir(run_dir));
            }
            known.push(full);
        }
    }
    // One model trained for several experiments is one folder.
    matches.sort();
    matches.dedup();
    match matches.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(TrainedError::Unknown {
            name: name.to_string(),
            run_dir: run_dir.to_path_buf(),
            known,
        }),
    }
}
