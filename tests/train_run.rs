//! `ofit run` as a user runs it: the run directory and every file of every model folder,
//! training each model once, reruns that train nothing, content hashes, bit-identical
//! results, resuming after a kill or Ctrl-C, a second run waiting for the first, early stopping
//! and usage errors.
//! The specs are in `tests/fixtures/train/`, on the committed `examples/data/moons.csv`.

use crate::support;
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// Two models (`small`, `wide`) in `widths`, and `small` again in `again`: 3 epochs each.
pub(crate) const SMALL: &str = "tests/fixtures/train/small.ofit";
/// One model, 30 epochs of 94 batches: a few seconds, long enough to stop it midway.
pub(crate) const LONG: &str = "tests/fixtures/train/long.ofit";
/// Early stopping with patience 1 and restore_best, 100 epochs declared.
const EARLY: &str = "tests/fixtures/train/early.ofit";
/// Two long trainings, one in each lane.
const LANES: &str = "tests/fixtures/train/lanes.ofit";

/// The files of a finished model folder.
const FILES: &[&str] = &[
    "model.json",
    "preprocessing.json",
    "summary.txt",
    "history.csv",
    "history.json",
    "train.log",
    "weights.bpk",
];

pub(crate) fn ofit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ofit"))
        .args(args)
        .current_dir(support::root())
        .output()
        .expect("ofit runs")
}

/// `ofit run SPEC --out OUT [extra...]`, expected to succeed.
pub(crate) fn run_ok(spec: &str, out: &Path, extra: &[&str]) -> String {
    let output = run(spec, out, extra);
    let err = stderr(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "ofit run {spec} failed:\n{err}"
    );
    err
}

