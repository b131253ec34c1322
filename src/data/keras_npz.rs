//! Keras's own IMDB files: `imdb.npz` (the word-id sequences and labels of both splits) and
//! `imdb_word_index.json` (word → rank), read into a [`Corpus`].
//!
//! The npz is a zip of `.npy` arrays: `x_train`, `y_train`, `x_test`, `y_test`. The `y_*`
//! arrays are plain integer arrays. The `x_*` arrays are numpy object arrays (`descr '|O'`),
//! which numpy stores as a pickle of the whole ndarray; each element is a Python list of
//! word ids that already starts with [`START`](super::corpus::START) and gives a word of
//! rank `r` the id `r + INDEX_FROM`, so ids are kept as they are.

use super::corpus::{Corpus, Sequences};
use super::DataError;
use serde_pickle::Value;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// Reads Keras's `imdb.npz` and its word index into a corpus (every id kept).
///
/// The corpus's words are the index's, in rank order. Labels must be 0 or 1, and each `x_*` array must have as
/// many rows as its `y_*` array has labels.
pub fn read(npz: &Path, word_index: &Path) -> Result<Corpus, DataError> {
    let words = read_word_index(word_index)?;
    let mut archive = Npz::open(npz)?;
    let train = archive.split("x_train", "y_train")?;
    let test = archive.split("x_test", "y_test")?;
    Ok(Corpus { train, test, words })
}

/// The words of the index, by rank.
fn read_word_index(path: &Path) -> Result<Vec<String>, DataError> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io("read", path, &e))?;
    let index: HashMap<String, u64> =
        serde_json::from_slice(&bytes).map_err(|e| json_error(path, &e))?;
    let mut by_rank: Vec<(u64, &str)> = index.iter().map(|(w, &r)| (r, w.as_str())).collect();
    // Ranks are distinct in Keras's index; the word breaks ties so the order never depends
    // on hash order if they are not.
    by_rank.sort_unstable();
    Ok(by_rank.into_iter().map(|(_, w)| w.to_string()).collect())
}

/// A serde_json error at its line and column, without the position repeated in the text.
fn json_error(path: &Path, error: &serde_json::Error) -> DataError {
    let text = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    DataError::Syntax {
        path: path.to_path_buf(),
        line: error.line(),
        column: error.column(),
        message: text.strip_suffix(&position).unwrap_or(&text).to_string(),
    }
}

/// A damaged-file error about the npz at `path`.
fn damaged(path: &Path, reason: String) -> DataError {
    DataError::Damaged {
        path: path.to_path_buf(),
        reason,
    }
}

/// An unusable-data error about the npz at `path`.
fn invalid(path: &Path, message: String) -> DataError {
    DataError::Invalid {
        path: path.to_path_buf(),
        message,
    }
}

/// An open npz file.
struct Npz<'p> {
    path: &'p Path,
    archive: zip::ZipArchive<BufReader<File>>,
}

