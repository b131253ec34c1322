//! `dataset NAME = imdb(...)` and `dataset NAME = csv(...)`.

use super::bind::{bind_call, named, positional, Signature};
use super::value::{Env, Got, Reader};
use crate::data::lint::DatasetSpans;
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{DataSource, Dataset, Encoding, Validation};
use crate::suggest;
use crate::syntax::ast::DatasetItem;

const IMDB: Signature = Signature {
    what: "dataset source `imdb`",
    noun: "parameter",
    params: &[
        named("num_words").required(),
        named("encode"),
        named("path"),
        named("validation_split"),
    ],
};

const CSV: Signature = Signature {
    what: "dataset source `csv`",
    noun: "parameter",
    params: &[
        positional("path").required(),
        named("label").required(),
        named("validation_split"),
        named("test"),
    ],
};

const SOURCES: [&str; 2] = ["imdb", "csv"];

/// The smallest `num_words` that keeps any word: ids 0–3 are reserved (padding, start,
/// out-of-vocabulary, unused) and the most frequent word gets id 4.
const MIN_NUM_WORDS: i64 = 5;

/// Checks a dataset declaration; also says where its file arguments are written, for the
/// data stage's lint ([`crate::data::lint`]), which reads the files the checker may not.
pub fn check(item: &DatasetItem, reader: &mut Reader) -> Option<(Dataset, DatasetSpans)> {
    let call = &item.source;
    let env = Env::default();
    let mut spans = DatasetSpans {
        name: item.name.span,
        path: None,
        label: None,
        test: None,
    };
    let (source, validation) = match call.callee.text.as_str() {
        "imdb" => {
            let args = bind_call(call, IMDB, reader.diagnostics);
            spans.path = args.get("path").map(|v| v.span);
            let num_words = match args.get("num_words").map(|v| reader.int(v, &env)) {
                Some(got) => reader
                    .require(
                        got,
                        |n| n >= MIN_NUM_WORDS && n as u64 <= crate::ir::MAX_WIDTH as u64,
                        |n| {
                            if n < MIN_NUM_WORDS {
                                format!("`num_words` is {n}, but must be at least {MIN_NUM_WORDS}")
                            } else {
                                format!(
                                    "`num_words` is {n}, but word ids are 32-bit: at most {}",
                                    crate::ir::MAX_WIDTH
                                )
                            }
                        },
                        "ids 0 to 3 are reserved (padding, start, out-of-vocabulary) and the most frequent word gets id 4; the IMDB reviews have 124,252 distinct words",
                    )
                    .then(|| got.or(0) as usize),
                None => None,
            };
            let encoding = match args.get("encode") {
                Some(v) => reader.keyword(v, "encoding", &[("multi_hot", Encoding::MultiHot)]),
                None => Some(Encoding::MultiHot),
            };
            let path = args.get("path").map(|v| reader.string(v));
            let validation = match args.get("validation_split") {
                Some(v) => fraction(reader, v).map(|fraction| Validation::Fraction { fraction }),
                None => Some(Validation::TestSplit),
            };
            let source = DataSource::Imdb {
                num_words: num_words?,
                encoding: encoding?,
                path: path.map_or(Some(None), |p| p.map(Some))?,
            };
            (source, validation?)
        }
        "csv" => {
            let args = bind_call(call, CSV, reader.diagnostics);
            spans.path = args.get("path").map(|v| v.span);
            spans.label = args.get("label").map(|v| v.span);
            spans.test = args.get("test").map(|v| v.span);
            let path = args.get("path").and_then(|v| reader.string(v));
            let label = args.get("label").and_then(|v| reader.string(v));
            let validation = match (args.get("validation_split"), args.given("test")) {
                (Some(split), None) => {
                    fraction(reader, split).map(|fraction| Validation::Fraction { fraction })
                }
                (None, Some(test)) => reader
                    .string(test.value)
                    .map(|path| Validation::File { path }),
                (Some(_), Some(test)) => {
                    reader.diagnostics.push(
                        Diagnostic::error(
                            Code::Conflict,
                            args.key_span("test").unwrap_or(test.value.span),
                            "give either `validation_split` or `test`, not both",
                        )
                        .with_secondary(
                            args.key_span("validation_split").unwrap_or(call.span),
                            "validation split given here",
                        )
                        .with_help("validate either on a held-out fraction or on a separate file"),
                    );
                    None
                }
                (None, None) => {
                    reader.diagnostics.push(
                        Diagnostic::error(
                            Code::MissingArgument,
                            call.callee.span,
                            "a csv dataset needs validation data",
                        )
                        .with_label("no `validation_split` or `test`")
                        .with_help("add `validation_split = 0.2` or `test = \"test.csv\"`"),
                    );
                    None
                }
            };
            (
                DataSource::Csv {
                    path: path?,
                    label: label?,
                    text: None,
                },
                validation?,
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
        test: None,
    };
    Some((dataset, spans))
}

/// Reads a validation fraction, which must lie strictly between 0 and 1.
fn fraction(reader: &mut Reader, value: &crate::syntax::ast::Value) -> Option<f64> {
    let got = reader.float(value, &Env::default());
    let ok = reader.require(
        got,
        |f| f > 0.0 && f < 1.0,
        |f| format!("`validation_split` is {f:?}, but must be between 0 and 1"),
        "the fraction of training examples held out for validation, e.g. 0.2",
    );
    match got {
        Got::Known(f, _) if ok => Some(f),
        _ => None,
    }
}
