//! `ofit run FILE [--out DIR] [--only EXPERIMENT] [--epochs N]`: trains every model the
//! experiments name (each once), keeping everything in the run directory.

use super::check::checked_or_report;
use super::data::print_error;
use super::output::say;
use super::progress::{self, STOP};
use super::{known_name, output, Exit};
use crate::data::{self, Encoded, LabelRule};
use crate::history::Ending;
use crate::ir::{Experiment, Model, Training};
use crate::report::summary::{epoch_cost, summary, DataFacts};
use crate::run_index::{IndexedExperiment, IndexedModel, RunIndex};
use crate::train::folder::ModelFolder;
use crate::train::run::{ResultKey, RunDir};
use crate::train::{self, Outcome};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

/// What `ofit run` was asked.
pub struct Request<'a> {
    /// The spec.
    pub file: &'a Path,
    /// The run directory; default `runs/<spec name>`.
    pub out: Option<PathBuf>,
    /// Only this experiment.
    pub only: Option<&'a str>,
    /// Override every training block's epochs.
    pub epochs: Option<usize>,
    /// What the spec does not say: the backend, the memory training may take.
    pub options: train::Options,
}

/// Exit status of a run stopped by Ctrl-C, as shells report a SIGINT.
const INTERRUPTED: u8 = 130;

/// Runs the request; the exit status.
pub fn run(request: Request) -> std::process::ExitCode {
    match execute(request) {
        Ok(()) => Exit::Ok.into(),
        Err(Stop::Exit(exit)) => exit.into(),
        Err(Stop::Interrupted) => std::process::ExitCode::from(INTERRUPTED),
    }
}

enum Stop {
    Exit(Exit),
    Interrupted,
}

impl From<Exit> for Stop {
    fn from(exit: Exit) -> Self {
        Stop::Exit(exit)
    }
}

