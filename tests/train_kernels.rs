//! The gather form of a first dense layer on multi-hot input (`lower::sparse`) against
//! burn's own dense layer: the same outputs, the same gradients as autodiff, and the fused
//! step of every optimizer the same weights as burn's optimizer; a batch the layer cannot
//! read is refused. The same for an embedding followed by global average pooling, a
//! gather on weighted rows, against burn's embedding then a (masked) mean.

use burn::module::Param;
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Int, Tensor, TensorData};
use ofit::data::MultiHot;
use ofit::ir::{Optimizer, Regularizer};
use ofit::lower::bag::{self, BagError, Bags};
use ofit::lower::sparse::{Rows, Rule, SparseDense};
use ofit::train::optimizer;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;

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

/// Keras's Adam, with a larger learning rate.
const ADAM: Rule = Rule::Adam {
    lr: 0.01,
    beta_1: 0.9,
    beta_2: 0.999,
    epsilon: 1e-7,
};

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
    let layer = SparseDense::new(WIDTH, UNITS, weight.clone(), bias.clone(), ADAM);
    let gathered = layer.forward(Rows::from(&x));
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
    let no_bias = SparseDense::new(WIDTH, UNITS, weight.clone(), Vec::new(), ADAM);
    let expected: Vec<f32> = gathered
        .iter()
        .enumerate()
        .map(|(i, v)| v - bias[i % UNITS])
        .collect();
    let error = max_abs_diff(&no_bias.forward(Rows::from(&x)), &expected);
    assert!(error <= 1e-5, "without bias: {error}");
}

#[test]
fn the_gather_gradients_equal_autodiff() {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let x = batch(&mut rng, ROWS, WIDTH);
    let weight = uniform(&mut rng, WIDTH * UNITS, 0.1);
    let bias = uniform(&mut rng, UNITS, 0.1);
    let upstream = uniform(&mut rng, ROWS * UNITS, 1.0);

    let mut layer = SparseDense::new(WIDTH, UNITS, weight.clone(), bias.clone(), ADAM);
    layer.backward(Rows::from(&x), &upstream);

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
    layer.backward(Rows::from(&x), &upstream);
    let doubled: Vec<f32> = grad_w.iter().map(|g| 2.0 * g).collect();
    let error = relative_error(layer.grad_weight(), &doubled);
    assert!(error <= 1e-5, "accumulated kernel gradient: {error}");
}

/// Every optimizer ofit has, with Keras's defaults (larger learning rates, so that a step
/// moves the weights well beyond rounding).
fn optimizers() -> Vec<(&'static str, Optimizer)> {
    let sgd = |momentum, nesterov| Optimizer::Sgd {
        lr: 0.05,
        momentum,
        nesterov,
    };
    let rmsprop = |momentum| Optimizer::Rmsprop {
        lr: 0.01,
        rho: 0.9,
        momentum,
        epsilon: 1e-7,
    };
    vec![
        (
            "adam",
            Optimizer::Adam {
                lr: 0.01,
                beta_1: 0.9,
                beta_2: 0.999,
                epsilon: 1e-7,
            },
        ),
        ("sgd", sgd(0.0, false)),
        ("sgd with momentum", sgd(0.9, false)),
        ("sgd with nesterov momentum", sgd(0.9, true)),
        ("rmsprop", rmsprop(0.0)),
        ("rmsprop with momentum", rmsprop(0.9)),
    ]
}

/// An L1 and L2 penalty.
const PENALTY: Regularizer = Regularizer {
    l1: 0.001,
    l2: 0.01,
};

#[test]
fn the_fused_step_of_every_optimizer_equals_burns_optimizer_on_the_dense_layer() {
    let mut rng = ChaCha8Rng::seed_from_u64(43);
    for (name, optimizer) in optimizers() {
        for regularizer in [None, Some(PENALTY)] {
            // Tiles of every width: 24 = 16 + 8, 45 = 32 + 8 + 4 + 1.
            for units in [1, 24, 45] {
                let case = format!("{name}, {units} units, penalty {regularizer:?}");
                fused_equals_burn(&mut rng, &optimizer, regularizer, units, &case);
            }
        }
    }
}

