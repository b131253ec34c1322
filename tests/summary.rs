//! `ofit summary`'s numbers: Keras's parameter counts for the tutorial's models, and the
//! cost of training them.

use crate::support;
use ofit::report::summary::{epoch_cost, summary, DataFacts};

fn tutorial() -> ofit::ir::Program {
    support::compile(&support::root().join("examples/tutorial.ofit"))
        .1
        .program
        .expect("tutorial checks")
}

#[test]
fn the_tutorial_models_have_keras_parameter_counts() {
    let program = tutorial();
    let counts: Vec<(&str, usize)> = program
        .models
        .iter()
        .map(|m| (m.name.as_str(), m.params().expect("imdb width is known").0))
        .collect();
    assert_eq!(
        counts,
        [
            ("baseline", 160_305),
            ("smaller", 40_029),
            ("bigger", 5_383_681),
            ("l2", 160_305),
            ("dropout", 160_305)
        ]
    );
}

#[test]
fn the_baseline_summary_is_pinned() {
    let program = tutorial();
    let facts = DataFacts::declared(&program.datasets[0]);
    insta::assert_snapshot!(summary(&program.models[0], &program.trainings[0], &facts));
}

#[test]
fn the_dense_cost_counts_three_passes_but_two_for_the_first_layer() {
    let program = tutorial();
    let baseline = &program.models[0];
    let facts = DataFacts {
        split_sizes: Some((25_000, 25_000)),
        mean_ids_per_row: None,
    };
    let forward = 10_000.0 * 16.0 + 16.0 * 16.0 + 16.0;
    let train = 2.0 * 10_000.0 * 16.0 + 3.0 * (16.0 * 16.0 + 16.0);
    let cost = epoch_cost(baseline, &facts).expect("known sizes");
    assert_eq!(cost.dense, 25_000.0 * (train + forward));
    assert_eq!(cost.sparse, None);
}

#[test]
fn a_multi_hot_first_layer_costs_its_mean_ids_not_its_width() {
    let program = tutorial();
    let bigger = &program.models[2];
    let facts = DataFacts {
        split_sizes: Some((25_000, 25_000)),
        mean_ids_per_row: Some(131.58),
    };
    let cost = epoch_cost(bigger, &facts).expect("known sizes");
    let sparse = cost.sparse.expect("multi-hot input");
    let forward = 131.58 * 512.0 + 512.0 * 512.0 + 512.0;
    let train = 2.0 * 131.58 * 512.0 + 3.0 * (512.0 * 512.0 + 512.0);
    assert!((sparse - 25_000.0 * (train + forward)).abs() < 1.0);
    let text = summary(bigger, &program.trainings[0], &facts);
    assert!(
        text.contains("with the multi-hot first layer as a gather"),
        "{text}"
    );
}

#[test]
fn batch_norm_counts_two_trainable_and_two_frozen_per_unit() {
    let (_, checked) = support::compile(&support::root().join("examples/csv.ofit"));
    let program = checked.program.expect("csv example checks");
    let narrow = program.model("narrow").expect("narrow");
    let batch_norm = narrow.layer_params()[1];
    assert_eq!(batch_norm, Some((8, 8)));
}

#[test]
fn the_f32_parameters_of_a_model_are_counted_with_its_frozen_ones() {
    let program = tutorial();
    assert_eq!(program.models[0].f32_params(), Some(160_305));
    let (_, checked) = support::compile(&support::root().join("examples/csv.ofit"));
    let program = checked.program.expect("csv example checks");
    // A CSV's width is known only once the data is read.
    assert!(program.models.iter().all(|m| m.f32_params().is_none()));
}

#[test]
fn a_parameter_count_beyond_64_bits_is_never_wrapped() {
    use ofit::ir::{Activation, Dense, Input, Layer, Model};
    let wide = |units| {
        Layer::Dense(Dense {
            units,
            activation: Activation::Relu,
            use_bias: true,
            kernel_regularizer: None,
            bias_regularizer: None,
        })
    };
    // As the data stage could make it from a CSV of 2³² − 1 columns: the checker
    // cannot count it beforehand.
    let model = Model {
        name: "huge".into(),
        template: "huge".into(),
        arguments: Vec::new(),
        input: Input {
            width: Some(u32::MAX as usize),
            multi_hot: false,
            vocabulary: None,
        },
        layers: vec![wide(u32::MAX as usize), wide(u32::MAX as usize), wide(1)],
    };
    // Each layer fits in 64 bits, together they do not.
    assert_eq!(
        model.layer_params()[0],
        Some((18_446_744_069_414_584_320, 0))
    );
    assert_eq!(model.params(), None);
    assert_eq!(model.f32_params(), None);
    let program = tutorial();
    let text = summary(&model, &program.trainings[0], &DataFacts::default());
    assert!(
        text.contains("Total params: more than 18,446,744,073,709,551,615"),
        "{text}"
    );
    assert!(text.contains("18,446,744,069,414,584,320"), "{text}");
}
