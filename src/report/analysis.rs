//! Where a model starts to overfit, and whether it underfits, from its per-epoch history of
//! one metric on the training and the validation data. A metric is better either lower (a
//! loss, a cross-entropy, an error) or higher (accuracy): [`Direction::of`] takes that from
//! the one rule, `ir::Metric::higher_is_better`, and every figure below is read in it.
//!
//! Every figure is defined on two equally long series, `train` and `validation`, of `n ≥ 1`
//! epochs, numbered from 1. `train[e]` and `validation[e]` are the values at epoch `e`.
//! "Better" is lower, or higher for a higher-is-better metric; "above the best by d" means
//! worse than it by d.
//!
//! - **Best epoch**: the epoch of the best finite validation value (the lowest, or the
//!   highest); the first one on ties. **Best value** is the validation value there, **final
//!   value** the one at the final epoch: `n`, or the epoch whose weights the model keeps
//!   when early stopping restored them ([`analyse_history`]).
//! - **Gap**: how much worse validation is than training at the same epoch: validation −
//!   training for a lower-is-better metric, training − validation for a higher-is-better
//!   one. **Gap at best** is taken at the best epoch, **gap at end** at the final epoch. A
//!   positive gap means the model does better on the data it was trained on.
//! - **Tolerance**: `max(0.01 × |best value|, 0.001)`: 1 % of the best value, but never less
//!   than 0.001. An epoch is **near the best** when its validation value is finite and worse
//!   than the best by at most the tolerance. The tolerance is what makes the figures robust
//!   to noise: a validation value that wobbles within 1 % of its best has not yet turned.
//! - **Overfit epoch** (where the model starts to overfit): the last epoch `e` near the
//!   best, provided that (1) `e < n`, so that validation is worse than its best by more than
//!   the tolerance at every epoch after `e`, for good, and (2) training still improved after
//!   it: `train[n]` is better than `train[e]`. Read it as "overfits after epoch `e`": `e` is
//!   the last good epoch, and validation moves away from its best from epoch `e + 1` on (a
//!   loss rises, an accuracy falls). It is never before the best epoch. `None` when
//!   validation is near its best at the last epoch, or when it turned for good but training
//!   did not improve either (that is unstable training, not overfitting).
//! - **Still improving**: the last epoch is near the best and validation is trending better
//!   at the end: `validation[n]` is better than `validation[n − 2]` (`validation[n − 1]` when
//!   `n = 2`), which is the sign of the least-squares slope through the last three values.
//! - **Learns little**: training barely improved: the training value's shortfall from a
//!   perfect one did not fall below 90 % of the first epoch's. For a lower-is-better metric
//!   the shortfall is the value itself (judged when `train[1]` is finite and positive); for
//!   a higher-is-better one (accuracy, perfect at 1) it is `1 − value` (judged when
//!   `1 − train[1]` is finite and positive). A non-finite `train[n]` counts as not below.
//! - **Underfitting**: still improving, or learns little. More epochs, or more capacity,
//!   would help.
//!
//! With a single epoch there is no trend: no overfit epoch and no underfitting are reported.
//! A non-finite value (NaN, ±∞) is never the best and never near it. [`analyse_history`]
//! analyses a history's epochs before the one in which training diverged, if it did.

use crate::history::History;
use crate::ir::Metric;
use serde::Serialize;

/// The relative part of the tolerance: 1 % of the best validation value.
pub const RELATIVE_TOLERANCE: f64 = 0.01;
/// The absolute floor of the tolerance.
pub const ABSOLUTE_TOLERANCE: f64 = 1e-3;
/// A model "learns little" when its final training shortfall is not below this fraction of
/// the first.
pub const LEARNS_LITTLE: f64 = 0.9;

/// Which way a metric is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// A loss, a cross-entropy, an error.
    LowerIsBetter,
    /// Accuracy.
    HigherIsBetter,
}

impl Direction {
    /// The direction of `metric`, from `ir::Metric::higher_is_better`.
    pub fn of(metric: Metric) -> Direction {
        if metric.higher_is_better() {
            Direction::HigherIsBetter
        } else {
            Direction::LowerIsBetter
        }
    }

    /// +1 when lower is better, −1 when higher is: `sign × value` is then lower-is-better.
    fn sign(self) -> f64 {
        match self {
            Direction::LowerIsBetter => 1.0,
            Direction::HigherIsBetter => -1.0,
        }
    }
}

impl Direction {
    /// "lowest" or "highest": the word for the best value.
    pub fn best_word(self) -> &'static str {
        match self {
            Direction::LowerIsBetter => "lowest",
            Direction::HigherIsBetter => "highest",
        }
    }
}

/// Of several models' fits on one metric, the one with the best validation value (the
/// first on ties), with its index.
pub fn best_of<'a>(fits: impl IntoIterator<Item = Option<&'a Fit>>) -> Option<(usize, &'a Fit)> {
    fits.into_iter()
        .enumerate()
        .filter_map(|(i, fit)| Some((i, fit?)))
        .filter(|(_, fit)| fit.best_val.is_finite())
        .fold(None, |best: Option<(usize, &Fit)>, (i, fit)| match best {
            Some((_, b))
                if b.direction.sign() * b.best_val <= fit.direction.sign() * fit.best_val =>
            {
                best
            }
            _ => Some((i, fit)),
        })
}

/// The metric a history column or a plot is named by (`loss`, `accuracy`, …); `None` for
/// a name ofit does not compute.
pub fn metric_named(name: &str) -> Option<Metric> {
    Metric::ALL.into_iter().find(|m| m.name() == name)
}