impl<'p> Npz<'p> {
    fn open(path: &'p Path) -> Result<Self, DataError> {
        let file = File::open(path).map_err(|e| DataError::io("read", path, &e))?;
        let archive = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| match e {
            // Running out of bytes means a cut-short file, not an unreadable one.
            zip::result::ZipError::Io(io) if io.kind() != std::io::ErrorKind::UnexpectedEof => {
                DataError::io("read", path, &io)
            }
            other => damaged(path, format!("it is not a readable zip archive ({other})")),
        })?;
        Ok(Npz { path, archive })
    }

    /// One split: the sequences of array `x` labelled by array `y`.
    fn split(&mut self, x: &str, y: &str) -> Result<Sequences, DataError> {
        let rows = self.sequences(x)?;
        let labels = self.labels(y)?;
        if rows.len() != labels.len() {
            return Err(invalid(
                self.path,
                format!(
                    "`{x}` has {} rows but `{y}` has {} labels",
                    rows.len(),
                    labels.len()
                ),
            ));
        }
        let mut sequences = Sequences::default();
        // An empty split still has its leading offset, as `Corpus::build` gives it.
        sequences.offsets.push(0);
        for (row, label) in rows.iter().zip(labels) {
            sequences.push(row, label);
        }
        Ok(sequences)
    }

    /// The bytes of the `.npy` member holding array `name`.
    fn member(&mut self, name: &str) -> Result<Vec<u8>, DataError> {
        let path = self.path;
        // numpy's `savez` names members `<key>.npy`; `np.load` also accepts a bare key.
        let file_name = [format!("{name}.npy"), name.to_string()]
            .into_iter()
            .find(|candidate| self.archive.index_for_name(candidate).is_some())
            .ok_or_else(|| invalid(path, format!("there is no array `{name}` in it")))?;
        let cannot_read = |e: &dyn std::fmt::Display| {
            damaged(path, format!("its `{file_name}` cannot be read ({e})"))
        };
        let mut entry = self
            .archive
            .by_name(&file_name)
            .map_err(|e| cannot_read(&e))?;
        // The size comes from the file, so it only sizes a first allocation, within reason.
        let mut bytes = Vec::with_capacity(entry.size().min(1 << 28) as usize);
        entry.read_to_end(&mut bytes).map_err(|e| cannot_read(&e))?;
        Ok(bytes)
    }

    /// The array `name` parsed as `.npy`: its header and the bytes after it.
    fn array(&mut self, name: &str) -> Result<(Header, Vec<u8>), DataError> {
        let mut bytes = self.member(name)?;
        let (header, start) = npy_header(&bytes).map_err(|reason| {
            damaged(
                self.path,
                format!("its `{name}` is not a .npy array: {reason}"),
            )
        })?;
        bytes.drain(..start);
        Ok((header, bytes))
    }

    /// The labels of array `name`: integers, each 0 or 1.
    fn labels(&mut self, name: &str) -> Result<Vec<u8>, DataError> {
        let (header, data) = self.array(name)?;
        let path = self.path;
        let count = header
            .len()
            .ok_or_else(|| damaged(path, format!("its `{name}` has an impossible shape")))?;
        let Some(int) = IntType::parse(&header.descr) else {
            return Err(invalid(
                path,
                format!(
                    "`{name}` holds `{}` values; labels must be integers",
                    header.descr
                ),
            ));
        };
        let needed = count.saturating_mul(int.size);
        if data.len() < needed {
            return Err(damaged(
                path,
                format!(
                    "its `{name}` is cut short: {count} labels need {needed} bytes, it has {}",
                    data.len()
                ),
            ));
        }
        // Labels form one column, so Fortran order changes nothing here.
        data.chunks_exact(int.size)
            .take(count)
            .enumerate()
            .map(|(i, bytes)| match int.decode(bytes) {
                Some(0) => Ok(0),
                Some(1) => Ok(1),
                Some(other) => Err(invalid(
                    path,
                    format!("`{name}[{i}]` is {other}; labels must be 0 or 1"),
                )),
                None => Err(invalid(
                    path,
                    format!("`{name}[{i}]` is too large; labels must be 0 or 1"),
                )),
            })
            .collect()
    }

    /// The word-id rows of array `name`: an object array of lists of ids, or a
    /// two-dimensional integer array with one row each.
    fn sequences(&mut self, name: &str) -> Result<Vec<Vec<u32>>, DataError> {
        let (header, data) = self.array(name)?;
        let path = self.path;
        let count = header
            .len()
            .ok_or_else(|| damaged(path, format!("its `{name}` has an impossible shape")))?;
        if header.descr == "|O" {
            return object_rows(path, name, &header, count, &data);
        }
        // Not the Keras layout, but a plain integer matrix is unambiguous: one row each.
        let Some(int) = IntType::parse(&header.descr) else {
            return Err(invalid(
                path,
                format!(
                    "`{name}` holds `{}` values; word ids must be integers",
                    header.descr
                ),
            ));
        };
        let [rows, columns] = header.shape[..] else {
            return Err(invalid(
                path,
                format!(
                    "`{name}` has shape {:?}; expected rows of word ids",
                    header.shape
                ),
            ));
        };
        if data.len() < count.saturating_mul(int.size) {
            return Err(damaged(path, format!("its `{name}` is cut short")));
        }
        let ids = data
            .chunks_exact(int.size)
            .take(count)
            .enumerate()
            .map(|(i, bytes)| {
                int.decode(bytes)
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or_else(|| {
                        invalid(path, format!("element {i} of `{name}` is not a word id"))
                    })
            })
            .collect::<Result<Vec<u32>, _>>()?;
        Ok(matrix_rows(&ids, rows, columns, header.fortran_order))
    }
}

