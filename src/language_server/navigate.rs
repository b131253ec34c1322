//! What a name under the cursor stands for, and everywhere that thing is written: go to
//! definition, find references and rename. Top-level definitions follow the references
//! the checker resolved (`Checked::references`); a template parameter is every bare name
//! in its model's body that spells it, as the checker binds them.

use super::document::Document;
use crate::source::Span;
use crate::syntax::ast::{Item, LayerNode, ModelItem, Value, ValueKind};

/// A thing a name can stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symbol {
    /// A top-level definition, by its index among the file's items.
    Item(usize),
    /// Parameter `param` of the template at item `model`.
    Param {
        /// The template's item index.
        model: usize,
        /// The parameter's index.
        param: usize,
    },
}

/// The symbol whose name covers byte `offset` (the cursor just after a name counts), and
/// the span of that name.
pub fn symbol_at(doc: &Document, offset: usize) -> Option<(Symbol, Span)> {
    let covers = |span: Span| span.start <= offset && offset <= span.end;
    for (index, item) in doc.file.items.iter().enumerate() {
        if covers(item.name().span) {
            return Some((Symbol::Item(index), item.name().span));
        }
    }
    if let Some(r) = doc.checked.references.iter().find(|r| covers(r.span)) {
        return Some((Symbol::Item(r.item), r.span));
    }
    let (index, model) = doc
        .file
        .items
        .iter()
        .enumerate()
        .find_map(|(i, item)| match item {
            Item::Model(model) if covers(model.span) => Some((i, model)),
            _ => None,
        })?;
    for (param, p) in model.params.iter().enumerate() {
        let symbol = Symbol::Param {
            model: index,
            param,
        };
        if covers(p.name.span) {
            return Some((symbol, p.name.span));
        }
        if let Some(&span) = param_uses(model, param).iter().find(|s| covers(**s)) {
            return Some((symbol, span));
        }
    }
    None
}

/// Where `symbol` is defined.
pub fn definition(doc: &Document, symbol: Symbol) -> Span {
    match symbol {
        Symbol::Item(item) => doc.file.items[item].name().span,
        Symbol::Param { model, param } => template(doc, model).params[param].name.span,
    }
}

/// Every place `symbol` is written: its definition first, then its uses in source order.
pub fn occurrences(doc: &Document, symbol: Symbol) -> Vec<Span> {
    let mut spans = vec![definition(doc, symbol)];
    match symbol {
        Symbol::Item(item) => spans.extend(
            doc.checked
                .references
                .iter()
                .filter(|r| r.item == item)
                .map(|r| r.span),
        ),
        Symbol::Param { model, param } => spans.extend(param_uses(template(doc, model), param)),
    }
    spans
}

/// Why `name` cannot be the new name of `symbol`, if it cannot.
pub fn rename_refused(doc: &Document, symbol: Symbol, name: &str) -> Option<String> {
    let mut chars = name.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !starts_well || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Some(format!(
            "`{name}` is not a name: a name is a letter or `_`, then letters, digits and `_`"
        ));
    }
    let taken = match symbol {
        Symbol::Item(_) => doc.file.items.iter().any(|item| item.name().text == name),
        Symbol::Param { model, .. } => template(doc, model)
            .params
            .iter()
            .any(|p| p.name.text == name),
    };
    taken.then(|| format!("`{name}` is already defined"))
}

fn template(doc: &Document, model: usize) -> &ModelItem {
    match &doc.file.items[model] {
        Item::Model(model) => model,
        _ => unreachable!("a parameter's item is a model"),
    }
}

/// The bare names in a template's body that refer to its parameter `param`.
fn param_uses(model: &ModelItem, param: usize) -> Vec<Span> {
    let name = &model.params[param].name.text;
    let mut found = Vec::new();
    let mut values: Vec<&Value> = Vec::new();
    let mut layers: Vec<&LayerNode> = model.layers.iter().collect();
    while let Some(layer) = layers.pop() {
        match layer {
            LayerNode::Call(call) => values.extend(call.args.iter().map(|a| &a.value)),
            LayerNode::Repeat { times, body } => {
                values.extend(times.args.iter().map(|a| &a.value));
                layers.extend(body);
            }
        }
    }
    while let Some(value) = values.pop() {
        match &value.kind {
            ValueKind::Name(text) if text == name => found.push(value.span),
            ValueKind::Call(call) => values.extend(call.args.iter().map(|a| &a.value)),
            ValueKind::List(items) => values.extend(items),
            ValueKind::Map(entries) => values.extend(entries.iter().map(|e| &e.value)),
            _ => {}
        }
    }
    found.sort_unstable();
    found
}
