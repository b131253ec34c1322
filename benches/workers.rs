//! Workers on one run directory: the 16-model sweep fixture (`tests/fixtures/train/sweep.ofit`)
//! trained from nothing by 1, 2 and 4 `ofit run` processes at once (each model once
//! between them); what a claim costs (taking and releasing one); and the latency Slurm adds to a task: from `sbatch` to
//! the task running, on the one-node cluster `.ci/slurm` starts.
//!
//! Run with `cargo bench --bench workers`; medians are in the README.

use criterion::{criterion_group, criterion_main, Criterion};
use ofit::run::claim::{ClaimTimeout, Claims};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const SWEEP: &str = "tests/fixtures/train/sweep.ofit";

/// `workers` processes of `ofit run SWEEP` on a fresh directory, until all have ended.
fn sweep(workers: usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().expect("a temporary folder");
    let children: Vec<_> = (0..workers)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_ofit"))
                .args(["run", SWEEP, "--out"])
                .arg(out.path())
                .current_dir(root)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("ofit starts")
        })
        .collect();
    for mut child in children {
        assert!(child.wait().expect("ofit ends").success());
    }
}

fn workers(c: &mut Criterion) {
    let mut group = c.benchmark_group("workers");
    group.sample_size(10);
    for n in [1, 2, 4] {
        group.bench_function(format!("sweep_16_models_{n}_workers"), |b| {
            b.iter(|| sweep(n))
        });
    }
    group.finish();
}

fn claims(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let folder = dir.path().join("model");
    let claims = Claims::new(ClaimTimeout::default());
    c.bench_function("claim_take_and_release", |b| {
        b.iter(|| match claims.take(&folder, 10).unwrap() {
            Ok(claim) => drop(claim),
            Err(held) => panic!("nobody else claims it: {held:?}"),
        })
    });
}

fn slurm_latency(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let started = dir.path().join("started");
    let script = dir.path().join("task.sbatch");
    std::fs::write(
        &script,
        format!(
            "#!/bin/bash\n#SBATCH --array=0-0\n#SBATCH --cpus-per-task=1\n#SBATCH --output=/dev/null\ntouch {}\n",
            started.display()
        ),
    )
    .unwrap();
    let mut group = c.benchmark_group("slurm");
    group.sample_size(10);
    group.bench_function("one_task_submitted_to_running", |b| {
        b.iter(|| {
            let _ = std::fs::remove_file(&started);
            let ran = Command::new("sbatch")
                .arg("--parsable")
                .arg(&script)
                .output()
                .unwrap_or_else(|e| panic!("this bench needs Slurm (`.ci/slurm` starts it): {e}"));
            assert!(
                ran.status.success(),
                "this bench needs a running Slurm (`.ci/slurm` starts it): {}",
                String::from_utf8_lossy(&ran.stderr)
            );
            while !started.exists() {
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, workers, claims, slurm_latency);
criterion_main!(benches);