/// The rows of object array `name` (`count` elements), decoded from its pickle.
fn object_rows(
    path: &Path,
    name: &str,
    header: &Header,
    count: usize,
    pickle: &[u8],
) -> Result<Vec<Vec<u32>>, DataError> {
    // numpy pickles an ndarray as `_reconstruct(ndarray, …)` followed by BUILD with the
    // state `(version, shape, dtype, fortran_order, data)`. serde-pickle cannot call
    // `_reconstruct` (from `numpy.core.multiarray` or `numpy._core.multiarray`, whichever
    // numpy wrote it), so it leaves an opaque stand-in that BUILD then replaces by the state
    // tuple; that tuple is what comes out. Keeping restore state makes numpy scalars inside
    // the lists come out as `(dtype state, raw bytes)` rather than as nothing.
    let options = serde_pickle::DeOptions::new()
        .replace_unresolved_globals()
        .keep_restore_state();
    let value = serde_pickle::value_from_slice(pickle, options).map_err(|e| {
        damaged(
            path,
            format!("its pickled object array `{name}` cannot be decoded ({e})"),
        )
    })?;
    let not_an_array = || {
        invalid(
            path,
            format!("`{name}` does not hold a pickled numpy array"),
        )
    };
    let state = find_array_state(&value).ok_or_else(not_an_array)?;
    let (Value::List(elements) | Value::Tuple(elements)) = state.data else {
        return Err(not_an_array());
    };
    if elements.len() != count {
        return Err(damaged(
            path,
            format!(
                "its `{name}` should hold {count} elements but the pickle holds {}",
                elements.len()
            ),
        ));
    }
    let not_ids = |i: usize| {
        invalid(
            path,
            format!("element {i} of `{name}` is not a list of word ids (non-negative integers)"),
        )
    };
    match header.shape[..] {
        // The Keras layout: one list of ids per row.
        [_] => elements
            .iter()
            .enumerate()
            .map(|(i, element)| row_ids(element).ok_or_else(|| not_ids(i)))
            .collect(),
        // numpy makes a matrix of an object array whose lists all have the same length.
        [rows, columns] => {
            let ids = elements
                .iter()
                .enumerate()
                .map(|(i, element)| id(element).ok_or_else(|| not_ids(i)))
                .collect::<Result<Vec<u32>, _>>()?;
            // numpy pickles an object array's items in C order even when its state says
            // Fortran order (`_getlist_pkl` walks the logical order), so the flag is ignored.
            Ok(matrix_rows(&ids, rows, columns, false))
        }
        _ => Err(invalid(
            path,
            format!(
                "`{name}` has shape {:?}; expected one list of word ids per row",
                header.shape
            ),
        )),
    }
}

/// The rows of a `rows × columns` matrix stored in C (row-major) or Fortran order.
fn matrix_rows(ids: &[u32], rows: usize, columns: usize, fortran_order: bool) -> Vec<Vec<u32>> {
    (0..rows)
        .map(|r| {
            (0..columns)
                .map(|c| {
                    if fortran_order {
                        ids[c * rows + r]
                    } else {
                        ids[r * columns + c]
                    }
                })
                .collect()
        })
        .collect()
}

/// The parts of a pickled ndarray's state `(version, shape, dtype, fortran_order, data)`.
struct ArrayState<'v> {
    shape: &'v [Value],
    dtype: &'v Value,
    data: &'v Value,
}

/// `value` as the state of a pickled ndarray, if it is one.
fn array_state(value: &Value) -> Option<ArrayState<'_>> {
    match value {
        Value::Tuple(items) => match &items[..] {
            [Value::I64(_), Value::Tuple(shape), dtype, Value::Bool(_), data]
                if shape.iter().all(|d| matches!(d, Value::I64(_))) =>
            {
                Some(ArrayState { shape, dtype, data })
            }
            _ => None,
        },
        _ => None,
    }
}

/// The state of the pickled ndarray: the value itself, or, should a writer have wrapped it,
/// found inside tuples.
fn find_array_state(value: &Value) -> Option<ArrayState<'_>> {
    array_state(value).or_else(|| match value {
        // Only tuples are searched: the data lists can hold millions of values.
        Value::Tuple(items) => items.iter().find_map(find_array_state),
        _ => None,
    })
}

/// The ids of one row: a Python list (or tuple) of ids, or a one-dimensional ndarray of them.
fn row_ids(element: &Value) -> Option<Vec<u32>> {
    if let Some(state) = array_state(element) {
        return match state.data {
            // An integer ndarray: its data is the raw bytes of its items.
            Value::Bytes(raw) => ndarray_ids(&state, raw),
            // An object ndarray: its data is the list of its items.
            Value::List(items) => items.iter().map(id).collect(),
            _ => None,
        };
    }
    match element {
        Value::List(items) | Value::Tuple(items) => items.iter().map(id).collect(),
        _ => None,
    }
}