pub(crate) fn run(spec: &str, out: &Path, extra: &[&str]) -> Output {
    let out = out.to_str().expect("temporary paths are UTF-8");
    let mut args = vec!["run", spec, "--out", out];
    args.extend_from_slice(extra);
    ofit(&args)
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Starts `ofit run SPEC --out OUT` in the background, its standard error going to `log`.
pub(crate) fn spawn(spec: &str, out: &Path, log: &Path) -> Child {
    let log = File::create(log).expect("log file is writable");
    Command::new(env!("CARGO_BIN_EXE_ofit"))
        .args(["run", spec, "--out"])
        .arg(out)
        .current_dir(support::root())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("ofit starts")
}

/// Waits until a model folder under `out` holds `checkpoint-NNNN` with NNNN ≥ `epochs`;
/// fails if the child ends first or nothing appears within two minutes.
pub(crate) fn wait_for_checkpoint(
    child: &mut Child,
    out: &Path,
    epochs: usize,
    log: &Path,
) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        for folder in model_folders(out) {
            let found = std::fs::read_dir(&folder)
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter_map(|n| n.strip_prefix("checkpoint-")?.parse::<usize>().ok())
                .any(|n| n >= epochs);
            if found {
                return folder;
            }
        }
        if let Some(status) = child.try_wait().expect("child can be polled") {
            panic!(
                "ofit ended ({status}) before checkpoint {epochs}:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        assert!(
            Instant::now() < deadline,
            "no checkpoint {epochs} after two minutes:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Sends a child Ctrl-C's signal and waits for it to end: its exit code and its log.
fn interrupt(mut child: Child, log: &Path) -> (Option<i32>, String) {
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let status = child.wait().unwrap();
    (status.code(), read(log))
}

/// Whether a model folder holds a complete (renamed into place) checkpoint.
pub(crate) fn has_checkpoint(folder: &Path) -> bool {
    entries(folder)
        .iter()
        .any(|n| n.starts_with("checkpoint-") && !n.ends_with(".tmp"))
}

/// The model folders of a run directory, sorted.
pub(crate) fn model_folders(out: &Path) -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = match std::fs::read_dir(out.join("models")) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect(),
        Err(_) => Vec::new(),
    };
    folders.sort();
    folders
}

/// The names of the entries of a folder, sorted.
pub(crate) fn entries(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .expect("folder is readable")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

pub(crate) fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub(crate) fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `run.json`'s experiments as (experiment, [(model, folder)]).
pub(crate) fn index(out: &Path) -> Vec<(String, Vec<(String, String)>)> {
    let value = json(&out.join("run.json"));
    value["experiments"]
        .as_array()
        .expect("experiments is a list")
        .iter()
        .map(|e| {
            let models = e["models"]
                .as_array()
                .expect("models is a list")
                .iter()
                .map(|m| {
                    (
                        m["name"].as_str().unwrap().to_string(),
                        m["folder"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            (e["name"].as_str().unwrap().to_string(), models)
        })
        .collect()
}

/// The folder `run.json` gives for `model` of `experiment`.
pub(crate) fn folder_of(out: &Path, experiment: &str, model: &str) -> PathBuf {
    let (_, models) = index(out)
        .into_iter()
        .find(|(e, _)| e == experiment)
        .unwrap_or_else(|| panic!("run.json has no experiment `{experiment}`"));
    let (_, folder) = models
        .into_iter()
        .find(|(m, _)| m == model)
        .unwrap_or_else(|| panic!("`{experiment}` has no model `{model}` in run.json"));
    out.join(folder)
}

/// `history.json` without its wall-clock `seconds` lines and the checksum of the weights
/// file (whose burn parameter ids are random): every value that training computed, as
/// the file writes it (byte for byte, not re-parsed).
pub(crate) fn computed_history(folder: &Path) -> String {
    read(&folder.join("history.json"))
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            !l.starts_with("\"seconds\":") && !l.starts_with("\"weights_sha256\":")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Fails at the first line where two folders' computed histories differ, naming it.
pub(crate) fn assert_same_computed_history(a: &Path, b: &Path) {
    let (x, y) = (computed_history(a), computed_history(b));
    let (xs, ys): (Vec<&str>, Vec<&str>) = (x.lines().collect(), y.lines().collect());
    for (i, (l, r)) in xs.iter().zip(&ys).enumerate() {
        assert!(
            l == r,
            "history.json line {} differs:\n  {}: {}\n  {}: {}\ncontext:\n{}",
            i + 1,
            a.display(),
            l.trim(),
            b.display(),
            r.trim(),
            xs[i.saturating_sub(8)..i].join("\n")
        );
    }
    assert_eq!(xs.len(), ys.len(), "history.json lengths differ");
}

/// A `weights.bpk` file without burn's parameter ids: the ids are drawn at random when
/// a module is built and say nothing about the weights, so two runs may differ in them.
/// The file is burnpack: `NRUB`, a u16 version, a u32 metadata length, CBOR metadata in
/// which every tensor has `param_id: u64`, then the tensor data.
fn weights_without_ids(path: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&bytes[..4], b"NRUB", "{} is burnpack", path.display());
    let metadata = u32::from_le_bytes(bytes[6..10].try_into().unwrap()) as usize;
    let key = b"param_id\x1b"; // the key, then CBOR's tag of an 8-byte unsigned integer
    let mut masked = 0;
    let mut i = 10;
    while i + key.len() + 8 <= 10 + metadata {
        if &bytes[i..i + key.len()] == key {
            let at = i + key.len();
            bytes[at..at + 8].fill(0);
            masked += 1;
            i = at + 8;
        } else {
            i += 1;
        }
    }
    assert!(masked > 0, "{}: no parameter ids found", path.display());
    bytes
}

/// Epochs in a finished folder's `history.json`.
pub(crate) fn epochs_of(folder: &Path) -> usize {
    json(&folder.join("history.json"))["epochs"]
        .as_array()
        .expect("epochs is a list")
        .len()
}

/// Every file under the model folders, with its modification time and contents.
fn snapshot(out: &Path) -> BTreeMap<PathBuf, (SystemTime, Vec<u8>)> {
    let mut files = BTreeMap::new();
    for folder in model_folders(out) {
        for name in entries(&folder) {
            let path = folder.join(name);
            let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
            files.insert(path.clone(), (modified, std::fs::read(&path).unwrap()));
        }
    }
    files
}

/// A copy of `small.ofit` in `dir` that names the CSV file by its absolute path, with
/// `replace` applied; its path.
fn copy_of_small(dir: &Path, replace: (&str, &str)) -> PathBuf {
    let csv = support::root().join("examples/data/moons.csv");
    let text = read(&support::root().join(SMALL))
        .replace("../../../examples/data/moons.csv", csv.to_str().unwrap());
    assert!(text.contains(replace.0), "`{}` is in the spec", replace.0);
    let path = dir.join("spec.ofit");
    std::fs::write(&path, text.replace(replace.0, replace.1)).unwrap();
    path
}

#[test]
fn a_run_writes_every_file_of_every_model() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let err = run_ok(SMALL, &out, &[]);
    assert!(err.contains("trained 2 models"), "{err}");

    let experiments = index(&out);
    let names: Vec<&str> = experiments.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(names, ["widths", "again"]);
    let models: Vec<Vec<&str>> = experiments
        .iter()
        .map(|(_, m)| m.iter().map(|(n, _)| n.as_str()).collect())
        .collect();
    assert_eq!(models, [vec!["small", "wide"], vec!["small"]]);
    let run_json = json(&out.join("run.json"));
    assert_eq!(run_json["experiments"][0]["dataset"], "moons");
    assert_eq!(run_json["experiments"][0]["models"][0]["training"], "quick");
    assert_eq!(
        run_json["experiments"][0]["plot"],
        serde_json::json!(["loss", "accuracy"])
    );

    let mut listed: Vec<PathBuf> = experiments
        .iter()
        .flat_map(|(_, m)| m.iter().map(|(_, f)| out.join(f)))
        .collect();
    listed.sort();
    listed.dedup();
    assert_eq!(listed, model_folders(&out), "run.json lists every folder");

    for folder in &listed {
        let mut expected: Vec<String> = FILES.iter().map(|f| f.to_string()).collect();
        expected.sort();
        assert_eq!(
            entries(folder),
            expected,
            "{}: every file, no checkpoint or temporary file left",
            folder.display()
        );
        let csv = read(&folder.join("history.csv"));
        assert_eq!(csv.lines().count(), 3 + 1, "a header and 3 epochs:\n{csv}");
        assert_eq!(
            csv.lines().next().unwrap(),
            "epoch,loss,accuracy,val_loss,val_accuracy,seconds"
        );
        assert_eq!(read(&folder.join("train.log")).lines().count(), 3);
        let history = json(&folder.join("history.json"));
        assert_eq!(
            history["columns"],
            serde_json::json!(["loss", "accuracy", "val_loss", "val_accuracy"])
        );
        for column in ["loss", "accuracy", "val_loss", "val_accuracy"] {
            let values = history["history"][column].as_array().unwrap();
            assert_eq!(values.len(), 3, "{column}");
            assert!(values
                .iter()
                .all(|v| v.as_f64().is_some_and(f64::is_finite)));
        }
        let key = json(&folder.join("model.json"));
        assert_eq!(key["training"]["epochs"], 3);
        assert!(std::fs::metadata(folder.join("weights.bpk")).unwrap().len() > 0);
        assert!(read(&folder.join("summary.txt")).contains("dense"));
    }
}

#[test]
fn a_model_shared_by_experiments_trains_once() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let err = run_ok(SMALL, &out, &[]);
    assert_eq!(
        folder_of(&out, "widths", "small"),
        folder_of(&out, "again", "small")
    );
    assert_ne!(
        folder_of(&out, "widths", "small"),
        folder_of(&out, "widths", "wide")
    );
    assert_eq!(model_folders(&out).len(), 2);
    assert!(err.contains("trained 2 models"), "{err}");
    assert_eq!(err.matches("small: training 3 epochs").count(), 1, "{err}");
}

#[test]
fn a_rerun_with_nothing_changed_trains_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    run_ok(SMALL, &out, &[]);
    let before = snapshot(&out);
    let index_before = index(&out);
    std::thread::sleep(Duration::from_millis(50));

    let err = run_ok(SMALL, &out, &[]);
    assert!(err.contains("nothing to train"), "{err}");
    assert!(err.contains("small: already trained (3 epochs)"), "{err}");
    assert!(!err.contains("training 3 epochs"), "{err}");
    assert_eq!(index(&out), index_before);
    let after = snapshot(&out);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "the same files"
    );
    for (path, (_, bytes)) in &before {
        assert!(bytes == &after[path].1, "{} changed", path.display());
    }
    let rewritten: Vec<String> = before
        .iter()
        .filter(|(path, (modified, _))| after[*path].0 != *modified)
        .map(|(path, _)| path.strip_prefix(&out).unwrap().display().to_string())
        .collect();
    assert!(
        rewritten.is_empty(),
        "a run that trained nothing wrote these files again: {rewritten:?}"
    );
}

#[test]
fn changing_one_model_retrains_only_that_one() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let spec = copy_of_small(tmp.path(), ("net(32", "net(32"));
    run_ok(spec.to_str().unwrap(), &out, &[]);
    let first = model_folders(&out);
    assert_eq!(first.len(), 2);
    let small = folder_of(&out, "widths", "small");
    let wide = folder_of(&out, "widths", "wide");
    let small_history = read(&small.join("history.json"));

    let spec = copy_of_small(tmp.path(), ("net(32", "net(16"));
    let err = run_ok(spec.to_str().unwrap(), &out, &[]);
    assert!(err.contains("trained 1 model;"), "{err}");
    assert!(err.contains("small: already trained"), "{err}");
    assert!(err.contains("wide: training 3 epochs"), "{err}");

    let second = model_folders(&out);
    assert_eq!(second.len(), 3, "one new folder: {second:?}");
    assert!(first.iter().all(|f| second.contains(f)), "old folders kept");
    assert_eq!(folder_of(&out, "widths", "small"), small);
    assert_eq!(folder_of(&out, "again", "small"), small);
    let new_wide = folder_of(&out, "widths", "wide");
    assert_ne!(new_wide, wide);
    assert!(!first.contains(&new_wide));
    assert_eq!(read(&small.join("history.json")), small_history);
    let key = json(&new_wide.join("model.json"));
    assert_eq!(key["model"]["layers"][0]["units"], 16, "{key:#}");
}

#[test]
fn the_same_spec_and_seed_give_a_bit_identical_history() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run_ok(SMALL, &a, &[]);
    run_ok(SMALL, &b, &[]);
    let names = |out: &Path| -> Vec<_> {
        model_folders(out)
            .iter()
            .map(|f| f.file_name().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&a), names(&b), "the same content hashes");
    for (x, y) in model_folders(&a).iter().zip(model_folders(&b)) {
        assert_same_computed_history(x, &y);
        assert_eq!(
            read(&x.join("train.log")).lines().count(),
            read(&y.join("train.log")).lines().count()
        );
        assert!(
            weights_without_ids(&x.join("weights.bpk"))
                == weights_without_ids(&y.join("weights.bpk")),
            "the weights differ between {} and {}",
            x.display(),
            y.display()
        );
        for file in ["model.json", "summary.txt"] {
            assert!(
                std::fs::read(x.join(file)).unwrap() == std::fs::read(y.join(file)).unwrap(),
                "{file} differs between {} and {}",
                x.display(),
                y.display()
            );
        }
    }
}

