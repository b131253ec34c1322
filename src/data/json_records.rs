//! A JSON file that holds a list of records, one object per example (as the Auto MPG
//! data's `cars.json`), as a table's header and rows of cells: the JSON half of
//! [`table`](super::table) beside CSV and JSON Lines.
//!
//! The first record's keys are the columns, in the order written; every other record has
//! the same keys, in any order. Values are read as JSON Lines reads them
//! ([`json_lines`](super::json_lines)): a string's text, a number as written, `true` and
//! `false`, `null` as a missing value; a list or a nested object is refused. A record may
//! span lines: each value is placed at its own line and character column. A UTF-8
//! byte-order mark is accepted. Each record's first problem is reported.

use super::json_lines::{self, cells, header_of, key_index, syntax, value_end, what, whitespace};
use super::table::{Records, Row};
use super::DataError;
use std::path::Path;

/// Every record of the file's `bytes` (`path` names it in errors): the first record's
/// keys as the header, then one row per record, its cells in the header's order.
pub(super) fn records(bytes: &[u8], path: &Path) -> Result<Records, DataError> {
    let text = text(bytes, path)?;
    let mut places = json_lines::Places::new(text, 1);
    let mut elements = elements(text, path)?;
    let Some(first) = elements.next() else {
        return Ok(Records {
            header: None,
            rows: Vec::new(),
        });
    };
    let object = record(text, first, 1, &mut places, path)?;
    let header = header_of(&object, path)?;
    let index = key_index(&header);
    let mut rows = vec![cells(&object, &header, &index, path)];
    for (number, start) in elements.enumerate() {
        rows.push(
            record(text, start, number + 2, &mut places, path)
                .and_then(|object| cells(&object, &header, &index, path)),
        );
    }
    Ok(Records {
        header: Some(header),
        rows,
    })
}

/// The first record's keys alone (for `ofit check` and shape inference): the file is read
/// and checked to be JSON, but only its first record is looked at.
pub(super) fn header(path: &Path) -> Result<Option<Row>, DataError> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io("read", path, &e))?;
    let text = text(&bytes, path)?;
    let Some(first) = elements(text, path)?.next() else {
        return Ok(None);
    };
    let object = record(text, first, 1, &mut json_lines::Places::new(text, 1), path)?;
    header_of(&object, path).map(Some)
}

/// The file's text: valid UTF-8 and one JSON value, a byte-order mark taken off.
fn text<'a>(bytes: &'a [u8], path: &Path) -> Result<&'a str, DataError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
        let mut places = json_lines::Places::new(valid, 1);
        let (line, column) = places.at(valid.len());
        syntax(
            path,
            line,
            column,
            "the file is not valid UTF-8 text".to_string(),
        )
    })?;
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        // serde_json counts a column in bytes, and its message ends with the position.
        let line_text = text.lines().nth(e.line().saturating_sub(1)).unwrap_or("");
        let byte = e.column().saturating_sub(1).min(line_text.len());
        let column = line_text
            .char_indices()
            .take_while(|&(i, _)| i < byte)
            .count()
            + 1;
        let message = e.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m);
        return Err(syntax(
            path,
            e.line().max(1),
            column,
            format!("the file is not JSON: {message}"),
        ));
    }
    Ok(text)
}

/// Where each element of the file's list starts (the text is valid JSON); a file that is
/// not a list is an error.
fn elements<'a>(text: &'a str, path: &Path) -> Result<impl Iterator<Item = usize> + 'a, DataError> {
    let b = text.as_bytes();
    let start = whitespace(b, 0);
    if b.get(start) != Some(&b'[') {
        let (line, column) = json_lines::Places::new(text, 1).at(start);
        return Err(syntax(
            path,
            line,
            column,
            format!(
                "the file holds {}, not a list of records (`[{{…}}, {{…}}]`)",
                what(&text[start..])
            ),
        ));
    }
    let mut i = whitespace(b, start + 1);
    Ok(std::iter::from_fn(move || {
        if b.get(i).is_none_or(|&c| c == b']') {
            return None;
        }
        let at = i;
        let end = value_end(b, i)?;
        i = whitespace(b, end);
        if b.get(i) == Some(&b',') {
            i = whitespace(b, i + 1);
        }
        Some(at)
    }))
}

