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
use super::{csv, json_lines, DataError, Dense, LabelRule};
use crate::ir::TableFormat;
use crate::suggest::{did_you_mean, quoted_list};
use std::path::Path;

/// A table file read as numeric features plus a label column.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The feature columns' headers, in file order (the label column removed).
    pub columns: Vec<String>,
    /// The features, row-major.
    pub features: Dense,
    /// One label per row: the number, or the class id of a string label.
    pub labels: Vec<f32>,
    /// For string labels, the class names: id `i` is `classes[i]`.
    pub classes: Option<Vec<String>>,
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
    /// The cells, as text.
    pub cells: Vec<String>,
    /// The 1-based line the row starts on.
    pub line: usize,
    /// Each cell's 1-based column; empty when a cell's column is its field number (CSV).
    pub columns: Vec<usize>,
}

impl Row {
    /// The column of cell `index` (or of the first missing cell, past the last).
    fn column(&self, index: usize) -> usize {
        self.columns.get(index).copied().unwrap_or(index + 1)
    }
}

/// Reads `path`: a header, then one row per example; every column but `label` is a
/// numeric feature. The file is a training file ([`Labels::Decide`]). Labels are checked
/// against what the experiments need (`rule`).
///
/// Header names and cells are trimmed of surrounding spaces; a cell is a number when
/// Rust's `f32` parser accepts it and it is finite. A UTF-8 byte-order mark, CRLF line
/// ends, blank lines and a trailing newline are accepted.
pub fn read(
    path: &Path,
    format: TableFormat,
    label: &str,
    rule: &LabelRule,
) -> Result<Table, DataError> {
    read_labelled(path, format, label, rule, Labels::Decide)
}

