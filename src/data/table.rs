//! A table file read strictly: a header, then one row per example, as CSV ([`csv`](super::csv))
//! or JSON Lines ([`json_lines`](super::json_lines)) write them; the formats give the
//! cells, this reads them as numeric features or a text column, and labels.
//!
//! Every column but the label column is a numeric feature, unless a text column is named.
//! Nothing is guessed or skipped: a ragged row, a cell that is not a number or a label the
//! experiments cannot take is an error naming the file, the line (the header is line 1 of
//! a CSV file) and the column (a CSV cell's 1-based field number, a JSON Lines value's
//! character column), because a silently dropped or zero-filled example would change what
//! is trained without anyone noticing. The whole file is read, so that every such problem
//! is reported at once (the first [`MAX_REPORTED`] of them, then how many more); a value
//! quoted in a message is cut to [`MAX_QUOTED`](super::error::MAX_QUOTED) characters.

use super::error::{shown, MAX_REPORTED};
use super::{csv, json_lines, json_records, DataError, Dense, LabelRule};
use crate::ir::{Columns, Missing, TableFormat};
use crate::suggest::{did_you_mean, quoted_list};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A table file read as numeric features plus a label column.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The features' names, in feature order: a column's header, or for a categorical
    /// column `column_name` per category (pandas's `get_dummies` names).
    pub columns: Vec<String>,
    /// The features, row-major.
    pub features: Dense,
    /// One label per row: the number, or the class id of a string label.
    pub labels: Vec<f32>,
    /// For string labels, the class names: id `i` is `classes[i]`.
    pub classes: Option<Vec<String>>,
    /// Each categorical column's categories, in the order the columns are features: the
    /// training file's distinct names in byte order.
    pub categories: Vec<Vec<String>>,
    /// Rows left out for a missing value (`missing = drop`).
    pub dropped: usize,
    /// How each feature column is read, in feature order: what a trained model keeps to
    /// read other rows as this file's were read.
    pub inputs: Vec<FeatureColumn>,
}

/// A feature column of a table and how its cells become features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureColumn {
    /// The column's header.
    pub name: String,
    /// How a cell is read.
    #[serde(flatten)]
    pub read: ColumnRead,
}

/// How a feature column's cell becomes features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "read", rename_all = "snake_case")]
pub enum ColumnRead {
    /// A number, as written.
    Number,
    /// A date written `YYYY-MM-DD`, as its year.
    Year,
    /// A name, one-hot over these categories (the training file's, in byte order).
    OneHot {
        /// The names, in the order of their features.
        categories: Vec<String>,
    },
}

impl FeatureColumn {
    /// Appends the features of `cell`, this column's cell, to `values`; else says what is
    /// wrong with it. An empty cell is missing, which a model cannot be applied to.
    pub fn read(&self, cell: &str, values: &mut Vec<f32>) -> Result<(), String> {
        let name = shown(&self.name);
        if cell.trim().is_empty() {
            return Err(format!("the value in column `{name}` is missing"));
        }
        match &self.read {
            ColumnRead::Number => {
                values.push(number(cell).map_err(|bad| bad.message(cell, &self.name, false))?)
            }
            ColumnRead::Year => values.push(year(cell, &self.name)?),
            ColumnRead::OneHot { categories } => {
                let at = one_hot(cell, &self.name, categories, true)?;
                let start = values.len();
                values.resize(start + categories.len(), 0.0);
                values[start + at] = 1.0;
            }
        }
        Ok(())
    }

    /// The number of features it gives.
    pub fn width(&self) -> usize {
        match &self.read {
            ColumnRead::OneHot { categories } => categories.len(),
            ColumnRead::Number | ColumnRead::Year => 1,
        }
    }
}

/// A table file's text column and label column (its other columns are not read).
#[derive(Debug, Clone, PartialEq)]
pub struct TextTable {
    /// One text per row, as written.
    pub texts: Vec<String>,
    /// One label per row: the number, or the class id of a string label.
    pub labels: Vec<f32>,
    /// For string labels, the class names: id `i` is `classes[i]`.
    pub classes: Option<Vec<String>>,
}

/// What a file's label cells are. The training file decides; its validation and test
/// files follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Labels<'a> {
    /// The training file: its labels are numbers when every label cell is one (what
    /// Rust's `f32` parser accepts), else strings, each a class; the classes are its
    /// distinct labels (trimmed, every row) in byte order, class id = position.
    Decide,
    /// Numbers, as the training file's are.
    Numbers,
    /// Class names, the training file's (sorted): a label not among them is an error.
    Classes(&'a [String]),
}

/// A file's header and rows as its format gives them, before they are read as numbers,
/// text and labels.
#[derive(Debug)]
pub(super) struct Records {
    /// The header (CSV's first line, JSON Lines' first object's keys); `None` for a file
    /// with nothing but blank lines.
    pub header: Option<Row>,
    /// Every row in file order, or what made it unreadable.
    pub rows: Vec<Result<Row, DataError>>,
}

