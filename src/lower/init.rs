//! Keras's initializers, drawn from ofit's seeded generator.

use burn::tensor::{Device, Tensor, TensorData};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// `count` values uniform in `[-limit, limit)` (Keras's `RandomUniform(-limit, limit)`).
pub fn uniform(count: usize, limit: f32, rng: &mut ChaCha8Rng) -> Vec<f32> {
    (0..count)
        .map(|_| rng.random_range(-limit..limit))
        .collect()
}

/// `count` values of Keras's `GlorotUniform` for the given fans: uniform in
/// `±sqrt(6 / (fan_in + fan_out))`.
pub fn glorot(fan_in: usize, fan_out: usize, count: usize, rng: &mut ChaCha8Rng) -> Vec<f32> {
    let limit = (6.0 / (fan_in + fan_out) as f64).sqrt() as f32;
    uniform(count, limit, rng)
}

/// A `[rows, cols]` matrix of Keras's `Orthogonal` (gain 1), row-major: the Q factor of a
/// standard normal `[max, min]` matrix, its columns' signs fixed by R's diagonal, and
/// transposed when `rows < cols`. So the rows (or the columns) are orthonormal.
pub fn orthogonal(rows: usize, cols: usize, rng: &mut ChaCha8Rng) -> Vec<f32> {
    let (n, m) = (rows.max(cols), rows.min(cols));
    // `a` is n × m, column-major here: column j is a[j * n..(j + 1) * n].
    let mut a: Vec<f64> = (0..n * m).map(|_| normal(rng)).collect();
    // Modified Gram-Schmidt gives Q with R's diagonal positive, which is what Keras's sign
    // correction `q * sign(diag(r))` makes of any QR.
    for j in 0..m {
        for k in 0..j {
            let (done, rest) = a.split_at_mut(j * n);
            let qk = &done[k * n..(k + 1) * n];
            let col = &mut rest[..n];
            let dot: f64 = qk.iter().zip(col.iter()).map(|(x, y)| x * y).sum();
            col.iter_mut().zip(qk).for_each(|(c, q)| *c -= dot * q);
        }
        let col = &mut a[j * n..(j + 1) * n];
        let norm = col.iter().map(|x| x * x).sum::<f64>().sqrt();
        col.iter_mut().for_each(|c| *c /= norm);
    }
    let mut out = vec![0.0; rows * cols];
    for i in 0..n {
        for j in 0..m {
            let q = a[j * n + i] as f32;
            if rows >= cols {
                out[i * cols + j] = q; // Q is rows × cols
            } else {
                out[j * cols + i] = q; // Qᵀ is rows × cols
            }
        }
    }
    out
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // 1 − u lies in (0, 1], so the logarithm is finite.
    let u: f64 = 1.0 - rng.random::<f64>();
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// `values` as a tensor of `shape`.
pub fn tensor<const D: usize>(values: Vec<f32>, shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::from_data(TensorData::new(values, shape), device)
}
