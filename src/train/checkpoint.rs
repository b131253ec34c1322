//! What a checkpoint holds, and its files. A checkpoint directory holds three files: the burn module (`weights.bpk`, with a
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

/// Everything a checkpoint holds: burn's records, and the gathered layer (if any) as it
/// is in the trainer, without a copy (the bigger tutorial model's is 61 MB).
pub struct Snapshot<'a> {
    weights: ModuleRecord,
    optimizer: OptimizerRecord,
    gathered: Option<&'a SparseDense>,
}

impl<'a> Snapshot<'a> {
    /// A snapshot of a burn module's record, its optimizer's and a gathered layer's state.
    pub fn new(
        weights: ModuleRecord,
        optimizer: OptimizerRecord,
        gathered: Option<&'a SparseDense>,
    ) -> Self {
        Snapshot {
            weights,
            optimizer,
            gathered,
        }
    }

    /// Writes the checkpoint's files into `dir` (which exists).
    pub fn write(self, dir: &Path) -> Result<(), String> {
        let path = dir.join(WEIGHTS);
        self.weights.save(&path).map_err(|e| {
            format!(
                "cannot write `{}`: {}",
                path.display(),
                crate::file::reason_in_message(&e.to_string())
            )
        })?;
        let path = dir.join(OPTIMIZER);
        self.optimizer.save(&path).map_err(|e| {
            format!(
                "cannot write `{}`: {}",
                path.display(),
                crate::file::reason_in_message(&e.to_string())
            )
        })?;
        if let Some(layer) = self.gathered {
            let path = dir.join(GATHERED);
            write_gathered(&path, layer).map_err(|e| {
                format!(
                    "cannot write `{}`: {}",
                    path.display(),
                    crate::file::reason_in_message(&e.to_string())
                )
            })?;
        }
        Ok(())
    }
}

/// Writes a gathered layer's step count, kernel, bias and moments, little-endian.
fn write_gathered(path: &Path, layer: &SparseDense) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    file.write_all(&u64::from(layer.steps).to_le_bytes())?;
    for floats in [&layer.weight, &layer.bias, &layer.moment_1, &layer.moment_2] {
        if cfg!(target_endian = "little") {
            file.write_all(bytemuck::cast_slice(floats))?;
        } else {
            let bytes: Vec<u8> = floats.iter().flat_map(|v| v.to_le_bytes()).collect();
            file.write_all(&bytes)?;
        }
    }
    Ok(())
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
        if cfg!(target_endian = "big") {
            for v in target.iter_mut() {
                *v = f32::from_bits(u32::from_le(v.to_bits()));
            }
        }
    }
    layer.steps = steps;
    Ok(Some(()))
}
