//! Keras's `from_logits`: a linear output trained with `binary_crossentropy(from_logits =
//! true)` is the sigmoid network, with the sigmoid moved into the loss. Both compute the
//! cross-entropy from the same logits, so their histories agree epoch for epoch, and
//! `accuracy(threshold = 0)` on logits is `accuracy` on probabilities.

use crate::support;
use ofit::history::History;
use ofit::run_index::{RunIndex, RUN_JSON};

#[test]
fn a_linear_output_read_as_logits_trains_as_the_sigmoid_network() {
    let out = support::run_spec("tests/fixtures/train/logits.ofit", &[]);
    let index = RunIndex::read(&out.path().join(RUN_JSON)).expect("run.json");
    let history = |name: &str| {
        let model = index.experiments[0]
            .models
            .iter()
            .find(|m| m.name == name)
            .expect("the model is indexed");
        History::read(&model.dir(out.path()).join("history.json")).expect("its history")
    };
    let (probability, logits) = (history("probability"), history("logits"));
    for column in [
        "loss",
        "accuracy",
        "binary_crossentropy",
        "val_loss",
        "val_accuracy",
        "val_binary_crossentropy",
    ] {
        let (p, l) = (
            probability.column(column).expect(column),
            logits.column(column).expect(column),
        );
        assert_eq!(p.len(), 4);
        for (epoch, (p, l)) in p.iter().zip(&l).enumerate() {
            assert!(
                (p - l).abs() <= 1e-5 * p.abs().max(1.0),
                "epoch {}: {column} {p} (sigmoid) ≠ {l} (logits)",
                epoch + 1
            );
        }
    }
}
