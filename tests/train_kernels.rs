//! The gather form of a first dense layer on multi-hot input (`lower::sparse`) against
//! burn's own dense layer: the same outputs, the same gradients as autodiff, and the fused
//! Adam step the same weights as burn's Adam.

use burn::module::Param;
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use ofit::data::MultiHot;
use ofit::lower::sparse::{Adam, SparseDense};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const ROWS: usize = 64;
const WIDTH: usize = 1000;
const UNITS: usize = 16;

/// `rows` multi-hot rows of `width`: sorted distinct ids, about 30 per row, the first row
/// empty (a review of out-of-vocabulary words only) and the last one full of shared ids.
fn batch(rng: &mut ChaCha8Rng, rows: usize, width: usize) -> MultiHot {
    let mut offsets = vec![0u32];
    let mut ids = Vec::new();
    for r in 0..rows {
        let mut row: Vec<u32> = if r == 0 {
            Vec::new()
        } else if r == rows - 1 {
            (0..60).collect()
        } else {
            let n = rng.random_range(1..=60);
            (0..n).map(|_| rng.random_range(0..width as u32)).collect()
        };
        row.sort_unstable();
        row.dedup();
        ids.extend_from_slice(&row);
        offsets.push(ids.len() as u32);
    }
    MultiHot {
        width,
        offsets,
        ids,
    }
}

fn uniform(rng: &mut ChaCha8Rng, n: usize, limit: f32) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-limit..limit)).collect()
}

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor
        .into_data()
        .try_into_vec::<f32>()
        .expect("f32 tensor")
}

fn matrix(values: Vec<f32>, rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values, [rows, cols]), device)
}

fn vector(values: Vec<f32>, device: &Device) -> Tensor<1> {
    let n = values.len();
    Tensor::from_data(TensorData::new(values, [n]), device)
}

/// `max |a - b|`.
fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "lengths");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// `max |a - b| / max |b|`: the error relative to the size of the expected values.
fn relative_error(a: &[f32], b: &[f32]) -> f32 {
    let scale = b.iter().map(|v| v.abs()).fold(0.0, f32::max).max(1e-6);
    max_abs_diff(a, b) / scale
}

#[test]
fn the_gather_equals_the_dense_layer() {
    let mut rng = ChaCha8Rng::seed_from_u64(41);
    let x = batch(&mut rng, ROWS, WIDTH);
    let weight = uniform(&mut rng, WIDTH * UNITS, 0.1);
    let bias = uniform(&mut rng, UNITS, 0.1);
    let layer = SparseDense::new(WIDTH, UNITS, weight.clone(), bias.clone());
    let gathered = layer.forward(&x);
    assert_eq!(gathered.len(), ROWS * UNITS);

    let device = ofit::lower::Backend::default().device();
    let all: Vec<usize> = (0..ROWS).collect();
    let dense = matrix(x.dense(&all), ROWS, WIDTH, &device).matmul(matrix(
        weight.clone(),
        WIDTH,
        UNITS,
        &device,
    )) + vector(bias.clone(), &device).unsqueeze::<2>();
    let expected = values(dense);
    let error = max_abs_diff(&gathered, &expected);
    assert!(error <= 1e-5, "max |gather - dense| = {error}");
    // The empty row is the bias alone.
    assert_eq!(&gathered[..UNITS], &bias[..]);
    // Not trivially zero.
    assert!(expected.iter().any(|v| v.abs() > 0.05));

    // Without a bias, the sum of the kernel rows alone.
    let no_bias = SparseDense::new(WIDTH, UNITS, weight.clone(), Vec::new());
    let expected: Vec<f32> = gathered
        .iter()
        .enumerate()
        .map(|(i, v)| v - bias[i % UNITS])
        .collect();
    let error = max_abs_diff(&no_bias.forward(&x), &expected);
    assert!(error <= 1e-5, "without bias: {error}");
}

