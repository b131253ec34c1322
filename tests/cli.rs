//! The `ofit` binary as a user runs it: exit codes, output streams, JSON.

use crate::support;
use std::process::{Command, Output};

fn ofit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ofit"))
        .args(args)
        .current_dir(support::root())
        .env_remove("NO_COLOR")
        .output()
        .expect("ofit runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_clean_spec_exits_zero() {
    let out = ofit(&["check", "examples/tutorial.ofit"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("no problems"));
}

#[test]
fn errors_exit_one_and_are_all_reported() {
    let out = ofit(&[
        "check",
        "tests/fixtures/errors/syntax_recovers_per_item.ofit",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.matches("× ").count(), 3, "{err}");
    assert!(err.contains("error: 3 errors in"), "{err}");
}

#[test]
fn warnings_exit_zero_unless_denied() {
    let file = "tests/fixtures/errors/warnings_only.ofit";
    assert_eq!(ofit(&["check", file]).status.code(), Some(0));
    assert_eq!(
        ofit(&["check", "--deny-warnings", file]).status.code(),
        Some(1)
    );
}

#[test]
fn output_to_a_pipe_has_no_colour() {
    let out = ofit(&["check", "tests/fixtures/errors/unknown_activation.ofit"]);
    assert!(
        !stderr(&out).contains('\u{1b}'),
        "escape codes in {}",
        stderr(&out)
    );
}

#[test]
fn json_output_is_one_object_with_every_diagnostic() {
    let out = ofit(&[
        "check",
        "--format",
        "json",
        "tests/fixtures/errors/unknown_activation.ofit",
        "examples/tutorial.ofit",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(report["errors"], 1);
    assert_eq!(report["warnings"], 0);
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "E0200");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "tests/fixtures/errors/unknown_activation.ofit");
    assert_eq!(d["help"], "did you mean `relu`?");
    let label = &d["labels"][0];
    assert_eq!(
        (label["line"].as_u64(), label["column"].as_u64()),
        (Some(4), Some(13))
    );
    assert_eq!(
        (label["offset"].as_u64(), label["length"].as_u64()),
        (Some(64), Some(4))
    );
}

#[test]
fn github_output_is_one_annotation_a_diagnostic_with_its_place() {
    let out = ofit(&[
        "check",
        "--format",
        "github",
        "tests/fixtures/errors/unknown_activation.ofit",
        "examples/tutorial.ofit",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "::error file=tests/fixtures/errors/unknown_activation.ofit,line=4,col=13,endLine=4,\
         endColumn=17,title=ofit E0200::unknown activation `rleu`%0Ahelp: did you mean `relu`?\n"
    );
}

#[test]
fn github_annotations_escape_what_the_runner_reads_as_syntax() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("a,b:c.ofit");
    std::fs::write(&spec, "train t { epochs = 1, loss = mse, lr = 100% }\n").unwrap();
    let out = ofit(&["check", "--format", "github", spec.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("a%2Cb%3Ac.ofit,line=1,col=43,"), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.contains("%25"),
        "the % of the message is escaped: {text}"
    );
}

#[test]
fn an_unreadable_file_exits_two_with_a_plain_message() {
    let out = ofit(&["check", "no/such/spec.ofit"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: cannot read `no/such/spec.ofit`: no such file or directory\n"
    );
}

#[test]
fn a_file_that_is_not_text_exits_two() {
    let dir = std::env::temp_dir().join(format!("ofit-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("binary.ofit");
    std::fs::write(&path, [0x66, 0xff, 0xfe, 0x00]).unwrap();
    let out = ofit(&["check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is not UTF-8 text (invalid byte at offset 1)"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn bad_usage_exits_two() {
    assert_eq!(ofit(&["check"]).status.code(), Some(2));
    assert_eq!(
        ofit(&["check", "--format", "xml", "a.ofit"]).status.code(),
        Some(2)
    );
    assert_eq!(ofit(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn help_exits_zero() {
    let out = ofit(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("check"));
}

#[test]
fn summary_prints_keras_tables() {
    let out = ofit(&["summary", "examples/tutorial.ofit", "bigger"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Model: \"bigger\""));
    assert!(text.contains("Total params: 5,383,681 (20.54 MB)"));
    assert!(!text.contains("baseline"));
}

#[test]
fn summary_of_an_unknown_model_suggests_one() {
    let out = ofit(&["summary", "examples/tutorial.ofit", "bigge"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `bigger`?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn summary_of_a_broken_spec_shows_the_errors_and_exits_one() {
    let out = ofit(&["summary", "tests/fixtures/errors/unknown_layer.ofit"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("unknown layer `dnese`"));
    assert!(out.stdout.is_empty());
}

#[test]
fn data_describes_each_dataset_of_a_spec() {
    let out = ofit(&["data", "tests/fixtures/data/local.ofit"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("dataset reviews (IMDB movie reviews, multi-hot)"),
        "{text}"
    );
    assert!(
        text.contains("vocabulary:       23 words (most frequent: great, bad, the"),
        "{text}"
    );
    assert!(
        text.contains("length (start token included): mean 6.33, median 5.5, min 4, max 9"),
        "{text}"
    );
    assert!(
        text.contains("dataset table (CSV, dense features)"),
        "{text}"
    );
    assert!(
        text.contains("validation        1 example; labels 0 × 0, 1 × 1"),
        "{text}"
    );
}

#[test]
fn data_as_json_gives_the_figures_of_one_dataset() {
    let out = ofit(&[
        "data",
        "--format",
        "json",
        "tests/fixtures/data/local.ofit",
        "reviews",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let stats = &report["datasets"][0]["stats"];
    assert_eq!(report["datasets"].as_array().map(Vec::len), Some(1));
    assert_eq!(stats["vocabulary"], 23);
    assert_eq!(stats["train"]["examples"], 6);
    assert_eq!(stats["train"]["median_length"], 5.5);
}

#[test]
fn data_that_cannot_be_read_exits_one_naming_the_file() {
    let out = ofit(&["data", "tests/fixtures/data/missing_csv.ofit"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: cannot read `tests/fixtures/data/csv/no-such-file.csv`: no such file or directory\n"
    );
}

#[test]
fn data_of_an_unknown_dataset_suggests_one() {
    let out = ofit(&["data", "tests/fixtures/data/local.ofit", "tabel"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `table`?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn data_plots_a_chosen_review_as_a_multi_hot_row() {
    let out = ofit(&[
        "data",
        "tests/fixtures/data/local.ofit",
        "reviews",
        "--plot-review",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let svg = String::from_utf8_lossy(&out.stdout);
    assert!(
        svg.starts_with("<svg") && svg.contains("reviews: training review 2 as a multi-hot row"),
        "{svg}"
    );
    let too_far = ofit(&[
        "data",
        "tests/fixtures/data/local.ofit",
        "reviews",
        "--plot-review",
        "7",
    ]);
    assert_eq!(too_far.status.code(), Some(2));
    assert!(
        stderr(&too_far).contains("has 6 training reviews, not 7"),
        "{}",
        stderr(&too_far)
    );
    let dense = ofit(&[
        "data",
        "tests/fixtures/data/local.ofit",
        "table",
        "--plot-review",
        "1",
    ]);
    assert_eq!(dense.status.code(), Some(2));
    assert!(
        stderr(&dense).contains("needs a multi-hot (IMDB) dataset"),
        "{}",
        stderr(&dense)
    );
}
