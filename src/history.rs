//! Per-epoch histories (what training produces and reports read): their CSV and JSON
//! files and Keras's `verbose=2` log lines.
//!
//! Every value survives a round trip exactly, non-finite ones included: JSON has no NaN, so
//! `history.json` writes NaN, +∞ and −∞ as the strings `"NaN"`, `"Infinity"` and
//! `"-Infinity"` (as Python's `json` module writes and reads them, unquoted); finite values
//! are numbers, written and read with their exact bits (serde_json's `float_roundtrip`).
//! `history.csv` writes them `NaN`, `inf` and `-inf`, as Rust and pandas do.
//!
//! Every reader goes through [`History::read`] (or [`History::parse_json`]), which checks
//! what a history must be ([`History::validate`]) and names the file and what is wrong.

use crate::file::{self, IoError};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::path::{Path, PathBuf};

/// One epoch's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Epoch {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Wall-clock seconds the epoch took (training and validation).
    pub seconds: f64,
    /// One value per column of the history.
    #[serde(with = "values")]
    pub values: Vec<f64>,
}

/// Every epoch of one model's training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Column names: `loss`, the metrics, then `val_loss` and the validation metrics.
    pub columns: Vec<String>,
    /// Epochs in order.
    pub epochs: Vec<Epoch>,
    /// How training ended; `None` while it is still going (a checkpoint's history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ending: Option<Ending>,
    /// The SHA-256 of the weights the finished model was saved with (`weights.bpk`), so
    /// that a damaged weights file is noticed rather than used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights_sha256: Option<String>,
    /// The test split's figures, evaluated once after training with the weights the model
    /// keeps: one value per training metric ([`History::test_columns`]), as Keras's
    /// `model.evaluate` returns them. `None` when the dataset has no test split. The file
    /// holds them as a map (`"test": {"loss": 0.32, "accuracy": 0.87}`), which
    /// [`History::to_json`] writes and [`History::from_json`] checks.
    #[serde(skip)]
    pub test: Option<Vec<f64>>,
}

/// How a training ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Ending {
    /// Every epoch the training block asks for.
    Completed {
        /// The epoch whose weights the model holds at the end, if not the last: under
        /// `restore_best`, Keras puts the best epoch's weights back at the end.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        restored: Option<usize>,
    },
    /// Early stopping ended it after epoch `epoch`.
    StoppedEarly {
        /// The last epoch trained.
        epoch: usize,
        /// The epoch whose weights the model holds at the end, if not the last
        /// (`restore_best`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        restored: Option<usize>,
    },
    /// The training loss became NaN or infinite in epoch `epoch`; training stopped after
    /// that batch, as Keras's `TerminateOnNaN` does. That epoch is the last one recorded.
    Diverged {
        /// The epoch in which the loss stopped being a finite number.
        epoch: usize,
    },
}

/// A history file that could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HistoryError {
    /// The file could not be read.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The file is not a history ofit can use.
    #[error("`{}`: {problem}", path.display())]
    Invalid {
        /// Which file.
        path: PathBuf,
        /// What is wrong with it.
        problem: Problem,
    },
}

impl HistoryError {
    /// The file concerned.
    pub fn path(&self) -> &Path {
        match self {
            HistoryError::Io(error) => &error.path,
            HistoryError::Invalid { path, .. } => path,
        }
    }
}

