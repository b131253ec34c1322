//! A worker: trains the models of a plan that no other worker holds, one claim at a time,
//! until every model is finished. Any number of workers (`ofit run` processes, Slurm array
//! tasks) may work on one run directory at once; between them each model trains once.
//!
//! A worker takes an unfinished model whose claim it can get ([`super::claim`]), trains it
//! (resuming from its newest checkpoint), and takes the next. When every model left is held
//! by a live claim of another worker, it waits and looks again, so that a model whose
//! worker died is resumed when its claim expires; it ends when every model is finished, or
//! failed in another worker, or when it is asked to stop.

use super::claim::{Claim, ClaimTimeout, Claims, Held};
use super::plan::{PlannedJob, RunPlan};
use crate::file;
use crate::model_folder::{FAILURE_JSON, MODEL_JSON, PREPROCESSING_JSON, SUMMARY_TXT};
use crate::report::summary::summary;
use crate::train::folder::ModelFolder;
use crate::train::{self, lanes, Outcome, Progress};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

/// What a worker is told from outside: how it reports, and when to stop.
pub trait Observer: Sync {
    /// Progress for `job`'s training.
    fn progress(&self, job: &PlannedJob) -> Box<dyn Progress>;
    /// Whether the worker has been asked to stop (Ctrl-C, SIGTERM): training stops after
    /// the current batch, keeping its checkpoints, and no new model starts.
    fn stopping(&self) -> bool;
    /// Asks every lane of this worker to stop (a model failed).
    fn stop(&self);
    /// `job` ended for this worker as `end` says.
    fn ended(&self, job: &PlannedJob, end: &JobEnd);
}

/// How a worker shares the run directory.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// How long a claim lives without a heartbeat.
    pub timeout: ClaimTimeout,
    /// The longest wait before looking again when every model left is another's: the
    /// wait starts at 50 ms and doubles up to this while nothing changes, so a worker
    /// notices a model finished at once, and a long wait costs a shared filesystem little.
    pub poll: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timeout: ClaimTimeout::default(),
            poll: Duration::from_secs(2),
        }
    }
}

/// How one model ended for this worker.
#[derive(Debug)]
pub enum JobEnd {
    /// Trained here, or found finished (by an earlier run or another worker).
    Done(Outcome),
    /// Stopped on request with its finished epochs saved.
    Interrupted {
        /// Finished epochs, all saved.
        epochs: usize,
    },
    /// Its training failed here, with the error.
    Failed(String),
    /// It failed in another worker while this one ran (`failure.json` says why).
    FailedElsewhere(Failure),
}

/// A model's `failure.json`: why its last training failed, and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// The error.
    pub error: String,
    /// The worker's host name.
    pub host: String,
    /// The worker's process id.
    pub pid: u32,
}

impl Failure {
    /// The failure recorded in `folder`, if any.
    pub fn read(folder: &Path) -> Option<Failure> {
        let text = std::fs::read_to_string(folder.join(FAILURE_JSON)).ok()?;
        serde_json::from_str(&text).ok()
    }
}

/// Works on `plan` in the run directory `root` until every model is finished (or this
/// worker stops); each model's end, in the plan's order (`None`: not reached, the worker
/// stopped first).
pub fn work(
    plan: &RunPlan,
    root: &Path,
    settings: Settings,
    observer: &dyn Observer,
) -> Vec<Option<JobEnd>> {
    let claims = Claims::new(settings.timeout);
    // A failure recorded before this worker started is retried; one recorded by another
    // worker since is that worker's to report.
    let failed_before: Vec<bool> = plan
        .jobs
        .iter()
        .map(|job| root.join(&job.folder).join(FAILURE_JSON).exists())
        .collect();
    let mut ends: Vec<Option<JobEnd>> = (0..plan.jobs.len()).map(|_| None).collect();
    let first_wait = Duration::from_millis(50).min(settings.poll);
    let mut wait = first_wait;
    loop {
        let pending: Vec<usize> = (0..ends.len()).filter(|&j| ends[j].is_none()).collect();
        if pending.is_empty() || observer.stopping() {
            break;
        }
        let results = lanes::in_lanes(
            &pending,
            |&j| plan.jobs[j].cost,
            |&j| {
                let end = attempt(
                    plan,
                    &plan.jobs[j],
                    root,
                    &claims,
                    failed_before[j],
                    observer,
                );
                if let Some(end) = &end {
                    observer.ended(&plan.jobs[j], end);
                }
                end
            },
        );
        let mut moved = false;
        for (j, end) in pending.into_iter().zip(results) {
            if let Some(end) = end {
                ends[j] = Some(end);
                moved = true;
            }
        }
        if moved {
            wait = first_wait;
        } else if !observer.stopping() {
            std::thread::sleep(wait);
            wait = (wait * 2).min(settings.poll);
        }
    }
    ends
}

