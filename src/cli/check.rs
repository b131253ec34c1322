//! `ofit check FILE...`, and the same compile-and-lint step at the start of `ofit run`.

use super::output::{self, say};
use super::render::{self, Style};
use super::{read_source, Exit};
use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::Program;
use crate::source::Source;
use std::path::{Path, PathBuf};

/// How `ofit check` prints what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// miette's graphical report on standard error.
    Human,
    /// One JSON object on standard output.
    Json,
    /// GitHub Actions annotations (`::error file=…,line=…::…`) on standard output.
    Github,
}

/// Checks every file, prints every diagnostic, and returns the exit status.
pub fn run(files: &[PathBuf], format: CheckFormat, deny_warnings: bool) -> Exit {
    let mut exit = Exit::Ok;
    let mut all = Vec::new();
    let (mut errors, mut warnings) = (0, 0);
    for path in files {
        let source = match read_source(path) {
            Ok(source) => source,
            Err(e) => {
                exit = exit.max(e);
                continue;
            }
        };
        let (_, diagnostics) = compile_and_lint(path, &source, |program| {
            (0..program.datasets.len()).collect()
        });
        let file_errors = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let file_warnings = diagnostics.len() - file_errors;
        errors += file_errors;
        warnings += file_warnings;
        match format {
            CheckFormat::Human => {
                output::err(&render::human(&source, &diagnostics, Style::for_stderr()));
                match render::tally(file_errors, file_warnings) {
                    Some(tally) if file_errors > 0 => {
                        say!("error: {tally} in {}", source.name())
                    }
                    Some(tally) => say!("warning: {tally} in {}", source.name()),
                    None => say!("{}: no problems", source.name()),
                }
            }
            CheckFormat::Json => all.extend(render::json(&source, &diagnostics)),
            CheckFormat::Github => {
                if let Err(stop) = output::out(&render::github(&source, &diagnostics)) {
                    return exit.max(stop);
                }
            }
        }
    }
    if format == CheckFormat::Json {
        let report = serde_json::json!({
            "errors": errors,
            "warnings": warnings,
            "diagnostics": all,
        });
        let text = serde_json::to_string_pretty(&report).expect("diagnostics serialize");
        if let Err(stop) = output::out(&(text + "\n")) {
            return exit.max(stop);
        }
    }
    if errors > 0 || (deny_warnings && warnings > 0) {
        exit = exit.max(Exit::Failed);
    }
    exit
}

/// Compiles `source` (read from `path`) and, when it checks, lints the data files of the
/// datasets `lint` picks: the program when there is no error, and every diagnostic in
/// source order.
fn compile_and_lint(
    path: &Path,
    source: &Source,
    lint: impl FnOnce(&Program) -> Vec<usize>,
) -> (Option<Program>, Vec<Diagnostic>) {
    let checked = crate::compile(source);
    let mut diagnostics = checked.diagnostics;
    let Some(program) = checked.program else {
        return (None, diagnostics);
    };
    let ctx = super::data::context(spec_dir(path));
    let datasets = lint(&program);
    let found = crate::data::lint::datasets(&program, &checked.datasets, &datasets, &ctx);
    let failed = found.iter().any(Diagnostic::is_error);
    diagnostics.extend(found);
    diagnostics.sort_by_key(Diagnostic::span);
    ((!failed).then_some(program), diagnostics)
}

/// The folder relative paths in the spec at `path` are resolved against.
pub fn spec_dir(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("."))
}

/// Reads and checks a spec and lints the data files of the experiments `only` names (of
/// every experiment when `None`; a dataset no experiment uses is not read), printing the
/// diagnostics; the program when there is no error. What `ofit run` starts with, so that
/// a missing file or label column is reported as `ofit check` reports it, before
/// anything is loaded.
pub fn checked_or_report(path: &Path, only: Option<&str>) -> Result<(Source, Program), Exit> {
    let source = read_source(path)?;
    let (program, diagnostics) = compile_and_lint(path, &source, |program| {
        let mut used: Vec<usize> = program
            .experiments
            .iter()
            .filter(|e| only.is_none_or(|name| name == e.name))
            .map(|e| e.dataset)
            .collect();
        used.sort_unstable();
        used.dedup();
        used
    });
    output::err(&render::human(&source, &diagnostics, Style::for_stderr()));
    match program {
        Some(program) => Ok((source, program)),
        None => {
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            let warnings = diagnostics.len() - errors;
            let tally = render::tally(errors, warnings).unwrap_or_default();
            say!("error: {tally} in {}", source.name());
            Err(Exit::Failed)
        }
    }
}
