//! A table dataset's column settings: `features` or `drop`, `categorical`, `dates` and
//! `missing`. Whether the named columns are in the file is the data lint's business
//! ([`crate::data::lint`]); this checks what the spec alone says: each a list of distinct
//! names, the features and the columns read specially agreeing, none the label.

use super::bind::Bound;
use super::value::Reader;
use crate::data::lint::Named;
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{Columns, Missing};
use crate::source::Span;
use crate::syntax::ast::{Value, ValueKind};

/// The keys, in the order a dataset's arguments are listed.
pub const KEYS: [&str; 5] = ["features", "drop", "categorical", "dates", "missing"];

/// Reads the column settings of a table dataset whose label column is `label` and which
/// reads a text column when `text`; also where each named column is written, for the
/// lint. `None` after an error.
pub fn read(
    reader: &mut Reader,
    args: &Bound,
    label: Option<&str>,
    text: bool,
) -> Option<(Columns, Vec<Named>)> {
    let mut ok = true;
    if text {
        for key in KEYS {
            if let Some(span) = args.key_span(key) {
                reader.diagnostics.push(
                    Diagnostic::error(
                        Code::Conflict,
                        span,
                        format!("`{key}` is for numeric feature columns, but this dataset reads a text column"),
                    )
                    .with_label("not with `text`")
                    .with_help("a text dataset reads its `text` and `label` columns and no other; remove this setting"),
                );
                ok = false;
            }
        }
    }
    let mut named = Vec::new();
    let mut list = |reader: &mut Reader, key: &str| -> Option<Vec<Named>> {
        let value = args.get(key)?;
        let read = names(reader, value, key);
        if read.is_none() {
            ok = false;
        }
        read
    };
    let features = list(reader, "features");
    let drop = list(reader, "drop");
    let categorical = list(reader, "categorical");
    let dates = list(reader, "dates");
    let missing = match args.get("missing") {
        Some(value) => reader.keyword(
            value,
            "missing-value rule",
            &[("error", Missing::Error), ("drop", Missing::Drop)],
        ),
        None => Some(Missing::Error),
    };
    if let (Some(_), Some(_)) = (&features, &drop) {
        let at = |k: &str| args.key_span(k).unwrap_or(Span::new(0, 0));
        reader.diagnostics.push(
            Diagnostic::error(
                Code::Conflict,
                at("drop"),
                "give either `features` or `drop`, not both",
            )
            .with_secondary(at("features"), "`features` given here")
            .with_help(
                "`features` lists the columns to read; `drop` reads all but the ones it lists",
            ),
        );
        ok = false;
    }
    let empty = Vec::new();
    let (features_list, drop_list) = (
        features.as_ref().unwrap_or(&empty),
        drop.as_ref().unwrap_or(&empty),
    );
    // Each named column's roles, to find a label that is a feature and a column read two
    // ways or read and dropped.
    let mut refuse = |reader: &mut Reader, at: &Named, message: String, help: &str| {
        reader.diagnostics.push(
            Diagnostic::error(Code::Conflict, at.span, message)
                .with_label("conflicts with another setting")
                .with_help(help.to_string()),
        );
        ok = false;
    };
    if let Some(label) = label {
        for (key, names) in [
            ("features", features_list),
            ("categorical", categorical.as_ref().unwrap_or(&empty)),
            ("dates", dates.as_ref().unwrap_or(&empty)),
        ] {
            if let Some(at) = names.iter().find(|n| n.column == label) {
                refuse(
                    reader,
                    at,
                    format!("`{label}` is the label column; it cannot be in `{key}` too"),
                    "the label is what the model predicts, not one of its features",
                );
            }
        }
    }
    for (key, names) in [("categorical", &categorical), ("dates", &dates)] {
        for at in names.iter().flatten() {
            if features.is_some() && !features_list.iter().any(|f| f.column == at.column) {
                refuse(
                    reader,
                    at,
                    format!("`{}` is in `{key}` but not in `features`", at.column),
                    "list the column in `features` too, or remove it here",
                );
            } else if drop_list.iter().any(|d| d.column == at.column) {
                refuse(
                    reader,
                    at,
                    format!("`{}` is in `{key}` and in `drop`", at.column),
                    "a dropped column is not read: remove it from one of them",
                );
            }
        }
    }
    for at in dates.iter().flatten() {
        if categorical.iter().flatten().any(|c| c.column == at.column) {
            refuse(
                reader,
                at,
                format!("`{}` is in `categorical` and in `dates`", at.column),
                "a column is read one way: as names, one-hot, or as dates, by their year",
            );
        }
    }
    let mut columns = |names: Option<Vec<Named>>| -> Vec<String> {
        names
            .into_iter()
            .flatten()
            .map(|n| {
                named.push(n.clone());
                n.column
            })
            .collect()
    };
    let features_given = features.is_some();
    let features = columns(features);
    let read = Columns {
        features: features_given.then_some(features),
        drop: columns(drop),
        categorical: columns(categorical),
        dates: columns(dates),
        missing: missing?,
    };
    ok.then_some((read, named))
}

/// A non-empty list of distinct strings, the value of `key`.
fn names(reader: &mut Reader, value: &Value, key: &str) -> Option<Vec<Named>> {
    let ValueKind::List(items) = &value.kind else {
        reader.mismatch(
            value,
            &format!("a list of column names, e.g. `{key} = [\"Origin\"]`"),
        );
        return None;
    };
    if items.is_empty() {
        reader.diagnostics.push(
            Diagnostic::error(Code::OutOfRange, value.span, format!("`{key}` is empty"))
                .with_label("no column")
                .with_help(format!("name at least one column, or remove `{key}`")),
        );
        return None;
    }
    let mut out: Vec<Named> = Vec::new();
    let mut ok = true;
    for item in items {
        let Some(column) = reader.string(item) else {
            ok = false;
            continue;
        };
        if let Some(first) = out.iter().find(|n| n.column == column) {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::DuplicateArgument,
                    item.span,
                    format!("`{column}` is in `{key}` twice"),
                )
                .with_secondary(first.span, "first here")
                .with_help("name each column once"),
            );
            ok = false;
            continue;
        }
        out.push(Named {
            column,
            span: item.span,
        });
    }
    ok.then_some(out)
}
