//! `ofit data FILE [DATASET]`: loads each dataset of a spec (fetching and caching as
//! needed) and prints what it holds.

use super::check::spec_dir;
use super::output::{self, say};
use super::{compile_or_report, known_name, Exit, Format};
use crate::data::stats::{SplitStats, Stats};
use crate::data::{self, Context, DataError, LabelRule};
use crate::ir::{DataSource, Encoding, Program, Side};
use crate::suggest::thousands;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The data context of a spec in `spec_dir`, from the environment: the cache is
/// `$OFIT_DATA_DIR` (else the platform's cache directory, [`data::cache::default_dir`]),
/// the npm client `$OFIT_NPM` (else `npm` on `PATH`), npm's time limit
/// `$OFIT_NPM_TIMEOUT` seconds (else [`Context::NPM_TIMEOUT`]). The only place ofit reads
/// these variables.
pub fn context(spec_dir: &Path) -> Context {
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let cache_dir = set("OFIT_DATA_DIR").map_or_else(
        || data::cache::default_dir(dirs::cache_dir().as_deref()),
        PathBuf::from,
    );
    let npm = set("OFIT_NPM").map_or_else(|| PathBuf::from("npm"), PathBuf::from);
    let mut ctx = Context::new(spec_dir, cache_dir, npm);
    if let Some(value) = set("OFIT_NPM_TIMEOUT") {
        match value.to_str().and_then(|v| v.trim().parse::<f64>().ok()) {
            Some(seconds) if seconds > 0.0 && seconds.is_finite() => {
                ctx.npm_timeout = Duration::from_secs_f64(seconds);
            }
            _ => say!(
                "warning: OFIT_NPM_TIMEOUT={} is not a number of seconds above 0; npm gets {}",
                value.to_string_lossy(),
                data::fetch::duration_words(ctx.npm_timeout)
            ),
        }
    }
    ctx
}

