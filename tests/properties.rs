//! Whatever the input, checking and rendering never panic, and every failure says where.

use ofit::source::Source;
use proptest::prelude::*;

/// Checks `text` and asserts the invariants every result must keep.
fn holds(text: &str) {
    let (source, checked) = crate::support::compile_text(text);
    let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
    assert_eq!(
        checked.program.is_none(),
        errors > 0,
        "a program exactly when there is no error"
    );
    for d in &checked.diagnostics {
        assert!(!d.labels.is_empty() && d.labels[0].primary);
        for label in &d.labels {
            assert!(label.span.start <= label.span.end);
            assert!(
                label.span.end <= source.text().len(),
                "label beyond the input"
            );
            assert!(source.text().is_char_boundary(label.span.start));
            assert!(source.text().is_char_boundary(label.span.end));
        }
    }
    // Both renderings take any diagnostic of any input.
    let human = crate::support::human(&source, &checked);
    for d in &checked.diagnostics {
        assert!(human.contains(d.code.as_str()), "{} is rendered", d.code);
    }
    let json = ofit::cli::render::json(&source, &checked.diagnostics);
    assert_eq!(json.len(), checked.diagnostics.len());
}

fn examples() -> Vec<String> {
    let dir = crate::support::root().join("examples");
    let mut texts: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ofit"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    texts.sort();
    texts
}

/// An edit of a spec: delete, insert or replace a run of bytes.
#[derive(Debug, Clone)]
pub enum Edit {
    Delete(usize, usize),
    Insert(usize, String),
    Replace(usize, String),
}

pub fn edit() -> impl Strategy<Value = Edit> {
    let piece = prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("\"".to_string()),
        Just(",".to_string()),
        Just("=".to_string()),
        Just("[".to_string()),
        Just("\n".to_string()),
        Just("model".to_string()),
        Just("train x".to_string()),
        "[a-z_]{1,8}",
        "-?[0-9]{1,25}(\\.[0-9]+)?(e-?[0-9]{1,4})?",
        any::<String>(),
    ];
    prop_oneof![
        (any::<usize>(), 1..20usize).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), piece.clone()).prop_map(|(at, s)| Edit::Insert(at, s)),
        (any::<usize>(), piece).prop_map(|(at, s)| Edit::Replace(at, s)),
    ]
}

pub fn apply(text: &str, edit: &Edit) -> String {
    let boundary = |at: usize| {
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    match edit {
        Edit::Delete(at, n) => {
            let start = boundary(*at);
            let end = boundary(start + n);
            format!("{}{}", &text[..start], &text[end.max(start)..])
        }
        Edit::Insert(at, s) => {
            let at = boundary(*at);
            format!("{}{s}{}", &text[..at], &text[at..])
        }
        Edit::Replace(at, s) => {
            let start = boundary(*at);
            let end = boundary(start + s.len());
            format!("{}{s}{}", &text[..start], &text[end.max(start)..])
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        holds(&text);
    }

    #[test]
    fn arbitrary_bytes_read_as_text_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        holds(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_examples_never_panic(which in 0..3usize, edits in proptest::collection::vec(edit(), 1..6)) {
        let examples = examples();
        let mut text = examples[which % examples.len()].clone();
        for e in &edits {
            text = apply(&text, e);
        }
        holds(&text);
    }
}

#[test]
fn deeply_nested_input_is_an_error_not_a_crash() {
    let text = format!(
        "train t {{ loss = {}{} }}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    holds(&text);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Long lines are cut around their labels when rendered; any cut, on any character,
    /// at any column, keeps the report whole.
    #[test]
    fn mistakes_on_long_lines_render(pad in 0..3000usize, filler in "[ a-zé€😀]{1,3}") {
        let text = format!(
            "dataset c = csv(\"{}.csv\", label = \"y\", validation_split = 2.0)\n",
            filler.repeat(pad),
        );
        holds(&text);
        let (source, checked) = crate::support::compile_text(&text);
        let human = crate::support::human(&source, &checked);
        prop_assert!(human.contains("validation_split = 2.0)"), "{}", human);
        prop_assert!(human.contains("`validation_split` is 2.0"), "{}", human);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// An editor's parse, which reuses the items a change left alone, is the parse of the
    /// new text from scratch: same tree, same spans, same errors.
    #[test]
    fn a_parse_that_reuses_unchanged_items_equals_a_fresh_one(
        which in 0..8usize,
        edits in proptest::collection::vec(edit(), 1..4),
    ) {
        let examples = examples();
        let before = examples[which % examples.len()].clone();
        let mut after = before.clone();
        for e in &edits {
            after = apply(&after, e);
        }
        let mut reuse = ofit::syntax::Reuse::default();
        ofit::syntax::parse_reusing(&Source::new("spec.ofit", before.as_str()), &mut reuse);
        let source = Source::new("spec.ofit", after.as_str());
        let reused = ofit::syntax::parse_reusing(&source, &mut reuse);
        let fresh = ofit::syntax::parse(&source);
        prop_assert_eq!(format!("{:?}", reused), format!("{:?}", fresh));
        // And again, with everything reused.
        let again = ofit::syntax::parse_reusing(&source, &mut reuse);
        prop_assert_eq!(format!("{:?}", again), format!("{:?}", fresh));
    }
}
