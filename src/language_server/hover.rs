//! What hovering a name shows: a model's or a template instance's Keras-style summary
//! (parameters, output shapes, cost per epoch), a template parameter's type and default, a
//! definition's declaration, a builtin's signature with its defaults and a line about it.

use super::document::Document;
use super::navigate::{self, Symbol};
use crate::check::vocabulary;
use crate::ir::Program;
use crate::report::summary::{summary, DataFacts};
use crate::source::Span;
use crate::syntax::ast::{Item, ValueKind};
use crate::syntax::tokens;
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

/// The most instance summaries one hover shows.
const MOST_SUMMARIES: usize = 3;

/// The hover for the name at `offset`, if there is one.
pub fn hover(doc: &Document, offset: usize) -> Option<Hover> {
    let Some((symbol, span)) = navigate::symbol_at(doc, offset) else {
        return builtin(doc, offset);
    };
    let text = match symbol {
        Symbol::Param { model, param } => {
            let Item::Model(template) = &doc.file.items[model] else {
                return None;
            };
            let p = &template.params[param];
            format!(
                "```ofit\n{}\n```\nparameter of template `{}`{}",
                doc.slice(p.span()),
                template.name.text,
                if p.default.is_some() {
                    ""
                } else {
                    " (no default: every use gives it)"
                },
            )
        }
        Symbol::Item(item) => {
            let declared = &doc.file.items[item];
            let mut text = format!("```ofit\n{}\n```", head(doc, declared));
            if let (Item::Model(model), Some(program)) = (declared, &doc.checked.program) {
                text.push_str(&instances(doc, program, &model.name.text, offset));
            }
            text
        }
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(doc.range(span)),
    })
}

/// On a builtin's name (`dense`, `adam`, `relu`, `mse` …): its signature with defaults and
/// what it is.
fn builtin(doc: &Document, offset: usize) -> Option<Hover> {
    let token = tokens::tokens(doc.text())
        .into_iter()
        .find(|t| t.kind == tokens::Kind::Name && t.span.start <= offset && offset <= t.span.end)?;
    let text = vocabulary::describe(doc.slice(token.span))?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(doc.range(token.span)),
    })
}

/// A definition's first line, up to its opening brace: `model mlp(units: int = 16)`,
/// `dataset imdb = imdb(num_words = 10000)`, `train tutorial`.
fn head(doc: &Document, item: &Item) -> String {
    let span = item.span();
    let text = doc.slice(span);
    let text = match item {
        Item::Dataset(_) => text,
        _ => text[..text.find('{').unwrap_or(text.len())].trim_end(),
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The summaries of the instances of `template` the cursor is about: those of the map
/// entry it is in, else those of its experiment, else every one.
fn instances(doc: &Document, program: &Program, template: &str, offset: usize) -> String {
    let inside = |span: Span| span.start <= offset && offset <= span.end;
    let experiment = doc.file.items.iter().find_map(|item| match item {
        Item::Experiment(block) if inside(block.span) => Some(block),
        _ => None,
    });
    let entry = experiment.and_then(|block| {
        let models = block.fields.iter().find(|f| f.key.text == "models")?;
        let ValueKind::Map(entries) = &models.value.kind else {
            return None;
        };
        entries
            .iter()
            .find(|e| inside(e.span()))
            .map(|e| e.key.text.clone())
    });
    let mut shown = Vec::new();
    for ir in &program.experiments {
        if experiment.is_some_and(|block| block.name.text != ir.name) {
            continue;
        }
        for (m, t) in ir.members() {
            let model = &program.models[m];
            let in_entry = entry
                .as_ref()
                .is_none_or(|key| model.name == *key || model.name.starts_with(&format!("{key}(")));
            if model.template == template && in_entry && !shown.iter().any(|&(s, _, _)| s == m) {
                shown.push((m, t, ir.dataset));
            }
        }
    }
    let mut text = String::new();
    for &(m, t, d) in shown.iter().take(MOST_SUMMARIES) {
        let facts = DataFacts::declared(&program.datasets[d]);
        let table = summary(&program.models[m], &program.trainings[t], &facts);
        text.push_str(&format!("\n```text\n{}```", table));
    }
    if shown.len() > MOST_SUMMARIES {
        text.push_str(&format!(
            "\n\nand {} more instances",
            shown.len() - MOST_SUMMARIES
        ));
    }
    text
}
