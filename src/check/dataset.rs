//! `dataset NAME = imdb(...)`, `dataset NAME = csv(...)` and `dataset NAME = jsonl(...)`.

use super::bind::{bind_call, named, positional, Bound, Param, Signature};
use super::columns;
use super::value::{Env, Got, Reader};
use crate::data::lint::DatasetSpans;
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{
    DataSource, Dataset, Encoding, Padding, Side, TableFormat, Test, TextColumn, Validation,
    MAX_WIDTH,
};
use crate::source::Span;
use crate::suggest;
use crate::syntax::ast::{DatasetItem, Value, ValueKind};

pub(super) const IMDB: Signature = Signature {
    what: "dataset source `imdb`",
    noun: "parameter",
    params: &[
        named("num_words").required(),
        named("encode"),
        named("path"),
        named("validation_split"),
        named("validation_sample"),
        named("validation_first"),
    ],
};

/// The parameters of a table file's source, `csv` or `jsonl`.
const TABLE_PARAMS: &[Param] = &[
    positional("path").required(),
    named("label").required(),
    named("text"),
    named("num_words"),
    named("encode"),
    named("validation_split"),
    named("validation_sample"),
    named("validation_first"),
    named("validation"),
    named("test"),
    named("features"),
    named("drop"),
    named("categorical"),
    named("dates"),
    named("missing"),
];

pub(super) const CSV: Signature = Signature {
    what: "dataset source `csv`",
    noun: "parameter",
    params: TABLE_PARAMS,
};

pub(super) const JSONL: Signature = Signature {
    what: "dataset source `jsonl`",
    noun: "parameter",
    params: TABLE_PARAMS,
};

pub(super) const JSON: Signature = Signature {
    what: "dataset source `json`",
    noun: "parameter",
    params: TABLE_PARAMS,
};

pub(super) const SEQUENCE: Signature = Signature {
    what: "encoding `sequence`",
    noun: "parameter",
    params: &[
        positional("length").required(),
        named("padding"),
        named("truncating"),
        named("value"),
    ],
};

pub(super) const AUTO_MPG: Signature = Signature {
    what: "dataset source `auto_mpg`",
    noun: "parameter",
    params: &[
        named("validation_split"),
        named("validation_sample"),
        named("validation_first"),
    ],
};

pub(super) const SOURCES: [&str; 5] = ["imdb", "csv", "jsonl", "json", "auto_mpg"];
pub(super) const ENCODINGS: [&str; 2] = ["multi_hot", "sequence"];
pub(super) const SIDES: [(&str, Side); 2] = [("pre", Side::Pre), ("post", Side::Post)];

/// The smallest `num_words` that keeps any word: ids 0–3 are reserved (padding, start,
/// out-of-vocabulary, unused) and the most frequent word gets id 4.
const MIN_NUM_WORDS: i64 = 5;

/// IMDB's training reviews, of which `validation_first` holds some out.
const IMDB_TRAIN: i64 = 25_000;

/// The fuel-efficiency tutorial's training cars (`auto_mpg()`).
const AUTO_MPG_TRAIN: i64 = 314;

/// The ways of choosing validation examples; a dataset gives at most one. IMDB has all
/// but the last.
pub(super) const VALIDATION_KEYS: [&str; 4] = [
    "validation_split",
    "validation_sample",
    "validation_first",
    "validation",
];

