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

fn fixture(name: &str) -> (ofit::source::Source, ofit::check::Checked) {
    support::compile(&support::root().join("tests/fixtures/errors").join(name))
}

fn with_code(checked: &ofit::check::Checked, code: Code) -> Vec<&ofit::diagnostic::Diagnostic> {
    checked
        .diagnostics
        .iter()
        .filter(|d| d.code == code)
        .collect()
}

#[test]
fn a_metric_that_cannot_be_computed_is_reported_once_per_experiment_not_per_sweep_member() {
    let (_, checked) = fixture("metric_does_not_fit.ofit");
    let unfit = with_code(&checked, Code::MetricDoesNotFit);
    let messages: Vec<&str> = unfit.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(unfit.len(), 2, "{messages:#?}");
    assert!(messages[0].starts_with("`categorical_crossentropy` cannot be computed"));
    assert!(messages[1].starts_with("`binary_crossentropy` cannot be computed"));
    assert_eq!(
        unfit[0].help.as_deref(),
        Some(
            "with `binary_crossentropy` and one sigmoid unit, ofit can compute: accuracy, \
             binary_crossentropy, mse, mae, huber, rmse; remove `categorical_crossentropy` \
             from `metrics`"
        )
    );
    // Where it is plotted and monitored is shown with the one report.
    let secondary: Vec<&str> = unfit[0].labels[1..]
        .iter()
        .map(|l| l.message.as_str())
        .collect();
    assert_eq!(
        secondary,
        [
            "output layer",
            "the loss is chosen here",
            "monitored here",
            "plotted here"
        ]
    );
}

#[test]
fn the_metric_rule_is_keras_table() {
    use ofit::ir::{Loss, Metric};
    let names = |loss, units| -> Vec<&str> {
        Metric::fitting(loss, units)
            .into_iter()
            .map(Metric::name)
            .collect()
    };
    let regression = ["mse", "mae", "huber", "rmse"];
    let with = |first: [&'static str; 2]| -> Vec<&'static str> {
        first.into_iter().chain(regression).collect()
    };
    assert_eq!(
        names(Loss::BinaryCrossentropy, 1),
        with(["accuracy", "binary_crossentropy"])
    );
    assert_eq!(
        names(Loss::CategoricalCrossentropy, 3),
        with(["accuracy", "categorical_crossentropy"])
    );
    for loss in [Loss::Mse, Loss::Mae, Loss::Huber] {
        assert_eq!(names(loss, 1), with(["accuracy", "binary_crossentropy"]));
    }
    for loss in [
        Loss::BinaryCrossentropy,
        Loss::CategoricalCrossentropy,
        Loss::Mse,
        Loss::Mae,
        Loss::Huber,
    ] {
        for units in [1, 2, 10] {
            assert!(
                Metric::Loss.fits(loss, units),
                "the loss is always computed"
            );
        }
    }
}

#[test]
fn mse_wants_one_output_unit_that_is_not_a_softmax() {
    use ofit::ir::{Activation, Loss};
    assert!(Loss::Mse.fits_output(false, 1, Activation::Linear));
    assert!(Loss::Mse.fits_output(false, 1, Activation::Sigmoid));
    assert!(!Loss::Mse.fits_output(false, 3, Activation::Softmax));
    assert!(!Loss::Mse.fits_output(false, 1, Activation::Softmax));
    let (_, checked) = fixture("output_mismatch.ofit");
    let mse: Vec<&str> = with_code(&checked, Code::OutputMismatch)
        .into_iter()
        .map(|d| d.message.as_str())
        .filter(|m| m.starts_with("`mse`"))
        .collect();
    assert_eq!(mse.len(), 2, "{mse:#?}");
}

#[test]
fn keras_names_ofit_lacks_are_not_supported_yet_rather_than_typos() {
    let (_, checked) = fixture("not_supported.ofit");
    let mish = checked
        .diagnostics
        .iter()
        .find(|d| d.message.starts_with("`mish`"))
        .expect("mish is reported");
    assert_eq!(mish.code, Code::NotSupported);
    assert_eq!(
        mish.message,
        "`mish` is a Keras activation that ofit does not support yet"
    );
    assert_eq!(
        mish.help.as_deref(),
        Some(
            "ofit's activations are `relu`, `sigmoid`, `tanh`, `softmax`, `linear`, `elu`, \
             `selu`, `gelu`, `softplus`, `leaky_relu` and `swish`"
        )
    );
    for d in with_code(&checked, Code::NotSupported) {
        let help = d.help.as_deref().unwrap_or_default();
        assert!(!help.contains("did you mean"), "{}: {help}", d.message);
    }
    // Names ofit has under another spelling say so.
    let spelled: Vec<&str> = checked
        .diagnostics
        .iter()
        .filter_map(|d| d.help.as_deref())
        .filter(|h| h.starts_with("ofit spells it"))
        .collect();
    assert_eq!(
        spelled,
        [
            "ofit spells it `accuracy`",
            "ofit spells it `mse`",
            "ofit spells it `categorical_crossentropy`"
        ]
    );
}

#[test]
fn sizes_ofit_cannot_represent_are_refused_with_their_limit() {
    let (_, checked) = fixture("too_large.ofit");
    assert!(checked.program.is_none());
    let messages: Vec<&str> = checked
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert!(messages.contains(
        &"`units` is 9,223,372,036,854,775,807, but a layer has at most 4,294,967,295 units"
    ));
    assert!(messages
        .contains(&"`num_words` is 10000000000, but word ids are 32-bit: at most 4294967295"));
    let too_many = with_code(&checked, Code::TooManyParams);
    assert_eq!(too_many.len(), 1, "{messages:#?}");
    // 10,000 × 4,294,967,295 + 4,294,967,295, then 4,294,967,295² + 4,294,967,295: exact,
    // not wrapped.
    assert!(too_many[0]
        .message
        .starts_with("this model has at least 18,446,787,023,382,501,615 parameters"));
}

#[test]
fn a_million_model_sweep_is_refused_before_its_models_are_made() {
    let (_, checked) = fixture("too_many_models.ofit");
    let messages: Vec<&str> = with_code(&checked, Code::TooManyModels)
        .into_iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "this sweep makes 1,000,000 models; at most 10,000 are allowed",
            "with this sweep the experiments make 10,100 models; at most 10,000 are allowed in one spec"
        ]
    );
}

