//! A run plan: what `ofit run` will do before it trains anything. The spec's experiments
//! with their data loaded and encoded, every distinct model once (named by the hash of
//! what determines its result, so a model two experiments share trains once), what each
//! costs, and the run index the report reads. The CLI, a cluster worker and `ofit plan`
//! all start from the same plan.

use crate::data::{self, Context, DataError, Encoded, LabelRule};
use crate::ir::{Model, Program, Training};
use crate::report::summary::{epoch_cost, DataFacts};
use crate::run_index::{IndexedExperiment, IndexedModel, RunIndex};
use crate::train::memory::{self, TooLarge};
use crate::train::run::ResultKey;
use crate::train::Options;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Why a plan could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A dataset could not be loaded, or a training-set size cut from it.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A model would not fit in the memory training may take.
    #[error(transparent)]
    TooLarge(#[from] TooLarge),
}

/// One distinct model to train.
#[derive(Debug, Clone)]
pub struct PlannedJob {
    /// Its name in the run, unambiguous across experiments: `experiment/model`, with the
    /// training-set size when the experiment sweeps them (`sizes/baseline@1250`); the first
    /// experiment's when several share it.
    pub name: String,
    /// The model (index into the program's models).
    pub model: usize,
    /// Its training block (index into the program's trainings).
    pub training: usize,
    /// The dataset it trains on (index into the program's datasets), and the training-set
    /// size when it trains on a part of the training split.
    pub data: (usize, Option<usize>),
    /// The hash of its result key: its folder's name.
    pub hash: String,
    /// Its folder, relative to the run directory (`models/<hash>`).
    pub folder: PathBuf,
    /// What its folder is named after, as its `model.json` holds it.
    pub key_json: String,
    /// Multiply-adds of the whole training (0 when they cannot be counted).
    pub cost: f64,
    /// Bytes its training needs at least (`train::memory::needed`), when they can be counted.
    pub memory: Option<u64>,
}

/// Everything a run needs before it trains.
pub struct RunPlan {
    /// The checked spec, input widths resolved and epochs overridden as asked.
    pub program: Program,
    /// The spec file's absolute path: a run directory holds the runs of one spec.
    pub spec_path: PathBuf,
    /// The run index the report reads.
    pub index: RunIndex,
    /// Every distinct model once, in the order the experiments name them.
    pub jobs: Vec<PlannedJob>,
    /// What loading the data said along the way ("a damaged cache file was rebuilt").
    pub notes: Vec<String>,
    /// The options the models train with.
    pub options: Options,
    /// Encoded data per dataset, and per dataset and training-set size.
    data: HashMap<(usize, Option<usize>), (Encoded, String)>,
}

/// What to plan.
pub struct PlanRequest<'a> {
    /// The spec's absolute path (its name in reports is `spec`).
    pub spec_path: PathBuf,
    /// The spec's name as given on the command line.
    pub spec: String,
    /// Only this experiment.
    pub only: Option<&'a str>,
    /// Every training block's epochs, overridden.
    pub epochs: Option<usize>,
    /// Where data comes from.
    pub context: &'a Context,
    /// Backend and memory.
    pub options: Options,
}

