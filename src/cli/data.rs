//! `ofit data FILE [DATASET]`: loads each dataset of a spec (fetching and caching as
//! needed) and prints what it holds.

use super::{compile_or_report, known_name, Exit, Format};
use crate::data::stats::{SplitStats, Stats};
use crate::data::{self, Context, DataError, LabelKind};
use crate::ir::{DataSource, Program};
use crate::report::summary::thousands;
use std::path::Path;

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
    let ctx = Context::from_env(path.parent().unwrap_or(Path::new(".")));
    let mut reports = Vec::new();
    for dataset in program
        .datasets
        .iter()
        .filter(|d| only.is_none_or(|n| n == d.name))
    {
        let labels = label_kind(&program, &dataset.name);
        match data::load(dataset, labels, &ctx) {
            Ok(loaded) => {
                for note in &loaded.notes {
                    eprintln!("note: {note}");
                }
                if let Some(review) = plot_review {
                    let data::Features::MultiHot(rows) = &loaded.data.train.features else {
                        continue;
                    };
                    if review > rows.rows() {
                        eprintln!(
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
                    print!(
                        "{}",
                        crate::report::plot::multi_hot_row(
                            &title,
                            rows.row(review - 1),
                            rows.width
                        )
                    );
                    return Exit::Ok;
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
        eprintln!("error: `--plot-review` needs a multi-hot (IMDB) dataset");
        return Exit::Usage;
    }
    match format {
        Format::Json => {
            let datasets: Vec<serde_json::Value> = reports
                .iter()
                .map(|(name, stats)| serde_json::json!({ "name": name, "stats": stats }))
                .collect();
            let report = serde_json::json!({ "datasets": datasets });
            println!(
                "{}",
                serde_json::to_string_pretty(&report).expect("stats serialize")
            );
        }
        Format::Human => {
            for (i, (name, stats)) in reports.iter().enumerate() {
                if i > 0 {
                    println!();
                }
                print!("{}", describe(name, stats, &program));
            }
        }
    }
    Exit::Ok
}

/// Prints a data error and what to do about it.
pub fn print_error(error: &DataError) {
    eprintln!("error: {error}");
    if let Some(help) = error.help() {
        eprintln!("  help: {help}");
    }
}

/// What the labels must be: taken from the loss of the first experiment on the dataset
/// (binary labels when no experiment uses it).
fn label_kind(program: &Program, dataset: &str) -> LabelKind {
    program
        .experiments
        .iter()
        .find(|e| program.datasets[e.dataset].name == dataset)
        .map_or(LabelKind::Binary, |e| {
            LabelKind::for_loss(program.trainings[e.training].loss)
        })
}

/// The human-readable facts of one dataset.
fn describe(name: &str, stats: &Stats, program: &Program) -> String {
    let dataset = program
        .datasets
        .iter()
        .find(|d| d.name == name)
        .expect("stats are of a declared dataset");
    let kind = match &dataset.source {
        DataSource::Imdb { .. } => "IMDB movie reviews, multi-hot",
        DataSource::Csv { .. } => "CSV, dense features",
    };
    let mut out = format!("dataset {name} ({kind})\n");
    out += &format!("  input width:      {}\n", thousands(stats.input_width));
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
    for (split, s) in [("train", &stats.train), ("validation", &stats.validation)] {
        out += &describe_split(split, s);
    }
    out += "  files:\n";
    for file in &stats.files {
        out += &format!("    {file}\n");
    }
    out
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
    if let Some(ids) = s.mean_ids_per_row {
        out += &format!("              distinct ids per multi-hot row: mean {ids:.2}\n");
    }
    out
}