/// How one model fits, on one metric; the module docs define every field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    /// Which way the metric is better.
    pub direction: Direction,
    /// The epoch (1-based) of the best validation value, the first one on ties.
    pub best_epoch: usize,
    /// The validation value at the best epoch.
    pub best_val: f64,
    /// The epoch the final figures are taken at: the last one analysed, or the one whose
    /// weights early stopping restored.
    pub final_epoch: usize,
    /// The validation value at the final epoch.
    pub final_val: f64,
    /// The last good epoch: validation stays worse than its best by more than the tolerance
    /// at every later epoch while training keeps improving ("overfits after epoch e").
    pub overfit_epoch: Option<usize>,
    /// How much worse validation is than training at the best epoch.
    pub gap_at_best: f64,
    /// How much worse validation is than training at the final epoch.
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

/// Analyses `metric` per epoch on the training and the validation data, in the metric's
/// direction; the final figures are those of the last epoch. `None` when the series are
/// empty, of different lengths, or no validation value is finite.
pub fn analyse(metric: Metric, train: &[f64], validation: &[f64]) -> Option<Fit> {
    let direction = Direction::of(metric);
    let s = direction.sign();
    let name = metric.name();
    let n = validation.len();
    if n == 0 || train.len() != n {
        return None;
    }
    // Index (0-based) of the first best finite validation value.
    let best = validation
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .fold(None::<(usize, f64)>, |acc, (i, &v)| match acc {
            Some((_, b)) if s * b <= s * v => acc,
            _ => Some((i, v)),
        })?
        .0;
    let best_val = validation[best];
    let last = n - 1;
    let final_val = validation[last];
    let tol = tolerance(best_val);
    let near_best = |v: f64| v.is_finite() && s * v <= s * best_val + tol;

    // The last epoch near the best; at least `best` itself.
    let last_good = (0..n).rev().find(|&i| near_best(validation[i]))?;
    let turned_for_good = n > 1 && last_good < last;
    let overfit = turned_for_good && s * train[last] < s * train[last_good];

    let still_improving = n > 1 && near_best(final_val) && {
        let earlier = validation[last.saturating_sub(2)];
        s * final_val < s * earlier
    };
    // The shortfall from a perfect value; a non-finite final one is not "below".
    let shortfall = |v: f64| match direction {
        Direction::LowerIsBetter => v,
        Direction::HigherIsBetter => 1.0 - v,
    };
    let first = shortfall(train[0]);
    let fell_enough = shortfall(train[last]) <= LEARNS_LITTLE * first;
    let learns_little = n > 1 && first.is_finite() && first > 0.0 && !fell_enough;

    let (worsens, improves) = match direction {
        Direction::LowerIsBetter => ("rises", "fall"),
        Direction::HigherIsBetter => ("falls", "rise"),
    };
    let mut parts = Vec::new();
    if n == 1 {
        parts.push("one epoch only: too short to tell".to_string());
    } else if overfit {
        parts.push(format!(
            "overfits after epoch {}: validation {name} {best_val:.3} at its best (epoch {}), \
             {final_val:.3} at the end",
            last_good + 1,
            best + 1
        ));
    } else if turned_for_good {
        parts.push(format!(
            "validation {name} {worsens} after epoch {} but training {name} does not \
             {improves}: unstable, not overfitting",
            last_good + 1
        ));
    } else if still_improving {
        parts.push(format!(
            "still improving at the last epoch: validation {name} {final_val:.3}, train longer"
        ));
    }
    if learns_little {
        parts.push(format!(
            "learns little: training {name} {:.3} at the first epoch, {:.3} at the last",
            train[0], train[last]
        ));
    }
    if parts.is_empty() {
        parts.push(format!(
            "no sign of overfitting: validation {name} {best_val:.3} at its best (epoch {}), \
             {final_val:.3} at the end",
            best + 1
        ));
    }

    Some(Fit {
        direction,
        best_epoch: best + 1,
        best_val,
        final_epoch: n,
        final_val,
        overfit_epoch: overfit.then_some(last_good + 1),
        gap_at_best: s * (best_val - train[best]),
        gap_at_end: s * (final_val - train[last]),
        underfitting: still_improving || learns_little,
        verdict: parts.join("; "),
    })
}

/// [`analyse`] on a history's `metric` and `val_<metric>` columns, in the metric's
/// direction, over the epochs before the one in which training diverged (if it did); when
/// early stopping restored an epoch's weights, the final figures are that epoch's and the
/// verdict says so. `None` when `metric` is not a metric ofit computes, either column is
/// missing, or [`analyse`] says `None`.
pub fn analyse_history(history: &History, metric: &str) -> Option<Fit> {
    let parsed = metric_named(metric)?;
    let n = history.epochs_before_divergence();
    let train = history.column(metric)?;
    let validation = history.column(&format!("val_{metric}"))?;
    let (train, validation) = (
        &train[..n.min(train.len())],
        &validation[..n.min(validation.len())],
    );
    let mut fit = analyse(parsed, train, validation)?;
    if let Some(kept) = history.kept_epoch().filter(|&k| k >= 1 && k < n) {
        let s = fit.direction.sign();
        fit.final_epoch = kept;
        fit.final_val = validation[kept - 1];
        fit.gap_at_end = s * (validation[kept - 1] - train[kept - 1]);
        fit.verdict += &format!(
            "; weights of epoch {kept} kept: validation {metric} {:.3} there",
            fit.final_val
        );
    }
    Some(fit)
}
