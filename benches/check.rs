//! Parse + check speed: the tutorial, and a generated 10,000-line spec; rendering
//! 10,000 diagnostics; checking a 10,000-model sweep.
//!
//! Run with `cargo bench --bench check`; medians are in the README.

use criterion::{criterion_group, criterion_main, Criterion};
use ofit::source::Source;
use std::hint::black_box;

mod generated;
use generated::generated;

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
