//! Seconds per training epoch (training pass plus the validation pass) of each tutorial
//! model on the real IMDB data (25,000 + 25,000 reviews, 10,000 words), with the first
//! layer as a gather (what `ofit run` does) and as a dense matrix product; then the
//! baseline and bigger models trained with SGD with momentum and with RMSprop instead of
//! the tutorial's Adam (the gathered layer's fused step differs by optimizer).
//!
//! Run with `cargo bench --bench train` (one case: `cargo bench --bench train --
//! 'baseline rmsprop'`); medians are in the README.
//!
//! First, the text classification tutorial's model (`Embedding(10000, 16)` →
//! `GlobalAveragePooling1D` → `Dense(16, relu)` → `Dense(1, sigmoid)`, Adam, batch 512)
//! on synthetic rows shaped like IMDB's (15,000 training and 10,000 validation rows of 256
//! ids, Zipf-distributed, lengths of median ~230 padded post): one epoch with the
//! embedding and pooling as a pooled gather. It needs no data files, so it runs first.

use criterion::{criterion_group, criterion_main, Criterion};
use ofit::data::stats::{SplitStats, Stats};
use ofit::data::{self, Encoded, Features, LabelRule, Padded, Split};
use ofit::ir::{Activation, Dense, Embedding, Input, Layer, Model, Optimizer, Training};
use ofit::source::Source;
use ofit::train::fit::Trainer;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

/// Ids per row and words of the text tutorial.
const LENGTH: usize = 256;
const WORDS: usize = 10_000;

/// `rows` IMDB-like rows: 1 (the start mark) then words of Zipf-distributed rank
/// (`P(id) ∝ 1/id`), as many as a log-normal length of median 230 (capped at 256), padded
/// post with 0; labels half and half.
fn imdb_like(rng: &mut ChaCha8Rng, rows: usize) -> Split {
    let mut ids = Vec::with_capacity(rows * LENGTH);
    for _ in 0..rows {
        // Box–Muller: a standard normal.
        let (u, v): (f64, f64) = (rng.random_range(1e-12..1.0), rng.random_range(0.0..1.0));
        let normal = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
        let words = ((230f64.ln() + 0.4 * normal).exp() as usize).clamp(2, LENGTH);
        ids.push(1);
        for _ in 1..words {
            let rank = (WORDS as f64).powf(rng.random_range(0.0..1.0)) as u32;
            ids.push(rank.clamp(2, WORDS as u32 - 1));
        }
        ids.extend(std::iter::repeat_n(0, LENGTH - words));
    }
    let labels = (0..rows).map(|r| (r % 2) as f32).collect();
    Split {
        features: Features::Sequences(Padded {
            length: LENGTH,
            vocabulary: WORDS,
            ids,
        }),
        labels,
    }
}

fn text(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let (train, validation) = (imdb_like(&mut rng, 15_000), imdb_like(&mut rng, 10_000));
    let stats = |split: &Split| SplitStats {
        examples: split.labels.len(),
        label_counts: Vec::new(),
        mean_length: None,
        median_length: None,
        length_range: None,
        mean_ids_per_row: None,
        truncated: None,
    };
    let data = Encoded {
        stats: Stats {
            train: stats(&train),
            validation: stats(&validation),
            test: None,
            classes: None,
            input_width: LENGTH,
            vocabulary: Some(WORDS),
            top_words: Vec::new(),
            files: Vec::new(),
        },
        train,
        validation,
        test: None,
        classes: Some(2),
    };
    let dense = |units, activation| {
        Layer::Dense(Dense {
            units,
            activation,
            use_bias: true,
            kernel_regularizer: None,
            bias_regularizer: None,
        })
    };
    let model = Model {
        name: "text".to_string(),
        template: "text".to_string(),
        arguments: Vec::new(),
        input: Input {
            width: Some(LENGTH),
            multi_hot: false,
            vocabulary: Some(WORDS),
        },
        layers: vec![
            Layer::Embedding(Embedding {
                dim: 16,
                mask_zero: false,
            }),
            Layer::GlobalAveragePooling,
            dense(16, Activation::Relu),
            dense(1, Activation::Sigmoid),
        ],
    };
    let training = Training {
        name: "text".to_string(),
        optimizer: Optimizer::Adam {
            lr: 0.001,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
        },
        loss: ofit::ir::Loss::BinaryCrossentropy,
        metrics: vec![ofit::ir::Metric::Accuracy],
        epochs: 40,
        batch_size: 512,
        seed: 42,
        early_stopping: None,
    };
    let device = ofit::lower::Backend::default().device();
    let mut group = c.benchmark_group("epoch");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    let mut trainer = Trainer::new(&model, &training, &data, &device, true);
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
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/tutorial.ofit");
    let text = std::fs::read_to_string(spec).expect("tutorial example");
    let program = ofit::compile(&Source::new(spec, text))
        .program
        .expect("tutorial checks");
    let training = &program.trainings[0];
    let ctx = ofit::cli::data_context(std::path::Path::new("examples"));
    let rule = LabelRule::for_dataset(&program, 0, &program.experiments);
    let loaded = data::load(&program.datasets[0], &rule, &ctx)
        .unwrap_or_else(|e| panic!("the real IMDB data is needed: {e}"));
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
            let mut trainer = Trainer::new(model, training, &loaded.data, &device, gather);
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
