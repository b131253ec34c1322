//! Rendering the tutorial's whole report (3 plots, report.json, index.html) from a run
//! directory shaped like the tutorial's: 5 models, 20 epochs each, in 3 experiments.
//!
//! Run with `cargo bench --bench report`; the median is in the README.

use criterion::{criterion_group, criterion_main, Criterion};
use ofit::history::{Epoch, History};
use ofit::report::document::write_report;
use ofit::run_index::{IndexedExperiment, IndexedModel, RunIndex};
use ofit::source::Source;
use std::path::Path;

/// Learning curves of the tutorial's shape: training falls, validation falls then rises
/// from `turn`.
fn history(turn: usize, rise: f64) -> History {
    let columns = [
        "loss",
        "accuracy",
        "binary_crossentropy",
        "val_loss",
        "val_accuracy",
        "val_binary_crossentropy",
    ];
    let epochs = (1..=20)
        .map(|e| {
            let t = e as f64;
            let train = 0.5 / t;
            let val = 0.28 + rise * (t - turn as f64).max(0.0) + 0.1 / t;
            Epoch {
                epoch: e,
                seconds: 0.1,
                values: vec![train, 1.0 - train / 2.0, train, val, 0.86, val],
            }
        })
        .collect();
    History {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        epochs,
        ending: None,
        weights_sha256: None,
        test: None,
    }
}

fn tutorial_run(root: &Path) {
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/tutorial.ofit");
    let text = std::fs::read_to_string(spec).expect("tutorial example");
    let program = ofit::compile(&Source::new(spec, text))
        .program
        .expect("tutorial checks");
    for (i, model) in program.models.iter().enumerate() {
        let dir = root.join(format!("models/{i}"));
        std::fs::create_dir_all(&dir).expect("model folder");
        let h = history(2 + i, 0.03 + 0.01 * i as f64);
        std::fs::write(dir.join("history.json"), h.to_json()).expect("history");
        std::fs::write(
            dir.join("model.json"),
            serde_json::json!({ "model": model }).to_string(),
        )
        .expect("model");
        std::fs::write(
            dir.join("summary.txt"),
            format!("Model: \"{}\"\n", model.name),
        )
        .expect("summary");
    }
    let experiments = program
        .experiments
        .iter()
        .map(|e| IndexedExperiment {
            name: e.name.clone(),
            dataset: "imdb".into(),
            plot: e.plot.iter().map(|m| m.name().to_string()).collect(),
            show_data: e.show_data,
            models: e
                .models
                .iter()
                .map(|&m| IndexedModel {
                    name: program.models[m].name.clone(),
                    training: "tutorial".into(),
                    train_size: None,
                    folder: format!("models/{m}"),
                })
                .collect(),
        })
        .collect();
    let index = RunIndex {
        spec: "examples/tutorial.ofit".into(),
        spec_path: None,
        experiments,
    };
    std::fs::write(
        root.join("run.json"),
        serde_json::to_string(&index).expect("index"),
    )
    .expect("run.json");
}

fn report(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    tutorial_run(dir.path());
    c.bench_function("render the tutorial's report", |b| {
        b.iter(|| write_report(dir.path()).expect("report renders"))
    });
}

criterion_group!(benches, report);
criterion_main!(benches);