#[test]
fn epochs_override_is_part_of_the_hash() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    run_ok(SMALL, &out, &[]);
    let full = folder_of(&out, "widths", "small");

    let err = run_ok(SMALL, &out, &["--epochs", "1"]);
    assert!(err.contains("trained 2 models"), "{err}");
    let short = folder_of(&out, "widths", "small");
    assert_ne!(short, full);
    assert_eq!(model_folders(&out).len(), 4);
    assert_eq!(epochs_of(&short), 1);
    assert_eq!(read(&short.join("history.csv")).lines().count(), 2);
    assert_eq!(json(&short.join("model.json"))["training"]["epochs"], 1);
    assert_eq!(epochs_of(&full), 3, "the 3-epoch folder is kept");

    // The override with the spec's own value is the spec's model.
    let err = run_ok(SMALL, &out, &["--epochs", "3"]);
    assert!(err.contains("nothing to train"), "{err}");
    assert_eq!(folder_of(&out, "widths", "small"), full);
}

#[test]
fn a_killed_run_resumes_to_the_same_history() {
    let tmp = tempfile::tempdir().unwrap();
    let (killed, whole) = (tmp.path().join("killed"), tmp.path().join("whole"));
    let log = tmp.path().join("killed.log");
    let mut child = spawn(LONG, &killed, &log);
    let folder = wait_for_checkpoint(&mut child, &killed, 2, &log);
    child.kill().expect("the child can be killed");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), None, "killed by a signal, not finished");
    assert!(
        !folder.join("history.json").exists(),
        "a killed run is not finished"
    );
    assert!(has_checkpoint(&folder));

    let err = run_ok(LONG, &killed, &[]);
    assert!(err.contains("resuming after epoch"), "{err}");
    assert!(err.contains("(resumed after epoch"), "{err}");
    assert_eq!(
        model_folders(&killed),
        vec![folder.clone()],
        "the same folder"
    );
    assert!(
        !entries(&folder)
            .iter()
            .any(|n| n.starts_with("checkpoint-")),
        "{:?}",
        entries(&folder)
    );

    run_ok(LONG, &whole, &[]);
    let uninterrupted = model_folders(&whole).pop().unwrap();
    assert_eq!(epochs_of(&folder), 30);
    // Every metric of every epoch, as written (not re-parsed: serde_json's default float
    // parsing can be 1 ulp off, which would hide a difference or invent one).
    assert_same_computed_history(&folder, &uninterrupted);
    assert!(
        weights_without_ids(&folder.join("weights.bpk"))
            == weights_without_ids(&uninterrupted.join("weights.bpk")),
        "the same final weights"
    );
}