/// Element `number` (1-based), starting at byte `start`, as a record.
fn record<'a>(
    text: &'a str,
    start: usize,
    number: usize,
    places: &mut json_lines::Places,
    path: &Path,
) -> Result<json_lines::Object<'a>, DataError> {
    let (line, column) = places.at(start);
    if text.as_bytes()[start] != b'{' {
        return Err(syntax(
            path,
            line,
            column,
            format!("record {number} is {}, not an object", what(&text[start..])),
        ));
    }
    json_lines::object(text, start, places).ok_or_else(|| {
        syntax(
            path,
            line,
            column,
            format!("record {number} is not an object"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read(text: &str) -> Result<Records, DataError> {
        records(text.as_bytes(), Path::new("t.json"))
    }

    #[test]
    fn records_over_several_lines_are_placed_value_by_value() {
        let records = read(concat!(
            "[\n",
            "  {\"a\": \"é\", \"b\": 1},\n",
            "  {\n",
            "    \"b\": null,\n",
            "    \"a\": \"x\"\n",
            "  },\n",
            "  3\n",
            "]\n",
        ))
        .unwrap();
        let header = records.header.unwrap();
        assert_eq!(header.cells, ["a", "b"]);
        assert_eq!(
            (header.lines.clone(), header.columns.clone()),
            (vec![2, 2], vec![9, 19])
        );
        let mut rows = records.rows.into_iter();
        assert_eq!(rows.next().unwrap().unwrap().cells, ["é", "1"]);
        let second = rows.next().unwrap().unwrap();
        // `null` is a missing value: an empty cell, at its own line.
        assert_eq!(second.cells, ["x", ""]);
        assert_eq!(
            (second.line, second.lines, second.columns),
            (3, vec![5, 4], vec![10, 10])
        );
        let third = rows.next().unwrap().unwrap_err().to_string();
        assert_eq!(third, "t.json:7:3: record 3 is a number, not an object");
    }

    #[test]
    fn a_file_that_is_not_a_list_of_json_records_is_refused_at_its_place() {
        let error = |text: &str| read(text).unwrap_err().to_string();
        assert_eq!(
            error("{\"a\": 1}"),
            "t.json:1:1: the file holds an object, not a list of records (`[{…}, {…}]`)"
        );
        assert!(
            error("[\n {\"a\": 1,}\n]").starts_with("t.json:2:"),
            "{}",
            error("[\n {\"a\": 1,}\n]")
        );
        // A record's own problem is its row's, and the other records are still read.
        let records = read("[{\"a\": 1}, {\"a\": 2, \"a\": 3}]").unwrap();
        assert_eq!(
            records.rows[1].as_ref().unwrap_err().to_string(),
            "t.json:1:26: key `a` is written twice"
        );
        assert!(read("[]").unwrap().header.is_none());
    }

    proptest! {
        /// Any text made of JSON's pieces, valid or not, is read or refused without a
        /// panic, and a row always has the header's cells.
        #[test]
        fn any_text_is_read_or_refused_without_a_panic(
            pieces in prop::collection::vec(
                prop::sample::select(vec![
                    "{", "}", "[", "]", "\"a\"", "\"b\"", ":", ",", " ", "\n", "1", "null",
                    "true", "\"é\"", "\u{feff}", "{\"a\": 1, \"b\": \"x\"}",
                ]),
                0..40,
            )
        ) {
            let text: String = pieces.concat();
            if let Ok(records) = read(&text) {
                let width = records.header.as_ref().map_or(0, |h| h.cells.len());
                for row in records.rows.into_iter().flatten() {
                    prop_assert_eq!(row.cells.len(), width);
                    prop_assert_eq!(row.lines.len(), width);
                }
            }
        }
    }
}
