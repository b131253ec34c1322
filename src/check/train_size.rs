//! `train_size = [1250, 2500, 5000]` in an experiment: the numbers of training examples
//! every model of it is trained on, one model per size ("more data", the tutorial's first
//! remedy). Which examples each size keeps is the data stage's (`data::train_size`).

use super::value::{Env, Reader};
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::Dataset;
use crate::source::Span;
use crate::suggest::thousands;
use crate::syntax::ast::{Value, ValueKind};

/// Reads `train_size`, a size or a list of them, for `dataset` (its name written at
/// `dataset_span`): whole numbers from 1 up to the dataset's training examples where the
/// checker knows them (IMDB's); a repeated size is dropped with a warning. The sizes come
/// back ascending. `None` after an error (reported).
pub(super) fn read(
    value: &Value,
    dataset: &Dataset,
    dataset_span: Span,
    reader: &mut Reader,
) -> Option<Vec<usize>> {
    let items: Vec<&Value> = match &value.kind {
        ValueKind::List(items) if items.is_empty() => {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::MissingArgument,
                    value.span,
                    "`train_size` lists no size",
                )
                .with_label("no sizes")
                .with_help(
                    "list the numbers of training examples to train on, e.g. `[1250, 2500]`, \
                         or remove `train_size` to train on all of them",
                ),
            );
            return None;
        }
        ValueKind::List(items) => items.iter().collect(),
        _ => vec![value],
    };
    let available = dataset.split_sizes().map(|(train, _)| train);
    let mut sizes: Vec<(usize, Span)> = Vec::new();
    let mut ok = true;
    for item in items {
        let got = reader.int(item, &Env::default());
        if !reader.require(
            got,
            |n| n >= 1,
            |n| format!("`train_size` is {n}, but must be at least 1"),
            "the number of training examples to train on",
        ) {
            ok = false;
            continue;
        }
        let size = got.or(1) as usize;
        if let Some(rows) = available.filter(|&rows| size > rows) {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::OutOfRange,
                    item.span,
                    format!(
                        "`train_size` {} is more than the {} training examples of dataset `{}`",
                        thousands(size as u128),
                        thousands(rows as u128),
                        dataset.name
                    ),
                )
                .with_label("too many")
                .with_secondary(
                    dataset_span,
                    format!("{} training examples", thousands(rows as u128)),
                )
                .with_help(format!(
                    "use sizes up to {}, or hold out fewer validation examples",
                    thousands(rows as u128)
                )),
            );
            ok = false;
            continue;
        }
        if let Some(&(_, first)) = sizes.iter().find(|(s, _)| *s == size) {
            reader.diagnostics.push(
                Diagnostic::warning(
                    Code::IdenticalSweep,
                    item.span,
                    format!("training-set size {size} is listed twice"),
                )
                .with_secondary(first, "first listed here")
                .with_help("remove the repeated size"),
            );
            continue;
        }
        sizes.push((size, item.span));
    }
    let mut sizes: Vec<usize> = sizes.into_iter().map(|(s, _)| s).collect();
    sizes.sort_unstable();
    ok.then_some(sizes)
}
