//! Helpers shared by the test modules.

use ofit::check::Checked;
use ofit::cli::render::{self, Style};
use ofit::source::Source;
use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Reads a spec, named by its path relative to the repository so output is stable.
pub fn source(path: &Path) -> Source {
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    let name = path
        .strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string();
    Source::new(name, text)
}

/// Parses and checks a spec file.
pub fn compile(path: &Path) -> (Source, Checked) {
    let source = source(path);
    let checked = ofit::compile(&source);
    (source, checked)
}

/// Parses and checks spec text.
pub fn compile_text(text: &str) -> (Source, Checked) {
    let source = Source::new("test.ofit", text);
    let checked = ofit::compile(&source);
    (source, checked)
}

/// The human report as `ofit check` prints it to a non-terminal, at 80 columns.
pub fn human(source: &Source, checked: &Checked) -> String {
    render::human(source, &checked.diagnostics, Style::plain(80))
}

/// The `.ofit` files of a folder under the repository, sorted.
pub fn specs(folder: &str) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join(folder))
        .expect("folder exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "ofit"))
        .collect();
    paths.sort();
    paths
}

/// Runs `ofit run SPEC --out TMP ARGS…` in the project root (`spec` relative to it) and
/// returns the run folder, after checking that the run succeeded.
pub fn run_spec(spec: &str, args: &[&str]) -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("a temporary folder");
    let ran = std::process::Command::new(env!("CARGO_BIN_EXE_ofit"))
        .args(["run", spec])
        .args(args)
        .arg("--out")
        .arg(out.path())
        .current_dir(root())
        .output()
        .expect("ofit runs");
    assert_eq!(
        ran.status.code(),
        Some(0),
        "ofit run {spec}: {}",
        String::from_utf8_lossy(&ran.stderr)
    );
    out
}

/// The records of `tests/fixtures/data/json/cars.json` with no missing value, in file order:
/// the rows `missing = drop` keeps (its last quarter validates under `validation_split =
/// 0.25`, as [`cars_validation`] gives them).
pub fn complete_cars() -> Vec<serde_json::Value> {
    let path = root().join("tests/fixtures/data/json/cars.json");
    let records: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the cars fixture"))
            .expect("JSON records");
    records
        .into_iter()
        .filter(|r| r.as_object().unwrap().values().all(|v| !v.is_null()))
        .collect()
}

/// The validation records of the cars fixture under `validation_split = 0.25`: Keras's
/// last quarter of the complete records.
pub fn cars_validation() -> Vec<serde_json::Value> {
    let complete = complete_cars();
    let kept = (complete.len() as f64 * 0.75).floor() as usize;
    complete[kept..].to_vec()
}
