//! A trained model's loss and metrics on labelled examples, as Keras's `evaluate` gives
//! them: one pass in inference mode (no dropout, batch norm's moving statistics), `loss`
//! with the weight penalties, every metric its training block computes.

use super::{TrainedError, TrainedModel};
use crate::data::preprocessing::Input;
use crate::data::table::{self, ColumnRead, Labels, Table};
use crate::data::{auto_mpg, DataError, Dense, Encoded, LabelRule, Split};
use crate::ir::{Columns, DataSource, Loss, TableFormat};
use crate::lower::Backend;
use std::path::Path;

/// Each metric's name (`loss` first) and value.
pub type Figures = Vec<(String, f64)>;

/// The figures of `model` on `split`, one of the splits of `data`: the data its spec
/// declares for it, loaded as `ofit run` loads it.
pub fn evaluate(
    model: &TrainedModel,
    data: &Encoded,
    split: &Split,
    backend: Backend,
) -> Result<Figures, TrainedError> {
    let values = model.trainer(data, backend)?.evaluate(split);
    Ok(model
        .training
        .computed_metrics()
        .iter()
        .map(|m| m.name().to_string())
        .zip(values)
        .collect())
}

/// Why a file's examples cannot be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The model cannot be used.
    #[error(transparent)]
    Model(#[from] TrainedError),
    /// The file cannot be read as the training file was.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The model's dataset has no file format (IMDB).
    #[error(
        "model `{model}` was trained on {what}, which has no file format to read another file in"
    )]
    NoFormat {
        /// The model's name.
        model: String,
        /// Its dataset, in words.
        what: String,
    },
}

/// The labelled examples of `path`, a file in the format of the model's training file
/// (CSV, JSON Lines or JSON, with its label column), read as a validation file of its
/// dataset would be: its feature columns as the model's preprocessing reads them (a
/// categorical column's names among the training file's), its texts encoded by the
/// model's word index, its labels numbers or the training file's class names.
pub fn file_examples(model: &TrainedModel, path: &Path) -> Result<Split, FileError> {
    let (format, label, columns, text) = match &model.dataset.source {
        DataSource::Table {
            format,
            label,
            columns,
            text,
            ..
        } => (*format, label.as_str(), columns.clone(), text.as_ref()),
        DataSource::AutoMpg => (
            TableFormat::Json,
            auto_mpg::LABEL,
            auto_mpg::columns(),
            None,
        ),
        DataSource::Imdb { .. } => {
            return Err(FileError::NoFormat {
                model: model.model.name.clone(),
                what: "IMDB's reviews".to_string(),
            })
        }
    };
    let preprocessing = model
        .preprocessing
        .as_ref()
        .ok_or_else(|| model.invalid_preprocessing("is missing".to_string()))?;
    let classes = preprocessing.classes.as_deref();
    let output_units = model.model.output().map_or(1, |d| d.units);
    let rule = match model.training.loss {
        Loss::BinaryCrossentropy => LabelRule::binary("the model's loss"),
        Loss::CategoricalCrossentropy => LabelRule::classes(output_units, "the model's output"),
        Loss::Mse | Loss::Mae | Loss::Huber => LabelRule::any_number(),
    };
    let labels = match classes {
        Some(classes) => Labels::Classes(classes),
        None => Labels::Numbers,
    };
    match (&preprocessing.input, text) {
        (Input::Text(encoder), Some(column)) => {
            let read = table::read_text(path, format, &column.column, label, &rule, labels)?;
            let texts: Vec<&str> = read.texts.iter().map(String::as_str).collect();
            let encoding = encoder
                .encoder()
                .map_err(|reason| model.invalid_preprocessing(reason))?;
            Ok(Split {
                features: encoding.encode(&texts),
                labels: read.labels,
            })
        }
        (Input::Table(reader), None) => {
            // The training file's names and classes, as a validation file follows them.
            let train = Table {
                columns: reader.features.clone(),
                features: Dense {
                    width: reader.features.len(),
                    values: Vec::new(),
                },
                labels: Vec::new(),
                classes: classes.map(<[String]>::to_vec),
                categories: reader
                    .columns
                    .iter()
                    .filter_map(|c| match &c.read {
                        ColumnRead::OneHot { categories } => Some(categories.clone()),
                        _ => None,
                    })
                    .collect(),
                dropped: 0,
                inputs: reader.columns.clone(),
            };
            let columns = Columns {
                // A file may hold its columns in any order: the model's are read by name.
                features: Some(reader.columns.iter().map(|c| c.name.clone()).collect()),
                drop: Vec::new(),
                ..columns
            };
            let read = table::read_like(path, format, label, &columns, &rule, Some(&train))?;
            Ok(Split {
                features: crate::data::Features::Dense(read.features),
                labels: read.labels,
            })
        }
        _ => Err(model
            .invalid_preprocessing(
                "does not read the kind of input its dataset declares".to_string(),
            )
            .into()),
    }
}