/// Three steps of the gathered layer and of burn's optimizer on a dense `Linear` with the
/// same weights, the same batches and the same output gradients (autodiff giving burn the
/// penalty's gradient), compared after each step.
fn fused_equals_burn(
    rng: &mut ChaCha8Rng,
    optimizer: &Optimizer,
    regularizer: Option<Regularizer>,
    units: usize,
    case: &str,
) {
    const INPUTS: usize = 200;
    const ROWS: usize = 24;
    let device = ofit::lower::Backend::default().device();
    let weight = uniform(rng, INPUTS * units, 0.5);
    let bias = uniform(rng, units, 0.5);
    let rule = optimizer::rule(optimizer);
    let mut layer = SparseDense::new(INPUTS, units, weight.clone(), bias.clone(), rule);
    let mut linear: Linear = LinearConfig::new(INPUTS, units).init(&device);
    linear.weight = Param::from_tensor(matrix(weight, INPUTS, units, &device));
    linear.bias = Some(Param::from_tensor(vector(bias, &device)));
    let mut burn = optimizer::build(optimizer);
    let lr = match *optimizer {
        Optimizer::Adam { lr, .. } | Optimizer::Sgd { lr, .. } | Optimizer::Rmsprop { lr, .. } => {
            lr
        }
    };
    let keeps_moving = match rule {
        Rule::Adam { .. } => true,
        Rule::Sgd { momentum, .. } => momentum > 0.0,
        Rule::RmsProp { momentum, .. } => momentum > 0.0,
    };
    let mut seen = HashSet::new();
    let all: Vec<usize> = (0..ROWS).collect();
    for step in 1..=3 {
        // Up to 60 ids a row out of 200: some weights get no gradient from the batch, and
        // must still take burn's step (momentum, the penalty).
        let x = batch(rng, ROWS, INPUTS);
        let upstream = uniform(rng, ROWS * units, [1.0, 0.01, 3.0][step - 1]);

        let w = matrix(values(linear.weight.val()), INPUTS, units, &device).require_grad();
        let b = vector(values(linear.bias.as_ref().unwrap().val()), &device).require_grad();
        let out = matrix(x.dense(&all), ROWS, INPUTS, &device).matmul(w.clone())
            + b.clone().unsqueeze::<2>();
        let mut loss = (out * matrix(upstream.clone(), ROWS, units, &device)).sum();
        if let Some(r) = regularizer {
            for p in [w.clone().reshape([-1]), b.clone()] {
                loss = loss + p.clone().powi_scalar(2).sum().mul_scalar(r.l2);
                loss = loss + p.abs().sum().mul_scalar(r.l1);
            }
        }
        let grads = loss.backward();
        let grad_w = values(w.grad(&grads).expect("W has a gradient"));
        let grad_b = values(b.grad(&grads).expect("b has a gradient"));
        let mut params = GradientsParams::new();
        params.register(
            linear.weight.id,
            matrix(grad_w, INPUTS, units, &device).inner(),
        );
        params.register(
            linear.bias.as_ref().unwrap().id,
            vector(grad_b, &device).inner(),
        );
        let before = layer.weight.clone();
        linear = burn.step(lr, linear, params);
        layer.step(Rows::from(&x), &upstream, regularizer, regularizer);

        let burn_weight = values(linear.weight.val());
        let burn_bias = values(linear.bias.as_ref().unwrap().val());
        let moved = max_abs_diff(&before, &burn_weight);
        assert!(moved > 1e-3, "{case}, step {step}: burn moved {moved}");
        let error = relative_error(&layer.weight, &burn_weight);
        assert!(error <= 1e-6, "{case}, step {step}: kernel error {error}");
        let error = relative_error(&layer.bias, &burn_bias);
        assert!(error <= 1e-6, "{case}, step {step}: bias error {error}");
        // With momentum, a weight whose id had a gradient before but is in no row of this
        // batch moves too, as in burn.
        let present: HashSet<u32> = x.ids.iter().copied().collect();
        if let Some(id) = seen.difference(&present).next().filter(|_| keeps_moving) {
            let row = *id as usize * units..(*id as usize + 1) * units;
            assert_ne!(&layer.weight[row.clone()], &before[row], "{case}: id {id}");
        }
        seen.extend(present);
    }
    assert_eq!(layer.steps, 3);
    assert_eq!(layer.state().len(), rule.slots(), "{case}");
}

