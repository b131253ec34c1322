//! The run-level promise, as a property: a spec that `ofit check` accepts trains without a
//! panic, every number it records is finite unless the model is marked diverged, its
//! `report.json` is valid, and `ofit report` redoes it byte for byte. A spec `check`
//! refuses is refused by `run` too, without a panic.
//!
//! The specs are drawn from everything the language has — layers (the sequence layers on
//! text encoded as sequences, masks included; `normalization()`; `repeat` blocks),
//! activations, regularizers, optimizers (with learning rates, and schedules of them, that
//! diverge), losses, metrics, early stopping, batch sizes larger than the data, sweeps,
//! validation splits that hold out nothing — over the committed datasets (CSV, JSON Lines,
//! JSON records with column settings and a small IMDB folder), and trained for one or two
//! epochs. The draw is
//! seeded, so CI sees the same cases every time; `OFIT_PROPERTY_CASES` asks for more.

use crate::support;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::path::Path;
use std::process::{Command, Output};

/// Features whose specs the default draw must also train: JSON records with column
/// settings, normalization, a schedule, a repeat block.
const NEWER: [&str; 6] = [
    "json(",
    "normalization()",
    "_decay(",
    "repeat(",
    "from_logits",
    "train_size",
];

/// Cases per test run unless `OFIT_PROPERTY_CASES` says otherwise.
const CASES: u32 = 40;

const ACTIVATIONS: [&str; 11] = [
    "relu",
    "sigmoid",
    "tanh",
    "softmax",
    "linear",
    "elu",
    "selu",
    "gelu",
    "softplus",
    "leaky_relu",
    "swish",
];
const METRICS: [&str; 7] = [
    "accuracy",
    "binary_crossentropy",
    "categorical_crossentropy",
    "mse",
    "mae",
    "huber",
    "rmse",
];

/// A dataset declaration (with `ROOT` for the repository), whether it gives sequences of
/// word ids, and the losses and output layers that make sense on it.
type Declaration = (&'static str, bool, &'static [(&'static str, &'static str)]);

const DATASETS: [Declaration; 6] = [
    (
        r#"csv("ROOT/examples/data/moons.csv", label = "label", validation_split = SPLIT)"#,
        false,
        &[
            ("binary_crossentropy", "dense(1, sigmoid)"),
            ("mse", "dense(1, OUT)"),
            ("categorical_crossentropy", "dense(2, softmax)"),
            ("mae", "dense(1, OUT)"),
            ("huber", "dense(1, OUT)"),
            ("binary_crossentropy(from_logits = true)", "dense(1)"),
        ],
    ),
    (
        r#"csv("ROOT/examples/data/spirals_train.csv", label = "class", validation = "ROOT/examples/data/spirals_test.csv")"#,
        false,
        &[
            ("categorical_crossentropy", "dense(3, softmax)"),
            ("categorical_crossentropy", "dense(5, softmax)"),
            ("mse", "dense(1, OUT)"),
            ("binary_crossentropy", "dense(1, sigmoid)"),
            ("categorical_crossentropy(from_logits = true)", "dense(3)"),
        ],
    ),
    (
        r#"imdb(num_words = 30, path = "ROOT/tests/fixtures/data/aclImdb")"#,
        false,
        &[
            ("binary_crossentropy", "dense(1, sigmoid)"),
            ("mse", "dense(1, OUT)"),
        ],
    ),
    (
        r#"imdb(num_words = 30, path = "ROOT/tests/fixtures/data/aclImdb", encode = sequence(length = LENGTH, padding = post))"#,
        true,
        &[
            ("binary_crossentropy", "dense(1, sigmoid)"),
            ("categorical_crossentropy", "dense(2, softmax)"),
        ],
    ),
    (
        r#"json("ROOT/tests/fixtures/data/json/cars.json", label = "Miles_per_Gallon", drop = ["Name"], categorical = ["Origin"], dates = ["Year"], missing = drop, validation_split = SPLIT)"#,
        false,
        &[
            ("mae", "dense(1, OUT)"),
            ("mse", "dense(1, OUT)"),
            ("huber", "dense(1, OUT)"),
        ],
    ),
    (
        r#"jsonl("ROOT/examples/data/reviews.jsonl", text = "review", label = "sentiment", num_words = 60, encode = sequence(length = LENGTH, truncating = post), validation_first = 100, test = "ROOT/examples/data/reviews_test.jsonl")"#,
        true,
        &[
            ("binary_crossentropy", "dense(1, sigmoid)"),
            ("mse", "dense(1, OUT)"),
        ],
    ),
];