/// The ids in the raw bytes of a one-dimensional integer ndarray.
fn ndarray_ids(state: &ArrayState<'_>, raw: &[u8]) -> Option<Vec<u32>> {
    let count = match state.shape {
        [Value::I64(n)] => usize::try_from(*n).ok()?,
        _ => return None,
    };
    if count == 0 {
        return Some(Vec::new());
    }
    // A pickled dtype keeps its byte order but not its kind; word ids are integers, so the
    // item size follows from the byte count.
    let size = raw.len() / count;
    if !matches!(size, 1 | 2 | 4 | 8) || raw.len() != count * size {
        return None;
    }
    let int = IntType {
        size,
        big_endian: byte_order(state.dtype) == Some('>'),
        signed: true,
    };
    raw.chunks_exact(size)
        .map(|b| int.decode(b).and_then(|v| u32::try_from(v).ok()))
        .collect()
}

/// The byte-order character (`<`, `>`, `|`, `=`) of a pickled dtype's state
/// `(version, byte order, …)`.
fn byte_order(dtype: &Value) -> Option<char> {
    match dtype {
        Value::Tuple(items) => match items.get(1) {
            Some(Value::String(s)) => s.chars().next(),
            Some(Value::Bytes(b)) => b.first().map(|&c| c as char),
            _ => None,
        },
        _ => None,
    }
}

/// One word id: a Python integer or an integer numpy scalar.
fn id(value: &Value) -> Option<u32> {
    match value {
        Value::I64(v) => u32::try_from(*v).ok(),
        Value::Tuple(items) => match &items[..] {
            [dtype @ Value::Tuple(_), Value::Bytes(raw)] => {
                let int = IntType {
                    size: raw.len(),
                    big_endian: byte_order(dtype) == Some('>'),
                    signed: true,
                };
                int.decode(raw).and_then(|v| u32::try_from(v).ok())
            }
            _ => None,
        },
        _ => None,
    }
}

/// An integer element type of a numeric `.npy` array.
#[derive(Debug, Clone, Copy)]
struct IntType {
    size: usize,
    big_endian: bool,
    signed: bool,
}

impl IntType {
    /// `<i8`, `<i4`, `|u1`, `>i2` … (the descriptor of an integer dtype); `None` otherwise.
    fn parse(descr: &str) -> Option<Self> {
        let mut chars = descr.chars();
        let order = chars.next()?;
        let kind = chars.next()?;
        let size: usize = chars.as_str().parse().ok()?;
        let big_endian = match order {
            '<' | '|' | '=' => false,
            '>' => true,
            _ => return None,
        };
        let signed = match kind {
            'i' => true,
            'u' => false,
            _ => return None,
        };
        matches!(size, 1 | 2 | 4 | 8).then_some(IntType {
            size,
            big_endian,
            signed,
        })
    }

    /// The value of one element (`bytes` is `size` long); `None` if it does not fit an i64.
    fn decode(self, bytes: &[u8]) -> Option<i64> {
        if bytes.len() != self.size || !matches!(self.size, 1 | 2 | 4 | 8) {
            return None;
        }
        let mut buffer = [0u8; 8];
        let value = if self.big_endian {
            buffer[8 - self.size..].copy_from_slice(bytes);
            u64::from_be_bytes(buffer)
        } else {
            buffer[..self.size].copy_from_slice(bytes);
            u64::from_le_bytes(buffer)
        };
        if !self.signed {
            return i64::try_from(value).ok();
        }
        // Sign-extend from `size` bytes.
        let shift = 64 - 8 * self.size as u32;
        Some(((value << shift) as i64) >> shift)
    }
}

/// The header of a `.npy` array.
#[derive(Debug)]
struct Header {
    descr: String,
    fortran_order: bool,
    shape: Vec<usize>,
}

impl Header {
    /// The number of elements; `None` if it overflows.
    fn len(&self) -> Option<usize> {
        self.shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d))
    }
}

