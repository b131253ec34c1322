//! Several workers on one run directory: each model trains once between them, a dead
//! worker's claim expires and another resumes its model, SIGTERM and SIGUSR1 stop a worker
//! with its checkpoints saved and the status that asks for a requeue, `ofit status` and
//! `ofit plan` read the directory while workers train, and `history.csv` grows by the epoch.

use crate::support;
use crate::train_run::{
    entries, epochs_of, model_folders, read, run_ok, spawn, wait_for_checkpoint, LONG,
};
use ofit::run::claim::{ClaimRecord, ClaimTimeout, Claims, Held};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Sixteen small models on the moons table.
pub(crate) const SWEEP: &str = "tests/fixtures/train/sweep.ofit";

/// `ofit run SPEC --out OUT` in the background with `env` set, standard error to `log`.
fn worker(spec: &str, out: &Path, log: &Path, env: &[(&str, &str)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_ofit"))
        .args(["run", spec, "--out"])
        .arg(out)
        .envs(env.iter().copied())
        .current_dir(support::root())
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(log).unwrap()))
        .spawn()
        .expect("ofit starts")
}

/// Each model's history.csv without its timings (the last column), by folder name.
pub(crate) fn histories(out: &Path) -> Vec<(String, String)> {
    model_folders(out)
        .into_iter()
        .map(|f| {
            let values: String = read(&f.join("history.csv"))
                .lines()
                .map(|l| format!("{}\n", &l[..l.rfind(',').unwrap_or(l.len())]))
                .collect();
            (
                f.file_name().unwrap().to_string_lossy().into_owned(),
                values,
            )
        })
        .collect()
}

fn signal(child: &Child, name: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
}

#[test]
fn three_workers_on_one_directory_train_each_model_once_and_as_one_worker_does() {
    let tmp = tempfile::tempdir().unwrap();
    let alone = tmp.path().join("alone");
    run_ok(SWEEP, &alone, &[]);

    let out = tmp.path().join("shared");
    let logs: Vec<_> = (0..3)
        .map(|i| tmp.path().join(format!("{i}.log")))
        .collect();
    let mut workers: Vec<Child> = logs.iter().map(|l| worker(SWEEP, &out, l, &[])).collect();
    for (w, log) in workers.iter_mut().zip(&logs) {
        assert!(w.wait().unwrap().success(), "{}", read(log));
    }
    let all: String = logs.iter().map(|l| read(l)).collect();
    for width in 2..=17 {
        let trained = format!("sweep/w{width}: trained 12 epochs");
        assert_eq!(all.matches(&trained).count(), 1, "`{trained}` once:\n{all}");
    }
    // Bit-identical to one worker's run, model for model.
    assert!(histories(&out) == histories(&alone), "the histories differ");
    assert_eq!(histories(&out).len(), 16);
    // Whichever worker finished last wrote the report.
    assert!(out.join("index.html").exists());
    for folder in model_folders(&out) {
        assert!(
            !entries(&folder).iter().any(|n| n.starts_with("claim.")),
            "{}",
            folder.display()
        );
    }
}

#[test]
fn a_killed_workers_model_is_resumed_by_the_worker_waiting_for_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let (first_log, second_log) = (tmp.path().join("1.log"), tmp.path().join("2.log"));
    let mut first = spawn(LONG, &out, &first_log);
    let folder = wait_for_checkpoint(&mut first, &out, 2, &first_log);
    // The second finds the model claimed and waits for it.
    let mut second = worker(LONG, &out, &second_log, &[("OFIT_CLAIM_TIMEOUT", "2")]);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        second.try_wait().unwrap().is_none(),
        "{}",
        read(&second_log)
    );
    first.kill().unwrap();
    first.wait().unwrap();
    // Its claim names a process that is gone: the second takes the model over.
    assert!(second.wait().unwrap().success(), "{}", read(&second_log));
    let log = read(&second_log);
    assert!(log.contains("long/net: resuming after epoch"), "{log}");
    assert_eq!(epochs_of(&folder), 30);
}

#[test]
fn a_claim_that_is_not_renewed_expires_and_one_that_is_holds() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("models").join("m");
    std::fs::create_dir_all(&folder).unwrap();
    // A worker on another machine: its process cannot be looked up, only its heartbeat.
    let record = |beat: u64| ClaimRecord {
        host: "another-machine".into(),
        pid: 1,
        beat,
        epoch: 3,
        epochs: 10,
        at: 0,
    };
    let write = |beat| {
        std::fs::write(
            folder.join("claim.1"),
            serde_json::to_vec(&record(beat)).unwrap(),
        )
        .unwrap()
    };
    write(0);
    let claims = Claims::new(ClaimTimeout(Duration::from_millis(400)));
    let start = Instant::now();
    // Renewed every 100 ms: it holds.
    for beat in 1..=8 {
        match claims.take(&folder, 10).unwrap() {
            Err(Held::By(Some(holder))) => assert_eq!(holder.host, "another-machine"),
            other => panic!("a live claim was taken over: {:?}", other.is_ok()),
        }
        write(beat);
        std::thread::sleep(Duration::from_millis(100));
    }
    // Not renewed for the timeout: expired, and taken over as claim 2.
    let claim = loop {
        match claims.take(&folder, 10).unwrap() {
            Ok(claim) => break claim,
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
        assert!(start.elapsed() < Duration::from_secs(10), "never expired");
    };
    assert_eq!(claim.number(), 2);
    assert!(!folder.join("claim.1").exists());
    // Only one worker gets it: another sees it held.
    let other = Claims::new(ClaimTimeout(Duration::from_secs(60)));
    assert!(other.take(&folder, 10).unwrap().is_err());
    drop(claim);
    assert!(!folder.join("claim.2").exists(), "released");
}