/// One row's cells and where they are written.
#[derive(Debug, Clone)]
pub(super) struct Row {
    /// The cells, as text; a missing value (JSON's `null`) is an empty cell.
    pub cells: Vec<String>,
    /// The 1-based line the row starts on.
    pub line: usize,
    /// Each cell's 1-based column; empty when a cell's column is its field number (CSV).
    pub columns: Vec<usize>,
    /// Each cell's 1-based line, for a row written over several lines (a JSON file's
    /// record); empty when every cell is on `line`.
    pub lines: Vec<usize>,
}

impl Row {
    /// The column of cell `index` (or of the first missing cell, past the last).
    fn column(&self, index: usize) -> usize {
        self.columns.get(index).copied().unwrap_or(index + 1)
    }

    /// The line of cell `index` (or the row's first line, past the last).
    fn line(&self, index: usize) -> usize {
        self.lines.get(index).copied().unwrap_or(self.line)
    }
}

/// Reads `path`: a header, then one row per example; the columns `columns` chooses (by
/// default every column but `label`) are features. The file is a training file
/// ([`Labels::Decide`], its categories its own). Labels are checked against what the
/// experiments need (`rule`).
///
/// Header names and cells are trimmed of surrounding spaces; a cell is a number when
/// Rust's `f32` parser accepts it and it is finite. A UTF-8 byte-order mark, CRLF line
/// ends, blank lines and a trailing newline are accepted.
pub fn read(
    path: &Path,
    format: TableFormat,
    label: &str,
    columns: &Columns,
    rule: &LabelRule,
) -> Result<Table, DataError> {
    read_like(path, format, label, columns, rule, None)
}

/// [`read`] for a validation or test file when `train` is the training file's table: its
/// labels and categories follow the training file's.
pub fn read_like(
    path: &Path,
    format: TableFormat,
    label: &str,
    columns: &Columns,
    rule: &LabelRule,
    train: Option<&Table>,
) -> Result<Table, DataError> {
    let labels = match train {
        None => Labels::Decide,
        Some(Table {
            classes: Some(classes),
            ..
        }) => Labels::Classes(classes),
        Some(_) => Labels::Numbers,
    };
    let reading = Reading {
        label,
        text: None,
        columns,
        rule,
        labels,
        categories: train.map(|t| t.categories.as_slice()),
    };
    let parsed = parse(records(path, format)?, path, format, &reading)?;
    Ok(Table {
        features: Dense {
            width: parsed.names.len(),
            values: parsed.values,
        },
        columns: parsed.names,
        labels: parsed.labels,
        classes: parsed.classes,
        categories: parsed.categories,
        dropped: parsed.dropped,
        inputs: parsed.inputs,
    })
}

/// Reads the text column `text` and the label column `label` of `path` (a header, then
/// one row per example; other columns are ignored). A text cell must hold more than
/// spaces. Labels are read as `labels` says and checked against `rule`.
pub fn read_text(
    path: &Path,
    format: TableFormat,
    text: &str,
    label: &str,
    rule: &LabelRule,
    labels: Labels,
) -> Result<TextTable, DataError> {
    let reading = Reading {
        label,
        text: Some(text),
        columns: &Columns::default(),
        rule,
        labels,
        categories: None,
    };
    let parsed = parse(records(path, format)?, path, format, &reading)?;
    Ok(TextTable {
        texts: parsed.texts,
        labels: parsed.labels,
        classes: parsed.classes,
    })
}

/// The number of features (for shape inference before training): from the header alone,
/// unless a categorical column's categories must be read from the rows.
///
/// The header is checked as [`read`] checks it, so a file that `width` accepts fails in
/// `read` only because of its rows.
pub fn width(
    path: &Path,
    format: TableFormat,
    label: &str,
    columns: &Columns,
) -> Result<usize, DataError> {
    let header = read_header(path, format, label, None, columns)?;
    if columns.categorical.is_empty() {
        return Ok(header.features.len());
    }
    let table = read(path, format, label, columns, &LabelRule::any_number())?;
    Ok(table.features.width)
}

/// Checks the header of `path` as [`read`] (`text` `None`) or [`read_text`] checks it:
/// the named columns present, the label not a feature; from the header alone (for
/// `ofit check`).
pub fn check_header(
    path: &Path,
    format: TableFormat,
    label: &str,
    text: Option<&str>,
    columns: &Columns,
) -> Result<(), DataError> {
    read_header(path, format, label, text, columns).map(|_| ())
}

/// The names in the file's header, trimmed, in file order, read from the header alone
/// (for `ofit check`'s lint). Only an unreadable file, one without a header or with a
/// header that is not UTF-8 text is an error here; [`width`] checks the rest.
pub fn columns(path: &Path, format: TableFormat) -> Result<Vec<String>, DataError> {
    match header_row(path, format)? {
        Some(row) => Ok(row
            .cells
            .iter()
            .map(|name| name.trim().to_string())
            .collect()),
        None => Err(no_header(path, format)),
    }
}