/// What can be wrong with a history's contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// Not JSON (or CSV) of a history's shape: truncated, garbled, a field missing or of the
    /// wrong type, an unknown ending. The parser's message, with line and column.
    #[error("not a history: {0}")]
    Syntax(String),
    /// A column name appears twice.
    #[error("column `{0}` appears twice")]
    DuplicateColumn(String),
    /// An epoch has more or fewer values than there are columns.
    #[error("epoch {epoch} has {values} values, but there are {columns} columns")]
    ValueCount {
        /// The epoch's number.
        epoch: usize,
        /// How many values it has.
        values: usize,
        /// How many columns there are.
        columns: usize,
    },
    /// Epochs are not numbered 1, 2, … in order.
    #[error("the epoch in position {position} is numbered {found}; epochs are numbered 1, 2, … in order")]
    EpochNumber {
        /// Its 1-based position in the file.
        position: usize,
        /// The number it has.
        found: usize,
    },
    /// A Keras-style `history` list disagrees with the epochs.
    #[error("`history.{column}` {reason}")]
    KerasList {
        /// The column.
        column: String,
        /// How it disagrees.
        reason: String,
    },
    /// The ending does not fit the epochs.
    #[error("the ending {0}")]
    Ending(String),
    /// The test figures are not one number for each training metric.
    #[error("`test` holds {found}, but needs a number for each of {expected}")]
    Test {
        /// The names it holds.
        found: String,
        /// The training metrics.
        expected: String,
    },
    /// A checkpoint's history holds another number of epochs than its folder's name says.
    #[error("holds {holds} epochs, but its checkpoint folder is named for {named}")]
    Checkpoint {
        /// The epoch count in the folder's name.
        named: usize,
        /// The epochs the history holds.
        holds: usize,
    },
}

impl History {
    /// An empty history with these columns.
    pub fn new(columns: Vec<String>) -> Self {
        History {
            columns,
            epochs: Vec::new(),
            ending: None,
            weights_sha256: None,
            test: None,
        }
    }

    /// The metrics a test split is measured with: the training half of the columns
    /// (`loss`, `accuracy`, … without `val_`).
    pub fn test_columns(&self) -> &[String] {
        &self.columns[..self.columns.len() / 2]
    }

    /// The test figures with their names, in column order.
    pub fn test_figures(&self) -> Vec<(&str, f64)> {
        match &self.test {
            Some(values) => self
                .test_columns()
                .iter()
                .map(String::as_str)
                .zip(values.iter().copied())
                .collect(),
            None => Vec::new(),
        }
    }

    /// Reads and checks the `history.json` at `path`; the error names the file and what is
    /// wrong with it.
    pub fn read(path: &Path) -> Result<History, HistoryError> {
        let text = file::read_to_string(path)?;
        History::parse_json(path, &text)
    }

    /// Parses and checks the text of a `history.json` (read from `path`, which the error
    /// names).
    pub fn parse_json(path: &Path, text: &str) -> Result<History, HistoryError> {
        let invalid = |problem| HistoryError::Invalid {
            path: path.to_path_buf(),
            problem,
        };
        History::from_json(text).map_err(invalid)
    }

    /// Parses and checks the text of a `history.json`.
    pub fn from_json(text: &str) -> Result<History, Problem> {
        /// The file's shape; `history` is redundant with `epochs`, and checked against it.
        #[derive(Deserialize)]
        struct File {
            columns: Vec<String>,
            epochs: Vec<Epoch>,
            #[serde(default)]
            ending: Option<Ending>,
            #[serde(default)]
            weights_sha256: Option<String>,
            #[serde(default)]
            history: Option<serde_json::Map<String, serde_json::Value>>,
            #[serde(default)]
            test: Option<serde_json::Map<String, serde_json::Value>>,
        }
        let file: File = serde_json::from_str(text).map_err(|e| Problem::Syntax(e.to_string()))?;
        let mut history = History {
            columns: file.columns,
            epochs: file.epochs,
            ending: file.ending,
            weights_sha256: file.weights_sha256,
            test: None,
        };
        history.validate()?;
        if let Some(test) = file.test {
            let columns = history.test_columns();
            let values: Option<Vec<f64>> = columns
                .iter()
                .map(|c| serde_json::from_value::<Value>(test.get(c)?.clone()).ok())
                .map(|v| v.map(|v| v.0))
                .collect();
            match values {
                Some(values) if test.len() == columns.len() => history.test = Some(values),
                _ => {
                    return Err(Problem::Test {
                        found: test.keys().cloned().collect::<Vec<_>>().join(", "),
                        expected: columns.join(", "),
                    })
                }
            }
        }
        if let Some(lists) = file.history {
            history.check_keras_lists(lists)?;
        }
        Ok(history)
    }