fn execute(request: Request) -> Result<(), Stop> {
    let (source, mut program) = checked_or_report(request.file, request.only)?;
    known_name(
        request.only,
        "experiment",
        &source,
        program.experiments.iter().map(|e| e.name.as_str()),
    )?;
    if let Some(epochs) = request.epochs {
        for training in &mut program.trainings {
            training.epochs = epochs;
        }
    }
    let spec_dir = request.file.parent().unwrap_or(Path::new("."));
    let ctx = super::data::context(spec_dir);
    let only: Vec<usize> = (0..program.experiments.len())
        .filter(|&e| {
            request
                .only
                .is_none_or(|n| n == program.experiments[e].name)
        })
        .collect();
    data::load::resolve_input_widths(&mut program, &only, &ctx).map_err(|e| {
        print_error(&e);
        Exit::Failed
    })?;
    let out = request.out.unwrap_or_else(|| {
        let stem = request
            .file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("spec");
        PathBuf::from("runs").join(stem)
    });
    let experiments: Vec<&Experiment> = program
        .experiments
        .iter()
        .filter(|e| request.only.is_none_or(|n| n == e.name))
        .collect();
    let mut datasets: HashMap<usize, (Encoded, String)> = HashMap::new();
    for experiment in &experiments {
        if let std::collections::hash_map::Entry::Vacant(e) = datasets.entry(experiment.dataset) {
            let dataset = &program.datasets[experiment.dataset];
            let rule =
                LabelRule::for_dataset(&program, experiment.dataset, experiments.iter().copied());
            let loaded = data::load(dataset, &rule, &ctx).map_err(|e| {
                print_error(&e);
                Exit::Failed
            })?;
            for note in &loaded.notes {
                say!("note: {note}");
            }
            let fingerprint = loaded.data.fingerprint();
            e.insert((loaded.data, fingerprint));
        }
    }

    // Every distinct model once, in the order the experiments name them.
    let spec_path = std::path::absolute(request.file).unwrap_or_else(|_| request.file.into());
    let mut index = RunIndex {
        spec: source.name().to_string(),
        spec_path: Some(spec_path.clone()),
        experiments: Vec::new(),
    };
    // Each experiment's training-set sizes, cut once per dataset and size.
    let mut subsets: HashMap<(usize, usize), (Encoded, String)> = HashMap::new();
    for experiment in &experiments {
        for &size in &experiment.train_sizes {
            if let std::collections::hash_map::Entry::Vacant(e) =
                subsets.entry((experiment.dataset, size))
            {
                let name = &program.datasets[experiment.dataset].name;
                let subset = data::train_size::subset(&datasets[&experiment.dataset].0, name, size)
                    .map_err(|e| {
                        print_error(&e);
                        Exit::Failed
                    })?;
                let fingerprint = subset.fingerprint();
                e.insert((subset, fingerprint));
            }
        }
    }
    let mut jobs: Vec<Job> = Vec::new();
    for experiment in &experiments {
        let dataset = &program.datasets[experiment.dataset];
        let sizes: Vec<Option<usize>> = match experiment.train_sizes.as_slice() {
            [] => vec![None],
            sizes => sizes.iter().copied().map(Some).collect(),
        };
        let mut models = Vec::new();
        for ((m, training), size) in experiment
            .members()
            .flat_map(|member| sizes.iter().map(move |&size| (member, size)))
        {
            let (data, fingerprint) = match size {
                Some(n) => &subsets[&(experiment.dataset, n)],
                None => &datasets[&experiment.dataset],
            };
            let training = &program.trainings[training];
            let model = &program.models[m];
            let key = ResultKey::new(
                model,
                dataset,
                fingerprint,
                training,
                request.options.backend,
            );
            let hash = key.hash();
            let folder = format!("models/{hash}");
            let indexed = IndexedModel {
                name: model.name.clone(),
                training: training.name.clone(),
                train_size: size,
                folder: folder.clone(),
            };
            let name = indexed.shown_name();
            models.push(indexed);
            if jobs.iter().any(|j| j.hash == hash) {
                continue;
            }
            // Refused before anything is allocated, and before any model trains.
            train::memory::check(model, training, request.options.memory).map_err(|e| {
                output::err_line(&format!("error: {e}"));
                Exit::Failed
            })?;
            jobs.push(Job {
                name,
                model,
                training,
                data,
                key,
                folder: PathBuf::from(folder),
                hash,
                options: request.options,
            });
        }
        index.experiments.push(IndexedExperiment {
            name: experiment.name.clone(),
            dataset: dataset.name.clone(),
            plot: experiment
                .plot
                .iter()
                .map(|m| m.name().to_string())
                .collect(),
            show_data: experiment.show_data,
            models,
        });
    }

    let run_dir = RunDir::open(&out, &spec_path).map_err(|e| {
        output::err_line(&format!("error: {e}"));
        Exit::Failed
    })?;
    if request.only.is_some() {
        // Keep what earlier runs recorded of the experiments not run now.
        if let Some(previous) = run_dir.read_index() {
            let mut merged = Vec::new();
            for experiment in &program.experiments {
                let entry = index
                    .experiments
                    .iter()
                    .chain(&previous.experiments)
                    .find(|e| e.name == experiment.name);
                merged.extend(entry.cloned());
            }
            index.experiments = merged;
        }
    }
    // Written before training, so that an interrupted run can be reported.
    run_dir.write_index(&index).map_err(|e| {
        output::err_line(&format!("error: {e}"));
        Exit::Failed
    })?;
    let _ = ctrlc::set_handler(|| {
        output::err_line("\nstopping after this batch; finished epochs are kept");
        STOP.store(true, Ordering::Relaxed);
    });
    let root = run_dir.root();
    let outcomes = train::lanes::in_lanes(&jobs, Job::cost, |job| job.train(root));
    let mut failed = false;
    let mut interrupted = false;
    let mut fresh = 0;
    for (job, outcome) in jobs.iter().zip(&outcomes) {
        match outcome {
            Some(Ok(Outcome::Interrupted { epochs })) => {
                interrupted = true;
                output::err_line(&format!(
                    "interrupted: `{}` has {epochs} finished epoch{} saved in {}; run the same command again to continue",
                    job.name,
                    if *epochs == 1 { "" } else { "s" },
                    root.join(&job.folder).display()
                ));
            }
            Some(Ok(Outcome::Trained { .. })) => fresh += 1,
            Some(Ok(Outcome::AlreadyTrained(_))) => {}
            Some(Err(_)) => failed = true,
            // Not started: the run was stopping (Ctrl-C, or the other lane failed).
            None => interrupted = true,
        }
    }
    if failed {
        return Err(Exit::Failed.into());
    }
    if interrupted {
        return Err(Stop::Interrupted);
    }
    if fresh == 0 {
        output::err_line(&format!(
            "nothing to train: every model is already trained in {}",
            root.display()
        ));
    } else {
        output::err_line(&format!(
            "trained {fresh} model{}; results in {}",
            if fresh == 1 { "" } else { "s" },
            root.display()
        ));
    }
    write_data_views(&program, &datasets, run_dir.root());
    match super::report::render(run_dir.root()) {
        Some(_) => Ok(()),
        None => Err(Exit::Failed.into()),
    }
}

/// One distinct model to train: what determines its result, and its folder.
struct Job<'a> {
    /// The model's name in the run (`baseline@1250` at one training-set size).
    name: String,
    model: &'a Model,
    training: &'a Training,
    data: &'a Encoded,
    key: ResultKey<'a>,
    hash: String,
    /// Its folder, relative to the run directory.
    folder: PathBuf,
    options: train::Options,
}

