//! Stage 1: `.ofit` text → syntax tree with spans, plus every syntax error.
//!
//! Parsing never panics and never stops at the first error: the file is cut into
//! top-level items ([`split`]) and each is parsed on its own, so a broken item is reported
//! and skipped while the rest still reach the checker.

pub mod ast;
mod expected;
mod nesting;
mod parser;
mod split;
pub mod tokens;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::source::{Source, Span};
use parser::{Builder, OfitParser, Rule};
use pest::Parser;
use std::collections::HashMap;

/// The result of parsing: the items that parsed, and a diagnostic for each that did not.
#[derive(Debug)]
pub struct Parsed {
    /// The syntax tree of the items that parsed.
    pub file: ast::File,
    /// Syntax errors, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses a whole file.
pub fn parse(source: &Source) -> Parsed {
    parse_pieces(source, None)
}

/// The items of an earlier parse, by their text. An editor parses after every change; an
/// item whose text did not change is taken from here (its spans moved to where it now
/// is) instead of being parsed again, so a change costs the parse of the items it touched.
#[derive(Debug, Default)]
pub struct Reuse {
    pieces: HashMap<String, Piece>,
}

/// What one piece of a file (`split::split_items`) parsed to.
#[derive(Debug, Clone)]
enum Piece {
    /// An item, or nothing (a piece of comments), with spans from the piece's start.
    Parsed(Option<ast::Item>),
    /// Its syntax errors, with spans in the file: what they say depends on what follows
    /// the piece ("found the next definition"), so they are not reused.
    Broken(Vec<Diagnostic>),
}

/// [`parse`], taking the items whose text is unchanged from `reuse`, which is left holding
/// this parse's items.
pub fn parse_reusing(source: &Source, reuse: &mut Reuse) -> Parsed {
    parse_pieces(source, Some(reuse))
}

/// Parses the file piece by piece, reusing and keeping the pieces in `reuse` if given.
fn parse_pieces(source: &Source, mut reuse: Option<&mut Reuse>) -> Parsed {
    let text = source.text();
    let mut file = ast::File::default();
    let mut diagnostics = Diagnostics::default();
    let mut kept = HashMap::new();
    for range in split::split_items(text) {
        let piece_text = &text[range.clone()];
        let piece = reuse
            .as_mut()
            .and_then(|reuse| reuse.pieces.remove(piece_text))
            .unwrap_or_else(|| parse_piece(text, range.clone()));
        match piece {
            Piece::Parsed(item) => {
                if reuse.is_some() {
                    kept.insert(piece_text.to_string(), Piece::Parsed(item.clone()));
                }
                file.items.extend(item.map(|mut item| {
                    item.shift(range.start);
                    item
                }));
            }
            Piece::Broken(found) => {
                found.into_iter().for_each(|d| diagnostics.push(d));
                file.broken.extend(split::head(text, range));
            }
        }
    }
    if let Some(reuse) = reuse {
        reuse.pieces = kept;
    }
    Parsed {
        file,
        diagnostics: diagnostics.into_sorted(),
    }
}

/// Parses the piece of `text` at `range` on its own.
fn parse_piece(text: &str, range: std::ops::Range<usize>) -> Piece {
    let piece = &text[range.clone()];
    if let Some(at) = nesting::too_deep(piece) {
        let at = range.start + at;
        return Piece::Broken(vec![Diagnostic::error(
            Code::Syntax,
            Span::new(at, at + 1),
            format!("brackets nest more than {} levels deep", nesting::MAX_DEPTH),
        )
        .with_label("too deep")
        .with_help(
            "a spec never needs this much nesting: is a closing bracket missing?",
        )]);
    }
    match OfitParser::parse(Rule::item_alone, piece) {
        Ok(mut pairs) => {
            let mut builder = Builder::new();
            let item = pairs
                .find(|p| p.as_rule() != Rule::EOI)
                .map(|p| builder.item(p));
            if builder.bad_numbers.is_empty() {
                return Piece::Parsed(item);
            }
            // A number that does not fit is reported once; the item is not checked, so
            // the placeholder value does not cause a second, misleading error.
            Piece::Broken(
                builder
                    .bad_numbers
                    .into_iter()
                    .map(|(span, why)| {
                        let span = span.shifted(range.start);
                        Diagnostic::error(Code::BadNumber, span, format!("this number is {why}"))
                            .with_label(why)
                            .with_help("integers go up to 9,223,372,036,854,775,807; floats to about 1.8e308")
                    })
                    .collect(),
            )
        }
        Err(error) => Piece::Broken(vec![expected::describe(text, range, &error)]),
    }
}

/// The span of the token that starts at `offset` in `text`: a word, a number, a string up
/// to the end of its line, a single character, or an empty span at the end of the text.
pub(crate) fn token_at(text: &str, offset: usize) -> Span {
    let rest = &text[offset..];
    let Some(first) = rest.chars().next() else {
        return Span::new(offset, offset);
    };
    let len = if first.is_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len())
    } else if first == '"' {
        rest.find('\n').unwrap_or(rest.len())
    } else {
        first.len_utf8()
    };
    Span::new(offset, offset + len)
}
