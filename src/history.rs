//! Per-epoch histories (what training produces and reports read): their CSV and JSON
//! files and Keras's `verbose=2` log lines.

use serde::{Deserialize, Serialize};

/// One epoch's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Epoch {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Wall-clock seconds the epoch took (training and validation).
    pub seconds: f64,
    /// One value per column of the history.
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

impl History {
    /// An empty history with these columns.
    pub fn new(columns: Vec<String>) -> Self {
        History {
            columns,
            epochs: Vec::new(),
            ending: None,
            weights_sha256: None,
        }
    }

    /// The values of column `name`, one per epoch.
    pub fn column(&self, name: &str) -> Option<Vec<f64>> {
        let i = self.columns.iter().position(|c| c == name)?;
        Some(self.epochs.iter().map(|e| e.values[i]).collect())
    }

    /// `epoch,loss,…,seconds` with one row per epoch; values with full precision.
    pub fn to_csv(&self) -> String {
        let mut out = format!("epoch,{},seconds\n", self.columns.join(","));
        for e in &self.epochs {
            let values: Vec<String> = e.values.iter().map(|v| format!("{v}")).collect();
            out += &format!("{},{},{:.3}\n", e.epoch, values.join(","), e.seconds);
        }
        out
    }

    /// `{"columns": [...], "epochs": [...], "history": {"loss": [...], ...}}`: the per-metric
    /// lists are what Keras's `History.history` holds.
    pub fn to_json(&self) -> String {
        let by_metric: serde_json::Map<String, serde_json::Value> = self
            .columns
            .iter()
            .map(|c| {
                (
                    c.clone(),
                    serde_json::json!(self.column(c).unwrap_or_default()),
                )
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
        serde_json::to_string_pretty(&value).expect("history serializes") + "\n"
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
