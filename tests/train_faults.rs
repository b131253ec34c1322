//! What the run folder promises when things go wrong around it: a full disk, a read-only
//! folder, and every file of a finished model or checkpoint damaged in turn. Each case
//! gets a clear error or a note that says what is wrong and what ofit does, never a
//! panic, and nothing already computed is lost.
//!
//! The disk cases mount small tmpfs file systems, so they need root (as CI runs); without
//! it they fail and say so.

use crate::train_run::{
    assert_same_computed_history, entries, folder_of, json, model_folders, read, run, run_ok,
    spawn, stderr, wait_for_checkpoint, LONG, SMALL,
};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The exit status of a Rust panic: never acceptable.
const PANICKED: i32 = 101;

/// A tmpfs of `size` mounted on a fresh directory, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn new(size: &str) -> Tmpfs {
        assert_eq!(
            unsafe { libc::geteuid() },
            0,
            "the disk fault tests mount tmpfs file systems and need root (CI runs as root)"
        );
        let dir = tempfile::tempdir().expect("a mount point");
        mount(
            &["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"],
            dir.path(),
        );
        Tmpfs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Makes the file system read-only (or writable again).
    fn read_only(&self, yes: bool) {
        let options = if yes { "remount,ro" } else { "remount,rw" };
        mount(&["-o", options], self.path());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.path()).status();
    }
}

fn mount(args: &[&str], at: &Path) {
    let status = Command::new("mount")
        .args(args)
        .arg(at)
        .status()
        .expect("mount runs");
    assert!(status.success(), "mount {args:?} {} failed", at.display());
}

/// Fills a file system until it has no room left.
fn fill(dir: &Path) -> PathBuf {
    let filler = dir.join("filler");
    let _ = Command::new("dd")
        .args(["if=/dev/zero", "bs=64k"])
        .arg(format!("of={}", filler.display()))
        .output()
        .expect("dd runs");
    filler
}

#[test]
fn a_full_disk_stops_training_with_a_clear_error_and_a_rerun_continues() {
    let disk = Tmpfs::new("64m");
    let out = disk.path().join("run");
    // The log lives off the full disk, so that ofit's messages can be read.
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("run.log");
    let mut child = spawn(LONG, &out, &log);
    let folder = wait_for_checkpoint(&mut child, &out, 2, &log);
    let filler = fill(disk.path());
    let status = child.wait().unwrap();
    let err = read(&log);
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("the disk is full"), "{err}");
    assert!(
        !err.contains("panicked"),
        "a full disk is an error, not a panic:\n{err}"
    );
    // Every checkpoint that was complete is still complete.
    let kept: Vec<String> = entries(&folder)
        .into_iter()
        .filter(|n| n.starts_with("checkpoint-") && !n.ends_with(".tmp"))
        .collect();
    assert!(
        !kept.is_empty(),
        "a finished epoch is kept: {:?}",
        entries(&folder)
    );

    std::fs::remove_file(filler).unwrap();
    let err = run_ok(LONG, &out, &[]);
    assert!(err.contains("resuming after epoch"), "{err}");
}

#[test]
fn a_read_only_run_folder_is_a_clear_error() {
    let disk = Tmpfs::new("16m");
    let out = disk.path().join("run");
    run_ok(SMALL, &out, &[]);
    disk.read_only(true);
    // Every model is trained: only the report has something to write, and cannot.
    let output = run(SMALL, &out, &[]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("read-only"), "{err}");
    // A spec whose models are not trained yet cannot start.
    let fresh = disk.path().join("fresh");
    disk.read_only(false);
    std::fs::create_dir(&fresh).unwrap();
    disk.read_only(true);
    let output = run(SMALL, &fresh, &[]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("read-only"), "{err}");
    assert_ne!(output.status.code(), Some(PANICKED));
    disk.read_only(false);
}