/// Checks a dataset declaration; also says where its file arguments are written, for the
/// data stage's lint ([`crate::data::lint`]), which reads the files the checker may not.
pub fn check(item: &DatasetItem, reader: &mut Reader) -> Option<(Dataset, DatasetSpans)> {
    let call = &item.source;
    let mut spans = DatasetSpans {
        name: item.name.span,
        path: None,
        label: None,
        text: None,
        validation: None,
        test: None,
        columns: Vec::new(),
    };
    let (source, validation, test) = match call.callee.text.as_str() {
        "imdb" => {
            let args = bind_call(call, IMDB, reader.diagnostics);
            spans.path = args.get("path").map(|v| v.span);
            let num_words = args.get("num_words").and_then(|v| num_words(reader, v));
            let encoding = match args.get("encode") {
                Some(v) => encoding(reader, v, num_words),
                None => Some(Encoding::MultiHot),
            };
            let path = args.get("path").map(|v| reader.string(v));
            // Validation carved from the training reviews leaves the test reviews free to
            // be the test split; otherwise they validate, as Keras's tutorials do.
            let validation =
                match validation(reader, &args, &VALIDATION_KEYS[..3], Some(IMDB_TRAIN)) {
                    Chosen::One(v) => Some(v),
                    Chosen::None => Some(Validation::TestSplit),
                    Chosen::Bad => None,
                };
            let test = match validation {
                Some(Validation::TestSplit) => None,
                _ => Some(Test::TestSplit),
            };
            let source = DataSource::Imdb {
                num_words: num_words?,
                encoding: encoding?,
                path: path.map_or(Some(None), |p| p.map(Some))?,
            };
            (source, validation?, test)
        }
        "auto_mpg" => {
            let args = bind_call(call, AUTO_MPG, reader.diagnostics);
            // The tutorial's `fit(validation_split = 0.2)` unless the spec says otherwise;
            // its test split is always the tutorial's.
            let validation =
                match validation(reader, &args, &VALIDATION_KEYS[..3], Some(AUTO_MPG_TRAIN)) {
                    Chosen::One(v) => Some(v),
                    Chosen::None => Some(Validation::Split { fraction: 0.2 }),
                    Chosen::Bad => None,
                };
            (DataSource::AutoMpg, validation?, Some(Test::TestSplit))
        }
        source @ ("csv" | "jsonl" | "json") => {
            // The source's name is also its files' usual extension.
            let (format, signature) = match source {
                "csv" => (TableFormat::Csv, CSV),
                "jsonl" => (TableFormat::JsonLines, JSONL),
                _ => (TableFormat::Json, JSON),
            };
            let args = bind_call(call, signature, reader.diagnostics);
            spans.path = args.get("path").map(|v| v.span);
            spans.label = args.get("label").map(|v| v.span);
            spans.text = args.get("text").map(|v| v.span);
            spans.validation = args.get("validation").map(|v| v.span);
            spans.test = args.get("test").map(|v| v.span);
            let path = args.get("path").and_then(|v| reader.string(v));
            let label = args.get("label").and_then(|v| reader.string(v));
            let text = text_column(reader, &args);
            let columns = columns::read(
                reader,
                &args,
                label.as_deref(),
                args.given("text").is_some(),
            );
            let validation = match validation(reader, &args, &VALIDATION_KEYS, None) {
                Chosen::One(v) => Some(v),
                Chosen::None => {
                    let help = if args.given("test").is_some() {
                        format!("`test` is evaluated once after training; name the validation file with `validation = \"validation.{source}\"`, or hold out a fraction with `validation_split = 0.2`")
                    } else {
                        format!("add `validation_split = 0.2`, `validation_first = 100` or `validation = \"validation.{source}\"`")
                    };
                    reader.diagnostics.push(
                        Diagnostic::error(
                            Code::MissingArgument,
                            call.callee.span,
                            format!("a {source} dataset needs validation data"),
                        )
                        .with_label(
                            "no `validation_split`, `validation_sample`, `validation_first` or \
                             `validation`",
                        )
                        .with_help(help),
                    );
                    None
                }
                Chosen::Bad => None,
            };
            let test = args
                .get("test")
                .map(|v| reader.string(v).map(|path| Test::File { path }));
            (
                DataSource::Table {
                    format,
                    path: path?,
                    label: label?,
                    text: text?,
                    columns: columns.map(|(columns, named)| {
                        spans.columns = named;
                        columns
                    })?,
                },
                validation?,
                test.map_or(Some(None), |t| t.map(Some))?,
            )
        }
        other => {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::UnknownName,
                    call.callee.span,
                    format!("unknown dataset source `{other}`"),
                )
                .with_label("not a dataset source")
                .with_help(suggest::help(other, SOURCES)),
            );
            return None;
        }
    };
    let dataset = Dataset {
        name: item.name.text.clone(),
        source,
        validation,
        test,
    };
    Some((dataset, spans))
}

/// Reads `num_words`: at least [`MIN_NUM_WORDS`], at most [`MAX_WIDTH`].
fn num_words(reader: &mut Reader, value: &Value) -> Option<usize> {
    let got = reader.int(value, &Env::default());
    reader
        .require(
            got,
            |n| n >= MIN_NUM_WORDS && n as u64 <= MAX_WIDTH as u64,
            |n| {
                if n < MIN_NUM_WORDS {
                    format!("`num_words` is {n}, but must be at least {MIN_NUM_WORDS}")
                } else {
                    format!("`num_words` is {n}, but word ids are 32-bit: at most {MAX_WIDTH}")
                }
            },
            "ids 0 to 3 are reserved (padding, start, out-of-vocabulary) and the most frequent word gets id 4; the IMDB reviews have 124,252 distinct words",
        )
        .then(|| got.or(0) as usize)
}