#[test]
fn ctrl_c_stops_cleanly_with_status_130() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let log = tmp.path().join("run.log");
    let mut child = spawn(LONG, &out, &log);
    let folder = wait_for_checkpoint(&mut child, &out, 2, &log);
    let (status, err) = interrupt(child, &log);
    assert_eq!(status, Some(130), "{err}");
    assert!(
        err.contains("run the same command again to continue"),
        "{err}"
    );
    assert!(err.contains("stopping after this batch"), "{err}");
    assert!(!folder.join("history.json").exists());
    assert!(has_checkpoint(&folder));

    let err = run_ok(LONG, &out, &[]);
    assert!(err.contains("resuming after epoch"), "{err}");
    assert!(err.contains("trained 1 model"), "{err}");
    assert_eq!(epochs_of(&folder), 30);
    assert_eq!(read(&folder.join("history.csv")).lines().count(), 31);
}

#[test]
fn a_second_run_on_the_same_directory_waits_for_the_model_the_first_trains() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let log = tmp.path().join("first.log");
    let mut first = spawn(LONG, &out, &log);
    let folder = wait_for_checkpoint(&mut first, &out, 1, &log);

    // The first holds the model's claim: the second waits for it, then finds it trained.
    let second = run(LONG, &out, &[]);
    let err = stderr(&second);
    assert_eq!(second.status.code(), Some(0), "{err}");
    assert!(first.wait().unwrap().success());
    let first_err = read(&log);
    assert!(
        first_err.contains("long/net: trained 30 epochs"),
        "{first_err}"
    );
    assert!(
        err.contains("long/net: already trained (30 epochs)"),
        "{err}"
    );
    assert!(!err.contains("training 30 epochs"), "{err}");
    assert!(!err.contains("resuming"), "{err}");
    assert_eq!(epochs_of(&folder), 30);
    // Its claim is gone with it.
    let claims: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("claim."))
        .collect();
    assert!(claims.is_empty(), "{claims:?}");
}