/// Copies a directory tree.
fn copy_tree(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn every_file_of_a_finished_model_damaged_in_turn_is_noticed_and_mended() {
    let tmp = tempfile::tempdir().unwrap();
    let original = tmp.path().join("original");
    run_ok(SMALL, &original, &[]);
    let wide = folder_of(&original, "widths", "wide");
    let hash = wide.file_name().unwrap().to_owned();
    let files = [
        "model.json",
        "summary.txt",
        "history.csv",
        "history.json",
        "train.log",
        "weights.bpk",
    ];
    type Damage = fn(&Path);
    let damages: [(&str, Damage); 3] = [
        ("truncated", |p| {
            let bytes = std::fs::read(p).unwrap();
            std::fs::write(p, &bytes[..bytes.len() / 2]).unwrap();
        }),
        ("garbled", |p| {
            let mut bytes = std::fs::read(p).unwrap();
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0x55;
            bytes[0] = b'#';
            std::fs::write(p, bytes).unwrap();
        }),
        ("deleted", |p| std::fs::remove_file(p).unwrap()),
    ];
    for name in files {
        for (how, damage) in &damages {
            let case = tmp.path().join(format!("{name}-{how}"));
            copy_tree(&original, &case);
            let folder = case.join("models").join(&hash);
            damage(&folder.join(name));
            let output = run(SMALL, &case, &[]);
            let err = stderr(&output);
            assert_eq!(
                output.status.code(),
                Some(0),
                "{name} {how}: the rerun succeeds:\n{err}"
            );
            assert!(
                err.contains(&format!("{name}`")) || err.contains(name),
                "{name} {how}: the rerun says what it found:\n{err}"
            );
            // Whatever was damaged, the folder is whole again and its history is the one
            // training computes (retrained or not, the results are the same).
            for file in files {
                assert!(folder.join(file).is_file(), "{name} {how}: {file} is back");
            }
            assert_same_computed_history(&folder, &wide);
            let again = run_ok(SMALL, &case, &[]);
            assert!(
                again.contains("nothing to train"),
                "{name} {how}: mended for good:\n{again}"
            );
        }
    }
}

/// Runs `long.ofit` for 4 epochs into `out`, kills it once two are checkpointed, and
/// returns its model folder.
fn killed_after_two_epochs(out: &Path, log: &Path) -> PathBuf {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ofit"))
        .args(["run", LONG, "--epochs", "4", "--out"])
        .arg(out)
        .current_dir(crate::support::root())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let folder = wait_for_checkpoint(&mut child, out, 2, log);
    child.kill().unwrap();
    child.wait().unwrap();
    folder
}

#[test]
fn a_damaged_newest_checkpoint_is_set_aside_and_training_resumes_from_an_older_state() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    run_ok(LONG, &whole, &["--epochs", "4"]);

    // A run killed after two epochs, with an empty newer checkpoint beside the real one.
    let out = tmp.path().join("run");
    let folder = killed_after_two_epochs(&out, &tmp.path().join("run.log"));
    std::fs::create_dir(folder.join("checkpoint-9999")).unwrap();
    let err = run_ok(LONG, &out, &["--epochs", "4"]);
    assert!(err.contains("checkpoint-9999` is damaged"), "{err}");
    assert!(err.contains("resuming after epoch"), "{err}");
    assert!(
        folder.join("checkpoint-9999.damaged").is_dir(),
        "kept aside"
    );
    assert_same_computed_history(&folder, &model_folders(&whole)[0]);

    // A checkpoint whose name claims more epochs than the training has.
    let out = tmp.path().join("claims");
    let folder = killed_after_two_epochs(&out, &tmp.path().join("claims.log"));
    let newest = entries(&folder)
        .into_iter()
        .filter(|n| n.starts_with("checkpoint-") && !n.ends_with(".tmp"))
        .max()
        .unwrap();
    std::fs::rename(folder.join(&newest), folder.join("checkpoint-0025")).unwrap();
    let err = run_ok(LONG, &out, &["--epochs", "4"]);
    assert!(err.contains("checkpoint-0025` is damaged"), "{err}");
    assert_same_computed_history(&folder, &model_folders(&whole)[0]);
    let history = json(&folder.join("history.json"));
    assert_eq!(history["epochs"].as_array().unwrap().len(), 4);
}
