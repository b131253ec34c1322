//! A CSV file's text column: tokenized as IMDB's reviews, the words ranked over the
//! training split only, string labels as classes in byte order, the tokenized corpus
//! cached, and every mistake named by file, line and column.

use crate::support;
use ofit::data::cache;
use ofit::data::corpus::{OOV, START};
use ofit::data::table::{self, Labels};
use ofit::data::{self, Context, DataError, Features, LabelRule, Loaded};
use ofit::ir::Columns;
use ofit::ir::TableFormat::Csv;
use ofit::ir::{DataSource, Dataset, Encoding, Padding, Side, Test, TextColumn, Validation};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    support::root().join("tests/fixtures/data/text").join(name)
}

fn binary() -> LabelRule {
    LabelRule::binary("model `m` of experiment `e` trains with binary_crossentropy")
}

fn context(cache: &Path) -> Context {
    Context::new(fixture(""), cache, "/no/such/npm")
}

fn sequence(length: usize) -> Encoding {
    Encoding::Sequence(Padding {
        length,
        padding: Side::Post,
        truncating: Side::Pre,
        value: 0,
    })
}

/// `reviews.csv`'s `review` and `sentiment` columns.
fn reviews(encoding: Encoding, validation: Validation, test: Option<&str>) -> Dataset {
    Dataset {
        name: "reviews".to_string(),
        source: DataSource::Table {
            format: ofit::ir::TableFormat::Csv,
            path: "reviews.csv".to_string(),
            label: "sentiment".to_string(),
            text: Some(TextColumn {
                column: "review".to_string(),
                num_words: 100,
                encoding,
            }),
            columns: Default::default(),
        },
        validation,
        test: test.map(|path| Test::File {
            path: path.to_string(),
        }),
    }
}

fn val_file() -> Validation {
    Validation::File {
        path: "reviews_val.csv".to_string(),
    }
}

fn load(dataset: &Dataset, cache: &Path) -> Result<Loaded, DataError> {
    data::load(dataset, &binary(), &context(cache))
}

/// Each row's ids without the padding after them.
fn words(features: &Features) -> Vec<Vec<u32>> {
    let Features::Sequences(p) = features else {
        panic!("sequences were asked for")
    };
    (0..p.rows())
        .map(|r| {
            let row = p.row(r);
            let end = row.iter().rposition(|&id| id != 0).map_or(0, |e| e + 1);
            row[..end].to_vec()
        })
        .collect()
}

#[test]
fn quoted_commas_and_line_breaks_are_read_and_other_columns_ignored() {
    let table = table::read_text(
        &fixture("reviews.csv"),
        Csv,
        "review",
        "sentiment",
        &binary(),
        Labels::Decide,
    )
    .unwrap();
    assert_eq!(table.texts[0], "Great film, great cast.");
    assert_eq!(table.texts[2], "A great, great story\ntold well");
    assert_eq!(table.texts[4], "Loved it");
    assert_eq!(table.labels, [1.0, 0.0, 1.0, 0.0, 1.0, 0.0]);
    assert_eq!(
        table.classes.as_deref(),
        Some(&["negative".to_string(), "positive".to_string()][..])
    );
}

#[test]
fn words_are_ranked_as_keras_ranks_imdbs_and_unseen_words_are_out_of_vocabulary() {
    let cache = tempfile::tempdir().unwrap();
    let loaded = load(&reviews(sequence(8), val_file(), None), cache.path()).unwrap();
    // great 5, dull 4, then every other word once, in order of first appearance: film 6,
    // cast 7, really 8, and 9, long 10, a 11, story 12, told 13, well 14, …
    let train = words(&loaded.data.train.features);
    assert_eq!(train[0], [START, 4, 6, 4, 7]);
    assert_eq!(train[1], [START, 5, 8, 5, 9, 10]);
    assert_eq!(train[2], [START, 11, 4, 4, 12, 13, 14]);
    // The validation file's own words were never counted.
    let validation = words(&loaded.data.validation.features);
    assert_eq!(
        validation,
        [vec![START, 4, OOV, OOV, OOV, OOV], vec![START, 5, 5]]
    );
    let stats = &loaded.data.stats;
    assert_eq!(stats.vocabulary, Some(18));
    assert_eq!(stats.top_words[..4], ["great", "dull", "film", "cast"]);
    assert_eq!(loaded.data.classes, Some(2));
    assert_eq!(loaded.data.validation.labels, [1.0, 0.0]);
    assert_eq!(stats.train.label_counts, [3, 3]);
}

