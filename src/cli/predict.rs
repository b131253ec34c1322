//! `ofit predict RUN_DIR MODEL [FILE] [--text TEXT]…`: a trained model's predictions on raw
//! text, streamed: texts are read, encoded and predicted a chunk at a time, and each
//! chunk's lines are written before the next is read.

use super::output::{self, say};
use super::Exit;
use crate::lower::Backend;
use crate::trained::predict::{Prediction, Predictor};
use crate::trained::{self, TrainedError, TrainedModel};
use clap::ValueEnum;
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
    if request.file.is_none() && request.texts.is_empty() {
        say!("error: nothing to predict: give `--text \"…\"`, a file of texts (one per line), or `-` for standard input");
        return Err(Exit::Usage);
    }
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
        say!("error: nothing to predict: give `--text \"…\"`, a file of texts (one per line, or a column of a CSV or JSON Lines file), or `-` for standard input");
        return Err(Exit::Usage);
    }
    let model = TrainedModel::open(&dir).map_err(|e| fail(&e))?;
    let empty = model.empty();
    let predictor = model
        .predictor(&empty, request.backend)
        .map_err(|e| fail(&e))?;
    let mut writer = Writer {
        predictor: &predictor,
        format: request.format,
        header: false,
        refused: 0,
        strict: request.strict,
    };
    let given: Vec<Input> = request
        .texts
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("text {}", i + 1), Ok(t.clone())))
        .collect();
    writer.chunk(&given)?;
    if let Some(file) = file.as_deref() {
        let column = request.column.or(predictor.text_column()).unwrap_or("text");
        let mut chunk = Vec::with_capacity(CHUNK);
        for_each_text(file, column, &mut |input| {
            chunk.push(input);
            if chunk.len() == CHUNK {
                writer.chunk(&chunk)?;
                chunk.clear();
            }
            Ok(())
        })?;
        writer.chunk(&chunk)?;
    }
    if writer.refused > 0 {
        say!(
            "error: {} input{} could not be predicted",
            writer.refused,
            if writer.refused == 1 { "" } else { "s" }
        );
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

/// An input: where it comes from (`text 1`, `reviews.csv:7`), and its text or why it has
/// none.
type Input = (String, Result<String, String>);

/// Gives `each` every input of `file` (`-`: standard input): each line of a text file, or
/// the `column` of each row of a `.csv` or `.jsonl` file, read as it streams.
fn for_each_text(
    file: &Path,
    column: &str,
    each: &mut dyn FnMut(Input) -> Result<(), Exit>,
) -> Result<(), Exit> {
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
            Exit::Usage
        })?;
        Box::new(std::io::BufReader::new(opened))
    };
    let unreadable = |line: u64, reason: String| {
        say!("error: {name}:{line}: cannot read: {reason}");
        Exit::Failed
    };
    match file.extension().and_then(|e| e.to_str()) {
        Some("csv") => {
            let mut csv = ::csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(reader);
            let header = csv
                .headers()
                .map_err(|e| unreadable(1, e.to_string()))?
                .clone();
            let Some(at) = header.iter().position(|h| h.trim() == column) else {
                return Err(no_column(&name, column, header.iter()));
            };
            for record in csv.records() {
                let record = record
                    .map_err(|e| unreadable(e.position().map_or(0, |p| p.line()), e.to_string()))?;
                let line = record.position().map_or(0, |p| p.line());
                let text = record
                    .get(at)
                    .map(str::to_string)
                    .ok_or_else(|| format!("has no `{column}` value"));
                each((format!("{name}:{line}"), text))?;
            }
        }
        Some("jsonl") => {
            for (n, line) in reader.lines().enumerate() {
                let line = line.map_err(|e| unreadable(n as u64 + 1, crate::file::reason(&e)))?;
                if line.trim().is_empty() {
                    continue;
                }
                let text = match serde_json::from_str::<serde_json::Value>(&line) {
                    Ok(value) => match value.get(column) {
                        Some(serde_json::Value::String(text)) => Ok(text.clone()),
                        Some(other) => Err(format!("`{column}` is {other}, not a text")),
                        None => Err(format!("has no `{column}` key")),
                    },
                    Err(e) => Err(format!("not a JSON object: {e}")),
                };
                each((format!("{name}:{}", n + 1), text))?;
            }
        }
        _ => {
            for (n, line) in reader.lines().enumerate() {
                let line = line.map_err(|e| unreadable(n as u64 + 1, crate::file::reason(&e)))?;
                each((format!("{name}:{}", n + 1), Ok(line)))?;
            }
        }
    }
    Ok(())
}

/// A CSV file without the text column: what it has instead.
fn no_column<'a>(name: &str, column: &str, header: impl Iterator<Item = &'a str>) -> Exit {
    let names: Vec<&str> = header.map(str::trim).collect();
    say!(
        "error: `{name}` has no column `{column}` ({}); name the text column with `--column`",
        crate::suggest::help(column, names)
    );
    Exit::Usage
}

/// Writes the predictions of chunk after chunk.
struct Writer<'a> {
    predictor: &'a Predictor<'a>,
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
        let mut texts = Vec::with_capacity(inputs.len());
        let mut places = Vec::with_capacity(inputs.len());
        for (place, text) in inputs {
            let refused = match text {
                Ok(text) if text.trim().is_empty() => Some("empty text, nothing to predict"),
                Ok(text) => {
                    texts.push(text.as_str());
                    places.push(place.as_str());
                    None
                }
                Err(reason) => Some(reason.as_str()),
            };
            if let Some(reason) = refused {
                say!("error: {place}: {reason}");
                self.refused += 1;
                if self.strict {
                    return Err(Exit::Failed);
                }
            }
        }
        if texts.is_empty() {
            return Ok(());
        }
        let predictions = self.predictor.predict(&texts);
        let mut out = String::new();
        if !self.header {
            self.header = true;
            out += &self.head(&predictions[0]);
        }
        for ((place, text), prediction) in places.iter().zip(&texts).zip(&predictions) {
            out += &self.line(place, text, prediction);
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

    fn line(&self, place: &str, text: &str, prediction: &Prediction) -> String {
        let class = prediction.class().map(|c| self.predictor.class_name(c));
        match self.format {
            PredictFormat::Text => {
                let verdict = match (prediction, &class, prediction.confidence()) {
                    (Prediction::Value { value }, _, _) => format!("{value:.6}"),
                    (_, Some(class), Some(p)) => format!("{class} {p:.4}"),
                    _ => unreachable!("a class has a probability"),
                };
                format!("{verdict}\t{}\n", shown(text))
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
