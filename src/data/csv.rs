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
use std::path::Path;

/// A CSV file read as numeric features plus a label column.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The feature columns' headers, in file order (the label column removed).
    pub columns: Vec<String>,
    /// The features, row-major.
    pub features: Dense,
    /// One label per row.
    pub labels: Vec<f32>,
}

/// Reads `path`: a header line, then one row per example; every column but `label` is a
/// numeric feature. Labels are checked against what the experiments need (`rule`).
///
/// Header names and cells are trimmed of surrounding spaces; a cell is a number when
/// Rust's `f32` parser accepts it and it is finite. A UTF-8 byte-order mark, CRLF line
/// ends, blank lines and a trailing newline are accepted.
pub fn read(path: &Path, label: &str, rule: &LabelRule) -> Result<Table, DataError> {
    // The whole file is read first: its values are kept in memory anyway, and the bytes
    // are needed to give an error its true line (see [`line_at`]).
    let bytes = std::fs::read(path).map_err(|e| DataError::io("read", path, &e))?;
    read_bytes(&bytes, path, label, rule)
}

/// The number of feature columns, from the header alone (for shape inference before
/// training): columns minus the label column.
///
/// The header is checked as [`read`] checks it, so a file that `width` accepts fails in
/// `read` only because of its rows.
pub fn width(path: &Path, label: &str) -> Result<usize, DataError> {
    let file = std::fs::File::open(path).map_err(|e| DataError::io("read", path, &e))?;
    // Only what the csv reader takes from the file is kept: the header and at most one
    // buffer more, enough to count the header's line.
    let mut recorder = Recorder {
        inner: file,
        seen: Vec::new(),
    };
    let record = reader(&mut recorder).headers().cloned();
    let record = record.map_err(|e| csv_error(path, &recorder.seen, e))?;
    let header = header(&record, &recorder.seen, path, label)?;
    Ok(header.names.len() - 1)
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
/// at least one feature column besides it.
struct Header {
    /// Every column's name, trimmed, in file order (the label column included).
    names: Vec<String>,
    /// The label column's index in `names`.
    label: usize,
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

/// [`read`] on the file's bytes; `path` names it in errors.
fn read_bytes(
    bytes: &[u8],
    path: &Path,
    label: &str,
    rule: &LabelRule,
) -> Result<Table, DataError> {
    let mut reader = reader(bytes);
    let record = reader.headers().map_err(|e| csv_error(path, bytes, e))?;
    let header = header(record, bytes, path, label)?;
    let fields = header.names.len();
    let width = fields - 1;

    let mut values = Vec::new();
    let mut labels = Vec::new();
    let mut problems = Problems::default();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => match csv_error(path, bytes, e) {
                // The reader moves past a record that is not UTF-8 text: go on.
                error @ DataError::Syntax { .. } => {
                    problems.push(error);
                    continue;
                }
                other => return Err(other),
            },
        }
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
            let value = match number(cell) {
                Ok(value) => value,
                Err(bad) => {
                    problems.push(at(index + 1, bad.message(cell, name)));
                    continue;
                }
            };
            if index == header.label {
                if let Err(why) = rule.check(value) {
                    problems.push(at(
                        index + 1,
                        format!(
                            "label `{}` in column `{}`, but {why}",
                            shown(cell.trim()),
                            shown(name)
                        ),
                    ));
                }
                row_label = value;
            } else {
                values.push(value);
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
    let mut columns = header.names;
    columns.remove(header.label);
    Ok(Table {
        columns,
        features: Dense { width, values },
        labels,
    })
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

    let Some(label_index) = names.iter().position(|name| name == label) else {
        let all: Vec<&str> = names.iter().map(String::as_str).collect();
        let cut: Vec<std::borrow::Cow<str>> = all.iter().map(|name| shown(name)).collect();
        let cut: Vec<&str> = cut.iter().map(|name| name.as_ref()).collect();
        let label = shown(label);
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
        return Err(invalid(path, message));
    };

    if names.len() == 1 {
        return Err(invalid(
            path,
            format!("has no feature columns, only the label column `{label}`"),
        ));
    }
    Ok(Header {
        names,
        label: label_index,
    })
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

    fn read_test(bytes: &[u8], rule: LabelRule) -> Result<Table, DataError> {
        read_bytes(bytes, Path::new("t.csv"), "label", &rule)
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
        assert_eq!(table.columns, ["x"]);
        assert_eq!(table.features.values, [1.0, 2.0]);
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
        assert_eq!(table.features.values, [1.0]);
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