#[test]
fn a_holder_that_was_taken_for_dead_stops_when_it_sees_the_newer_claim() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("m");
    let claims = Claims::new(ClaimTimeout(Duration::from_millis(120)));
    let claim = claims.take(&folder, 5).unwrap().ok().unwrap();
    assert!(!claim.lost());
    // Another worker took the model over.
    std::fs::write(folder.join("claim.2"), "{}").unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !claim.lost() {
        assert!(Instant::now() < deadline, "the holder never noticed");
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(claim);
    // The newer claim is the other worker's: left alone.
    assert!(folder.join("claim.2").exists());
}

#[test]
fn sigterm_and_sigusr1_stop_a_worker_with_status_75_and_its_epochs_saved() {
    for name in ["TERM", "USR1"] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("run");
        let log = tmp.path().join("run.log");
        let mut child = spawn(LONG, &out, &log);
        let folder = wait_for_checkpoint(&mut child, &out, 1, &log);
        signal(&child, name);
        let status = child.wait().unwrap();
        let err = read(&log);
        assert_eq!(status.code(), Some(75), "SIG{name}: {err}");
        assert!(err.contains("on a signal"), "{err}");
        assert!(!folder.join("history.json").exists());
        assert!(!entries(&folder).iter().any(|n| n.starts_with("claim.")));
        let err = run_ok(LONG, &out, &[]);
        assert!(err.contains("long/net: resuming after epoch"), "{err}");
        assert_eq!(epochs_of(&folder), 30);
    }
}

#[test]
fn status_and_plan_read_the_directory_while_a_worker_trains() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let log = tmp.path().join("run.log");
    let out_arg = out.to_str().unwrap();
    let ofit = |args: &[&str]| crate::train_run::ofit(args);
    let planned = ofit(&["plan", LONG, "--out", out_arg, "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_slice(&planned.stdout).unwrap();
    assert_eq!(plan["unfinished"], 1);
    assert_eq!(plan["jobs"][0]["name"], "long/net");
    assert_eq!(plan["jobs"][0]["state"], "waiting");
    assert!(plan["jobs"][0]["cost"].as_f64().unwrap() > 0.0);

    let mut child = spawn(LONG, &out, &log);
    let folder = wait_for_checkpoint(&mut child, &out, 2, &log);
    let status = ofit(&["status", out_arg]);
    let text = String::from_utf8_lossy(&status.stdout).into_owned();
    let host = ofit::run::claim::host_name();
    assert!(
        text.contains("long/net  training (epoch ")
            && text.contains(&format!("/30) on {host}, pid {}", child.id())),
        "{text}"
    );
    // The history so far, whole lines only: a header and a line per saved epoch.
    let csv = read(&folder.join("history.csv"));
    assert!(csv.lines().count() >= 3, "{csv}");
    assert!(csv.ends_with('\n'), "{csv}");
    child.kill().unwrap();
    child.wait().unwrap();

    run_ok(LONG, &out, &[]);
    let status = ofit(&["status", out_arg, "--format", "json"]);
    let models: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(models[0]["state"], "finished");
    assert_eq!(models[0]["epochs"], 30);
    let planned = ofit(&["plan", LONG, "--out", out_arg]);
    assert!(
        String::from_utf8_lossy(&planned.stderr).contains("0 models to train of 1"),
        "{}",
        String::from_utf8_lossy(&planned.stderr)
    );
}

#[test]
fn a_failed_model_is_shown_with_its_error_and_retried_by_the_next_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let planned = crate::train_run::ofit(&[
        "plan",
        LONG,
        "--out",
        out.to_str().unwrap(),
        "--epochs",
        "1",
        "--format",
        "json",
    ]);
    let plan: serde_json::Value = serde_json::from_slice(&planned.stdout).unwrap();
    let folder = out.join(plan["jobs"][0]["folder"].as_str().unwrap());
    // A file where a checkpoint goes: training fails at the end of the first epoch.
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("checkpoint-0001.tmp"), "in the way").unwrap();
    let failed = crate::train_run::run(LONG, &out, &["--epochs", "1"]);
    assert_eq!(failed.status.code(), Some(1));
    let status = crate::train_run::ofit(&["status", out.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&status.stdout).into_owned();
    assert_eq!(status.status.code(), Some(1), "{text}");
    assert!(text.contains("long/net  failed on "), "{text}");
    assert!(text.contains("training `long/net`"), "{text}");
    // Once what was in the way is gone, the next run trains it and the failure goes.
    std::fs::remove_file(folder.join("checkpoint-0001.tmp")).unwrap();
    let err = run_ok(LONG, &out, &["--epochs", "1"]);
    assert!(err.contains("long/net: trained 1 epoch"), "{err}");
    assert!(!folder.join("failure.json").exists());
}