#[test]
fn the_fused_step_equals_the_scatter_then_the_optimizer_step_bit_for_bit() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(99);
    for (name, optimizer) in optimizers() {
        // Tiles of every width: 24 = 16 + 8, 45 = 32 + 8 + 4 + 1.
        for units in [1, 24, 45] {
            fused_equals_apart(&mut rng, optimizer::rule(&optimizer), units, name);
        }
    }
}

fn fused_equals_apart(rng: &mut ChaCha8Rng, rule: Rule, units: usize, name: &str) {
    let (inputs, rows) = (300, 40);
    let weight: Vec<f32> = (0..inputs * units)
        .map(|_| rng.random_range(-0.1..0.1))
        .collect();
    let bias: Vec<f32> = (0..units).map(|_| rng.random_range(-0.1..0.1)).collect();
    let batch = batch(rng, rows, inputs);
    let l2 = Some(Regularizer {
        l1: 0.0001,
        l2: 0.001,
    });
    let mut fused = SparseDense::new(inputs, units, weight.clone(), bias.clone(), rule);
    let mut apart = SparseDense::new(inputs, units, weight, bias, rule);
    for _ in 0..3 {
        let grad_out: Vec<f32> = (0..rows * units)
            .map(|_| rng.random_range(-1.0..1.0))
            .collect();
        let p1 = fused.step(Rows::from(&batch), &grad_out, l2, l2);
        apart.backward(Rows::from(&batch), &grad_out);
        let p2 = apart.optimizer_step(l2, l2);
        assert_eq!(p1, p2, "{name}, {units} units");
        assert_eq!(fused, apart, "{name}, {units} units");
    }
}

/// The message of the panic `f` raises, or `None` if it returns.
fn panic_message(f: impl FnOnce()) -> Option<String> {
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).err()?;
    caught
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| caught.downcast_ref::<&str>().map(|s| s.to_string()))
}