#[test]
fn the_vocabulary_comes_from_the_training_split_only() {
    let cache = tempfile::tempdir().unwrap();
    // The first two rows validate: "film" and "cast" appear nowhere else.
    let loaded = load(
        &reviews(sequence(8), Validation::First { rows: 2 }, None),
        cache.path(),
    )
    .unwrap();
    let validation = words(&loaded.data.validation.features);
    // great 3, dull 2, then a, story, told, well, not, at, times, loved, it, boring, plot.
    assert_eq!(validation[0], [START, 4, OOV, 4, OOV]);
    assert_eq!(
        words(&loaded.data.train.features)[0],
        [START, 6, 4, 4, 7, 8, 9]
    );
    assert_eq!(loaded.data.stats.vocabulary, Some(13));
    assert!(!loaded.data.stats.top_words.contains(&"film".to_string()));
    assert_eq!(loaded.data.validation.labels, [1.0, 0.0]);
}

#[test]
fn multi_hot_rows_and_a_test_file_with_its_columns_in_another_order() {
    let cache = tempfile::tempdir().unwrap();
    let loaded = load(
        &reviews(Encoding::MultiHot, val_file(), Some("reviews_test.csv")),
        cache.path(),
    )
    .unwrap();
    let Some(test) = &loaded.data.test else {
        panic!("a test split")
    };
    let Features::MultiHot(rows) = &test.features else {
        panic!("multi-hot")
    };
    // "Great, and not dull" → great 4, and 9, not 15, dull 5; "Long" → long 10.
    assert_eq!(rows.row(0), [START, 4, 5, 9, 15]);
    assert_eq!(rows.row(1), [START, 10]);
    assert_eq!(rows.row(2), [START, 5]);
    assert_eq!(test.labels, [1.0, 0.0, 0.0]);
    let stats = loaded.data.stats.test.as_ref().unwrap();
    assert_eq!(
        (stats.examples, stats.label_counts.clone()),
        (3, vec![2, 1])
    );
    assert!(stats.mean_ids_per_row.is_some());
}

#[test]
fn a_rerun_reads_the_cached_corpus() {
    let cache = tempfile::tempdir().unwrap();
    let dataset = reviews(sequence(8), Validation::Sample { fraction: 0.5 }, None);
    let first = load(&dataset, cache.path()).unwrap();
    let corpus_file = PathBuf::from(first.data.stats.files.last().unwrap());
    assert!(
        corpus_file.starts_with(cache.path().join("corpus")),
        "{corpus_file:?}"
    );
    // What the cache holds is what is used: a doctored vocabulary shows through.
    let mut doctored = cache::load_text_corpus(&corpus_file)
        .unwrap()
        .expect("cached");
    doctored.words.push("doctored".to_string());
    cache::save_text_corpus(&corpus_file, &doctored).unwrap();
    let again = load(&dataset, cache.path()).unwrap();
    assert_eq!(
        again.data.stats.vocabulary,
        Some(first.data.stats.vocabulary.unwrap() + 1)
    );
    assert_eq!(again.data.train, first.data.train);
    // Another split is another key.
    let other = load(
        &reviews(sequence(8), Validation::First { rows: 1 }, None),
        cache.path(),
    )
    .unwrap();
    assert_ne!(other.data.stats.files.last(), first.data.stats.files.last());
}

#[test]
fn a_damaged_cached_corpus_is_reported_and_rebuilt() {
    let cache = tempfile::tempdir().unwrap();
    let dataset = reviews(sequence(8), val_file(), None);
    let first = load(&dataset, cache.path()).unwrap();
    let corpus_file = PathBuf::from(first.data.stats.files.last().unwrap());
    let mut bytes = std::fs::read(&corpus_file).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    std::fs::write(&corpus_file, bytes).unwrap();
    let again = load(&dataset, cache.path()).unwrap();
    assert_eq!(again.notes.len(), 1);
    assert!(again.notes[0].contains("checksum") && again.notes[0].ends_with("rebuilt it"));
    assert_eq!(again.data, first.data);
}

