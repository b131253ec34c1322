//! Slurm as the engine that starts workers: a job-array script in the run directory (one
//! array task per worker, each an `ofit run` on the shared directory), submitted with
//! `sbatch` and followed with `squeue`. Slurm schedules; ofit's claims decide which worker
//! trains which model. `sacct` is not used: it needs an accounting database that many
//! clusters' users cannot reach.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The run directory's folder for the job script and the tasks' logs.
pub const SLURM_DIR: &str = "slurm";
/// The job script's name in it.
pub const SCRIPT: &str = "ofit.sbatch";

/// What the job asks of Slurm.
#[derive(Debug, Clone, PartialEq)]
pub struct Resources {
    /// Array tasks: one worker each.
    pub workers: usize,
    /// At most this many tasks at once (`%P`); all at once when `None`.
    pub parallel: Option<usize>,
    /// CPUs per task.
    pub cpus_per_task: usize,
    /// Memory per task, in MiB.
    pub mem_mb: u64,
    /// The time limit per task, in Slurm's notation (`30`, `2:00:00`, `1-0`).
    pub time: Option<String>,
    /// The partition.
    pub partition: Option<String>,
    /// The account to charge.
    pub account: Option<String>,
    /// More `#SBATCH` options, as written after `#SBATCH ` (`--gres=gpu:1`, `--qos=low`).
    pub extra: Vec<String>,
}

/// What each worker runs.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerCommand {
    /// The ofit executable.
    pub ofit: PathBuf,
    /// The spec, absolute.
    pub spec: PathBuf,
    /// The run directory, absolute.
    pub out: PathBuf,
    /// `--only`.
    pub only: Option<String>,
    /// `--epochs`.
    pub epochs: Option<usize>,
}

/// The memory a task asks for: the most any one model's training needs (`memory`, from
/// the plan), twice over for the data and the background lane's model, and 1 GiB for the
/// process and its datasets; in MiB.
pub fn memory_mb(largest_training: u64) -> u64 {
    (largest_training.saturating_mul(2) >> 20) + 1024
}

/// The job script.
pub fn script(name: &str, resources: &Resources, command: &WorkerCommand) -> String {
    let logs = command.out.join(SLURM_DIR);
    let mut lines = vec![
        "#!/bin/bash".to_string(),
        "# Written by `ofit run --slurm`: one array task per worker. Each task is an `ofit run`"
            .to_string(),
        "# on the shared run directory: it trains the models no other worker holds, and ends"
            .to_string(),
        "# when every model is finished. You may edit it and submit it with `sbatch` yourself."
            .to_string(),
        format!("#SBATCH --job-name={}", shell_word(&format!("ofit-{name}"))),
        match resources.parallel {
            Some(p) => format!("#SBATCH --array=0-{}%{p}", resources.workers.max(1) - 1),
            None => format!("#SBATCH --array=0-{}", resources.workers.max(1) - 1),
        },
        format!("#SBATCH --cpus-per-task={}", resources.cpus_per_task),
        format!("#SBATCH --mem={}M", resources.mem_mb),
    ];
    if let Some(time) = &resources.time {
        lines.push(format!("#SBATCH --time={time}"));
    }
    if let Some(partition) = &resources.partition {
        lines.push(format!("#SBATCH --partition={partition}"));
    }
    if let Some(account) = &resources.account {
        lines.push(format!("#SBATCH --account={account}"));
    }
    lines.extend([
        "# 90 s before the time limit the batch shell gets SIGUSR1 and hands it to ofit, which"
            .to_string(),
        "# saves its epochs and exits with 75; the task is then requeued, and resumes.".to_string(),
        "#SBATCH --signal=B:USR1@90".to_string(),
        "#SBATCH --requeue".to_string(),
        "#SBATCH --open-mode=append".to_string(),
        format!(
            "#SBATCH --output={}",
            shell_word(&logs.join("%A_%a.log").display().to_string())
        ),
    ]);
    for extra in &resources.extra {
        lines.push(format!("#SBATCH {extra}"));
    }
    let mut run = vec![
        shell_word(&command.ofit.display().to_string()),
        "run".to_string(),
        shell_word(&command.spec.display().to_string()),
        "--out".to_string(),
        shell_word(&command.out.display().to_string()),
    ];
    if let Some(only) = &command.only {
        run.extend(["--only".to_string(), shell_word(only)]);
    }
    if let Some(epochs) = command.epochs {
        run.extend(["--epochs".to_string(), epochs.to_string()]);
    }
    lines.extend([
        String::new(),
        format!("{} &", run.join(" ")),
        "worker=$!".to_string(),
        "# SIGUSR1 is the warning before the time limit: requeue. SIGTERM is a cancel (or the"
            .to_string(),
        "# limit itself): ofit saves its epochs and stops, and the task ends.".to_string(),
        "trap 'requeue=1; kill -USR1 \"$worker\" 2>/dev/null' USR1".to_string(),
        "trap 'kill -TERM \"$worker\" 2>/dev/null' TERM".to_string(),
        "# `wait` returns early when a trapped signal comes: wait until ofit has ended."
            .to_string(),
        "while :; do".to_string(),
        "  wait \"$worker\"; status=$?".to_string(),
        "  kill -0 \"$worker\" 2>/dev/null || break".to_string(),
        "done".to_string(),
        "if [ \"$status\" -eq 75 ] && [ -n \"${requeue:-}\" ]; then".to_string(),
        "  scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"".to_string(),
        "fi".to_string(),
        "exit \"$status\"".to_string(),
    ]);
    lines.join("\n") + "\n"
}

