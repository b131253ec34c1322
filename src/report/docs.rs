//! The README's tutorial figures, from a real run: `ofit report RUN_DIR --docs docs` keeps
//! the run's small files (`run.json`, each model's `history.json` and `model.json`) in
//! `docs/<spec>-run/`, then renders from that copy the learning curves (`docs/<experiment>-
//! <metric>.svg`, and a `train_size` sweep's plots) and `docs/<spec>.md`, the table of every
//! model beside Keras's figures (`docs/keras_<spec>.json`, when there is one) and what a
//! `train_size` sweep's larger sizes bought. With `--readme README.md` the README's copy of the table
//! (between the two marker lines) is replaced too. A test renders the committed copy again
//! and compares every byte, so the README's figures are always those of the committed run.

use super::analysis::Fit;
use super::document::{build_report, ModelReport, ReportError};
use crate::file::{self, IoError};
use crate::model_folder::{HISTORY_JSON, MODEL_JSON};
use crate::run_index::{RunIndex, RUN_JSON};
use std::path::{Path, PathBuf};

/// The documentation files of a run: names relative to the docs directory, and contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Docs {
    /// The spec's name (`tutorial` for `examples/tutorial.ofit`), which names the files.
    pub name: String,
    /// `(file name, contents)`: each learning-curve SVG, then `<name>.md`.
    pub files: Vec<(String, String)>,
}

/// The spec's file stem, which names the docs files: `examples/tutorial.ofit` → `tutorial`.
pub fn docs_name(index: &RunIndex) -> String {
    Path::new(&index.spec)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("run")
        .to_string()
}

/// The first line of the README block that holds `<name>.md`.
pub fn readme_begin(name: &str) -> String {
    format!("<!-- docs/{name}.md: written by `ofit report --docs`, do not edit by hand -->\n")
}

/// The last line of that block.
pub fn readme_end(name: &str) -> String {
    format!("<!-- end of docs/{name}.md -->\n")
}

/// Renders the docs of the run directory `run_dir`, with Keras's figures from `keras`
/// (`{"models": {"<model>": {"min_val_<metric>": …, "min_val_<metric>_epoch": …,
/// "final_val_<metric>": …}}}`) when that file exists (no peer ran some specs). Nothing is
/// written.
pub fn render_docs(run_dir: &Path, keras: &Path) -> Result<Docs, ReportError> {
    let built = build_report(run_dir)?;
    let keras: Option<serde_json::Value> = match keras.exists() {
        true => Some(
            serde_json::from_str(&file::read_to_string(keras)?).map_err(|e| {
                ReportError::Invalid {
                    path: keras.to_path_buf(),
                    reason: format!("not JSON: {e}"),
                }
            })?,
        ),
        false => None,
    };
    let name = docs_name(&built.index);
    let mut files: Vec<(String, String)> = built
        .plots
        .into_iter()
        .map(|(file, svg)| (file.trim_start_matches("plots/").to_string(), svg))
        .collect();
    files.push((format!("{name}.md"), table(&built.report, keras.as_ref())));
    Ok(Docs { name, files })
}

/// A metric's short name in a table header.
fn short(metric: &str) -> &str {
    match metric {
        "binary_crossentropy" => "BCE",
        "categorical_crossentropy" => "CCE",
        "mse" => "MSE",
        other => other,
    }
}

