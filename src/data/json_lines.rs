//! A JSON Lines file (one JSON object per line, as jsonlines.org defines it) as a table's
//! header and rows of cells: the JSON Lines half of [`table`](super::table), which reads
//! the cells as features, text and labels.
//!
//! The first object's keys are the columns, in the order written; every later object has
//! the same keys, in any order. A string value is its text, a number is its digits as
//! written, `true` and `false` are those words (so they can be class names), `null` a
//! missing value; a list or a nested object is refused, as is a line that is not one
//! object. A cell's
//! column is the 1-based character column where its value starts on its line, so that an
//! editor can jump to it. A UTF-8 byte-order mark, CRLF line ends and blank lines are
//! accepted. Each line's first problem is reported; the table reports every line's.

use super::table::{Records, Row};
use super::DataError;
use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

/// Every line of the file's `bytes` (`path` names it in errors): the first object's keys
/// as the header, then one row per object, its cells in the header's order.
pub(super) fn records(bytes: &[u8], path: &Path) -> Result<Records, DataError> {
    let mut lines = text_lines(bytes);
    let Some((first, line)) = lines.next() else {
        return Ok(Records {
            header: None,
            rows: Vec::new(),
        });
    };
    let object = parse(line, first, path)?;
    let header = header_of(&object, path)?;
    let index = key_index(&header);
    let mut rows = vec![cells(&object, &header, &index, path)];
    rows.extend(
        lines.map(|(number, line)| cells(&parse(line, number, path)?, &header, &index, path)),
    );
    Ok(Records {
        header: Some(header),
        rows,
    })
}

/// The first object's keys alone, read from the file's first line that is not blank (for
/// `ofit check` and shape inference, which must not read a big file's rows).
pub(super) fn header(path: &Path) -> Result<Option<Row>, DataError> {
    let file = std::fs::File::open(path).map_err(|e| DataError::io("read", path, &e))?;
    let mut reader = std::io::BufReader::new(file);
    let mut buffer = Vec::new();
    let mut number = 0;
    loop {
        buffer.clear();
        let read = reader
            .read_until(b'\n', &mut buffer)
            .map_err(|e| DataError::io("read", path, &e))?;
        if read == 0 {
            return Ok(None);
        }
        number += 1;
        let Some((_, line)) = text_lines(&buffer).next() else {
            continue;
        };
        return header_of(&parse(line, number, path)?, path).map(Some);
    }
}

/// A line's text, or where its bytes stop being UTF-8 (the column of the first bad byte).
type Line<'a> = Result<&'a str, BadText>;

/// The lines of `bytes` that are not blank, with their 1-based numbers, a byte-order mark
/// and `\r` line ends taken off.
fn text_lines(bytes: &[u8]) -> impl Iterator<Item = (usize, Line<'_>)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, line)| (i + 1, line.strip_suffix(b"\r").unwrap_or(line)))
        .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
        .map(|(number, line)| {
            let text = std::str::from_utf8(line).map_err(|e| {
                let valid = std::str::from_utf8(&line[..e.valid_up_to()]).unwrap_or_default();
                BadText {
                    column: valid.chars().count() + 1,
                }
            });
            (number, text)
        })
}

/// Bytes that are not UTF-8 text, from this column of their line on.
#[derive(Debug, Clone, Copy)]
struct BadText {
    column: usize,
}

impl BadText {
    fn error(self, line: usize, path: &Path) -> DataError {
        syntax(
            path,
            line,
            self.column,
            "the line is not valid UTF-8 text".to_string(),
        )
    }
}

/// An object's keys and values as written, in the order written, and where it starts.
pub(super) struct Object<'a> {
    pairs: Vec<Pair<'a>>,
    /// The 1-based line and character column of its `{`.
    line: usize,
    column: usize,
}

/// A key, its value as written and the 1-based line and character column where the value
/// starts.
pub(super) struct Pair<'a> {
    key: String,
    value: &'a str,
    line: usize,
    column: usize,
}

/// Byte offsets of a text as 1-based lines and character columns, for offsets asked in
/// increasing order: each character is counted once, however many values a line has.
pub(super) struct Places<'a> {
    text: &'a str,
    /// Up to this byte, the place is `line`, `column`.
    counted: usize,
    line: usize,
    column: usize,
}

impl<'a> Places<'a> {
    /// Places in `text`, whose first byte is on line `line`, column 1.
    pub fn new(text: &'a str, line: usize) -> Self {
        Places {
            text,
            counted: 0,
            line,
            column: 1,
        }
    }

