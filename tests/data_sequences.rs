//! Sequence encoding: Keras's `pad_sequences` (read from `keras/src/utils/sequence_utils.py`)
//! and IMDB reviews as padded word ids, with the first-N validation and the test split.

use crate::support;
use ofit::data::corpus::{OOV, START};
use ofit::data::padding::pad;
use ofit::data::{self, Context, DataError, Features, LabelRule, Padded};
use ofit::ir::{DataSource, Dataset, Encoding, Padding, Side, Test, Validation};
use std::path::PathBuf;

/// `rows` padded to `length` with `value`, ids below `num_words`, as lists.
fn keras(
    rows: &[&[u32]],
    length: usize,
    padding: Side,
    truncating: Side,
    value: u32,
) -> Vec<Vec<u32>> {
    let out = pad(
        rows.iter().copied(),
        100,
        Padding {
            length,
            padding,
            truncating,
            value,
        },
    );
    assert_eq!(
        (out.length, out.vocabulary, out.rows()),
        (length, 100, rows.len())
    );
    (0..out.rows()).map(|r| out.row(r).to_vec()).collect()
}

const SHORT: &[u32] = &[5, 6];
const EXACT: &[u32] = &[5, 6, 7, 8];
const LONG: &[u32] = &[5, 6, 7, 8, 9, 10];

#[test]
fn pre_padding_and_pre_truncating_are_keras_defaults() {
    // x[idx, -len(trunc):] = s[-maxlen:]
    assert_eq!(
        keras(&[SHORT, EXACT, LONG], 4, Side::Pre, Side::Pre, 0),
        [[0, 0, 5, 6], [5, 6, 7, 8], [7, 8, 9, 10]]
    );
}

#[test]
fn post_padding_with_pre_truncating_is_the_tutorials() {
    assert_eq!(
        keras(&[SHORT, EXACT, LONG], 4, Side::Post, Side::Pre, 0),
        [[5, 6, 0, 0], [5, 6, 7, 8], [7, 8, 9, 10]]
    );
}

#[test]
fn post_truncating_keeps_the_start() {
    // x[idx, :len(trunc)] = s[:maxlen] and x[idx, -len(trunc):] = s[:maxlen]
    assert_eq!(
        keras(&[SHORT, EXACT, LONG], 4, Side::Post, Side::Post, 0),
        [[5, 6, 0, 0], [5, 6, 7, 8], [5, 6, 7, 8]]
    );
    assert_eq!(
        keras(&[SHORT, EXACT, LONG], 4, Side::Pre, Side::Post, 0),
        [[0, 0, 5, 6], [5, 6, 7, 8], [5, 6, 7, 8]]
    );
}

#[test]
fn empty_and_one_id_sequences_and_length_one_rows() {
    // An empty sequence is all `value` (`if not len(s): continue`).
    assert_eq!(
        keras(&[&[], &[9]], 3, Side::Pre, Side::Pre, 0),
        [[0, 0, 0], [0, 0, 9]]
    );
    assert_eq!(
        keras(&[&[], &[9]], 3, Side::Post, Side::Post, 0),
        [[0, 0, 0], [9, 0, 0]]
    );
    assert_eq!(
        keras(&[&[], &[9], LONG], 1, Side::Post, Side::Pre, 0),
        [[0], [9], [10]]
    );
    assert_eq!(
        keras(&[&[], &[9], LONG], 1, Side::Pre, Side::Post, 0),
        [[0], [9], [5]]
    );
    assert_eq!(
        keras(&[], 3, Side::Pre, Side::Pre, 0),
        Vec::<Vec<u32>>::new()
    );
}

#[test]
fn the_pad_value_fills_only_the_padding() {
    assert_eq!(
        keras(&[SHORT, &[], LONG], 4, Side::Pre, Side::Pre, 3),
        [[3, 3, 5, 6], [3, 3, 3, 3], [7, 8, 9, 10]]
    );
    assert_eq!(
        keras(&[&[0, 0]], 4, Side::Post, Side::Pre, 1),
        [[0, 0, 1, 1]]
    );
}

#[test]
fn ids_past_num_words_are_out_of_vocabulary_before_padding() {
    let padding = Padding {
        length: 5,
        padding: Side::Post,
        truncating: Side::Pre,
        value: 0,
    };
    let out = pad([&[START, 4, 9, 10, 250][..]].into_iter(), 10, padding);
    assert_eq!(
        out,
        Padded {
            length: 5,
            vocabulary: 10,
            ids: vec![START, 4, 9, OOV, OOV]
        }
    );
}

fn fixture(name: &str) -> PathBuf {
    support::root().join("tests/fixtures/data").join(name)
}

fn context() -> Context {
    Context::new(
        fixture(""),
        std::env::temp_dir().join("ofit-no-cache"),
        "/no/such/npm",
    )
}

/// The committed `aclImdb/` fixture (6 training, 6 test reviews) as sequences of `length`.
fn imdb(length: usize, validation: Validation, test: Option<Test>) -> Dataset {
    Dataset {
        name: "reviews".to_string(),
        source: DataSource::Imdb {
            num_words: 10,
            encoding: Encoding::Sequence(Padding {
                length,
                padding: Side::Post,
                truncating: Side::Pre,
                value: 0,
            }),
            path: Some("aclImdb".to_string()),
        },
        validation,
        test,
    }
}

