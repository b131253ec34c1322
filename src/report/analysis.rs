//! Where a model starts to overfit, and whether it underfits, from its per-epoch history of
//! one lower-is-better metric (a loss) on the training and the validation data.
//!
//! Every figure is defined on two equally long series, `train` and `validation`, of `n ≥ 1`
//! epochs, numbered from 1. `train[e]` and `validation[e]` are the values at epoch `e`.
//!
//! - **Best epoch**: the epoch of the lowest finite validation value; the first one on ties.
//!   **Best value** is the validation value there, **final value** the one at epoch `n`.
//! - **Gap**: validation minus training at the same epoch; **gap at best** is taken at the
//!   best epoch, **gap at end** at epoch `n`. A positive gap means the model does better on
//!   the data it was trained on.
//! - **Tolerance**: `max(0.01 × |best value|, 0.001)`: 1 % of the best value, but never less
//!   than 0.001. An epoch is **near the best** when its validation value is finite and at
//!   most best value + tolerance. The tolerance is what makes the figures robust to noise: a
//!   validation value that wobbles within 1 % of its minimum has not yet turned.
//! - **Overfit epoch** (where the model starts to overfit): the last epoch `e` near the
//!   best, provided that (1) `e < n`, so that validation is more than the tolerance above
//!   its minimum at every epoch after `e`, for good, and (2) training still improved after
//!   it: `train[n] < train[e]`. Read it as "overfits after epoch `e`": `e` is the last good
//!   epoch, and validation rises away from its minimum from epoch `e + 1` on. It is never
//!   before the best epoch. `None` when validation is near its best at the last epoch, or
//!   when it rose for good but training did not improve either (that is unstable training,
//!   not overfitting).
//! - **Still improving**: the last epoch is near the best and validation is trending down
//!   at the end: `validation[n] < validation[n − 2]` (`validation[n − 1]` when `n = 2`),
//!   which is the sign of the least-squares slope through the last three values.
//! - **Learns little**: the training value barely fell: `train[n]` is not below
//!   `0.9 × train[1]` (only judged when `train[1]` is finite and positive; a non-finite
//!   `train[n]` counts as not below).
//! - **Underfitting**: still improving, or learns little. More epochs, or more capacity,
//!   would help.
//!
//! With a single epoch there is no trend: no overfit epoch and no underfitting are reported.
//! A non-finite value (NaN, ±∞) is never the best and never near it.

use crate::history::History;
use serde::Serialize;

/// The relative part of the tolerance: 1 % of the best validation value.
pub const RELATIVE_TOLERANCE: f64 = 0.01;
/// The absolute floor of the tolerance.
pub const ABSOLUTE_TOLERANCE: f64 = 1e-3;
/// A model "learns little" when its final training value is not below this fraction of the
/// first.
pub const LEARNS_LITTLE: f64 = 0.9;

/// How one model fits, on one lower-is-better metric; the module docs define every field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    /// The epoch (1-based) of the lowest validation value, the first one on ties.
    pub best_epoch: usize,
    /// The validation value at the best epoch.
    pub best_val: f64,
    /// The validation value at the last epoch.
    pub final_val: f64,
    /// The last good epoch: validation stays more than the tolerance above its minimum at
    /// every later epoch while training keeps improving ("overfits after epoch e").
    pub overfit_epoch: Option<usize>,
    /// Validation minus training at the best epoch.
    pub gap_at_best: f64,
    /// Validation minus training at the last epoch.
    pub gap_at_end: f64,
    /// Validation still improving at the last epoch, or training barely improved.
    pub underfitting: bool,
    /// The diagnosis in words, e.g. "overfits after epoch 2: validation loss 0.283 at its
    /// best (epoch 2), 0.681 at the end".
    pub verdict: String,
}

/// The tolerance around a best validation value: `max(0.01 × |best|, 0.001)`.
pub fn tolerance(best: f64) -> f64 {
    (RELATIVE_TOLERANCE * best.abs()).max(ABSOLUTE_TOLERANCE)
}

/// Analyses a lower-is-better metric (a loss) per epoch on the training and the validation
/// data. `None` when the series are empty, of different lengths, or no validation value is
/// finite.
pub fn analyse(train: &[f64], validation: &[f64]) -> Option<Fit> {
    let n = validation.len();
    if n == 0 || train.len() != n {
        return None;
    }
    // Index (0-based) of the first lowest finite validation value.
    let best = validation
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .fold(None::<(usize, f64)>, |acc, (i, &v)| match acc {
            Some((_, b)) if b <= v => acc,
            _ => Some((i, v)),
        })?
        .0;
    let best_val = validation[best];
    let last = n - 1;
    let final_val = validation[last];
    let tol = tolerance(best_val);
    let near_best = |v: f64| v.is_finite() && v <= best_val + tol;

    // The last epoch near the best; at least `best` itself.
    let last_good = (0..n).rev().find(|&i| near_best(validation[i]))?;
    let rose_for_good = n > 1 && last_good < last;
    let overfit = rose_for_good && train[last] < train[last_good];

    let still_improving = n > 1 && near_best(final_val) && {
        let earlier = validation[last.saturating_sub(2)];
        final_val < earlier
    };
    // A non-finite final training value is not "below": it learned little.
    let fell_enough = train[last] <= LEARNS_LITTLE * train[0];
    let learns_little = n > 1 && train[0].is_finite() && train[0] > 0.0 && !fell_enough;

    let mut parts = Vec::new();
    if n == 1 {
        parts.push("one epoch only: too short to tell".to_string());
    } else if overfit {
        parts.push(format!(
            "overfits after epoch {}: validation loss {best_val:.3} at its best (epoch {}), \
             {final_val:.3} at the end",
            last_good + 1,
            best + 1
        ));
    } else if rose_for_good {
        parts.push(format!(
            "validation loss rises after epoch {} but training loss does not fall: \
             unstable, not overfitting",
            last_good + 1
        ));
    } else if still_improving {
        parts.push(format!(
            "still improving at the last epoch: validation loss {final_val:.3}, train longer"
        ));
    }
    if learns_little {
        parts.push(format!(
            "learns little: training loss {:.3} at the first epoch, {:.3} at the last",
            train[0], train[last]
        ));
    }
    if parts.is_empty() {
        parts.push(format!(
            "no sign of overfitting: validation loss {best_val:.3} at its best (epoch {}), \
             {final_val:.3} at the end",
            best + 1
        ));
    }

    Some(Fit {
        best_epoch: best + 1,
        best_val,
        final_val,
        overfit_epoch: overfit.then_some(last_good + 1),
        gap_at_best: best_val - train[best],
        gap_at_end: final_val - train[last],
        underfitting: still_improving || learns_little,
        verdict: parts.join("; "),
    })
}

/// [`analyse`] on a history's `metric` and `val_<metric>` columns; `None` when either column
/// is missing or [`analyse`] says `None`.
pub fn analyse_history(history: &History, metric: &str) -> Option<Fit> {
    let train = history.column(metric)?;
    let validation = history.column(&format!("val_{metric}"))?;
    analyse(&train, &validation)
}