#[test]
fn early_stopping_restores_the_best_weights() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let err = run_ok(EARLY, &out, &[]);
    assert!(err.contains("stopped early after epoch"), "{err}");
    let folder = folder_of(&out, "early", "net");
    let epochs = epochs_of(&folder);
    assert!(epochs < 100, "stopped early: {epochs} epochs");
    assert!(
        err.contains(&format!("stopped early after epoch {epochs}")),
        "{err}"
    );
    assert_eq!(
        read(&folder.join("history.csv")).lines().count(),
        epochs + 1
    );

    // Keras's rule: an epoch improves on the best by more than min_delta; patience 1
    // stops at the first epoch after the best that does not improve on it.
    let history = json(&folder.join("history.json"));
    let val_loss: Vec<f64> = history["history"]["val_loss"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let mut best = (1, val_loss[0]);
    for (i, &v) in val_loss.iter().enumerate().skip(1) {
        if v + 0.001 < best.1 {
            best = (i + 1, v);
        }
    }
    assert_eq!(epochs, best.0 + 1, "val_loss {val_loss:?}");

    let names = entries(&folder);
    assert!(names.contains(&"best.bpk".to_string()), "{names:?}");
    assert!(!names
        .iter()
        .any(|n| n.starts_with("checkpoint-") || n.ends_with(".tmp")));
    assert!(
        std::fs::read(folder.join("weights.bpk")).unwrap()
            == std::fs::read(folder.join("best.bpk")).unwrap(),
        "weights.bpk holds the best epoch's weights"
    );
}

