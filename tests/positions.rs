//! Diagnostics point at the mistake itself: line, column and width are pinned here, not
//! just "it failed".

use crate::support;
use ofit::diagnostic::Code;

/// The code, 1-based line and column, and width of each diagnostic's primary label.
fn positions(text: &str) -> Vec<(Code, usize, usize, usize)> {
    let (source, checked) = support::compile_text(text);
    checked
        .diagnostics
        .iter()
        .map(|d| {
            let at = source.line_column(d.span().start);
            (d.code, at.line, at.column, d.span().len())
        })
        .collect()
}

const PRELUDE: &str =
    "dataset d = imdb(num_words = 100)\ntrain t { loss = binary_crossentropy  epochs = 1 }\n";

#[test]
fn a_misspelt_activation_is_marked_exactly() {
    let text = format!("{PRELUDE}model m {{\n  dense(16, rleu)\n  dense(1, sigmoid)\n}}\nexperiment e {{ data = d  train = t  models = {{ a: m }} }}\n");
    assert_eq!(positions(&text), [(Code::UnknownName, 4, 13, 4)]);
}

#[test]
fn an_out_of_range_template_argument_is_marked_where_it_is_written() {
    let text = format!("{PRELUDE}model m(units: int = 16) {{\n  dense(units, relu)\n  dense(1, sigmoid)\n}}\nexperiment e {{ data = d  train = t  models = {{ a: m(units = 0) }} }}\n");
    let (_, checked) = support::compile_text(&text);
    let d = &checked.diagnostics[0];
    assert_eq!(positions(&text), [(Code::OutOfRange, 7, 61, 1)]);
    // The secondary label shows where the template uses the value.
    assert_eq!(d.labels[1].message, "used here");
}

#[test]
fn an_unknown_key_is_marked_not_its_block() {
    let text = "train t {\n  loss = binary_crossentropy\n  epochs = 1\n  batch = 32\n}\n";
    assert_eq!(
        positions(text),
        [(Code::Unused, 1, 7, 1), (Code::UnknownParameter, 4, 3, 5)]
    );
}

#[test]
fn a_missing_comma_is_marked_at_the_token_after_it() {
    assert_eq!(
        positions("dataset d = imdb(num_words = 100 encode = multi_hot)\n"),
        [(Code::Syntax, 1, 34, 6)]
    );
}

#[test]
fn an_unclosed_block_is_marked_at_its_last_token() {
    assert_eq!(
        positions("model m {\n  dense(1, sigmoid)\n\ntrain t { loss = mse  epochs = 1 }\n"),
        [(Code::Syntax, 2, 20, 0), (Code::Unused, 4, 7, 1)]
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    // `é` is two bytes; the column still counts it once.
    let text = "dataset d = csv(\"dé.csv\", label = \"y\", validation_split = 2.0)\n";
    assert_eq!(
        positions(text),
        [(Code::Unused, 1, 9, 1), (Code::OutOfRange, 1, 59, 3)]
    );
}

#[test]
fn a_duplicate_points_at_the_second_and_labels_the_first() {
    let (_, checked) = support::compile_text(
        "train t { loss = mse  epochs = 1 }\ntrain t { loss = mse  epochs = 2 }\n",
    );
    let d = checked
        .diagnostics
        .iter()
        .find(|d| d.code == Code::Duplicate)
        .expect("duplicate");
    assert_eq!((d.labels[0].span.start, d.labels[0].span.len()), (41, 1));
    assert_eq!(d.labels[1].span.start, 6);
    assert_eq!(
        d.labels[1].message,
        "first defined here as a training block"
    );
}
