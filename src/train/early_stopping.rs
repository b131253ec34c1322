//! Early stopping, exactly as Keras's `EarlyStopping` callback decides it (Keras 3,
//! `keras/src/callbacks/early_stopping.py`), replayed over a history so that a resumed
//! training decides as an uninterrupted one would.
//!
//! At the end of every epoch, with `current` the monitored value:
//! - the counter `wait` goes up by one;
//! - `current` improves on the best so far when it is better by more than `min_delta`
//!   (`current + min_delta < best` for a loss, `current − min_delta > best` for accuracy);
//!   the first epoch always improves, unless a `baseline` is given, which then is the
//!   first "best";
//! - on an improvement the epoch becomes the best one, and `wait` restarts at 0 when
//!   `current` also improves on the baseline (or there is none);
//! - otherwise, once `wait ≥ patience` (and it is not the first epoch), training stops.
//!
//! So patience 0, 1 and 2 on a model whose best epoch is 2 run 3, 3 and 4 epochs. Under
//! `restore_best` the weights of the best epoch (of the first epoch when none improved on
//! the baseline) are put back at the end of training, whether or not it stopped early.

use crate::history::History;
use crate::ir::{EarlyStopping, Split};

/// Where early stopping stands after some epochs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct State {
    /// The epoch (1-based) whose weights `restore_best` keeps: the last improvement, else
    /// the first epoch. `None` before the first epoch.
    pub best_epoch: Option<usize>,
    /// Whether training stops after the last epoch replayed.
    pub stop: bool,
}

/// The history column early stopping watches, e.g. `val_loss`.
pub fn column(early: &EarlyStopping) -> String {
    let prefix = match early.split {
        Split::Validation => "val_",
        Split::Train => "",
    };
    format!("{prefix}{}", early.monitor.name())
}

/// Replays early stopping over every epoch of `history`. A history without the watched
/// column (the checker makes that impossible) never stops.
pub fn replay(history: &History, early: &EarlyStopping) -> State {
    let values = history.column(&column(early)).unwrap_or_default();
    let higher = early.monitor.higher_is_better();
    let improves = |current: f64, reference: Option<f64>| match reference {
        None => true,
        Some(reference) if higher => current - early.min_delta > reference,
        Some(reference) => current + early.min_delta < reference,
    };
    let mut best = early.baseline;
    let mut state = State {
        best_epoch: None,
        stop: false,
    };
    let mut wait = 0;
    for (i, &current) in values.iter().enumerate() {
        let epoch = i + 1;
        if state.best_epoch.is_none() {
            // Keras keeps the first epoch's weights until an epoch improves.
            state.best_epoch = Some(epoch);
        }
        wait += 1;
        state.stop = false;
        if improves(current, best) {
            best = Some(current);
            state.best_epoch = Some(epoch);
            if early.baseline.is_none() || improves(current, early.baseline) {
                wait = 0;
            }
        } else if wait >= early.patience && epoch > 1 {
            state.stop = true;
        }
    }
    state
}
