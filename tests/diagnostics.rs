//! Every diagnostic ofit can emit, from fixture files, pinned in both forms a user sees:
//! the graphical report and the JSON for editors.

use crate::support;
use ofit::diagnostic::Code;
use std::collections::BTreeSet;

#[test]
fn each_error_fixture_renders_as_pinned() {
    insta::glob!("fixtures/errors/*.ofit", |path| {
        let (source, checked) = support::compile(path);
        assert!(
            !checked.diagnostics.is_empty(),
            "{} has no diagnostic",
            path.display()
        );
        insta::assert_snapshot!("human", support::human(&source, &checked));
        insta::assert_json_snapshot!(
            "json",
            ofit::cli::render::json(&source, &checked.diagnostics)
        );
    });
}

#[test]
fn error_fixtures_produce_no_program_and_the_warnings_fixture_does() {
    for path in support::specs("tests/fixtures/errors") {
        let (_, checked) = support::compile(&path);
        let has_errors = checked.diagnostics.iter().any(|d| d.is_error());
        assert_eq!(checked.program.is_none(), has_errors, "{}", path.display());
    }
    let (_, checked) =
        support::compile(&support::root().join("tests/fixtures/errors/warnings_only.ofit"));
    assert!(checked.program.is_some());
}

#[test]
fn every_code_is_produced_by_some_fixture() {
    let mut seen = BTreeSet::new();
    for path in support::specs("tests/fixtures/errors") {
        let (_, checked) = support::compile(&path);
        seen.extend(checked.diagnostics.iter().map(|d| d.code));
    }
    // The data lint's codes come from the fixtures it reads files beside.
    for path in support::specs("tests/fixtures/data/lint") {
        seen.extend(crate::data_csv::lint(&path).1.iter().map(|d| d.code));
    }
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| !seen.contains(c))
        .map(|c| c.as_str())
        .collect();
    assert!(missing.is_empty(), "no fixture produces {missing:?}");
}

#[test]
fn every_code_is_documented() {
    let doc =
        std::fs::read_to_string(support::root().join("DIAGNOSTICS.md")).expect("DIAGNOSTICS.md");
    for code in Code::ALL {
        assert!(
            doc.contains(&format!("`{code}`")),
            "DIAGNOSTICS.md does not document {code}"
        );
    }
}

#[test]
fn every_diagnostic_has_help_and_a_primary_label_inside_the_file() {
    for path in support::specs("tests/fixtures/errors") {
        let (source, checked) = support::compile(&path);
        for d in &checked.diagnostics {
            assert!(
                d.help.is_some(),
                "{}: {} has no help",
                path.display(),
                d.message
            );
            assert!(d.labels[0].primary);
            for label in &d.labels {
                assert!(label.span.end <= source.text().len());
                assert!(!label.message.is_empty());
            }
        }
    }
}