/// The whole file's records.
fn records(path: &Path, format: TableFormat) -> Result<Records, DataError> {
    // The whole file is read first: its values are kept in memory anyway, and the bytes
    // give an error its true line.
    let bytes = std::fs::read(path).map_err(|e| DataError::io("read", path, &e))?;
    match format {
        TableFormat::Csv => csv::records(&bytes, path),
        TableFormat::JsonLines => json_lines::records(&bytes, path),
        TableFormat::Json => json_records::records(&bytes, path),
    }
}

/// The header alone, read from the start of the file (once per version of the file).
fn header_row(path: &Path, format: TableFormat) -> Result<Option<Row>, DataError> {
    super::header_cache::HeaderCache::shared().get_or_read(path, format, || match format {
        TableFormat::Csv => csv::header(path),
        TableFormat::JsonLines => json_lines::header(path),
        TableFormat::Json => json_records::header(path),
    })
}

/// The checked header of `path`, read from the header alone.
fn read_header(
    path: &Path,
    format: TableFormat,
    label: &str,
    text: Option<&str>,
    columns: &Columns,
) -> Result<Header, DataError> {
    let row = header_row(path, format)?.ok_or_else(|| no_header(path, format))?;
    header(&row, path, label, text, columns)
}

/// A file with nothing to read a header from.
fn no_header(path: &Path, format: TableFormat) -> DataError {
    invalid(
        path,
        match format {
            TableFormat::Csv => "has no header line",
            TableFormat::JsonLines => "has no lines, not even one object",
            TableFormat::Json => "holds an empty list, not even one record",
        }
        .into(),
    )
}

/// The header, checked: named columns, no name twice, the label column present and
/// at least one feature column besides it (or, for text, the text column).
struct Header {
    /// Every column's name, trimmed, in file order (the label column included).
    names: Vec<String>,
    /// The label column's index in `names`.
    label: usize,
    /// The text column's index in `names`, for a text file.
    text: Option<usize>,
    /// For numeric features, the columns read, in feature order, and how.
    features: Vec<(usize, Read)>,
}

/// How a feature column's cells become features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// A number, as written.
    Number,
    /// A date, as its year.
    Year,
    /// A name, one-hot over the categorical column's categories (its index among them).
    OneHot(usize),
}

/// What to read of a file, and how its labels and categories are decided.
struct Reading<'a> {
    label: &'a str,
    text: Option<&'a str>,
    columns: &'a Columns,
    rule: &'a LabelRule,
    labels: Labels<'a>,
    /// The training file's categories, for a validation or test file.
    categories: Option<&'a [Vec<String>]>,
}

/// A file's rows as read: numeric features or texts, and labels.
#[derive(Debug)]
struct Parsed {
    /// The features' names.
    names: Vec<String>,
    values: Vec<f32>,
    texts: Vec<String>,
    labels: Vec<f32>,
    classes: Option<Vec<String>>,
    categories: Vec<Vec<String>>,
    dropped: usize,
    inputs: Vec<FeatureColumn>,
}

