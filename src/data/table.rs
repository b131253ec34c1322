//! A CSV dataset file read strictly: a header line, then one row of numbers per example.
//!
//! Every column but the label column is a numeric feature. Nothing is guessed or skipped:
//! a ragged row, a cell that is not a number or a label the experiments cannot take is an
//! error naming the file, the line (the header is line 1) and the column (the 1-based
//! field number), because a silently dropped or zero-filled example would change what is
//! trained without anyone noticing. The whole file is read, so that every such problem is
//! reported at once (the first [`MAX_REPORTED`] of them, then how many more); a value
//! quoted in a message is cut to [`MAX_QUOTED`](super::error::MAX_QUOTED) characters.

use super::error::{shown, MAX_REPORTED};
use super::{DataError, Dense, LabelRule};
use crate::suggest::{did_you_mean, quoted_list};
use std::io::Read;
use std::path::{Path, PathBuf};

/// A CSV file read as numeric features plus a label column.
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

/// A CSV file's text column and label column (its other columns are not read).
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

/// Reads `path`: a header line, then one row per example; every column but `label` is a
/// numeric feature. The file is a training file ([`Labels::Decide`]). Labels are checked
/// against what the experiments need (`rule`).
///
/// Header names and cells are trimmed of surrounding spaces; a cell is a number when
/// Rust's `f32` parser accepts it and it is finite. A UTF-8 byte-order mark, CRLF line
/// ends, blank lines and a trailing newline are accepted.
pub fn read(path: &Path, label: &str, rule: &LabelRule) -> Result<Table, DataError> {
    read_labelled(path, label, rule, Labels::Decide)
}

/// [`read`] with the labels read as `labels` says (a validation or test file follows the
/// training file's labels).
pub fn read_labelled(
    path: &Path,
    label: &str,
    rule: &LabelRule,
    labels: Labels,
) -> Result<Table, DataError> {
    // The whole file is read first: its values are kept in memory anyway, and the bytes
    // are needed to give an error its true line (see [`line_at`]).
    let bytes = std::fs::read(path).map_err(|e| DataError::io("read", path, &e))?;
    let parsed = parse(&bytes, path, label, None, rule, labels)?;
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

/// Reads the text column `text` and the label column `label` of `path` (a header line,
/// then one row per example; other columns are ignored). A text cell must hold more than
/// spaces. Labels are read as `labels` says and checked against `rule`.
pub fn read_text(
    path: &Path,
    text: &str,
    label: &str,
    rule: &LabelRule,
    labels: Labels,
) -> Result<TextTable, DataError> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io("read", path, &e))?;
    let parsed = parse(&bytes, path, label, Some(text), rule, labels)?;
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
pub fn width(path: &Path, label: &str) -> Result<usize, DataError> {
    Ok(read_header(path, label, None)?.names.len() - 1)
}

/// Checks the header of a text file as [`read_text`] checks it (the text column and the
/// label column present, not the same), from the header alone (for `ofit check`).
pub fn check_text_header(path: &Path, text: &str, label: &str) -> Result<(), DataError> {
    read_header(path, label, Some(text)).map(|_| ())
}

/// The checked header of `path`, read from the header alone.
fn read_header(path: &Path, label: &str, text: Option<&str>) -> Result<Header, DataError> {
    let file = std::fs::File::open(path).map_err(|e| DataError::io("read", path, &e))?;
    // Only what the csv reader takes from the file is kept: the header and at most one
    // buffer more, enough to count the header's line.
    let mut recorder = Recorder {
        inner: file,
        seen: Vec::new(),
    };
    let record = reader(&mut recorder).headers().cloned();
    let record = record.map_err(|e| csv_error(path, &recorder.seen, e))?;
    header(&record, &recorder.seen, path, label, text)
}

/// The names in the file's header line, trimmed, in file order, read from the header
/// alone (for `ofit check`'s lint). Only an unreadable file, one without a header line or
/// with a header that is not UTF-8 text is an error here; [`width`] checks the rest.
pub fn columns(path: &Path) -> Result<Vec<String>, DataError> {
    let file = std::fs::File::open(path).map_err(|e| DataError::io("read", path, &e))?;
    let mut recorder = Recorder {
        inner: file,
        seen: Vec::new(),
    };
    let record = reader(&mut recorder).headers().cloned();
    let record = record.map_err(|e| csv_error(path, &recorder.seen, e))?;
    if record.is_empty() {
        return Err(invalid(path, "has no header line".into()));
    }
    Ok(record.iter().map(|name| name.trim().to_string()).collect())
}

