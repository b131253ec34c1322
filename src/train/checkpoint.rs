//! What a checkpoint holds, and its files. A checkpoint directory holds three files: the burn module (`weights.bpk`, with a
//! one-row stand-in for a gathered kernel), burn's optimizer state (`optimizer.bpk`), and,
//! for a gathered first layer, its kernel, bias, optimizer state (Adam's moments, SGD's
//! velocity, RMSprop's averages) and step count in one raw little-endian file
//! (`optimizer.gather`), behind a header that names its layout version, optimizer and
//! shape.

use crate::lower::sparse::{Rule, SparseDense};
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

/// The first bytes of a gathered layer's state file.
const MAGIC: &[u8; 8] = b"ofitgthr";
/// The layout of the state file: 2 adds the header and the optimizer's kind (1, with no
/// header, held Adam's moments only).
const VERSION: u32 = 2;

/// The header of a gathered layer's state file: what it holds, so that a file of another
/// layout, optimizer or shape is refused rather than misread. Little-endian `u32`s and
/// `u64`s after the magic.
#[derive(Debug, PartialEq, Eq)]
struct Header {
    version: u32,
    /// 1 Adam, 2 SGD, 3 RMSprop.
    kind: u32,
    /// State buffers (which tell momentum from none).
    slots: u32,
    inputs: u64,
    units: u64,
    bias: u64,
    steps: u64,
}

impl Header {
    /// Bytes after the magic.
    const LEN: usize = 3 * 4 + 4 * 8;

    /// The header a file holding `layer` has.
    fn of(layer: &SparseDense) -> Header {
        let rule = layer.rule();
        Header {
            version: VERSION,
            kind: match rule {
                Rule::Adam { .. } => 1,
                Rule::Sgd { .. } => 2,
                Rule::RmsProp { .. } => 3,
            },
            slots: rule.slots() as u32,
            inputs: layer.inputs as u64,
            units: layer.units as u64,
            bias: layer.bias.len() as u64,
            steps: u64::from(layer.steps),
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        for v in [self.version, self.kind, self.slots] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        for v in [self.inputs, self.units, self.bias, self.steps] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        bytes
    }

    /// The header in `bytes` (after the magic).
    fn parse(bytes: &[u8; Header::LEN]) -> Header {
        let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
        let u64_at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
        Header {
            version: u32_at(0),
            kind: u32_at(4),
            slots: u32_at(8),
            inputs: u64_at(12),
            units: u64_at(20),
            bias: u64_at(28),
            steps: u64_at(36),
        }
    }
}

/// Writes a gathered layer's header (layout version, optimizer, shape, step count), then
/// its kernel, bias and optimizer state buffers, little-endian.
fn write_gathered(path: &Path, layer: &SparseDense) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    file.write_all(&Header::of(layer).bytes())?;
    let buffers = [&layer.weight[..], &layer.bias[..]]
        .into_iter()
        .chain(layer.state().iter().map(|s| &s[..]));
    for floats in buffers {
        if cfg!(target_endian = "little") {
            file.write_all(bytemuck::cast_slice(floats))?;
        } else {
            let bytes: Vec<u8> = floats.iter().flat_map(|v| v.to_le_bytes()).collect();
            file.write_all(&bytes)?;
        }
    }
    file.flush()
}

/// Reads a gathered layer's state written by [`Snapshot::write`] into `layer`; `None`
/// (and `layer` untouched) when the file is not the state of a layer of that shape and
/// optimizer in this layout: another version, another optimizer, a truncated file.
pub fn read_gathered(path: &Path, layer: &mut SparseDense) -> std::io::Result<Option<()>> {
    let mut file = std::fs::File::open(path)?;
    let expected = Header::of(layer);
    let floats =
        layer.weight.len() + layer.bias.len() + layer.state().iter().map(Vec::len).sum::<usize>();
    if file.metadata()?.len() != (MAGIC.len() + Header::LEN) as u64 + 4 * floats as u64 {
        return Ok(None);
    }
    let mut magic = [0u8; 8];
    file.read_exact(&mut magic)?;
    let mut header = [0u8; Header::LEN];
    file.read_exact(&mut header)?;
    let header = Header::parse(&header);
    let Ok(steps) = u32::try_from(header.steps) else {
        return Ok(None);
    };
    let same = Header {
        steps: header.steps,
        ..expected
    };
    if &magic != MAGIC || header != same {
        return Ok(None);
    }
    read_floats(&mut file, &mut layer.weight)?;
    read_floats(&mut file, &mut layer.bias)?;
    for target in layer.state_mut() {
        read_floats(&mut file, target)?;
    }
    layer.steps = steps;
    Ok(Some(()))
}

