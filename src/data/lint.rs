//! What `ofit check` can know cheaply about a spec's data files, as diagnostics at the
//! arguments that name them: a file that cannot be read, a CSV label column that is not
//! in the file's header, a header that cannot be used. Only headers are read (and a
//! folder's listing, for "did you mean"), never the rows, so it stays fast on big files.
//!
//! The checker is pure and cannot look at files; it records where each dataset's file
//! arguments are written ([`DatasetSpans`], in `check::Checked::datasets`), and this
//! lint, run by the command line after the checker, points there.

use super::{table, Context, DataError};
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{DataSource, Program, TableFormat, Test, Validation};
use crate::source::Span;
use crate::suggest::{did_you_mean, quoted_list};
use std::path::Path;

/// Where a dataset declaration writes its name and its file arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetSpans {
    /// The dataset's name.
    pub name: Span,
    /// The `path` argument's value (CSV's training file, IMDB's local copy), if given.
    pub path: Option<Span>,
    /// The `label` argument's value (CSV), if given.
    pub label: Option<Span>,
    /// The `text` argument's value (CSV), if given.
    pub text: Option<Span>,
    /// The `validation` argument's value (CSV's validation file), if given.
    pub validation: Option<Span>,
    /// The `test` argument's value (CSV's test file), if given.
    pub test: Option<Span>,
    /// The columns that `features`, `drop`, `categorical` and `dates` name, in the order
    /// written.
    pub columns: Vec<Named>,
}

/// A column named in the spec (by `features`, `drop`, `categorical` or `dates`), and
/// where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// The column's name.
    pub column: String,
    /// The string that names it.
    pub span: Span,
}

/// Lints the datasets `datasets` (indices into `program.datasets`; `spans` is indexed the
/// same way, as `check::Checked::datasets` is). Paths are resolved against
/// `ctx.spec_dir`. Diagnostics come in source order.
pub fn datasets(
    program: &Program,
    spans: &[DatasetSpans],
    datasets: &[usize],
    ctx: &Context,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for &d in datasets {
        let (Some(dataset), Some(spans)) = (program.datasets.get(d), spans.get(d)) else {
            continue;
        };
        match &dataset.source {
            DataSource::Table {
                format,
                path,
                label,
                text,
                columns,
            } => {
                let column = text.as_ref().map(|t| t.column.as_str());
                let names = Names {
                    format: *format,
                    label,
                    label_at: spans.label,
                    text: column,
                    text_at: spans.text,
                    columns,
                    named: &spans.columns,
                };
                let train = spans
                    .path
                    .and_then(|at| table_file(path, &names, at, ctx, &mut out));
                let validation = match &dataset.validation {
                    Validation::File { path } => Some(path.as_str()),
                    _ => None,
                };
                let test = match &dataset.test {
                    Some(Test::File { path }) => Some(path.as_str()),
                    _ => None,
                };
                for (role, file, at) in [
                    ("validation", validation, spans.validation),
                    ("test", test, spans.test),
                ] {
                    let (Some(file), Some(at)) = (file, at) else {
                        continue;
                    };
                    // A missing column is reported once, at the training file's argument.
                    let names = Names {
                        label_at: names.label_at.filter(|_| train.is_some()),
                        text_at: names.text_at.filter(|_| train.is_some()),
                        named: if train.is_some() { names.named } else { &[] },
                        ..names
                    };
                    let columns = table_file(file, &names, at, ctx, &mut out);
                    // A text file's other columns are not read, so only numeric files
                    // must agree column for column.
                    if let (None, Some(train), Some(columns), Some(train_at)) =
                        (column, &train, &columns, spans.path)
                    {
                        if columns != train {
                            out.push(different_columns(role, columns, train, at, train_at, path));
                        }
                    }
                }
            }
            DataSource::Imdb {
                path: Some(path), ..
            } => {
                if let Some(at) = spans.path {
                    local_imdb(path, at, ctx, &mut out);
                }
            }
            DataSource::Imdb { path: None, .. } | DataSource::AutoMpg => {}
        }
    }
    out.sort_by_key(Diagnostic::span);
    out
}

/// The columns a table dataset names, and where (`None`: do not report them missing).
#[derive(Clone, Copy)]
struct Names<'a> {
    format: TableFormat,
    label: &'a str,
    label_at: Option<Span>,
    text: Option<&'a str>,
    text_at: Option<Span>,
    /// How the feature columns are chosen and read.
    columns: &'a crate::ir::Columns,
    /// The columns those settings name, and where (empty: do not report them missing).
    named: &'a [Named],
}

/// Lints one table file (written `written` at `at`) for the columns `names`: its columns
/// without the label when its header is usable.
fn table_file(
    written: &str,
    names: &Names,
    at: Span,
    ctx: &Context,
    out: &mut Vec<Diagnostic>,
) -> Option<Vec<String>> {
    let label = names.label;
    let label_at = names.label_at;
    let path = ctx.resolve(written);
    let columns = match table::columns(&path, names.format) {
        Ok(columns) => columns,
        Err(DataError::Io(e)) => {
            out.push(unreadable(written, &e.reason, &path, at));
            return None;
        }
        Err(other) => {
            out.push(bad_header(written, names.format, &other, at));
            return None;
        }
    };
    if !columns.iter().any(|c| c == label) {
        if let Some(label_at) = label_at {
            out.push(no_label(written, label, &columns, label_at, at));
        }
        return None;
    }
    if let Some(text) = names.text {
        if !columns.iter().any(|c| c == text) {
            if let Some(text_at) = names.text_at {
                out.push(no_label(written, text, &columns, text_at, at));
            }
            return None;
        }
    }
    let mut missing = false;
    for named in names.named {
        if !columns.contains(&named.column) {
            out.push(no_label(written, &named.column, &columns, named.span, at));
            missing = true;
        }
    }
    if missing {
        return None;
    }
    // The rest of the header's rules (names, repeats, a feature column or the text
    // column), as `read` and `read_text` have them.
    let checked = table::check_header(&path, names.format, label, names.text, names.columns);
    if let Err(error) = checked {
        out.push(bad_header(written, names.format, &error, at));
        return None;
    }
    Some(columns.into_iter().filter(|c| c != label).collect())
}