#[test]
fn a_label_not_among_the_training_classes_names_file_line_and_column() {
    let cache = tempfile::tempdir().unwrap();
    let error = load(
        &reviews(sequence(8), val_file(), Some("reviews_neutral.csv")),
        cache.path(),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}:3:2: label `neutral` in column `sentiment` is not one of the training file's \
             classes, `negative` and `positive`",
            fixture("reviews_neutral.csv").display()
        )
    );
}

#[test]
fn an_empty_text_is_an_error_at_its_line_after_a_multi_line_one() {
    let path = fixture("reviews_empty.csv");
    let error =
        table::read_text(&path, Csv, "review", "sentiment", &binary(), Labels::Decide).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}:4:2: the text in column `review` is empty",
            path.display()
        )
    );
}

#[test]
fn text_that_is_not_utf8_is_an_error_at_its_field() {
    let path = fixture("reviews_latin1.csv");
    let error =
        table::read_text(&path, Csv, "review", "sentiment", &binary(), Labels::Decide).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("{}:3:1: the field is not valid UTF-8 text", path.display())
    );
}

#[test]
fn a_missing_text_column_lists_the_columns() {
    let path = fixture("reviews.csv");
    let error =
        table::read_text(&path, Csv, "reveiw", "sentiment", &binary(), Labels::Decide).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "`{}`: no column `reveiw`; the columns are `id`, `review`, `sentiment` and `stars` \
             — did you mean `review`?",
            path.display()
        )
    );
    let error = table::read_text(
        &path,
        Csv,
        "sentiment",
        "sentiment",
        &binary(),
        Labels::Decide,
    )
    .unwrap_err();
    assert!(error
        .to_string()
        .ends_with("column `sentiment` cannot be both the text and the label"));
}

#[test]
fn string_labels_are_classes_in_byte_order() {
    let path = fixture("genres.csv");
    let table = table::read(
        &path,
        Csv,
        "genre",
        &Columns::default(),
        &LabelRule::classes(3, "the test"),
    )
    .unwrap();
    // Upper case sorts before lower case.
    assert_eq!(
        table.classes.as_deref(),
        Some(
            &[
                "Drama".to_string(),
                "comedy".to_string(),
                "horror".to_string()
            ][..]
        )
    );
    assert_eq!(table.labels, [1.0, 2.0, 0.0, 1.0]);
    assert_eq!(
        table.features.values,
        [1.5, 2.0, 2.0, 1.0, 0.5, 3.0, 1.0, 1.0]
    );
}

#[test]
fn a_binary_model_on_three_string_classes_says_so() {
    let path = fixture("genres.csv");
    let error = table::read(&path, Csv, "genre", &Columns::default(), &binary()).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "`{}`: the labels in column `genre` are not all numbers (line 2 has `comedy`), so \
             they name 3 classes: `Drama`, `comedy` and `horror`, class ids 0 to 2 in byte \
             order; but model `m` of experiment `e` trains with binary_crossentropy: labels \
             must be 0 or 1",
            path.display()
        )
    );
}

#[test]
fn a_numeric_test_file_follows_the_training_files_classes() {
    let dataset = Dataset {
        name: "genres".to_string(),
        source: DataSource::Table {
            format: ofit::ir::TableFormat::Csv,
            path: "genres.csv".to_string(),
            label: "genre".to_string(),
            text: None,
            columns: Default::default(),
        },
        validation: Validation::First { rows: 1 },
        test: Some(Test::File {
            path: "genres_test.csv".to_string(),
        }),
    };
    let cache = tempfile::tempdir().unwrap();
    let error = data::load(
        &dataset,
        &LabelRule::classes(3, "t"),
        &context(cache.path()),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}:3:3: label `western` in column `genre` is not one of the training file's \
             classes, `Drama`, `comedy` and `horror`",
            fixture("genres_test.csv").display()
        )
    );
    let mut ok = dataset.clone();
    ok.test = None;
    let loaded = data::load(&ok, &LabelRule::classes(3, "t"), &context(cache.path())).unwrap();
    // The first row validates; the classes come from every row of the file.
    assert_eq!(loaded.data.validation.labels, [1.0]);
    assert_eq!(loaded.data.train.labels, [2.0, 0.0, 1.0]);
    assert_eq!(loaded.data.classes, Some(3));
    assert_eq!(loaded.data.stats.train.label_counts, [1, 1, 1]);
    assert_eq!(
        loaded.data.stats.classes.as_deref(),
        Some(
            &[
                "Drama".to_string(),
                "comedy".to_string(),
                "horror".to_string()
            ][..]
        )
    );
}

