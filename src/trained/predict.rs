//! A trained model's predictions on raw input: each text tokenized and encoded, or each
//! table row's cells read, by the model's own preprocessing, then the model's forward pass
//! in inference mode (no dropout, batch norm's moving statistics), as the validation pass
//! runs it.

use super::{TrainedError, TrainedModel};
use crate::data::preprocessing::{Input, TableReader, TextEncoding};
use crate::data::{Dense, Encoded, Features, Split};
use crate::ir::Loss;
use crate::lower::Backend;
use crate::train::fit::Trainer;
use serde::Serialize;

/// What a model says of one input.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Prediction {
    /// One sigmoid unit: the probability of class 1, and the class (1 above 0.5).
    Binary {
        /// The probability of class 1.
        probability: f32,
        /// 0 or 1.
        class: usize,
    },
    /// A softmax over the classes: each class's probability, and the most likely class
    /// (the first on ties).
    Classes {
        /// One probability per class.
        probabilities: Vec<f32>,
        /// The most likely class.
        class: usize,
    },
    /// A regression's value.
    Value {
        /// The output.
        value: f32,
    },
}

impl Prediction {
    /// The predicted class, for classification.
    pub fn class(&self) -> Option<usize> {
        match self {
            Prediction::Binary { class, .. } | Prediction::Classes { class, .. } => Some(*class),
            Prediction::Value { .. } => None,
        }
    }

    /// The probability of the predicted class, for classification.
    pub fn confidence(&self) -> Option<f32> {
        match self {
            Prediction::Binary { probability, class } => Some(if *class == 1 {
                *probability
            } else {
                1.0 - probability
            }),
            Prediction::Classes {
                probabilities,
                class,
            } => probabilities.get(*class).copied(),
            Prediction::Value { .. } => None,
        }
    }
}

/// A trained model ready to predict: its weights loaded once, its word index built once.
pub struct Predictor<'a> {
    model: &'a TrainedModel,
    reader: Reader<'a>,
    trainer: Trainer<'a>,
}

/// What a predictor reads: texts, or a table's rows.
pub enum Reader<'a> {
    /// Texts, tokenized and encoded.
    Text {
        /// The encoder, its word index built.
        encoding: TextEncoding<'a>,
        /// The column of a table the training texts came from, if they did.
        column: Option<&'a str>,
    },
    /// Rows of named cells.
    Table(&'a TableReader),
}

impl TrainedModel {
    /// Its preprocessing, ready to read inputs.
    fn reader(&self) -> Result<Reader<'_>, TrainedError> {
        let preprocessing = self.preprocessing.as_ref().ok_or_else(|| {
            self.invalid_preprocessing(
                "is missing: the model was trained by an ofit that did not keep it; train it \
                 again to apply it to raw input"
                    .to_string(),
            )
        })?;
        Ok(match &preprocessing.input {
            Input::Text(text) => Reader::Text {
                encoding: text
                    .encoder()
                    .map_err(|reason| self.invalid_preprocessing(reason))?,
                column: text.column.as_deref(),
            },
            Input::Table(table) => Reader::Table(table),
        })
    }

    /// A predictor of this model on `backend`, holding the examples it was built with
    /// (`empty`, examples of none: [`TrainedModel::empty`]).
    pub fn predictor<'a>(
        &'a self,
        empty: &'a Encoded,
        backend: Backend,
    ) -> Result<Predictor<'a>, TrainedError> {
        Ok(Predictor {
            model: self,
            reader: self.reader()?,
            trainer: self.trainer(empty, backend)?,
        })
    }

    pub(super) fn invalid_preprocessing(&self, reason: String) -> TrainedError {
        TrainedError::Invalid {
            path: self.dir.join(crate::model_folder::PREPROCESSING_JSON),
            reason,
        }
    }
}

impl Predictor<'_> {
    /// What it reads.
    pub fn reader(&self) -> &Reader<'_> {
        &self.reader
    }

    /// The model's prediction for each of `texts`; `None` for a model that reads a
    /// table's rows.
    pub fn predict(&self, texts: &[&str]) -> Option<Vec<Prediction>> {
        let Reader::Text { encoding, .. } = &self.reader else {
            return None;
        };
        Some(self.predict_features(encoding.encode(texts), texts.len()))
    }

    /// The model's prediction for each of `rows`, each row's features as its table reader
    /// reads them ([`TableReader::read`]).
    pub fn predict_rows(&self, rows: &[Vec<f32>]) -> Vec<Prediction> {
        let width = rows.first().map_or(0, Vec::len);
        let features = Features::Dense(Dense {
            width,
            values: rows.concat(),
        });
        self.predict_features(features, rows.len())
    }

    fn predict_features(&self, features: Features, rows: usize) -> Vec<Prediction> {
        let split = Split {
            features,
            labels: vec![0.0; rows],
        };
        let outputs = self.trainer.predict(&split);
        let units = (outputs.len() / rows.max(1)).max(1);
        outputs
            .chunks(units)
            .map(|row| match self.model.training.loss {
                Loss::BinaryCrossentropy => Prediction::Binary {
                    probability: row[0],
                    class: usize::from(row[0] > 0.5),
                },
                Loss::CategoricalCrossentropy => Prediction::Classes {
                    probabilities: row.to_vec(),
                    class: row
                        .iter()
                        .enumerate()
                        .fold(0, |best, (i, &p)| if p > row[best] { i } else { best }),
                },
                Loss::Mse | Loss::Mae | Loss::Huber => Prediction::Value { value: row[0] },
            })
            .collect()
    }

    /// The name of class `class`: its name where the training data named its classes, else
    /// the number.
    pub fn class_name(&self, class: usize) -> String {
        self.model
            .preprocessing
            .as_ref()
            .and_then(|p| p.classes.as_ref())
            .and_then(|names| names.get(class).cloned())
            .unwrap_or_else(|| class.to_string())
    }
}