impl RunPlan {
    /// Loads the data of `program`'s experiments (those of `request.only`) and plans every
    /// distinct model.
    pub fn new(mut program: Program, request: PlanRequest) -> Result<RunPlan, PlanError> {
        if let Some(epochs) = request.epochs {
            for training in &mut program.trainings {
                training.epochs = epochs;
            }
        }
        let chosen: Vec<usize> = (0..program.experiments.len())
            .filter(|&e| {
                request
                    .only
                    .is_none_or(|n| n == program.experiments[e].name)
            })
            .collect();
        data::load::resolve_input_widths(&mut program, &chosen, request.context)?;
        let mut notes = Vec::new();
        let mut data: HashMap<(usize, Option<usize>), (Encoded, String)> = HashMap::new();
        for &e in &chosen {
            let experiment = &program.experiments[e];
            let d = experiment.dataset;
            if let std::collections::hash_map::Entry::Vacant(entry) = data.entry((d, None)) {
                let rule = LabelRule::for_dataset(
                    &program,
                    d,
                    chosen.iter().map(|&e| &program.experiments[e]),
                );
                let loaded = data::load(&program.datasets[d], &rule, request.context)?;
                notes.extend(loaded.notes);
                let fingerprint = loaded.data.fingerprint();
                entry.insert((loaded.data, fingerprint));
            }
            // Each training-set size is cut once per dataset.
            for &size in &experiment.train_sizes {
                if !data.contains_key(&(d, Some(size))) {
                    let name = &program.datasets[d].name;
                    let subset = data::train_size::subset(&data[&(d, None)].0, name, size)?;
                    let fingerprint = subset.fingerprint();
                    data.insert((d, Some(size)), (subset, fingerprint));
                }
            }
        }
        let mut index = RunIndex {
            spec: request.spec,
            spec_path: Some(request.spec_path.clone()),
            experiments: Vec::new(),
        };
        let mut jobs: Vec<PlannedJob> = Vec::new();
        for &e in &chosen {
            let experiment = &program.experiments[e];
            let d = experiment.dataset;
            let dataset = &program.datasets[d];
            let sizes: Vec<Option<usize>> = match experiment.train_sizes.as_slice() {
                [] => vec![None],
                sizes => sizes.iter().copied().map(Some).collect(),
            };
            let mut models = Vec::new();
            for ((m, t), size) in experiment
                .members()
                .flat_map(|member| sizes.iter().map(move |&size| (member, size)))
            {
                let (encoded, fingerprint) = &data[&(d, size)];
                let training = &program.trainings[t];
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
                let name = format!("{}/{}", experiment.name, indexed.shown_name());
                models.push(indexed);
                if jobs.iter().any(|j| j.hash == hash) {
                    continue;
                }
                // Refused before anything is allocated, and before any model trains.
                memory::check(model, training, request.options.memory)?;
                let cost = epoch_cost(model, &facts(encoded))
                    .map_or(0.0, |c| c.sparse.unwrap_or(c.dense))
                    * training.epochs as f64;
                jobs.push(PlannedJob {
                    name,
                    model: m,
                    training: t,
                    data: (d, size),
                    key_json: key.to_json(),
                    hash,
                    folder: PathBuf::from(folder),
                    cost,
                    memory: memory::needed(model, training),
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
        Ok(RunPlan {
            program,
            spec_path: request.spec_path,
            index,
            jobs,
            notes,
            options: request.options,
            data,
        })
    }

    /// The model `job` trains.
    pub fn model(&self, job: &PlannedJob) -> &Model {
        &self.program.models[job.model]
    }

    /// How `job` trains.
    pub fn training(&self, job: &PlannedJob) -> &Training {
        &self.program.trainings[job.training]
    }

    /// The examples `job` trains and validates on.
    pub fn data(&self, job: &PlannedJob) -> &Encoded {
        &self.data[&job.data].0
    }

    /// Each whole dataset's examples, by dataset index.
    pub fn datasets(&self) -> impl Iterator<Item = (usize, &Encoded)> {
        self.data
            .iter()
            .filter(|((_, size), _)| size.is_none())
            .map(|(&(d, _), (encoded, _))| (d, encoded))
    }

    /// What the data says of its size, for summaries and costs.
    pub fn facts(&self, job: &PlannedJob) -> DataFacts {
        facts(self.data(job))
    }
}

fn facts(data: &Encoded) -> DataFacts {
    DataFacts {
        split_sizes: Some((data.train.labels.len(), data.validation.labels.len())),
        mean_ids_per_row: data.stats.train.mean_ids_per_row,
    }
}

/// The run directory of a spec when none is named: `runs/<spec's file stem>`.
pub fn default_out(spec: &Path) -> PathBuf {
    let stem = spec.file_stem().and_then(|s| s.to_str()).unwrap_or("spec");
    PathBuf::from("runs").join(stem)
}