fn sequences(features: &Features) -> &Padded {
    match features {
        Features::Sequences(p) => p,
        other => panic!("sequences were asked for, got {other:?}"),
    }
}

#[test]
fn imdb_sequences_start_with_the_start_id_and_are_padded_after() {
    let loaded = data::load(
        &imdb(64, Validation::TestSplit, None),
        &LabelRule::binary("the test"),
        &context(),
    )
    .unwrap();
    let train = sequences(&loaded.data.train.features);
    assert_eq!((train.rows(), train.length, train.vocabulary), (6, 64, 10));
    let stats = &loaded.data.stats.train;
    for r in 0..train.rows() {
        let row = train.row(r);
        // Keras's imdb.load_data puts START (1) before every review; `post` pads after it.
        assert_eq!(row[0], START, "{row:?}");
        assert!(row.iter().all(|&id| id < 10));
        let words = row.iter().rposition(|&id| id != 0).unwrap() + 1;
        assert!(row[words..].iter().all(|&id| id == 0));
    }
    // Lengths are before padding, the start id included.
    let (shortest, longest) = stats.length_range.unwrap();
    assert!(shortest >= 2 && longest < 64, "{stats:?}");
    assert_eq!(stats.truncated, Some(0));
    assert_eq!(stats.mean_ids_per_row, None);
    assert_eq!(loaded.data.stats.input_width, 64);
}

#[test]
fn truncating_from_the_front_drops_the_start_id_of_a_long_review() {
    let loaded = data::load(
        &imdb(2, Validation::TestSplit, None),
        &LabelRule::binary("the test"),
        &context(),
    )
    .unwrap();
    let train = sequences(&loaded.data.train.features);
    let stats = &loaded.data.stats.train;
    assert_eq!(stats.truncated, Some(6), "{stats:?}");
    assert!((0..6).all(|r| train.row(r)[0] != START));
}

#[test]
fn validation_first_holds_out_the_first_training_reviews_and_the_test_reviews_are_the_test() {
    let whole = data::load(
        &imdb(64, Validation::TestSplit, None),
        &LabelRule::binary("the test"),
        &context(),
    )
    .unwrap()
    .data;
    let loaded = data::load(
        &imdb(64, Validation::First { rows: 2 }, Some(Test::TestSplit)),
        &LabelRule::binary("the test"),
        &context(),
    )
    .unwrap()
    .data;
    let all = sequences(&whole.train.features);
    let (train, validation) = (
        sequences(&loaded.train.features),
        sequences(&loaded.validation.features),
    );
    assert_eq!((train.rows(), validation.rows()), (4, 2));
    // "First" in the order Keras's `imdb.load_data` returns the reviews (its seeded
    // shuffle), as the tutorial's `x_train[:10000]` takes them.
    let order = ofit::data::keras_order::shuffled(6, ofit::data::keras_order::SEED);
    let rows = |picked: &[usize]| -> Vec<u32> {
        picked.iter().flat_map(|&r| all.row(r).to_vec()).collect()
    };
    assert_eq!(validation.ids, rows(&order[..2]));
    assert_eq!(train.ids, rows(&order[2..]));
    let labels: Vec<f32> = order[..2].iter().map(|&r| whole.train.labels[r]).collect();
    assert_eq!(loaded.validation.labels, labels);
    // The test split is the test reviews, encoded the same way.
    let test = loaded.test.as_ref().expect("a test split");
    assert_eq!(test, &whole.validation);
    assert_eq!(loaded.stats.test.as_ref().unwrap().examples, 6);
    // The fingerprint covers the test split.
    let mut without = loaded.clone();
    without.test = None;
    assert_ne!(without.fingerprint(), loaded.fingerprint());
}

#[test]
fn a_fraction_of_the_training_reviews_with_the_test_reviews_as_the_test() {
    let loaded = data::load(
        &imdb(
            8,
            Validation::Sample { fraction: 0.5 },
            Some(Test::TestSplit),
        ),
        &LabelRule::binary("the test"),
        &context(),
    )
    .unwrap()
    .data;
    assert_eq!(
        (loaded.train.labels.len(), loaded.validation.labels.len()),
        (3, 3)
    );
    assert_eq!(loaded.test.unwrap().labels.len(), 6);
}

#[test]
fn validation_first_of_every_review_is_an_error_with_the_counts() {
    let error = data::load(
        &imdb(8, Validation::First { rows: 6 }, Some(Test::TestSplit)),
        &LabelRule::binary("the test"),
        &context(),
    )
    .unwrap_err();
    assert!(matches!(
        error,
        DataError::FirstTooMany {
            rows: 6,
            first: 6,
            ..
        }
    ));
    assert_eq!(
        error.to_string(),
        format!(
            "`{}` has 6 training reviews; validation_first = 6 holds out 6, leaving none to train on",
            fixture("aclImdb").display()
        )
    );
    assert_eq!(
        error.help().unwrap(),
        "validation_first holds out the first examples and trains on the rest: use a number \
         from 1 to 5"
    );
}
