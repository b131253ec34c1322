//! `ofit fmt [--check] PATH...`: specs rewritten in the one layout of [`crate::format`].

use super::output::{self, say};
use super::render::{self, Style};
use super::{read_source, Exit};
use crate::source::Source;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Formats every spec named (a folder: every `.ofit` file in it), or standard input for
/// `-`. With `check`, nothing is written: the diff of each file that would change is
/// printed and the status is 1.
pub fn run(paths: &[PathBuf], check: bool) -> Exit {
    let mut exit = Exit::Ok;
    for path in paths {
        if path == Path::new("-") {
            exit = exit.max(standard_input(check));
            continue;
        }
        let files = match specs_in(path) {
            Ok(files) => files,
            Err(e) => {
                say!(
                    "error: cannot read `{}`: {}",
                    path.display(),
                    crate::file::reason(&e)
                );
                exit = exit.max(Exit::Usage);
                continue;
            }
        };
        for file in files {
            exit = exit.max(match read_source(&file) {
                Ok(source) => one(&file, &source, check),
                Err(stop) => stop,
            });
        }
    }
    exit
}

/// Formats one file in place, or prints its diff.
fn one(path: &Path, source: &Source, check: bool) -> Exit {
    let Some(formatted) = formatted(source) else {
        return Exit::Failed;
    };
    if formatted == source.text() {
        return Exit::Ok;
    }
    if check {
        return match output::out(&diff(source, &formatted)) {
            Ok(()) | Err(Exit::Ok) => Exit::Failed,
            Err(stop) => stop,
        };
    }
    // A spec reached through a link is rewritten where it lies; the link stays a link.
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    match crate::file::write_atomic(&target, formatted.as_bytes()) {
        Ok(()) => {
            say!("formatted {}", path.display());
            Exit::Ok
        }
        Err(e) => {
            say!("error: {e}");
            Exit::Failed
        }
    }
}

/// `ofit fmt -`: standard input formatted to standard output, as editors call formatters.
fn standard_input(check: bool) -> Exit {
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut bytes) {
        say!(
            "error: cannot read standard input: {}",
            crate::file::reason(&e)
        );
        return Exit::Usage;
    }
    let Ok(text) = String::from_utf8(bytes) else {
        say!("error: standard input is not UTF-8 text");
        return Exit::Usage;
    };
    let source = Source::new("<stdin>", text);
    let Some(formatted) = formatted(&source) else {
        return Exit::Failed;
    };
    let (text, exit) = match (check, formatted == source.text()) {
        (true, true) => return Exit::Ok,
        (true, false) => (diff(&source, &formatted), Exit::Failed),
        (false, _) => (formatted, Exit::Ok),
    };
    match output::out(&text) {
        Ok(()) => exit,
        Err(stop) => stop,
    }
}

/// The formatted text, or `None` with the syntax errors printed.
fn formatted(source: &Source) -> Option<String> {
    match crate::format::format(source) {
        Ok(text) => Some(text),
        Err(diagnostics) => {
            output::err(&render::human(source, &diagnostics, Style::for_stderr()));
            say!(
                "error: {} does not parse, so it was not formatted",
                source.name()
            );
            None
        }
    }
}

/// What formatting changes, as a unified diff.
fn diff(source: &Source, formatted: &str) -> String {
    similar::TextDiff::from_lines(source.text(), formatted)
        .unified_diff()
        .context_radius(3)
        .header(source.name(), &format!("{} (formatted)", source.name()))
        .to_string()
}

/// `path` itself, or the `.ofit` files under the folder `path`, in name order.
fn specs_in(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut found = Vec::new();
    let mut folders = vec![path.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?.path();
            if entry.is_dir() {
                folders.push(entry);
            } else if entry.extension().is_some_and(|e| e == "ofit") {
                found.push(entry);
            }
        }
    }
    found.sort();
    Ok(found)
}