/// Reads the file's `records` (`path` names it in errors) as `reading` says: numeric
/// features (`text` `None`) or the text column, and the labels.
fn parse(
    records: Records,
    path: &Path,
    format: TableFormat,
    reading: &Reading,
) -> Result<Parsed, DataError> {
    let Some(header_row) = records.header else {
        return Err(no_header(path, format));
    };
    let header = header(
        &header_row,
        path,
        reading.label,
        reading.text,
        reading.columns,
    )?;
    let fields = header.names.len();
    let drop_missing = reading.columns.missing == Missing::Drop;
    let read_columns: Vec<usize> = std::iter::once(header.label)
        .chain(header.text)
        .chain(header.features.iter().map(|&(index, _)| index))
        .collect();
    let rows = records.rows;
    // The rows that are read: whole, and with no missing value when those are dropped.
    let kept = |row: &Row| {
        row.cells.len() == fields
            && !(drop_missing && read_columns.iter().any(|&i| row.cells[i].trim().is_empty()))
    };

    // Whether labels are numbers or class names, and the categories, depend on every row.
    let label_cells = || {
        rows.iter()
            .filter_map(|r| r.as_ref().ok())
            .filter(|r| kept(r))
            .map(|r| r.cells[header.label].trim())
            .filter(|cell| !cell.is_empty())
    };
    let decided: Option<Vec<String>>;
    let (classes, first_name): (Option<&[String]>, Option<(usize, String)>) = match reading.labels {
        Labels::Numbers => (None, None),
        Labels::Classes(classes) => (Some(classes), None),
        Labels::Decide => {
            let named = rows
                .iter()
                .filter_map(|r| r.as_ref().ok())
                .filter(|r| kept(r))
                .find(|r| {
                    let cell = r.cells[header.label].trim();
                    !cell.is_empty() && cell.parse::<f32>().is_err()
                })
                .map(|r| {
                    (
                        r.line(header.label),
                        r.cells[header.label].trim().to_string(),
                    )
                });
            decided = named.as_ref().map(|_| {
                let mut all: Vec<String> = label_cells().map(str::to_string).collect();
                all.sort_unstable();
                all.dedup();
                all
            });
            (decided.as_deref(), named)
        }
    };
    let categories: Vec<Vec<String>> = match reading.categories {
        Some(categories) => categories.to_vec(),
        None => header
            .features
            .iter()
            .filter(|(_, read)| matches!(read, Read::OneHot(_)))
            .map(|&(index, _)| {
                let mut all: Vec<String> = rows
                    .iter()
                    .filter_map(|r| r.as_ref().ok())
                    .filter(|r| kept(r))
                    .map(|r| r.cells[index].trim().to_string())
                    .filter(|cell| !cell.is_empty())
                    .collect();
                all.sort_unstable();
                all.dedup();
                all
            })
            .collect(),
    };
    let mut names = Vec::new();
    for &(index, read) in &header.features {
        match read {
            Read::OneHot(c) => names.extend(
                categories[c]
                    .iter()
                    .map(|category| format!("{}_{category}", header.names[index])),
            ),
            Read::Number | Read::Year => names.push(header.names[index].clone()),
        }
    }

    let mut values = Vec::new();
    let mut texts = Vec::new();
    let mut labels = Vec::new();
    let mut dropped = 0;
    let mut problems = Problems::default();
    // The feature columns whose first cell that is not a number said how to read it.
    let mut hinted: Vec<usize> = Vec::new();
    for row in rows {
        let row = match row {
            Ok(row) => row,
            Err(error @ DataError::Syntax { .. }) => {
                // A row that cannot be read is one problem: go on with the others.
                problems.push(error);
                continue;
            }
            Err(other) => return Err(other),
        };
        let at = |index: usize, message: String| DataError::Syntax {
            path: path.to_path_buf(),
            line: row.line(index),
            column: row.column(index),
            message,
        };
        if row.cells.len() != fields {
            // The first field that is missing, or the first one too many.
            problems.push(at(
                row.cells.len().min(fields),
                format!(
                    "row has {}, the header has {fields}",
                    count(row.cells.len(), "field")
                ),
            ));
            continue;
        }
        if !kept(&row) {
            dropped += 1;
            continue;
        }
        let label_cell = &row.cells[header.label];
        match label_value(
            label_cell,
            &header.names[header.label],
            classes,
            reading.rule,
        ) {
            Ok(value) => labels.push(value),
            Err(message) => {
                problems.push(at(header.label, message));
                // A row with a problem pushes what it has: the read fails anyway.
                labels.push(0.0);
            }
        }
        if let Some(index) = header.text {
            let cell = &row.cells[index];
            if cell.trim().is_empty() {
                problems.push(at(
                    index,
                    format!(
                        "the text in column `{}` is empty",
                        shown(&header.names[index])
                    ),
                ));
            }
            texts.push(cell.clone());
        }
        for &(index, read) in &header.features {
            let (cell, name) = (&row.cells[index], &header.names[index]);
            let value = match read {
                Read::Number => number(cell).map_err(|bad| {
                    let hint = !hinted.contains(&index);
                    if hint {
                        hinted.push(index);
                    }
                    bad.message(cell, name, hint)
                }),
                Read::Year => year(cell, name),
                Read::OneHot(c) => {
                    match one_hot(cell, name, &categories[c], reading.categories.is_some()) {
                        Ok(position) => {
                            let start = values.len();
                            values.resize(start + categories[c].len(), 0.0);
                            values[start + position] = 1.0;
                            continue;
                        }
                        Err(message) => Err(message),
                    }
                }
            };
            match value {
                Ok(value) => values.push(value),
                Err(message) => problems.push(at(index, message)),
            }
        }
    }

    if let Some(error) = problems.into_error(path) {
        return Err(error);
    }
    if labels.is_empty() {
        return Err(invalid(
            path,
            if dropped > 0 {
                format!(
                    "has no examples left: every one of its {} rows misses a value",
                    dropped
                )
            } else {
                "has no examples, only a header line".into()
            },
        ));
    }
    if let (Some(classes), Some((line, first))) = (classes, first_name) {
        // Class ids run from 0 to k − 1: the largest is the one a rule can refuse.
        let largest = classes.len().saturating_sub(1);
        if let Err(why) = reading.rule.check(largest as f32) {
            return Err(invalid(
                path,
                format!(
                    "the labels in column `{}` are not all numbers (line {line} has `{}`), so \
                     they name {}: {}, class ids 0 to {largest} in byte order; but {why}",
                    shown(reading.label),
                    shown(&first),
                    if classes.len() == 1 {
                        "1 class".to_string()
                    } else {
                        format!("{} classes", classes.len())
                    },
                    class_names(classes),
                ),
            ));
        }
    }
    Ok(Parsed {
        names,
        values,
        texts,
        labels,
        classes: classes.map(<[String]>::to_vec),
        inputs: header
            .features
            .iter()
            .map(|&(index, read)| FeatureColumn {
                name: header.names[index].clone(),
                read: match read {
                    Read::Number => ColumnRead::Number,
                    Read::Year => ColumnRead::Year,
                    Read::OneHot(c) => ColumnRead::OneHot {
                        categories: categories[c].clone(),
                    },
                },
            })
            .collect(),
        categories,
        dropped,
    })
}

