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

fn text_models() -> ofit::ir::Program {
    support::compile(&support::root().join("tests/fixtures/summary/text_models.ofit"))
        .1
        .program
        .expect("the text models check")
}

#[test]
fn text_models_have_keras_parameter_counts_per_layer() {
    let program = text_models();
    let per_layer = |name: &str| -> Vec<usize> {
        program
            .model(name)
            .expect("model")
            .layer_params()
            .into_iter()
            .map(|p| p.expect("known").0)
            .collect()
    };
    // Keras: Embedding(10000, 16) → GlobalAveragePooling1D → Dense(16) → Dense(1).
    assert_eq!(per_layer("text"), [160_000, 0, 272, 17]);
    assert_eq!(program.model("text").unwrap().params(), Some((160_289, 0)));
    // Conv1D: kernel (5, 16, 32) and bias (32,).
    assert_eq!(per_layer("conv"), [160_000, 5 * 16 * 32 + 32, 0, 0, 33]);
    // LSTM: kernel (16, 4·32), recurrent kernel (32, 4·32), bias (4·32,).
    assert_eq!(per_layer("lstm"), [160_000, 16 * 128 + 32 * 128 + 128, 33]);
    // GRU, reset_after = True: kernel (16, 3·32), recurrent (32, 3·32), bias (2, 3·32).
    assert_eq!(
        per_layer("gru"),
        [160_000, 16 * 96 + 32 * 96 + 2 * 96, 0, 256 * 32 + 1]
    );
}

#[test]
fn text_models_have_keras_output_shapes() {
    use ofit::ir::Shape;
    let program = text_models();
    let shapes = |name: &str| -> Vec<String> {
        program
            .model(name)
            .expect("model")
            .shapes()
            .into_iter()
            .map(|(_, out)| out.expect("known").to_string())
            .collect()
    };
    assert_eq!(
        shapes("text"),
        ["(None, 256, 16)", "(None, 16)", "(None, 16)", "(None, 1)"]
    );
    // valid: (256 − 5) / 1 + 1 = 252 steps, pooled by 2 to 126.
    assert_eq!(
        shapes("conv"),
        [
            "(None, 256, 16)",
            "(None, 252, 32)",
            "(None, 126, 32)",
            "(None, 32)",
            "(None, 1)"
        ]
    );
    assert_eq!(
        shapes("gru"),
        [
            "(None, 256, 16)",
            "(None, 256, 32)",
            "(None, 8192)",
            "(None, 1)"
        ]
    );
    let text = program.model("text").unwrap();
    assert_eq!(
        text.shapes()[0].0,
        Some(Shape::Ids {
            length: 256,
            vocabulary: 10_000
        })
    );
}

#[test]
fn the_text_model_summary_is_pinned() {
    let program = text_models();
    let facts = DataFacts::declared(&program.datasets[0]);
    for name in ["text", "conv", "lstm", "gru"] {
        let model = program.model(name).expect("model");
        insta::assert_snapshot!(
            format!("text-{name}"),
            summary(model, &program.trainings[0], &facts)
        );
    }
}

#[test]
fn an_embedding_and_its_pooling_cost_their_values_read() {
    let program = text_models();
    let text = program.model("text").unwrap();
    let facts = DataFacts::declared(&program.datasets[0]);
    assert_eq!(facts.split_sizes, Some((15_000, 10_000)));
    // Forward per example: the gather reads 256·16 values, the mean adds them, then the
    // two dense layers; training twice for the embedding (first) and the pooling (no
    // weights), three times for the dense layers.
    let forward = 4096.0 + 4096.0 + 256.0 + 16.0;
    let train = 2.0 * 4096.0 + 2.0 * 4096.0 + 3.0 * (256.0 + 16.0);
    let cost = epoch_cost(text, &facts).expect("known sizes");
    assert_eq!(cost.dense, 15_000.0 * train + 10_000.0 * forward);
    assert_eq!(cost.sparse, None);
    // A recurrent layer costs its gates at every step.
    let lstm = program.model("lstm").unwrap();
    let cost = epoch_cost(lstm, &facts).expect("known sizes");
    let step = 256.0 * 4.0 * (16.0 * 32.0 + 32.0 * 32.0);
    let forward = 4096.0 + step + 32.0;
    let train = 2.0 * 4096.0 + 3.0 * (step + 32.0);
    assert_eq!(cost.dense, 15_000.0 * train + 10_000.0 * forward);
}

#[test]
fn a_repeat_block_makes_the_tutorials_sizes_from_one_template() {
    let program = support::compile(&support::root().join("tests/fixtures/summary/depth.ofit"))
        .1
        .program
        .expect("the depth fixture checks");
    let counts: Vec<(&str, usize, usize)> = program
        .models
        .iter()
        .map(|m| {
            let dense = m.layers.len();
            (m.name.as_str(), dense, m.params().expect("input(28)").0)
        })
        .collect();
    // Keras's summaries of the tutorial's Tiny, Small, Medium and Large models.
    assert_eq!(
        counts,
        [
            ("tiny", 2, 481),
            ("small", 3, 753),
            ("medium", 4, 10_241),
            ("large", 5, 803_329),
            ("depths(depth=0)", 1, 29),
            ("depths(depth=2)", 3, 313),
        ]
    );
}
