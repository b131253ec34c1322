//! A CSV file's header and rows as cells, each row at its true line: the CSV half of
//! [`table`](super::table), which reads the cells as features, text and labels.
//!
//! A cell's column is its 1-based field number. The csv crate strips a UTF-8 byte-order
//! mark and skips blank lines by itself; ragged rows reach the table as they are, so that
//! it can say which field is missing or one too many.

use super::table::{Records, Row};
use super::DataError;
use std::io::Read;
use std::path::Path;

/// Every record of the file's `bytes` (`path` names it in errors).
pub(super) fn records(bytes: &[u8], path: &Path) -> Result<Records, DataError> {
    let mut reader = reader(bytes);
    let mut lines = Lines::new(bytes);
    let header = match reader.headers() {
        Ok(record) => row(record, &mut lines),
        Err(e) => return Err(csv_error(path, &mut lines, e)),
    };
    let rows = reader
        .records()
        .map(|r| match r {
            Ok(record) => Ok(row(&record, &mut lines)),
            Err(e) => Err(csv_error(path, &mut lines, e)),
        })
        .collect();
    Ok(Records {
        header: nonempty(header),
        rows,
    })
}

/// The header line alone, read from the start of the file (for `ofit check` and shape
/// inference, which must not read a big file's rows).
pub(super) fn header(path: &Path) -> Result<Option<Row>, DataError> {
    let file = std::fs::File::open(path).map_err(|e| DataError::io("read", path, &e))?;
    // Only what the csv reader takes from the file is kept: the header and at most one
    // buffer more, enough to count the header's line.
    let mut recorder = Recorder {
        inner: file,
        seen: Vec::new(),
    };
    let record = reader(&mut recorder).headers().cloned();
    let mut lines = Lines::new(&recorder.seen);
    match record {
        Ok(record) => Ok(nonempty(row(&record, &mut lines))),
        Err(e) => Err(csv_error(path, &mut lines, e)),
    }
}

/// The csv crate skips blank lines, so an empty file and one of blank lines both give an
/// empty header record: no header.
fn nonempty(header: Row) -> Option<Row> {
    (!header.cells.is_empty()).then_some(header)
}

fn row(record: &csv::StringRecord, lines: &mut Lines) -> Row {
    Row {
        cells: record.iter().map(str::to_string).collect(),
        line: lines.at(record.position()),
        columns: Vec::new(),
        lines: Vec::new(),
    }
}

/// The csv crate's reader, set up so that ragged rows reach us: with `flexible(false)` it
/// would report them without the column, and we want the same error shape everywhere.
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

/// The 1-based lines of the records at increasing positions in `bytes`, counted in one
/// pass through the file.
///
/// The csv crate's own line count (and byte offset) leaves out the blank lines it skips
/// before a record: its position is where it began looking for the record. So the record
/// starts past any line ends there (and past a byte-order mark at the very start), and
/// its line is one more than the line ends before that. A line end is `\n`, `\r\n` or a
/// lone `\r`, as for the csv crate; a line end inside a quoted field counts too, as it
/// does in an editor.
struct Lines<'a> {
    bytes: &'a [u8],
    /// Line ends are counted in `bytes[..counted]`.
    counted: usize,
    ends: usize,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Lines {
            bytes,
            counted: 0,
            ends: 0,
        }
    }

    fn at(&mut self, position: Option<&csv::Position>) -> usize {
        let bytes = self.bytes;
        let mut start = position.map_or(0, |p| p.byte() as usize).min(bytes.len());
        if start == 0 && bytes.starts_with(b"\xEF\xBB\xBF") {
            start = 3;
        }
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start < self.counted {
            // Not expected (records come in order), but then count again from the start.
            *self = Lines::new(bytes);
        }
        // `start` is past every line end before it, so a `\r` just before it is a lone one.
        self.ends += (self.counted..start)
            .filter(|&i| {
                bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
            })
            .count();
        self.counted = start;
        1 + self.ends
    }
}

/// A csv crate error as ours: I/O stays I/O; text that is not UTF-8 is a mistake at its
/// line and field. The other kinds need options we do not use (strict lengths, seeking,
/// serde), so they are reported whole rather than assumed impossible.
fn csv_error(path: &Path, lines: &mut Lines, error: csv::Error) -> DataError {
    match error.into_kind() {
        csv::ErrorKind::Io(e) => DataError::io("read", path, &e),
        csv::ErrorKind::Utf8 { pos, err } => DataError::Syntax {
            path: path.to_path_buf(),
            line: lines.at(pos.as_ref()),
            column: err.field() + 1,
            message: "the field is not valid UTF-8 text".to_string(),
        },
        other => DataError::Invalid {
            path: path.to_path_buf(),
            message: format!("cannot be read as CSV: {other:?}"),
        },
    }
}
