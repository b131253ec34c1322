//! Completion. What is being typed is usually not yet a spec that parses, so the place is
//! read from the tokens before the cursor (the brackets still open, the key before `=`),
//! not from the syntax tree; the names offered come from the tree of the items that do
//! parse and from the checker's vocabulary.

use super::document::Document;
use crate::check::scope::Kind;
use crate::check::vocabulary;
use crate::syntax::ast::{Call, Item, LayerNode, Value, ValueKind};
use crate::syntax::tokens::{self, Kind as Token};
use lsp_types::{CompletionItem, CompletionItemKind, InsertTextFormat};

const ITEM_KEYWORDS: [&str; 4] = ["dataset", "model", "train", "experiment"];

/// Where the cursor is, as far as completion cares.
enum Place<'t> {
    /// Where a definition starts.
    TopLevel,
    /// Where a layer starts, in a model's body.
    Layer,
    /// Where a setting starts in a training block or an experiment; the keys written so far.
    Setting(Kind, Vec<&'t str>),
    /// After `key =` or in `key = [`, in a block (`callee` none) or a call.
    Value {
        callee: Option<&'t str>,
        key: &'t str,
    },
    /// Where an argument of `callee` starts; the names given so far.
    Argument {
        callee: &'t str,
        given: Vec<&'t str>,
    },
    /// After `name:` in the `models` map of an experiment.
    Model,
}

/// The completions at byte `offset`.
pub fn complete(doc: &Document, offset: usize) -> Vec<CompletionItem> {
    let text = &doc.text()[..offset];
    let Some(place) = place(text) else {
        return Vec::new();
    };
    match place {
        Place::TopLevel => ITEM_KEYWORDS
            .iter()
            .map(|k| item(k, CompletionItemKind::KEYWORD, None))
            .collect(),
        Place::Layer => {
            let mut found: Vec<CompletionItem> = vocabulary::layers()
                .iter()
                .map(|layer| call(layer, CompletionItemKind::FUNCTION))
                .collect();
            found.push(CompletionItem {
                insert_text: Some("repeat($1) {\n\t$0\n}".to_string()),
                insert_text_format: Some(InsertTextFormat::SNIPPET),
                ..item(
                    "repeat",
                    CompletionItemKind::KEYWORD,
                    Some("repeat(n) { layers }: the layers, n times".to_string()),
                )
            });
            found
        }
        Place::Setting(block, mut written) => {
            // The keys after the cursor count too, where the block parses.
            for item in &doc.file.items {
                if let Item::Training(b) | Item::Experiment(b) = item {
                    if b.span.start <= offset && offset <= b.span.end {
                        written.extend(b.fields.iter().map(|f| f.key.text.as_str()));
                    }
                }
            }
            vocabulary::settings(block)
                .into_iter()
                .filter(|key| !written.contains(key))
                .map(|key| {
                    let detail = format!("setting of {}", block.article());
                    assignment(key, CompletionItemKind::PROPERTY, Some(detail))
                })
                .collect()
        }
        Place::Argument { callee, mut given } => {
            let params = vocabulary::parameters(callee).unwrap_or_default();
            // Where the call parses, what follows the cursor is given too, and its
            // positional arguments stand for the first parameters.
            if let Some(call) = call_at(doc, offset) {
                given.extend(
                    call.args
                        .iter()
                        .filter_map(|a| a.name.as_ref())
                        .map(|n| n.text.as_str()),
                );
                let positional = call.args.iter().filter(|a| a.name.is_none()).count();
                given.extend(params.iter().take(positional));
            }
            let mut found: Vec<CompletionItem> = params
                .into_iter()
                .filter(|name| !given.contains(name))
                .map(|name| {
                    assignment(
                        name,
                        CompletionItemKind::FIELD,
                        vocabulary::signature(callee),
                    )
                })
                .collect();
            found.extend(template_parameters(doc, offset));
            found
        }
        Place::Value { callee, key } => {
            let mut found: Vec<CompletionItem> = match key {
                "data" => names(doc, Kind::Dataset),
                "train" => names(doc, Kind::Training),
                "models" => names(doc, Kind::Model),
                _ => Vec::new(),
            };
            found.extend(vocabulary::values(callee, key).into_iter().map(|name| {
                if vocabulary::parameters(name).is_some() {
                    call(name, CompletionItemKind::FUNCTION)
                } else {
                    item(name, CompletionItemKind::ENUM_MEMBER, None)
                }
            }));
            found.extend(template_parameters(doc, offset));
            found
        }
        Place::Model => names(doc, Kind::Model),
    }
}

