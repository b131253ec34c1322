//! A Keras-style model summary and the cost of training a model as declared, from the IR
//! alone (no burn, no data), so a user sees what a spec costs before training anything.

use crate::ir::{Dataset, Layer, Model, Shape, Training};
use crate::suggest::thousands;
use std::fmt::Write;

/// What is known about the data when the summary is written.
#[derive(Debug, Clone, Copy, Default)]
pub struct DataFacts {
    /// Training and validation examples.
    pub split_sizes: Option<(usize, usize)>,
    /// Mean number of distinct ids per multi-hot row, once the data has been encoded.
    pub mean_ids_per_row: Option<f64>,
}

impl DataFacts {
    /// What the declaration alone says.
    pub fn declared(dataset: &Dataset) -> Self {
        DataFacts {
            split_sizes: dataset.split_sizes(),
            mean_ids_per_row: None,
        }
    }
}

/// Multiply-adds of one epoch, dense and (for a multi-hot first layer) sparse.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochCost {
    /// With the first layer as a full matrix product.
    pub dense: f64,
    /// With the first layer as a gather of the rows of the present ids.
    pub sparse: Option<f64>,
}

/// Multiply-adds of one epoch. Each layer's forward pass costs, per example:
///
/// | layer | forward multiply-adds |
/// |---|---|
/// | `dense` | `i·o` |
/// | `embedding` | `L·d` (a gather: one add per value read, as its scatter backward) |
/// | `conv1d` | `L'·k·C·F` (`L'` output steps) |
/// | `lstm`, `gru` | `L·g·(C·U + U·U)`, `g` = 4 and 3 gates |
/// | `global_*_pooling` | `L·C` |
/// | `max_pooling1d` | `L'·p·C` |
/// | `flatten`, `dropout`, `batch_norm` | 0 (copies and element-wise work) |
///
/// Training costs three times the forward pass for a layer with weights (forward,
/// gradient of the input, gradient of the weights), except for the first such layer,
/// which needs no input gradient (twice), and twice for a layer without weights (forward
/// and the input gradient). Validation runs forward only. A multi-hot first layer gathers
/// the weight rows of the ids present, so its `i` becomes the mean ids per row.
pub fn epoch_cost(model: &Model, facts: &DataFacts) -> Option<EpochCost> {
    let (train, validation) = facts.split_sizes?;
    let shapes = model.shapes();
    let cost = |first_width: Option<f64>| -> Option<f64> {
        let mut per_train = 0.0;
        let mut per_validation = 0.0;
        let mut first = true;
        for (layer, (input, output)) in model.layers.iter().zip(&shapes) {
            let (input, output) = ((*input)?, (*output)?);
            let (forward, weighted) = forward_cost(layer, input, output);
            let forward = match (first, first_width, layer) {
                (true, Some(ids), Layer::Dense(d)) => ids * d.units as f64,
                _ => forward,
            };
            let factor = match (weighted, first) {
                (false, _) => 2.0,
                (true, true) => 2.0,
                (true, false) => 3.0,
            };
            per_train += forward * factor;
            per_validation += forward;
            first &= !weighted;
        }
        Some(per_train * train as f64 + per_validation * validation as f64)
    };
    model.input.width?;
    let dense = cost(None)?;
    let sparse = match (model.input.multi_hot, facts.mean_ids_per_row) {
        (true, Some(ids)) => cost(Some(ids)),
        _ => None,
    };
    Some(EpochCost { dense, sparse })
}

/// One layer's forward multiply-adds per example (see [`epoch_cost`]), and whether it
/// has weights.
fn forward_cost(layer: &Layer, input: Shape, output: Shape) -> (f64, bool) {
    let (length, channels) = match input {
        Shape::Sequence { length, channels } => (length as f64, channels as f64),
        other => (1.0, other.last_axis() as f64),
    };
    let out_length = match output {
        Shape::Sequence { length, .. } => length as f64,
        _ => 1.0,
    };
    match layer {
        Layer::Dense(d) => (input.last_axis() as f64 * d.units as f64, true),
        Layer::Embedding(_) => (output.size() as f64, true),
        Layer::Conv1d(c) => (
            out_length * c.kernel_size as f64 * channels * c.filters as f64,
            true,
        ),
        Layer::Lstm(r) | Layer::Gru(r) => {
            let gates = if matches!(layer, Layer::Lstm(_)) {
                4.0
            } else {
                3.0
            };
            let u = r.units as f64;
            (length * gates * (channels * u + u * u), true)
        }
        Layer::GlobalAveragePooling | Layer::GlobalMaxPooling => (length * channels, false),
        Layer::MaxPooling1d(p) => (out_length * p.pool_size as f64 * channels, false),
        Layer::Flatten | Layer::Dropout { .. } | Layer::BatchNorm(_) => (0.0, false),
        Layer::Normalization => (channels, false),
    }
}

