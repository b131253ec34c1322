//! `ofit run --slurm` against a real Slurm: the one-node cluster `.ci/slurm` starts
//! (Debian's slurmctld, slurmd and munge; `.ci/run` starts it). Without a cluster that
//! answers, these tests fail and say how to start one.

use crate::run_workers::{histories, SWEEP};
use crate::train_run::{epochs_of, model_folders, read, run_ok, spawn, LONG};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Panics with how to start Slurm unless a node of it is up. A node still completing the
/// job of a test before is up; Slurm is given 20 s to answer.
fn slurm() {
    let answers = || {
        Command::new("sinfo")
            .args(["-h", "-o", "%T"])
            .output()
            .is_ok_and(|o| {
                o.status.success()
                    && String::from_utf8_lossy(&o.stdout)
                        .lines()
                        .any(|l| ["idle", "mixed", "allocated", "completing"].contains(&l.trim()))
            })
    };
    let since = Instant::now();
    let mut up = answers();
    while !up && since.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(500));
        up = answers();
    }
    assert!(
        up,
        "the Slurm tests need a running Slurm cluster with an idle node: start one with \
         `.ci/slurm` (as root; it installs Debian's slurmctld, slurmd, slurm-client and \
         munge when missing), as .ci/run does"
    );
}

/// `ofit run SPEC --out OUT --slurm --cpus-per-task 1 [extra]` (one CPU a task, so that
/// the test node runs two at once).
fn run_slurm(spec: &str, out: &Path, extra: &[&str]) -> Output {
    let out = out.to_str().unwrap();
    let mut args = vec!["run", spec, "--out", out, "--slurm", "--cpus-per-task", "1"];
    args.extend_from_slice(extra);
    crate::train_run::ofit(&args)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The job id `ofit run --slurm` printed.
fn job_id(err: &str) -> String {
    err.split("submitted Slurm job ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .unwrap_or_else(|| panic!("no job id in:\n{err}"))
        .to_string()
}

/// Everything the workers of a run directory logged.
fn task_logs(out: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(out.join("slurm")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "log") {
            text += &read(&path);
        }
    }
    text
}

/// Submits LONG to one worker without waiting, and waits until it has saved `epochs`
/// epochs; the job's id.
fn submit_and_wait_for_checkpoint(out: &Path, epochs: usize) -> String {
    let submitted = run_slurm(LONG, out, &["--workers", "1", "--no-wait"]);
    let err = stderr(&submitted);
    assert_eq!(submitted.status.code(), Some(0), "{err}");
    let deadline = Instant::now() + Duration::from_secs(120);
    let saved = |out: &Path| {
        model_folders(out).iter().any(|f| {
            crate::train_run::entries(f).iter().any(|n| {
                ofit::model_folder::checkpoint_epochs(n).is_some_and(|saved| saved >= epochs)
            })
        })
    };
    while !saved(out) {
        assert!(
            Instant::now() < deadline,
            "no checkpoint {epochs}:\n{}",
            task_logs(out)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    job_id(&err)
}

#[test]
fn a_sweep_through_slurm_gives_the_histories_of_a_local_run() {
    slurm();
    let tmp = tempfile::tempdir().unwrap();
    let local = tmp.path().join("local");
    run_ok(SWEEP, &local, &[]);
    let out = tmp.path().join("slurm");
    let ran = run_slurm(SWEEP, &out, &["--workers", "2"]);
    let err = stderr(&ran);
    assert_eq!(ran.status.code(), Some(0), "{err}\n{}", task_logs(&out));
    assert!(err.contains("2 workers for 16 unfinished models"), "{err}");
    assert!(err.contains("trained 16 models on Slurm"), "{err}");
    assert!(histories(&out) == histories(&local), "the histories differ");
    // The script is in the run directory, readable, and each task logged there.
    let script = read(&out.join("slurm/ofit.sbatch"));
    assert!(script.contains("#SBATCH --array=0-1"), "{script}");
    let logs = task_logs(&out);
    for width in 2..=17 {
        let trained = format!("sweep/w{width}: trained 12 epochs");
        assert_eq!(logs.matches(&trained).count(), 1, "{logs}");
    }
    assert!(out.join("index.html").exists());
    // Run again: nothing is submitted.
    let again = run_slurm(SWEEP, &out, &["--workers", "2"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        stderr(&again).contains("nothing to train"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn a_cancelled_task_is_resumed_from_its_checkpoint_when_the_command_is_run_again() {
    slurm();
    let tmp = tempfile::tempdir().unwrap();
    let local = tmp.path().join("local");
    run_ok(LONG, &local, &[]);
    let out = tmp.path().join("slurm");
    // Cancelled once its worker has saved a few epochs.
    let job = submit_and_wait_for_checkpoint(&out, 3);
    let deadline = Instant::now() + Duration::from_secs(120);
    let cancelled = Command::new("scancel").arg(&job).status().unwrap();
    assert!(cancelled.success());
    while !ofit::run::slurm::tasks(&job).unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the job never left the queue");
        std::thread::sleep(Duration::from_millis(100));
    }
    let folder = &model_folders(&out)[0];
    assert!(!folder.join("history.json").exists());

    let again = run_slurm(LONG, &out, &["--workers", "1"]);
    let err = stderr(&again);
    assert_eq!(again.status.code(), Some(0), "{err}\n{}", task_logs(&out));
    assert!(err.contains("1 worker for 1 unfinished model"), "{err}");
    assert!(
        task_logs(&out).contains("long/net: resuming after epoch"),
        "{}",
        task_logs(&out)
    );
    assert_eq!(epochs_of(folder), 30);
    assert!(histories(&out) == histories(&local), "the histories differ");
}

#[test]
fn the_warning_before_the_time_limit_requeues_the_task_and_it_resumes() {
    slurm();
    let tmp = tempfile::tempdir().unwrap();
    let local = tmp.path().join("local");
    run_ok(LONG, &local, &[]);
    let out = tmp.path().join("slurm");
    let job = submit_and_wait_for_checkpoint(&out, 1);
    let deadline = Instant::now() + Duration::from_secs(120);
    // What `--signal=B:USR1@90` sends 90 s before the limit, sent now.
    let warned = Command::new("scancel")
        .args(["--signal=USR1", "--batch", &job])
        .status()
        .unwrap();
    assert!(warned.success());
    // ofit saves its epochs and exits with 75; the script requeues the task, which Slurm
    // holds back a while (its begin time); let it start sooner.
    while !task_logs(&out).contains("on a signal") {
        assert!(Instant::now() < deadline, "no stop:\n{}", task_logs(&out));
        std::thread::sleep(Duration::from_millis(50));
    }
    loop {
        let tasks = ofit::run::slurm::tasks(&job).unwrap();
        if tasks.iter().any(|(_, state)| state == "PENDING") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not requeued: {tasks:?}\n{}",
            task_logs(&out)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Slurm holds a requeued task back because slurmd refuses to start a job in the second
    // its previous run's credential was revoked; two seconds clear that.
    std::thread::sleep(Duration::from_secs(2));
    let released = Command::new("scontrol")
        .args(["update", &format!("JobId={job}_0"), "StartTime=now"])
        .status()
        .unwrap();
    assert!(released.success());
    // Until the requeued task has finished the model and left the queue.
    let folder = model_folders(&out)[0].clone();
    while !folder.join("history.json").exists()
        || !ofit::run::slurm::tasks(&job).unwrap().is_empty()
    {
        assert!(Instant::now() < deadline, "{}", task_logs(&out));
        std::thread::sleep(Duration::from_millis(100));
    }
    let logs = task_logs(&out);
    assert!(logs.contains("long/net: resuming after epoch"), "{logs}");
    assert!(histories(&out) == histories(&local), "the histories differ");
}

#[test]
fn local_workers_and_a_slurm_job_on_one_directory_train_each_model_once() {
    slurm();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("shared");
    let logs: Vec<_> = (0..2)
        .map(|i| tmp.path().join(format!("{i}.log")))
        .collect();
    let mut locals: Vec<_> = logs.iter().map(|l| spawn(SWEEP, &out, l)).collect();
    let ran = run_slurm(SWEEP, &out, &["--workers", "2"]);
    let err = stderr(&ran);
    for (local, log) in locals.iter_mut().zip(&logs) {
        assert!(local.wait().unwrap().success(), "{}", read(log));
    }
    // The job may find every model already trained by the local workers, or be submitted.
    assert_eq!(ran.status.code(), Some(0), "{err}");
    let mut all: String = logs.iter().map(|l| read(l)).collect();
    if out.join("slurm").exists() {
        all += &task_logs(&out);
    }
    for width in 2..=17 {
        let trained = format!("sweep/w{width}: trained 12 epochs");
        assert_eq!(all.matches(&trained).count(), 1, "`{trained}` once:\n{all}");
    }
}

#[test]
fn the_script_runs_by_hand_with_sbatch() {
    slurm();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    // Submitted, then cancelled at once: what is left is the script.
    let submitted = run_slurm(SWEEP, &out, &["--workers", "1", "--no-wait"]);
    let job = job_id(&stderr(&submitted));
    assert!(Command::new("scancel")
        .arg(&job)
        .status()
        .unwrap()
        .success());
    let script = out.join("slurm/ofit.sbatch");
    let by_hand = Command::new("sbatch")
        .args(["--parsable", "--wait"])
        .arg(&script)
        .stdout(Stdio::piped())
        .output()
        .expect("sbatch runs");
    assert!(
        by_hand.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&by_hand.stderr),
        task_logs(&out)
    );
    for folder in model_folders(&out) {
        assert_eq!(epochs_of(&folder), 12);
    }
}
