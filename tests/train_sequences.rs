//! The layers of text models lowered to burn: each forward against Keras's definition
//! written out by hand on tiny inputs, Keras's parameter counts and initializers, short
//! trainings on a committed fixture that learn, and a killed training that resumes to the
//! same history.

use crate::support;
use burn::module::{Module, Param};
use burn::tensor::{Device, Int, Tensor, TensorData};
use ofit::data::stats::{SplitStats, Stats};
use ofit::data::{Encoded, Features, Padded, Split};
use ofit::history::History;
use ofit::ir::{
    self, Activation, ConvPadding, Dense, Input, Layer, Loss, Metric, Model, Optimizer, Recurrent,
    Training,
};
use ofit::lower::sequence::{
    ConvBlock, EmbeddingBlock, GruBlock, LstmBlock, MaxPoolBlock, Reduce, ReduceBlock, Sequenced,
};
use ofit::lower::{self, Backend, Block, Value};
use ofit::train::fit::Trainer;
use ofit::train::folder::ModelFolder;
use ofit::train::{self, Outcome, Progress};

const LENGTH: usize = 12;
const VOCABULARY: usize = 24;

fn device() -> Device {
    Backend::default().device()
}

fn tensor<const D: usize>(values: Vec<f32>, shape: [usize; D]) -> Tensor<D> {
    Tensor::from_data(TensorData::new(values, shape), &device())
}

fn ids(values: Vec<i64>, shape: [usize; 2]) -> Tensor<2, Int> {
    Tensor::from_data(TensorData::new(values, shape), &device())
}

fn floats<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
}

/// A deterministic spread of values in about (−1, 1).
fn wave(count: usize, phase: f32) -> Vec<f32> {
    (0..count)
        .map(|i| ((i as f32 + phase) * 0.737).sin())
        .collect()
}

fn assert_close(actual: &[f32], expected: &[f64], tolerance: f64, what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            (*a as f64 - e).abs() <= tolerance * e.abs().max(1.0),
            "{what}[{i}]: {a} ≠ {e}\nactual {actual:?}\nexpected {expected:?}"
        );
    }
}

fn dense(units: usize, activation: Activation) -> Layer {
    Layer::Dense(Dense {
        units,
        activation,
        use_bias: true,
        kernel_regularizer: None,
        bias_regularizer: None,
    })
}

fn embedding(dim: usize, mask_zero: bool) -> Layer {
    Layer::Embedding(ir::Embedding { dim, mask_zero })
}

fn model(layers: Vec<Layer>) -> Model {
    Model {
        name: "m".into(),
        template: "m".into(),
        arguments: Vec::new(),
        input: Input {
            width: Some(LENGTH),
            multi_hot: false,
            vocabulary: Some(VOCABULARY),
        },
        layers,
    }
}

fn training(epochs: usize, lr: f64) -> Training {
    Training {
        name: "t".into(),
        optimizer: Optimizer::Adam {
            lr,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
        },
        loss: Loss::BinaryCrossentropy,
        from_logits: false,
        accuracy_threshold: Training::DEFAULT_THRESHOLD,
        metrics: vec![Metric::Accuracy],
        epochs,
        batch_size: 32,
        seed: 7,
        early_stopping: None,
        schedule: None,
    }
}

/// The committed fixture: the first 160 rows train, the last 64 validate.
fn fixture() -> Encoded {
    let path = support::root().join("tests/fixtures/train/sequences.txt");
    let text = std::fs::read_to_string(&path).expect("fixture");
    let mut rows: Vec<(f32, Vec<u32>)> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (label, row) = line.split_once(':').expect("`label: ids`");
        let row: Vec<u32> = row.split_whitespace().map(|i| i.parse().unwrap()).collect();
        assert_eq!(row.len(), LENGTH, "{line}");
        rows.push((label.parse().unwrap(), row));
    }
    let split = |rows: &[(f32, Vec<u32>)]| Split {
        features: Features::Sequences(Padded {
            length: LENGTH,
            vocabulary: VOCABULARY,
            ids: rows.iter().flat_map(|(_, r)| r.iter().copied()).collect(),
        }),
        labels: rows.iter().map(|(l, _)| *l).collect(),
    };
    let stats = |n: usize| SplitStats {
        examples: n,
        label_counts: Vec::new(),
        mean_length: None,
        median_length: None,
        length_range: None,
        mean_ids_per_row: None,
        truncated: None,
    };
    assert_eq!(rows.len(), 224);
    Encoded {
        train: split(&rows[..160]),
        validation: split(&rows[160..]),
        test: None,
        classes: Some(2),
        stats: Stats {
            train: stats(160),
            validation: stats(64),
            test: None,
            classes: None,
            input_width: LENGTH,
            vocabulary: Some(VOCABULARY),
            top_words: Vec::new(),
            files: Vec::new(),
            features: Vec::new(),
            dropped: 0,
        },
        preprocessing: None,
    }
}

