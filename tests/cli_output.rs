//! The CLI's output streams as shells treat them: a reader that goes away (`| head`) ends
//! a command quietly and never stops a training; a full disk (`> /dev/full`) is an error
//! that says so. Nothing panics.

use crate::support;
use std::process::{Command, Stdio};

fn ofit(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ofit"));
    command.args(args).current_dir(support::root());
    command
}

#[test]
fn a_closed_pipe_on_standard_output_ends_the_command_quietly() {
    for args in [
        &["summary", "examples/tutorial.ofit"][..],
        &["check", "--format", "json", "examples/tutorial.ofit"],
    ] {
        let mut child = ofit(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader is gone before ofit writes a byte: as `| head -0` would be.
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn a_full_disk_on_standard_output_is_an_error_that_says_so() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full exists on Linux");
    let output = ofit(&["summary", "examples/tutorial.ofit"])
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot write to standard output: the disk is full"),
        "{err}"
    );
}

#[test]
fn a_closed_pipe_on_standard_error_never_stops_a_training() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let mut child = ofit(&["run", "tests/fixtures/train/small.ofit", "--out"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // `ofit run … 2>&1 | head -2`, with head gone at once.
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(out.join("run.json").is_file());
    assert!(
        out.join("index.html").is_file(),
        "the report is written too"
    );
}