/// The summary of one model, trained as `training` declares on data described by `facts`.
pub fn summary(model: &Model, training: &Training, facts: &DataFacts) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Model: \"{}\"", model.name);
    let mut counts: std::collections::HashMap<&str, usize> = Default::default();
    let mut rows: Vec<[String; 3]> = Vec::new();
    for ((layer, (_, output)), params) in model
        .layers
        .iter()
        .zip(model.shapes())
        .zip(model.layer_params())
    {
        let (base, kind) = match layer {
            Layer::Dense(_) => ("dense", "Dense"),
            Layer::Dropout { .. } => ("dropout", "Dropout"),
            Layer::BatchNorm(_) => ("batch_normalization", "BatchNormalization"),
            Layer::Embedding(_) => ("embedding", "Embedding"),
            Layer::GlobalAveragePooling => ("global_average_pooling1d", "GlobalAveragePooling1D"),
            Layer::GlobalMaxPooling => ("global_max_pooling1d", "GlobalMaxPooling1D"),
            Layer::Flatten => ("flatten", "Flatten"),
            Layer::Normalization => ("normalization", "Normalization"),
            Layer::Conv1d(_) => ("conv1d", "Conv1D"),
            Layer::MaxPooling1d(_) => ("max_pooling1d", "MaxPooling1D"),
            Layer::Lstm(_) => ("lstm", "LSTM"),
            Layer::Gru(_) => ("gru", "GRU"),
        };
        let n = counts.entry(base).or_default();
        let name = if *n == 0 {
            base.to_string()
        } else {
            format!("{base}_{n}")
        };
        *n += 1;
        let shape = output.map_or("(None, ?)".to_string(), |s| s.to_string());
        let params = match params.and_then(|(t, n)| t.checked_add(n)) {
            Some(total) => thousands(total),
            None if model.input.width.is_none() => "?".to_string(),
            None => TOO_MANY.to_string(),
        };
        rows.push([format!("{name} ({kind})"), shape, params]);
    }
    // Keras's column widths, widened when a layer name needs more.
    let longest = rows.iter().map(|r| r[0].chars().count()).max().unwrap_or(0);
    let widths = [33.max(longest + 2), 24, 15];
    let rule = |left: &str, mid: &str, right: &str, fill: &str| {
        let cells: Vec<String> = widths.iter().map(|w| fill.repeat(*w)).collect();
        format!("{left}{}{right}\n", cells.join(mid))
    };
    let row = |cells: [&str; 3]| {
        format!(
            "│ {:<w0$} │ {:<w1$} │ {:>w2$} │\n",
            cells[0],
            cells[1],
            cells[2],
            w0 = widths[0] - 2,
            w1 = widths[1] - 2,
            w2 = widths[2] - 2
        )
    };
    out += &rule("┏", "┳", "┓", "━");
    out += &row(["Layer (type)", "Output Shape", "Param #"]).replace('│', "┃");
    out += &rule("┡", "╇", "┩", "━");
    for [name, shape, params] in &rows {
        out += &row([name, shape, params]);
    }
    out += &rule("└", "┴", "┘", "─");
    match model.params() {
        Some((trainable, frozen)) => {
            let _ = writeln!(
                out,
                " Total params: {} ({})",
                thousands(trainable + frozen),
                bytes(trainable + frozen)
            );
            let _ = writeln!(
                out,
                " Trainable params: {} ({})",
                thousands(trainable),
                bytes(trainable)
            );
            let _ = writeln!(
                out,
                " Non-trainable params: {} ({})",
                thousands(frozen),
                bytes(frozen)
            );
        }
        None if model.input.width.is_none() => {
            let _ = writeln!(
                out,
                " Total params: ? (the input width is known once the data is read)"
            );
        }
        None => {
            let _ = writeln!(out, " Total params: {TOO_MANY}");
        }
    }
    let _ = writeln!(out, " Training cost, as declared:");
    match facts.split_sizes {
        Some((train, validation)) => {
            let batches = train.div_ceil(training.batch_size);
            let _ = writeln!(
                out,
                "   {} training and {} validation examples; {batches} batches of {} per epoch; {} epochs",
                thousands(train),
                thousands(validation),
                training.batch_size,
                training.epochs
            );
        }
        None => {
            let _ = writeln!(out, "   example counts are known once the data is read");
        }
    }
    if let Some(cost) = epoch_cost(model, facts) {
        let first = match model.layers.first() {
            Some(Layer::Embedding(_)) => "",
            _ => " with a dense first layer",
        };
        let _ = writeln!(out, "   multiply-adds per epoch: {}{first}", si(cost.dense));
        if let Some(sparse) = cost.sparse {
            let _ = writeln!(
                out,
                "   multiply-adds per epoch: {} with the multi-hot first layer as a gather ({:.0}x less)",
                si(sparse),
                cost.dense / sparse
            );
        }
    }
    out
}

/// What a parameter count that does not fit in 64 bits is shown as (a checked model has
/// at most `ir::MAX_PARAMS`; a CSV's width is only known once the data is read).
const TOO_MANY: &str = "more than 18,446,744,073,709,551,615";

/// The size of `params` float32 values, as Keras prints it: "626.19 KB".
fn bytes(params: usize) -> String {
    let b = params as f64 * 4.0;
    let units = ["B", "KB", "MB", "GB"];
    let mut value = b;
    let mut unit = 0;
    while value >= 1024.0 && unit < units.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.2} {}", units[unit])
}

/// 12_020_400_000 → "12.02 G".
pub fn si(x: f64) -> String {
    let units = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")];
    for (scale, unit) in units {
        if x >= scale {
            return format!("{:.2} {unit}", x / scale);
        }
    }
    format!("{x:.0}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated_by_commas() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(5_383_681), "5,383,681");
    }

    #[test]
    fn sizes_are_in_kibibytes_like_keras() {
        assert_eq!(bytes(160_305), "626.19 KB");
        assert_eq!(bytes(0), "0.00 B");
    }
}
