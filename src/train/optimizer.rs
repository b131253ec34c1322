//! The IR's optimizers as burn's, with Keras's hyper-parameters, and as the gathered
//! first layer's fused update, which computes what burn's would.

use crate::ir::Optimizer;
use crate::lower::sparse::Rule;
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

/// The gathered first layer's update for `optimizer`: the settings [`build`] gives burn's
/// optimizer, converted to `f32` as burn converts them.
pub fn rule(optimizer: &Optimizer) -> Rule {
    match *optimizer {
        Optimizer::Adam {
            lr,
            beta_1,
            beta_2,
            epsilon,
        } => Rule::Adam {
            lr,
            beta_1: beta_1 as f32,
            beta_2: beta_2 as f32,
            epsilon: epsilon as f32,
        },
        Optimizer::Sgd {
            lr,
            momentum,
            nesterov,
        } => Rule::Sgd {
            lr,
            momentum,
            nesterov,
        },
        Optimizer::Rmsprop {
            lr,
            rho,
            momentum,
            epsilon,
        } => Rule::RmsProp {
            lr,
            rho: rho as f32,
            momentum: momentum as f32,
            epsilon: epsilon as f32,
        },
    }
}