/// A CSV file's `text`, `num_words` and `encode`: the text column needs `num_words`, and
/// the other two mean nothing without a text column. `Some(None)` for a numeric file.
fn text_column(reader: &mut Reader, args: &Bound) -> Option<Option<TextColumn>> {
    let column = args.get("text").map(|v| reader.string(v));
    let num_words = args.get("num_words").map(|v| num_words(reader, v));
    let Some(column) = column else {
        for key in ["num_words", "encode"] {
            if let Some(span) = args.key_span(key) {
                reader.diagnostics.push(
                    Diagnostic::error(
                        Code::MissingArgument,
                        span,
                        format!("`{key}` is for a text column, but this dataset has none"),
                    )
                    .with_label("needs `text`")
                    .with_help(format!(
                        "name the file's text column with `text = \"review\"`, or remove `{key}` for numeric features"
                    )),
                );
            }
        }
        return if num_words.is_some() || args.given("encode").is_some() {
            None
        } else {
            Some(None)
        };
    };
    let Some(num_words) = num_words else {
        reader.diagnostics.push(
            Diagnostic::error(
                Code::MissingArgument,
                args.key_span("text").unwrap_or(Span::new(0, 0)),
                "a text column needs `num_words`",
            )
            .with_label("no `num_words`")
            .with_help("keep the most frequent words, e.g. `num_words = 10000`"),
        );
        return None;
    };
    let encoding = match args.get("encode") {
        Some(v) => encoding(reader, v, num_words),
        None => Some(Encoding::MultiHot),
    };
    Some(Some(TextColumn {
        column: column?,
        num_words: num_words?,
        encoding: encoding?,
    }))
}

/// Reads `encode = multi_hot` or `encode = sequence(length, padding, truncating, value)`.
/// The pad value must be a word id below `num_words` (when that is known).
fn encoding(reader: &mut Reader, value: &Value, num_words: Option<usize>) -> Option<Encoding> {
    let call = match &value.kind {
        ValueKind::Call(call) if call.callee.text == "sequence" => call,
        ValueKind::Call(call) if call.callee.text != "multi_hot" => {
            let name = call.callee.text.as_str();
            let help = format!(
                "{}; `sequence(length = 256)` keeps the words in order",
                suggest::help(name, ENCODINGS)
            );
            if let Some(d) = super::unsupported::diagnostic(
                super::unsupported::Vocabulary::Encoding,
                name,
                call.callee.span,
                super::unsupported::offered(super::unsupported::Vocabulary::Encoding, &ENCODINGS),
            ) {
                reader.diagnostics.push(d);
            } else {
                reader.diagnostics.push(
                    Diagnostic::error(
                        Code::UnknownName,
                        call.callee.span,
                        format!("unknown encoding `{name}`"),
                    )
                    .with_label("not an encoding")
                    .with_help(help),
                );
            }
            return None;
        }
        _ => {
            return match reader.keyword(
                value,
                "encoding",
                &[("multi_hot", Some(Encoding::MultiHot)), ("sequence", None)],
            )? {
                Some(e) => Some(e),
                None => {
                    reader.diagnostics.push(
                        Diagnostic::error(
                            Code::MissingArgument,
                            value.span,
                            "the `sequence` encoding needs a length",
                        )
                        .with_label("no length")
                        .with_help("write `sequence(length = 256)`: every review padded or truncated to 256 words"),
                    );
                    None
                }
            };
        }
    };
    let env = Env::default();
    let args = bind_call(call, SEQUENCE, reader.diagnostics);
    let length = args.get("length").map(|v| {
        let got = reader.int(v, &env);
        reader
            .require(
                got,
                |n| n >= 1 && n as u64 <= MAX_WIDTH as u64,
                |n| {
                    if n < 1 {
                        format!("`length` is {n}, but a sequence needs at least 1 step")
                    } else {
                        format!("`length` is {n}, but must be at most {MAX_WIDTH}")
                    }
                },
                "the number of word ids each text is padded or truncated to, e.g. 256",
            )
            .then(|| got.or(1) as usize)
    });
    let padding = side(reader, args.get("padding"), "padding");
    let truncating = side(reader, args.get("truncating"), "truncating");
    let pad = match args.get("value") {
        None => Some(0),
        Some(v) => {
            let got = reader.int(v, &env);
            let bound = num_words.map_or(i64::from(u32::MAX) + 1, |n| n as i64);
            reader
                .require(
                    got,
                    |n| (0..bound).contains(&n),
                    |n| match num_words {
                        Some(w) if n >= 0 => {
                            format!("`value` is {n}, but word ids lie below `num_words` = {w}")
                        }
                        _ => format!("`value` is {n}, but must be a word id, at least 0"),
                    },
                    "the id short texts are padded with; Keras's default 0 is the reserved padding id",
                )
                .then(|| got.or(0) as u32)
        }
    };
    Some(Encoding::Sequence(Padding {
        length: length??,
        padding: padding?,
        truncating: truncating?,
        value: pad?,
    }))
}

