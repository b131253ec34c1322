//! Learning-rate schedules in training: the rate of each optimizer step is the schedule's
//! (Keras's formulas are pinned in `train::schedule`'s unit tests), on dense rows and on
//! the gathered multi-hot first layer, and the history records the rate at each epoch's
//! end as `learning_rate`.

use crate::support;

fn history(out: &std::path::Path, experiment: usize, model: usize) -> serde_json::Value {
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    let folder = run["experiments"][experiment]["models"][model]["folder"]
        .as_str()
        .unwrap();
    serde_json::from_slice(&std::fs::read(out.join(folder).join("history.json")).unwrap()).unwrap()
}

#[test]
fn a_schedule_sets_each_steps_rate_and_the_history_records_it() {
    let out = support::run_spec("tests/fixtures/train/schedules.ofit", &[]);
    for (experiment, name) in [(0, "dense rows"), (1, "the gathered layer")] {
        let (constant, stepped) = (
            history(out.path(), experiment, 0),
            history(out.path(), experiment, 1),
        );
        let values = |h: &serde_json::Value, epoch: usize| -> Vec<f64> {
            h["epochs"][epoch]["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        };
        assert_eq!(constant["columns"], serde_json::json!(["loss", "val_loss"]));
        assert_eq!(
            stepped["columns"],
            serde_json::json!(["loss", "val_loss", "learning_rate"])
        );
        // The first epoch's steps all run at 0.05 in both.
        assert_eq!(values(&stepped, 0)[..2], values(&constant, 0)[..], "{name}");
        // From the boundary on, 0.01: the second epoch differs.
        assert_ne!(values(&stepped, 1)[..2], values(&constant, 1)[..], "{name}");
        assert_eq!(
            values(&stepped, 0)[2],
            0.01,
            "{name}: the rate after epoch 1"
        );
        assert_eq!(
            values(&stepped, 1)[2],
            0.01,
            "{name}: the rate after epoch 2"
        );
    }
}