/// A layer that takes and gives sequences.
fn sequence_layer() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            prop::sample::select(&[1usize, 3, 9][..]),
            prop::sample::select(&ACTIVATIONS[..]),
            prop::sample::select(&["valid", "same"][..]),
            1..=2usize,
        )
            .prop_map(|(kernel, activation, padding, strides)| format!(
                "conv1d(3, {kernel}, {activation}, padding = {padding}, strides = {strides})"
            )),
        (
            prop::sample::select(&[2usize, 5][..]),
            prop::sample::select(&["valid", "same"][..])
        )
            .prop_map(|(pool, padding)| format!("max_pooling1d({pool}, padding = {padding})")),
        prop::sample::select(&["lstm", "gru"][..])
            .prop_map(|cell| format!("{cell}(3, return_sequences = true)")),
        Just("dropout(0.5)".to_string()),
        Just("batch_norm()".to_string()),
    ]
}

/// The layers of a model on sequences up to its dense layers: an embedding (masking or
/// not), sequence layers, then what makes the rows flat (or nothing, which the checker
/// must refuse).
fn sequence_front() -> impl Strategy<Value = Vec<String>> {
    (
        // A mask mostly refuses what follows (as Keras would drop it): one case in four.
        (
            1..=4usize,
            prop::sample::select(&[false, false, false, true][..]),
        ),
        prop::collection::vec(sequence_layer(), 0..3),
        prop::sample::select(
            &[
                "global_average_pooling()",
                "global_max_pooling()",
                "flatten()",
                "lstm(2)",
                "gru(2)",
                "",
            ][..],
        ),
    )
        .prop_map(|((dim, mask_zero), layers, flat)| {
            std::iter::once(format!("embedding({dim}, mask_zero = {mask_zero})"))
                .chain(layers)
                .chain((!flat.is_empty()).then(|| flat.to_string()))
                .collect()
        })
}

fn hidden_layer() -> impl Strategy<Value = String> {
    let regularizer = prop_oneof![
        Just(String::new()),
        Just(", kernel_regularizer = l2(0.001)".to_string()),
        Just(", kernel_regularizer = l1(0.01)".to_string()),
        Just(
            ", kernel_regularizer = l1_l2(l1 = 0.001, l2 = 0.01), bias_regularizer = l2(0.1)"
                .to_string()
        ),
    ];
    prop_oneof![
        (
            prop::sample::select(&ACTIVATIONS[..]),
            regularizer,
            any::<bool>()
        )
            .prop_map(|(activation, regularizer, bias)| {
                let bias = if bias { "" } else { ", use_bias = false" };
                format!("dense(units, {activation}{regularizer}{bias})")
            }),
        prop::sample::select(&[0.1, 0.5, 0.9][..]).prop_map(|r| format!("dropout({r})")),
        Just("batch_norm()".to_string()),
        Just("batch_norm(momentum = 0.5, center = false, scale = false)".to_string()),
    ]
}

fn optimizer() -> impl Strategy<Value = String> {
    let lr = prop::sample::select(&[1e-3, 0.05, 3.0, 1e12][..]);
    // A schedule where the rate goes, from the same rates.
    let scheduled = (lr.clone(), 0..4usize).prop_map(|(lr, kind)| match kind {
        0 => format!("inverse_time_decay({lr:?}, 2, 1.0, staircase = true)"),
        1 => format!("exponential_decay({lr:?}, 3, 0.5)"),
        2 => format!("piecewise_constant_decay([2], [{lr:?}, 0.001])"),
        _ => format!("cosine_decay({lr:?}, 5, alpha = 0.1)"),
    });
    prop_oneof![
        scheduled.clone().prop_map(|lr| format!("adam(lr = {lr})")),
        scheduled.prop_map(|lr| format!("sgd(lr = {lr}, momentum = 0.9)")),
        lr.clone().prop_map(|lr| format!("adam(lr = {lr:?})")),
        (lr.clone(), any::<bool>()).prop_map(|(lr, nesterov)| format!(
            "sgd(lr = {lr:?}, momentum = 0.9, nesterov = {nesterov})"
        )),
        lr.clone().prop_map(|lr| format!("sgd(lr = {lr:?})")),
        lr.clone().prop_map(|lr| format!("rmsprop(lr = {lr:?})")),
        lr.prop_map(|lr| format!("rmsprop(lr = {lr:?}, momentum = 0.5)")),
    ]
}