/// Ends the message of a missing value.
const DROP_HINT: &str = " (an empty cell, or null): `missing = drop` leaves such rows out";

/// The year of a date cell (`YYYY-MM-DD`, optionally followed by a time) in column
/// `name`.
fn year(cell: &str, name: &str) -> Result<f32, String> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Err(format!(
            "the date in column `{}` is missing{DROP_HINT}",
            shown(name)
        ));
    }
    date_year(cell).ok_or_else(|| {
        format!(
            "`{}` in column `{}` is not a date written `YYYY-MM-DD`",
            shown(cell),
            shown(name)
        )
    })
}

/// The year of `YYYY-MM-DD…` (ISO 8601's calendar date, as JSON data writes dates), if
/// the text starts with one; month and day are checked to be in range.
fn date_year(text: &str) -> Option<f32> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let separators = b.get(4) == Some(&b'-') && b.get(7) == Some(&b'-');
    let rest = matches!(b.get(10), None | Some(b'T' | b' '));
    (separators && rest && (1..=12).contains(&month) && (1..=31).contains(&day))
        .then_some(year as f32)
}

/// The position among `categories` of a categorical cell in column `name`;
/// `following` when the categories are the training file's.
fn one_hot(
    cell: &str,
    name: &str,
    categories: &[String],
    following: bool,
) -> Result<usize, String> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Err(format!(
            "the name in column `{}` is missing{DROP_HINT}",
            shown(name)
        ));
    }
    categories
        .binary_search_by(|c| c.as_str().cmp(cell))
        .map_err(|_| {
            debug_assert!(
                following,
                "the training file's categories are its own names"
            );
            format!(
                "`{}` in column `{}` is not one of the training file's names, {}",
                shown(cell),
                shown(name),
                class_names(categories)
            )
        })
}

/// The label of a `cell` in column `name`: its number, or its class id among `classes`
/// (sorted); else the message of what is wrong with it.
fn label_value(
    cell: &str,
    name: &str,
    classes: Option<&[String]>,
    rule: &LabelRule,
) -> Result<f32, String> {
    let Some(classes) = classes else {
        let value = number(cell).map_err(|bad| bad.message(cell, name, false))?;
        rule.check(value).map_err(|why| {
            format!(
                "label `{}` in column `{}`, but {why}",
                shown(cell.trim()),
                shown(name)
            )
        })?;
        return Ok(value);
    };
    let cell = cell.trim();
    if cell.is_empty() {
        return Err(format!("the label in column `{}` is empty", shown(name)));
    }
    match classes.binary_search_by(|c| c.as_str().cmp(cell)) {
        Ok(id) => Ok(id as f32),
        Err(_) => Err(format!(
            "label `{}` in column `{}` is not one of the training file's classes, {}",
            shown(cell),
            shown(name),
            class_names(classes)
        )),
    }
}

/// "`negative` and `positive`"; past eight classes, the first eight and how many more.
fn class_names(classes: &[String]) -> String {
    const SHOWN: usize = 8;
    let cut: Vec<std::borrow::Cow<str>> = classes.iter().take(SHOWN).map(|c| shown(c)).collect();
    let cut: Vec<&str> = cut.iter().map(|c| c.as_ref()).collect();
    if classes.len() > SHOWN {
        format!(
            "{} … ({} in all)",
            cut.iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", "),
            classes.len()
        )
    } else {
        quoted_list(&cut, "and")
    }
}

/// The problems found in a file: the first [`MAX_REPORTED`], and a count of all.
#[derive(Default)]
struct Problems {
    first: Vec<DataError>,
    count: usize,
}

impl Problems {
    fn push(&mut self, error: DataError) {
        if self.first.len() < MAX_REPORTED {
            self.first.push(error);
        }
        self.count += 1;
    }

    /// One problem as itself, several as [`DataError::Many`], none as `None`.
    fn into_error(mut self, path: &Path) -> Option<DataError> {
        match self.count {
            0 => None,
            1 => self.first.pop(),
            count => Some(DataError::Many {
                path: path.to_path_buf(),
                more: count - self.first.len(),
                errors: self.first,
            }),
        }
    }
}

