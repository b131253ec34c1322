//! `ofit run SPEC --slurm`: the run's unfinished models handed to Slurm as a job array of
//! workers on the shared run directory, then followed until every task has ended.

use super::output::say;
use super::run::{claim_timeout, finish, Request};
use super::Exit;
use crate::run::plan::RunPlan;
use crate::run::slurm::{self, Resources, WorkerCommand, SCRIPT, SLURM_DIR};
use crate::run::status::{self, State};
use crate::train::run::RunDir;
use std::collections::HashMap;
use std::time::Duration;

/// What `--slurm` and its options ask.
#[derive(Debug, Clone)]
pub struct SlurmRequest {
    /// Workers (array tasks); at most one per unfinished model.
    pub workers: usize,
    /// At most this many tasks at once.
    pub parallel: Option<usize>,
    /// CPUs per task.
    pub cpus_per_task: usize,
    /// Memory per task in MiB; default from the plan's estimate.
    pub mem_mb: Option<u64>,
    /// Time limit per task.
    pub time: Option<String>,
    /// Partition.
    pub partition: Option<String>,
    /// Account.
    pub account: Option<String>,
    /// More `#SBATCH` options.
    pub extra: Vec<String>,
    /// Submit and return.
    pub no_wait: bool,
}

/// Submits the unfinished models of `plan` and follows the job.
pub fn run(
    plan: &RunPlan,
    run_dir: &RunDir,
    request: &Request,
    slurm: &SlurmRequest,
) -> Result<(), Exit> {
    let root = run_dir.root();
    let timeout = claim_timeout()?;
    let state = |j: usize| status::state(&root.join(&plan.jobs[j].folder), timeout);
    let unfinished: Vec<usize> = (0..plan.jobs.len())
        .filter(|&j| !state(j).is_final())
        .collect();
    if unfinished.is_empty() {
        say!(
            "nothing to train: every model is already trained in {}",
            root.display()
        );
        return finish(plan, root);
    }
    let largest = unfinished
        .iter()
        .filter_map(|&j| plan.jobs[j].memory)
        .max()
        .unwrap_or(0);
    let resources = Resources {
        workers: slurm.workers.clamp(1, unfinished.len()),
        parallel: slurm.parallel,
        cpus_per_task: slurm.cpus_per_task,
        mem_mb: slurm.mem_mb.unwrap_or_else(|| slurm::memory_mb(largest)),
        time: slurm.time.clone(),
        partition: slurm.partition.clone(),
        account: slurm.account.clone(),
        extra: slurm.extra.clone(),
    };
    let absolute = |p: &std::path::Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let command = WorkerCommand {
        ofit: std::env::current_exe().map_err(|e| {
            say!("error: cannot find the ofit executable to start workers with: {e}");
            Exit::Failed
        })?,
        spec: plan.spec_path.clone(),
        out: absolute(root),
        only: request.only.map(str::to_string),
        epochs: request.epochs,
    };
    let name = request
        .file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("run");
    let script = root.join(SLURM_DIR).join(SCRIPT);
    let text = slurm::script(name, &resources, &command);
    crate::file::write_atomic(&script, text.as_bytes()).map_err(|e| {
        say!("error: {e}");
        Exit::Failed
    })?;
    let job = slurm::submit(&script).map_err(|e| {
        say!("error: {e}");
        Exit::Failed
    })?;
    say!(
        "submitted Slurm job {job}: {} worker{} for {} unfinished model{}; script {}, logs {}/%A_%a.log",
        resources.workers,
        if resources.workers == 1 { "" } else { "s" },
        unfinished.len(),
        if unfinished.len() == 1 { "" } else { "s" },
        script.display(),
        root.join(SLURM_DIR).display()
    );
    if slurm.no_wait {
        say!(
            "follow it with `ofit status {}` (or `squeue -j {job}`)",
            root.display()
        );
        return Ok(());
    }
    // Follow: say each model's state as it changes, until Slurm knows no task of the job.
    let mut said: HashMap<usize, String> = HashMap::new();
    let mut tasks_said = String::new();
    loop {
        let tasks = slurm::tasks(&job).map_err(|e| {
            say!("error: {e}");
            Exit::Failed
        })?;
        // Only the models this job trains are looked at, once a second.
        for &j in &unfinished {
            let now = state(j);
            let line = match &now {
                State::Training { .. } => "training".to_string(),
                other => other.line(),
            };
            if said.get(&j) != Some(&line) && !matches!(now, State::Waiting { .. }) {
                say!("{}: {line}", plan.jobs[j].name);
                said.insert(j, line);
            }
        }
        let summary = task_summary(&tasks);
        if summary != tasks_said && !tasks.is_empty() {
            say!("job {job}: {summary}");
            tasks_said = summary;
        }
        if tasks.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    let left: Vec<(usize, State)> = unfinished
        .iter()
        .map(|&j| (j, state(j)))
        .filter(|(_, s)| !s.is_final())
        .collect();
    if left.is_empty() {
        say!(
            "trained {} model{} on Slurm; results in {}",
            unfinished.len(),
            if unfinished.len() == 1 { "" } else { "s" },
            root.display()
        );
        return finish(plan, root);
    }
    for (j, state) in &left {
        say!("error: {}: {}", plan.jobs[*j].name, state.line());
    }
    say!(
        "error: job {job} ended with {} model{} unfinished (the tasks' logs are in {}); run the same command again to submit what is unfinished",
        left.len(),
        if left.len() == 1 { "" } else { "s" },
        root.join(SLURM_DIR).display()
    );
    Err(Exit::Failed)
}

/// "2 running, 1 pending".
fn task_summary(tasks: &[(String, String)]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for (_, state) in tasks {
        match counts.iter_mut().find(|(s, _)| s == state) {
            Some((_, n)) => *n += 1,
            None => counts.push((state.clone(), 1)),
        }
    }
    counts
        .iter()
        .map(|(state, n)| format!("{n} {}", state.to_lowercase()))
        .collect::<Vec<_>>()
        .join(", ")
}