/// Loads the datasets of the spec at `path` (or the one named) and prints their facts, or
/// with `plot_review`, that training review of the (first) multi-hot dataset as SVG.
pub fn run(path: &Path, only: Option<&str>, format: Format, plot_review: Option<usize>) -> Exit {
    let (source, program) = match compile_or_report(path) {
        Ok(compiled) => compiled,
        Err(exit) => return exit,
    };
    if let Err(exit) = known_name(
        only,
        "dataset",
        &source,
        program.datasets.iter().map(|d| d.name.as_str()),
    ) {
        return exit;
    }
    let ctx = context(spec_dir(path));
    let mut reports = Vec::new();
    for (index, dataset) in program
        .datasets
        .iter()
        .enumerate()
        .filter(|(_, d)| only.is_none_or(|n| n == d.name))
    {
        let rule = LabelRule::for_dataset(&program, index, &program.experiments);
        match data::load(dataset, &rule, &ctx) {
            Ok(loaded) => {
                for note in &loaded.notes {
                    say!("note: {note}");
                }
                if let Some(review) = plot_review {
                    let data::Features::MultiHot(rows) = &loaded.data.train.features else {
                        continue;
                    };
                    if review > rows.rows() {
                        say!(
                            "error: dataset `{}` has {} training reviews, not {review}",
                            dataset.name,
                            rows.rows()
                        );
                        return Exit::Usage;
                    }
                    let title = format!(
                        "{}: training review {review} as a multi-hot row",
                        dataset.name
                    );
                    let svg = crate::report::plot::multi_hot_row(
                        &title,
                        rows.row(review - 1),
                        rows.width,
                    );
                    return output::out(&svg).err().unwrap_or(Exit::Ok);
                }
                reports.push((dataset.name.clone(), loaded.data.stats));
            }
            Err(error) => {
                print_error(&error);
                return Exit::Failed;
            }
        }
    }
    if plot_review.is_some() {
        say!("error: `--plot-review` needs a multi-hot (IMDB) dataset");
        return Exit::Usage;
    }
    let text = match format {
        Format::Json => {
            let datasets: Vec<serde_json::Value> = reports
                .iter()
                .map(|(name, stats)| serde_json::json!({ "name": name, "stats": stats }))
                .collect();
            let report = serde_json::json!({ "datasets": datasets });
            serde_json::to_string_pretty(&report).expect("stats serialize") + "\n"
        }
        Format::Human => reports
            .iter()
            .map(|(name, stats)| describe(name, stats, &program))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    output::out(&text).err().unwrap_or(Exit::Ok)
}

/// Prints a data error and what to do about it; several problems of one file one by one.
pub fn print_error(error: &DataError) {
    if let DataError::Many { path, errors, more } = error {
        for error in errors {
            say!("error: {error}");
        }
        if *more > 0 {
            say!("error: … and {more} more problems in `{}`", path.display());
        }
        say!(
            "error: {} problems in `{}`",
            errors.len() + more,
            path.display()
        );
        return;
    }
    say!("error: {error}");
    if let Some(help) = error.help() {
        say!("  help: {help}");
    }
}

/// The human-readable facts of one dataset.
fn describe(name: &str, stats: &Stats, program: &Program) -> String {
    let dataset = program
        .datasets
        .iter()
        .find(|d| d.name == name)
        .expect("stats are of a declared dataset");
    let encoding = |encoding: &Encoding| match encoding {
        Encoding::MultiHot => "multi-hot".to_string(),
        Encoding::Sequence(p) => format!(
            "sequences of {} ids ({}-padded, {}-truncated, pad id {})",
            thousands(p.length),
            side(p.padding),
            side(p.truncating),
            p.value
        ),
    };
    let kind = match &dataset.source {
        DataSource::Imdb { encoding: e, .. } => format!("IMDB movie reviews, {}", encoding(e)),
        DataSource::AutoMpg => "Auto MPG, as the fuel-efficiency tutorial prepares it".to_string(),
        DataSource::Table {
            format, text: None, ..
        } => format!("{}, dense features", format.name()),
        DataSource::Table {
            format,
            text: Some(text),
            ..
        } => format!(
            "{} text column `{}`, {}",
            format.name(),
            text.column,
            encoding(&text.encoding)
        ),
    };
    let mut out = format!("dataset {name} ({kind})\n");
    out += &format!("  input width:      {}\n", thousands(stats.input_width));
    if !stats.features.is_empty() {
        out += &format!("  features:         {}\n", stats.features.join(", "));
    }
    if stats.dropped > 0 {
        out += &format!(
            "  missing values:   {} with one, left out\n",
            if stats.dropped == 1 {
                "1 row".to_string()
            } else {
                format!("{} rows", thousands(stats.dropped))
            }
        );
    }
    if let Some(vocabulary) = stats.vocabulary {
        out += &format!("  vocabulary:       {} words", thousands(vocabulary));
        if !stats.top_words.is_empty() {
            let top: Vec<&str> = stats
                .top_words
                .iter()
                .take(12)
                .map(String::as_str)
                .collect();
            out += &format!(" (most frequent: {})", top.join(", "));
        }
        out += "\n";
    }
    if let Some(classes) = &stats.classes {
        let named: Vec<String> = classes
            .iter()
            .enumerate()
            .map(|(id, name)| format!("{id} = {name}"))
            .collect();
        out += &format!("  classes:          {}\n", named.join(", "));
    }
    let test = stats.test.as_ref().map(|t| ("test", t));
    for (split, s) in [("train", &stats.train), ("validation", &stats.validation)]
        .into_iter()
        .chain(test)
    {
        out += &describe_split(split, s);
    }
    out += "  files:\n";
    for file in &stats.files {
        out += &format!("    {file}\n");
    }
    out
}

/// Keras's word for a side: `pre` or `post`.
fn side(side: Side) -> &'static str {
    match side {
        Side::Pre => "pre",
        Side::Post => "post",
    }
}

fn describe_split(split: &str, s: &SplitStats) -> String {
    let noun = if s.examples == 1 {
        "example"
    } else {
        "examples"
    };
    let mut out = format!("  {split:<11} {:>7} {noun}", thousands(s.examples));
    if !s.label_counts.is_empty() {
        let counts: Vec<String> = s
            .label_counts
            .iter()
            .enumerate()
            .map(|(label, n)| format!("{} × {label}", thousands(*n)))
            .collect();
        out += &format!("; labels {}", counts.join(", "));
    }
    out += "\n";
    if let (Some(mean), Some(median), Some((min, max))) =
        (s.mean_length, s.median_length, s.length_range)
    {
        out += &format!(
            "              length (start token included): mean {mean:.2}, median {median}, min {min}, max {max}\n"
        );
    }
    if let Some(truncated) = s.truncated {
        out += &format!(
            "              truncated to the sequence length: {}\n",
            thousands(truncated)
        );
    }
    if let Some(ids) = s.mean_ids_per_row {
        out += &format!("              distinct ids per multi-hot row: mean {ids:.2}\n");
    }
    out
}