    /// The Keras-style lists must hold exactly the columns, each with every epoch's value.
    fn check_keras_lists(
        &self,
        lists: serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), Problem> {
        let problem = |column: &str, reason: String| Problem::KerasList {
            column: column.to_string(),
            reason,
        };
        if let Some(extra) = lists.keys().find(|k| !self.columns.contains(k)) {
            return Err(problem(extra, "is not a column".into()));
        }
        for (i, column) in self.columns.iter().enumerate() {
            let Some(list) = lists.get(column) else {
                return Err(problem(column, "is missing".into()));
            };
            let list: Vec<Value> = serde_json::from_value(list.clone())
                .map_err(|e| problem(column, format!("is not a list of numbers: {e}")))?;
            if list.len() != self.epochs.len() {
                return Err(problem(
                    column,
                    format!(
                        "has {} values, but there are {} epochs",
                        list.len(),
                        self.epochs.len()
                    ),
                ));
            }
            for (e, (value, epoch)) in list.iter().zip(&self.epochs).enumerate() {
                if value.0.to_bits() != epoch.values[i].to_bits() {
                    return Err(problem(
                        column,
                        format!(
                            "says {} at epoch {}, but the epoch says {}",
                            value.0,
                            e + 1,
                            epoch.values[i]
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Checks what every history must be: distinct columns, one value per column in every
    /// epoch, epochs numbered 1, 2, … in order, and an ending that fits the epochs (early
    /// stopping and divergence end at the last epoch recorded; weights are restored from
    /// one of the epochs).
    pub fn validate(&self) -> Result<(), Problem> {
        for (i, column) in self.columns.iter().enumerate() {
            if self.columns[..i].contains(column) {
                return Err(Problem::DuplicateColumn(column.clone()));
            }
        }
        for (i, epoch) in self.epochs.iter().enumerate() {
            if epoch.epoch != i + 1 {
                return Err(Problem::EpochNumber {
                    position: i + 1,
                    found: epoch.epoch,
                });
            }
            if epoch.values.len() != self.columns.len() {
                return Err(Problem::ValueCount {
                    epoch: epoch.epoch,
                    values: epoch.values.len(),
                    columns: self.columns.len(),
                });
            }
        }
        let n = self.epochs.len();
        let last = |what: &str, epoch: usize| {
            if epoch == n {
                Ok(())
            } else {
                Err(Problem::Ending(format!(
                    "says {what} at epoch {epoch}, but the last epoch recorded is {n}"
                )))
            }
        };
        let restores = |restored: Option<usize>, epoch: usize| match restored {
            Some(r) if r == 0 || r > epoch => Err(Problem::Ending(format!(
                "restores the weights of epoch {r}, which is not one of epochs 1 to {epoch}"
            ))),
            _ => Ok(()),
        };
        match self.ending {
            None => Ok(()),
            Some(Ending::Completed { .. }) if n == 0 => Err(Problem::Ending(
                "says training completed, but no epoch is recorded".into(),
            )),
            Some(Ending::Completed { restored }) => restores(restored, n),
            Some(Ending::StoppedEarly { epoch, restored }) => {
                last("it stopped early", epoch)?;
                restores(restored, epoch)
            }
            Some(Ending::Diverged { epoch }) => last("it diverged", epoch),
        }
    }

    /// The values of column `name`, one per epoch; `None` when there is no such column (or
    /// an epoch lacks the value, which a validated history never does).
    pub fn column(&self, name: &str) -> Option<Vec<f64>> {
        let i = self.columns.iter().position(|c| c == name)?;
        self.epochs
            .iter()
            .map(|e| e.values.get(i).copied())
            .collect()
    }

    /// How many epochs, from the first, a model's figures can be computed on: every epoch,
    /// but those before the one in which training diverged (whose values are not numbers).
    pub fn epochs_before_divergence(&self) -> usize {
        match self.ending {
            Some(Ending::Diverged { epoch }) => epoch.saturating_sub(1).min(self.epochs.len()),
            _ => self.epochs.len(),
        }
    }

    /// The epoch whose weights the model holds at the end: the restored one under early
    /// stopping with `restore_best`, else the last epoch before any divergence; `None` when
    /// there is none.
    pub fn kept_epoch(&self) -> Option<usize> {
        match self.ending {
            Some(Ending::StoppedEarly {
                restored: Some(r), ..
            })
            | Some(Ending::Completed { restored: Some(r) }) => Some(r),
            _ => Some(self.epochs_before_divergence()).filter(|&n| n > 0),
        }
    }

    /// `epoch,loss,…,seconds` with one row per epoch; values with full precision, non-finite
    /// ones as `NaN`, `inf` and `-inf`.
    pub fn to_csv(&self) -> String {
        let mut out = format!("epoch,{},seconds\n", self.columns.join(","));
        for e in &self.epochs {
            let values: Vec<String> = e.values.iter().map(|v| format!("{v}")).collect();
            out += &format!("{},{},{:.3}\n", e.epoch, values.join(","), e.seconds);
        }
        out
    }

    /// Parses and checks the text of a `history.csv` (which holds no ending; seconds are
    /// rounded to milliseconds there).
    pub fn from_csv(text: &str) -> Result<History, Problem> {
        let syntax = |line: usize, what: String| Problem::Syntax(format!("line {line}: {what}"));
        let mut lines = text.lines();
        let header = lines.next().ok_or_else(|| syntax(1, "no header".into()))?;
        let names: Vec<&str> = header.split(',').collect();
        if names.len() < 2 || names[0] != "epoch" || names[names.len() - 1] != "seconds" {
            return Err(syntax(
                1,
                "the header is not `epoch,<columns>,seconds`".into(),
            ));
        }
        let columns: Vec<String> = names[1..names.len() - 1]
            .iter()
            .map(|c| c.to_string())
            .collect();
        let mut epochs = Vec::new();
        for (i, line) in lines.enumerate() {
            let number = i + 2;
            let fields: Vec<&str> = line.split(',').collect();
            if fields.len() != names.len() {
                return Err(syntax(
                    number,
                    format!(
                        "{} fields, but the header has {}",
                        fields.len(),
                        names.len()
                    ),
                ));
            }
            let float = |text: &str| {
                text.parse::<f64>()
                    .map_err(|_| syntax(number, format!("`{text}` is not a number")))
            };
            let epoch = fields[0]
                .parse::<usize>()
                .map_err(|_| syntax(number, format!("`{}` is not an epoch number", fields[0])))?;
            let values = fields[1..fields.len() - 1]
                .iter()
                .map(|f| float(f))
                .collect::<Result<_, _>>()?;
            let seconds = float(fields[fields.len() - 1])?;
            epochs.push(Epoch {
                epoch,
                seconds,
                values,
            });
        }
        let history = History {
            columns,
            epochs,
            ending: None,
            weights_sha256: None,
            test: None,
        };
        history.validate()?;
        Ok(history)
    }

    /// `{"columns": [...], "epochs": [...], "ending": {...}, "history": {"loss": [...], ...}}`:
    /// the per-metric lists are what Keras's `History.history` holds; `ending` is there once
    /// training ended.
    pub fn to_json(&self) -> String {
        let by_metric: serde_json::Map<String, serde_json::Value> = self
            .columns
            .iter()
            .map(|c| {
                let list: Vec<Value> = self
                    .column(c)
                    .unwrap_or_default()
                    .into_iter()
                    .map(Value)
                    .collect();
                (c.clone(), serde_json::json!(list))
            })
            .collect();
        let mut value = serde_json::json!({
            "columns": self.columns,
            "epochs": self.epochs,
            "history": by_metric,
        });
        if let Some(ending) = &self.ending {
            value["ending"] = serde_json::json!(ending);
        }
        if let Some(sha) = &self.weights_sha256 {
            value["weights_sha256"] = serde_json::json!(sha);
        }
        if self.test.is_some() {
            let figures: serde_json::Map<String, serde_json::Value> = self
                .test_figures()
                .into_iter()
                .map(|(name, v)| (name.to_string(), serde_json::json!(Value(v))))
                .collect();
            value["test"] = serde_json::Value::Object(figures);
        }
        serde_json::to_string_pretty(&value).expect("history serializes") + "\n"
    }

    /// Keras's `model.evaluate` line for the test figures, `test - loss: 0.3212 - accuracy:
    /// 0.8735`, when there are some.
    pub fn test_line(&self) -> Option<String> {
        self.test.as_ref()?;
        let mut line = "test".to_string();
        for (name, value) in self.test_figures() {
            line += &format!(" - {name}: {value:.4}");
        }
        Some(line)
    }

    /// Keras's `verbose=2` line for one epoch:
    /// `Epoch 3/20 - 1s - loss: 0.1739 - accuracy: 0.9394 - val_loss: 0.2960 ...`
    pub fn log_line(&self, epoch: &Epoch, epochs: usize) -> String {
        let mut line = format!("Epoch {}/{epochs} - {:.1}s", epoch.epoch, epoch.seconds);
        for (name, value) in self.columns.iter().zip(&epoch.values) {
            line += &format!(" - {name}: {value:.4}");
        }
        line
    }
}

/// A value as history files hold it: a JSON number when finite, else `"NaN"`,
/// `"Infinity"` or `"-Infinity"`. `null` (what ofit wrote for any of them before it kept
/// them apart) reads as NaN.
#[derive(Debug, Clone, Copy)]
pub struct Value(pub f64);

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.is_finite() {
            serializer.serialize_f64(v)
        } else if v.is_nan() {
            serializer.serialize_str("NaN")
        } else if v > 0.0 {
            serializer.serialize_str("Infinity")
        } else {
            serializer.serialize_str("-Infinity")
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Value;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number, \"NaN\", \"Infinity\" or \"-Infinity\"")
            }
            fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
                Ok(Value(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
                Ok(Value(v as f64))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
                Ok(Value(v as f64))
            }
            fn visit_unit<E>(self) -> Result<Value, E> {
                Ok(Value(f64::NAN))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Value, E> {
                match v {
                    "NaN" => Ok(Value(f64::NAN)),
                    "Infinity" => Ok(Value(f64::INFINITY)),
                    "-Infinity" => Ok(Value(f64::NEG_INFINITY)),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// `serde(with)` for a list of [`Value`]s.
mod values {
    use super::Value;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(values: &[f64], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(values.iter().map(|&v| Value(v)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f64>, D::Error> {
        let values = Vec::<Value>::deserialize(deserializer)?;
        Ok(values.into_iter().map(|v| v.0).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history() -> History {
        History {
            columns: vec!["loss".into(), "val_loss".into()],
            epochs: vec![
                Epoch {
                    epoch: 1,
                    seconds: 1.25,
                    values: vec![0.5, 0.25],
                },
                Epoch {
                    epoch: 2,
                    seconds: 1.0,
                    values: vec![0.125, 0.375],
                },
            ],
            ending: None,
            weights_sha256: None,
            test: None,
        }
    }

    #[test]
    fn csv_has_a_row_per_epoch() {
        assert_eq!(
            history().to_csv(),
            "epoch,loss,val_loss,seconds\n1,0.5,0.25,1.250\n2,0.125,0.375,1.000\n"
        );
    }

    #[test]
    fn json_holds_keras_style_lists_and_round_trips() {
        let json = history().to_json();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            value["history"]["val_loss"],
            serde_json::json!([0.25, 0.375])
        );
        let back: History = serde_json::from_value(value).unwrap();
        assert_eq!(back, history());
    }

    #[test]
    fn log_lines_look_like_keras_verbose_2() {
        let h = history();
        assert_eq!(
            h.log_line(&h.epochs[1], 20),
            "Epoch 2/20 - 1.0s - loss: 0.1250 - val_loss: 0.3750"
        );
    }
}
