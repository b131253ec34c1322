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
    let text = source.text();
    let mut file = ast::File::default();
    let mut diagnostics = Diagnostics::default();
    for range in split::split_items(text) {
        let piece = &text[range.clone()];
        if let Some(at) = nesting::too_deep(piece) {
            let at = range.start + at;
            diagnostics.push(
                Diagnostic::error(
                    Code::Syntax,
                    Span::new(at, at + 1),
                    format!("brackets nest more than {} levels deep", nesting::MAX_DEPTH),
                )
                .with_label("too deep")
                .with_help("a spec never needs this much nesting: is a closing bracket missing?"),
            );
            continue;
        }
        match OfitParser::parse(Rule::item_alone, piece) {
            Ok(mut pairs) => {
                let mut builder = Builder::new(range.start);
                let item = pairs
                    .find(|p| p.as_rule() != Rule::EOI)
                    .map(|p| builder.item(p));
                if builder.bad_numbers.is_empty() {
                    file.items.extend(item);
                    continue;
                }
                // A number that does not fit is reported once; the item is not checked,
                // so the placeholder value does not cause a second, misleading error.
                for (span, why) in builder.bad_numbers {
                    diagnostics.push(
                        Diagnostic::error(Code::BadNumber, span, format!("this number is {why}"))
                            .with_label(why)
                            .with_help("integers go up to 9,223,372,036,854,775,807; floats to about 1.8e308"),
                    );
                }
                file.broken.extend(split::head(text, range));
            }
            Err(error) => {
                diagnostics.push(expected::describe(text, range.clone(), &error));
                file.broken.extend(split::head(text, range));
            }
        }
    }
    Parsed {
        file,
        diagnostics: diagnostics.into_sorted(),
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
