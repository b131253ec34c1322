//! "More data", the tutorial's first remedy, shown: for an experiment that trains its models
//! at several training-set sizes (`train_size`), each model's best validation value and its
//! overfit epoch (`report::analysis`) against the number of training examples, drawn on a
//! log axis, and what each doubling of the examples bought, in words.

use super::analysis::Direction;
use super::document::ModelReport;
use super::plot::{by_training_size, SizeSeries};
use crate::run_index::IndexedExperiment;
use crate::suggest::thousands;
use serde::Serialize;

/// What more training data bought the models of one experiment.
#[derive(Debug, Clone, Serialize)]
pub struct MoreData {
    /// The metric the figures are on: the experiment's first plotted one.
    pub metric: String,
    /// The plots: the best validation value against the training examples
    /// (`plots/<experiment>-more_data.svg`), then the overfit epoch
    /// (`plots/<experiment>-more_data-overfit.svg`).
    pub plots: Vec<String>,
    /// One entry per model, in the order the experiment names them.
    pub models: Vec<BySize>,
}

/// One model's figures at each training-set size.
#[derive(Debug, Clone, Serialize)]
pub struct BySize {
    /// The model's name in the experiment.
    pub model: String,
    /// Its figures, by ascending size.
    pub sizes: Vec<AtSize>,
    /// What each doubling of the examples bought, in words, when two sizes have a best
    /// validation value: "`baseline`: each doubling of the training examples lowered its
    /// lowest validation loss by 0.0312 on average, …".
    pub sentence: Option<String>,
}

/// A model's figures at one training-set size.
#[derive(Debug, Clone, Serialize)]
pub struct AtSize {
    /// Training examples.
    pub train_size: usize,
    /// The best validation value on the metric; `None` while there is none.
    pub best_val: Option<f64>,
    /// How much worse validation is than training at the best epoch: what the model has
    /// learnt of its training examples that does not carry over.
    pub gap_at_best: Option<f64>,
    /// The epoch after which it overfits; `None` when it does not (or has no history).
    pub overfit_epoch: Option<usize>,
    /// Epochs recorded.
    pub epochs: usize,
}

/// The figures and plots of `experiment` (whose model reports, in its models' order, are
/// `models`) on `metric`, when it trains at two or more sizes; the plots as their paths and
/// SVGs. `colour` gives a model's place in the palette, by its name.
pub fn more_data(
    experiment: &IndexedExperiment,
    models: &[ModelReport],
    metric: &str,
    colour: impl Fn(&str) -> usize,
) -> Option<(MoreData, Vec<(String, String)>)> {
    if experiment.train_sizes().len() < 2 {
        return None;
    }
    let mut names: Vec<&str> = Vec::new();
    for m in &experiment.models {
        if !names.contains(&m.name.as_str()) {
            names.push(&m.name);
        }
    }
    let mut direction = Direction::LowerIsBetter;
    let by_size: Vec<BySize> = names
        .iter()
        .map(|&name| {
            let mut at: Vec<AtSize> = experiment
                .models
                .iter()
                .zip(models)
                .filter(|(indexed, _)| indexed.name == name)
                .filter_map(|(indexed, report)| {
                    if let Some(fit) = &report.fit {
                        direction = fit.direction;
                    }
                    Some(AtSize {
                        train_size: indexed.train_size?,
                        best_val: report.fit.as_ref().map(|f| f.best_val),
                        gap_at_best: report.fit.as_ref().map(|f| f.gap_at_best),
                        overfit_epoch: report.fit.as_ref().and_then(|f| f.overfit_epoch),
                        epochs: report.epochs,
                    })
                })
                .collect();
            at.sort_by_key(|a| a.train_size);
            BySize {
                model: name.to_string(),
                sentence: sentence(name, &at, metric, direction),
                sizes: at,
            }
        })
        .collect();
    type Points = Vec<(usize, Option<f64>)>;
    let best_vals: Vec<Points> = by_size
        .iter()
        .map(|m| m.sizes.iter().map(|a| (a.train_size, a.best_val)).collect())
        .collect();
    let overfit_epochs: Vec<Points> = by_size
        .iter()
        .map(|m| {
            m.sizes
                .iter()
                .map(|a| (a.train_size, a.overfit_epoch.map(|e| e as f64)))
                .collect()
        })
        .collect();
    let best = format!("{} validation {metric}", direction.best_word());
    let files = [
        format!("plots/{}-more_data.svg", experiment.name),
        format!("plots/{}-more_data-overfit.svg", experiment.name),
    ];
    let plots = vec![
        (
            files[0].clone(),
            by_training_size(
                &format!("{}: {best} by training examples", experiment.name),
                &best,
                "",
                &series(&by_size, &best_vals, &colour),
            ),
        ),
        (
            files[1].clone(),
            by_training_size(
                &format!("{}: overfit epoch by training examples", experiment.name),
                "overfits after epoch",
                "no dot: does not overfit",
                &series(&by_size, &overfit_epochs, &colour),
            ),
        ),
    ];
    Some((
        MoreData {
            metric: metric.to_string(),
            plots: files.to_vec(),
            models: by_size,
        },
        plots,
    ))
}

