//! The IR's optimizers as burn's, with Keras's hyper-parameters.

use crate::ir::Optimizer;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, ModuleOptimizer, RmsPropConfig, SgdConfig};

/// burn's optimizer for `optimizer` (the learning rate is given at each step).
pub fn build(optimizer: &Optimizer) -> ModuleOptimizer {
    match *optimizer {
        Optimizer::Adam {
            beta_1,
            beta_2,
            epsilon,
            ..
        } => AdamConfig::new()
            .with_beta_1(beta_1 as f32)
            .with_beta_2(beta_2 as f32)
            .with_epsilon(epsilon as f32)
            .init(),
        Optimizer::Sgd {
            momentum, nesterov, ..
        } => {
            let momentum = (momentum > 0.0).then_some(MomentumConfig {
                momentum,
                // Keras's momentum has no dampening.
                dampening: 0.0,
                nesterov,
            });
            SgdConfig::new().with_momentum(momentum).init()
        }
        Optimizer::Rmsprop {
            rho,
            momentum,
            epsilon,
            ..
        } => RmsPropConfig::new()
            .with_alpha(rho as f32)
            .with_momentum(momentum as f32)
            .with_epsilon(epsilon as f32)
            .init(),
    }
}