/// `word` quoted for bash where it needs it.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,%@".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A Slurm command that failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("`{command}` {reason}")]
pub struct SlurmError {
    /// The command line.
    pub command: String,
    /// What went wrong: it could not start, or what it printed.
    pub reason: String,
}

fn slurm(program: &str, args: &[&str]) -> Result<String, SlurmError> {
    let command = format!("{program} {}", args.join(" "));
    let output = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| SlurmError {
            command: command.clone(),
            reason: format!(
                "could not start ({e}); is this a machine of a Slurm cluster, with `{program}` on PATH?"
            ),
        })?;
    if !output.status.success() {
        return Err(SlurmError {
            command,
            reason: format!(
                "failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Submits the script at `path`; the job's id.
pub fn submit(path: &Path) -> Result<String, SlurmError> {
    let path = path.display().to_string();
    let printed = slurm("sbatch", &["--parsable", &path])?;
    // `--parsable` prints `id` or `id;cluster`.
    let id = printed
        .trim()
        .split(';')
        .next()
        .unwrap_or_default()
        .to_string();
    if id.is_empty() {
        return Err(SlurmError {
            command: format!("sbatch --parsable {path}"),
            reason: "printed no job id".to_string(),
        });
    }
    Ok(id)
}

/// The job's tasks that Slurm still knows as pending or running, with their state
/// (`PENDING`, `RUNNING`, …); empty once every task has ended.
pub fn tasks(job: &str) -> Result<Vec<(String, String)>, SlurmError> {
    let printed = slurm("squeue", &["-h", "-r", "-j", job, "-o", "%i %T"]);
    let printed = match printed {
        Ok(printed) => printed,
        // A job that has left the queue entirely is "invalid" to squeue.
        Err(e) if e.reason.contains("Invalid job id") => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(printed
        .lines()
        .filter_map(|line| {
            let (task, state) = line.trim().split_once(' ')?;
            Some((task.to_string(), state.to_string()))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resources() -> Resources {
        Resources {
            workers: 4,
            parallel: Some(2),
            cpus_per_task: 2,
            mem_mb: 1536,
            time: Some("1:00:00".into()),
            partition: Some("gpu".into()),
            account: None,
            extra: vec!["--qos=low".into()],
        }
    }

    fn command() -> WorkerCommand {
        WorkerCommand {
            ofit: "/opt/ofit/bin/ofit".into(),
            spec: "/home/me/specs/sweep one.ofit".into(),
            out: "/shared/runs/sweep".into(),
            only: Some("sizes".into()),
            epochs: None,
        }
    }

    #[test]
    fn the_script_asks_for_an_array_with_the_signal_and_requeue() {
        let text = script("sweep", &resources(), &command());
        for line in [
            "#SBATCH --job-name=ofit-sweep",
            "#SBATCH --array=0-3%2",
            "#SBATCH --cpus-per-task=2",
            "#SBATCH --mem=1536M",
            "#SBATCH --time=1:00:00",
            "#SBATCH --partition=gpu",
            "#SBATCH --signal=B:USR1@90",
            "#SBATCH --requeue",
            "#SBATCH --output=/shared/runs/sweep/slurm/%A_%a.log",
            "#SBATCH --qos=low",
            "/opt/ofit/bin/ofit run '/home/me/specs/sweep one.ofit' --out /shared/runs/sweep --only sizes &",
            "  scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"",
        ] {
            assert!(text.lines().any(|l| l == line), "no `{line}` in\n{text}");
        }
        assert!(!text.contains("--account"), "{text}");
        assert!(text.starts_with("#!/bin/bash\n"));
    }

    #[test]
    fn words_are_quoted_for_the_shell_where_needed() {
        assert_eq!(shell_word("/a/b.ofit"), "/a/b.ofit");
        assert_eq!(shell_word("it's here"), r"'it'\''s here'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn memory_is_twice_the_largest_training_and_a_gib() {
        assert_eq!(memory_mb(0), 1024);
        assert_eq!(memory_mb(512 << 20), 2048);
    }
}