fn item(label: &str, kind: CompletionItemKind, detail: Option<String>) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail,
        ..CompletionItem::default()
    }
}

/// A name written as `name = `: a setting, or a named argument.
fn assignment(name: &str, kind: CompletionItemKind, detail: Option<String>) -> CompletionItem {
    CompletionItem {
        insert_text: Some(format!("{name} = ")),
        ..item(name, kind, detail)
    }
}

/// A builtin that is called: its signature beside it, the cursor put inside its brackets.
fn call(name: &str, kind: CompletionItemKind) -> CompletionItem {
    CompletionItem {
        insert_text: Some(format!("{name}($0)")),
        insert_text_format: Some(InsertTextFormat::SNIPPET),
        ..item(name, kind, vocabulary::signature(name))
    }
}

/// The definitions of `kind`, those that did not parse included (their names are known).
fn names(doc: &Document, kind: Kind) -> Vec<CompletionItem> {
    let mut found: Vec<CompletionItem> = doc
        .file
        .items
        .iter()
        .filter(|i| Kind::of(i) == kind)
        .map(|i| {
            let detail = match i {
                Item::Model(model) => {
                    let span = model
                        .name
                        .span
                        .to(model.params_span.unwrap_or(model.name.span));
                    format!("model {}", doc.slice(span))
                }
                other => format!("{} {}", kind.noun(), other.name().text),
            };
            item(&i.name().text, CompletionItemKind::REFERENCE, Some(detail))
        })
        .collect();
    let keyword = match kind {
        Kind::Dataset => "dataset",
        Kind::Model => "model",
        Kind::Training => "train",
        Kind::Experiment => "experiment",
    };
    for (k, name) in &doc.file.broken {
        if *k == keyword && !found.iter().any(|f| f.label == name.text) {
            found.push(item(
                &name.text,
                CompletionItemKind::REFERENCE,
                Some(kind.noun().to_string()),
            ));
        }
    }
    found
}

/// The innermost call of the parsed tree whose brackets hold `offset`.
fn call_at(doc: &Document, offset: usize) -> Option<&Call> {
    let inside = |call: &Call| call.callee.span.end < offset && offset < call.span.end;
    let mut found = None;
    let mut values: Vec<&Value> = Vec::new();
    let mut calls: Vec<&Call> = Vec::new();
    for item in &doc.file.items {
        match item {
            Item::Dataset(d) => calls.push(&d.source),
            Item::Model(m) => {
                let mut layers: Vec<&LayerNode> = m.layers.iter().collect();
                while let Some(layer) = layers.pop() {
                    match layer {
                        LayerNode::Call(call) => calls.push(call),
                        LayerNode::Repeat { times, body } => {
                            calls.push(times);
                            layers.extend(body);
                        }
                    }
                }
            }
            Item::Training(b) | Item::Experiment(b) => {
                values.extend(b.fields.iter().map(|f| &f.value))
            }
        }
    }
    loop {
        if let Some(call) = calls.pop() {
            if inside(call) {
                found = Some(call);
                values.clear();
                calls.clear();
                values.extend(call.args.iter().map(|a| &a.value));
            }
            continue;
        }
        let Some(value) = values.pop() else { break };
        match &value.kind {
            ValueKind::Call(call) => calls.push(call),
            ValueKind::List(items) => values.extend(items),
            ValueKind::Map(entries) => values.extend(entries.iter().map(|e| &e.value)),
            _ => {}
        }
    }
    found
}

/// The parameters of the template the cursor is in.
fn template_parameters(doc: &Document, offset: usize) -> Vec<CompletionItem> {
    doc.file
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Model(model) if model.span.start <= offset && offset <= model.span.end => {
                Some(model)
            }
            _ => None,
        })
        .flat_map(|model| {
            model.params.iter().map(|p| {
                item(
                    &p.name.text,
                    CompletionItemKind::VARIABLE,
                    Some(doc.slice(p.span()).to_string()),
                )
            })
        })
        .collect()
}

