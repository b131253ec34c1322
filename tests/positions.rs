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

#[test]
fn a_keras_activation_ofit_lacks_is_marked_at_its_name() {
    let text = format!("{PRELUDE}model m {{\n  dense(16, mish)\n  dense(1, sigmoid)\n}}\nexperiment e {{ data = d  train = t  models = {{ a: m }} }}\n");
    assert_eq!(positions(&text), [(Code::NotSupported, 4, 13, 4)]);
}

#[test]
fn a_keras_parameter_ofit_lacks_is_marked_at_its_name() {
    let text =
        "train t { optimizer = adam(lr = 0.01, weight_decay = 0.004)  loss = mse  epochs = 1 }\n";
    assert_eq!(
        positions(text),
        [(Code::Unused, 1, 7, 1), (Code::NotSupported, 1, 39, 12)]
    );
}

#[test]
fn a_metric_that_does_not_fit_is_marked_in_the_metrics_list() {
    let text = "dataset d = imdb(num_words = 100)\ntrain t {\n  loss = binary_crossentropy\n  metrics = [accuracy, categorical_crossentropy]\n  epochs = 1\n}\nmodel m { dense(1, sigmoid) }\nexperiment e { data = d  train = t  models = { a: m, b: m } }\n";
    let found: Vec<(Code, usize, usize, usize)> = positions(text)
        .into_iter()
        .filter(|(code, ..)| *code == Code::MetricDoesNotFit)
        .collect();
    assert_eq!(found, [(Code::MetricDoesNotFit, 4, 24, 24)]);
}

#[test]
fn a_sweep_over_the_limit_is_marked_at_the_entry() {
    let values: Vec<String> = (1..=101).map(|n| n.to_string()).collect();
    let list = values.join(", ");
    let text = format!("{PRELUDE}model m(a: int = 1, b: int = 1) {{\n  dense(a, relu)\n  dense(b, relu)\n  dense(1, sigmoid)\n}}\nexperiment e {{ data = d  train = t\n  models = {{ s: m(a = [{list}], b = [{list}]) }} }}\n");
    let (_, checked) = support::compile_text(&text);
    let entry = format!("m(a = [{list}], b = [{list}])");
    assert_eq!(
        positions(&text),
        [(Code::TooManyModels, 9, 17, entry.len())]
    );
    assert_eq!(
        checked.diagnostics[0].message,
        "this sweep makes 10,201 models; at most 10,000 are allowed"
    );
}

const SEQUENCES: &str = "dataset d = imdb(num_words = 100, encode = sequence(length = 8))\ntrain t { loss = binary_crossentropy  epochs = 1 }\n";

#[test]
fn a_dense_layer_on_a_sequence_is_marked_with_what_to_insert() {
    let text = format!("{SEQUENCES}model m {{\n  embedding(4)\n  dense(1, sigmoid)\n}}\nexperiment e {{ data = d  train = t  models = {{ a: m }} }}\n");
    assert_eq!(positions(&text), [(Code::ShapeMismatch, 5, 3, 17)]);
    let (_, checked) = support::compile_text(&text);
    let d = &checked.diagnostics[0];
    assert_eq!(
        d.help.as_deref(),
        Some("insert `global_average_pooling()` or `flatten()` before this `dense`")
    );
    // The secondary label is the embedding that made the sequence.
    assert_eq!(d.labels[1].message, "the sequence is made here");
}

#[test]
fn a_mask_that_a_layer_cannot_take_is_marked_at_that_layer() {
    let text = format!("{SEQUENCES}model m {{\n  embedding(4, mask_zero = true)\n  flatten()\n  dense(1, sigmoid)\n}}\nexperiment e {{ data = d  train = t  models = {{ a: m }} }}\n");
    assert_eq!(positions(&text), [(Code::MaskNotSupported, 5, 3, 9)]);
}

#[test]
fn a_second_validation_form_is_marked_at_its_key() {
    let text = "dataset d = imdb(num_words = 100, validation_split = 0.2, validation_first = 10)\n";
    assert_eq!(
        positions(text),
        [(Code::Unused, 1, 9, 1), (Code::Conflict, 1, 59, 16)]
    );
}