#[test]
fn numeric_labels_of_text_are_numbers() {
    let dataset = Dataset {
        name: "stars".to_string(),
        source: DataSource::Table {
            format: ofit::ir::TableFormat::Csv,
            path: "stars.csv".to_string(),
            label: "stars".to_string(),
            text: Some(TextColumn {
                column: "review".to_string(),
                num_words: 50,
                encoding: Encoding::MultiHot,
            }),
            columns: Default::default(),
        },
        validation: Validation::First { rows: 1 },
        test: None,
    };
    let cache = tempfile::tempdir().unwrap();
    let loaded = data::load(&dataset, &LabelRule::any_number(), &context(cache.path())).unwrap();
    assert_eq!(loaded.data.train.labels, [1.0, 3.0]);
    assert_eq!(loaded.data.classes, None);
    assert_eq!(loaded.data.stats.classes, None);
    // A rule the cached labels break reads the file again, for the error's place.
    let error = data::load(&dataset, &binary(), &context(cache.path())).unwrap_err();
    let DataError::Many {
        errors, more: 0, ..
    } = &error
    else {
        panic!("{error}")
    };
    let at = |e: &DataError| match e {
        DataError::Syntax { line, column, .. } => (*line, *column),
        other => panic!("{other}"),
    };
    assert_eq!(errors.iter().map(at).collect::<Vec<_>>(), [(2, 2), (4, 2)]);
    assert!(
        errors[0]
            .to_string()
            .contains("label `5` in column `stars`"),
        "{error}"
    );
}

/// `reviews` with every file its JSON Lines twin (`reviews.jsonl`, …).
fn as_json_lines(mut dataset: Dataset) -> Dataset {
    let twin = |path: &mut String| *path = path.replace(".csv", ".jsonl");
    if let DataSource::Table { format, path, .. } = &mut dataset.source {
        *format = ofit::ir::TableFormat::JsonLines;
        twin(path);
    }
    if let Validation::File { path } = &mut dataset.validation {
        twin(path);
    }
    if let Some(Test::File { path }) = &mut dataset.test {
        twin(path);
    }
    dataset
}

#[test]
fn a_json_lines_file_gives_what_its_csv_twin_gives() {
    // The same reviews with keys in another order on some lines, a blank line, CRLF line
    // ends in the validation file and numbers as JSON numbers.
    for encoding in [sequence(8), Encoding::MultiHot] {
        let csv = reviews(encoding, val_file(), Some("reviews_test.csv"));
        let jsonl = as_json_lines(csv.clone());
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let from_csv = load(&csv, a.path()).unwrap().data;
        let from_jsonl = load(&jsonl, b.path()).unwrap().data;
        assert_eq!(from_jsonl.train, from_csv.train);
        assert_eq!(from_jsonl.validation, from_csv.validation);
        assert_eq!(from_jsonl.test, from_csv.test);
        assert_eq!(from_jsonl.classes, from_csv.classes);
        assert_eq!(from_jsonl.stats.top_words, from_csv.stats.top_words);
        assert!(from_jsonl.stats.files[0].ends_with("reviews.jsonl"));
    }
}

#[test]
fn json_lines_mistakes_are_each_named_by_line_and_column() {
    let path = fixture("reviews_mistakes.jsonl");
    let error = table::read_text(
        &path,
        ofit::ir::TableFormat::JsonLines,
        "review",
        "sentiment",
        &binary(),
        Labels::Decide,
    )
    .unwrap_err();
    let p = path.display();
    assert_eq!(
        error.to_string(),
        format!(
            "`{p}` has 8 problems:\n\
             {p}:2:42: the line is not one JSON object: EOF while parsing an object\n\
             {p}:3:1: the line is a list, not one JSON object\n\
             {p}:4:33: the label in column `sentiment` is empty\n\
             {p}:5:53: key `stars` is not one of the first object's keys, `review` and `sentiment`\n\
             {p}:6:1: no key `sentiment`: every object has the first object's keys, `review` and `sentiment`\n\
             {p}:7:12: the value of `review` is a list, not a number or a text\n\
             {p}:8:56: key `review` is written twice\n\
             {p}:9:12: the text in column `review` is empty"
        )
    );
}