#[test]
fn the_gather_gradients_equal_autodiff() {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let x = batch(&mut rng, ROWS, WIDTH);
    let weight = uniform(&mut rng, WIDTH * UNITS, 0.1);
    let bias = uniform(&mut rng, UNITS, 0.1);
    let upstream = uniform(&mut rng, ROWS * UNITS, 1.0);

    let mut layer = SparseDense::new(WIDTH, UNITS, weight.clone(), bias.clone());
    layer.backward(&x, &upstream);

    let device = ofit::lower::Backend::default().device();
    let all: Vec<usize> = (0..ROWS).collect();
    let w = matrix(weight, WIDTH, UNITS, &device).require_grad();
    let b = vector(bias, &device).require_grad();
    let out =
        matrix(x.dense(&all), ROWS, WIDTH, &device).matmul(w.clone()) + b.clone().unsqueeze::<2>();
    let loss = (out * matrix(upstream.clone(), ROWS, UNITS, &device)).sum();
    let grads = loss.backward();
    let grad_w = values(w.grad(&grads).expect("W has a gradient"));
    let grad_b = values(b.grad(&grads).expect("b has a gradient"));

    let error = relative_error(layer.grad_weight(), &grad_w);
    assert!(error <= 1e-5, "kernel gradient: relative error {error}");
    let error = relative_error(layer.grad_bias(), &grad_b);
    assert!(error <= 1e-5, "bias gradient: relative error {error}");
    // Ids in no row get exactly nothing; the kernel gradient is not all zero.
    let present: std::collections::HashSet<u32> = x.ids.iter().copied().collect();
    for id in 0..WIDTH {
        let row = &layer.grad_weight()[id * UNITS..(id + 1) * UNITS];
        if !present.contains(&(id as u32)) {
            assert!(row.iter().all(|&g| g == 0.0), "id {id} is in no row");
        }
    }
    assert!(layer.grad_weight().iter().any(|g| g.abs() > 0.1));

    // A second batch adds to the gradients (they accumulate until the step).
    layer.backward(&x, &upstream);
    let doubled: Vec<f32> = grad_w.iter().map(|g| 2.0 * g).collect();
    let error = relative_error(layer.grad_weight(), &doubled);
    assert!(error <= 1e-5, "accumulated kernel gradient: {error}");
}

#[test]
fn the_fused_adam_step_equals_burns_adam() {
    const INPUTS: usize = 48;
    const OUT: usize = 8;
    const LR: f64 = 0.01;
    let mut rng = ChaCha8Rng::seed_from_u64(43);
    let weight = uniform(&mut rng, INPUTS * OUT, 0.5);
    let bias = uniform(&mut rng, OUT, 0.5);
    let device = ofit::lower::Backend::default().device();

    let mut layer = SparseDense::new(INPUTS, OUT, weight.clone(), bias.clone());
    let adam = Adam {
        lr: LR,
        beta_1: 0.9,
        beta_2: 0.999,
        epsilon: 1e-7,
    };

    let mut linear: Linear = LinearConfig::new(INPUTS, OUT).init(&device);
    linear.weight = Param::from_tensor(matrix(weight, INPUTS, OUT, &device));
    linear.bias = Some(Param::from_tensor(vector(bias, &device)));
    let mut optimizer = AdamConfig::new().with_epsilon(1e-7).init();

    // Row r holds the single id r: backward then puts row r of grad_out into kernel row r,
    // so the kernel's gradient is exactly the one chosen.
    let identity = MultiHot {
        width: INPUTS,
        offsets: (0..=INPUTS as u32).collect(),
        ids: (0..INPUTS as u32).collect(),
    };
    for step in 1..=3 {
        // Gradients of several sizes, some exactly zero.
        let scale = [1.0, 0.01, 3.0][step - 1];
        let mut gradient = uniform(&mut rng, INPUTS * OUT, scale);
        for g in gradient.iter_mut().step_by(7) {
            *g = 0.0;
        }
        layer.backward(&identity, &gradient);
        assert_eq!(layer.grad_weight(), &gradient[..], "the injected gradient");
        let grad_bias = layer.grad_bias().to_vec();

        let mut grads = GradientsParams::new();
        grads.register(
            linear.weight.id,
            matrix(gradient, INPUTS, OUT, &device).inner(),
        );
        let bias_id = linear.bias.as_ref().unwrap().id;
        grads.register(bias_id, vector(grad_bias, &device).inner());
        linear = optimizer.step(LR, linear, grads);

        let before = layer.weight.clone();
        layer.adam_step(adam, None, None);
        assert!(
            layer.grad_weight().iter().all(|&g| g == 0.0)
                && layer.grad_bias().iter().all(|&g| g == 0.0),
            "the step clears the gradients"
        );
        assert_eq!(layer.steps, step as u32);

        let burn_weight = values(linear.weight.val());
        let burn_bias = values(linear.bias.as_ref().unwrap().val());
        let moved = max_abs_diff(&before, &burn_weight);
        assert!(
            moved > 0.5 * LR as f32,
            "step {step}: burn moved the weights by {moved}"
        );
        let error = relative_error(&layer.weight, &burn_weight);
        assert!(error <= 1e-6, "step {step}: kernel relative error {error}");
        let error = relative_error(&layer.bias, &burn_bias);
        assert!(error <= 1e-6, "step {step}: bias relative error {error}");
    }
}