/// A local IMDB copy: the folder or `.npz` file must exist (and an `.npz` file's word
/// index beside it).
fn local_imdb(written: &str, at: Span, ctx: &Context, out: &mut Vec<Diagnostic>) {
    let path = ctx.resolve(written);
    if let Err(e) = std::fs::metadata(&path) {
        out.push(unreadable(written, &crate::file::reason(&e), &path, at));
        return;
    }
    if path.extension().is_some_and(|e| e == "npz") {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("imdb");
        let index = path.with_file_name(format!("{stem}_word_index.json"));
        if let Err(e) = std::fs::metadata(&index) {
            let name = format!("{stem}_word_index.json");
            out.push(
                Diagnostic::error(
                    Code::DataFileUnreadable,
                    at,
                    format!(
                        "cannot read `{name}` beside `{written}`: {}",
                        crate::file::reason(&e)
                    ),
                )
                .with_label("its word index is missing")
                .with_help(format!(
                    "Keras's `imdb.npz` comes with its word index: put `{name}` in the same folder"
                )),
            );
        }
    }
}

/// E0600: a file that cannot be read, with a close name in its folder when there is one.
fn unreadable(written: &str, reason: &str, path: &Path, at: Span) -> Diagnostic {
    let mut help = "paths are relative to the folder of the spec file".to_string();
    let siblings: Vec<String> = path
        .parent()
        .and_then(|dir| std::fs::read_dir(dir).ok())
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .collect();
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or(written);
    if let Some(close) = did_you_mean(name, siblings.iter().map(String::as_str)) {
        // Written as the spec writes it: the same folder, the close name.
        let suggested = match written.rfind(['/', '\\']) {
            Some(slash) => format!("{}{close}", &written[..=slash]),
            None => close.to_string(),
        };
        help = format!("did you mean `{suggested}`? ({help})");
    }
    Diagnostic::error(
        Code::DataFileUnreadable,
        at,
        format!("cannot read `{written}`: {reason}"),
    )
    .with_label("this file")
    .with_help(help)
}

/// E0601: the label (or text) column is not in the header.
fn no_label(written: &str, label: &str, columns: &[String], at: Span, file_at: Span) -> Diagnostic {
    let cut: Vec<String> = columns
        .iter()
        .map(|c| super::error::shown(c).into_owned())
        .collect();
    let cut: Vec<&str> = cut.iter().map(String::as_str).collect();
    let help = match did_you_mean(label, columns.iter().map(String::as_str)) {
        Some(close) => format!("did you mean `{}`?", super::error::shown(close)),
        None => match cut.as_slice() {
            [only] if only.contains([';', '\t', '|']) => format!(
                "the only column is `{only}`: the file seems not to separate its columns \
                 with commas"
            ),
            _ => format!("the columns are {}", quoted_list(&cut, "and")),
        },
    };
    Diagnostic::error(
        Code::NoLabelColumn,
        at,
        format!("`{written}` has no column `{}`", super::error::shown(label)),
    )
    .with_label("not a column of the file")
    .with_secondary(file_at, "the file")
    .with_help(help)
}

/// E0602: a header that cannot be used, in the data stage's words without the path.
fn bad_header(written: &str, format: TableFormat, error: &DataError, at: Span) -> Diagnostic {
    let what = match error {
        DataError::Syntax {
            line,
            column,
            message,
            ..
        } => format!("line {line}, column {column}: {message}"),
        DataError::Invalid { message, .. } => message.clone(),
        other => other.to_string(),
    };
    Diagnostic::error(
        Code::BadDataHeader,
        at,
        format!("`{written}` cannot be used: {what}"),
    )
    .with_label("this file")
    .with_help(match format {
        TableFormat::Csv => {
            "the first line of a CSV file names its columns, each once, separated by commas; \
             one of them is the label column"
        }
        TableFormat::JsonLines => {
            "each line of a JSON Lines file is one object, and the first object's keys are the \
             columns, each once; one of them is the label column"
        }
        TableFormat::Json => {
            "a JSON file of records is one list of objects, and the first object's keys are the \
             columns, each once; one of them is the label column"
        }
    })
}

/// E0602: a validation or test file whose feature columns are not the training file's.
fn different_columns(
    role: &str,
    test: &[String],
    train: &[String],
    at: Span,
    train_at: Span,
    train_written: &str,
) -> Diagnostic {
    let list = |columns: &[String]| {
        let cut: Vec<String> = columns
            .iter()
            .map(|c| super::error::shown(c).into_owned())
            .collect();
        let cut: Vec<&str> = cut.iter().map(String::as_str).collect();
        quoted_list(&cut, "and")
    };
    Diagnostic::error(
        Code::BadDataHeader,
        at,
        format!(
            "the {role} file has the feature columns {}, but `{train_written}` has {}",
            list(test),
            list(train)
        ),
    )
    .with_label("this file")
    .with_secondary(train_at, "the training file")
    .with_help(format!(
        "a {role} file needs the training file's columns, in the same order"
    ))
}
