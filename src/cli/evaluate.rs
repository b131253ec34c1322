//! `ofit evaluate RUN_DIR [MODEL…]`: the loss and metrics of a run's finished models on a
//! split of the data their spec declares (its test split where it has one, else its
//! validation split), or on another file in their training file's format, as Keras's
//! `evaluate` gives them.

use super::output::{self, say};
use super::{compile_or_report, Exit, Format};
use crate::data::{self, Encoded, LabelRule};
use crate::lower::Backend;
use crate::run_index::{RunIndex, RUN_JSON};
use crate::trained::evaluate::{evaluate, file_examples, Figures, FileError};
use crate::trained::TrainedModel;
use clap::ValueEnum;
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

/// Which examples to evaluate on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Examples {
    /// The whole training split (for a `train_size` member, more than it trained on).
    Train,
    /// The validation split.
    Validation,
    /// The test split.
    Test,
}

/// One model's figures, as `--format json` gives them.
#[derive(Debug, Serialize)]
struct Evaluated {
    /// `experiment/model`.
    model: String,
    /// Its folder, relative to the run directory.
    folder: String,
    /// The split evaluated (`test`, `validation`, `train`), or the file.
    split: String,
    /// Each metric's value, `loss` first.
    #[serde(serialize_with = "in_order")]
    figures: Figures,
}

/// Figures as a JSON object whose keys keep their order, `loss` first.
fn in_order<S: serde::Serializer>(figures: &Figures, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_map(figures.iter().map(|(name, value)| (name, value)))
}

/// Runs `ofit evaluate`.
pub fn run(
    run_dir: &Path,
    names: &[String],
    split: Option<Examples>,
    file: Option<&Path>,
    format: Format,
    backend: Backend,
) -> Exit {
    match evaluate_run(run_dir, names, split, file, format, backend) {
        Ok(exit) | Err(exit) => exit,
    }
}

fn evaluate_run(
    run_dir: &Path,
    names: &[String],
    split: Option<Examples>,
    file: Option<&Path>,
    format: Format,
    backend: Backend,
) -> Result<Exit, Exit> {
    let index = RunIndex::read(&run_dir.join(RUN_JSON)).map_err(|e| {
        say!("error: {e}");
        Exit::Usage
    })?;
    let Some(spec) = index.spec_path.as_deref() else {
        say!(
            "error: `{}` does not say which spec it ran (it was written by an older ofit); run it again to evaluate it",
            run_dir.join(RUN_JSON).display()
        );
        return Err(Exit::Failed);
    };
    // Every model once, in index order, as `experiment/model`, with its experiment.
    let mut chosen: Vec<(String, &str, &str)> = Vec::new();
    let mut known = Vec::new();
    for experiment in &index.experiments {
        for model in &experiment.models {
            let full = format!("{}/{}", experiment.name, model.shown_name());
            let wanted =
                names.is_empty() || names.iter().any(|n| *n == full || *n == model.shown_name());
            if wanted && !chosen.iter().any(|(_, _, f)| *f == model.folder) {
                chosen.push((full.clone(), &experiment.dataset, &model.folder));
            }
            known.push(full);
        }
    }
    for name in names {
        if !known
            .iter()
            .any(|k| k == name || k.rsplit('/').next() == Some(name.as_str()))
        {
            say!(
                "error: no model `{name}` in `{}` ({})",
                run_dir.display(),
                crate::suggest::help(name, known.iter().map(String::as_str))
            );
            return Err(Exit::Usage);
        }
    }
    let mut report = Report::default();
    if let Some(file) = file {
        for (name, _, folder) in &chosen {
            let figures = TrainedModel::open(&run_dir.join(folder))
                .map_err(FileError::from)
                .and_then(|model| {
                    let split = file_examples(&model, file)?;
                    Ok(evaluate(&model, &model.empty(), &split, backend)?)
                })
                .map_err(|e| match &e {
                    FileError::Data(data) => with_help(&e, data.help()),
                    _ => e.to_string(),
                });
            report.add(name, folder, &file.display().to_string(), figures);
        }
        return report.finish(format);
    }
    let (_, program) = compile_or_report(spec)?;
    let ctx = super::data::context(spec.parent().unwrap_or(Path::new(".")));
    let mut datasets: HashMap<&str, Encoded> = HashMap::new();
    for (name, dataset, folder) in &chosen {
        let model = match TrainedModel::open(&run_dir.join(folder)) {
            Ok(model) => model,
            Err(e) => {
                report.add(name, folder, "", Err(e.to_string()));
                continue;
            }
        };
        if !datasets.contains_key(dataset) {
            let Some(at) = program.datasets.iter().position(|d| d.name == *dataset) else {
                let gone = format!("the spec no longer declares dataset `{dataset}`");
                report.add(name, folder, "", Err(gone));
                continue;
            };
            let rule = LabelRule::for_dataset(&program, at, &program.experiments);
            let loaded = data::load(&program.datasets[at], &rule, &ctx).map_err(|e| {
                say!("error: {}", with_help(&e, e.help()));
                Exit::Failed
            })?;
            datasets.insert(dataset, loaded.data);
        }
        let data = &datasets[dataset];
        let which = split.unwrap_or(if data.test.is_some() {
            Examples::Test
        } else {
            Examples::Validation
        });
        let examples = match which {
            Examples::Train => &data.train,
            Examples::Validation => &data.validation,
            Examples::Test => match &data.test {
                Some(test) => test,
                None => {
                    let none = format!("dataset `{dataset}` has no test split");
                    report.add(name, folder, "", Err(none));
                    continue;
                }
            },
        };
        let figures = evaluate(&model, data, examples, backend).map_err(|e| e.to_string());
        report.add(name, folder, which.name(), figures);
    }
    report.finish(format)
}

