//! `ofit predict RUN_DIR MODEL [FILE] [--text TEXT]…`: a trained model's predictions on raw
//! input, streamed: texts (or a table's rows) are read, encoded and predicted a chunk at a
//! time, and each chunk's lines are written before the next is read.

use super::output::{self, say};
use super::Exit;
use crate::lower::Backend;
use crate::trained::predict::{Prediction, Predictor, Reader};
use crate::trained::{self, TrainedError, TrainedModel};
use clap::ValueEnum;
use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Texts predicted together: memory, not results, depends on it.
const CHUNK: usize = 1024;

/// How predictions are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PredictFormat {
    /// A line per input: the class and its probability (or the value), then the input.
    Text,
    /// CSV with a header: `input,class,probability` (a probability per class for a
    /// softmax), or `input,value`.
    Csv,
    /// A JSON object per line.
    Jsonl,
}

/// What `ofit predict` was asked.
pub struct Request<'a> {
    /// The run directory, or a model folder.
    pub run_dir: &'a Path,
    /// The model's name in the run directory (`sizes/baseline`). When `run_dir` is a
    /// model folder, this is the file of texts instead.
    pub model: Option<&'a str>,
    /// A file of texts, one per line (`-`: standard input).
    pub file: Option<&'a Path>,
    /// Texts given as arguments.
    pub texts: &'a [String],
    /// The output format.
    pub format: PredictFormat,
    /// Stop at the first input that cannot be predicted.
    pub strict: bool,
    /// The text column of a CSV or JSON Lines file (default: the one the model was
    /// trained on, else `text`).
    pub column: Option<&'a str>,
    /// The backend to run on.
    pub backend: Backend,
}

/// Runs `ofit predict`.
pub fn run(request: Request) -> Exit {
    match predict(request) {
        Ok(exit) | Err(exit) => exit,
    }
}

fn predict(request: Request) -> Result<Exit, Exit> {
    // A model folder is named directly, and the next argument is then the file.
    let (dir, file): (PathBuf, Option<PathBuf>) = match is_model_folder(request.run_dir) {
        true => (
            request.run_dir.to_path_buf(),
            request
                .file
                .map(Path::to_path_buf)
                .or(request.model.map(PathBuf::from)),
        ),
        false => (
            model_folder("predict", request.run_dir, request.model)?,
            request.file.map(Path::to_path_buf),
        ),
    };
    if file.is_none() && request.texts.is_empty() {
        say!("error: nothing to predict: give `--text \"…\"`, a file (texts one per line, or a CSV, JSON Lines or JSON file), or `-` for standard input");
        return Err(Exit::Usage);
    }
    let model = TrainedModel::open(&dir).map_err(|e| fail(&e))?;
    let empty = model.empty();
    let predictor = model
        .predictor(&empty, request.backend)
        .map_err(|e| fail(&e))?;
    let mut writer = Writer {
        predictor: &predictor,
        column: request.column,
        format: request.format,
        header: false,
        refused: 0,
        strict: request.strict,
    };
    let table = matches!(predictor.reader(), Reader::Table(_));
    if table && !request.texts.is_empty() {
        say!(
            "error: this model reads a table's rows, not texts: give a .csv, .jsonl or .json file"
        );
        return Err(Exit::Usage);
    }
    let given: Vec<Input> = request
        .texts
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("text {}", i + 1), Ok(Row::Line(t.clone()))))
        .collect();
    writer.chunk(&given)?;
    let mut broken = false;
    if let Some(file) = file.as_deref() {
        let kind = file
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if table && !["csv", "jsonl", "json"].contains(&kind) {
            say!(
                "error: this model reads a table's rows: give a .csv, .jsonl or .json file, not `{}`",
                file.display()
            );
            return Err(Exit::Usage);
        }
        let mut chunk = Vec::with_capacity(CHUNK);
        let read = for_each_row(file, &mut |input| {
            chunk.push(input);
            if chunk.len() == CHUNK {
                let written = writer.chunk(&chunk);
                chunk.clear();
                written?;
            }
            Ok(())
        });
        if let Err(Stop::Exit(exit)) = read {
            return Err(exit);
        }
        // What was read before the file broke off is predicted, then the break is said.
        writer.chunk(&chunk)?;
        if let Err(Stop::Unreadable(message)) = read {
            say!("error: {message}");
            broken = true;
        }
    }
    if writer.refused > 0 {
        say!(
            "error: {} input{} could not be predicted",
            writer.refused,
            if writer.refused == 1 { "" } else { "s" }
        );
    }
    if writer.refused > 0 || broken {
        return Err(Exit::Failed);
    }
    Ok(Exit::Ok)
}

