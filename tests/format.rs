//! `ofit fmt`: one layout, comments kept, idempotent, and the meaning never changes; a file
//! that does not parse is left alone.

use ofit::format::format;
use ofit::ir::Program;
use ofit::source::Source;
use ofit::syntax::tokens::{self, Kind};
use proptest::prelude::*;
use std::path::PathBuf;
use std::process::Command;

/// What a spec means: its program, or what the checker says about it (codes and messages;
/// the spans move when the layout does).
fn meaning(text: &str) -> (Option<Program>, Vec<(String, String)>) {
    let checked = ofit::compile(&Source::new("spec.ofit", text));
    let said = checked
        .diagnostics
        .iter()
        .map(|d| (d.code.as_str().to_string(), d.message.clone()))
        .collect();
    (checked.program, said)
}

fn comments(text: &str) -> Vec<&str> {
    tokens::comments(text)
        .into_iter()
        .map(|span| text[span.start..span.end].trim_end())
        .collect()
}

fn fmt(text: &str) -> Result<String, Vec<ofit::diagnostic::Diagnostic>> {
    format(&Source::new("spec.ofit", text))
}

/// Formats `text` and asserts what every formatting keeps: the result formats to itself,
/// means what `text` meant, holds its comments in order, and has no trailing blanks. A
/// text that does not parse is refused with its syntax errors. The formatted text.
fn formats_well(text: &str) -> Option<String> {
    let parsed = ofit::syntax::parse(&Source::new("spec.ofit", text));
    let Ok(once) = fmt(text) else {
        assert!(
            !parsed.diagnostics.is_empty(),
            "only a text that does not parse is refused"
        );
        return None;
    };
    assert!(parsed.diagnostics.is_empty());
    let twice = fmt(&once).unwrap_or_else(|e| panic!("formatted text parses: {e:?}\n{once}"));
    assert_eq!(
        twice, once,
        "formatting is idempotent; the input was:\n{text}"
    );
    assert_eq!(
        meaning(&once),
        meaning(text),
        "same meaning:\n{text}\n---\n{once}"
    );
    assert_eq!(
        comments(&once),
        comments(text),
        "every comment kept, in order"
    );
    for line in once.lines() {
        assert_eq!(line, line.trim_end(), "no trailing blanks");
    }
    assert!(once.is_empty() || once.ends_with('\n') && !once.ends_with("\n\n"));
    Some(once)
}

fn all_specs() -> Vec<PathBuf> {
    let mut specs = Vec::new();
    let mut folders = vec![crate::support::root().join("examples")];
    folders.push(crate::support::root().join("tests/fixtures"));
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "ofit") {
                specs.push(path);
            }
        }
    }
    specs.sort();
    specs
}

#[test]
fn every_example_and_fixture_formats_to_itself_with_its_meaning_and_comments() {
    let specs = all_specs();
    assert!(specs.len() > 80, "found {} specs", specs.len());
    let mut formatted = 0;
    for path in &specs {
        let text = std::fs::read_to_string(path).unwrap();
        formatted += usize::from(formats_well(&text).is_some());
    }
    // The syntax-error fixtures are the ones refused.
    assert!(formatted > 70, "{formatted} of {} formatted", specs.len());
}

#[test]
fn the_examples_are_in_the_canonical_layout() {
    for path in crate::support::specs("examples") {
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            fmt(&text).unwrap(),
            text,
            "{} is not formatted: run `ofit fmt examples`",
            path.display()
        );
    }
}

#[test]
fn the_layout_of_a_spec_written_by_hand() {
    let path = crate::support::root().join("tests/fixtures/format/layout.ofit");
    let text = std::fs::read_to_string(path).unwrap();
    insta::assert_snapshot!(formats_well(&text).unwrap());
}

#[test]
fn an_empty_file_and_a_file_of_comments_stay_as_they_are() {
    assert_eq!(fmt("").unwrap(), "");
    assert_eq!(fmt("\n\n").unwrap(), "");
    assert_eq!(fmt("# a\n\n\n# b").unwrap(), "# a\n\n# b\n");
}

#[test]
fn a_comment_inside_a_call_breaks_it_one_argument_a_line() {
    let text = "model m {\n  dense(16, # wide enough\n relu)\n}\n";
    assert_eq!(
        formats_well(text).unwrap(),
        "model m {\n  dense(\n    16,  # wide enough\n    relu,\n  )\n}\n"
    );
}

