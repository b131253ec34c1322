//! Parse + check speed: the tutorial, and a generated 10,000-line spec; rendering
//! 10,000 diagnostics; checking a 10,000-model sweep.
//!
//! Run with `cargo bench --bench check`; medians are in the README.

use criterion::{criterion_group, criterion_main, Criterion};
use ofit::source::Source;
use std::fmt::Write;
use std::hint::black_box;

/// A spec of about `lines` lines: repeated blocks of a dataset, a template, a training
/// block and an experiment with a sweep, as a large real spec would have them.
fn generated(lines: usize) -> String {
    let mut text = String::new();
    let mut block = 0;
    while text.lines().count() < lines {
        let _ = write!(
            text,
            "# block {block}
dataset data{block} = imdb(num_words = {words}, encode = multi_hot)

model mlp{block}(units: int = 16, l2: float = 0.0, rate: float = 0.0) {{
  dense(units, relu, kernel_regularizer = l2(l2))
  dropout(rate)
  dense(units, relu, kernel_regularizer = l2(l2))
  dropout(rate)
  dense(1, sigmoid)
}}

train run{block} {{
  optimizer  = adam(lr = 1e-3, beta_1 = 0.9)
  loss       = binary_crossentropy
  metrics    = [accuracy, binary_crossentropy]
  epochs     = 20
  batch_size = 512
  seed       = {block}
  early_stopping = {{ monitor: val_loss, patience: 3, restore_best: true }}
}}

experiment compare{block} {{
  data = data{block}  train = run{block}  plot = [binary_crossentropy, accuracy]
  models = {{ base: mlp{block}(16), l2: mlp{block}(16, l2 = 0.001), sweep: mlp{block}(units = [4, 64]) }}
}}

",
            words = 1000 + block
        );
        block += 1;
    }
    text
}

fn check(c: &mut Criterion) {
    let tutorial = Source::new(
        "tutorial.ofit",
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/tutorial.ofit"
        ))
        .expect("tutorial example"),
    );
    let large = Source::new("large.ofit", generated(10_000));
    assert!(
        ofit::compile(&large).program.is_some(),
        "the generated spec checks clean"
    );

    let mut group = c.benchmark_group("parse + check");
    group.bench_function("tutorial", |b| {
        b.iter(|| ofit::compile(black_box(&tutorial)))
    });
    group.sample_size(20);
    group.bench_function("10,000 lines", |b| {
        b.iter(|| ofit::compile(black_box(&large)))
    });
    group.finish();
}

/// 10,000 "never used" warnings, one per line, rendered as `ofit check` prints them.
fn render(c: &mut Criterion) {
    let text: String = (0..10_000)
        .map(|i| format!("dataset d{i} = imdb(num_words = 100)\n"))
        .collect();
    let source = Source::new("warnings.ofit", text);
    let checked = ofit::compile(&source);
    assert_eq!(checked.diagnostics.len(), 10_000);
    let style = ofit::cli::render::Style::plain(100);
    let mut group = c.benchmark_group("render");
    group.sample_size(10);
    group.bench_function("10,000 diagnostics, human", |b| {
        b.iter(|| ofit::cli::render::human(black_box(&source), &checked.diagnostics, style))
    });
    group.bench_function("10,000 diagnostics, json", |b| {
        b.iter(|| ofit::cli::render::json(black_box(&source), &checked.diagnostics))
    });
    group.finish();
}

/// The largest sweep allowed: 100 × 100 values, 10,000 models.
fn sweep(c: &mut Criterion) {
    let values: Vec<String> = (1..=100).map(|n| n.to_string()).collect();
    let list = values.join(", ");
    let source = Source::new(
        "sweep.ofit",
        format!(
            "dataset d = imdb(num_words = 100)
train t {{ loss = binary_crossentropy  epochs = 1 }}
model m(a: int = 1, b: int = 1) {{
  dense(a, relu)
  dense(b, relu)
  dense(1, sigmoid)
}}
experiment e {{ data = d  train = t  models = {{ s: m(a = [{list}], b = [{list}]) }} }}
"
        ),
    );
    assert_eq!(
        ofit::compile(&source).program.map(|p| p.models.len()),
        Some(10_000)
    );
    let mut group = c.benchmark_group("parse + check");
    group.sample_size(10);
    group.bench_function("10,000-model sweep", |b| {
        b.iter(|| ofit::compile(black_box(&source)))
    });
    group.finish();
}

criterion_group!(benches, check, render, sweep);
criterion_main!(benches);
