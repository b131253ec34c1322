//! `report::analysis`: best epoch, gaps, the overfit epoch and underfitting on hand-made
//! histories, and on the Keras tutorial's own numbers.

use crate::support;
use ofit::history::{Epoch, History};
use ofit::report::analysis::{analyse, analyse_history, tolerance, Fit};

#[test]
fn a_u_shaped_validation_curve_overfits_after_its_minimum() {
    let train = [1.0, 0.6, 0.4, 0.3, 0.2, 0.1];
    let validation = [0.9, 0.6, 0.5, 0.55, 0.7, 0.9];
    assert_eq!(
        analyse(&train, &validation),
        Some(Fit {
            best_epoch: 3,
            best_val: 0.5,
            final_val: 0.9,
            overfit_epoch: Some(3),
            gap_at_best: 0.5 - 0.4,
            gap_at_end: 0.9 - 0.1,
            underfitting: false,
            verdict: "overfits after epoch 3: validation loss 0.500 at its best (epoch 3), \
                      0.900 at the end"
                .into(),
        })
    );
}

#[test]
fn a_monotone_validation_curve_is_still_improving() {
    let train = [0.8, 0.6, 0.45, 0.35, 0.3];
    let validation = [0.9, 0.7, 0.6, 0.55, 0.52];
    assert_eq!(
        analyse(&train, &validation),
        Some(Fit {
            best_epoch: 5,
            best_val: 0.52,
            final_val: 0.52,
            overfit_epoch: None,
            gap_at_best: 0.52 - 0.3,
            gap_at_end: 0.52 - 0.3,
            underfitting: true,
            verdict: "still improving at the last epoch: validation loss 0.520, train longer"
                .into(),
        })
    );
}

#[test]
fn a_blip_that_recovers_and_noise_within_tolerance_are_not_overfitting() {
    // Epoch 4 rises (0.65) and recovers; epochs 7 and 8 stay within 1 % of the minimum.
    let train = [1.0, 0.7, 0.5, 0.4, 0.35, 0.3, 0.27, 0.25];
    let validation = [0.9, 0.7, 0.6, 0.65, 0.58, 0.57, 0.572, 0.571];
    assert_eq!(
        analyse(&train, &validation),
        Some(Fit {
            best_epoch: 6,
            best_val: 0.57,
            final_val: 0.571,
            overfit_epoch: None,
            gap_at_best: 0.57 - 0.3,
            gap_at_end: 0.571 - 0.25,
            underfitting: false,
            verdict: "no sign of overfitting: validation loss 0.570 at its best (epoch 6), \
                      0.571 at the end"
                .into(),
        })
    );
}

#[test]
fn the_overfit_epoch_is_the_last_one_within_tolerance_of_the_minimum() {
    // Minimum 0.40 at epoch 3; epoch 4 (0.403) is within 1 % of it, epoch 5 (0.41) is not,
    // and neither is anything after: overfits after epoch 4, not 3.
    let train = [0.9, 0.6, 0.4, 0.3, 0.25, 0.2, 0.15];
    let validation = [0.8, 0.5, 0.4, 0.403, 0.41, 0.45, 0.5];
    let fit = analyse(&train, &validation).unwrap();
    assert_eq!((fit.best_epoch, fit.overfit_epoch), (3, Some(4)));
    assert!(!fit.underfitting);
    // A late return to within tolerance cancels it: the rise was not for good.
    let validation = [0.8, 0.5, 0.4, 0.403, 0.41, 0.45, 0.402];
    let fit = analyse(&train, &validation).unwrap();
    assert_eq!((fit.best_epoch, fit.overfit_epoch), (3, None));
}

#[test]
fn small_losses_use_the_absolute_tolerance() {
    assert_eq!(tolerance(0.5), 0.005);
    assert_eq!(tolerance(0.01), 0.001);
    let train = [0.1, 0.05, 0.02, 0.01];
    let validation = [0.05, 0.01, 0.0105, 0.0115];
    let fit = analyse(&train, &validation).unwrap();
    assert_eq!((fit.best_epoch, fit.overfit_epoch), (2, Some(3)));
}

#[test]
fn a_flat_curve_learns_little_and_ties_pick_the_first_epoch() {
    let train = [0.69, 0.68, 0.67, 0.66];
    let validation = [0.7, 0.69, 0.69, 0.69];
    assert_eq!(
        analyse(&train, &validation),
        Some(Fit {
            best_epoch: 2,
            best_val: 0.69,
            final_val: 0.69,
            overfit_epoch: None,
            gap_at_best: 0.69 - 0.68,
            gap_at_end: 0.69 - 0.66,
            underfitting: true,
            verdict: "learns little: training loss 0.690 at the first epoch, 0.660 at the last"
                .into(),
        })
    );
}