/// Fills `target` with little-endian floats from `file`.
fn read_floats(file: &mut std::fs::File, target: &mut [f32]) -> std::io::Result<()> {
    file.read_exact(bytemuck::cast_slice_mut(&mut *target))?;
    if cfg!(target_endian = "big") {
        for v in target.iter_mut() {
            *v = f32::from_bits(u32::from_le(v.to_bits()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: [Rule; 5] = [
        Rule::Adam {
            lr: 0.001,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
        },
        Rule::Sgd {
            lr: 0.01,
            momentum: 0.0,
            nesterov: false,
        },
        Rule::Sgd {
            lr: 0.01,
            momentum: 0.9,
            nesterov: true,
        },
        Rule::RmsProp {
            lr: 0.001,
            rho: 0.9,
            momentum: 0.0,
            epsilon: 1e-7,
        },
        Rule::RmsProp {
            lr: 0.001,
            rho: 0.9,
            momentum: 0.5,
            epsilon: 1e-7,
        },
    ];

    /// A fresh 3 × 2 layer stepped by `rule`.
    fn fresh(rule: Rule) -> SparseDense {
        SparseDense::new(3, 2, vec![0.0; 6], vec![0.0; 2], rule)
    }

    /// A 3 × 2 layer with every float and the step count set.
    fn trained(rule: Rule) -> SparseDense {
        let weight = (0..6).map(|i| i as f32 - 2.5).collect();
        let mut layer = SparseDense::new(3, 2, weight, vec![0.5, -0.5], rule);
        for (k, slot) in layer.state_mut().enumerate() {
            for (i, v) in slot.iter_mut().enumerate() {
                *v = (k * 10 + i) as f32 * 0.25;
            }
        }
        layer.steps = 7;
        layer
    }

    #[test]
    fn a_gathered_state_reads_back_into_a_layer_of_its_optimizer_and_shape_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(GATHERED);
        for (i, rule) in RULES.into_iter().enumerate() {
            write_gathered(&path, &trained(rule)).unwrap();
            let mut layer = fresh(rule);
            assert_eq!(read_gathered(&path, &mut layer).unwrap(), Some(()));
            assert_eq!(layer, trained(rule), "{rule:?}");
            // Another optimizer's state, even of the same size (SGD's velocity and
            // RMSprop's average), is not read as this one's.
            for (j, other) in RULES.into_iter().enumerate().filter(|&(j, _)| j != i) {
                let mut layer = fresh(other);
                assert_eq!(read_gathered(&path, &mut layer).unwrap(), None, "{j}");
                assert_eq!(layer, fresh(other), "untouched");
            }
            // Nor another shape's.
            let mut wide = SparseDense::new(2, 3, vec![0.0; 6], vec![0.0; 3], rule);
            assert_eq!(read_gathered(&path, &mut wide).unwrap(), None);
        }
    }

    #[test]
    fn an_old_or_truncated_gathered_state_is_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(GATHERED);
        let rule = RULES[0];
        let layer = trained(rule);
        // Version 1: the step count, then the floats, no header.
        let mut old = u64::from(layer.steps).to_le_bytes().to_vec();
        for floats in [
            &layer.weight,
            &layer.bias,
            &layer.state()[0],
            &layer.state()[1],
        ] {
            old.extend(floats.iter().flat_map(|v| v.to_le_bytes()));
        }
        std::fs::write(&path, &old).unwrap();
        assert_eq!(read_gathered(&path, &mut fresh(rule)).unwrap(), None);

        write_gathered(&path, &layer).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 4]).unwrap();
        assert_eq!(read_gathered(&path, &mut fresh(rule)).unwrap(), None);
        // Another layout version, or not our magic.
        for at in [8, 0] {
            let mut other = bytes.clone();
            other[at] ^= 1;
            std::fs::write(&path, &other).unwrap();
            assert_eq!(
                read_gathered(&path, &mut fresh(rule)).unwrap(),
                None,
                "{at}"
            );
        }
    }
}
