//! The HTML report: one self-contained page (inline SVG and CSS, no network) with a
//! section per experiment: its plots, a table of how each model fits, what more data
//! bought (for a `train_size` sweep), the models' summaries and links to their histories.

use super::document::{ModelReport, Report, State};
use super::more_data::MoreData;
use crate::model_folder::{HISTORY_CSV, HISTORY_JSON, TRAIN_LOG};
use std::fmt::Write;
use std::path::Path;

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn number(value: Option<f64>, digits: usize) -> String {
    value.map_or("–".to_string(), |v| format!("{v:.digits$}"))
}

/// The class of a model's table row.
fn state_class(state: State) -> &'static str {
    match state {
        State::Finished => "finished",
        State::Training => "training",
        State::NotTrained => "not-trained",
        State::Damaged => "damaged",
    }
}

/// The verdict cell: the analysis's verdict, then any damage (the status column says the
/// rest).
fn verdict(model: &ModelReport) -> String {
    let mut parts: Vec<String> = model.fit.iter().map(|f| f.verdict.clone()).collect();
    if model.state != State::Damaged {
        parts.extend(model.damage.iter().map(|d| format!("damaged: {d}")));
    }
    parts.join("; ")
}

/// Links to the files of a model's folder that its state says are there.
fn links(model: &ModelReport, folder: &str) -> String {
    let names: &[&str] = match model.state {
        State::Finished => &[HISTORY_CSV, HISTORY_JSON, TRAIN_LOG],
        _ => &[],
    };
    let links: Vec<String> = names
        .iter()
        .map(|n| format!("<a href=\"{folder}/{n}\">{n}</a>"))
        .collect();
    if links.is_empty() {
        escape(&model.status)
    } else {
        links.join(" · ")
    }
}

/// The page for `report`; plots are read from the run directory `root` and inlined.
pub fn page(spec: &str, report: &Report, root: &Path) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>ofit report: {spec}</title>\n<style>\n\
         body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }}\n\
         table {{ border-collapse: collapse; margin: 1rem 0; }}\n\
         th, td {{ border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: right; }}\n\
         th:first-child, td:first-child, th:last-child, td.verdict, td.status {{ text-align: left; }}\n\
         figure {{ margin: 1rem 0; }}\n pre {{ font-size: 0.8rem; overflow-x: auto; }}\n\
         </style>\n</head>\n<body>\n<h1>ofit report: <code>{spec}</code></h1>\n\
         <p>Training curves are solid, validation curves dashed; a circle marks the epoch after which a model overfits. Final figures are the last epoch's, or, where the table says so, those of the epoch whose weights early stopping kept, or of the last epoch before training diverged.</p>\n",
        spec = escape(spec)
    );
    for experiment in &report.experiments {
        let _ = write!(
            out,
            "<section id=\"{0}\">\n<h2>Experiment <code>{0}</code></h2>\n",
            escape(&experiment.name)
        );
        if let Some(best) = &experiment.best {
            let _ = writeln!(out, "<p class=\"best\">{}</p>", escape(&best.sentence));
        }
        if let Some(view) = &experiment.data_view {
            let svg = std::fs::read_to_string(root.join(view)).unwrap_or_default();
            let _ = writeln!(out, "<figure class=\"data\">{svg}</figure>");
        }
        for (_, file) in &experiment.plots {
            let svg = std::fs::read_to_string(root.join(file)).unwrap_or_default();
            let _ = writeln!(out, "<figure class=\"plot\">{svg}</figure>");
        }
        if let Some(more) = &experiment.more_data {
            out += &more_data(more, root);
        }
        // Columns no model has a figure for are left out.
        let tested = experiment.models.iter().any(|m| !m.test.is_empty());
        let accurate = experiment
            .models
            .iter()
            .any(|m| m.final_val_accuracy.is_some());
        let _ =
            write!(
            out,
            "<table>\n<tr><th>model</th><th>parameters</th><th>training</th><th>best epoch</th>\
             <th>best validation {metric}</th><th>final validation {metric}</th><th>final gap</th>\
             {accuracy}{test}<th>overfits after epoch</th><th>verdict</th></tr>\n",
            metric = escape(&experiment.metric),
            accuracy = if accurate { "<th>final validation accuracy</th>" } else { "" },
            test = if tested { "<th>test (once, after training)</th>" } else { "" },
        );
        for model in &experiment.models {
            let fit = model.fit.as_ref();
            let note = model
                .final_note()
                .map_or(String::new(), |n| format!(" ({n})"));
            let finals = |value: Option<f64>| match value {
                Some(_) => format!("{}{note}", number(value, 4)),
                None => number(value, 4),
            };
            let _ = writeln!(
                out,
                "<tr class=\"{state}\"><td>{name}</td><td>{params}</td><td class=\"status\">{status}</td><td>{best}</td><td>{best_val}</td><td>{final_val}</td><td>{gap}</td>{accuracy}{test}<td>{overfit}</td><td class=\"verdict\">{verdict}</td></tr>",
                state = state_class(model.state),
                name = escape(&model.name),
                params = model.params.map_or("–".to_string(), crate::suggest::thousands),
                status = escape(&model.status),
                best = fit.map_or("–".to_string(), |f| f.best_epoch.to_string()),
                best_val = number(fit.map(|f| f.best_val), 4),
                final_val = finals(fit.map(|f| f.final_val)),
                gap = finals(fit.map(|f| f.gap_at_end)),
                accuracy = if accurate {
                    format!("<td>{}</td>", finals(model.final_val_accuracy))
                } else {
                    String::new()
                },
                test = if tested { format!("<td>{}</td>", test_figures(model)) } else { String::new() },
                overfit = fit.and_then(|f| f.overfit_epoch).map_or("–".to_string(), |e| e.to_string()),
                verdict = escape(&verdict(model)),
            );
        }
        out += "</table>\n<details><summary>Model summaries and histories</summary>\n";
        for model in &experiment.models {
            let folder = escape(&model.folder);
            let _ = write!(
                out,
                "<h3>{name}</h3>\n<p>{links}</p>\n<pre>{summary}</pre>\n",
                links = links(model, &folder),
                name = escape(&model.name),
                summary = escape(&model.summary),
            );
        }
        out += "</details>\n</section>\n";
    }
    out += "</body>\n</html>\n";
    out
}