/// The table of every model (each once, in the order the experiments first name them),
/// with Keras's figures beside ofit's when there are some; then what each `train_size`
/// sweep's larger sizes bought.
fn table(report: &super::document::Report, keras: Option<&serde_json::Value>) -> String {
    let mut seen: Vec<(&str, &ModelReport)> = Vec::new();
    for experiment in &report.experiments {
        for model in &experiment.models {
            if !seen.iter().any(|(_, m)| m.folder == model.folder) {
                seen.push((experiment.metric.as_str(), model));
            }
        }
    }
    let metric = seen.first().map_or("loss", |(m, _)| *m);
    let words = short(metric);
    // The test split's figures (Keras's `model.evaluate` after `fit`), when there is one:
    // loss first, then the metrics, as the histories name them.
    let mut tested: Vec<&str> = Vec::new();
    for (_, model) in &seen {
        for name in model.test.keys() {
            if !tested.contains(&name.as_str()) {
                tested.push(name);
            }
        }
    }
    tested.sort_by_key(|name| *name != "loss");
    // With Keras's figures, each of ofit's columns has Keras's beside it.
    let beside = if keras.is_some() { " Keras |" } else { "" };
    let test_head: String = tested
        .iter()
        .map(|name| format!(" ofit: test {} |{beside}", short(name)))
        .collect();
    // ofit's column groups: best, final, each test figure.
    let groups = 2 + tested.len();
    let mut out = format!(
        "| model | parameters | ofit: best val {words} @ epoch |{beside} ofit: final val {words} |{beside}{test_head} ofit says |\n\
         |---|---|{}---|\n",
        if keras.is_some() { "---|---|" } else { "---|" }.repeat(groups)
    );
    for (metric, model) in seen {
        let fit: Option<&Fit> = model.fit.as_ref();
        let k = keras.map_or(&serde_json::Value::Null, |k| &k["models"][&model.name]);
        // A Keras cell after each of ofit's, when there are Keras figures.
        let cell = |text: String| match keras {
            Some(_) => format!(" {text} |"),
            None => String::new(),
        };
        let keras_best = match (
            k[format!("min_val_{metric}")].as_f64(),
            k[format!("min_val_{metric}_epoch")].as_u64(),
        ) {
            (Some(v), Some(e)) => format!("{v:.4} @ {e}"),
            _ => "–".to_string(),
        };
        let keras_final = k[format!("final_val_{metric}")]
            .as_f64()
            .map_or("–".to_string(), |v| format!("{v:.3}"));
        // The verdict's head ("overfits after epoch 2"), after the status unless it completed.
        let says = match fit {
            Some(f) => {
                let head = f.verdict.split(':').next().unwrap_or_default();
                if model.completed() {
                    head.to_string()
                } else {
                    format!("{}; {head}", model.status)
                }
            }
            None => model.status.clone(),
        };
        let test: String = tested
            .iter()
            .map(|name| {
                let ofit = model
                    .test
                    .get(*name)
                    .map_or("–".to_string(), |v| format!("{:.4}", v.0));
                let keras = k[format!("test_{name}")]
                    .as_f64()
                    .map_or("–".to_string(), |v| format!("{v:.4}"));
                format!(" {ofit} |{}", cell(keras))
            })
            .collect();
        out += &format!(
            "| {} | {} | {} |{} {} |{}{test} {says} |\n",
            model.name,
            model
                .params
                .map_or("–".to_string(), crate::suggest::thousands),
            fit.map_or("–".to_string(), |f| format!(
                "{:.4} @ {}",
                f.best_val, f.best_epoch
            )),
            cell(keras_best),
            fit.map_or("–".to_string(), |f| format!("{:.3}", f.final_val)),
            cell(keras_final),
        );
    }
    for experiment in &report.experiments {
        let Some(more) = &experiment.more_data else {
            continue;
        };
        out += "\n";
        for sentence in more.models.iter().filter_map(|m| m.sentence.as_ref()) {
            out += &format!("- {sentence}.\n");
        }
    }
    out
}

/// What [`write_docs`] wrote.
#[derive(Debug, Clone)]
pub struct WrittenDocs {
    /// Every file written or replaced.
    pub files: Vec<PathBuf>,
}

/// Keeps the small files of the run `run_dir` in `docs_dir/<name>-run/` (unless `run_dir`
/// is that copy), renders the docs from the copy into `docs_dir`, and, given a README,
/// replaces its block holding `<name>.md`. Keras's figures are `docs_dir/keras_<name>.json`.
pub fn write_docs(
    run_dir: &Path,
    docs_dir: &Path,
    readme: Option<&Path>,
) -> Result<WrittenDocs, ReportError> {
    let index = RunIndex::read(&run_dir.join(RUN_JSON))?;
    let name = docs_name(&index);
    let copy = docs_dir.join(format!("{name}-run"));
    let mut written = Vec::new();
    let same = match (run_dir.canonicalize(), copy.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same {
        if copy.exists() {
            std::fs::remove_dir_all(&copy).map_err(IoError::on("remove", &copy))?;
        }
        let mut files = vec![PathBuf::from(RUN_JSON)];
        for experiment in &index.experiments {
            for model in &experiment.models {
                for file in [HISTORY_JSON, MODEL_JSON] {
                    let path = Path::new(&model.folder).join(file);
                    if run_dir.join(&path).exists() && !files.contains(&path) {
                        files.push(path);
                    }
                }
            }
        }
        for file in files {
            let bytes = std::fs::read(run_dir.join(&file))
                .map_err(IoError::on("read", &run_dir.join(&file)))?;
            let target = copy.join(&file);
            file::write_atomic(&target, &bytes)?;
            written.push(target);
        }
    }
    let keras = docs_dir.join(format!("keras_{name}.json"));
    let docs = render_docs(&copy, &keras)?;
    for (file, text) in &docs.files {
        let path = docs_dir.join(file);
        file::write_atomic(&path, text.as_bytes())?;
        written.push(path);
    }
    if let Some(readme) = readme {
        let md = &docs.files.last().expect("the table is always rendered").1;
        let text = file::read_to_string(readme)?;
        let (begin, end) = (readme_begin(&name), readme_end(&name));
        let replaced = text.find(&begin).and_then(|b| {
            let e = b + text[b..].find(&end)?;
            Some(format!("{}{begin}{md}{}", &text[..b], &text[e..]))
        });
        let Some(replaced) = replaced else {
            return Err(ReportError::Invalid {
                path: readme.to_path_buf(),
                reason: format!(
                    "has no block for docs/{name}.md: a line `{}` and, after it, `{}`",
                    begin.trim_end(),
                    end.trim_end()
                ),
            });
        };
        file::write_atomic(readme, replaced.as_bytes())?;
        written.push(readme.to_path_buf());
    }
    Ok(WrittenDocs { files: written })
}
