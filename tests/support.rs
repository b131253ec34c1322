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