#[test]
fn a_call_that_fits_again_is_joined_onto_one_line() {
    let text = "model m {\n  dense(\n    16,\n    relu,\n  )\n}\n";
    assert_eq!(
        formats_well(text).unwrap(),
        "model m {\n  dense(16, relu)\n}\n"
    );
}

#[test]
fn literals_are_kept_as_written() {
    let text = "train t {\n  epochs    = 1_000\n  optimizer = adam(lr = 1e-3)\n}\n";
    assert_eq!(formats_well(text).unwrap(), text);
}

#[test]
fn non_ascii_text_counts_as_characters_not_bytes() {
    // The line is 97 characters, 133 bytes: by bytes the call would not fit.
    let path = "é".repeat(36);
    let text = format!("dataset d = csv(\"{path}.csv\", label = \"y\", validation_split = 0.25)\n");
    assert_eq!(formats_well(&text).unwrap(), text);
}

#[test]
fn a_file_that_does_not_parse_is_refused_with_its_errors() {
    let errors = fmt("model m {\n  dense(16 relu)\n}\n").unwrap_err();
    assert_eq!(errors[0].code.as_str(), "E0100");
}

// ---- mutated specs ---------------------------------------------------------------------

/// The examples in their canonical layout.
fn canonical_examples() -> Vec<String> {
    crate::support::specs("examples")
        .iter()
        .map(|path| fmt(&std::fs::read_to_string(path).unwrap()).unwrap())
        .collect()
}

/// The item keywords: a line that starts with one followed by a name starts a new item, so
/// a mutation never moves one onto or off the start of a line.
const ITEM_KEYWORDS: [&str; 4] = ["dataset", "model", "train", "experiment"];