#[test]
fn unknown_experiment_and_bad_epochs_are_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");

    let typo = run(SMALL, &out, &["--only", "widht"]);
    assert_eq!(typo.status.code(), Some(2), "{}", stderr(&typo));
    assert!(
        stderr(&typo).contains("did you mean `widths`?"),
        "{}",
        stderr(&typo)
    );

    let nope = run(SMALL, &out, &["--only", "nope"]);
    let err = stderr(&nope);
    assert_eq!(nope.status.code(), Some(2), "{err}");
    assert!(err.contains("no experiment `nope`"), "{err}");
    assert!(err.contains("`widths`") && err.contains("`again`"), "{err}");

    for epochs in ["0", "-1", "many"] {
        let bad = run(SMALL, &out, &["--epochs", epochs]);
        assert_eq!(
            bad.status.code(),
            Some(2),
            "--epochs {epochs}: {}",
            stderr(&bad)
        );
    }
    assert!(!out.exists(), "nothing is written on a usage error");

    // `--only` trains that experiment alone.
    let err = run_ok(SMALL, &out, &["--only", "again"]);
    assert!(err.contains("trained 1 model;"), "{err}");
    assert_eq!(model_folders(&out).len(), 1);
}

/// The folder of the model named `name` (in its `model.json`).
/// The folder of the model called `name` in any experiment, from `run.json` (written before
/// training, so it names folders a killed run has not created yet).
fn folder_named(out: &Path, name: &str) -> PathBuf {
    index(out)
        .into_iter()
        .flat_map(|(_, models)| models)
        .find(|(model, _)| model == name)
        .map(|(_, folder)| out.join(folder))
        .unwrap_or_else(|| panic!("no model `{name}` under {}", out.display()))
}

