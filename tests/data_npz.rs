//! Reading Keras's `imdb.npz` and `imdb_word_index.json` into a corpus, and every way those
//! files can be wrong.

use crate::support::root;
use ofit::data::corpus::Corpus;
use ofit::data::keras_npz;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The fixture folder (written by `make_fixture.py` there).
fn fixtures() -> PathBuf {
    root().join("tests/fixtures/data/keras")
}

fn npz() -> PathBuf {
    fixtures().join("imdb.npz")
}

fn word_index() -> PathBuf {
    fixtures().join("imdb_word_index.json")
}

fn rows(sequences: &ofit::data::corpus::Sequences) -> Vec<Vec<u32>> {
    (0..sequences.len())
        .map(|r| sequences.row(r).to_vec())
        .collect()
}

/// A copy of the fixture npz at `into/imdb.npz` without the member `drop` and with the
/// `replace` members (name, bytes) added.
fn altered_npz(into: &Path, drop: &str, replace: &[(&str, Vec<u8>)]) -> PathBuf {
    let source = std::fs::File::open(npz()).expect("fixture is readable");
    let mut archive = zip::ZipArchive::new(source).expect("fixture is a zip");
    let path = into.join("imdb.npz");
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&path).expect("temp file"));
    for i in 0..archive.len() {
        let entry = archive.by_index(i).expect("fixture member");
        let name = entry.name().to_string();
        if name != drop && !replace.iter().any(|(n, _)| *n == name) {
            writer.raw_copy_file(entry).expect("copied member");
        }
    }
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in replace {
        writer.start_file(*name, options).expect("new member");
        writer.write_all(bytes).expect("member written");
    }
    writer.finish().expect("zip finished");
    path
}

/// A version-1 `.npy` file of little-endian 32-bit integers, as numpy writes `<i4`.
fn npy_i4(values: &[i32]) -> Vec<u8> {
    let mut header = format!(
        "{{'descr': '<i4', 'fortran_order': False, 'shape': ({},), }}",
        values.len()
    );
    // numpy pads the header with spaces and a newline so the data starts at a multiple of 64.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for v in values {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    bytes
}

fn error_text(result: Result<Corpus, ofit::data::DataError>) -> String {
    match result {
        Ok(_) => panic!("expected an error"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn the_fixture_npz_reads_as_its_sequences_and_labels() {
    let corpus = keras_npz::read(&npz(), &word_index()).expect("fixture reads");
    // good 1, movie 2, the 3, was 4, not 5, bad 6 → ids rank + 3, after the start id 1.
    assert_eq!(
        rows(&corpus.train),
        [
            vec![1, 6, 5, 7, 4],    // the movie was good
            vec![1, 9],             // bad
            vec![1, 6, 5, 7, 8, 4], // the movie was not good
        ]
    );
    assert_eq!(corpus.train.labels, [1, 0, 1]);
    assert_eq!(corpus.train.offsets, [0, 5, 7, 13]);
    assert_eq!(rows(&corpus.test), [vec![1, 8, 4], vec![1, 4, 4, 5]]);
    assert_eq!(corpus.test.labels, [0, 1]);
    assert_eq!(corpus.words, ["good", "movie", "the", "was", "not", "bad"]);
}

#[test]
fn a_truncated_npz_is_reported_as_damaged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("imdb.npz");
    let bytes = std::fs::read(npz()).expect("fixture is readable");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("truncated copy");
    assert_eq!(
        error_text(keras_npz::read(&path, &word_index())),
        format!(
            "`{}` is damaged: it is not a readable zip archive \
             (invalid Zip archive: Could not find EOCD)",
            path.display()
        )
    );
}

#[test]
fn a_missing_array_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = altered_npz(dir.path(), "x_test.npy", &[]);
    assert_eq!(
        error_text(keras_npz::read(&path, &word_index())),
        format!("`{}`: there is no array `x_test` in it", path.display())
    );
}

#[test]
fn a_label_other_than_0_or_1_is_rejected_naming_the_array() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = altered_npz(dir.path(), "", &[("y_train.npy", npy_i4(&[1, 2, 0]))]);
    assert_eq!(
        error_text(keras_npz::read(&path, &word_index())),
        format!(
            "`{}`: `y_train[1]` is 2; labels must be 0 or 1",
            path.display()
        )
    );
}

#[test]
fn labels_stored_as_32_bit_integers_read_the_same() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = altered_npz(dir.path(), "", &[("y_test.npy", npy_i4(&[0, 1]))]);
    let corpus = keras_npz::read(&path, &word_index()).expect("npz reads");
    assert_eq!(corpus.test.labels, [0, 1]);
}

#[test]
fn rows_and_labels_of_different_counts_are_rejected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = altered_npz(dir.path(), "", &[("y_test.npy", npy_i4(&[0, 1, 1]))]);
    assert_eq!(
        error_text(keras_npz::read(&path, &word_index())),
        format!(
            "`{}`: `x_test` has 2 rows but `y_test` has 3 labels",
            path.display()
        )
    );
}

#[test]
fn a_broken_word_index_reports_line_and_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("imdb_word_index.json");
    std::fs::write(&path, "{\"good\": 1,\n \"movie\" 2}").expect("broken index");
    assert_eq!(
        error_text(keras_npz::read(&npz(), &path)),
        format!("{}:2:10: expected `:`", path.display())
    );
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("imdb.npz");
    assert_eq!(
        error_text(keras_npz::read(&missing, &word_index())),
        format!(
            "cannot read `{}`: no such file or directory",
            missing.display()
        )
    );
    let missing = dir.path().join("imdb_word_index.json");
    assert_eq!(
        error_text(keras_npz::read(&npz(), &missing)),
        format!(
            "cannot read `{}`: no such file or directory",
            missing.display()
        )
    );
}
