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
    let is_folder = request
        .run_dir
        .join(crate::model_folder::MODEL_JSON)
        .is_file();
    let (dir, file): (PathBuf, Option<PathBuf>) = match (is_folder, request.model) {
        (true, model) => (
            request.run_dir.to_path_buf(),
            request
                .file
                .map(Path::to_path_buf)
                .or(model.map(PathBuf::from)),
        ),
        (false, Some(name)) => (
            trained::find(request.run_dir, name).map_err(|e| fail(&e))?,
            request.file.map(Path::to_path_buf),
        ),
        (false, None) => {
            say!(
                "error: `{}` is not a model folder: name a model of the run, e.g. `ofit predict {} experiment/model`",
                request.run_dir.display(),
                request.run_dir.display()
            );
            return Err(Exit::Usage);
        }
    };
    if file.is_none() && request.texts.is_empty() {
        say!("error: nothing to predict: give `--text \"…\"`, a file of texts (one per line), or `-` for standard input");
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
    let given: Vec<(String, String)> = request
        .texts
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("text {}", i + 1), t.clone()))
        .collect();
    writer.chunk(&given)?;
    if let Some(file) = file.as_deref() {
        let reader: Box<dyn BufRead> = if file == Path::new("-") {
            Box::new(std::io::stdin().lock())
        } else {
            let opened = std::fs::File::open(file).map_err(|e| {
                say!(
                    "error: cannot read `{}`: {}",
                    file.display(),
                    crate::file::reason(&e)
                );
                Exit::Usage
            })?;
            Box::new(std::io::BufReader::new(opened))
        };
        let name = if file == Path::new("-") {
            "standard input".to_string()
        } else {
            file.display().to_string()
        };
        let mut chunk = Vec::with_capacity(CHUNK);
        for (n, line) in reader.lines().enumerate() {
            let line = line.map_err(|e| {
                say!(
                    "error: {name}:{}: cannot read: {}",
                    n + 1,
                    crate::file::reason(&e)
                );
                Exit::Failed
            })?;
            chunk.push((format!("{name}:{}", n + 1), line));
            if chunk.len() == CHUNK {
                writer.chunk(&chunk)?;
                chunk.clear();
            }
        }
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

/// Writes the predictions of chunk after chunk.
struct Writer<'a> {
    predictor: &'a Predictor<'a>,
    format: PredictFormat,
    header: bool,
    refused: usize,
    strict: bool,
}

impl Writer<'_> {
    /// Predicts `inputs` (each with where it comes from) and writes them; an empty text is
    /// refused with where it is, and the others are predicted.
    fn chunk(&mut self, inputs: &[(String, String)]) -> Result<(), Exit> {
        let mut texts = Vec::with_capacity(inputs.len());
        let mut places = Vec::with_capacity(inputs.len());
        for (place, text) in inputs {
            if text.trim().is_empty() {
                say!("error: {place}: empty text, nothing to predict");
                self.refused += 1;
                if self.strict {
                    return Err(Exit::Failed);
                }
                continue;
            }
            texts.push(text.as_str());
            places.push(place.as_str());
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
