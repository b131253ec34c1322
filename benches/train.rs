//! Seconds per training epoch (training pass plus the validation pass) of each tutorial
//! model on the real IMDB data (25,000 + 25,000 reviews, 10,000 words), with the first
//! layer as a gather (what `ofit run` does) and as a dense matrix product.
//!
//! Run with `cargo bench --bench train`; medians are in the README.

use criterion::{criterion_group, criterion_main, Criterion};
use ofit::data::{self, LabelRule};
use ofit::source::Source;
use ofit::train::fit::Trainer;
use std::time::Duration;

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
    for model in &program.models {
        for (form, gather) in [("gather", true), ("dense", false)] {
            let mut trainer = Trainer::new(model, training, &loaded.data, &device, gather);
            let mut epoch = 0;
            group.bench_function(format!("{} ({form})", model.name), |b| {
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

criterion_group!(benches, train);
criterion_main!(benches);