/// Whether `dir` is a model folder rather than a run directory.
pub fn is_model_folder(dir: &Path) -> bool {
    dir.join(crate::model_folder::MODEL_JSON).is_file()
}

/// The folder of `model` in the run directory `run_dir` (or `run_dir` itself, a model
/// folder, when no model is named), or the error `command` reports.
pub fn model_folder(command: &str, run_dir: &Path, model: Option<&str>) -> Result<PathBuf, Exit> {
    match model {
        None if is_model_folder(run_dir) => Ok(run_dir.to_path_buf()),
        Some(name) => trained::find(run_dir, name).map_err(|e| fail(&e)),
        None => {
            say!(
                "error: `{}` is not a model folder: name a model of the run, e.g. `ofit {command} {} experiment/model`",
                run_dir.display(),
                run_dir.display()
            );
            Err(Exit::Usage)
        }
    }
}

/// Reports a model that cannot be used.
pub fn fail(error: &TrainedError) -> Exit {
    say!("error: {error}");
    if let Some(help) = error.help() {
        say!("  help: {help}");
    }
    match error {
        TrainedError::Unknown { .. } => Exit::Usage,
        _ => Exit::Failed,
    }
}

/// An input: where it comes from (`text 1`, `reviews.csv:7`), and its row or why it has
/// none.
type Input = (String, Result<Row, String>);

/// An input as read: a line of text, or a row's cells by column.
pub enum Row {
    /// A text given whole.
    Line(String),
    /// A row of a CSV, JSON Lines or JSON file: each column's cell as text (a JSON
    /// number as written, `null` as an empty cell).
    Cells(HashMap<String, String>),
}