/// [`read`] with the labels read as `labels` says (a validation or test file follows the
/// training file's labels).
pub fn read_labelled(
    path: &Path,
    format: TableFormat,
    label: &str,
    rule: &LabelRule,
    labels: Labels,
) -> Result<Table, DataError> {
    let parsed = parse(
        records(path, format)?,
        path,
        format,
        label,
        None,
        rule,
        labels,
    )?;
    let mut columns = parsed.names;
    columns.remove(parsed.label);
    Ok(Table {
        features: Dense {
            width: columns.len(),
            values: parsed.values,
        },
        columns,
        labels: parsed.labels,
        classes: parsed.classes,
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
    let parsed = parse(
        records(path, format)?,
        path,
        format,
        label,
        Some(text),
        rule,
        labels,
    )?;
    Ok(TextTable {
        texts: parsed.texts,
        labels: parsed.labels,
        classes: parsed.classes,
    })
}

/// The number of feature columns, from the header alone (for shape inference before
/// training): columns minus the label column.
///
/// The header is checked as [`read`] checks it, so a file that `width` accepts fails in
/// `read` only because of its rows.
pub fn width(path: &Path, format: TableFormat, label: &str) -> Result<usize, DataError> {
    Ok(read_header(path, format, label, None)?.names.len() - 1)
}

/// Checks the header of a text file as [`read_text`] checks it (the text column and the
/// label column present, not the same), from the header alone (for `ofit check`).
pub fn check_text_header(
    path: &Path,
    format: TableFormat,
    text: &str,
    label: &str,
) -> Result<(), DataError> {
    read_header(path, format, label, Some(text)).map(|_| ())
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
    }
}

/// The header alone, read from the start of the file.
fn header_row(path: &Path, format: TableFormat) -> Result<Option<Row>, DataError> {
    match format {
        TableFormat::Csv => csv::header(path),
        TableFormat::JsonLines => json_lines::header(path),
    }
}

/// The checked header of `path`, read from the header alone.
fn read_header(
    path: &Path,
    format: TableFormat,
    label: &str,
    text: Option<&str>,
) -> Result<Header, DataError> {
    let row = header_row(path, format)?.ok_or_else(|| no_header(path, format))?;
    header(&row, path, label, text)
}

/// A file with nothing to read a header from.
fn no_header(path: &Path, format: TableFormat) -> DataError {
    invalid(
        path,
        match format {
            TableFormat::Csv => "has no header line",
            TableFormat::JsonLines => "has no lines, not even one object",
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
}

/// A file's rows as read: numeric features or texts, and labels.
#[derive(Debug)]
struct Parsed {
    names: Vec<String>,
    label: usize,
    values: Vec<f32>,
    texts: Vec<String>,
    labels: Vec<f32>,
    classes: Option<Vec<String>>,
}

/// Reads the file's `records` (`path` names it in errors): numeric features (`text`
/// `None`) or the text column `text`, and the labels as `labels` says.
fn parse(
    records: Records,
    path: &Path,
    format: TableFormat,
    label: &str,
    text: Option<&str>,
    rule: &LabelRule,
    labels: Labels,
) -> Result<Parsed, DataError> {
    let Some(header_row) = records.header else {
        return Err(no_header(path, format));
    };
    let header = header(&header_row, path, label, text)?;
    let fields = header.names.len();
    let rows = records.rows;

    // Whether labels are numbers or class names depends on every row.
    let label_cells = || {
        rows.iter()
            .filter_map(|r| r.as_ref().ok())
            .filter(|r| r.cells.len() == fields)
            .map(|r| r.cells[header.label].trim())
            .filter(|cell| !cell.is_empty())
    };
    let decided: Option<Vec<String>>;
    let (classes, first_name): (Option<&[String]>, Option<(usize, String)>) = match labels {
        Labels::Numbers => (None, None),
        Labels::Classes(classes) => (Some(classes), None),
        Labels::Decide => {
            let named = rows
                .iter()
                .filter_map(|r| r.as_ref().ok())
                .filter(|r| r.cells.len() == fields)
                .find(|r| {
                    let cell = r.cells[header.label].trim();
                    !cell.is_empty() && cell.parse::<f32>().is_err()
                })
                .map(|r| (r.line, r.cells[header.label].trim().to_string()));
            decided = named.as_ref().map(|_| {
                let mut all: Vec<String> = label_cells().map(str::to_string).collect();
                all.sort_unstable();
                all.dedup();
                all
            });
            (decided.as_deref(), named)
        }
    };

    let mut values = Vec::new();
    let mut texts = Vec::new();
    let mut labels = Vec::new();
    let mut problems = Problems::default();
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
            line: row.line,
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
        let mut row_label = 0.0;
        for (index, cell) in row.cells.iter().enumerate() {
            let name = &header.names[index];
            if index == header.label {
                match label_value(cell, name, classes, rule) {
                    Ok(value) => row_label = value,
                    Err(message) => problems.push(at(index, message)),
                }
            } else if header.text == Some(index) {
                if cell.trim().is_empty() {
                    problems.push(at(
                        index,
                        format!("the text in column `{}` is empty", shown(name)),
                    ));
                }
                texts.push(cell.clone());
            } else if header.text.is_none() {
                match number(cell) {
                    Ok(value) => values.push(value),
                    Err(bad) => problems.push(at(index, bad.message(cell, name))),
                }
            }
        }
        // A row with a problem pushes what it has: the read fails anyway.
        labels.push(row_label);
    }

    if let Some(error) = problems.into_error(path) {
        return Err(error);
    }
    if labels.is_empty() {
        return Err(invalid(path, "has no examples, only a header line".into()));
    }
    if let (Some(classes), Some((line, first))) = (classes, first_name) {
        // Class ids run from 0 to k − 1: the largest is the one a rule can refuse.
        let largest = classes.len().saturating_sub(1);
        if let Err(why) = rule.check(largest as f32) {
            return Err(invalid(
                path,
                format!(
                    "the labels in column `{}` are not all numbers (line {line} has `{}`), so \
                     they name {}: {}, class ids 0 to {largest} in byte order; but {why}",
                    shown(label),
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
        names: header.names,
        label: header.label,
        values,
        texts,
        labels,
        classes: classes.map(<[String]>::to_vec),
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
        let value = number(cell).map_err(|bad| bad.message(cell, name))?;
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
fn header(row: &Row, path: &Path, label: &str, text: Option<&str>) -> Result<Header, DataError> {
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
                line: row.line,
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
    if names.len() == 1 && text.is_none() {
        return Err(invalid(
            path,
            format!("has no feature columns, only the label column `{label}`"),
        ));
    }
    Ok(Header {
        names,
        label: label_index,
        text: text_index,
    })
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
    /// The message for `cell` in column `name`.
    fn message(self, cell: &str, name: &str) -> String {
        let (cell, name) = (shown(cell.trim()), shown(name));
        match self {
            NotANumber::Empty => format!("the cell in column `{name}` is empty, not a number"),
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
        };
        parse(records?, path, format, "label", None, &rule, Labels::Decide)
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
        assert_eq!(table.names, ["x", "label"]);
        assert_eq!(table.values, [1.0, 2.0]);
        assert_eq!(table.labels, [0.0, 1.0]);
    }

    #[test]
    fn blank_lines_keep_line_numbers_true() {
        // The csv crate's own count says line 4 here.
        assert_eq!(
            error(b"x,label\n\n1,0\n\nq,1\n", binary()),
            "t.csv:5:1: `q` in column `x` is not a number"
        );
        assert_eq!(
            error(b"x,label\r\n\r\n1,0\r\n\r\nq,1\r\n", binary()),
            "t.csv:5:1: `q` in column `x` is not a number"
        );
        assert_eq!(
            error(b"x,label\r\r1,0\rq,1", binary()),
            "t.csv:4:1: `q` in column `x` is not a number"
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
            "t.csv:2:1: `q` in column `x` is not a number"
        );
    }

    #[test]
    fn the_width_places_a_header_mistake_at_its_line() {
        let path = std::env::temp_dir().join(format!("ofit-csv-width-{}.csv", std::process::id()));
        std::fs::write(&path, b"\r\n\r\nx,,label\r\n1,2,0\r\n").unwrap();
        let error = width(&path, TableFormat::Csv, "label")
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
            "t.csv:2:1: the cell in column `x` is empty, not a number"
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
             t.csv:3:1: `q` in column `x` is not a number\n\
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