/// `text` with the whitespace between each pair of tokens replaced by another that the
/// layout treats alike: an empty line stays an empty line, a gap beside a comment and a
/// line break before or after an item keyword stay as they are. `choices` picks each replacement.
fn respace(text: &str, choices: &[u8]) -> String {
    const SAME_LINE: [&str; 3] = [" ", "  ", "\t"];
    const LINE_BREAKS: [&str; 4] = [" ", "\n", "\n      ", " \n\t"];
    const EMPTY_LINES: [&str; 3] = ["\n\n", "\n \n\t", "\n\n\n\n"];
    let tokens = tokens::tokens(text);
    let mut out = String::new();
    let mut at = 0;
    for (i, token) in tokens.iter().enumerate() {
        let gap = &text[at..token.span.start];
        let word = &text[token.span.start..token.span.end];
        let choice = usize::from(choices[i % choices.len()]);
        let beside_comment =
            token.kind == Kind::Comment || i > 0 && tokens[i - 1].kind == Kind::Comment;
        let after_keyword = i > 0 && {
            let before = tokens[i - 1].span;
            ITEM_KEYWORDS.contains(&&text[before.start..before.end])
        };
        let replacement = if i == 0 || beside_comment {
            gap
        } else if gap.matches('\n').count() >= 2 {
            EMPTY_LINES[choice % EMPTY_LINES.len()]
        } else if ITEM_KEYWORDS.contains(&word) || after_keyword {
            gap
        } else if gap.is_empty() && choice % 2 == 0 {
            ""
        } else if gap.contains('\n') || choice % 3 == 0 {
            LINE_BREAKS[choice % LINE_BREAKS.len()]
        } else {
            SAME_LINE[choice % SAME_LINE.len()]
        };
        out.push_str(replacement);
        out.push_str(word);
        at = token.span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// `text` with a comment inserted before the tokens `at` picks (a line break after it),
/// except before an item keyword in the middle of a line and between a keyword and its
/// name, where it would keep the item from starting.
fn add_comments(text: &str, at: &[usize]) -> String {
    let tokens = tokens::tokens(text);
    let mut out = text.to_string();
    let mut picked: Vec<usize> = at.iter().map(|i| i % tokens.len().max(1)).collect();
    picked.sort_unstable();
    picked.dedup();
    for &i in picked.iter().rev() {
        let Some(token) = tokens.get(i) else { continue };
        let word = &text[token.span.start..token.span.end];
        let line_start = text[..token.span.start]
            .trim_end_matches([' ', '\t'])
            .ends_with('\n');
        let after_keyword = i > 0 && {
            let before = tokens[i - 1].span;
            ITEM_KEYWORDS.contains(&&text[before.start..before.end])
        };
        if ITEM_KEYWORDS.contains(&word) && !line_start || after_keyword {
            continue;
        }
        out.insert_str(token.span.start, &format!("# note {i}\n"));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Spaces, tabs and line breaks where the layout does not look at them change nothing.
    #[test]
    fn respaced_examples_format_to_the_canonical_layout(
        which in 0..16usize,
        choices in proptest::collection::vec(any::<u8>(), 1..64),
    ) {
        let examples = canonical_examples();
        let canonical = &examples[which % examples.len()];
        let respaced = respace(canonical, &choices);
        prop_assert_eq!(formats_well(&respaced).unwrap(), canonical.clone());
    }

    /// Comments anywhere between tokens are all kept, and the meaning with them.
    #[test]
    fn commented_examples_keep_every_comment(
        which in 0..16usize,
        at in proptest::collection::vec(any::<usize>(), 1..12),
        choices in proptest::collection::vec(any::<u8>(), 1..64),
    ) {
        let examples = canonical_examples();
        let text = respace(&add_comments(&examples[which % examples.len()], &at), &choices);
        prop_assert!(formats_well(&text).is_some(), "does not parse:\n{}", text);
    }

    /// Whatever an edit does to a spec, a result that parses formats well, and one that
    /// does not is refused.
    #[test]
    fn edited_specs_format_well_or_are_refused(
        which in 0..100usize,
        edits in proptest::collection::vec(crate::properties::edit(), 1..4),
    ) {
        let specs = all_specs();
        let mut text = std::fs::read_to_string(&specs[which % specs.len()]).unwrap();
        for edit in &edits {
            text = crate::properties::apply(&text, edit);
        }
        formats_well(&text);
    }
}

// ---- the command -----------------------------------------------------------------------

fn ofit(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ofit"))
        .args(args)
        .output()
        .expect("ofit runs")
}

const MESSY: &str = "train t { epochs = 2  loss = mse }\n";
const TIDY: &str = "train t {\n  epochs = 2\n  loss   = mse\n}\n";

#[test]
fn fmt_check_prints_a_diff_exits_1_and_leaves_the_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("messy.ofit");
    std::fs::write(&spec, MESSY).unwrap();
    let out = ofit(&["fmt", "--check", spec.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(diff.contains("(formatted)\n@@ -1 +1,4 @@\n-train t { epochs = 2  loss = mse }\n+train t {\n+  epochs = 2\n"), "{diff}");
    assert_eq!(std::fs::read_to_string(&spec).unwrap(), MESSY);

    std::fs::write(&spec, TIDY).unwrap();
    let out = ofit(&["fmt", "--check", spec.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
}

#[test]
fn fmt_rewrites_every_spec_in_a_folder_and_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("more")).unwrap();
    let specs = [dir.path().join("a.ofit"), dir.path().join("more/b.ofit")];
    for spec in &specs {
        std::fs::write(spec, MESSY).unwrap();
        std::fs::set_permissions(spec, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    std::fs::write(dir.path().join("notes.txt"), MESSY).unwrap();
    let out = ofit(&["fmt", dir.path().to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for spec in &specs {
        assert_eq!(std::fs::read_to_string(spec).unwrap(), TIDY);
        let mode = std::fs::metadata(spec).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        MESSY
    );
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 3, "no temporary file is left behind");
}

#[test]
fn fmt_leaves_a_file_that_does_not_parse_alone_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.ofit");
    let fine = dir.path().join("fine.ofit");
    let text = "train t { epochs = = 2 }\n";
    std::fs::write(&broken, text).unwrap();
    std::fs::write(&fine, MESSY).unwrap();
    let out = ofit(&["fmt", broken.to_str().unwrap(), fine.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("expected a value, found `=`"), "{stderr}");
    assert!(
        stderr.contains("broken.ofit does not parse, so it was not formatted"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&broken).unwrap(), text);
    assert_eq!(
        std::fs::read_to_string(&fine).unwrap(),
        TIDY,
        "the others are formatted"
    );
}

#[test]
fn fmt_dash_formats_standard_input_to_standard_output() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_ofit"))
        .args(["fmt", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(MESSY.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), TIDY);
}

#[test]
fn fmt_of_a_missing_file_is_a_usage_error() {
    let out = ofit(&["fmt", "no/such/spec.ofit"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read `no/such/spec.ofit`"));
}