/// A whole spec, with `ROOT` still to be replaced.
fn spec() -> impl Strategy<Value = String> {
    (
        (
            0..DATASETS.len(),
            0..6usize,
            prop::sample::select(&[0.25, 0.0004, 0.9996][..]),
            prop::sample::select(&[1usize, 6, 24][..]),
        ),
        (prop::collection::vec(hidden_layer(), 0..4), sequence_front()),
        prop::sample::select(&ACTIVATIONS[..]),
        optimizer(),
        prop::sample::subsequence(&METRICS[..], 0..=4),
        (1..=2usize, prop::sample::select(&[1usize, 7, 32, 100_000][..]), 0..100u64),
        prop::option::of((
            0..4usize,
            0..3usize,
            prop::sample::select(&[0.0, 0.01][..]),
            any::<bool>(),
        )),
        prop::sample::select(&["[2, 5]", "3", "[1, 2, 4]"][..]),
        (any::<bool>(), 0..8usize),
        (any::<bool>(), 0..3usize),
        // Training-set sizes: a sweep, one size, or one beyond any training split here.
        prop::option::of(prop::sample::select(&["[3, 7]", "2", "[2, 50, 100000]"][..])),
    )
        .prop_map(
            |(
                (data, pair, split, length),
                (hidden, front),
                out,
                optimizer,
                metrics,
                (epochs, batch, seed),
                early,
                units,
                (plot_all, plot_pick),
                (normalized, depth),
                sizes,
            )| {
                let (declaration, sequences, pairs) = DATASETS[data];
                let (loss, output) = pairs[pair % pairs.len()];
                // Mostly metrics that fit this loss and output, sometimes any (which the
                // checker must refuse or train).
                let units_out = if output.starts_with("dense(1") { 1 } else { 2 };
                let fits = |m: &&str| {
                    !matches!(
                        (*m, units_out),
                        ("categorical_crossentropy", 1) | ("binary_crossentropy", 2)
                    )
                };
                let metrics: Vec<&str> = if pair % 4 == 3 {
                    metrics
                } else {
                    metrics.into_iter().filter(fits).collect()
                };
                let computed: Vec<&str> = std::iter::once("loss").chain(metrics.iter().copied()).collect();
                let plot: Vec<&str> = if plot_all {
                    computed.clone()
                } else {
                    vec![computed[plot_pick % computed.len()]]
                };
                let declaration = declaration
                    .replace("SPLIT", &format!("{split:?}"))
                    .replace("LENGTH", &length.to_string());
                let front = if sequences {
                    front
                } else if normalized {
                    // Refused on text (IMDB's multi-hot rows), adapted on a table.
                    vec!["normalization()".to_string()]
                } else {
                    Vec::new()
                };
                // The hidden layers as they are, or repeated `depth` times (0 removes them).
                let hidden = if depth == 1 || hidden.is_empty() {
                    hidden
                } else {
                    vec![format!("repeat({depth}) {{ {} }}", hidden.join("  "))]
                };
                let layers: Vec<String> = front
                    .iter()
                    .chain(&hidden)
                    .chain(std::iter::once(&output.replace("OUT", out)))
                    .map(|l| format!("  {l}"))
                    .collect();
                let early = early.map_or(String::new(), |(watch, patience, delta, restore)| {
                    let monitor = format!(
                        "{}{}",
                        if watch % 2 == 0 { "val_" } else { "" },
                        computed[watch / 2 % computed.len()]
                    );
                    format!(
                        "  early_stopping = {{ monitor: {monitor}, patience: {patience}, min_delta: {delta:?}, restore_best: {restore} }}\n"
                    )
                });
                let plot = format!("  plot = [{}]", plot.join(", "));
                let sizes = sizes.map_or(String::new(), |s| format!("  train_size = {s}\n"));
                // Under a loss that reads logits, the cross-entropy metrics read them too,
                // and accuracy splits at logit 0.
                let written: Vec<String> = metrics
                    .iter()
                    .map(|m| match (loss.contains("from_logits"), *m) {
                        (true, "binary_crossentropy" | "categorical_crossentropy") => {
                            format!("{m}(from_logits = true)")
                        }
                        (true, "accuracy") => "accuracy(threshold = 0)".to_string(),
                        _ => m.to_string(),
                    })
                    .collect();
                format!(
                    "dataset d = {declaration}\n\n\
                     model m(units: int = 4) {{\n{}\n}}\n\n\
                     train t {{\n  optimizer = {optimizer}\n  loss = {loss}\n  metrics = [{}]\n  \
                     epochs = {epochs}\n  batch_size = {batch}\n  seed = {seed}\n{early}}}\n\n\
                     experiment e {{\n  data = d  train = t\n  models = {{ a: m(units = {units}), b: m(2) }}\n{plot}\n{sizes}}}\n",
                    layers.join("\n"),
                    written.join(", "),
                )
            },
        )
}

