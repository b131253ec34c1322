//! `ofit run FILE [--out DIR] [--only EXPERIMENT] [--epochs N]`: trains every model the
//! experiments name (each once), keeping everything in the run directory.

use super::check::checked_or_report;
use super::data::print_error;
use super::output::say;
use super::progress::{self, STOP};
use super::{known_name, output, signals, Exit};
use crate::history::Ending;
use crate::run::claim::ClaimTimeout;
use crate::run::plan::{default_out, PlanError, PlanRequest, PlannedJob, RunPlan};
use crate::run::worker::{self, JobEnd, Observer};
use crate::train::run::RunDir;
use crate::train::{self, Outcome, Progress};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

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
    /// Submit the run to Slurm as workers instead of training here.
    pub slurm: Option<super::slurm::SlurmRequest>,
}

/// Exit status of a run stopped by Ctrl-C, as shells report a SIGINT.
const INTERRUPTED: u8 = 130;

/// Exit status of a worker stopped by SIGTERM or SIGUSR1 (what Slurm sends before a time
/// limit or a preemption) with its checkpoints saved: "requeue me" (`EX_TEMPFAIL`).
pub const REQUEUE: u8 = 75;

/// Runs the request; the exit status.
pub fn run(request: Request) -> std::process::ExitCode {
    match execute(request) {
        Ok(()) => Exit::Ok.into(),
        Err(Stop::Exit(exit)) => exit.into(),
        Err(Stop::Interrupted) => std::process::ExitCode::from(INTERRUPTED),
        Err(Stop::Requeue) => std::process::ExitCode::from(REQUEUE),
    }
}

enum Stop {
    Exit(Exit),
    Interrupted,
    Requeue,
}

impl From<Exit> for Stop {
    fn from(exit: Exit) -> Self {
        Stop::Exit(exit)
    }
}

/// The plan of `request`, and its run directory; an error is said here.
pub fn plan(request: &Request) -> Result<(RunPlan, PathBuf), Exit> {
    let (source, program) = checked_or_report(request.file, request.only)?;
    known_name(
        request.only,
        "experiment",
        &source,
        program.experiments.iter().map(|e| e.name.as_str()),
    )?;
    let spec_dir = request.file.parent().unwrap_or(Path::new("."));
    let ctx = super::data::context(spec_dir);
    let spec_path = std::path::absolute(request.file).unwrap_or_else(|_| request.file.into());
    let plan = RunPlan::new(
        program,
        PlanRequest {
            spec_path,
            spec: source.name().to_string(),
            only: request.only,
            epochs: request.epochs,
            context: &ctx,
            options: request.options,
        },
    )
    .map_err(|e| {
        match &e {
            PlanError::Data(e) => print_error(e),
            PlanError::TooLarge(e) => output::err_line(&format!("error: {e}")),
        }
        Exit::Failed
    })?;
    for note in &plan.notes {
        say!("note: {note}");
    }
    let out = request
        .out
        .clone()
        .unwrap_or_else(|| default_out(request.file));
    Ok((plan, out))
}

