//! `normalization()`: Keras's `Normalization` layer, adapted on the training split before
//! training: `(x − mean) / max(√variance, 1e-7)` with the population variance, and Keras's
//! parameter count (mean, variance and count, none trainable).

use crate::support;
use ofit::ir::{Activation, Dense, Input, Layer, Model};
use ofit::lower::{self, Backend, Block};

fn model(width: usize) -> Model {
    Model {
        name: "normalized".to_string(),
        template: "normalized".to_string(),
        arguments: Vec::new(),
        input: Input {
            width: Some(width),
            multi_hot: false,
            vocabulary: None,
        },
        layers: vec![
            Layer::Normalization,
            Layer::Dense(Dense {
                units: 1,
                activation: Activation::Linear,
                use_bias: true,
                kernel_regularizer: None,
                bias_regularizer: None,
            }),
        ],
    }
}

#[test]
fn adapted_statistics_and_output_are_keras_normalizations() {
    let device = Backend::NdArray.device();
    let mut network = lower::lower(&model(3), 1, &device);
    let Block::Normalization(norm) = &mut network.blocks[0] else {
        panic!("the first block normalizes");
    };
    // The third feature is constant: its standard deviation is floored at Keras's 1e-7.
    let rows = [
        1.0, 10.0, 5.0, 2.0, 20.0, 5.0, 3.0, 60.0, 5.0, 6.0, 30.0, 5.0,
    ];
    norm.adapt(&rows, 3);
    let values = |t: burn::tensor::Tensor<1>| t.into_data().try_to_vec::<f32>().unwrap();
    assert_eq!(values(norm.mean.val()), [3.0, 30.0, 5.0]);
    // numpy's `var` (Keras's `adapt`): the population variance, divided by n.
    assert_eq!(values(norm.variance.val()), [3.5, 350.0, 0.0]);
    assert_eq!(values(norm.count.val()), [4.0]);
    let x = burn::tensor::Tensor::<2>::from_data(
        burn::tensor::TensorData::new(vec![1.0f32, 10.0, 5.0], [1, 3]),
        &device,
    );
    let Block::Normalization(norm) = &network.blocks[0] else {
        unreachable!()
    };
    let out = norm.forward(x).into_data().try_to_vec::<f32>().unwrap();
    let keras = [-2.0 / 3.5f32.sqrt(), -20.0 / 350f32.sqrt(), 0.0];
    for (got, want) in out.iter().zip(keras) {
        assert!((got - want).abs() <= 1e-6, "{out:?} vs {keras:?}");
    }
}

#[test]
fn normalization_counts_mean_variance_and_count_as_frozen_weights() {
    // Keras: Normalization on 9 features has 19 weights, none trainable; with Dense(1),
    // 29 in all (the fuel-efficiency tutorial's linear model).
    let params = model(9).params().expect("width known");
    assert_eq!(params, (10, 19));
}

#[test]
fn a_normalized_model_trains_adapted_on_its_training_rows() {
    let out = support::run_spec("tests/fixtures/train/normalized.ofit", &[]);
    let models = std::fs::read_dir(out.path().join("models")).unwrap();
    let folder = models.into_iter().next().unwrap().unwrap().path();
    let history: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("history.json")).unwrap()).unwrap();
    let epochs = history["epochs"].as_array().unwrap();
    assert_eq!(epochs.len(), 3);
    let loss = |e: usize| epochs[e]["values"][0].as_f64().unwrap();
    assert!(
        loss(2) < loss(0),
        "the loss falls: {} → {}",
        loss(0),
        loss(2)
    );
}