/// What more training data bought: each model's sentence, the two plots, and a table of
/// each model's figures at each size.
fn more_data(more: &MoreData, root: &Path) -> String {
    let mut out = String::from("<h3>More data</h3>\n");
    for model in &more.models {
        if let Some(sentence) = &model.sentence {
            let _ = writeln!(out, "<p class=\"more-data\">{}</p>", escape(sentence));
        }
    }
    for file in &more.plots {
        let svg = std::fs::read_to_string(root.join(file)).unwrap_or_default();
        let _ = writeln!(out, "<figure class=\"plot\">{svg}</figure>");
    }
    let _ = writeln!(
        out,
        "<table>\n<tr><th>model</th><th>training examples</th><th>best validation {}</th>\
         <th>gap at best</th><th>overfits after epoch</th><th>epochs</th></tr>",
        escape(&more.metric)
    );
    for model in &more.models {
        for at in &model.sizes {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&model.model),
                crate::suggest::thousands(at.train_size as u128),
                number(at.best_val, 4),
                number(at.gap_at_best, 4),
                at.overfit_epoch.map_or("–".to_string(), |e| e.to_string()),
                at.epochs,
            );
        }
    }
    out + "</table>\n"
}

/// A model's test figures, `loss 0.3212, accuracy 0.8735` (loss first), or a dash.
fn test_figures(model: &ModelReport) -> String {
    let mut figures: Vec<(&String, f64)> = model.test.iter().map(|(n, v)| (n, v.0)).collect();
    figures.sort_by_key(|(name, _)| *name != "loss");
    if figures.is_empty() {
        return "–".to_string();
    }
    let words: Vec<String> = figures
        .into_iter()
        .map(|(name, v)| format!("{} {}", escape(name), number(Some(v), 4)))
        .collect();
    words.join(", ")
}