#[test]
fn validation_rising_while_training_rises_too_is_unstable_not_overfitting() {
    let train = [0.5, 0.4, 0.6, 0.7];
    let validation = [0.5, 0.45, 0.6, 0.8];
    let fit = analyse(&train, &validation).unwrap();
    assert_eq!((fit.best_epoch, fit.overfit_epoch), (2, None));
    assert!(fit.underfitting, "training ended above where it started");
    assert_eq!(
        fit.verdict,
        "validation loss rises after epoch 2 but training loss does not fall: unstable, not \
         overfitting; learns little: training loss 0.500 at the first epoch, 0.700 at the last"
    );
}

#[test]
fn a_single_epoch_has_no_trend() {
    assert_eq!(
        analyse(&[0.5], &[0.625]),
        Some(Fit {
            best_epoch: 1,
            best_val: 0.625,
            final_val: 0.625,
            overfit_epoch: None,
            gap_at_best: 0.125,
            gap_at_end: 0.125,
            underfitting: false,
            verdict: "one epoch only: too short to tell".into(),
        })
    );
}

#[test]
fn non_finite_validation_values_are_never_best() {
    let train = [1.0, 0.8, 0.6, 0.5];
    let validation = [0.9, f64::NAN, 0.7, 0.8];
    let fit = analyse(&train, &validation).unwrap();
    assert_eq!((fit.best_epoch, fit.overfit_epoch), (3, Some(3)));
    assert_eq!(analyse(&[1.0, 0.5], &[f64::NAN, f64::INFINITY]), None);
}

#[test]
fn empty_or_mismatched_series_have_no_analysis() {
    assert_eq!(analyse(&[], &[]), None);
    assert_eq!(analyse(&[0.5, 0.4], &[0.6]), None);
    assert_eq!(analyse(&[0.5], &[0.6, 0.5]), None);
}

#[test]
fn a_history_is_analysed_on_a_metric_and_its_validation_column() {
    let history = History {
        columns: vec!["loss".into(), "val_loss".into()],
        epochs: [(0.6, 0.5), (0.3, 0.4), (0.1, 0.6)]
            .iter()
            .enumerate()
            .map(|(i, &(train, validation))| Epoch {
                epoch: i + 1,
                seconds: 1.0,
                values: vec![train, validation],
            })
            .collect(),
        ending: None,
        weights_sha256: None,
    };
    let fit = analyse_history(&history, "loss").unwrap();
    assert_eq!((fit.best_epoch, fit.overfit_epoch), (2, Some(2)));
    assert_eq!(analyse_history(&history, "accuracy"), None);
}

/// The tutorial's binary cross-entropy per epoch, as tf.keras produced it (a copy of two
/// models of the reference run, `tests/fixtures/report/keras_tutorial_bce.json`).
fn keras_model(name: &str) -> (Vec<f64>, Vec<f64>, usize) {
    let path = support::root().join("tests/fixtures/report/keras_tutorial_bce.json");
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    let json: serde_json::Value = serde_json::from_str(&text).expect("fixture is JSON");
    let model = &json["models"][name];
    let series = |key: &str| -> Vec<f64> {
        model[key]
            .as_array()
            .expect("a list")
            .iter()
            .map(|v| v.as_f64().expect("a number"))
            .collect()
    };
    let best = model["min_val_bce_epoch"].as_u64().expect("an epoch") as usize;
    (
        series("binary_crossentropy"),
        series("val_binary_crossentropy"),
        best,
    )
}

#[test]
fn the_keras_tutorial_models_overfit_where_keras_says() {
    let (train, validation, keras_best) = keras_model("baseline");
    let fit = analyse(&train, &validation).unwrap();
    assert_eq!(keras_best, 2);
    assert_eq!(fit.best_epoch, 2);
    assert_eq!(fit.overfit_epoch, Some(2));
    assert!(!fit.underfitting);
    assert_eq!(
        fit.verdict,
        "overfits after epoch 2: validation loss 0.283 at its best (epoch 2), 0.681 at the end"
    );

    let (train, validation, keras_best) = keras_model("smaller");
    let fit = analyse(&train, &validation).unwrap();
    assert_eq!(keras_best, 5);
    assert_eq!(fit.best_epoch, 5);
    // Epoch 6 (0.28574) is within 1 % of the minimum (0.28515); epoch 7 (0.29049) is not.
    assert_eq!(fit.overfit_epoch, Some(6));
    assert!(fit.overfit_epoch.unwrap() >= fit.best_epoch);
    assert!(!fit.underfitting);
}
