//! Turns a pest error into a diagnostic in the user's words.
//!
//! pest reports the rules and tokens it tried at the furthest position it reached. Rule
//! names are grammar internals ("expected WHITESPACE or ident_char"), so every rule a user
//! can meet is mapped to words here, and the found token is quoted from the source.

use super::parser::Rule;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use pest::error::{Error, InputLocation};
use std::collections::BTreeSet;
use std::ops::Range;

/// What a user should read for a rule the parser expected, or `None` for rules that are
/// never worth naming on their own (whitespace, pieces of a token).
fn words(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::item | Rule::dataset | Rule::model | Rule::training | Rule::experiment => {
            "a definition (`dataset`, `model`, `train` or `experiment`)"
        }
        Rule::kw_dataset | Rule::kw_model | Rule::kw_train | Rule::kw_experiment => {
            "a definition (`dataset`, `model`, `train` or `experiment`)"
        }
        Rule::name | Rule::ident => "a name",
        Rule::params => "template parameters such as `(units: int = 16)`",
        Rule::param => "a parameter such as `units: int = 16`",
        Rule::type_name => "a type (`int`, `float`, `bool` or `activation`)",
        Rule::layer | Rule::repeat_block | Rule::kw_repeat => {
            "a layer such as `dense(16, relu)`, or `repeat(n) { … }`"
        }
        Rule::block => "`{`",
        Rule::field => "a setting such as `epochs = 20`",
        Rule::args => "`(`",
        Rule::arg => "an argument",
        Rule::entry => "an entry such as `baseline: mlp(16)`",
        Rule::call
        | Rule::list
        | Rule::map
        | Rule::number
        | Rule::string
        | Rule::boolean
        | Rule::reference
        | Rule::value => "a value",
        Rule::chars | Rule::escape => "the closing `\"` of the string",
        Rule::equals => "`=`",
        Rule::colon => "`:`",
        Rule::comma => "`,`",
        Rule::open_paren => "`(`",
        Rule::close_paren => "`)`",
        Rule::open_brace => "`{`",
        Rule::close_brace => "`}`",
        Rule::open_bracket => "`[`",
        Rule::close_bracket => "`]`",
        Rule::EOI => "the end of the definition",
        _ => return None,
    })
}

/// Builds the diagnostic for a failed parse of the item at `range` in `text`.
pub(super) fn describe(text: &str, range: Range<usize>, error: &Error<Rule>) -> Diagnostic {
    let piece = &text[range.clone()];
    let mut position = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((start, _)) => start,
    };
    // An item cut short (a missing `}` or `)`) fails where the next item starts or the file
    // ends; the mistake is right after the item's last token, so point there.
    let cut_short = piece[position..].trim().is_empty();
    if cut_short {
        position = piece.trim_end().len();
    }
    let mut expected: BTreeSet<&str> = BTreeSet::new();
    if let pest::error::ErrorVariant::ParsingError { positives, .. } = &error.variant {
        expected.extend(positives.iter().filter_map(|r| words(*r)));
    }
    let context = enclosing(&piece[..position]);
    if context == Context::TopLevel && expected.len() > 1 {
        // Where a definition may start, "the end of the definition" is no help.
        expected.remove("the end of the definition");
    }
    refine(&mut expected, context);
    let (span, found) = if cut_short {
        let at = range.start + position;
        let found = if range.end == text.len() {
            "end of file".to_string()
        } else {
            format!(
                "the next definition `{}`",
                text[range.end..].split_whitespace().next().unwrap_or("")
            )
        };
        (Span::new(at, at), found)
    } else {
        (
            super::token_at(piece, position).shifted(range.start),
            describe_found(&piece[position..]),
        )
    };
    let expected: Vec<&str> = expected.into_iter().collect();
    let message = match expected.as_slice() {
        [] => format!("unexpected {found}"),
        list => format!(
            "expected {}, found {found}",
            crate::suggest::join(list, "or")
        ),
    };
    let label = if cut_short {
        "the definition ends here".to_string()
    } else {
        format!("unexpected {found}")
    };
    let help = if context == Context::TopLevel && !cut_short {
        "a spec is a list of definitions, each starting with `dataset`, `model`, `train` or `experiment`"
    } else if cut_short {
        "every `(`, `[` and `{` needs its closing partner before the next definition starts"
    } else if expected.contains(&"`,`") && !found.starts_with("`)") && !found.starts_with("`}") {
        "separate arguments, list items and map entries with `,`"
    } else {
        "grammar/GRAMMAR.md describes the syntax of every definition"
    };
    Diagnostic::error(Code::Syntax, span, message)
        .with_label(label)
        .with_help(help)
}

/// The innermost bracket open at the end of `before`, and whether the item is a model.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Context {
    TopLevel,
    ModelBody,
    Block,
    Map,
    Parens,
    List,
}

fn enclosing(before: &str) -> Context {
    let is_model = before.trim_start().starts_with("model");
    let stack = super::nesting::open_at_end(before);
    match (stack.as_slice(), stack.last()) {
        ([], _) => Context::TopLevel,
        ([_], Some('{')) if is_model => Context::ModelBody,
        ([_], Some('{')) => Context::Block,
        (_, Some('{')) => Context::Map,
        (_, Some('[')) => Context::List,
        _ => Context::Parens,
    }
}

/// pest names the deepest rule it tried, which is often just "a name"; the enclosing
/// bracket says what that name would have started.
fn refine(expected: &mut BTreeSet<&str>, context: Context) {
    if expected.contains("a value") {
        // `[`, `{` and a name are the starts of values: say "a value" once.
        expected.retain(|w| !matches!(*w, "`[`" | "`{`" | "a name"));
    }
    if expected.remove("a name") {
        expected.insert(match context {
            Context::ModelBody => "a layer such as `dense(16, relu)`",
            Context::Block => "a setting such as `epochs = 20`",
            Context::Map => "an entry such as `baseline: mlp(16)`",
            Context::Parens | Context::List | Context::TopLevel => "a name",
        });
    }
}

fn describe_found(rest: &str) -> String {
    let span = super::token_at(rest, 0);
    let token: String = rest[span.start..span.end].chars().take(30).collect();
    format!("`{token}`")
}