/// Parses a `.npy` header: magic, version 1/2/3, header length, then a Python dict literal
/// with `descr`, `fortran_order` and `shape`. Returns the header and where the data starts.
fn npy_header(bytes: &[u8]) -> Result<(Header, usize), String> {
    const MAGIC: &[u8] = b"\x93NUMPY";
    if !bytes.starts_with(MAGIC) {
        return Err("it does not start with the .npy magic bytes".to_string());
    }
    let (length, start) = match bytes.get(6..8) {
        Some([1, _]) => match bytes.get(8..10) {
            Some(&[a, b]) => (u16::from_le_bytes([a, b]) as usize, 10usize),
            _ => return Err("its header is cut short".to_string()),
        },
        Some([2 | 3, _]) => match bytes.get(8..12) {
            Some(&[a, b, c, d]) => (u32::from_le_bytes([a, b, c, d]) as usize, 12),
            _ => return Err("its header is cut short".to_string()),
        },
        Some([major, minor]) => return Err(format!("unknown .npy version {major}.{minor}")),
        _ => return Err("its header is cut short".to_string()),
    };
    let end = start.saturating_add(length);
    let text = bytes
        .get(start..end)
        .ok_or_else(|| "its header is cut short".to_string())?;
    // Version 3 headers are UTF-8, older ones Latin-1; the keys and values read here are
    // ASCII either way.
    let text = String::from_utf8_lossy(text);
    let literal = Literal::parse(&text)?;
    let Literal::Dict(entries) = literal else {
        return Err("its header is not a dictionary".to_string());
    };
    let field = |key: &str| {
        entries
            .iter()
            .find(|(k, _)| matches!(k, Literal::Str(s) if s == key))
            .map(|(_, v)| v)
            .ok_or_else(|| format!("its header has no `{key}`"))
    };
    let descr = match field("descr")? {
        Literal::Str(s) => s.clone(),
        _ => return Err("its `descr` is a structured dtype, not a single type".to_string()),
    };
    let fortran_order = match field("fortran_order")? {
        Literal::Bool(b) => *b,
        _ => return Err("its `fortran_order` is not True or False".to_string()),
    };
    let shape = match field("shape")? {
        Literal::Seq(items) => items
            .iter()
            .map(|item| match item {
                Literal::Int(n) => Ok(*n),
                _ => Err("its `shape` is not a tuple of sizes".to_string()),
            })
            .collect::<Result<Vec<usize>, String>>()?,
        _ => return Err("its `shape` is not a tuple of sizes".to_string()),
    };
    Ok((
        Header {
            descr,
            fortran_order,
            shape,
        },
        end,
    ))
}

/// The Python literals a `.npy` header uses.
#[derive(Debug)]
enum Literal {
    Str(String),
    Bool(bool),
    None,
    Int(usize),
    /// A tuple or list.
    Seq(Vec<Literal>),
    Dict(Vec<(Literal, Literal)>),
}

impl Literal {
    /// Parses `text` (trailing spaces and newline allowed) as one literal.
    fn parse(text: &str) -> Result<Literal, String> {
        let mut parser = LiteralParser {
            chars: text.chars().peekable(),
        };
        let value = parser.value()?;
        parser.skip_space();
        match parser.chars.next() {
            None => Ok(value),
            Some(c) => Err(format!("its header has `{c}` after the dictionary")),
        }
    }
}

/// A recursive-descent reader of [`Literal`]s.
struct LiteralParser<'t> {
    chars: std::iter::Peekable<std::str::Chars<'t>>,
}