/// A JSON object's values as cells.
fn cells(object: serde_json::Map<String, serde_json::Value>) -> HashMap<String, String> {
    object
        .into_iter()
        .map(|(key, value)| {
            let cell = match value {
                serde_json::Value::String(text) => text,
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            (key.trim().to_string(), cell)
        })
        .collect()
}

/// Why reading a file of inputs ended before its end.
enum Stop {
    /// `each` stopped it, or the file could not be opened (already said).
    Exit(Exit),
    /// The file breaks off or is not what its name says: where and why.
    Unreadable(String),
}

impl From<Exit> for Stop {
    fn from(exit: Exit) -> Stop {
        Stop::Exit(exit)
    }
}

/// Gives `each` every input of `file` (`-`: standard input), as it streams: each line of a
/// text file, or each row of a `.csv`, `.jsonl` or `.json` file (a list of records).
fn for_each_row(file: &Path, each: &mut dyn FnMut(Input) -> Result<(), Exit>) -> Result<(), Stop> {
    let stdin = file == Path::new("-");
    let name = if stdin {
        "standard input".to_string()
    } else {
        file.display().to_string()
    };
    let reader: Box<dyn BufRead> = if stdin {
        Box::new(std::io::stdin().lock())
    } else {
        let opened = std::fs::File::open(file).map_err(|e| {
            say!("error: cannot read `{name}`: {}", crate::file::reason(&e));
            Stop::Exit(Exit::Usage)
        })?;
        Box::new(std::io::BufReader::new(opened))
    };
    let unreadable = |line: u64, reason: String| {
        Stop::Unreadable(format!("{name}:{line}: cannot read: {reason}"))
    };
    let object = |value: serde_json::Value| match value {
        serde_json::Value::Object(object) => Ok(Row::Cells(cells(object))),
        other => Err(format!("{other} is not a JSON object")),
    };
    match file.extension().and_then(|e| e.to_str()) {
        Some("csv") => {
            let mut csv = ::csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(reader);
            let header: Vec<String> = csv
                .headers()
                .map_err(|e| unreadable(1, e.to_string()))?
                .iter()
                .map(|h| h.trim().to_string())
                .collect();
            for record in csv.records() {
                let record = record
                    .map_err(|e| unreadable(e.position().map_or(0, |p| p.line()), e.to_string()))?;
                let line = record.position().map_or(0, |p| p.line());
                let row = header
                    .iter()
                    .cloned()
                    .zip(record.iter().map(str::to_string))
                    .collect();
                each((format!("{name}:{line}"), Ok(Row::Cells(row))))?;
            }
        }
        Some("jsonl") => {
            for (n, line) in reader.lines().enumerate() {
                let line = line.map_err(|e| unreadable(n as u64 + 1, crate::file::reason(&e)))?;
                if line.trim().is_empty() {
                    continue;
                }
                let row = serde_json::from_str(&line)
                    .map_err(|e| format!("not a JSON object: {e}"))
                    .and_then(object);
                each((format!("{name}:{}", n + 1), row))?;
            }
        }
        Some("json") => {
            let mut at = 0;
            let mut stopped = None;
            let mut record = |value: serde_json::Value| {
                at += 1;
                each((format!("{name}: record {at}"), object(value)))
            };
            let mut records = serde_json::Deserializer::from_reader(reader);
            let read = serde::Deserializer::deserialize_seq(
                &mut records,
                Records {
                    each: &mut record,
                    stopped: &mut stopped,
                },
            );
            if let Some(exit) = stopped {
                return Err(Stop::Exit(exit));
            }
            read.and_then(|()| records.end()).map_err(|e| {
                unreadable(e.line() as u64, format!("not a JSON list of records: {e}"))
            })?;
        }
        _ => {
            for (n, line) in reader.lines().enumerate() {
                let line = line.map_err(|e| unreadable(n as u64 + 1, crate::file::reason(&e)))?;
                each((format!("{name}:{}", n + 1), Ok(Row::Line(line))))?;
            }
        }
    }
    Ok(())
}

/// A JSON list's records handed on one at a time as the list is read, so a large file
/// needs memory for one record, not for the list.
struct Records<'a, F> {
    each: &'a mut F,
    /// Why `each` stopped the reading, when it did.
    stopped: &'a mut Option<Exit>,
}