// ---------------------------------------------------------------------------------------
// Forward passes against Keras's definitions.

#[test]
fn embedding_looks_up_rows_and_the_masked_average_skips_padding_as_keras() {
    let dim = 2;
    let table: Vec<f32> = (0..4 * dim).map(|i| i as f32).collect(); // row id = [2id, 2id+1]
    let block = EmbeddingBlock {
        table: Param::from_tensor(tensor(table, [4, dim])),
        mask_zero: true,
    };
    let (x, mask) = block.forward(ids(vec![1, 3, 0, 2, 0, 0, 0, 0, 0], [3, 3]));
    assert_eq!(
        floats(x.clone()),
        vec![2., 3., 6., 7., 0., 1., 4., 5., 0., 1., 0., 1., 0., 1., 0., 1., 0., 1.]
    );
    let mask = mask.expect("mask_zero gives a mask");
    assert_eq!(
        floats(mask.clone()),
        vec![1., 1., 0., 1., 0., 0., 0., 0., 0.]
    );
    let average = ReduceBlock {
        reduce: Reduce::Average,
    };
    let masked = floats(average.forward(x.clone(), Some(mask)));
    // Keras: sum over unmasked steps / their count; a row of padding only is 0 / 0.
    assert_eq!(&masked[..4], &[4., 5., 4., 5.]);
    assert!(masked[4].is_nan() && masked[5].is_nan(), "{masked:?}");
    // Without a mask the padding vectors count, divided by the length.
    let plain = floats(average.forward(x.clone(), None));
    assert_close(
        &plain,
        &[8. / 3., 11. / 3., 4. / 3., 7. / 3., 0., 1.],
        1e-6,
        "mean",
    );
    let max = ReduceBlock {
        reduce: Reduce::Max,
    };
    assert_eq!(
        floats(max.forward(x.clone(), None)),
        vec![6., 7., 4., 5., 0., 1.]
    );
    let flatten = ReduceBlock {
        reduce: Reduce::Flatten,
    };
    let flat = flatten.forward(x.clone(), None);
    assert_eq!(flat.dims(), [3, 6]);
    assert_eq!(floats(flat), floats(x));
}

/// Keras's `Conv1D` written out: `y[t, f] = b[f] + Σ_j Σ_c x[t·s + j − before, c] ·
/// K[j, c, f]`, zero outside the sequence, over `⌈L/s⌉` (same) or `(L − k)/s + 1`
/// (valid) outputs.
fn conv_reference(
    x: &[f32],
    [batch, length, channels]: [usize; 3],
    kernel: &[f32], // burn's [filters, channels, k]
    bias: &[f32],
    [filters, k]: [usize; 2],
    strides: usize,
    padding: ConvPadding,
) -> (usize, Vec<f64>) {
    let (out, before) = match padding {
        ConvPadding::Valid => ((length - k) / strides + 1, 0),
        ConvPadding::Same => {
            let out = length.div_ceil(strides);
            let total = ((out - 1) * strides + k).saturating_sub(length);
            (out, total / 2)
        }
    };
    let mut y = Vec::new();
    for b in 0..batch {
        for t in 0..out {
            for f in 0..filters {
                let mut sum = bias[f] as f64;
                for j in 0..k {
                    let step = (t * strides + j) as isize - before as isize;
                    if step < 0 || step >= length as isize {
                        continue;
                    }
                    for c in 0..channels {
                        sum += x[(b * length + step as usize) * channels + c] as f64
                            * kernel[(f * channels + c) * k + j] as f64;
                    }
                }
                y.push(sum);
            }
        }
    }
    (out, y)
}

