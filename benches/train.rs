//! Seconds per training epoch (training pass plus the validation pass) of each tutorial
//! model on the real IMDB data (25,000 + 25,000 reviews, 10,000 words), with the first
//! layer as a gather (what `ofit run` does) and as a dense matrix product; then the
//! baseline and bigger models trained with SGD with momentum and with RMSprop instead of
//! the tutorial's Adam (the gathered layer's fused step differs by optimizer).
//!
//! Run with `cargo bench --bench train` (one case: `cargo bench --bench train --
//! 'baseline rmsprop'`); medians are in the README.
//!
//! First, the text classification tutorial's model, `examples/text_classification.ofit`
//! (`Embedding(10000, 16)` → `GlobalAveragePooling1D` → `Dense(16, relu)` → `Dense(1,
//! sigmoid)`, Adam, batch 512) on its real data (15,000 training and 10,000 validation
//! reviews of 256 ids): one epoch with the embedding and pooling as a pooled gather, as
//! `ofit run` trains it (`cargo bench --bench train -- text`).

use criterion::{criterion_group, criterion_main, Criterion};
use ofit::data::{self, Encoded, LabelRule};
use ofit::ir::{Model, Optimizer, Program, Training};
use ofit::source::Source;
use ofit::train::fit::Trainer;
use std::time::Duration;

/// The checked spec `examples/NAME` and the data of its first experiment, loaded as
/// `ofit run` loads it.
fn example(name: &str) -> (Program, Encoded) {
    let spec = format!("{}/examples/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&spec).expect("the example");
    let program = ofit::compile(&Source::new(&spec, text))
        .program
        .expect("the example checks");
    let experiment = &program.experiments[0];
    let ctx = ofit::cli::data_context(std::path::Path::new("examples"));
    let rule = LabelRule::for_dataset(&program, experiment.dataset, &program.experiments);
    let loaded = data::load(&program.datasets[experiment.dataset], &rule, &ctx)
        .unwrap_or_else(|e| panic!("the real IMDB data is needed: {e}"));
    (program, loaded.data)
}

fn text(c: &mut Criterion) {
    let (program, data) = example("text_classification.ofit");
    let (model, training) = (&program.models[0], &program.trainings[0]);
    let device = ofit::lower::Backend::default().device();
    let mut group = c.benchmark_group("epoch");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    let mut trainer = Trainer::new(model, training, &data, &device, true);
    let mut epoch = 0;
    group.bench_function("text (pooled gather)", |b| {
        b.iter(|| {
            epoch += 1;
            trainer
                .epoch(epoch, &mut |_, _, _| true)
                .expect("not interrupted")
        })
    });
    group.finish();
}

fn train(c: &mut Criterion) {
    let (program, data) = example("tutorial.ofit");
    let training = &program.trainings[0];
    let device = ofit::lower::Backend::default().device();

    let mut group = c.benchmark_group("epoch");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    let with = |optimizer| Training {
        optimizer,
        ..training.clone()
    };
    let sgd = with(Optimizer::Sgd {
        lr: 0.01,
        momentum: 0.9,
        nesterov: false,
    });
    let rmsprop = with(Optimizer::Rmsprop {
        lr: 0.001,
        rho: 0.9,
        momentum: 0.0,
        epsilon: 1e-7,
    });
    let mut cases: Vec<(&Model, &str, &Training)> =
        program.models.iter().map(|m| (m, "", training)).collect();
    for (name, training) in [(" sgd-momentum", &sgd), (" rmsprop", &rmsprop)] {
        for model in program
            .models
            .iter()
            .filter(|m| m.name == "baseline" || m.name == "bigger")
        {
            cases.push((model, name, training));
        }
    }
    for (model, optimizer, training) in cases {
        for (form, gather) in [("gather", true), ("dense", false)] {
            let mut trainer = Trainer::new(model, training, &data, &device, gather);
            let mut epoch = 0;
            group.bench_function(format!("{}{optimizer} ({form})", model.name), |b| {
                b.iter(|| {
                    epoch += 1;
                    trainer
                        .epoch(epoch, &mut |_, _, _| true)
                        .expect("not interrupted")
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, text, train);
criterion_main!(benches);
