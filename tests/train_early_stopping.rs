//! Early stopping decides as Keras's `EarlyStopping` callback does (Keras 3): the counts
//! of epochs it runs, `min_delta`, `baseline`, the direction of accuracy, and which
//! epoch's weights `restore_best` keeps.

use ofit::history::{Epoch, History};
use ofit::ir::{EarlyStopping, Metric, Split};
use ofit::train::early_stopping::{replay, State};

/// A history of `val_loss` (and `loss`, equal) values.
fn history(values: &[f64]) -> History {
    history_of("loss", values)
}

/// A history of `metric` and `val_<metric>`, equal, per epoch.
fn history_of(metric: &str, values: &[f64]) -> History {
    let mut history = History::new(vec![metric.into(), format!("val_{metric}")]);
    history.epochs = values
        .iter()
        .enumerate()
        .map(|(i, &v)| Epoch {
            epoch: i + 1,
            seconds: 0.0,
            values: vec![v, v],
        })
        .collect();
    history
}

fn early(patience: usize) -> EarlyStopping {
    EarlyStopping {
        monitor: Metric::Loss,
        split: Split::Validation,
        patience,
        min_delta: 0.0,
        baseline: None,
        restore_best: true,
    }
}

/// How many epochs training runs on these values: the first after which it stops.
fn epochs_run(values: &[f64], early: &EarlyStopping) -> usize {
    (1..=values.len())
        .find(|&n| replay(&history(&values[..n]), early).stop)
        .unwrap_or(values.len())
}

/// val_loss falls to its best at epoch 2, then only rises.
const BEST_AT_2: [f64; 8] = [0.5, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65];

#[test]
fn patience_0_1_and_2_on_a_best_epoch_of_2_run_3_3_and_4_epochs_as_in_keras() {
    assert_eq!(epochs_run(&BEST_AT_2, &early(0)), 3);
    assert_eq!(epochs_run(&BEST_AT_2, &early(1)), 3);
    assert_eq!(epochs_run(&BEST_AT_2, &early(2)), 4);
    assert_eq!(epochs_run(&BEST_AT_2, &early(5)), 7);
}

#[test]
fn the_best_epoch_is_the_last_improvement() {
    let state = replay(&history(&BEST_AT_2[..4]), &early(2));
    assert_eq!(
        state,
        State {
            best_epoch: Some(2),
            stop: true
        }
    );
}

#[test]
fn an_improvement_smaller_than_min_delta_does_not_count() {
    // 0.295 is below 0.3 but by less than min_delta 0.01: epoch 2 stays the best, and
    // patience 1 stops at epoch 3.
    let values = [0.5, 0.3, 0.295, 0.2];
    let mut with_delta = early(1);
    with_delta.min_delta = 0.01;
    assert_eq!(epochs_run(&values, &with_delta), 3);
    assert_eq!(
        replay(&history(&values[..3]), &with_delta).best_epoch,
        Some(2)
    );
    // Without min_delta it is an improvement, and training goes on to the end.
    assert_eq!(epochs_run(&values, &early(1)), 4);
}

#[test]
fn a_baseline_is_the_first_best_value() {
    // Keras: the baseline is the best value before the first epoch, so an epoch improves
    // only when it beats the baseline (by more than min_delta); patience counts from the
    // start until one does.
    let values = [0.6, 0.55, 0.35, 0.3, 0.45, 0.5];
    let mut with_baseline = early(2);
    with_baseline.baseline = Some(0.4);
    let after_2 = replay(&history(&values[..2]), &with_baseline);
    assert_eq!(
        after_2.best_epoch,
        Some(1),
        "restore_best keeps epoch 1 for now"
    );
    assert!(
        after_2.stop,
        "neither 0.6 nor 0.55 beats 0.4: wait reaches 2"
    );
    // A baseline that is beaten at once behaves as none.
    with_baseline.baseline = Some(0.9);
    assert_eq!(epochs_run(&values, &with_baseline), 6);
    assert_eq!(
        replay(&history(&values), &with_baseline).best_epoch,
        Some(4)
    );
}

#[test]
fn no_epoch_beating_the_baseline_keeps_the_first_epochs_weights() {
    let values = [0.6, 0.7, 0.8];
    let mut with_baseline = early(2);
    with_baseline.baseline = Some(0.4);
    let state = replay(&history(&values), &with_baseline);
    assert_eq!(state.best_epoch, Some(1));
    assert_eq!(epochs_run(&values, &with_baseline), 2);
}

#[test]
fn accuracy_improves_upwards() {
    let history = history_of("accuracy", &[0.6, 0.8, 0.7, 0.75]);
    let mut watch_accuracy = early(1);
    watch_accuracy.monitor = Metric::Accuracy;
    let state = replay(&history, &watch_accuracy);
    assert_eq!(state.best_epoch, Some(2));
    assert!(state.stop, "epoch 4 does not beat 0.8 either");
}