#[test]
fn ctrl_c_stops_both_lanes_and_both_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let log = tmp.path().join("run.log");
    let mut child = spawn(LANES, &out, &log);
    // Until both models have a checkpoint (the cheap one gets there first).
    while model_folders(&out).len() < 2 || !model_folders(&out).iter().all(|f| has_checkpoint(f)) {
        wait_for_checkpoint(&mut child, &out, 1, &log);
        std::thread::sleep(Duration::from_millis(5));
    }
    let (status, err) = interrupt(child, &log);
    assert_eq!(status, Some(130), "{err}");
    // Both trained side by side, and both stopped with their finished epochs saved.
    // Each named as `experiment/model`.
    for name in ["lanes/big", "lanes/cheap"] {
        assert!(
            err.contains(&format!("{name}: training 30 epochs")),
            "{err}"
        );
        assert!(err.contains(&format!("interrupted: `{name}`")), "{err}");
    }
    for folder in model_folders(&out) {
        assert!(
            !folder.join("history.json").exists(),
            "{}",
            folder.display()
        );
    }

    let err = run_ok(LANES, &out, &[]);
    assert_eq!(err.matches("resuming after epoch").count(), 2, "{err}");
    for folder in model_folders(&out) {
        assert_eq!(epochs_of(&folder), 30);
    }
}

#[test]
fn a_model_that_fails_stops_the_other_lane() {
    let tmp = tempfile::tempdir().unwrap();
    // A first run, stopped at once, names both models' folders.
    let probe = tmp.path().join("probe");
    let log = tmp.path().join("probe.log");
    let mut child = spawn(LANES, &probe, &log);
    wait_for_checkpoint(&mut child, &probe, 1, &log);
    child.kill().unwrap();
    child.wait().unwrap();
    let cheap = folder_named(&probe, "cheap")
        .file_name()
        .unwrap()
        .to_owned();
    let big = folder_named(&probe, "big").file_name().unwrap().to_owned();

    // A file where the cheap model's folder goes: its lane fails at once.
    let out = tmp.path().join("run");
    std::fs::create_dir_all(out.join("models")).unwrap();
    std::fs::write(out.join("models").join(&cheap), "not a folder").unwrap();
    let output = run(LANES, &out, &[]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("error: training `lanes/cheap`"), "{err}");
    // The big model, seconds from done, stopped with it: not finished, nothing lost.
    assert!(
        !out.join("models").join(&big).join("history.json").exists(),
        "{err}"
    );
    // The run was indexed before training, so what there is can be reported.
    assert!(out.join("run.json").exists(), "{err}");
}

/// One model trained with a learning rate that diverges, and the same model with one that
/// does not.
const DIVERGES: &str = "tests/fixtures/train/diverges.ofit";

#[test]
fn a_diverging_model_stops_is_marked_and_reported_and_the_others_train_on() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let err = run_ok(DIVERGES, &out, &[]);
    let storm = folder_of(&out, "storm", "net");
    let calm = folder_of(&out, "calm", "net");
    // Keras's TerminateOnNaN: the epoch it diverged in is the last one, kept as it was.
    let history = json(&storm.join("history.json"));
    assert_eq!(history["ending"]["kind"], "diverged", "{history:#}");
    let epochs = history["epochs"].as_array().unwrap();
    assert_eq!(history["ending"]["epoch"], epochs.len());
    let loss = &epochs.last().unwrap()["values"][0];
    assert!(
        loss == "Infinity" || loss == "NaN",
        "the non-finite loss is kept as such: {loss}"
    );
    assert!(read(&storm.join("train.log")).contains("invalid loss (NaN or infinite)"));
    assert!(err.contains("storm / net: diverged at epoch"), "{err}");
    // The other training ran all its epochs.
    assert_eq!(epochs_of(&calm), 6);
    // The diverged model is finished: a rerun trains nothing, and the report is redone.
    let again = run_ok(DIVERGES, &out, &[]);
    assert!(again.contains("nothing to train"), "{again}");
    let report = ofit(&["report", out.to_str().unwrap()]);
    assert_eq!(report.status.code(), Some(0), "{}", stderr(&report));
    let html = read(&out.join("index.html"));
    assert!(html.contains("diverged at epoch"), "the page says it");
    // And `ofit status` tells it from a finished model.
    let status = ofit(&["status", out.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&status.stdout).into_owned();
    let epoch = history["ending"]["epoch"].as_u64().unwrap();
    assert!(
        text.contains(&format!("storm/net  diverged in epoch {epoch}")),
        "{text}"
    );
    assert!(text.contains("calm/net   finished (6 epochs)"), "{text}");
}