/// The models evaluated, and whether one could not be.
#[derive(Default)]
struct Report {
    evaluated: Vec<Evaluated>,
    failed: bool,
}

impl Report {
    /// Keeps model `name`'s figures on `split`, or says why it has none.
    fn add(&mut self, name: &str, folder: &str, split: &str, figures: Result<Figures, String>) {
        match figures {
            Ok(figures) => self.evaluated.push(Evaluated {
                model: name.to_string(),
                folder: folder.to_string(),
                split: split.to_string(),
                figures,
            }),
            Err(why) => {
                say!("error: `{name}`: {why}");
                self.failed = true;
            }
        }
    }

    /// Writes the figures; the exit status says whether every model was evaluated.
    fn finish(self, format: Format) -> Result<Exit, Exit> {
        output::out(&render(&self.evaluated, format))?;
        Ok(if self.failed { Exit::Failed } else { Exit::Ok })
    }
}

/// An error's message, then its help on a line of its own.
fn with_help(error: &dyn std::fmt::Display, help: Option<String>) -> String {
    match help {
        Some(help) => format!("{error}\n  help: {help}"),
        None => error.to_string(),
    }
}

/// The figures as `format` writes them.
fn render(evaluated: &[Evaluated], format: Format) -> String {
    match format {
        Format::Json => {
            #[derive(Serialize)]
            struct Out<'a> {
                models: &'a [Evaluated],
            }
            serde_json::to_string_pretty(&Out { models: evaluated }).expect("figures serialize")
                + "\n"
        }
        Format::Human => evaluated.iter().map(line).collect(),
    }
}

impl Examples {
    fn name(self) -> &'static str {
        match self {
            Examples::Train => "train",
            Examples::Validation => "validation",
            Examples::Test => "test",
        }
    }
}

/// `sizes/baseline (test): loss 0.3391, accuracy 0.8723`.
fn line(model: &Evaluated) -> String {
    let figures: Vec<String> = model
        .figures
        .iter()
        .map(|(name, v)| format!("{name} {v:.4}"))
        .collect();
    format!(
        "{} ({}): {}\n",
        model.model,
        model.split,
        figures.join(", ")
    )
}