impl Job<'_> {
    /// Multiply-adds of the whole training, to find the costliest model.
    fn cost(&self) -> f64 {
        let cost = epoch_cost(self.model, &self.facts());
        cost.map_or(0.0, |c| c.sparse.unwrap_or(c.dense)) * self.training.epochs as f64
    }

    fn facts(&self) -> DataFacts {
        DataFacts {
            split_sizes: Some((
                self.data.train.labels.len(),
                self.data.validation.labels.len(),
            )),
            mean_ids_per_row: self.data.stats.train.mean_ids_per_row,
        }
    }

    /// Trains the model (or finds it trained) and says how it ended; `None` when the run
    /// was already stopping. An error is reported here, and stops the other lane too.
    fn train(&self, root: &Path) -> Option<Result<Outcome, ()>> {
        if STOP.load(Ordering::Relaxed) {
            return None;
        }
        let folder = ModelFolder::new(root.join(&self.folder));
        let mut progress = progress::for_model(&self.name);
        // A panic is a bug in ofit; it must still stop the other lane, as an error does,
        // with every finished epoch kept.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.describe(&folder, progress.as_mut())?;
            train::train(
                self.model,
                self.training,
                self.data,
                &folder,
                self.options,
                progress.as_mut(),
            )
        }));
        match outcome {
            Ok(Ok(outcome)) => {
                report(&self.name, &folder, &outcome);
                Some(Ok(outcome))
            }
            Ok(Err(e)) => {
                progress::line(&format!("error: training `{}`: {e}", self.name));
                STOP.store(true, Ordering::Relaxed);
                Some(Err(()))
            }
            Err(_) => {
                progress::line(&format!(
                    "error: training `{}` stopped on an internal error (a bug in ofit; please report it); finished epochs are kept",
                    self.name
                ));
                STOP.store(true, Ordering::Relaxed);
                Some(Err(()))
            }
        }
    }

    /// Writes what the folder is named after (`model.json`), the model's summary and its
    /// preprocessing, where they are missing or differ: all are derived from the spec and
    /// the data. Mending them in a folder that already holds a training is said.
    fn describe(
        &self,
        folder: &ModelFolder,
        progress: &mut dyn train::Progress,
    ) -> Result<(), train::TrainError> {
        let summary = summary(self.model, self.training, &self.facts());
        let started = folder.dir().is_dir();
        let preprocessing = self.data.preprocessing.as_ref().map(|p| {
            (
                crate::model_folder::PREPROCESSING_JSON,
                serde_json::to_string_pretty(p).expect("preprocessing serializes") + "\n",
            )
        });
        for (name, contents) in [
            (crate::model_folder::MODEL_JSON, self.key.to_json()),
            (crate::model_folder::SUMMARY_TXT, summary),
        ]
        .into_iter()
        .chain(preprocessing)
        {
            let path = folder.dir().join(name);
            let found = std::fs::read_to_string(&path).ok();
            if found.as_deref() != Some(contents.as_str()) {
                folder.write(name, &contents)?;
                if started {
                    let what = if found.is_some() {
                        "damaged"
                    } else {
                        "missing"
                    };
                    progress.note(&format!(
                        "`{}` was {what}; written again from the spec",
                        path.display()
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The tutorial's first plot for each multi-hot dataset an experiment shows
/// (`show_data = true`): its first training review as a multi-hot row against word index.
/// A figure that cannot be written is skipped: the report is complete without it.
fn write_data_views(
    program: &crate::ir::Program,
    datasets: &HashMap<usize, (Encoded, String)>,
    root: &Path,
) {
    for (index, (data, _)) in datasets {
        let asked = program
            .experiments
            .iter()
            .any(|e| e.dataset == *index && e.show_data);
        let crate::data::Features::MultiHot(rows) = &data.train.features else {
            continue;
        };
        if !asked {
            continue;
        }
        if rows.rows() == 0 {
            continue;
        }
        let name = &program.datasets[*index].name;
        let title = format!("{name}: training review 1 as a multi-hot row");
        let svg = crate::report::plot::multi_hot_row(&title, rows.row(0), rows.width);
        let _ = crate::file::write_atomic(
            &root.join("plots").join(format!("data-{name}.svg")),
            svg.as_bytes(),
        );
    }
}

/// One line about how a model's training ended.
fn report(name: &str, folder: &ModelFolder, outcome: &Outcome) {
    let dir = folder.dir().display();
    match outcome {
        Outcome::AlreadyTrained(history) => {
            progress::line(&format!(
                "{name}: already trained ({} epochs) in {dir}",
                history.epochs.len()
            ));
        }
        Outcome::Trained {
            history,
            resumed_after,
        } => {
            let seconds: f64 = history.epochs.iter().map(|e| e.seconds).sum();
            let mut line = format!(
                "{name}: trained {} epoch{} in {seconds:.1} s",
                history.epochs.len(),
                if history.epochs.len() == 1 { "" } else { "s" }
            );
            if let Some(epoch) = resumed_after {
                line += &format!(" (resumed after epoch {epoch})");
            }
            match history.ending {
                Some(Ending::StoppedEarly { epoch, restored }) => {
                    line += &format!(", stopped early after epoch {epoch}");
                    if let Some(best) = restored {
                        line += &format!(" (weights of epoch {best} kept)");
                    }
                }
                Some(Ending::Completed {
                    restored: Some(best),
                }) => line += &format!(" (weights of epoch {best} kept)"),
                Some(Ending::Diverged { epoch }) => {
                    line += &format!(
                        ", diverged in epoch {epoch}: the loss is no longer a finite number"
                    )
                }
                _ => {}
            }
            progress::line(&format!("{line}; saved in {dir}"));
        }
        Outcome::Interrupted { .. } => {}
    }
}