#[test]
fn the_fused_step_equals_the_scatter_then_the_adam_step_bit_for_bit() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(99);
    // Tiles of every width: 24 = 16 + 8, 45 = 32 + 8 + 4 + 1.
    for units in [1, 24, 45] {
        fused_equals_apart(&mut rng, units);
    }
}

fn fused_equals_apart(rng: &mut ChaCha8Rng, units: usize) {
    use ofit::ir::Regularizer;
    let (inputs, rows) = (300, 40);
    let weight: Vec<f32> = (0..inputs * units)
        .map(|_| rng.random_range(-0.1..0.1))
        .collect();
    let bias: Vec<f32> = (0..units).map(|_| rng.random_range(-0.1..0.1)).collect();
    let mut offsets = vec![0u32];
    let mut ids = Vec::new();
    for _ in 0..rows {
        let mut row: Vec<u32> = (0..20)
            .map(|_| rng.random_range(0..inputs as u32))
            .collect();
        row.sort_unstable();
        row.dedup();
        ids.extend(row);
        offsets.push(ids.len() as u32);
    }
    let batch = ofit::data::MultiHot {
        width: inputs,
        offsets,
        ids,
    };
    let adam = Adam {
        lr: 0.01,
        beta_1: 0.9,
        beta_2: 0.999,
        epsilon: 1e-7,
    };
    let l2 = Some(Regularizer {
        l1: 0.0001,
        l2: 0.001,
    });
    let mut fused = SparseDense::new(inputs, units, weight.clone(), bias.clone());
    let mut apart = SparseDense::new(inputs, units, weight, bias);
    for _ in 0..3 {
        let grad_out: Vec<f32> = (0..rows * units)
            .map(|_| rng.random_range(-1.0..1.0))
            .collect();
        let p1 = fused.step(&batch, &grad_out, adam, l2, l2);
        apart.backward(&batch, &grad_out);
        let p2 = apart.adam_step(adam, l2, l2);
        assert_eq!(p1, p2, "{units} units");
        assert_eq!(fused, apart, "{units} units");
    }
}

/// Each row's bias plus its ids' kernel rows, added one by one in id order: the sum the
/// gather must give bit for bit, whatever its tiling.
fn naive_gather(x: &MultiHot, weight: &[f32], bias: &[f32], units: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(x.rows() * units);
    for r in 0..x.rows() {
        let mut row = if bias.is_empty() {
            vec![0.0f32; units]
        } else {
            bias.to_vec()
        };
        for &id in x.row(r) {
            for (o, w) in row.iter_mut().zip(&weight[id as usize * units..]) {
                *o += w;
            }
        }
        out.extend(row);
    }
    out
}

#[test]
fn the_gather_adds_in_id_order_bit_for_bit_at_every_width() {
    // Widths in registers (1, powers of two, 24 = 16 + 8, 31 = 16 + 8 + 4 + 2 + 1) and
    // in memory (33, 512).
    let mut rng = ChaCha8Rng::seed_from_u64(43);
    let x = batch(&mut rng, ROWS, WIDTH);
    for units in [1, 2, 4, 16, 24, 31, 32, 33, 512] {
        let weight = uniform(&mut rng, WIDTH * units, 0.1);
        let bias = uniform(&mut rng, units, 0.1);
        let layer = SparseDense::new(WIDTH, units, weight.clone(), bias.clone());
        assert_eq!(
            layer.forward(&x),
            naive_gather(&x, &weight, &bias, units),
            "{units} units"
        );
        let no_bias = SparseDense::new(WIDTH, units, weight.clone(), Vec::new());
        assert_eq!(
            no_bias.forward(&x),
            naive_gather(&x, &weight, &[], units),
            "{units} units, no bias"
        );
    }
}

#[test]
fn subnormal_results_flush_to_zero_on_every_training_thread() {
    use rayon::prelude::*;
    let tiny = std::hint::black_box(1e-30f32);
    let scale = std::hint::black_box(1e-10f32);
    ofit::lower::denormals::flush_to_zero();
    assert_eq!(tiny * scale, 0.0, "this thread");
    let products: Vec<f32> = (0..64)
        .into_par_iter()
        .with_max_len(1)
        .map(|_| std::hint::black_box(tiny) * std::hint::black_box(scale))
        .collect();
    assert!(products.iter().all(|&p| p == 0.0), "rayon's threads");
    // Normal results are untouched.
    assert!(tiny * std::hint::black_box(1e-5f32) > 1e-36);
}