fn ofit(args: &[&str], spec_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ofit"))
        .args(args)
        .current_dir(spec_dir)
        .output()
        .expect("ofit runs")
}

/// What one case showed.
#[derive(Debug, Default)]
struct Tally {
    refused_by_check: usize,
    refused_by_data: usize,
    trained: usize,
    /// Of those trained, the models on sequences (an embedding first).
    trained_sequences: usize,
    /// Of those trained, the ones with each of the features `NEWER` names.
    trained_with: [usize; NEWER.len()],
    diverged: usize,
}

/// Checks, runs and reports one spec; the invariants hold or this panics with the spec.
fn case(text: &str, tally: &mut Tally) {
    let dir = tempfile::tempdir().unwrap();
    let root = support::root();
    let text = text.replace("ROOT", root.to_str().unwrap());
    std::fs::write(dir.path().join("spec.ofit"), &text).unwrap();
    let context = |what: &str, output: &Output| {
        format!(
            "{what}\n--- spec ---\n{text}\n--- stderr ---\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    };
    let check = ofit(&["check", "spec.ofit"], dir.path());
    assert_ne!(
        check.status.code(),
        Some(101),
        "{}",
        context("check panicked", &check)
    );
    let run = ofit(&["run", "spec.ofit", "--out", "run"], dir.path());
    let code = run.status.code();
    assert!(
        code == Some(0) || code == Some(1),
        "{}",
        context("run ended neither cleanly nor with an error", &run)
    );
    if check.status.code() != Some(0) {
        assert_eq!(
            code,
            Some(1),
            "{}",
            context("check refused it, run did not", &run)
        );
        tally.refused_by_check += 1;
        return;
    }
    if code == Some(1) {
        // Only the data may refuse what check accepted, and it says so.
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(
            err.contains("error"),
            "{}",
            context("a silent failure", &run)
        );
        assert!(
            !dir.path().join("run/run.json").exists(),
            "{}",
            context("refused after training started", &run)
        );
        tally.refused_by_data += 1;
        return;
    }
    tally.trained += 1;
    tally.trained_sequences += usize::from(text.contains("embedding("));
    for (count, feature) in tally.trained_with.iter_mut().zip(NEWER) {
        *count += usize::from(text.contains(feature));
    }
    let out = dir.path().join("run");
    let report = std::fs::read(out.join("report.json")).expect("report.json");
    let _: serde_json::Value = serde_json::from_slice(&report)
        .unwrap_or_else(|e| panic!("{}", context(&format!("report.json: {e}"), &run)));
    for folder in std::fs::read_dir(out.join("models")).unwrap() {
        let history: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(folder.unwrap().path().join("history.json")).unwrap(),
        )
        .unwrap();
        let diverged = history["ending"]["kind"] == "diverged";
        tally.diverged += usize::from(diverged);
        let epochs = history["epochs"].as_array().unwrap();
        for (i, epoch) in epochs.iter().enumerate() {
            for value in epoch["values"].as_array().unwrap() {
                let finite = value.as_f64().is_some_and(f64::is_finite);
                assert!(
                    finite || (diverged && i + 1 == epochs.len()),
                    "{}",
                    context(&format!("epoch {} holds {value}", i + 1), &run)
                );
            }
        }
    }
    let again = ofit(&["report", "run"], dir.path());
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        context("ofit report failed", &again)
    );
    assert_eq!(
        std::fs::read(out.join("report.json")).unwrap(),
        report,
        "{}",
        context("ofit report changed report.json", &again)
    );
}

#[test]
fn accepted_specs_train_and_report_truthfully() {
    let cases = std::env::var("OFIT_PROPERTY_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(CASES);
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 32,
        ..Config::default()
    };
    let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let tally = std::sync::Mutex::new(Tally::default());
    let result = runner.run(&spec(), |text| {
        case(&text, &mut tally.lock().unwrap_or_else(|e| e.into_inner()));
        Ok(())
    });
    let tally = tally.into_inner().unwrap();
    eprintln!("run-level property: {cases} cases, {tally:?}");
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(
        tally.trained >= cases as usize / 4
            && tally.trained_sequences >= cases as usize / 10
            && tally.trained_with.iter().all(|&n| n > 0),
        "too few specs trained: {tally:?} (with {NEWER:?})"
    );
}
