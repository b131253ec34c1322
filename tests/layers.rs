//! The architecture's layering, checked on the source: a module imports only modules on
//! floors below its own (ARCHITECTURE.md, "Layers"). The checker never touches burn.

use crate::support;
use std::path::Path;

/// Every top-level module of `src/` and its floor.
const FLOORS: &[(&str, u8)] = &[
    // Floor 0: text and files.
    ("source", 0),
    ("file", 0),
    // Floor 1: the typed experiment, diagnostics and what runs leave, as data.
    ("diagnostic", 10),
    ("history", 10),
    ("ir", 10),
    ("run_index", 10),
    // Did-you-mean: diagnostics' help and the fix it suggests.
    ("suggest", 12),
    // A model folder's layout and state, read from its histories.
    ("model_folder", 15),
    // Floor 2: the stages that each read the IR.
    ("data", 20),
    ("lower", 20),
    ("report", 20),
    ("syntax", 20),
    // `ofit fmt`: the syntax tree printed in one layout, comments kept.
    ("format", 25),
    // Floor 3: the stages that combine them.
    ("check", 30),
    ("train", 30),
    // `ofit::compile` and `ofit::analyze` (lib.rs): syntax and check together.
    ("compile", 30),
    ("analyze", 30),
    // A trained model as something to use: predictions on raw input.
    ("trained", 35),
    // Running a spec: its plan, the workers that share a run directory, Slurm.
    ("run", 35),
    // `ofit lsp`: the checker, the formatter and the summaries in an editor.
    ("language_server", 35),
    // Floor 4: the command line.
    ("cli", 40),
];

fn floor(module: &str) -> u8 {
    FLOORS
        .iter()
        .find(|(name, _)| *name == module)
        .unwrap_or_else(|| panic!("module `{module}` has no floor in tests/layers.rs"))
        .1
}

/// The top-level modules a source text names as `crate::NAME`.
fn crate_paths(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.push(name);
        }
    }
    found
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn imports_point_down_only() {
    let src = support::root().join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut wrong = Vec::new();
    for path in files {
        let relative = path.strip_prefix(&src).unwrap();
        let module = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap()
            .trim_end_matches(".rs")
            .to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // The crate's tests may reach anywhere; the code may not.
        let code = text.split("#[cfg(test)]").next().unwrap();
        for used in crate_paths(code) {
            if used != module && floor(&used) >= floor(&module) {
                wrong.push(format!(
                    "{} (floor {}) uses `crate::{used}` (floor {})",
                    relative.display(),
                    floor(&module),
                    floor(&used)
                ));
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "imports that do not point down:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_checker_and_the_syntax_never_touch_burn() {
    let mut files = Vec::new();
    for stage in ["check", "syntax"] {
        sources(&support::root().join("src").join(stage), &mut files);
    }
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("burn::"), "{} uses burn", path.display());
    }
}