/// Checks the header `row`.
fn header(
    row: &Row,
    path: &Path,
    label: &str,
    text: Option<&str>,
    columns: &Columns,
) -> Result<Header, DataError> {
    let names: Vec<String> = row
        .cells
        .iter()
        .map(|name| name.trim().to_string())
        .collect();

    let mut seen = std::collections::HashSet::new();
    for (index, name) in names.iter().enumerate() {
        if name.is_empty() {
            return Err(DataError::Syntax {
                path: path.to_path_buf(),
                line: row.line(index),
                column: row.column(index),
                message: format!("column {} has no name in the header", index + 1),
            });
        }
        if !seen.insert(name) {
            return Err(invalid(
                path,
                format!("the header names column `{}` twice", shown(name)),
            ));
        }
    }

    let label_index = column(&names, label, path)?;
    let text_index = match text {
        Some(text) if text == label => {
            return Err(invalid(
                path,
                format!(
                    "column `{}` cannot be both the text and the label",
                    shown(text)
                ),
            ))
        }
        Some(text) => Some(column(&names, text, path)?),
        None => None,
    };
    let features = match text {
        Some(_) => Vec::new(),
        None => features(&names, label_index, columns, path)?,
    };
    if features.is_empty() && text.is_none() {
        return Err(invalid(
            path,
            if names.len() == 1 {
                format!("has no feature columns, only the label column `{label}`")
            } else {
                "has no feature columns left: `drop` leaves out all but the label".to_string()
            },
        ));
    }
    Ok(Header {
        names,
        label: label_index,
        text: text_index,
        features,
    })
}

/// The feature columns of a header (`names`, the label at `label`) that `columns`
/// chooses, in feature order, and how each is read; a named column that is not in the
/// header is an error with the closest name.
fn features(
    names: &[String],
    label: usize,
    columns: &Columns,
    path: &Path,
) -> Result<Vec<(usize, Read)>, DataError> {
    let chosen: Vec<usize> = match &columns.features {
        Some(features) => features
            .iter()
            .map(|name| column(names, name, path))
            .collect::<Result<_, _>>()?,
        None => {
            let dropped: Vec<usize> = columns
                .drop
                .iter()
                .map(|name| column(names, name, path))
                .collect::<Result<_, _>>()?;
            (0..names.len())
                .filter(|i| *i != label && !dropped.contains(i))
                .collect()
        }
    };
    if chosen.contains(&label) {
        return Err(invalid(
            path,
            format!(
                "column `{}` is the label; it cannot be a feature too",
                shown(&names[label])
            ),
        ));
    }
    let dates: Vec<usize> = columns
        .dates
        .iter()
        .map(|name| column(names, name, path))
        .collect::<Result<_, _>>()?;
    let categorical: Vec<usize> = columns
        .categorical
        .iter()
        .map(|name| column(names, name, path))
        .collect::<Result<_, _>>()?;
    for &index in dates.iter().chain(&categorical) {
        if !chosen.contains(&index) {
            return Err(invalid(
                path,
                format!(
                    "column `{}` is read specially (`categorical` or `dates`) but is not a feature",
                    shown(&names[index])
                ),
            ));
        }
    }
    let mut one_hot = 0;
    Ok(chosen
        .into_iter()
        .map(|index| {
            let read = if dates.contains(&index) {
                Read::Year
            } else if categorical.contains(&index) {
                one_hot += 1;
                Read::OneHot(one_hot - 1)
            } else {
                Read::Number
            };
            (index, read)
        })
        .collect())
}

/// The index of column `wanted` among `names`; else an error that lists the columns and
/// suggests the closest.
fn column(names: &[String], wanted: &str, path: &Path) -> Result<usize, DataError> {
    if let Some(index) = names.iter().position(|name| name == wanted) {
        return Ok(index);
    }
    let all: Vec<&str> = names.iter().map(String::as_str).collect();
    let cut: Vec<std::borrow::Cow<str>> = all.iter().map(|name| shown(name)).collect();
    let cut: Vec<&str> = cut.iter().map(|name| name.as_ref()).collect();
    let label = shown(wanted);
    let mut message = match cut.as_slice() {
        [only] => format!("no column `{label}`; the only column is `{only}`"),
        _ => format!(
            "no column `{label}`; the columns are {}",
            quoted_list(&cut, "and")
        ),
    };
    if let Some(close) = did_you_mean(&label, all.iter().copied()) {
        message.push_str(&format!(" — did you mean `{}`?", shown(close)));
    } else if let [only] = all.as_slice() {
        // One column whose name holds another separator is a file that is not
        // comma-separated, the usual reason a label column seems to be missing.
        if let Some(separator) = [';', '\t', '|'].into_iter().find(|c| only.contains(*c)) {
            message.push_str(&format!(
                " — the file seems to separate columns with {}, not commas",
                if separator == '\t' {
                    "tabs".to_string()
                } else {
                    format!("`{separator}`")
                }
            ));
        }
    }
    Err(invalid(path, message))
}

