//! A trainer's state after an epoch, copied out of the trainer in memory so that writing it
//! to disk can overlap the next epoch: the bigger tutorial model's checkpoint is 64 MB, and
//! writing it synchronously cost more than a second and a half of a 20-epoch run.
//!
//! A checkpoint directory holds three files: the burn module (`weights.bpk`, with a
//! one-row stand-in for a gathered kernel), burn's optimizer state (`optimizer.bpk`), and,
//! for a gathered first layer, its kernel, bias, Adam moments and step count in one raw
//! little-endian file (`optimizer.gather`).

use crate::lower::sparse::SparseDense;
use burn::optim::OptimizerRecord;
use burn::store::ModuleRecord;
use std::io::{Read, Write};
use std::path::Path;

/// The burn module's weights in a checkpoint directory.
pub const WEIGHTS: &str = "weights.bpk";
/// burn's optimizer state in a checkpoint directory.
pub const OPTIMIZER: &str = "optimizer.bpk";
/// The gathered layer's state in a checkpoint directory.
pub const GATHERED: &str = "optimizer.gather";

/// Everything a checkpoint holds, owned, so that another thread can write it.
pub struct Snapshot {
    weights: ModuleRecord,
    optimizer: OptimizerRecord,
    gathered: Option<Gathered>,
}

/// A gathered layer's parameters and Adam state.
struct Gathered {
    steps: u32,
    /// Kernel, bias, first moments, second moments, in this order.
    floats: [Vec<f32>; 4],
}

impl Snapshot {
    /// A snapshot of a burn module's record, its optimizer's and a gathered layer's state.
    pub fn new(
        weights: ModuleRecord,
        optimizer: OptimizerRecord,
        gathered: Option<&SparseDense>,
    ) -> Self {
        Snapshot {
            weights,
            optimizer,
            gathered: gathered.map(|layer| Gathered {
                steps: layer.steps,
                floats: [
                    layer.weight.clone(),
                    layer.bias.clone(),
                    layer.moment_1.clone(),
                    layer.moment_2.clone(),
                ],
            }),
        }
    }

    /// Writes the checkpoint's files into `dir` (which exists).
    pub fn write(self, dir: &Path) -> Result<(), String> {
        let path = dir.join(WEIGHTS);
        self.weights
            .save(&path)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        let path = dir.join(OPTIMIZER);
        self.optimizer
            .save(&path)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        if let Some(gathered) = self.gathered {
            let path = dir.join(GATHERED);
            gathered
                .write(&path)
                .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        }
        Ok(())
    }
}

impl Gathered {
    fn write(mut self, path: &Path) -> std::io::Result<()> {
        let mut file = std::fs::File::create(path)?;
        file.write_all(&u64::from(self.steps).to_le_bytes())?;
        for floats in &mut self.floats {
            to_little_endian(floats);
            file.write_all(bytemuck::cast_slice(floats))?;
        }
        Ok(())
    }
}

/// Reads a gathered layer's state written by [`Snapshot::write`] into `layer`, whose
/// shape must match; `None` when the file is not such a state.
pub fn read_gathered(path: &Path, layer: &mut SparseDense) -> std::io::Result<Option<()>> {
    let mut file = std::fs::File::open(path)?;
    let floats = layer.weight.len() + layer.bias.len() + 2 * layer.moment_1.len();
    if file.metadata()?.len() != 8 + 4 * floats as u64 {
        return Ok(None);
    }
    let mut steps = [0u8; 8];
    file.read_exact(&mut steps)?;
    let Ok(steps) = u32::try_from(u64::from_le_bytes(steps)) else {
        return Ok(None);
    };
    for target in [
        &mut layer.weight,
        &mut layer.bias,
        &mut layer.moment_1,
        &mut layer.moment_2,
    ] {
        file.read_exact(bytemuck::cast_slice_mut(target))?;
        to_little_endian(target);
    }
    layer.steps = steps;
    Ok(Some(()))
}

/// Swaps each value's bytes between native and little-endian order (a no-op on
/// little-endian machines, and its own inverse).
fn to_little_endian(values: &mut [f32]) {
    if cfg!(target_endian = "big") {
        for v in values {
            *v = f32::from_bits(v.to_bits().swap_bytes());
        }
    }
}