/// Opens the run directory `out` for `plan` and writes its index (keeping, under
/// `--only`, what earlier runs recorded of the other experiments).
fn open_run_dir(plan: &RunPlan, out: &Path, only: Option<&str>) -> Result<RunDir, Exit> {
    let run_dir = RunDir::open(out, &plan.spec_path).map_err(|e| {
        output::err_line(&format!("error: {e}"));
        Exit::Failed
    })?;
    let mut index = plan.index.clone();
    if only.is_some() {
        if let Some(previous) = run_dir.read_index() {
            let mut merged = Vec::new();
            for experiment in &plan.program.experiments {
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
    Ok(run_dir)
}

fn execute(request: Request) -> Result<(), Stop> {
    let (plan, out) = plan(&request)?;
    let run_dir = open_run_dir(&plan, &out, request.only)?;
    if let Some(slurm) = &request.slurm {
        return super::slurm::run(&plan, &run_dir, &request, slurm).map_err(Stop::Exit);
    }
    signals::stop_on_signals();
    let root = run_dir.root();
    let settings = worker::Settings {
        timeout: claim_timeout()?,
        ..worker::Settings::default()
    };
    let ends = worker::work(&plan, root, settings, &Terminal { root });
    let mut failed = false;
    let mut interrupted = false;
    let mut fresh = 0;
    for end in &ends {
        match end {
            Some(JobEnd::Done(Outcome::Trained { .. })) => fresh += 1,
            Some(JobEnd::Done(_)) => {}
            Some(JobEnd::Failed(_) | JobEnd::FailedElsewhere(_)) => failed = true,
            // Not reached: the worker was stopping (a signal, or the other lane failed).
            Some(JobEnd::Interrupted { .. }) | None => interrupted = true,
        }
    }
    if failed {
        return Err(Exit::Failed.into());
    }
    if interrupted {
        return Err(if signals::requeue() {
            Stop::Requeue
        } else {
            Stop::Interrupted
        });
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
    finish(&plan, run_dir.root()).map_err(Stop::Exit)
}

/// Writes the data views and the report of a run whose models are all finished.
pub fn finish(plan: &RunPlan, root: &Path) -> Result<(), Exit> {
    write_data_views(plan, root);
    match super::report::render(root) {
        Some(_) => Ok(()),
        None => Err(Exit::Failed),
    }
}

/// The claim timeout: `OFIT_CLAIM_TIMEOUT` seconds, else the default.
pub fn claim_timeout() -> Result<ClaimTimeout, Exit> {
    match std::env::var("OFIT_CLAIM_TIMEOUT") {
        Err(_) => Ok(ClaimTimeout::default()),
        Ok(value) => match value.trim().parse::<f64>() {
            Ok(seconds) if seconds > 0.0 && seconds.is_finite() => {
                Ok(ClaimTimeout(Duration::from_secs_f64(seconds)))
            }
            _ => {
                say!("error: OFIT_CLAIM_TIMEOUT is `{value}`; give a number of seconds above 0");
                Err(Exit::Usage)
            }
        },
    }
}

/// The terminal's view of a worker: a bar or lines per model, a line as each ends.
struct Terminal<'a> {
    /// The run directory.
    root: &'a Path,
}

impl Observer for Terminal<'_> {
    fn progress(&self, job: &PlannedJob) -> Box<dyn Progress> {
        progress::for_model(&job.name)
    }

    fn stopping(&self) -> bool {
        STOP.load(Ordering::Relaxed)
    }

    fn stop(&self) {
        STOP.store(true, Ordering::Relaxed);
    }

    fn ended(&self, job: &PlannedJob, end: &JobEnd) {
        report(self.root, job, end);
    }
}

/// The tutorial's first plot for each multi-hot dataset an experiment shows
/// (`show_data = true`): its first training review as a multi-hot row against word index.
/// A figure that cannot be written is skipped: the report is complete without it.
fn write_data_views(plan: &RunPlan, root: &Path) {
    for (index, data) in plan.datasets() {
        let asked = plan
            .program
            .experiments
            .iter()
            .any(|e| e.dataset == index && e.show_data);
        let crate::data::Features::MultiHot(rows) = &data.train.features else {
            continue;
        };
        if !asked || rows.rows() == 0 {
            continue;
        }
        let name = &plan.program.datasets[index].name;
        let title = format!("{name}: training review 1 as a multi-hot row");
        let svg = crate::report::plot::multi_hot_row(&title, rows.row(0), rows.width);
        let _ = crate::file::write_atomic(
            &root.join("plots").join(format!("data-{name}.svg")),
            svg.as_bytes(),
        );
    }
}

/// One line about how a model ended for this worker.
fn report(root: &Path, job: &PlannedJob, end: &JobEnd) {
    let name = &job.name;
    let outcome = match end {
        JobEnd::Done(outcome) => outcome,
        JobEnd::Interrupted { epochs } => {
            progress::line(&format!(
                "interrupted: `{name}` has {epochs} finished epoch{} saved in {}; run the same command again to continue",
                if *epochs == 1 { "" } else { "s" },
                root.join(&job.folder).display()
            ));
            return;
        }
        JobEnd::Failed(error) => {
            progress::line(&format!("error: {error}"));
            return;
        }
        JobEnd::FailedElsewhere(failure) => {
            progress::line(&format!(
                "error: `{name}` failed in another worker ({}, pid {}): {}",
                failure.host, failure.pid, failure.error
            ));
            return;
        }
    };
    let dir = root.join(&job.folder);
    let dir = dir.display();
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