/// Reads `pre` or `post` (Keras's strings `'pre'` and `'post'`), Keras's default `pre`
/// when not given.
fn side(reader: &mut Reader, value: Option<&Value>, key: &str) -> Option<Side> {
    let Some(value) = value else {
        return Some(Side::Pre);
    };
    if let ValueKind::Str(s) = &value.kind {
        if let Some((name, _)) = SIDES.iter().find(|(n, _)| n == s) {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::TypeMismatch,
                    value.span,
                    format!("`{key}` is a side, not a string"),
                )
                .with_label("a string")
                .with_help(format!("write `{key} = {name}`, without quotes")),
            );
            return None;
        }
    }
    reader.keyword(value, "side", &SIDES)
}

/// What the validation keys of a declaration say.
enum Chosen {
    /// Exactly one, readable.
    One(Validation),
    /// None given.
    None,
    /// One that could not be read, or several (reported).
    Bad,
}

/// Reads the one validation key of `keys` given (`validation_split`, `validation_first`,
/// `validation`); two or more are a conflict, reported at the second. `rows` bounds
/// `validation_first` from above when the source's size is known.
fn validation(reader: &mut Reader, args: &Bound, keys: &[&str], rows: Option<i64>) -> Chosen {
    let given: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| args.given(k).is_some())
        .collect();
    match given[..] {
        [] => Chosen::None,
        [key] => {
            let value = args.get(key).expect("given");
            let read = match key {
                "validation_split" => {
                    fraction(reader, value, key).map(|fraction| Validation::Split { fraction })
                }
                "validation_sample" => {
                    fraction(reader, value, key).map(|fraction| Validation::Sample { fraction })
                }
                "validation_first" => {
                    first(reader, value, rows).map(|rows| Validation::First { rows })
                }
                _ => reader.string(value).map(|path| Validation::File { path }),
            };
            read.map_or(Chosen::Bad, Chosen::One)
        }
        [first, second, ..] => {
            let at = |k: &str| args.key_span(k).unwrap_or(Span::new(0, 0));
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::Conflict,
                    at(second),
                    format!("give either `{first}` or `{second}`, not both"),
                )
                .with_secondary(at(first), format!("`{first}` given here"))
                .with_help(
                    "validate on one thing: the last fraction of the rows (`validation_split`, as Keras), a random fraction (`validation_sample`), the first rows (`validation_first`), or a separate file (`validation`)",
                ),
            );
            Chosen::Bad
        }
    }
}

/// Reads `validation_first`: at least 1, and below the training examples when known.
fn first(reader: &mut Reader, value: &Value, rows: Option<i64>) -> Option<usize> {
    let got = reader.int(value, &Env::default());
    let upper = rows.unwrap_or(i64::MAX);
    reader
        .require(
            got,
            |n| n >= 1 && n < upper,
            |n| {
                if n < 1 {
                    format!("`validation_first` is {n}, but must hold out at least 1 example")
                } else {
                    format!(
                        "`validation_first` is {}, but only {} training examples exist: none would be left to train on",
                        suggest::thousands(n),
                        suggest::thousands(upper)
                    )
                }
            },
            "the number of training examples, taken from the start, that validate the model, e.g. 10000",
        )
        .then(|| got.or(1) as usize)
}

/// Reads a validation fraction (given as `key`), which must lie strictly between 0 and 1.
fn fraction(reader: &mut Reader, value: &Value, key: &str) -> Option<f64> {
    let got = reader.float(value, &Env::default());
    let ok = reader.require(
        got,
        |f| f > 0.0 && f < 1.0,
        |f| format!("`{key}` is {f:?}, but must be between 0 and 1"),
        match key {
            "validation_split" => {
                "the fraction of training examples held out for validation, the last ones as \
                 Keras's `validation_split`, e.g. 0.2"
            }
            _ => "the fraction of training examples drawn at random for validation, e.g. 0.2",
        },
    );
    match got {
        Got::Known(f, _) if ok => Some(f),
        _ => None,
    }
}