#[test]
fn a_model_too_large_for_memory_is_refused_before_anything_is_allocated() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let output = run("tests/fixtures/train/huge.ofit", &out, &[]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("model `wide` needs about") && err.contains("TB to train"),
        "{err}"
    );
    assert!(!out.exists(), "nothing was written");
}

#[test]
fn a_run_folder_holds_the_runs_of_one_spec() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    run_ok(SMALL, &out, &[]);
    // Another spec aimed at the same folder, as two specs called `exp.ofit` in different
    // directories both default to runs/exp, is refused: nothing is replaced.
    let before = read(&out.join("run.json"));
    let other = run(LONG, &out, &[]);
    let err = stderr(&other);
    assert_eq!(other.status.code(), Some(1), "{err}");
    assert!(err.contains("holds the run of"), "{err}");
    assert!(err.contains("--out"), "{err}");
    assert_eq!(read(&out.join("run.json")), before);
    // A folder that is not a run directory at all is refused too.
    let stranger = tmp.path().join("stranger");
    std::fs::create_dir(&stranger).unwrap();
    std::fs::write(stranger.join("notes.txt"), "mine").unwrap();
    let output = run(SMALL, &stranger, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("is not an ofit run directory"));
}

#[test]
fn a_result_trained_on_one_backend_is_never_taken_for_another() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    run_ok(SMALL, &out, &[]);
    let ndarray = model_folders(&out);
    let flex = Command::new(env!("CARGO_BIN_EXE_ofit"))
        .args(["run", SMALL, "--out", out.to_str().unwrap()])
        .env("OFIT_BACKEND", "flex")
        .current_dir(support::root())
        .output()
        .unwrap();
    let err = stderr(&flex);
    assert_eq!(flex.status.code(), Some(0), "{err}");
    assert!(err.contains("trained 2 models"), "{err}");
    let both = model_folders(&out);
    assert_eq!(both.len(), 4, "{both:?}");
    assert!(ndarray.iter().all(|f| both.contains(f)));
    let key = json(&folder_of(&out, "widths", "small").join("model.json"));
    assert_eq!(key["backend"], "flex");
    // A backend ofit does not have is a usage error that names the ones it has.
    let typo = Command::new(env!("CARGO_BIN_EXE_ofit"))
        .args(["run", SMALL, "--out", out.to_str().unwrap()])
        .env("OFIT_BACKEND", "flx")
        .current_dir(support::root())
        .output()
        .unwrap();
    assert_eq!(typo.status.code(), Some(2));
    assert!(stderr(&typo).contains("did you mean `flex`?"));
}

#[test]
fn each_model_of_an_experiment_trains_with_its_own_training_block() {
    let out = support::run_spec("tests/fixtures/train/per_model.ofit", &[]);
    let run_json = json(&out.path().join("run.json"));
    let models = run_json["experiments"][0]["models"].as_array().unwrap();
    let trained: Vec<(&str, &str, usize)> = models
        .iter()
        .map(|m| {
            let history = json(
                &out.path()
                    .join(m["folder"].as_str().unwrap())
                    .join("history.json"),
            );
            (
                m["name"].as_str().unwrap(),
                m["training"].as_str().unwrap(),
                history["epochs"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(trained, [("linear", "fast", 2), ("dnn", "slow", 3)]);
}