#[test]
fn conv1d_has_keras_lengths_and_values_for_valid_and_same_padding_and_strides() {
    let (batch, channels, filters) = (2, 3, 2);
    for length in [7, 8] {
        for k in [1, 2, 3, 4] {
            for strides in [1, 2, 3] {
                for padding in [ConvPadding::Valid, ConvPadding::Same] {
                    let x = wave(batch * length * channels, 0.3);
                    let kernel = wave(filters * channels * k, 1.1);
                    let bias = vec![0.25, -0.5];
                    let block = ConvBlock {
                        kernel: Param::from_tensor(tensor(kernel.clone(), [filters, channels, k])),
                        bias: Param::from_tensor(tensor(bias.clone(), [filters])),
                        strides,
                        padding,
                        activation: Activation::Linear,
                    };
                    let y = block.forward(tensor(x.clone(), [batch, length, channels]));
                    let (out, expected) = conv_reference(
                        &x,
                        [batch, length, channels],
                        &kernel,
                        &bias,
                        [filters, k],
                        strides,
                        padding,
                    );
                    let what = format!("L={length} k={k} s={strides} {padding:?}");
                    assert_eq!(y.dims(), [batch, out, filters], "{what}");
                    assert_eq!(
                        out,
                        ofit::lower::sequence::output_length(length, k, strides, padding),
                        "{what}"
                    );
                    assert_close(&floats(y), &expected, 1e-5, &what);
                }
            }
        }
    }
}

#[test]
fn conv1d_applies_its_activation() {
    let block = ConvBlock {
        kernel: Param::from_tensor(tensor(vec![1.0, -1.0], [1, 1, 2])),
        bias: Param::from_tensor(tensor(vec![0.0], [1])),
        strides: 1,
        padding: ConvPadding::Valid,
        activation: Activation::Relu,
    };
    let y = block.forward(tensor(vec![1.0, 3.0, 2.0, 5.0], [1, 4, 1]));
    // x[t] − x[t+1]: −2, 1, −3 → relu.
    assert_eq!(floats(y), vec![0.0, 1.0, 0.0]);
}

