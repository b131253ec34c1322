//! Every activation against Keras's definition (`keras.activations`), written out in f64 on
//! fixed numbers, and its gradient finite and right where the function saturates, on both
//! backends.

use burn::tensor::{Tensor, TensorData};
use ofit::ir::Activation;
use ofit::lower::{apply, Backend};

const XS: [f32; 11] = [
    -30.0, -3.0, -1.0, -0.5, -1e-3, 0.0, 1e-3, 0.5, 1.0, 3.0, 30.0,
];

/// erf by its Taylor series, which converges to f64 precision for |z| ≤ 3; erf(z) is ±1 to
/// f64 precision beyond 6, and no point of `XS` falls in between.
fn erf(z: f64) -> f64 {
    if z.abs() > 6.0 {
        return z.signum();
    }
    let (mut term, mut sum) = (z, z);
    for n in 1..200 {
        term *= -z * z / n as f64;
        sum += term / (2 * n + 1) as f64;
    }
    sum * 2.0 / std::f64::consts::PI.sqrt()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Keras 3's definitions, with its defaults (`elu` α = 1, `leaky_relu` slope 0.2, `gelu`
/// exact, `selu`'s constants from `keras.ops.selu`).
fn keras(activation: Activation, x: f64) -> f64 {
    let elu = |x: f64, alpha: f64| if x > 0.0 { x } else { alpha * (x.exp() - 1.0) };
    match activation {
        Activation::Relu => x.max(0.0),
        Activation::Sigmoid => sigmoid(x),
        Activation::Tanh => x.tanh(),
        Activation::Linear => x,
        Activation::Elu => elu(x, 1.0),
        Activation::Selu => 1.050_700_987_355_480_5 * elu(x, 1.673_263_242_354_377_3),
        Activation::Gelu => 0.5 * x * (1.0 + erf(x / std::f64::consts::SQRT_2)),
        Activation::Softplus => x.max(0.0) + (-x.abs()).exp().ln_1p(),
        Activation::LeakyRelu => {
            if x >= 0.0 {
                x
            } else {
                0.2 * x
            }
        }
        Activation::Swish => x * sigmoid(x),
        Activation::Softmax => unreachable!("softmax is over the units, tested in measure"),
    }
}

/// The derivative of Keras's definition, by a central difference in f64.
fn slope(activation: Activation, x: f64) -> f64 {
    let h = 1e-6;
    (keras(activation, x + h) - keras(activation, x - h)) / (2.0 * h)
}

/// The gradient of Σ activation(x) at `xs`.
fn gradient(activation: Activation, xs: &[f32], device: &burn::tensor::Device) -> Vec<f32> {
    let x = Tensor::<1>::from_data(TensorData::new(xs.to_vec(), [xs.len()]), device).require_grad();
    let grads = apply(activation, x.clone()).sum().backward();
    x.grad(&grads)
        .unwrap()
        .into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .unwrap()
}

fn elementwise() -> impl Iterator<Item = Activation> {
    Activation::ALL
        .into_iter()
        .filter(|a| *a != Activation::Softmax)
}

#[test]
fn every_activation_is_kerass_function() {
    for backend in [Backend::NdArray, Backend::Flex] {
        let device = backend.device();
        for activation in elementwise() {
            let x = Tensor::<1>::from_data(TensorData::new(XS.to_vec(), [XS.len()]), &device);
            let y: Vec<f32> = apply(activation, x)
                .into_data()
                .convert::<f32>()
                .try_to_vec::<f32>()
                .unwrap();
            for (&x, &y) in XS.iter().zip(&y) {
                let expected = keras(activation, x as f64);
                assert!(
                    (y as f64 - expected).abs() <= 2e-6 * expected.abs().max(1.0),
                    "{backend:?} {}({x}) = {y}, Keras {expected}",
                    activation.name()
                );
            }
        }
    }
}

#[test]
fn every_activation_has_its_gradient_and_no_nan_where_it_saturates() {
    for backend in [Backend::NdArray, Backend::Flex] {
        let device = backend.device();
        for activation in elementwise() {
            let grad = gradient(activation, &XS, &device);
            for (&x, &g) in XS.iter().zip(&grad) {
                // At 0 relu, leaky_relu and selu have a kink, where any value between the two
                // sides' slopes is a subgradient (TensorFlow takes one side's).
                if x == 0.0
                    && matches!(
                        activation,
                        Activation::Relu | Activation::LeakyRelu | Activation::Selu
                    )
                {
                    let (left, right) = (slope(activation, -1e-5), slope(activation, 1e-5));
                    assert!(
                        (left.min(right) - 1e-3..=left.max(right) + 1e-3).contains(&(g as f64)),
                        "{backend:?} {}'(0) = {g}, not between {left} and {right}",
                        activation.name()
                    );
                    continue;
                }
                let expected = slope(activation, x as f64);
                assert!(
                    g.is_finite() && (g as f64 - expected).abs() <= 1e-4 * expected.abs().max(1.0),
                    "{backend:?} {}'({x}) = {g}, Keras {expected}",
                    activation.name()
                );
            }
        }
    }
}

#[test]
fn a_large_input_gives_elu_and_selu_a_finite_gradient() {
    // exp(100) overflows f32: taking it of every element and masking afterwards would make
    // the gradient 0 · ∞ = NaN.
    let device = Backend::NdArray.device();
    for activation in [Activation::Elu, Activation::Selu] {
        let grad = gradient(activation, &[100.0, -100.0], &device);
        assert!(grad.iter().all(|g| g.is_finite()), "{grad:?}");
    }
}
