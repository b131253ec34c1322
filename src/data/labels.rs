//! What the labels of a dataset must be, derived from every experiment (and model) that
//! trains on it: its loss, its metrics and the width of each model's output.
//!
//! | use | needs of every label |
//! |---|---|
//! | loss `binary_crossentropy`, metric `binary_crossentropy` | 0 or 1 |
//! | loss `categorical_crossentropy`, metric `categorical_crossentropy` | a whole class index below the model's output units |
//! | metric `accuracy` on a one-unit output | 0 or 1 (the prediction is thresholded at 0.5) |
//! | metric `accuracy` on a wider output | a whole class index below its units (compared with the arg-max) |
//! | loss or metric `mse` | a finite number (every label the readers accept) |
//!
//! A label that breaks a rule would otherwise train on nonsense without a word: a class
//! index past the output width sets the one-hot 1 in the next row, a binary cross-entropy
//! of a label 3 is negative.

use crate::ir::{Experiment, Loss, Metric, Program};

/// Who needs a label rule, for messages: "experiment `e` trains model `m` with
/// binary_crossentropy".
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reason(String);

/// What the labels of one dataset must be, for every experiment that uses it.
///
/// Only the most demanding requirement of each kind is kept (with who imposes it), so
/// checking a label costs the same however many models train on the dataset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelRule {
    /// Labels must be 0 or 1, because of this use.
    binary: Option<Reason>,
    /// Labels must be whole class indices below this number (the fewest output units of
    /// a model that needs class indices), because of this use.
    classes: Option<(usize, Reason)>,
}

impl LabelRule {
    /// No requirement beyond a finite number (what a dataset no experiment uses, or only
    /// regression, needs).
    pub fn any_number() -> LabelRule {
        LabelRule::default()
    }

    /// Labels 0 or 1, for `reason` (e.g. "the test").
    pub fn binary(reason: &str) -> LabelRule {
        LabelRule {
            binary: Some(Reason(reason.to_string())),
            classes: None,
        }
    }

    /// Whole class indices below `classes`, for `reason`.
    pub fn classes(classes: usize, reason: &str) -> LabelRule {
        LabelRule {
            binary: None,
            classes: Some((classes, Reason(reason.to_string()))),
        }
    }

    /// The rule of dataset `dataset` (an index into `program.datasets`), from those of
    /// `experiments` that train on it: their losses, their metrics and the output width
    /// of each of their models. Experiments on other datasets are skipped.
    pub fn for_dataset<'a>(
        program: &Program,
        dataset: usize,
        experiments: impl IntoIterator<Item = &'a Experiment>,
    ) -> LabelRule {
        let mut rule = LabelRule::default();
        for experiment in experiments.into_iter().filter(|e| e.dataset == dataset) {
            for (m, training) in experiment.members() {
                let training = &program.trainings[training];
                let model = &program.models[m];
                let Some(output) = model.output() else {
                    continue;
                };
                let who = |what: &str| {
                    Reason(format!(
                        "model `{}` of experiment `{}` {what}",
                        model.name, experiment.name
                    ))
                };
                let units = output.units;
                let loss = training.loss;
                match loss {
                    Loss::BinaryCrossentropy => {
                        rule.need_binary(who("trains with binary_crossentropy"));
                    }
                    Loss::CategoricalCrossentropy => rule.need_classes(units, &who),
                    Loss::Mse | Loss::Mae | Loss::Huber => {}
                }
                for &metric in &training.metrics {
                    match metric {
                        Metric::BinaryCrossentropy if loss != Loss::BinaryCrossentropy => {
                            rule.need_binary(who("reports binary_crossentropy"));
                        }
                        Metric::Accuracy if units == 1 && loss != Loss::BinaryCrossentropy => {
                            rule.need_binary(who(
                                "reports accuracy of its one output unit (thresholded at 0.5)",
                            ));
                        }
                        // A one-unit output has no class to compare; the checker's concern.
                        Metric::Accuracy | Metric::CategoricalCrossentropy
                            if units > 1 && loss != Loss::CategoricalCrossentropy =>
                        {
                            rule.need_classes(units, &who);
                        }
                        _ => {}
                    }
                }
            }
        }
        rule
    }

    fn need_binary(&mut self, reason: Reason) {
        self.binary.get_or_insert(reason);
    }

    fn need_classes(&mut self, units: usize, who: &dyn Fn(&str) -> Reason) {
        if self
            .classes
            .as_ref()
            .is_none_or(|(fewest, _)| units < *fewest)
        {
            let reason = who(&format!(
                "has {units} output unit{}",
                if units == 1 { "" } else { "s" }
            ));
            self.classes = Some((units, reason));
        }
    }

    /// Whether `value` (already known to be finite) is a valid label; if not, why, as a
    /// clause that follows "label `3` …, but": "model `small` of experiment `spirals`
    /// has 3 output units: classes must be 0, 1 or 2".
    pub fn check(&self, value: f32) -> Result<(), String> {
        if let Some(Reason(who)) = &self.binary {
            if value != 0.0 && value != 1.0 {
                return Err(format!("{who}: labels must be 0 or 1"));
            }
        }
        if let Some((classes, Reason(who))) = &self.classes {
            if value < 0.0 || value.fract() != 0.0 || value >= *classes as f32 {
                return Err(format!("{who}: classes must be {}", class_list(*classes)));
            }
        }
        if !value.is_finite() {
            return Err("labels must be finite numbers".to_string());
        }
        Ok(())
    }

    /// The number of classes a split's label counts are given for: 2 for binary labels,
    /// one more than the largest label for class indices, none for regression.
    pub fn counted_classes(&self, labels: &[f32]) -> Option<usize> {
        if self.classes.is_some() {
            let largest = labels.iter().fold(0.0f32, |m, &l| m.max(l));
            Some(largest as usize + 1)
        } else if self.binary.is_some() {
            Some(2)
        } else {
            None
        }
    }
}

/// "0 or 1", "0, 1 or 2", "0, 1, …, 9".
fn class_list(classes: usize) -> String {
    match classes {
        0 => "none (there is no output unit)".to_string(),
        1 => "0".to_string(),
        2..=4 => {
            let all: Vec<String> = (0..classes).map(|c| c.to_string()).collect();
            let all: Vec<&str> = all.iter().map(String::as_str).collect();
            crate::suggest::join(&all, "or")
        }
        _ => format!("0, 1, …, {}", classes - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_lists_read_as_words() {
        assert_eq!(class_list(2), "0 or 1");
        assert_eq!(class_list(3), "0, 1 or 2");
        assert_eq!(class_list(10), "0, 1, …, 9");
    }

    #[test]
    fn a_rule_names_who_needs_it() {
        let rule = LabelRule::classes(3, "model `small` of experiment `e` has 3 output units");
        assert_eq!(rule.check(2.0), Ok(()));
        assert_eq!(
            rule.check(3.0).unwrap_err(),
            "model `small` of experiment `e` has 3 output units: classes must be 0, 1 or 2"
        );
        assert!(rule.check(1.5).is_err());
        assert!(rule.check(-1.0).is_err());
        assert_eq!(LabelRule::any_number().check(-7.25), Ok(()));
        assert!(LabelRule::binary("x").check(2.0).is_err());
    }
}