#[test]
fn max_pooling1d_has_keras_lengths_and_values() {
    // One channel and a second channel of the negated values, so padding would show.
    let length = 7;
    let values: Vec<f32> = vec![3.0, -1.0, 4.0, 1.0, -5.0, 9.0, 2.0];
    let x: Vec<f32> = values.iter().flat_map(|v| [*v, -*v]).collect();
    let cases: [(usize, usize, ConvPadding, Vec<[f32; 2]>); 5] = [
        // pool 2, strides 2, valid: windows [0,1] [2,3] [4,5].
        (
            2,
            2,
            ConvPadding::Valid,
            vec![[3., 1.], [4., -1.], [9., 5.]],
        ),
        // same: ⌈7/2⌉ = 4, one padding step at the end: [6] alone.
        (
            2,
            2,
            ConvPadding::Same,
            vec![[3., 1.], [4., -1.], [9., 5.], [2., -2.]],
        ),
        // pool 3, strides 1, valid: 5 windows.
        (
            3,
            1,
            ConvPadding::Valid,
            vec![[4., 1.], [4., 1.], [4., 5.], [9., 5.], [9., 5.]],
        ),
        // same: 7 outputs, one padding step each side.
        (
            3,
            1,
            ConvPadding::Same,
            vec![
                [3., 1.],
                [4., 1.],
                [4., 1.],
                [4., 5.],
                [9., 5.],
                [9., 5.],
                [9., -2.],
            ],
        ),
        // pool 3, strides 2, same: ⌈7/2⌉ = 4 outputs, total padding 2 (one each side):
        // windows {0,1} {1,2,3} {3,4,5} {5,6}.
        (
            3,
            2,
            ConvPadding::Same,
            vec![[3., 1.], [4., 1.], [9., 5.], [9., -2.]],
        ),
    ];
    for (pool_size, strides, padding, expected) in cases {
        let block = MaxPoolBlock {
            pool_size,
            strides,
            padding,
        };
        let y = block.forward(tensor(x.clone(), [1, length, 2]));
        let what = format!("pool {pool_size} strides {strides} {padding:?}");
        assert_eq!(y.dims(), [1, expected.len(), 2], "{what}");
        assert_eq!(
            floats(y),
            expected.iter().flatten().copied().collect::<Vec<_>>(),
            "{what}"
        );
        assert_eq!(
            ofit::lower::sequence::output_length(length, pool_size, strides, padding),
            expected.len(),
            "{what}"
        );
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `x · W` for a row `x` and `W` `[x.len(), cols]` row-major.
fn row_times(x: &[f64], w: &[f32], cols: usize) -> Vec<f64> {
    (0..cols)
        .map(|j| {
            x.iter()
                .enumerate()
                .map(|(i, v)| v * w[i * cols + j] as f64)
                .sum()
        })
        .collect()
}

/// Keras's LSTM cell over a sequence (gates i, f, c, o), a masked step keeping the state;
/// every step's output.
fn lstm_reference(
    x: &[Vec<f64>],
    mask: &[bool],
    kernel: &[f32],
    recurrent: &[f32],
    bias: &[f32],
    units: usize,
) -> Vec<Vec<f64>> {
    let (mut h, mut c) = (vec![0.0; units], vec![0.0; units]);
    let mut out = Vec::new();
    for (xt, &m) in x.iter().zip(mask) {
        if m {
            let zx = row_times(xt, kernel, 4 * units);
            let zh = row_times(&h, recurrent, 4 * units);
            let z: Vec<f64> = (0..4 * units)
                .map(|j| zx[j] + zh[j] + bias[j] as f64)
                .collect();
            for u in 0..units {
                let i = sigmoid(z[u]);
                let f = sigmoid(z[units + u]);
                let g = z[2 * units + u].tanh();
                let o = sigmoid(z[3 * units + u]);
                c[u] = f * c[u] + i * g;
                h[u] = o * c[u].tanh();
            }
        }
        out.push(h.clone());
    }
    out
}

/// Keras's GRU cell with `reset_after = True` (gates z, r, h).
fn gru_reference(
    x: &[Vec<f64>],
    mask: &[bool],
    kernel: &[f32],
    recurrent: &[f32],
    bias: &[f32], // [2, 3U]
    units: usize,
) -> Vec<Vec<f64>> {
    let mut h = vec![0.0; units];
    let mut out = Vec::new();
    for (xt, &m) in x.iter().zip(mask) {
        if m {
            let mx = row_times(xt, kernel, 3 * units);
            let mh = row_times(&h, recurrent, 3 * units);
            let bx = |j: usize| mx[j] + bias[j] as f64;
            let bh = |j: usize| mh[j] + bias[3 * units + j] as f64;
            let mut next = vec![0.0; units];
            for u in 0..units {
                let z = sigmoid(bx(u) + bh(u));
                let r = sigmoid(bx(units + u) + bh(units + u));
                let hh = (bx(2 * units + u) + r * bh(2 * units + u)).tanh();
                next[u] = z * h[u] + (1.0 - z) * hh;
            }
            h = next;
        }
        out.push(h.clone());
    }
    out
}

/// Per row, per step, the input values (for the f64 references).
type Steps = Vec<Vec<Vec<f64>>>;

/// A batch of two sequences of 4 steps and 3 channels, the second masked after 2 steps,
/// with the per-row inputs and masks for the references.
fn recurrent_input() -> (Tensor<3>, Tensor<2>, Steps, Vec<Vec<bool>>) {
    let (batch, length, channels) = (2, 4, 3);
    let x = wave(batch * length * channels, 0.7);
    let mask = vec![1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0];
    let rows = (0..batch)
        .map(|b| {
            (0..length)
                .map(|t| {
                    (0..channels)
                        .map(|c| x[(b * length + t) * channels + c] as f64)
                        .collect()
                })
                .collect()
        })
        .collect();
    let masks = (0..batch)
        .map(|b| (0..length).map(|t| mask[b * length + t] > 0.0).collect())
        .collect();
    (
        tensor(x, [batch, length, channels]),
        tensor(mask, [batch, length]),
        rows,
        masks,
    )
}

fn last_and_all(block: Sequenced) -> Vec<f32> {
    match block {
        Sequenced::Last(h) => floats(h),
        Sequenced::All(hs) => floats(hs),
    }
}

#[test]
fn lstm_steps_as_keras_cell_with_masks_and_return_sequences() {
    let units = 2;
    let kernel = wave(3 * 4 * units, 0.1);
    let recurrent = wave(units * 4 * units, 2.3);
    let bias = wave(4 * units, 4.0);
    let (x, mask, rows, masks) = recurrent_input();
    for return_sequences in [false, true] {
        for masked in [false, true] {
            let block = LstmBlock {
                kernel: Param::from_tensor(tensor(kernel.clone(), [3, 4 * units])),
                recurrent: Param::from_tensor(tensor(recurrent.clone(), [units, 4 * units])),
                bias: Param::from_tensor(tensor(bias.clone(), [4 * units])),
                return_sequences,
            };
            let out = block.forward(x.clone(), masked.then(|| mask.clone()));
            let mut expected = Vec::new();
            for (row, m) in rows.iter().zip(&masks) {
                let m: Vec<bool> = m.iter().map(|&v| v || !masked).collect();
                let steps = lstm_reference(row, &m, &kernel, &recurrent, &bias, units);
                if return_sequences {
                    expected.extend(steps.into_iter().flatten());
                } else {
                    expected.extend(steps.last().unwrap().clone());
                }
            }
            let what = format!("return_sequences {return_sequences}, masked {masked}");
            assert_close(&last_and_all(out), &expected, 1e-5, &what);
        }
    }
}

#[test]
fn gru_steps_as_keras_reset_after_cell_with_masks_and_return_sequences() {
    let units = 2;
    let kernel = wave(3 * 3 * units, 0.4);
    let recurrent = wave(units * 3 * units, 1.9);
    let bias = wave(2 * 3 * units, 3.3);
    let (x, mask, rows, masks) = recurrent_input();
    for return_sequences in [false, true] {
        for masked in [false, true] {
            let block = GruBlock {
                kernel: Param::from_tensor(tensor(kernel.clone(), [3, 3 * units])),
                recurrent: Param::from_tensor(tensor(recurrent.clone(), [units, 3 * units])),
                bias: Param::from_tensor(tensor(bias.clone(), [2, 3 * units])),
                return_sequences,
            };
            let out = block.forward(x.clone(), masked.then(|| mask.clone()));
            let mut expected = Vec::new();
            for (row, m) in rows.iter().zip(&masks) {
                let m: Vec<bool> = m.iter().map(|&v| v || !masked).collect();
                let steps = gru_reference(row, &m, &kernel, &recurrent, &bias, units);
                if return_sequences {
                    expected.extend(steps.into_iter().flatten());
                } else {
                    expected.extend(steps.last().unwrap().clone());
                }
            }
            let what = format!("return_sequences {return_sequences}, masked {masked}");
            assert_close(&last_and_all(out), &expected, 1e-5, &what);
        }
    }
}

#[test]
fn a_mask_reaches_the_recurrent_layer_through_dropout_and_ends_at_a_convolution() {
    // embedding(mask_zero) → lstm: a row's trailing padding does not change its output,
    // so [a, b, 0, 0] gives what [a, b] gives — and it differs without the mask.
    let recurrent = |mask_zero: bool, conv: bool| {
        let mut layers = vec![embedding(4, mask_zero), Layer::Dropout { rate: 0.5 }];
        if conv {
            layers.push(Layer::Conv1d(ir::Conv1d {
                filters: 3,
                kernel_size: 1,
                activation: Activation::Linear,
                padding: ConvPadding::Valid,
                strides: 1,
            }));
        }
        layers.push(Layer::Lstm(Recurrent {
            units: 3,
            return_sequences: false,
        }));
        layers.push(dense(1, Activation::Sigmoid));
        let mut m = model(layers);
        m.input.width = Some(4);
        let network = lower::lower(&m, 3, &device());
        let long = network.forward(Value::Ids(ids(vec![3, 7, 0, 0], [1, 4])), None);
        let mut short = model(m.layers.clone());
        short.input.width = Some(2);
        let network_short = lower::lower(&short, 3, &device());
        let short = network_short.forward(Value::Ids(ids(vec![3, 7], [1, 2])), None);
        (floats(long)[0], floats(short)[0])
    };
    let (long, short) = recurrent(true, false);
    assert_eq!(long, short, "masked padding steps keep the state");
    let (long, short) = recurrent(false, false);
    assert_ne!(long, short, "unmasked padding steps are steps");
    // Keras's Conv1D does not support masking: after it, padding steps count.
    let (long, short) = recurrent(true, true);
    assert_ne!(long, short, "the mask ends at the convolution");
}

#[test]
fn a_recurrent_layer_returning_sequences_passes_the_mask_on_as_keras_3_15() {
    // Keras 3.15's RNN.compute_mask gives the input mask with return_sequences, so the
    // next layer skips the padding steps too: [a, b, 0, 0] gives what [a, b] gives, for
    // an average over the steps and for a second recurrent layer.
    let padded_and_short = |mask_zero: bool, then: Layer| {
        let layers = vec![
            embedding(4, mask_zero),
            Layer::Gru(Recurrent {
                units: 3,
                return_sequences: true,
            }),
            Layer::Dropout { rate: 0.5 },
            then,
            dense(1, Activation::Sigmoid),
        ];
        let mut long = model(layers.clone());
        long.input.width = Some(4);
        let mut short = model(layers);
        short.input.width = Some(2);
        let long = lower::lower(&long, 3, &device())
            .forward(Value::Ids(ids(vec![3, 7, 0, 0], [1, 4])), None);
        let short =
            lower::lower(&short, 3, &device()).forward(Value::Ids(ids(vec![3, 7], [1, 2])), None);
        (floats(long)[0], floats(short)[0])
    };
    let lstm = Layer::Lstm(Recurrent {
        units: 2,
        return_sequences: false,
    });
    for then in [Layer::GlobalAveragePooling, lstm] {
        let (long, short) = padded_and_short(true, then.clone());
        assert!(
            (long - short).abs() <= 1e-6,
            "{then:?} after the mask: {long} ≠ {short}"
        );
        let (long, short) = padded_and_short(false, then.clone());
        assert_ne!(long, short, "{then:?} without a mask counts the padding");
    }
}

#[test]
fn batch_norm_on_sequences_normalizes_the_last_axis_over_unmasked_steps() {
    let mut m = model(vec![
        embedding(2, false),
        Layer::BatchNorm(ir::BatchNorm {
            momentum: 0.99,
            epsilon: 1e-3,
            center: true,
            scale: true,
        }),
        Layer::Flatten,
        dense(1, Activation::Sigmoid),
    ]);
    m.input.width = Some(3);
    let network = lower::lower(&m, 1, &device());
    let Block::BatchNorm(norm) = &network.blocks[1] else {
        panic!("batch norm second")
    };
    let (batch, length) = (2, 3);
    let values = wave(batch * length * 2, 0.2);
    let x = tensor(values.clone(), [batch, length, 2]);
    let step_mask = [true, true, false, true, false, false];
    let mask = tensor(
        step_mask
            .iter()
            .map(|&m| if m { 1.0 } else { 0.0 })
            .collect(),
        [batch, length],
    );
    for masked in [false, true] {
        let y = floats(lower::batch_norm_sequence(
            norm,
            x.clone(),
            masked.then(|| mask.clone()),
        ));
        for c in 0..2 {
            // Keras: the moments of channel c over batch and steps (population variance),
            // under a mask over the unmasked steps only, divided by (count + 1e-7); every
            // step is normalized with them.
            let xs: Vec<f64> = values
                .iter()
                .skip(c)
                .step_by(2)
                .map(|v| *v as f64)
                .collect();
            let weights: Vec<f64> = step_mask
                .iter()
                .map(|&m| if m || !masked { 1.0 } else { 0.0 })
                .collect();
            let count: f64 = weights.iter().sum::<f64>() + if masked { 1e-7 } else { 0.0 };
            let mean = xs.iter().zip(&weights).map(|(v, w)| v * w).sum::<f64>() / count;
            let var = xs
                .iter()
                .zip(&weights)
                .map(|(v, w)| (w * (v - mean)).powi(2))
                .sum::<f64>()
                / count;
            let expected: Vec<f64> = xs
                .iter()
                .map(|v| (v - mean) / (var + 1e-3).sqrt())
                .collect();
            let actual: Vec<f32> = y.iter().skip(c).step_by(2).copied().collect();
            assert_close(
                &actual,
                &expected,
                1e-4,
                &format!("masked {masked}, channel {c}"),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Parameters and initializers.

fn params_of(block: &Block) -> usize {
    match block {
        Block::Embedding(b) => b.num_params(),
        Block::Conv1d(b) => b.num_params(),
        Block::Lstm(b) => b.num_params(),
        Block::Gru(b) => b.num_params(),
        Block::Dense(b) => b.num_params(),
        Block::Reduce(b) => b.num_params(),
        Block::MaxPooling1d(b) => b.num_params(),
        other => panic!("not counted here: {other:?}"),
    }
}

#[test]
fn parameter_counts_are_keras_formulas() {
    let (v, d, k, f, u) = (VOCABULARY, 5, 3, 4, 6);
    let conv = |filters| {
        Layer::Conv1d(ir::Conv1d {
            filters,
            kernel_size: k,
            activation: Activation::Relu,
            padding: ConvPadding::Same,
            strides: 1,
        })
    };
    let recurrent = |units, return_sequences| Recurrent {
        units,
        return_sequences,
    };
    let m = model(vec![
        embedding(d, true),
        conv(f),
        Layer::MaxPooling1d(ir::MaxPooling1d {
            pool_size: 2,
            strides: 2,
            padding: ConvPadding::Valid,
        }),
        Layer::Lstm(recurrent(u, true)),
        Layer::Gru(recurrent(u + 1, false)),
        dense(1, Activation::Sigmoid),
    ]);
    let network = lower::lower(&m, 0, &device());
    let counts: Vec<usize> = network.blocks.iter().map(params_of).collect();
    let (c, u2) = (f, u + 1);
    assert_eq!(
        counts,
        vec![
            v * d,
            k * d * f + f,
            0,
            4 * (c * u + u * u + u),
            3 * (u * u2 + u2 * u2 + 2 * u2),
            u2 + 1,
        ]
    );
}

#[test]
fn initial_weights_follow_keras_initializers() {
    let (d, u) = (8, 5);
    let m = model(vec![
        embedding(d, false),
        Layer::Conv1d(ir::Conv1d {
            filters: 6,
            kernel_size: 3,
            activation: Activation::Relu,
            padding: ConvPadding::Valid,
            strides: 1,
        }),
        Layer::Lstm(Recurrent {
            units: u,
            return_sequences: true,
        }),
        Layer::Gru(Recurrent {
            units: u,
            return_sequences: false,
        }),
        dense(1, Activation::Sigmoid),
    ]);
    let network = lower::lower(&m, 11, &device());
    let [Block::Embedding(e), Block::Conv1d(conv), Block::Lstm(lstm), Block::Gru(gru), _] =
        &network.blocks[..]
    else {
        panic!("five blocks")
    };
    let table = floats(e.table.val());
    assert!(table.iter().all(|w| w.abs() <= 0.05), "uniform ±0.05");
    assert!(
        table.iter().any(|w| w.abs() > 0.04),
        "spread over the range"
    );
    // Glorot with Keras's fans for a kernel of 3 steps: in 3·8, out 3·6.
    let limit = (6.0f32 / (3.0 * 8.0 + 3.0 * 6.0)).sqrt();
    let kernel = floats(conv.kernel.val());
    assert!(kernel.iter().all(|w| w.abs() <= limit));
    assert!(kernel.iter().any(|w| w.abs() > 0.9 * limit));
    assert!(floats(conv.bias.val()).iter().all(|b| *b == 0.0));
    // LSTM: unit_forget_bias.
    let bias = floats(lstm.bias.val());
    let expected: Vec<f32> = (0..4 * u)
        .map(|j| if (u..2 * u).contains(&j) { 1.0 } else { 0.0 })
        .collect();
    assert_eq!(bias, expected);
    assert!(floats(gru.bias.val()).iter().all(|b| *b == 0.0));
    // Orthogonal recurrent kernels `[U, g·U]`: orthonormal rows, R · Rᵀ = I.
    for (name, recurrent, gates) in [
        ("lstm", lstm.recurrent.val(), 4),
        ("gru", gru.recurrent.val(), 3),
    ] {
        let r = floats(recurrent);
        let cols = gates * u;
        for i in 0..u {
            for j in 0..u {
                let dot: f64 = (0..cols)
                    .map(|c| r[i * cols + c] as f64 * r[j * cols + c] as f64)
                    .sum();
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((dot - want).abs() < 1e-5, "{name}: row {i}·row {j} = {dot}");
            }
        }
    }
    // Seeded: the same seed gives the same weights, another seed others.
    let again = lower::lower(&m, 11, &device());
    let other = lower::lower(&m, 12, &device());
    let first_table = |n: &lower::Network| match &n.blocks[0] {
        Block::Embedding(e) => floats(e.table.val()),
        _ => unreachable!(),
    };
    assert_eq!(first_table(&again), table);
    assert_ne!(first_table(&other), table);
}

// ---------------------------------------------------------------------------------------
// Training.

/// Trains `layers` for `epochs` on the fixture; every epoch's values.
fn fit(layers: Vec<Layer>, epochs: usize, lr: f64) -> Vec<Vec<f64>> {
    let data = fixture();
    let m = model(layers);
    let t = training(epochs, lr);
    let mut trainer = Trainer::new(&m, &t, &data, &device(), true);
    (1..=epochs)
        .map(|e| {
            trainer
                .epoch(e, &mut |_, _, _| true)
                .expect("trains")
                .values
        })
        .collect()
}

/// The training loss fell by a fifth and the validation accuracy beat chance.
fn assert_learns(history: &[Vec<f64>], what: &str) {
    let (first, last) = (&history[0], history.last().unwrap());
    assert!(
        last[0] < 0.8 * first[0],
        "{what}: loss {first:?} → {last:?}"
    );
    assert!(last[3] > 0.6, "{what}: validation accuracy {last:?}");
    assert!(history.iter().flatten().all(|v| v.is_finite()), "{what}");
}

#[test]
fn an_embedding_and_average_pooling_model_learns() {
    let history = fit(
        vec![
            embedding(8, false),
            Layer::GlobalAveragePooling,
            dense(8, Activation::Relu),
            dense(1, Activation::Sigmoid),
        ],
        30,
        0.02,
    );
    assert_learns(&history, "embedding → pooling");
}

#[test]
fn a_conv1d_model_learns() {
    let history = fit(
        vec![
            embedding(8, false),
            Layer::Conv1d(ir::Conv1d {
                filters: 8,
                kernel_size: 3,
                activation: Activation::Relu,
                padding: ConvPadding::Same,
                strides: 1,
            }),
            Layer::MaxPooling1d(ir::MaxPooling1d {
                pool_size: 2,
                strides: 2,
                padding: ConvPadding::Valid,
            }),
            Layer::GlobalAveragePooling,
            dense(1, Activation::Sigmoid),
        ],
        30,
        0.02,
    );
    assert_learns(&history, "conv1d");
}

#[test]
fn an_lstm_model_learns() {
    let history = fit(
        vec![
            embedding(8, true),
            Layer::Lstm(Recurrent {
                units: 8,
                return_sequences: false,
            }),
            dense(1, Activation::Sigmoid),
        ],
        30,
        0.02,
    );
    assert_learns(&history, "lstm");
}

/// Stops training after `stop_after` batches (never, with `usize::MAX`).
struct StopAfter {
    batches: usize,
    stop_after: usize,
}

impl Progress for StopAfter {
    fn start(&mut self, _epochs: usize, _batches: usize, _done: usize) {}
    fn batch(&mut self, _epoch: usize, _batch: usize, _loss: f64) -> bool {
        self.batches += 1;
        self.batches < self.stop_after
    }
    fn epoch(&mut self, _line: &str) {}
    fn note(&mut self, _text: &str) {}
    fn finish(&mut self) {}
}

fn history(outcome: Outcome) -> History {
    match outcome {
        Outcome::Trained { history, .. } => history,
        other => panic!("expected a finished training, got {other:?}"),
    }
}

#[test]
fn an_interrupted_sequence_training_resumes_to_the_same_history() {
    // Every new module's weights (embedding, convolution, LSTM, GRU) and batch norm's
    // moving statistics must be in the checkpoint, with the optimizer's state for them.
    let m = model(vec![
        embedding(6, true),
        Layer::Dropout { rate: 0.2 },
        Layer::BatchNorm(ir::BatchNorm {
            momentum: 0.9,
            epsilon: 1e-3,
            center: true,
            scale: true,
        }),
        Layer::Conv1d(ir::Conv1d {
            filters: 4,
            kernel_size: 2,
            activation: Activation::Tanh,
            padding: ConvPadding::Same,
            strides: 1,
        }),
        Layer::Lstm(Recurrent {
            units: 4,
            return_sequences: true,
        }),
        Layer::Gru(Recurrent {
            units: 3,
            return_sequences: false,
        }),
        dense(1, Activation::Sigmoid),
    ]);
    let t = training(4, 0.01);
    let data = fixture();
    let run = |folder: &ModelFolder, stop_after: usize| {
        let mut progress = StopAfter {
            batches: 0,
            stop_after,
        };
        train::train(
            &m,
            &t,
            &data,
            folder,
            train::Options::default(),
            &mut progress,
        )
        .expect("trains")
    };
    let whole = tempfile::tempdir().unwrap();
    let uninterrupted = history(run(
        &ModelFolder::new(whole.path().to_path_buf()),
        usize::MAX,
    ));
    let split = tempfile::tempdir().unwrap();
    let folder = ModelFolder::new(split.path().to_path_buf());
    // 5 batches an epoch: stop in the middle of the third epoch.
    assert_eq!(run(&folder, 13), Outcome::Interrupted { epochs: 2 });
    let resumed = run(&folder, usize::MAX);
    let Outcome::Trained { resumed_after, .. } = &resumed else {
        panic!("{resumed:?}")
    };
    assert_eq!(*resumed_after, Some(2));
    let values = |h: &History| -> Vec<Vec<u64>> {
        h.epochs
            .iter()
            .map(|e| e.values.iter().map(|v| v.to_bits()).collect())
            .collect()
    };
    assert_eq!(values(&history(resumed)), values(&uninterrupted));
    // The final weights are the same file.
    let weights = |dir: &std::path::Path| std::fs::read(dir.join("weights.bpk")).unwrap();
    assert_eq!(weights(split.path()).len(), weights(whole.path()).len());
}