/// The header line, checked: named columns, no name twice, the label column present and
/// at least one feature column besides it (or, for text, the text column).
struct Header {
    /// Every column's name, trimmed, in file order (the label column included).
    names: Vec<String>,
    /// The label column's index in `names`.
    label: usize,
    /// The text column's index in `names`, for a text file.
    text: Option<usize>,
}

/// The csv crate's reader, set up so that ragged rows reach us: with `flexible(false)` it
/// would report them without the column, and we want the same error shape everywhere.
/// (It strips a UTF-8 byte-order mark and skips blank lines by itself.)
fn reader<R: Read>(input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(input)
}

/// A reader that keeps a copy of everything read through it.
struct Recorder<R> {
    inner: R,
    seen: Vec<u8>,
}

impl<R: Read> Read for Recorder<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buffer)?;
        self.seen.extend_from_slice(&buffer[..n]);
        Ok(n)
    }
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

/// Reads the file's bytes (`path` names it in errors): numeric features (`text` `None`)
/// or the text column `text`, and the labels as `labels` says.
fn parse(
    bytes: &[u8],
    path: &Path,
    label: &str,
    text: Option<&str>,
    rule: &LabelRule,
    labels: Labels,
) -> Result<Parsed, DataError> {
    let mut reader = reader(bytes);
    let record = reader.headers().map_err(|e| csv_error(path, bytes, e))?;
    let header = header(record, bytes, path, label, text)?;
    let fields = header.names.len();

    // Every record first: whether labels are numbers or class names depends on all of
    // them. A record that is not UTF-8 text is kept as its error, in file order.
    let records: Vec<Result<csv::StringRecord, DataError>> = reader
        .records()
        .map(|r| r.map_err(|e| csv_error(path, bytes, e)))
        .collect();
    let label_cells = || {
        records
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .filter(|r| r.len() == fields)
            .map(|r| r[header.label].trim())
            .filter(|cell| !cell.is_empty())
    };
    let decided: Option<Vec<String>>;
    let (classes, first_name): (Option<&[String]>, Option<&csv::StringRecord>) = match labels {
        Labels::Numbers => (None, None),
        Labels::Classes(classes) => (Some(classes), None),
        Labels::Decide => {
            let named = records
                .iter()
                .filter_map(|r| r.as_ref().ok())
                .filter(|r| r.len() == fields)
                .find(|r| {
                    let cell = r[header.label].trim();
                    !cell.is_empty() && cell.parse::<f32>().is_err()
                });
            decided = named.map(|_| {
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
    for record in &records {
        let record = match record {
            Ok(record) => record,
            Err(error @ DataError::Syntax { .. }) => {
                // The reader moves past a record that is not UTF-8 text: go on.
                problems.push(clone_syntax(error));
                continue;
            }
            Err(other) => return Err(clone_syntax(other)),
        };
        // The line is only counted for an error, so a good file is not scanned twice.
        let at = |column: usize, message: String| DataError::Syntax {
            path: path.to_path_buf(),
            line: line_at(bytes, record.position()),
            column,
            message,
        };
        if record.len() != fields {
            // The first field that is missing, or the first one too many.
            problems.push(at(
                record.len().min(fields) + 1,
                format!(
                    "row has {}, the header has {fields}",
                    count(record.len(), "field")
                ),
            ));
            continue;
        }
        let mut row_label = 0.0;
        for (index, cell) in record.iter().enumerate() {
            let name = &header.names[index];
            if index == header.label {
                match label_value(cell, name, classes, rule) {
                    Ok(value) => row_label = value,
                    Err(message) => problems.push(at(index + 1, message)),
                }
            } else if header.text == Some(index) {
                if cell.trim().is_empty() {
                    problems.push(at(
                        index + 1,
                        format!("the text in column `{}` is empty", shown(name)),
                    ));
                }
                texts.push(cell.to_string());
            } else if header.text.is_none() {
                match number(cell) {
                    Ok(value) => values.push(value),
                    Err(bad) => problems.push(at(index + 1, bad.message(cell, name))),
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
    if let (Some(classes), Some(first)) = (classes, first_name) {
        // Class ids run from 0 to k − 1: the largest is the one a rule can refuse.
        let largest = classes.len().saturating_sub(1);
        if let Err(why) = rule.check(largest as f32) {
            return Err(invalid(
                path,
                format!(
                    "the labels in column `{}` are not all numbers (line {} has `{}`), so they \
                     name {}: {}, class ids 0 to {largest} in byte order; but {why}",
                    shown(label),
                    line_at(bytes, first.position()),
                    shown(first[header.label].trim()),
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

/// A record's error again (records are kept, their errors reported in order).
fn clone_syntax(error: &DataError) -> DataError {
    match error {
        DataError::Syntax {
            path,
            line,
            column,
            message,
        } => DataError::Syntax {
            path: path.clone(),
            line: *line,
            column: *column,
            message: message.clone(),
        },
        DataError::Invalid { path, message } => DataError::Invalid {
            path: path.clone(),
            message: message.clone(),
        },
        other => DataError::Invalid {
            path: PathBuf::new(),
            message: other.to_string(),
        },
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

/// Checks the header `record`, read from `bytes` (the file, or at least its start).
fn header(
    record: &csv::StringRecord,
    bytes: &[u8],
    path: &Path,
    label: &str,
    text: Option<&str>,
) -> Result<Header, DataError> {
    // The csv crate skips blank lines, so an empty file and one of blank lines both give
    // an empty header record.
    if record.is_empty() {
        return Err(invalid(path, "has no header line".into()));
    }
    let names: Vec<String> = record.iter().map(|name| name.trim().to_string()).collect();

    let mut seen = std::collections::HashSet::new();
    for (index, name) in names.iter().enumerate() {
        if name.is_empty() {
            return Err(DataError::Syntax {
                path: path.to_path_buf(),
                line: line_at(bytes, record.position()),
                column: index + 1,
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

/// The 1-based line of the record at `position` in `bytes`.
///
/// The csv crate's own line count (and byte offset) leaves out the blank lines it skips
/// before a record: its position is where it began looking for the record. So the record
/// starts past any line ends there (and past a byte-order mark at the very start), and
/// its line is one more than the line ends before that. A line end is `\n`, `\r\n` or a
/// lone `\r`, as for the csv crate; a line end inside a quoted field counts too, as it
/// does in an editor.
fn line_at(bytes: &[u8], position: Option<&csv::Position>) -> usize {
    let mut start = position.map_or(0, |p| p.byte() as usize).min(bytes.len());
    if start == 0 && bytes.starts_with(b"\xEF\xBB\xBF") {
        start = 3;
    }
    while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
        start += 1;
    }
    let before = &bytes[..start];
    let ends = before
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && before.get(i + 1) != Some(&b'\n')))
        .count();
    1 + ends
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

/// A csv crate error as ours: I/O stays I/O; text that is not UTF-8 is a mistake at its
/// line and field. The other kinds need options we do not use (strict lengths, seeking,
/// serde), so they are reported whole rather than assumed impossible.
fn csv_error(path: &Path, bytes: &[u8], error: csv::Error) -> DataError {
    match error.into_kind() {
        csv::ErrorKind::Io(e) => DataError::io("read", path, &e),
        csv::ErrorKind::Utf8 { pos, err } => DataError::Syntax {
            path: path.to_path_buf(),
            line: line_at(bytes, pos.as_ref()),
            column: err.field() + 1,
            message: "the field is not valid UTF-8 text".to_string(),
        },
        other => invalid(path, format!("cannot be read as CSV: {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Labels 0 or 1.
    fn binary() -> LabelRule {
        LabelRule::binary("model `m` of experiment `e` trains with binary_crossentropy")
    }

    fn read_test(bytes: &[u8], rule: LabelRule) -> Result<Parsed, DataError> {
        parse(
            bytes,
            Path::new("t.csv"),
            "label",
            None,
            &rule,
            Labels::Decide,
        )
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
        let error = width(&path, "label").unwrap_err().to_string();
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