/// Why a cell is not a usable number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NotANumber {
    /// Nothing but spaces.
    Empty,
    /// The `f32` parser rejects it.
    Unparsable,
    /// NaN or infinite (including a value too large for `f32`).
    NotFinite,
}

impl NotANumber {
    /// The message for `cell` in column `name`; with `hint`, a text says which setting
    /// reads it (given once a column, not on each of its cells).
    fn message(self, cell: &str, name: &str, hint: bool) -> String {
        let (cell, name) = (shown(cell.trim()), shown(name));
        match self {
            NotANumber::Empty => format!("the value in column `{name}` is missing{DROP_HINT}"),
            NotANumber::Unparsable if hint && date_year(&cell).is_some() => format!(
                "`{cell}` in column `{name}` is a date, not a number (`dates = [\"{name}\"]` \
                 reads its year)"
            ),
            NotANumber::Unparsable if hint => format!(
                "`{cell}` in column `{name}` is not a number (a column of names is read with \
                 `categorical = [\"{name}\"]`)"
            ),
            NotANumber::Unparsable => format!("`{cell}` in column `{name}` is not a number"),
            NotANumber::NotFinite => {
                format!("`{cell}` in column `{name}` is not a finite number")
            }
        }
    }
}

/// The cell's value: what Rust's `f32` parser accepts after trimming spaces, if finite.
/// NaN and infinity parse but are refused, because one of them poisons every weight it
/// reaches in training.
fn number(cell: &str) -> Result<f32, NotANumber> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Err(NotANumber::Empty);
    }
    match cell.parse::<f32>() {
        Ok(value) if value.is_finite() => Ok(value),
        Ok(_) => Err(NotANumber::NotFinite),
        Err(_) => Err(NotANumber::Unparsable),
    }
}