    /// The line and column of byte `offset` (at or after the last one asked).
    pub fn at(&mut self, offset: usize) -> (usize, usize) {
        for c in self
            .text
            .get(self.counted..offset)
            .unwrap_or_default()
            .chars()
        {
            if c == '\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
        self.counted = self.counted.max(offset);
        (self.line, self.column)
    }
}

/// Line `number` as one object.
fn parse<'a>(line: Line<'a>, number: usize, path: &Path) -> Result<Object<'a>, DataError> {
    let line = line.map_err(|at| at.error(number, path))?;
    let at = |byte: usize, message: String| {
        let column = line.char_indices().take_while(|&(i, _)| i < byte).count() + 1;
        syntax(path, number, column, message)
    };
    // serde_json says whether the line is one JSON value (and where it is not); the pairs
    // are then read off the valid text, in order and with their places.
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(line) {
        // serde_json's column counts bytes, and its message ends with the position.
        let message = e.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m);
        return Err(at(
            e.column().saturating_sub(1),
            format!("the line is not one JSON object: {message}"),
        ));
    }
    let start = line.len() - line.trim_start().len();
    if line.as_bytes().get(start) != Some(&b'{') {
        return Err(at(
            start,
            format!("the line is {}, not one JSON object", what(&line[start..])),
        ));
    }
    match object(line, start, &mut Places::new(line, number)) {
        Some(object) => Ok(object),
        None => Err(at(start, "the line is not one JSON object".to_string())),
    }
}

/// The valid JSON object that starts at byte `start` of `text`, its places counted by
/// `places`.
pub(super) fn object<'a>(text: &'a str, start: usize, places: &mut Places) -> Option<Object<'a>> {
    let b = text.as_bytes();
    let (line, column) = places.at(start);
    let mut pairs = Vec::new();
    let mut i = whitespace(b, start + 1);
    if b.get(i) == Some(&b'}') {
        return Some(Object {
            pairs,
            line,
            column,
        });
    }
    loop {
        let key_end = value_end(b, i)?;
        let key: String = serde_json::from_str(text.get(i..key_end)?).ok()?;
        i = whitespace(b, whitespace(b, key_end) + 1);
        let end = value_end(b, i)?;
        let (value_line, value_column) = places.at(i);
        pairs.push(Pair {
            key,
            value: text.get(i..end)?,
            line: value_line,
            column: value_column,
        });
        i = whitespace(b, end);
        match b.get(i)? {
            b',' => i = whitespace(b, i + 1),
            _ => {
                return Some(Object {
                    pairs,
                    line,
                    column,
                })
            }
        }
    }
}

/// What the valid JSON value at the start of `text` is, in words.
pub(super) fn what(text: &str) -> &'static str {
    match text.as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "a list",
        Some(b'"') => "a text",
        Some(b'n') => "null",
        Some(b't' | b'f') => "a truth value",
        _ => "a number",
    }
}

/// The first byte at or after `i` that is not JSON whitespace.
pub(super) fn whitespace(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        i += 1;
    }
    i
}

/// The end of the valid JSON value that starts at byte `i`.
pub(super) fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => {
            let mut j = i + 1;
            loop {
                match b.get(j)? {
                    b'"' => return Some(j + 1),
                    b'\\' => j += 2,
                    _ => j += 1,
                }
            }
        }
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match b.get(j)? {
                    b'"' => j = value_end(b, j)?,
                    b'{' | b'[' => {
                        depth += 1;
                        j += 1;
                    }
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        j += 1;
                        if depth == 0 {
                            return Some(j);
                        }
                    }
                    _ => j += 1,
                }
            }
        }
        _ => {
            let mut j = i;
            while !matches!(
                b.get(j),
                None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n')
            ) {
                j += 1;
            }
            Some(j)
        }
    }
}

/// The header: the first object's keys, each at its value's place; a key that is empty
/// or written twice is an error.
pub(super) fn header_of(object: &Object, path: &Path) -> Result<Row, DataError> {
    let mut seen = std::collections::HashSet::new();
    for pair in &object.pairs {
        let key = &pair.key;
        if key.trim().is_empty() {
            return Err(syntax(
                path,
                pair.line,
                pair.column,
                "a key is empty".to_string(),
            ));
        }
        if !seen.insert(key.as_str()) {
            return Err(syntax(
                path,
                pair.line,
                pair.column,
                format!("key `{}` is written twice", super::error::shown(key)),
            ));
        }
    }
    if object.pairs.is_empty() {
        return Err(syntax(
            path,
            object.line,
            object.column,
            "the object has no keys".to_string(),
        ));
    }
    Ok(Row {
        cells: object.pairs.iter().map(|pair| pair.key.clone()).collect(),
        line: object.line,
        columns: object.pairs.iter().map(|pair| pair.column).collect(),
        lines: object.pairs.iter().map(|pair| pair.line).collect(),
    })
}

/// Each of the header's keys and its position in it.
pub(super) fn key_index(header: &Row) -> HashMap<String, usize> {
    header
        .cells
        .iter()
        .enumerate()
        .map(|(i, key)| (key.clone(), i))
        .collect()
}