impl<'de, F> serde::de::Visitor<'de> for Records<'_, F>
where
    F: FnMut(serde_json::Value) -> Result<(), Exit>,
{
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON list of records")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(value) = seq.next_element::<serde_json::Value>()? {
            if let Err(exit) = (self.each)(value) {
                *self.stopped = Some(exit);
                return Err(serde::de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

/// Writes the predictions of chunk after chunk.
struct Writer<'a> {
    predictor: &'a Predictor<'a>,
    /// The text column of a table file, when asked for.
    column: Option<&'a str>,
    format: PredictFormat,
    header: bool,
    refused: usize,
    strict: bool,
}

impl Writer<'_> {
    /// Predicts `inputs` (each with where it comes from) and writes them; an input that
    /// cannot be read, or an empty text, is refused with where it is, and the others are
    /// predicted.
    fn chunk(&mut self, inputs: &[Input]) -> Result<(), Exit> {
        // A first row without the text column says the column is wrong, not the row.
        let started = self.header || self.refused > 0;
        if let (false, Reader::Text { column, .. }, Some((place, Ok(Row::Cells(cells))))) =
            (started, self.predictor.reader(), inputs.first())
        {
            let column = self.column.or(*column).unwrap_or("text");
            if !cells.contains_key(column) {
                let mut names: Vec<&str> = cells.keys().map(String::as_str).collect();
                names.sort_unstable();
                say!(
                    "error: {place}: no column `{column}` ({}); name the text column with `--column`",
                    crate::suggest::help(column, names)
                );
                return Err(Exit::Usage);
            }
        }
        let mut texts: Vec<&str> = Vec::with_capacity(inputs.len());
        let mut rows: Vec<Vec<f32>> = Vec::new();
        let mut places = Vec::with_capacity(inputs.len());
        for (place, row) in inputs {
            let read = row.as_ref().map_err(String::clone).and_then(|row| {
                match (self.predictor.reader(), row) {
                    (Reader::Text { column, .. }, row) => {
                        let text = match row {
                            Row::Line(text) => text,
                            Row::Cells(cells) => {
                                let column = self.column.or(*column).unwrap_or("text");
                                cells
                                    .get(column)
                                    .ok_or_else(|| format!("has no `{column}` value"))?
                            }
                        };
                        if text.trim().is_empty() {
                            return Err("empty text, nothing to predict".to_string());
                        }
                        texts.push(text);
                        Ok(())
                    }
                    (Reader::Table(table), Row::Cells(cells)) => {
                        rows.push(table.read(&|name| cells.get(name).cloned())?);
                        Ok(())
                    }
                    (Reader::Table(_), Row::Line(_)) => {
                        Err("a table's model reads rows, not a text".to_string())
                    }
                }
            });
            match read {
                Ok(()) => places.push(place.as_str()),
                Err(reason) => {
                    say!("error: {place}: {reason}");
                    self.refused += 1;
                    if self.strict {
                        return Err(Exit::Failed);
                    }
                }
            }
        }
        if places.is_empty() {
            return Ok(());
        }
        let predictions = match self.predictor.predict(&texts) {
            Some(predictions) => predictions,
            None => self.predictor.predict_rows(&rows),
        };
        let mut out = String::new();
        if !self.header {
            self.header = true;
            out += &self.head(&predictions[0]);
        }
        for (i, (place, prediction)) in places.iter().zip(&predictions).enumerate() {
            out += &self.line(place, texts.get(i).copied(), prediction);
        }
        output::out(&out)
    }

    /// The header line, for CSV.
    fn head(&self, first: &Prediction) -> String {
        if self.format != PredictFormat::Csv {
            return String::new();
        }
        match first {
            Prediction::Binary { .. } => "input,class,probability\n".to_string(),
            Prediction::Classes { probabilities, .. } => {
                let each: Vec<String> = (0..probabilities.len())
                    .map(|c| csv_cell(&format!("p_{}", self.predictor.class_name(c))))
                    .collect();
                format!("input,class,probability,{}\n", each.join(","))
            }
            Prediction::Value { .. } => "input,value\n".to_string(),
        }
    }

    /// A prediction's line; the text format shows the text, or for a row its place.
    fn line(&self, place: &str, text: Option<&str>, prediction: &Prediction) -> String {
        let class = prediction.class().map(|c| self.predictor.class_name(c));
        match self.format {
            PredictFormat::Text => {
                let verdict = match (prediction, &class, prediction.confidence()) {
                    (Prediction::Value { value }, _, _) => format!("{value:.6}"),
                    (_, Some(class), Some(p)) => format!("{class} {p:.4}"),
                    _ => unreachable!("a class has a probability"),
                };
                format!("{verdict}\t{}\n", shown(text.unwrap_or(place)))
            }
            PredictFormat::Csv => match prediction {
                Prediction::Binary { probability, .. } => format!(
                    "{},{},{probability}\n",
                    csv_cell(place),
                    csv_cell(class.as_deref().unwrap_or_default())
                ),
                Prediction::Classes { probabilities, .. } => {
                    let each: Vec<String> = probabilities.iter().map(|p| p.to_string()).collect();
                    format!(
                        "{},{},{},{}\n",
                        csv_cell(place),
                        csv_cell(class.as_deref().unwrap_or_default()),
                        prediction.confidence().unwrap_or_default(),
                        each.join(",")
                    )
                }
                Prediction::Value { value } => format!("{},{value}\n", csv_cell(place)),
            },
            PredictFormat::Jsonl => {
                let mut object = serde_json::json!({ "input": place });
                if let serde_json::Value::Object(fields) =
                    serde_json::to_value(prediction).expect("a prediction serializes")
                {
                    for (key, value) in fields {
                        if key != "kind" {
                            object[key] = value;
                        }
                    }
                }
                if let Some(class) = class {
                    object["class"] = serde_json::Value::String(class);
                }
                object.to_string() + "\n"
            }
        }
    }
}

/// A text as the text format shows it: on one line, cut to 60 characters.
fn shown(text: &str) -> String {
    let one_line = text.replace(['\n', '\r', '\t'], " ");
    match one_line.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None => one_line,
    }
}

/// A CSV cell, quoted when it must be.
fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
