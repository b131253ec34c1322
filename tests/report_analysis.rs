//! `report::analysis`: best epoch, gaps, the overfit epoch and underfitting on hand-made
//! histories, and on the Keras tutorial's own numbers.

use crate::support;
use ofit::history::Ending;
use ofit::history::{Epoch, History};
use ofit::ir::Metric;
use ofit::report::analysis::{
    analyse, analyse_history, best_of, metric_named, tolerance, Direction, Fit,
};

#[test]
fn a_u_shaped_validation_curve_overfits_after_its_minimum() {
    let train = [1.0, 0.6, 0.4, 0.3, 0.2, 0.1];
    let validation = [0.9, 0.6, 0.5, 0.55, 0.7, 0.9];
    assert_eq!(
        analyse(Metric::Loss, &train, &validation),
        Some(Fit {
            direction: Direction::LowerIsBetter,
            best_epoch: 3,
            best_val: 0.5,
            final_epoch: 6,
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
        analyse(Metric::Loss, &train, &validation),
        Some(Fit {
            direction: Direction::LowerIsBetter,
            best_epoch: 5,
            best_val: 0.52,
            final_epoch: 5,
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
        analyse(Metric::Loss, &train, &validation),
        Some(Fit {
            direction: Direction::LowerIsBetter,
            best_epoch: 6,
            best_val: 0.57,
            final_epoch: 8,
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
    let fit = analyse(Metric::Loss, &train, &validation).unwrap();
    assert_eq!((fit.best_epoch, fit.overfit_epoch), (3, Some(4)));
    assert!(!fit.underfitting);
    // A late return to within tolerance cancels it: the rise was not for good.
    let validation = [0.8, 0.5, 0.4, 0.403, 0.41, 0.45, 0.402];
    let fit = analyse(Metric::Loss, &train, &validation).unwrap();
    assert_eq!((fit.best_epoch, fit.overfit_epoch), (3, None));
}

#[test]
fn small_losses_use_the_absolute_tolerance() {
    assert_eq!(tolerance(0.5), 0.005);
    assert_eq!(tolerance(0.01), 0.001);
    let train = [0.1, 0.05, 0.02, 0.01];
    let validation = [0.05, 0.01, 0.0105, 0.0115];
    let fit = analyse(Metric::Loss, &train, &validation).unwrap();
    assert_eq!((fit.best_epoch, fit.overfit_epoch), (2, Some(3)));
}

#[test]
fn a_flat_curve_learns_little_and_ties_pick_the_first_epoch() {
    let train = [0.69, 0.68, 0.67, 0.66];
    let validation = [0.7, 0.69, 0.69, 0.69];
    assert_eq!(
        analyse(Metric::Loss, &train, &validation),
        Some(Fit {
            direction: Direction::LowerIsBetter,
            best_epoch: 2,
            best_val: 0.69,
            final_epoch: 4,
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
    let fit = analyse(Metric::Loss, &train, &validation).unwrap();
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
        analyse(Metric::Loss, &[0.5], &[0.625]),
        Some(Fit {
            direction: Direction::LowerIsBetter,
            best_epoch: 1,
            best_val: 0.625,
            final_epoch: 1,
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
    let fit = analyse(Metric::Loss, &train, &validation).unwrap();
    assert_eq!((fit.best_epoch, fit.overfit_epoch), (3, Some(3)));
    assert_eq!(
        analyse(Metric::Loss, &[1.0, 0.5], &[f64::NAN, f64::INFINITY]),
        None
    );
}

#[test]
fn empty_or_mismatched_series_have_no_analysis() {
    assert_eq!(analyse(Metric::Loss, &[], &[]), None);
    assert_eq!(analyse(Metric::Loss, &[0.5, 0.4], &[0.6]), None);
    assert_eq!(analyse(Metric::Loss, &[0.5], &[0.6, 0.5]), None);
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
        test: None,
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
    let fit = analyse(Metric::BinaryCrossentropy, &train, &validation).unwrap();
    assert_eq!(keras_best, 2);
    assert_eq!(fit.best_epoch, 2);
    assert_eq!(fit.overfit_epoch, Some(2));
    assert!(!fit.underfitting);
    assert_eq!(
        fit.verdict,
        "overfits after epoch 2: validation binary_crossentropy 0.283 at its best (epoch 2), \
         0.681 at the end"
    );

    let (train, validation, keras_best) = keras_model("smaller");
    let fit = analyse(Metric::BinaryCrossentropy, &train, &validation).unwrap();
    assert_eq!(keras_best, 5);
    assert_eq!(fit.best_epoch, 5);
    // Epoch 6 (0.28574) is within 1 % of the minimum (0.28515); epoch 7 (0.29049) is not.
    assert_eq!(fit.overfit_epoch, Some(6));
    assert!(fit.overfit_epoch.unwrap() >= fit.best_epoch);
    assert!(!fit.underfitting);
}

// Higher-is-better metrics (accuracy): the same figures, mirrored.

/// A history of loss and accuracy, with `ending`.
fn history(rows: &[(f64, f64, f64, f64)], ending: Option<Ending>) -> History {
    History {
        columns: ["loss", "accuracy", "val_loss", "val_accuracy"]
            .map(String::from)
            .to_vec(),
        epochs: rows
            .iter()
            .enumerate()
            .map(|(i, &(l, a, vl, va))| Epoch {
                epoch: i + 1,
                seconds: 1.0,
                values: vec![l, a, vl, va],
            })
            .collect(),
        ending,
        weights_sha256: None,
        test: None,
    }
}

#[test]
fn the_direction_comes_from_the_metric() {
    assert_eq!(metric_named("accuracy"), Some(Metric::Accuracy));
    assert_eq!(metric_named("val_accuracy"), None);
    assert_eq!(Direction::of(Metric::Accuracy), Direction::HigherIsBetter);
    for metric in Metric::ALL {
        let expected = if metric.higher_is_better() {
            Direction::HigherIsBetter
        } else {
            Direction::LowerIsBetter
        };
        assert_eq!(Direction::of(metric), expected, "{metric:?}");
    }
}

#[test]
fn an_accuracy_that_peaks_then_falls_overfits_after_its_highest_epoch() {
    // The U-shaped loss test, mirrored: 1 − each value.
    let train = [0.0, 0.4, 0.6, 0.7, 0.8, 0.9];
    let validation = [0.1, 0.4, 0.5, 0.45, 0.3, 0.1];
    assert_eq!(
        analyse(Metric::Accuracy, &train, &validation),
        Some(Fit {
            direction: Direction::HigherIsBetter,
            best_epoch: 3,
            best_val: 0.5,
            final_epoch: 6,
            final_val: 0.1,
            overfit_epoch: Some(3),
            gap_at_best: 0.6 - 0.5,
            gap_at_end: 0.9 - 0.1,
            underfitting: false,
            verdict: "overfits after epoch 3: validation accuracy 0.500 at its best (epoch 3), \
                      0.100 at the end"
                .into(),
        })
    );
}

#[test]
fn a_rising_accuracy_is_still_improving_not_its_worst_epoch_best() {
    let train = [0.6, 0.7, 0.8, 0.85, 0.9];
    let validation = [0.55, 0.65, 0.72, 0.76, 0.79];
    let fit = analyse(Metric::Accuracy, &train, &validation).unwrap();
    assert_eq!(
        (fit.best_epoch, fit.best_val, fit.overfit_epoch),
        (5, 0.79, None)
    );
    assert!(fit.underfitting);
    assert_eq!(
        fit.verdict,
        "still improving at the last epoch: validation accuracy 0.790, train longer"
    );
}

#[test]
fn accuracy_within_tolerance_of_its_best_is_not_overfitting_and_ties_pick_the_first() {
    // Best 0.9 at epoch 3 (tie at 4); 0.895 is within 1 % (0.009) of it, 0.89 too.
    let train = [0.7, 0.8, 0.9, 0.92, 0.95, 0.97];
    let validation = [0.8, 0.85, 0.9, 0.9, 0.895, 0.892];
    let fit = analyse(Metric::Accuracy, &train, &validation).unwrap();
    assert_eq!((fit.best_epoch, fit.overfit_epoch), (3, None));
    assert!(!fit.underfitting);
    assert!(fit
        .verdict
        .starts_with("no sign of overfitting: validation accuracy 0.900"));
    // Falling further, for good, while training rises: overfits after the last near epoch.
    let validation = [0.8, 0.85, 0.9, 0.895, 0.87, 0.86];
    let fit = analyse(Metric::Accuracy, &train, &validation).unwrap();
    assert_eq!((fit.best_epoch, fit.overfit_epoch), (3, Some(4)));
}

#[test]
fn accuracy_falling_while_training_accuracy_falls_too_is_unstable() {
    let train = [0.5, 0.6, 0.55, 0.45];
    let validation = [0.5, 0.6, 0.5, 0.4];
    let fit = analyse(Metric::Accuracy, &train, &validation).unwrap();
    assert_eq!((fit.best_epoch, fit.overfit_epoch), (2, None));
    assert!(fit.underfitting, "the training error did not fall");
    assert_eq!(
        fit.verdict,
        "validation accuracy falls after epoch 2 but training accuracy does not rise: \
         unstable, not overfitting; learns little: training accuracy 0.500 at the first \
         epoch, 0.450 at the last"
    );
}

#[test]
fn a_history_is_analysed_in_each_metrics_direction() {
    let h = history(
        &[
            (0.7, 0.5, 0.6, 0.7),
            (0.4, 0.8, 0.45, 0.85),
            (0.2, 0.9, 0.5, 0.82),
            (0.1, 0.95, 0.6, 0.78),
        ],
        Some(Ending::Completed { restored: None }),
    );
    let accuracy = analyse_history(&h, "accuracy").unwrap();
    assert_eq!(accuracy.direction, Direction::HigherIsBetter);
    assert_eq!((accuracy.best_epoch, accuracy.best_val), (2, 0.85));
    assert_eq!(accuracy.overfit_epoch, Some(2));
    let loss = analyse_history(&h, "loss").unwrap();
    assert_eq!((loss.best_epoch, loss.overfit_epoch), (2, Some(2)));
    assert_eq!(analyse_history(&h, "no_such_metric"), None);
}

#[test]
fn restored_weights_make_the_kept_epoch_the_final_one() {
    let rows = [
        (0.7, 0.5, 0.6, 0.7),
        (0.4, 0.8, 0.45, 0.85),
        (0.2, 0.9, 0.5, 0.82),
        (0.1, 0.95, 0.6, 0.78),
    ];
    let stopped = Some(Ending::StoppedEarly {
        epoch: 4,
        restored: Some(2),
    });
    let fit = analyse_history(&history(&rows, stopped), "accuracy").unwrap();
    assert_eq!((fit.final_epoch, fit.final_val), (2, 0.85));
    assert!((fit.gap_at_end - (0.8 - 0.85)).abs() < 1e-12);
    assert_eq!(
        fit.overfit_epoch,
        Some(2),
        "the epochs after it still show the turn"
    );
    assert!(
        fit.verdict
            .ends_with("; weights of epoch 2 kept: validation accuracy 0.850 there"),
        "{}",
        fit.verdict
    );
    // Without restored weights the last epoch is the final one.
    let stopped = Some(Ending::StoppedEarly {
        epoch: 4,
        restored: None,
    });
    let fit = analyse_history(&history(&rows, stopped), "accuracy").unwrap();
    assert_eq!((fit.final_epoch, fit.final_val), (4, 0.78));
}

#[test]
fn a_diverged_history_is_analysed_on_the_epochs_before_it() {
    let rows = [
        (0.7, 0.5, 0.6, 0.7),
        (0.4, 0.8, 0.45, 0.85),
        (0.3, 0.85, 0.44, 0.86),
        (f64::NAN, 0.5, f64::NAN, 0.5),
    ];
    let h = history(&rows, Some(Ending::Diverged { epoch: 4 }));
    let fit = analyse_history(&h, "loss").unwrap();
    assert_eq!(
        (fit.best_epoch, fit.final_epoch, fit.final_val),
        (3, 3, 0.44)
    );
    assert!(!fit.verdict.contains("learns little"), "{}", fit.verdict);
    let fit = analyse_history(&h, "accuracy").unwrap();
    assert_eq!((fit.best_epoch, fit.final_val), (3, 0.86));
    // Diverged in its first epoch: nothing to analyse.
    let h = history(&rows[3..], Some(Ending::Diverged { epoch: 1 }));
    assert_eq!(analyse_history(&h, "loss"), None);
}

#[test]
fn the_best_model_has_the_best_validation_value_in_the_metrics_direction() {
    let fit = |metric, validation: &[f64]| analyse(metric, &[0.5, 0.4, 0.3], validation);
    // Losses: the lowest best value wins; the first on ties; a model with no history
    // (None) or only non-finite values is never best.
    let losses = [
        None,
        fit(Metric::Loss, &[0.6, 0.35, 0.4]),
        fit(Metric::Loss, &[0.5, 0.3, 0.45]),
        fit(Metric::Loss, &[0.3, 0.6, 0.7]),
        fit(Metric::Loss, &[f64::NAN, f64::NAN, f64::NAN]),
    ];
    let (index, best) = best_of(losses.iter().map(Option::as_ref)).unwrap();
    assert_eq!((index, best.best_val, best.best_epoch), (2, 0.3, 2));
    // Accuracy: the highest.
    let accuracies = [
        fit(Metric::Accuracy, &[0.7, 0.8, 0.75]),
        fit(Metric::Accuracy, &[0.6, 0.85, 0.9]),
    ];
    let (index, best) = best_of(accuracies.iter().map(Option::as_ref)).unwrap();
    assert_eq!((index, best.best_val), (1, 0.9));
    assert!(best_of([None, None]).is_none());
}
