//! `ofit fmt`: one canonical layout for a spec, comments kept where they were written.
//!
//! The layout is printed from the syntax tree, so it cannot change what the spec means;
//! the comments, which the grammar skips, are taken from the source between the spans
//! ([`tokens::comments`]) and written before the first token they precede, or after the
//! last one on their line. The rules, which GRAMMAR.md states for users:
//!
//! - two spaces per level; one layer, one setting, one template parameter per line;
//! - the `=` of a block's settings aligned, as are those of adjacent datasets;
//! - a call, list or map on one line when it fits in [`WIDTH`] columns and holds no
//!   comment; otherwise one element per line, each with a trailing comma;
//! - `f(a, k = v)`, `[a, b]`, `{ k: v }`; optional commas between settings dropped;
//! - one blank line between definitions (adjacent datasets excepted), and a blank line
//!   inside a block kept (one of several) where the author left one;
//! - literals as written: `10_000` stays `10_000`.

use crate::diagnostic::Diagnostic;
use crate::source::{Source, Span};
use crate::syntax::ast::{
    Arg, BlockItem, Call, DatasetItem, Entry, Field, Item, LayerNode, ModelItem, Param, Value,
    ValueKind,
};
use crate::syntax::{self, tokens};

/// The widest a line is allowed to be before a call, list or map is broken up.
pub const WIDTH: usize = 100;

const INDENT: &str = "  ";

/// The canonical layout of `source`, or its syntax errors when it does not parse: a file
/// that does not parse is never rewritten, since its comments and layout cannot be placed
/// on a tree that is not there.
pub fn format(source: &Source) -> Result<String, Vec<Diagnostic>> {
    let parsed = syntax::parse(source);
    if !parsed.diagnostics.is_empty() {
        return Err(parsed.diagnostics);
    }
    let text = source.text();
    let items = &parsed.file.items;
    let name_widths = dataset_name_widths(text, items);
    let mut printer = Printer::new(text);
    for (i, item) in items.iter().enumerate() {
        let joins_datasets = i > 0 && adjacent_datasets(text, &items[i - 1], item);
        if i > 0 && !joins_datasets {
            printer.blank = true;
        }
        match item {
            Item::Dataset(dataset) => printer.dataset(dataset, name_widths[i]),
            Item::Model(model) => printer.model(model),
            Item::Training(block) => printer.block("train", block),
            Item::Experiment(block) => printer.block("experiment", block),
        }
        printer.newline();
    }
    printer.comments_before(usize::MAX);
    Ok(printer.out)
}

/// Whether `a` and `b` are datasets with no empty line between them: such a run of
/// datasets is laid out as one group, their `=` aligned.
fn adjacent_datasets(text: &str, a: &Item, b: &Item) -> bool {
    matches!((a, b), (Item::Dataset(_), Item::Dataset(_)))
        && !has_blank_line(&text[a.span().end..b.span().start])
}