#[test]
fn a_batch_the_layer_cannot_read_is_refused_before_anything_is_written() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (inputs, units) = (50, 3);
    let weight = uniform(&mut rng, inputs * units, 0.1);
    let fresh = SparseDense::new(inputs, units, weight, vec![0.0; units], ADAM);
    let mut layer = fresh.clone();
    let grad = vec![1.0f32; 2 * units];
    let offsets = [0, 2, 3];

    // An id beyond the kernel: refused by every entry point, the layer untouched.
    let ids = [1, 50, 7];
    let bad = Rows {
        width: inputs,
        offsets: &offsets,
        ids: &ids,
        weights: None,
    };
    let expected = "id 50 in a batch given to a gathered layer of 50 inputs";
    for message in [
        panic_message(|| {
            layer.forward(bad);
        }),
        panic_message(|| layer.backward(bad, &grad)),
        panic_message(|| {
            layer.step(bad, &grad, None, None);
        }),
    ] {
        assert_eq!(message.as_deref(), Some(expected));
    }
    assert_eq!(layer, fresh);

    let ids = [1, 49, 7];
    let good = Rows {
        width: inputs,
        offsets: &offsets,
        ids: &ids,
        weights: None,
    };
    // An output gradient shorter than rows × units.
    let message = panic_message(|| layer.backward(good, &grad[1..])).unwrap();
    assert_eq!(
        message,
        "an output gradient of 5 floats for 2 rows of 3 units"
    );
    // A batch of another width.
    let message = panic_message(|| {
        layer.forward(Rows { width: 51, ..good });
    })
    .unwrap();
    assert!(message.contains("a batch of width 51"), "{message}");
    // Offsets past the ids, or decreasing.
    for offsets in [&[0, 2, 4][..], &[0, 3, 2], &[1, 2, 3]] {
        let message = panic_message(|| {
            layer.forward(Rows { offsets, ..good });
        })
        .unwrap();
        assert!(message.contains("row offsets"), "{message}");
    }
    assert_eq!(layer, fresh);

    // The same batch, well formed, is taken.
    assert_eq!(panic_message(|| layer.backward(good, &grad)), None);
    assert_ne!(layer.grad_weight(), fresh.grad_weight());

    // A kernel replaced by one of another shape (the fields are public) is refused, even
    // where it matches `inputs × units` again.
    let mut replaced = fresh.clone();
    replaced.inputs = 60;
    replaced.weight = vec![0.0; 60 * units];
    let message = panic_message(|| {
        replaced.optimizer_step(None, None);
    })
    .unwrap();
    assert!(message.contains("another shape"), "{message}");
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
        let layer = SparseDense::new(WIDTH, units, weight.clone(), bias.clone(), ADAM);
        assert_eq!(
            layer.forward(Rows::from(&x)),
            naive_gather(&x, &weight, &bias, units),
            "{units} units"
        );
        let no_bias = SparseDense::new(WIDTH, units, weight.clone(), Vec::new(), ADAM);
        assert_eq!(
            no_bias.forward(Rows::from(&x)),
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

// ---------------------------------------------------------------------------------------
// An embedding followed by global average pooling (`lower::bag`), against burn's
// embedding then a mean (or masked mean) over the steps.

/// `rows` rows of `length` ids below `vocabulary`, padded post with 0 as
/// `pad_sequences` pads: the first row all padding (a review of no words), the second
/// full, the others of random lengths; ids Zipf-ish (small ids frequent), so rows repeat
/// ids, and some rows hold id 0 as a word.
fn sequences(rng: &mut ChaCha8Rng, rows: usize, length: usize, vocabulary: usize) -> Vec<u32> {
    let mut ids = Vec::with_capacity(rows * length);
    for r in 0..rows {
        let words = match r {
            0 => 0,
            1 => length,
            _ => rng.random_range(1..=length),
        };
        for _ in 0..words {
            let u: f64 = rng.random_range(0.0..1.0);
            ids.push(((vocabulary as f64).powf(u) as u32).min(vocabulary as u32 - 1));
        }
        ids.extend(std::iter::repeat_n(0, length - words));
    }
    ids
}

/// burn's composition: `Embedding` (its forward, `module::embedding`) then a mean over
/// the steps, or with `mask_zero` the sum of the unmasked steps over their number, as
/// Keras's `GlobalAveragePooling1D` computes it.
fn burn_pooled(table: Tensor<2>, ids: &[u32], length: usize, mask_zero: bool) -> Tensor<2> {
    let device = table.device();
    let [_, dim] = table.dims();
    let rows = ids.len() / length;
    let indices: Vec<i64> = ids.iter().map(|&i| i64::from(i)).collect();
    let indices = Tensor::<2, Int>::from_data(TensorData::new(indices, [rows, length]), &device);
    let embedded = burn::tensor::module::embedding(table, indices);
    if !mask_zero {
        return embedded.mean_dim(1).reshape([rows, dim]);
    }
    let mask: Vec<f32> = ids.iter().map(|&i| f32::from(u8::from(i != 0))).collect();
    let mask = matrix(mask, rows, length, &device).unsqueeze_dim::<3>(2);
    let sums = (embedded * mask.clone()).sum_dim(1).reshape([rows, dim]);
    sums / mask.sum_dim(1).reshape([rows, 1])
}

#[test]
fn bags_count_each_rows_distinct_ids_over_its_length_or_its_unmasked_steps() {
    let ids = [3, 1, 3, 0, 0, 0, 0, 0, 0, 0];
    let bags = Bags::new(&ids, 5, 4, false).unwrap();
    assert_eq!(bags.rows(), 2);
    assert_eq!(bags.row(0), (&[0, 1, 3][..], &[0.4, 0.2, 0.4][..]));
    // Padding is a word like any other without a mask.
    assert_eq!(bags.row(1), (&[0][..], &[1.0][..]));
    let masked = Bags::new(&ids, 5, 4, true).unwrap();
    assert_eq!(masked.row(0), (&[1, 3][..], &[1.0 / 3.0, 2.0 / 3.0][..]));
    assert_eq!(masked.row(1), (&[][..], &[][..]));
    // A batch selects rows in the given order.
    let mut batch = Bags::default();
    masked.select_into(&[1, 0, 0], &mut batch);
    assert_eq!(batch.rows(), 3);
    assert_eq!(batch.row(2), masked.row(0));
    assert_eq!(batch.row(0), masked.row(1));
}

#[test]
fn the_pooled_gather_equals_burns_embedding_then_mean() {
    let mut rng = ChaCha8Rng::seed_from_u64(44);
    let device = ofit::lower::Backend::default().device();
    let (vocabulary, rows, length) = (300, 32, 40);
    // 16 the tutorial's (registers), 5 odd tiles, 40 the wide path.
    for dim in [16, 5, 40] {
        for mask_zero in [false, true] {
            let case = format!("dim {dim}, mask_zero {mask_zero}");
            let ids = sequences(&mut rng, rows, length, vocabulary);
            let table = bag::embedding_init(vocabulary, dim, &mut rng);
            let bags = Bags::new(&ids, length, vocabulary, mask_zero).unwrap();
            let mut layer = SparseDense::new(vocabulary, dim, table.clone(), Vec::new(), ADAM);
            let pooled = bags.pool(&layer);

            let w = matrix(table, vocabulary, dim, &device).require_grad();
            let out = burn_pooled(w.clone(), &ids, length, mask_zero);
            let expected = values(out.clone());
            if mask_zero {
                // The all-padding row is Keras's 0 / 0, in both.
                assert!(pooled[..dim].iter().all(|v| v.is_nan()), "{case}");
                assert!(expected[..dim].iter().all(|v| v.is_nan()), "{case}");
            }
            let from = if mask_zero { dim } else { 0 };
            let error = max_abs_diff(&pooled[from..], &expected[from..]);
            assert!(error <= 1e-5, "{case}: max |pooled - burn| = {error}");
            assert!(expected[from..].iter().any(|v| v.abs() > 1e-3), "{case}");

            // Gradients of `Σ out · G` (the NaN row excluded: burn's 0 / 0 sends NaN into
            // the table, Keras's `where` sends nothing).
            let mut upstream = uniform(&mut rng, rows * dim, 1.0);
            let first = usize::from(mask_zero);
            upstream[..first * dim].fill(0.0);
            let kept = out.slice([first..rows, 0..dim]);
            let loss =
                (kept * matrix(upstream[first * dim..].to_vec(), rows - first, dim, &device)).sum();
            let grads = loss.backward();
            let expected = values(w.grad(&grads).expect("the table has a gradient"));
            layer.backward(bags.as_rows(), &upstream);
            let error = relative_error(layer.grad_weight(), &expected);
            assert!(error <= 1e-5, "{case}: gradient error {error}");
            assert!(expected.iter().any(|v| v.abs() > 1e-3), "{case}");
        }
    }
}

#[test]
fn an_all_padding_row_under_mask_zero_moves_no_table_row() {
    let ids = [0u32; 6];
    let bags = Bags::new(&ids, 6, 10, true).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(45);
    let table = uniform(&mut rng, 10 * 4, 0.05);
    let mut layer = SparseDense::new(10, 4, table, Vec::new(), ADAM);
    assert!(bags.pool(&layer).iter().all(|v| v.is_nan()));
    layer.backward(bags.as_rows(), &[1.0; 4]);
    assert!(layer.grad_weight().iter().all(|&g| g == 0.0));
}

#[test]
fn the_pooled_gathers_fused_step_equals_burns_optimizer_on_the_embedding() {
    let mut rng = ChaCha8Rng::seed_from_u64(46);
    let device = ofit::lower::Backend::default().device();
    let (vocabulary, rows, length) = (120, 16, 24);
    for (name, optimizer) in optimizers() {
        for (dim, mask_zero) in [(16, false), (7, true), (40, false)] {
            let case = format!("{name}, dim {dim}, mask_zero {mask_zero}");
            let table = bag::embedding_init(vocabulary, dim, &mut rng);
            let rule = optimizer::rule(&optimizer);
            let mut layer = SparseDense::new(vocabulary, dim, table.clone(), Vec::new(), rule);
            let mut embedding: Embedding = EmbeddingConfig::new(vocabulary, dim).init(&device);
            embedding.weight = Param::from_tensor(matrix(table, vocabulary, dim, &device));
            let mut burn = optimizer::build(&optimizer);
            let lr = match optimizer {
                Optimizer::Adam { lr, .. }
                | Optimizer::Sgd { lr, .. }
                | Optimizer::Rmsprop { lr, .. } => lr,
            };
            for step in 1..=4 {
                // No all-padding row: its NaN would poison burn's table (see above).
                let mut ids = sequences(&mut rng, rows, length, vocabulary);
                ids[..length].fill(7);
                let bags = Bags::new(&ids, length, vocabulary, mask_zero).unwrap();
                let upstream = uniform(&mut rng, rows * dim, [1.0, 0.01, 3.0, 0.5][step - 1]);
                let w =
                    matrix(values(embedding.weight.val()), vocabulary, dim, &device).require_grad();
                let out = burn_pooled(w.clone(), &ids, length, mask_zero);
                let loss = (out * matrix(upstream.clone(), rows, dim, &device)).sum();
                let grads = loss.backward();
                let grad = values(w.grad(&grads).expect("the table has a gradient"));
                let mut params = GradientsParams::new();
                params.register(
                    embedding.weight.id,
                    matrix(grad, vocabulary, dim, &device).inner(),
                );
                let before = layer.weight.clone();
                embedding = burn.step(lr, embedding, params);
                layer.step(bags.as_rows(), &upstream, None, None);
                let burn_table = values(embedding.weight.val());
                let moved = max_abs_diff(&before, &burn_table);
                assert!(moved > 1e-4, "{case}, step {step}: burn moved {moved}");
                let error = relative_error(&layer.weight, &burn_table);
                assert!(error <= 1e-5, "{case}, step {step}: table error {error}");
            }
        }
    }
}

#[test]
fn rows_of_ids_that_are_not_bags_are_refused() {
    // Ids at or past the vocabulary, and ids that do not make whole rows.
    assert_eq!(
        Bags::new(&[1, 2, 10, 3], 2, 10, false),
        Err(BagError::Id {
            id: 10,
            row: 1,
            step: 0,
            vocabulary: 10
        })
    );
    let error = Bags::new(&[1, 2, 3], 2, 10, true).unwrap_err();
    assert_eq!(error, BagError::Length { ids: 3, length: 2 });
    assert_eq!(
        error.to_string(),
        "3 ids do not make whole rows of length 2"
    );
    assert!(Bags::new(&[1], 0, 10, false).is_err());
    assert_eq!(Bags::new(&[], 0, 10, false).unwrap().rows(), 0);

    // Weighted rows whose weights are not one per id.
    let layer = SparseDense::new(10, 2, vec![0.0; 20], Vec::new(), ADAM);
    let bad = Rows {
        width: 10,
        offsets: &[0, 2],
        ids: &[1, 2],
        weights: Some(&[0.5]),
    };
    let message = panic_message(|| {
        layer.forward(bad);
    })
    .expect("refused");
    assert!(message.contains("2 ids with 1 weights"), "{message}");
    // And an id past a table's rows.
    let bags = Bags::new(&[1, 12], 2, 20, false).unwrap();
    let message = panic_message(|| {
        bags.pool(&layer);
    })
    .expect("refused");
    assert!(message.contains("width 20"), "{message}");
}

#[test]
fn the_embedding_init_is_keras_uniform_and_seeded() {
    let draw = |seed| bag::embedding_init(100, 16, &mut ChaCha8Rng::seed_from_u64(seed));
    let table = draw(3);
    assert_eq!(table.len(), 1600);
    assert!(table
        .iter()
        .all(|v| (-bag::INIT_LIMIT..bag::INIT_LIMIT).contains(v)));
    assert!(table.iter().any(|&v| v < -0.045) && table.iter().any(|&v| v > 0.045));
    assert_eq!(table, draw(3));
    assert_ne!(table, draw(4));
}
