//! The report of runs that did not simply complete: a model that stopped early (weights
//! restored), one that diverged, one still training (a checkpoint only), one not started
//! and one whose history is damaged, side by side in one committed run directory
//! (`tests/fixtures/report/runs/mixed`). Each is drawn and said as far as its files go;
//! none blocks the report of the others.

use crate::support;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A copy of committed run directory `name` in a temporary directory (the report writes
/// into the run directory).
fn run_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(name);
    copy(
        &support::root()
            .join("tests/fixtures/report/runs")
            .join(name),
        &root,
    );
    (dir, root)
}

fn ofit_report(root: &Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ofit"))
        .arg("report")
        .arg(root)
        .output()
        .expect("ofit runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn model<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["experiments"][0]["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("{name} in the report"))
}

#[test]
fn every_model_is_reported_as_far_as_its_files_go() {
    let (_dir, root) = run_copy("mixed");
    let (code, stderr) = ofit_report(&root);
    assert_eq!(code, Some(0), "{stderr}");
    let text = std::fs::read_to_string(root.join("report.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();

    let done = model(&report, "done");
    assert_eq!(done["state"], "finished");
    assert_eq!(done["status"], "completed 6 epochs");
    assert_eq!(done["direction"], "higher_is_better");
    assert_eq!(done["best_epoch"], 3);
    assert_eq!(done["overfit_epoch"], 3);
    assert_eq!(done["final_epoch"], 6);

    let stopped = model(&report, "stopped");
    assert_eq!(
        stopped["status"],
        "stopped early after epoch 6 (patience 3); weights of epoch 3 kept"
    );
    assert_eq!(
        stopped["ending"],
        serde_json::json!({"kind": "stopped_early", "epoch": 6, "restored": 3})
    );
    assert_eq!(stopped["kept_epoch"], 3);
    assert_eq!(stopped["final_epoch"], 3);
    assert_eq!(stopped["final_val"], 0.86);
    assert_eq!(stopped["final_val_accuracy"], 0.86);
    assert_eq!(stopped["loss"]["final_epoch"], 3);
    assert_eq!(stopped["loss"]["final_val"], 0.44);

    let diverged = model(&report, "diverged");
    assert_eq!(diverged["state"], "finished");
    assert_eq!(
        diverged["status"],
        "diverged at epoch 4: the training loss became NaN"
    );
    assert_eq!(diverged["ending"]["kind"], "diverged");
    assert_eq!(diverged["epochs"], 4);
    assert_eq!(diverged["final_epoch"], 3);
    assert_eq!(diverged["best_val"], 0.86);
    assert_eq!(diverged["loss"]["final_val"], 0.44);

    let training = model(&report, "training");
    assert_eq!(training["state"], "training");
    assert_eq!(training["status"], "training, 3 of 6 epochs so far");
    assert_eq!(training["epochs"], 3);
    assert_eq!(training["best_epoch"], 3);

    let fresh = model(&report, "fresh");
    assert_eq!(fresh["state"], "not_trained");
    assert_eq!(fresh["status"], "not trained yet");
    assert!(fresh.get("verdict").is_none());

    let damaged = model(&report, "damaged");
    assert_eq!(damaged["state"], "damaged");
    let status = damaged["status"].as_str().unwrap();
    assert!(
        status.starts_with("damaged: `")
            && status.ends_with(
                "models/damaged/history.json`: epoch 1 has 3 values, but there are 4 columns"
            ),
        "{status}"
    );
    assert_eq!(damaged["damage"].as_array().unwrap().len(), 1);

    // The command's lines say the same.
    for line in [
        "mixed / stopped: stopped early after epoch 6 (patience 3); weights of epoch 3 kept; ",
        "mixed / diverged: diverged at epoch 4: the training loss became NaN; ",
        "mixed / training: training, 3 of 6 epochs so far; ",
        "mixed / fresh: not trained yet\n",
        "mixed / damaged: damaged: `",
        "mixed / done: overfits after epoch 3: validation accuracy 0.860 at its best (epoch 3), 0.800 at the end\n",
    ] {
        assert!(stderr.contains(line), "{line:?} in\n{stderr}");
    }

    // So does the page, and every model with a history is drawn on both plots.
    let html = std::fs::read_to_string(root.join("index.html")).unwrap();
    for words in [
        "stopped early after epoch 6 (patience 3); weights of epoch 3 kept",
        "0.8600 (epoch 3, kept)",
        "diverged at epoch 4: the training loss became NaN",
        "0.8600 (epoch 3, before it diverged)",
        "training, 3 of 6 epochs so far",
        "not trained yet",
        "epoch 1 has 3 values, but there are 4 columns",
        "<th>best validation accuracy</th>",
    ] {
        assert!(html.contains(words), "{words:?} in the page");
    }
    for metric in ["accuracy", "loss"] {
        let svg = std::fs::read_to_string(root.join(format!("plots/mixed-{metric}.svg"))).unwrap();
        assert_eq!(svg.matches("<path ").count(), 2 * 4, "{metric}");
        // Overfit markers on the accuracy plot too.
        assert!(svg.contains("done: overfits after epoch 3"), "{metric}");
        assert!(!svg.contains("NaN"));
    }
}

#[test]
fn a_run_index_whose_folders_leave_the_run_directory_is_refused() {
    let (_dir, root) = run_copy("escape");
    let (code, stderr) = ofit_report(&root);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains(
            "run.json`: model `m` of experiment `e` has folder `../../elsewhere`, which is not \
             inside the run directory"
        ),
        "{stderr}"
    );
}

#[test]
fn the_state_of_a_model_folder_is_read_in_one_place() {
    use ofit::model_folder::{model_state, Progress};
    let runs = support::root().join("tests/fixtures/report/runs/mixed/models");
    let state = model_state(&runs.join("training"));
    match &state.progress {
        Progress::Unfinished {
            checkpoint,
            history,
        } => {
            assert!(checkpoint.ends_with("checkpoint-0003"));
            assert_eq!(history.epochs.len(), 3);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        state.damage.is_empty(),
        "a .tmp checkpoint is not looked at"
    );
    assert_eq!(
        model_state(&runs.join("fresh")).progress,
        Progress::NotStarted
    );
    let damaged = model_state(&runs.join("damaged"));
    assert_eq!(damaged.progress, Progress::NotStarted);
    assert_eq!(damaged.damage.len(), 1);
    assert!(matches!(
        model_state(&runs.join("stopped")).progress,
        Progress::Finished(_)
    ));
}