/// The cells of `object` in the order of `header` (`index`: a key's position in it).
pub(super) fn cells(
    object: &Object,
    header: &Row,
    index: &HashMap<String, usize>,
    path: &Path,
) -> Result<Row, DataError> {
    let mut cells: Vec<Option<(String, usize, usize)>> = vec![None; header.cells.len()];
    for pair in &object.pairs {
        let (key, line, column) = (&pair.key, pair.line, pair.column);
        let shown = super::error::shown(key);
        let Some(&at) = index.get(key.as_str()) else {
            return Err(syntax(
                path,
                line,
                column,
                format!(
                    "key `{shown}` is not one of the first object's keys, {}",
                    keys(header)
                ),
            ));
        };
        if cells[at].is_some() {
            return Err(syntax(
                path,
                line,
                column,
                format!("key `{shown}` is written twice"),
            ));
        }
        let value = cell(pair.value, &shown).map_err(|m| syntax(path, line, column, m))?;
        cells[at] = Some((value, line, column));
    }
    if let Some(missing) = cells.iter().position(Option::is_none) {
        return Err(syntax(
            path,
            object.line,
            object.column,
            format!(
                "no key `{}`: every object has the first object's keys, {}",
                super::error::shown(&header.cells[missing]),
                keys(header)
            ),
        ));
    }
    let mut row = Row {
        cells: Vec::with_capacity(cells.len()),
        line: object.line,
        columns: Vec::with_capacity(cells.len()),
        lines: Vec::with_capacity(cells.len()),
    };
    for (value, line, column) in cells.into_iter().flatten() {
        row.cells.push(value);
        row.lines.push(line);
        row.columns.push(column);
    }
    Ok(row)
}

/// A value as a cell's text: a string's text, a number as written, `true` or `false`;
/// `null` is a missing value, an empty cell.
fn cell(written: &str, key: &str) -> Result<String, String> {
    match written.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(written).map_err(|e| e.to_string()),
        Some(b'n') => Ok(String::new()),
        Some(b'[') => Err(format!(
            "the value of `{key}` is a list, not a number or a text"
        )),
        Some(b'{') => Err(format!(
            "the value of `{key}` is an object, not a number or a text"
        )),
        _ => Ok(written.to_string()),
    }
}

/// "`text` and `label`", the header's keys.
fn keys(header: &Row) -> String {
    let shown: Vec<std::borrow::Cow<str>> = header
        .cells
        .iter()
        .map(|k| super::error::shown(k))
        .collect();
    let shown: Vec<&str> = shown.iter().map(|k| k.as_ref()).collect();
    crate::suggest::quoted_list(&shown, "and")
}

pub(super) fn syntax(path: &Path, line: usize, column: usize, message: String) -> DataError {
    DataError::Syntax {
        path: path.to_path_buf(),
        line,
        column,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read(text: &str) -> Result<Records, DataError> {
        records(text.as_bytes(), Path::new("t.jsonl"))
    }

    #[test]
    fn values_are_read_as_written_with_escapes_and_nesting_skipped_right() {
        let records = read(concat!(
            r#"{"a": "x\"y\u00e9", "b": -1.5e3, "c": true, "d": "}{,"}"#,
            "\n",
            r#"{"d": "", "c": false, "b": 2, "a": "é"}"#,
        ))
        .unwrap();
        let header = records.header.unwrap();
        assert_eq!(header.cells, ["a", "b", "c", "d"]);
        assert_eq!(header.columns, [7, 26, 39, 50]);
        let rows: Vec<Vec<String>> = records.rows.into_iter().map(|r| r.unwrap().cells).collect();
        assert_eq!(rows[0], ["x\"yé", "-1.5e3", "true", "}{,"]);
        assert_eq!(rows[1], ["é", "2", "false", ""]);
    }

    proptest! {
        /// Any text made of JSON's pieces, valid or not, is read or refused without a
        /// panic, and a row always has the header's cells.
        #[test]
        fn any_text_is_read_or_refused_without_a_panic(
            pieces in prop::collection::vec(
                prop::sample::select(vec![
                    "{", "}", "[", "]", "\"a\"", "\"b\"", "\"\\\"\"", ":", ",", " ", "\n",
                    "\r\n", "1", "-2.5e1", "null", "true", "\"é\"", "\u{a0}", "\u{feff}",
                    "{\"a\": 1, \"b\": \"x\"}",
                ]),
                0..40,
            )
        ) {
            let text: String = pieces.concat();
            if let Ok(records) = read(&text) {
                let width = records.header.as_ref().map_or(0, |h| h.cells.len());
                for row in records.rows.into_iter().flatten() {
                    prop_assert_eq!(row.cells.len(), width);
                    prop_assert_eq!(row.columns.len(), width);
                }
            }
        }
    }
}
