//! `ofit check FILE...`

use super::render::{self, Style};
use super::{read_source, Exit, Format};
use crate::diagnostic::Severity;
use std::path::PathBuf;

/// Checks every file, prints every diagnostic, and returns the exit status.
pub fn run(files: &[PathBuf], format: Format, deny_warnings: bool) -> Exit {
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
        let checked = crate::compile(&source);
        let diagnostics = checked.diagnostics;
        let file_errors = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let file_warnings = diagnostics.len() - file_errors;
        errors += file_errors;
        warnings += file_warnings;
        match format {
            Format::Human => {
                eprint!(
                    "{}",
                    render::human(&source, &diagnostics, Style::for_stderr())
                );
                match render::tally(file_errors, file_warnings) {
                    Some(tally) if file_errors > 0 => {
                        eprintln!("error: {tally} in {}", source.name())
                    }
                    Some(tally) => eprintln!("warning: {tally} in {}", source.name()),
                    None => eprintln!("{}: no problems", source.name()),
                }
            }
            Format::Json => all.extend(render::json(&source, &diagnostics)),
        }
    }
    if format == Format::Json {
        let report = serde_json::json!({
            "errors": errors,
            "warnings": warnings,
            "diagnostics": all,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("diagnostics serialize")
        );
    }
    if errors > 0 || (deny_warnings && warnings > 0) {
        exit = exit.max(Exit::Failed);
    }
    exit
}