impl LiteralParser<'_> {
    fn skip_space(&mut self) {
        while self.chars.next_if(|c| c.is_whitespace()).is_some() {}
    }

    fn value(&mut self) -> Result<Literal, String> {
        self.skip_space();
        match self.chars.peek().copied() {
            Some(quote @ ('\'' | '"')) => {
                self.chars.next();
                let mut s = String::new();
                loop {
                    match self.chars.next() {
                        Some(c) if c == quote => return Ok(Literal::Str(s)),
                        Some('\\') => match self.chars.next() {
                            Some(c) => s.push(c),
                            None => break,
                        },
                        Some(c) => s.push(c),
                        None => break,
                    }
                }
                Err("its header has an unterminated string".to_string())
            }
            Some('(') => {
                self.chars.next();
                self.sequence(')').map(Literal::Seq)
            }
            Some('[') => {
                self.chars.next();
                self.sequence(']').map(Literal::Seq)
            }
            Some('{') => {
                self.chars.next();
                let mut entries = Vec::new();
                loop {
                    self.skip_space();
                    if self.chars.next_if_eq(&'}').is_some() {
                        return Ok(Literal::Dict(entries));
                    }
                    let key = self.value()?;
                    self.skip_space();
                    if self.chars.next_if_eq(&':').is_none() {
                        return Err("its header dictionary lacks a `:`".to_string());
                    }
                    let value = self.value()?;
                    entries.push((key, value));
                    self.skip_space();
                    if self.chars.next_if_eq(&',').is_none() {
                        self.skip_space();
                        if self.chars.next_if_eq(&'}').is_some() {
                            return Ok(Literal::Dict(entries));
                        }
                        return Err("its header dictionary lacks a `,` or `}`".to_string());
                    }
                }
            }
            Some(c) if c.is_ascii_digit() => {
                let mut digits = String::new();
                while let Some(d) = self.chars.next_if(|c| c.is_ascii_digit()) {
                    digits.push(d);
                }
                // Python 2 wrote long integers with an `L` suffix, e.g. `(25000L,)`.
                self.chars.next_if(|&c| c == 'L' || c == 'l');
                digits
                    .parse()
                    .map(Literal::Int)
                    .map_err(|_| format!("its header has a size {digits} too large"))
            }
            Some(c) if c.is_alphabetic() => {
                let mut word = String::new();
                while let Some(c) = self.chars.next_if(|c| c.is_alphanumeric() || *c == '_') {
                    word.push(c);
                }
                match word.as_str() {
                    "True" => Ok(Literal::Bool(true)),
                    "False" => Ok(Literal::Bool(false)),
                    "None" => Ok(Literal::None),
                    _ => Err(format!("its header has an unexpected `{word}`")),
                }
            }
            Some(c) => Err(format!("its header has an unexpected `{c}`")),
            None => Err("its header ends too early".to_string()),
        }
    }

    /// The items of a tuple or list up to `close` (its opening bracket already read).
    fn sequence(&mut self, close: char) -> Result<Vec<Literal>, String> {
        let mut items = Vec::new();
        loop {
            self.skip_space();
            if self.chars.next_if_eq(&close).is_some() {
                return Ok(items);
            }
            items.push(self.value()?);
            self.skip_space();
            if self.chars.next_if_eq(&',').is_none() {
                self.skip_space();
                if self.chars.next_if_eq(&close).is_some() {
                    return Ok(items);
                }
                return Err(format!("its header lacks a `,` or `{close}`"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_headers_of_every_version_parse() {
        let dict = "{'descr': '<i8', 'fortran_order': False, 'shape': (25000L,), }  \n";
        let mut v1 = b"\x93NUMPY\x01\x00".to_vec();
        v1.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        v1.extend_from_slice(dict.as_bytes());
        let (header, start) = npy_header(&v1).expect("valid header");
        assert_eq!(header.descr, "<i8");
        assert!(!header.fortran_order);
        assert_eq!(header.shape, [25000]);
        assert_eq!(start, v1.len());

        let dict = "{\"descr\": \"|O\", \"fortran_order\": True, \"shape\": (2, 3)}";
        let mut v3 = b"\x93NUMPY\x03\x00".to_vec();
        v3.extend_from_slice(&(dict.len() as u32).to_le_bytes());
        v3.extend_from_slice(dict.as_bytes());
        let (header, _) = npy_header(&v3).expect("valid header");
        assert_eq!(header.descr, "|O");
        assert!(header.fortran_order);
        assert_eq!(header.shape, [2, 3]);
    }

    #[test]
    fn integers_decode_in_either_byte_order_with_their_sign() {
        let int = IntType::parse("<i4").expect("an integer type");
        assert_eq!(int.decode(&(-5i32).to_le_bytes()), Some(-5));
        let int = IntType::parse(">i2").expect("an integer type");
        assert_eq!(int.decode(&300i16.to_be_bytes()), Some(300));
        let int = IntType::parse("|u1").expect("an integer type");
        assert_eq!(int.decode(&[255]), Some(255));
        assert!(IntType::parse("<f8").is_none());
        assert!(IntType::parse("|O").is_none());
    }

    #[test]
    fn matrices_split_into_rows_in_either_order() {
        assert_eq!(
            matrix_rows(&[1, 2, 3, 4, 5, 6], 2, 3, false),
            [vec![1, 2, 3], vec![4, 5, 6]]
        );
        assert_eq!(
            matrix_rows(&[1, 4, 2, 5, 3, 6], 2, 3, true),
            [vec![1, 2, 3], vec![4, 5, 6]]
        );
    }
}