/// Reads the place of the end of `text` from its tokens.
fn place(text: &str) -> Option<Place<'_>> {
    let word = |t: &tokens::Token| &text[t.span.start..t.span.end];
    let mut all: Vec<tokens::Token> = tokens::tokens(text)
        .into_iter()
        .filter(|t| t.kind != Token::Comment)
        .collect();
    // A name that runs to the cursor is the word being typed.
    if all
        .last()
        .is_some_and(|t| t.kind == Token::Name && t.span.end == text.len())
    {
        all.pop();
    }
    // The current definition starts at the last item keyword that starts a line.
    // (As `syntax::split` cuts a file: a keyword at a line's start followed by a name.)
    let starts_item = |i: usize| {
        let t = &all[i];
        let line_start = text[..t.span.start].trim_end_matches([' ', '\t']);
        ITEM_KEYWORDS.contains(&word(t))
            && (line_start.is_empty() || line_start.ends_with('\n'))
            && all.get(i + 1).is_none_or(|next| next.kind == Token::Name)
    };
    let start = (0..all.len()).rev().find(|&i| starts_item(i)).unwrap_or(0);
    let tokens = &all[start..];
    let Some(first) = tokens.first() else {
        return Some(Place::TopLevel);
    };
    let keyword = word(first);
    // The brackets still open: each with its index among `tokens`.
    let mut open: Vec<usize> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match word(t) {
            "(" | "[" | "{" => open.push(i),
            ")" | "]" | "}" => {
                open.pop();
            }
            _ => {}
        }
    }
    let Some(&innermost) = open.last() else {
        // Past a definition's last bracket, another may start.
        let closed = tokens.last().is_some_and(|t| matches!(word(t), ")" | "}"));
        return closed.then_some(Place::TopLevel);
    };
    let previous = tokens.last().map(word).unwrap_or("");
    let before = |i: usize| i.checked_sub(1).and_then(|j| tokens.get(j)).map(word);
    // After `key =` (or inside `key = [`): a value.
    if previous == "=" || previous == "[" || previous == "," && word(&tokens[innermost]) == "[" {
        let eq = if previous == "=" {
            tokens.len() - 1
        } else {
            innermost.checked_sub(1)?
        };
        if before(eq + 1) == Some("=") {
            let key = before(eq)?;
            let callee = enclosing_call(tokens, &open, word);
            return Some(Place::Value { callee, key });
        }
    }
    let bracket = word(&tokens[innermost]);
    match bracket {
        "(" => {
            let callee = before(innermost)?;
            // A template's parameter list is declared, not completed.
            if !matches!(previous, "(" | ",") || keyword == "model" && open.len() == 1 {
                return None;
            }
            let given = named_at_depth(tokens, innermost, word);
            Some(Place::Argument { callee, given })
        }
        "{" => {
            let at_start = matches!(previous, "{" | ")" | "}" | "]")
                || tokens.last().is_some_and(|t| t.kind != Token::Punct);
            if !at_start {
                // `models = { name:` — a model.
                return (previous == ":" && is_models_map(tokens, innermost, word))
                    .then_some(Place::Model);
            }
            match keyword {
                "model" => Some(Place::Layer),
                "train" | "experiment" if open.len() == 1 => {
                    let kind = if keyword == "train" {
                        Kind::Training
                    } else {
                        Kind::Experiment
                    };
                    Some(Place::Setting(
                        kind,
                        named_at_depth(tokens, innermost, word),
                    ))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The callee of the innermost call around the end, if the innermost bracket is a call's.
fn enclosing_call<'t>(
    tokens: &[tokens::Token],
    open: &[usize],
    word: impl Fn(&tokens::Token) -> &'t str,
) -> Option<&'t str> {
    let &innermost = open.last()?;
    (word(&tokens[innermost]) == "(").then(|| innermost.checked_sub(1).map(|i| word(&tokens[i])))?
}

/// The names followed by `=` directly inside the bracket at `open`: the keys or argument
/// names already written there.
fn named_at_depth<'t>(
    tokens: &[tokens::Token],
    open: usize,
    word: impl Fn(&tokens::Token) -> &'t str,
) -> Vec<&'t str> {
    let mut depth = 0;
    let mut found = Vec::new();
    for (i, t) in tokens.iter().enumerate().skip(open + 1) {
        match word(t) {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth -= 1,
            "=" if depth == 0 => found.push(word(&tokens[i - 1])),
            _ => {}
        }
    }
    found
}

/// Whether the brace at `open` is the value of a `models =` setting.
fn is_models_map<'t>(
    tokens: &[tokens::Token],
    open: usize,
    word: impl Fn(&tokens::Token) -> &'t str,
) -> bool {
    open >= 2 && word(&tokens[open - 1]) == "=" && word(&tokens[open - 2]) == "models"
}