/// Claims and trains `job`, or finds it finished; `None` when another worker holds it (or
/// took it over), or this worker is stopping.
fn attempt(
    plan: &RunPlan,
    job: &PlannedJob,
    root: &Path,
    claims: &Claims,
    failed_before: bool,
    observer: &dyn Observer,
) -> Option<JobEnd> {
    if observer.stopping() {
        return None;
    }
    let dir = root.join(&job.folder);
    if !failed_before {
        if let Some(failure) = Failure::read(&dir) {
            return Some(JobEnd::FailedElsewhere(failure));
        }
    }
    let training = plan.training(job);
    let claim = match claims.take(&dir, training.epochs) {
        Ok(Ok(claim)) => claim,
        Ok(Err(Held::By(_))) => return None,
        Err(e) => {
            let error = format!("training `{}`: {e}", job.name);
            return Some(failed(&dir, error, observer));
        }
    };
    let folder = ModelFolder::new(dir.clone());
    let mut progress = Claimed {
        inner: observer.progress(job),
        claim: &claim,
        done: 0,
        epochs: training.epochs,
    };
    // A panic is a bug in ofit; it must still stop the other lane, as an error does,
    // with every finished epoch kept.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        describe(plan, job, &folder, &mut progress)?;
        train::train(
            plan.model(job),
            training,
            plan.data(job),
            &folder,
            plan.options,
            &mut progress,
        )
    }));
    match outcome {
        Ok(Ok(Outcome::Interrupted { .. })) if claim.lost() => None,
        Ok(Ok(Outcome::Interrupted { epochs })) => Some(JobEnd::Interrupted { epochs }),
        Ok(Ok(outcome)) => {
            let _ = std::fs::remove_file(dir.join(FAILURE_JSON));
            Some(JobEnd::Done(outcome))
        }
        Ok(Err(e)) => Some(failed(
            &dir,
            format!("training `{}`: {e}", job.name),
            observer,
        )),
        Err(_) => Some(failed(
            &dir,
            format!(
                "training `{}` stopped on an internal error (a bug in ofit; please report it); finished epochs are kept",
                job.name
            ),
            observer,
        )),
    }
}

/// Records `error` as the failure of the model in `dir` and stops this worker.
fn failed(dir: &Path, error: String, observer: &dyn Observer) -> JobEnd {
    let failure = Failure {
        error: error.clone(),
        host: super::claim::host_name(),
        pid: std::process::id(),
    };
    let text = serde_json::to_string_pretty(&failure).expect("a failure serializes") + "\n";
    let _ = file::write_atomic(&dir.join(FAILURE_JSON), text.as_bytes());
    observer.stop();
    JobEnd::Failed(error)
}

/// A model's progress, which also tells its claim how far training is, and stops training
/// when the claim is lost.
struct Claimed<'a> {
    inner: Box<dyn Progress>,
    claim: &'a Claim,
    /// Finished epochs.
    done: usize,
    epochs: usize,
}

impl Progress for Claimed<'_> {
    fn start(&mut self, epochs: usize, batches: usize, done: usize) {
        self.done = done;
        self.claim.set_epoch(done);
        self.inner.start(epochs, batches, done);
    }

    fn batch(&mut self, epoch: usize, batch: usize, loss: f64) -> bool {
        self.inner.batch(epoch, batch, loss) && !self.claim.lost()
    }

    fn epoch(&mut self, line: &str) {
        // (The test evaluation's line comes after the last epoch's.)
        self.done = (self.done + 1).min(self.epochs);
        self.claim.set_epoch(self.done);
        self.inner.epoch(line);
    }

    fn note(&mut self, text: &str) {
        self.inner.note(text);
    }

    fn finish(&mut self) {
        self.inner.finish();
    }
}

/// Writes what the folder is named after (`model.json`), the model's summary and its
/// preprocessing, where they are missing or differ: all are derived from the spec and the
/// data. Mending them in a folder that already holds a training is said.
fn describe(
    plan: &RunPlan,
    job: &PlannedJob,
    folder: &ModelFolder,
    progress: &mut dyn Progress,
) -> Result<(), train::TrainError> {
    let summary = summary(plan.model(job), plan.training(job), &plan.facts(job));
    // Something besides claims says a training was started here.
    let started = std::fs::read_dir(folder.dir()).is_ok_and(|entries| {
        entries.filter_map(Result::ok).any(|e| {
            !e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(super::claim::CLAIM_PREFIX))
        })
    });
    let preprocessing = plan.data(job).preprocessing.as_ref().map(|p| {
        (
            PREPROCESSING_JSON,
            serde_json::to_string_pretty(p).expect("preprocessing serializes") + "\n",
        )
    });
    for (name, contents) in [(MODEL_JSON, job.key_json.clone()), (SUMMARY_TXT, summary)]
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
