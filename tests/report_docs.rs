//! The README's figures are those of the committed runs: rendering the docs again from
//! `docs/tutorial-run/` (and `docs/text_classification-run/`, `docs/regression-run/`,
//! `docs/more_data-run/`) gives `docs/*.svg` and
//! `docs/<name>.md` byte for byte, and the README holds exactly those tables. `ofit report --docs` refreshes them all.

use crate::support;
use ofit::report::docs::{readme_begin, readme_end, render_docs};

/// Renders `docs/<name>-run/` again beside Keras's `docs/keras_<name>.json`, checks that it
/// gives `files` (the last one the table) and that each committed file, and the README's
/// block, is what it renders; returns the table.
fn committed_docs_render_again(name: &str, files: &[&str], spec: &str) -> String {
    let root = support::root();
    let docs = render_docs(
        &root.join(format!("docs/{name}-run")),
        &root.join(format!("docs/keras_{name}.json")),
    )
    .expect("the committed run renders");
    assert_eq!(docs.name, name);
    let names: Vec<&str> = docs.files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, files);
    for (file, text) in &docs.files {
        let committed = std::fs::read_to_string(root.join("docs").join(file))
            .unwrap_or_else(|e| panic!("docs/{file}: {e}"));
        assert!(
            committed == *text,
            "docs/{file} is not what the committed run renders; refresh the docs with \
             `ofit run {spec}` and `ofit report runs/{name} --docs docs --readme README.md` \
             and review the diff"
        );
    }
    let table = docs.files.last().unwrap().1.clone();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let block = format!("{}{table}{}", readme_begin(name), readme_end(name));
    assert!(
        readme.contains(&block),
        "README.md does not hold docs/{name}.md between its markers"
    );
    table
}

#[test]
fn the_committed_docs_are_rendered_from_the_committed_run() {
    committed_docs_render_again(
        "tutorial",
        &[
            "sizes-binary_crossentropy.svg",
            "l2-binary_crossentropy.svg",
            "dropout-binary_crossentropy.svg",
            "tutorial.md",
        ],
        "examples/tutorial.ofit",
    );
}

#[test]
fn the_committed_text_classification_docs_are_rendered_from_its_committed_run() {
    let table = committed_docs_render_again(
        "text_classification",
        &[
            "movie_reviews-loss.svg",
            "movie_reviews-accuracy.svg",
            "text_classification.md",
        ],
        "examples/text_classification.ofit",
    );
    assert!(
        table.contains("| ofit: test accuracy | Keras |"),
        "the test figures stand beside Keras's: {table}"
    );
}

#[test]
fn the_committed_regression_docs_are_rendered_from_its_committed_run() {
    let table = committed_docs_render_again(
        "regression",
        &["fuel_efficiency-loss.svg", "regression.md"],
        "examples/regression.ofit",
    );
    assert!(table.contains("| linear | 29 |"), "{table}");
}

#[test]
fn the_committed_more_data_docs_are_rendered_from_its_committed_run() {
    // No peer draws this plot: the table has no Keras columns, and says what each doubling
    // of the reviews bought.
    let table = committed_docs_render_again(
        "more_data",
        &[
            "more_data-binary_crossentropy.svg",
            "more_data-more_data.svg",
            "more_data-more_data-overfit.svg",
            "more_data.md",
        ],
        "examples/more_data.ofit",
    );
    assert!(!table.contains("Keras"), "{table}");
    assert!(table.contains("| baseline@1250 | 160,305 |"), "{table}");
    assert!(
        table.contains("- `baseline`: each doubling of the training examples lowered"),
        "{table}"
    );
}

#[test]
fn the_docs_command_copies_the_run_and_refreshes_the_readme() {
    let root = support::root();
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::copy(
        root.join("docs/keras_tutorial.json"),
        docs.join("keras_tutorial.json"),
    )
    .unwrap();
    let run = dir.path().join("run");
    for file in ["run.json", "models/a/history.json", "models/b/history.json"] {
        let target = run.join(file);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(
            root.join("tests/fixtures/report/runs/docs").join(file),
            target,
        )
        .unwrap();
    }
    let readme = dir.path().join("README.md");
    std::fs::write(
        &readme,
        format!(
            "# Title\n\n{}stale table\n{}\nAfter.\n",
            readme_begin("tutorial"),
            readme_end("tutorial")
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ofit"))
        .arg("report")
        .arg(&run)
        .arg("--docs")
        .arg(&docs)
        .arg("--readme")
        .arg(&readme)
        .output()
        .expect("ofit runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let table = std::fs::read_to_string(docs.join("tutorial.md")).unwrap();
    assert_eq!(
        table,
        "| model | parameters | ofit: best val BCE @ epoch | Keras | ofit: final val BCE | Keras | ofit says |\n\
         |---|---|---|---|---|---|---|\n\
         | baseline | – | 0.2800 @ 2 | 0.2832 @ 2 | 0.500 | 0.681 | overfits after epoch 2 |\n\
         | smaller | – | 0.3000 @ 4 | 0.2852 @ 5 | 0.300 | 0.483 | still improving at the last epoch |\n"
    );
    assert_eq!(
        std::fs::read_to_string(&readme).unwrap(),
        format!(
            "# Title\n\n{}{table}{}\nAfter.\n",
            readme_begin("tutorial"),
            readme_end("tutorial")
        )
    );
    for file in [
        "tutorial-run/run.json",
        "tutorial-run/models/a/history.json",
        "tutorial-run/models/b/history.json",
        "sizes-binary_crossentropy.svg",
    ] {
        assert!(docs.join(file).is_file(), "{file}");
    }
    // Rendering from the copy gives the same files.
    let again = render_docs(
        &docs.join("tutorial-run"),
        &docs.join("keras_tutorial.json"),
    )
    .unwrap();
    for (name, text) in &again.files {
        assert_eq!(
            &std::fs::read_to_string(docs.join(name)).unwrap(),
            text,
            "{name}"
        );
    }
}