/// For each item, the width its name is padded to: the longest name of its run of
/// adjacent datasets (0 for other items).
fn dataset_name_widths(text: &str, items: &[Item]) -> Vec<usize> {
    let mut widths = vec![0; items.len()];
    let mut first = 0;
    while first < items.len() {
        let mut end = first + 1;
        while end < items.len() && adjacent_datasets(text, &items[end - 1], &items[end]) {
            end += 1;
        }
        let width = items[first..end]
            .iter()
            .filter_map(|item| match item {
                Item::Dataset(dataset) => Some(dataset.name.text.len()),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        widths[first..end].fill(width);
        first = end;
    }
    widths
}

/// Whether the text between two things holds an empty line (a line of a comment is not).
fn has_blank_line(between: &str) -> bool {
    let mut lines = between.split('\n');
    lines.next();
    let mut inner: Vec<&str> = lines.collect();
    inner.pop();
    inner.iter().any(|line| line.trim().is_empty())
}

/// Something a bracketed group holds: written on one line with its siblings, or on its own.
#[derive(Clone, Copy)]
enum Part<'t> {
    Value(&'t Value),
    Arg(&'t Arg),
    Entry(&'t Entry),
    Param(&'t Param),
}

impl Part<'_> {
    fn span(self) -> Span {
        match self {
            Part::Value(value) => value.span,
            Part::Arg(arg) => arg.span(),
            Part::Entry(entry) => entry.span(),
            Part::Param(param) => param.span(),
        }
    }
}

/// The output being built, and where it stands in the source.
struct Printer<'a> {
    text: &'a str,
    comments: Vec<Span>,
    /// The first comment not yet written.
    next_comment: usize,
    out: String,
    depth: usize,
    /// The current line holds one more level: it continues a line a comment broke.
    continued: bool,
    /// Nothing is written on the current line yet.
    line_start: bool,
    /// The source offset past the last token or comment written.
    last: usize,
    /// An empty line goes before the next line written.
    blank: bool,
    /// The line before opens a bracket: no empty line may follow it.
    opened: bool,
}

impl<'a> Printer<'a> {
    fn new(text: &'a str) -> Self {
        Printer {
            text,
            comments: tokens::comments(text),
            next_comment: 0,
            out: String::with_capacity(text.len() + text.len() / 8),
            depth: 0,
            continued: false,
            line_start: true,
            last: 0,
            blank: false,
            opened: false,
        }
    }

    fn source(&self, span: Span) -> &'a str {
        &self.text[span.start..span.end]
    }

    /// Writes `s` on the current line, indenting a fresh one.
    fn write(&mut self, s: &str) {
        if self.line_start {
            if self.blank && !self.opened && !self.out.is_empty() {
                self.out.push('\n');
            }
            self.blank = false;
            self.opened = false;
            for _ in 0..self.depth + usize::from(self.continued) {
                self.out.push_str(INDENT);
            }
            self.line_start = false;
        }
        self.out.push_str(s);
    }

    /// Writes a token found at `span` of the source, after the comments before it.
    fn token(&mut self, s: &str, span: Span) {
        self.comments_before(span.start);
        self.write(s);
        self.last = span.end;
    }

    /// Ends the line, with the comment that follows its last token on the same source
    /// line, if there is one.
    fn newline(&mut self) {
        if self.line_start {
            return;
        }
        if let Some(&comment) = self.comments.get(self.next_comment) {
            let between = &self.text[self.last.min(comment.start)..comment.start];
            if between
                .chars()
                .all(|c| matches!(c, ' ' | '\t' | '\r' | ',' | '(' | '[' | '{'))
            {
                self.out.push_str("  ");
                self.out.push_str(self.source(comment).trim_end());
                self.next_comment += 1;
                self.last = comment.end;
            }
        }
        self.out.push('\n');
        self.line_start = true;
        self.continued = false;
    }

    /// Writes every comment that starts before `pos`: each on its own line, an empty line
    /// before it where the source has one. One that falls inside a line (between a
    /// keyword and its name, say) ends that line, and the line continues below it.
    fn comments_before(&mut self, pos: usize) {
        while let Some(&comment) = self.comments.get(self.next_comment) {
            if comment.start >= pos {
                break;
            }
            self.next_comment += 1;
            let text = self.source(comment).trim_end();
            if self.line_start {
                if has_blank_line(&self.text[self.last.min(comment.start)..comment.start]) {
                    self.blank = true;
                }
                self.write(text);
                self.last = comment.end;
                self.newline();
            } else {
                self.out.truncate(self.out.trim_end().len());
                self.out.push_str("  ");
                self.out.push_str(text);
                self.last = comment.end;
                self.newline();
                self.continued = true;
            }
        }
    }

    /// Starts a line-level element found at `pos`: its comments, and the empty line
    /// before it that the source has.
    fn member(&mut self, pos: usize) {
        self.comments_before(pos);
        if has_blank_line(&self.text[self.last.min(pos)..pos]) {
            self.blank = true;
        }
    }

    /// Where the next token at or after `from` starts, past spaces and comments.
    fn next_token(&self, from: usize) -> usize {
        let mut at = from;
        loop {
            let rest = &self.text[at..];
            let trimmed = rest.trim_start();
            at += rest.len() - trimmed.len();
            if !trimmed.starts_with('#') {
                return at;
            }
            at += trimmed.find('\n').unwrap_or(trimmed.len());
        }
    }

    fn column(&self) -> usize {
        if self.line_start {
            return INDENT.len() * (self.depth + usize::from(self.continued));
        }
        let line = self.out.rfind('\n').map_or(0, |n| n + 1);
        self.out[line..].chars().count()
    }

    fn has_comment_in(&self, span: Span) -> bool {
        self.comments[self.next_comment..]
            .iter()
            .take_while(|c| c.start < span.end)
            .any(|c| c.start >= span.start)
    }

    // ---- items -----------------------------------------------------------------------

    fn dataset(&mut self, dataset: &DatasetItem, name_width: usize) {
        self.member(dataset.span.start);
        self.keyword("dataset", dataset.span);
        self.write(" ");
        self.token(&dataset.name.text, dataset.name.span);
        self.write(&pad(&dataset.name.text, name_width));
        self.write(" = ");
        self.call(&dataset.source, 0);
    }

    fn model(&mut self, model: &ModelItem) {
        self.member(model.span.start);
        self.keyword("model", model.span);
        self.write(" ");
        self.token(&model.name.text, model.name.span);
        if let (Some(span), false) = (model.params_span, model.params.is_empty()) {
            let parts: Vec<Part> = model.params.iter().map(Part::Param).collect();
            self.group("(", ")", span, &parts, 2);
        }
        let layers: Vec<_> = model.layers.iter().collect();
        self.body(&layers, model.span.end - 1, |p, layer| p.layer(layer));
    }

    fn layer(&mut self, layer: &LayerNode) {
        match layer {
            LayerNode::Call(call) => self.call(call, 0),
            LayerNode::Repeat { times, body } => {
                self.call(times, 2);
                let layers: Vec<_> = body.iter().collect();
                self.body(&layers, times.span.end - 1, |p, layer| p.layer(layer));
            }
        }
    }

    fn block(&mut self, keyword: &'static str, block: &BlockItem) {
        self.member(block.span.start);
        self.keyword(keyword, block.span);
        self.write(" ");
        self.token(&block.name.text, block.name.span);
        let key_width = block
            .fields
            .iter()
            .map(|f| f.key.text.len())
            .max()
            .unwrap_or(0);
        let fields: Vec<_> = block.fields.iter().collect();
        self.body(&fields, block.span.end - 1, |p, field: &Field| {
            p.token(&field.key.text, field.key.span);
            p.write(&pad(&field.key.text, key_width));
            p.write(" = ");
            p.value(&field.value, 0);
        });
    }

    fn keyword(&mut self, keyword: &str, item: Span) {
        self.token(keyword, Span::new(item.start, item.start + keyword.len()));
    }

    /// ` { ... }` after what precedes it: one member per line, then the comments before the
    /// `}` at `close`, then the `}`.
    fn body<T: Spanned>(&mut self, members: &[&T], close: usize, print: impl Fn(&mut Self, &T)) {
        let open = self.next_token(self.last);
        self.write(" ");
        self.token("{", Span::new(open, open + 1));
        if members.is_empty() && !self.has_comment_in(Span::new(open, close)) {
            self.token("}", Span::new(close, close + 1));
            return;
        }
        self.depth += 1;
        self.newline();
        self.opened = true;
        for member in members {
            self.member(member.start());
            print(self, member);
            self.newline();
        }
        self.comments_before(close);
        self.depth -= 1;
        self.token("}", Span::new(close, close + 1));
    }

    // ---- values ----------------------------------------------------------------------

    /// A value, followed on its line by `trail` more columns.
    fn value(&mut self, value: &Value, trail: usize) {
        match &value.kind {
            ValueKind::Call(call) => self.call(call, trail),
            ValueKind::List(items) => {
                let parts: Vec<Part> = items.iter().map(Part::Value).collect();
                self.group("[", "]", value.span, &parts, trail);
            }
            ValueKind::Map(entries) => {
                let parts: Vec<Part> = entries.iter().map(Part::Entry).collect();
                self.group("{", "}", value.span, &parts, trail);
            }
            _ => self.token(self.source(value.span), value.span),
        }
    }

    fn call(&mut self, call: &Call, trail: usize) {
        self.token(&call.callee.text, call.callee.span);
        let parts: Vec<Part> = call.args.iter().map(Part::Arg).collect();
        let args = Span::new(self.next_token(call.callee.span.end), call.span.end);
        self.group("(", ")", args, &parts, trail);
    }

    /// A bracketed group whose brackets are the ends of `span`: on one line when it fits
    /// and holds no comment, else one part per line.
    fn group(&mut self, open: &str, close: &str, span: Span, parts: &[Part], trail: usize) {
        let flat = self.flat_group(open, close, parts);
        let fits = self.column() + flat.chars().count() + trail <= WIDTH;
        if fits && !self.has_comment_in(span) {
            self.comments_before(span.start);
            self.write(&flat);
            self.last = span.end;
            return;
        }
        self.token(open, Span::new(span.start, span.start + 1));
        self.depth += 1;
        self.newline();
        self.opened = true;
        for &part in parts {
            self.member(part.span().start);
            self.part(part, 1);
            self.write(",");
            self.newline();
        }
        let close_at = span.end - 1;
        self.comments_before(close_at);
        self.depth -= 1;
        self.token(close, Span::new(close_at, span.end));
    }

    fn part(&mut self, part: Part, trail: usize) {
        match part {
            Part::Value(value) => self.value(value, trail),
            Part::Arg(arg) => {
                if let Some(name) = &arg.name {
                    self.token(&name.text, name.span);
                    self.write(" = ");
                }
                self.value(&arg.value, trail);
            }
            Part::Entry(entry) => {
                self.token(&entry.key.text, entry.key.span);
                self.write(": ");
                self.value(&entry.value, trail);
            }
            Part::Param(param) => {
                self.token(&param.name.text, param.name.span);
                self.write(": ");
                self.token(&param.ty.text, param.ty.span);
                if let Some(default) = &param.default {
                    self.write(" = ");
                    self.value(default, trail);
                }
            }
        }
    }

    // ---- one-line forms --------------------------------------------------------------

    fn flat_group(&self, open: &str, close: &str, parts: &[Part]) -> String {
        if parts.is_empty() {
            return format!("{open}{close}");
        }
        let inner: Vec<String> = parts.iter().map(|&part| self.flat_part(part)).collect();
        let inner = inner.join(", ");
        if open == "{" {
            format!("{{ {inner} }}")
        } else {
            format!("{open}{inner}{close}")
        }
    }

    fn flat_part(&self, part: Part) -> String {
        match part {
            Part::Value(value) => self.flat(value),
            Part::Arg(Arg {
                name: Some(name),
                value,
            }) => {
                format!("{} = {}", name.text, self.flat(value))
            }
            Part::Arg(Arg { name: None, value }) => self.flat(value),
            Part::Entry(entry) => format!("{}: {}", entry.key.text, self.flat(&entry.value)),
            Part::Param(param) => match &param.default {
                Some(default) => format!(
                    "{}: {} = {}",
                    param.name.text,
                    param.ty.text,
                    self.flat(default)
                ),
                None => format!("{}: {}", param.name.text, param.ty.text),
            },
        }
    }

    fn flat(&self, value: &Value) -> String {
        match &value.kind {
            ValueKind::Call(call) => {
                let parts: Vec<Part> = call.args.iter().map(Part::Arg).collect();
                format!("{}{}", call.callee.text, self.flat_group("(", ")", &parts))
            }
            ValueKind::List(items) => {
                let parts: Vec<Part> = items.iter().map(Part::Value).collect();
                self.flat_group("[", "]", &parts)
            }
            ValueKind::Map(entries) => {
                let parts: Vec<Part> = entries.iter().map(Part::Entry).collect();
                self.flat_group("{", "}", &parts)
            }
            _ => self.source(value.span).to_string(),
        }
    }
}

/// The spaces that bring `name` to `width` columns.
fn pad(name: &str, width: usize) -> String {
    " ".repeat(width.saturating_sub(name.len()))
}

/// A line-level member of a body: where it starts in the source.
trait Spanned {
    fn start(&self) -> usize;
}

impl Spanned for LayerNode {
    fn start(&self) -> usize {
        self.span().start
    }
}

impl Spanned for Field {
    fn start(&self) -> usize {
        self.span().start
    }
}