#[test]
fn a_label_past_column_70000_renders_with_its_line_and_column() {
    let (source, checked) = fixture("long_line.ofit");
    let at = source.line_column(checked.diagnostics[0].span().start);
    assert_eq!((at.line, at.column), (5, 70_020));
    let text = support::human(&source, &checked);
    assert!(text.contains("long_line.ofit:5:70020]"), "{text}");
    assert!(text.contains(" 5 │ …"), "the line keeps its number: {text}");
    assert!(text.contains("dense(16, rleu)"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() < 200), "{text}");
}

#[test]
fn ten_thousand_diagnostics_each_render_with_their_own_line() {
    let text: String = (0..10_000)
        .map(|i| format!("dataset d{i} = imdb(num_words = 100)\n"))
        .collect();
    let (source, checked) = support::compile_text(&text);
    assert_eq!(checked.diagnostics.len(), 10_000);
    let rendered = support::human(&source, &checked);
    assert_eq!(rendered.matches("W0100").count(), 10_000);
    assert!(rendered.contains("dataset `d9999` is never used"));
    assert!(
        rendered.contains("[test.ofit:10000:9]"),
        "the last line's number"
    );
    assert!(rendered.contains(" 10000 │ dataset d9999 = imdb(num_words = 100)"));
}

#[test]
fn every_suggested_fix_replaces_the_misspelt_name_and_clears_its_diagnostic() {
    let mut fixes = 0;
    for path in support::specs("tests/fixtures/errors") {
        let (source, checked) = support::compile(&path);
        for d in &checked.diagnostics {
            let Some(fix) = &d.fix else { continue };
            fixes += 1;
            let span = d.span();
            let text = source.text();
            let written = &text[span.start..span.end];
            assert!(
                !written.is_empty() && written.chars().all(|c| c.is_alphanumeric() || c == '_'),
                "{}: the fix replaces a name, not `{written}`",
                path.display()
            );
            let fixed = format!("{}{fix}{}", &text[..span.start], &text[span.end..]);
            let (_, after) = support::compile_text(&fixed);
            assert!(
                !after
                    .diagnostics
                    .iter()
                    .any(|a| a.code == d.code && a.span().start == span.start),
                "{}: `{written}` → `{fix}` still gives {}: {}",
                path.display(),
                d.code,
                d.message
            );
        }
    }
    assert!(fixes > 20, "{fixes} fixes");
}