/// "1 field", "2 fields".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A whole-file problem.
fn invalid(path: &Path, message: String) -> DataError {
    DataError::Invalid {
        path: path.to_path_buf(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Labels 0 or 1.
    fn binary() -> LabelRule {
        LabelRule::binary("model `m` of experiment `e` trains with binary_crossentropy")
    }

    fn read_as(format: TableFormat, bytes: &[u8], rule: LabelRule) -> Result<Parsed, DataError> {
        let (path, records) = match format {
            TableFormat::Csv => (Path::new("t.csv"), csv::records(bytes, Path::new("t.csv"))),
            TableFormat::JsonLines => (
                Path::new("t.jsonl"),
                json_lines::records(bytes, Path::new("t.jsonl")),
            ),
            TableFormat::Json => (
                Path::new("t.json"),
                json_records::records(bytes, Path::new("t.json")),
            ),
        };
        let reading = Reading {
            label: "label",
            text: None,
            columns: &Columns::default(),
            rule: &rule,
            labels: Labels::Decide,
            categories: None,
        };
        parse(records?, path, format, &reading)
    }

    fn read_test(bytes: &[u8], rule: LabelRule) -> Result<Parsed, DataError> {
        read_as(TableFormat::Csv, bytes, rule)
    }

    fn error(bytes: &[u8], rule: LabelRule) -> String {
        read_test(bytes, rule).unwrap_err().to_string()
    }

    #[test]
    fn numbers_are_what_f32_parses_after_trimming() {
        assert_eq!(number(" 1.5 "), Ok(1.5));
        assert_eq!(number("-2e3"), Ok(-2000.0));
        assert_eq!(number(".5"), Ok(0.5));
        assert_eq!(number("+3"), Ok(3.0));
        assert_eq!(number("\t7\t"), Ok(7.0));
    }

    #[test]
    fn empty_unparsable_and_non_finite_cells_are_refused() {
        assert_eq!(number("  "), Err(NotANumber::Empty));
        assert_eq!(number("1,5"), Err(NotANumber::Unparsable));
        assert_eq!(number("0x10"), Err(NotANumber::Unparsable));
        assert_eq!(number("NaN"), Err(NotANumber::NotFinite));
        assert_eq!(number("-inf"), Err(NotANumber::NotFinite));
        assert_eq!(number("1e39"), Err(NotANumber::NotFinite));
    }

    #[test]
    fn a_bom_crlf_spaces_and_a_trailing_newline_are_tolerated() {
        let table =
            read_test(b"\xEF\xBB\xBFx , label\r\n 1 , 0 \r\n2,1\r\n\r\n", binary()).unwrap();
        assert_eq!(table.names, ["x"]);
        assert_eq!(table.values, [1.0, 2.0]);
        assert_eq!(table.labels, [0.0, 1.0]);
    }

    #[test]
    fn blank_lines_keep_line_numbers_true() {
        // The csv crate's own count says line 4 here.
        assert_eq!(
            error(b"x,label\n\n1,0\n\nq,1\n", binary()),
            "t.csv:5:1: `q` in column `x` is not a number (a column of names is read with `categorical = [\"x\"]`)"
        );
        assert_eq!(
            error(b"x,label\r\n\r\n1,0\r\n\r\nq,1\r\n", binary()),
            "t.csv:5:1: `q` in column `x` is not a number (a column of names is read with `categorical = [\"x\"]`)"
        );
        assert_eq!(
            error(b"x,label\r\r1,0\rq,1", binary()),
            "t.csv:4:1: `q` in column `x` is not a number (a column of names is read with `categorical = [\"x\"]`)"
        );
        assert_eq!(
            error(b"\xEF\xBB\xBF\n\n ,label\n1,0\n", binary()),
            "t.csv:3:1: column 1 has no name in the header"
        );
    }

    #[test]
    fn a_row_is_placed_at_the_line_it_starts_on() {
        assert_eq!(
            error(b"x,label\n\"1\n\",0\n2,7\n", binary()),
            "t.csv:4:2: label `7` in column `label`, but model `m` of experiment `e` \
             trains with binary_crossentropy: labels must be 0 or 1"
        );
        assert_eq!(
            error(b"\xEF\xBB\xBFx,label\nq,0\n", binary()),
            "t.csv:2:1: `q` in column `x` is not a number (a column of names is read with `categorical = [\"x\"]`)"
        );
    }

    #[test]
    fn the_width_places_a_header_mistake_at_its_line() {
        let path = std::env::temp_dir().join(format!("ofit-csv-width-{}.csv", std::process::id()));
        std::fs::write(&path, b"\r\n\r\nx,,label\r\n1,2,0\r\n").unwrap();
        let error = width(&path, TableFormat::Csv, "label", &Columns::default())
            .unwrap_err()
            .to_string();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            error,
            format!("{}:3:2: column 2 has no name in the header", path.display())
        );
    }

    #[test]
    fn quoted_cells_are_read() {
        let table =
            read_test(b"\"x\",\"label\"\n\"1\",\"2.5\"\n", LabelRule::any_number()).unwrap();
        assert_eq!(table.values, [1.0]);
        assert_eq!(table.labels, [2.5]);
    }

    #[test]
    fn an_empty_cell_and_an_infinite_one_are_named() {
        assert_eq!(
            error(b"x,label\n,0\n", binary()),
            "t.csv:2:1: the value in column `x` is missing (an empty cell, or null): `missing = drop` leaves such rows out"
        );
        assert_eq!(
            error(b"x,label\n1,inf\n", LabelRule::any_number()),
            "t.csv:2:2: `inf` in column `label` is not a finite number"
        );
    }

    #[test]
    fn an_extra_field_is_reported_at_the_first_one_too_many() {
        assert_eq!(
            error(b"x,label\n1,0,9,9\n", binary()),
            "t.csv:2:3: row has 4 fields, the header has 2"
        );
        assert_eq!(
            error(b"x,label\n1\n", binary()),
            "t.csv:2:2: row has 1 field, the header has 2"
        );
    }

    #[test]
    fn header_mistakes_are_named() {
        assert_eq!(
            error(b"x,x,label\n1,2,0\n", binary()),
            "`t.csv`: the header names column `x` twice"
        );
        assert_eq!(
            error(b"x,,label\n1,2,0\n", binary()),
            "t.csv:1:2: column 2 has no name in the header"
        );
        assert_eq!(
            error(b"label\n1\n", binary()),
            "`t.csv`: has no feature columns, only the label column `label`"
        );
        assert_eq!(error(b"\n\n", binary()), "`t.csv`: has no header line");
    }

    #[test]
    fn a_file_with_another_separator_is_pointed_out() {
        assert_eq!(
            error(b"x;y;label\n1;2;0\n", binary()),
            "`t.csv`: no column `label`; the only column is `x;y;label` \
             — the file seems to separate columns with `;`, not commas"
        );
    }

    #[test]
    fn every_problem_is_reported_even_after_text_that_is_not_utf8() {
        let error = read_test(b"x,label\n\xFF,0\nq,1\n1,2,3\n\xFE,7\n1,1\n", binary())
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            // A row that is not text is not read further: its label 7 goes unreported.
            "`t.csv` has 4 problems:\n\
             t.csv:2:1: the field is not valid UTF-8 text\n\
             t.csv:3:1: `q` in column `x` is not a number (a column of names is read with `categorical = [\"x\"]`)\n\
             t.csv:4:3: row has 3 fields, the header has 2\n\
             t.csv:5:1: the field is not valid UTF-8 text"
        );
    }

    #[test]
    fn text_that_is_not_utf8_is_an_error_at_its_field() {
        assert_eq!(
            error(b"x,label\n1,0\n2,\xFF\n", binary()),
            "t.csv:3:2: the field is not valid UTF-8 text"
        );
    }
}