/// A series per model of `points`, one list per model.
fn series<'a>(
    models: &'a [BySize],
    points: &'a [Vec<(usize, Option<f64>)>],
    colour: &dyn Fn(&str) -> usize,
) -> Vec<SizeSeries<'a>> {
    models
        .iter()
        .zip(points)
        .map(|(m, p)| SizeSeries {
            name: &m.model,
            colour: colour(&m.model),
            points: p,
        })
        .collect()
}

/// What each doubling of `name`'s training examples bought on `metric`, from its smallest
/// to its largest size with a best validation value: the change of that value per
/// doubling (the whole change over `log2(largest / smallest)`), the gap to training at the
/// best epoch at both ends, and the overfit epoch at both ends (an epoch of more examples
/// being more steps).
fn sentence(name: &str, at: &[AtSize], metric: &str, direction: Direction) -> Option<String> {
    let valued: Vec<(&AtSize, f64)> = at
        .iter()
        .filter_map(|a| Some((a, a.best_val.filter(|v| v.is_finite())?)))
        .collect();
    let (&(first, from), &(last, to)) = (valued.first()?, valued.last()?);
    if first.train_size == last.train_size {
        return None;
    }
    let ratio = last.train_size as f64 / first.train_size as f64;
    let per_doubling = (to - from) / ratio.log2();
    let moved = if per_doubling <= 0.0 {
        "lowered"
    } else {
        "raised"
    };
    let gap = |a: &AtSize| a.gap_at_best.map_or("–".to_string(), |g| format!("{g:.4}"));
    let overfit = |a: &AtSize| match a.overfit_epoch {
        Some(e) => format!("overfits after epoch {e}"),
        None => format!(
            "does not overfit in {} epoch{}",
            a.epochs,
            if a.epochs == 1 { "" } else { "s" }
        ),
    };
    Some(format!(
        "`{name}`: each doubling of the training examples {moved} its {} validation {metric} by \
         {:.4} on average, from {from:.4} at {small} examples to {to:.4} at {large}; at its \
         best epoch validation was worse than training by {} with {small} and by {} with \
         {large}. With {small} it {}, with {large} it {} (an epoch of {large} examples is \
         {} times one of {small})",
        direction.best_word(),
        per_doubling.abs(),
        gap(first),
        gap(last),
        overfit(first),
        overfit(last),
        format_ratio(ratio),
        small = thousands(first.train_size as u128),
        large = thousands(last.train_size as u128),
    ))
}

/// A ratio of sizes: whole when it is, else to one decimal.
fn format_ratio(ratio: f64) -> String {
    if ratio.fract() == 0.0 {
        format!("{ratio}")
    } else {
        format!("{ratio:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(train_size: usize, best_val: Option<f64>, overfit_epoch: Option<usize>) -> AtSize {
        AtSize {
            train_size,
            best_val,
            gap_at_best: best_val.map(|v| v / 4.0),
            overfit_epoch,
            epochs: 20,
        }
    }

    #[test]
    fn a_doubling_is_the_whole_change_over_the_doublings_between_the_ends() {
        // 1,250 → 20,000 is four doublings; 0.45 → 0.29 is 0.04 per doubling.
        let sizes = [
            at(1250, Some(0.45), Some(3)),
            at(5000, None, None),
            at(20_000, Some(0.29), None),
        ];
        assert_eq!(
            sentence("baseline", &sizes, "loss", Direction::LowerIsBetter).as_deref(),
            Some(
                "`baseline`: each doubling of the training examples lowered its lowest \
                 validation loss by 0.0400 on average, from 0.4500 at 1,250 examples to 0.2900 \
                 at 20,000; at its best epoch validation was worse than training by 0.1125 \
                 with 1,250 and by 0.0725 with 20,000. With 1,250 it overfits after epoch 3, \
                 with 20,000 it does not overfit in 20 epochs (an epoch of 20,000 examples is \
                 16 times one of 1,250)"
            )
        );
        let accuracy = [at(100, Some(0.8), Some(5)), at(400, Some(0.9), Some(9))];
        let said = sentence("m", &accuracy, "accuracy", Direction::HigherIsBetter).unwrap();
        assert!(
            said.contains("raised its highest validation accuracy by 0.0500"),
            "{said}"
        );
        assert_eq!(
            sentence("m", &sizes[..1], "loss", Direction::LowerIsBetter),
            None
        );
    }
}
