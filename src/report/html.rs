//! The HTML report: one self-contained page (inline SVG and CSS, no network) with a
//! section per experiment: its plots, a table of how each model fits, the models'
//! summaries and links to their histories.

use super::document::Report;
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

/// The page for `report`; plots are read from the run directory `root` and inlined.
pub fn page(spec: &str, report: &Report, root: &Path, data_views: &[String]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>ofit report: {spec}</title>\n<style>\n\
         body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }}\n\
         table {{ border-collapse: collapse; margin: 1rem 0; }}\n\
         th, td {{ border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: right; }}\n\
         th:first-child, td:first-child, th:last-child, td.verdict {{ text-align: left; }}\n\
         figure {{ margin: 1rem 0; }}\n pre {{ font-size: 0.8rem; overflow-x: auto; }}\n\
         </style>\n</head>\n<body>\n<h1>ofit report: <code>{spec}</code></h1>\n\
         <p>Training curves are solid, validation curves dashed; a circle marks the epoch after which a model overfits.</p>\n",
        spec = escape(spec)
    );
    for view in data_views {
        let svg = std::fs::read_to_string(root.join("plots").join(view)).unwrap_or_default();
        let _ = writeln!(out, "<figure class=\"data\">{svg}</figure>");
    }
    for experiment in &report.experiments {
        let _ = write!(
            out,
            "<section id=\"{0}\">\n<h2>Experiment <code>{0}</code></h2>\n",
            escape(&experiment.name)
        );
        for (_, file) in &experiment.plots {
            let svg = std::fs::read_to_string(root.join(file)).unwrap_or_default();
            let _ = writeln!(out, "<figure class=\"plot\">{svg}</figure>");
        }
        let _ = write!(
            out,
            "<table>\n<tr><th>model</th><th>parameters</th><th>best epoch</th><th>lowest validation {metric}</th>\
             <th>final validation accuracy</th><th>overfits after epoch</th><th>verdict</th></tr>\n",
            metric = escape(&experiment.metric)
        );
        for model in &experiment.models {
            let fit = model.fit.as_ref();
            let _ = writeln!(
                out,
                "<tr><td>{name}</td><td>{params}</td><td>{best}</td><td>{lowest}</td><td>{accuracy}</td><td>{overfit}</td><td class=\"verdict\">{verdict}</td></tr>",
                name = escape(&model.name),
                params = model.params.map_or("–".to_string(), crate::report::summary::thousands),
                best = fit.map_or("–".to_string(), |f| f.best_epoch.to_string()),
                lowest = number(fit.map(|f| f.best_val), 4),
                accuracy = number(model.final_val_accuracy, 4),
                overfit = fit.and_then(|f| f.overfit_epoch).map_or("–".to_string(), |e| e.to_string()),
                verdict = escape(fit.map_or("", |f| f.verdict.as_str())),
            );
        }
        out += "</table>\n<details><summary>Model summaries and histories</summary>\n";
        for model in &experiment.models {
            let folder = escape(&model.folder);
            let _ = write!(
                out,
                "<h3>{name}</h3>\n<p><a href=\"{folder}/history.csv\">history.csv</a> · <a href=\"{folder}/history.json\">history.json</a> · <a href=\"{folder}/train.log\">train.log</a></p>\n<pre>{summary}</pre>\n",
                name = escape(&model.name),
                summary = escape(&model.summary),
            );
        }
        out += "</details>\n</section>\n";
    }
    out += "</body>\n</html>\n";
    out
}
