//! The pest parser and the conversion of its pairs into the syntax tree.

use super::ast::*;
use crate::source::Span;
use pest::iterators::Pair;
use pest_derive::Parser;

/// The parser generated from `grammar/ofit.pest`.
#[derive(Parser)]
#[grammar = "../grammar/ofit.pest"]
pub struct OfitParser;

/// Builds tree nodes from pest pairs of one item, spans counted from the item's piece.
/// Numbers that do not fit their type are collected as errors.
pub(super) struct Builder {
    /// Spans of number literals that overflow, with the reason.
    pub bad_numbers: Vec<(Span, &'static str)>,
}

impl Builder {
    pub fn new() -> Self {
        Builder {
            bad_numbers: Vec::new(),
        }
    }

    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        Span::new(s.start(), s.end())
    }

    pub fn item(&mut self, pair: Pair<Rule>) -> Item {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = parts(pair);
        let name = self.ident(inner.next().expect("item has a name"));
        match rule {
            Rule::dataset => Item::Dataset(DatasetItem {
                name,
                source: self.call(inner.next().expect("dataset has a source")),
                span,
            }),
            Rule::model => {
                let mut params = Vec::new();
                let mut params_span = None;
                let mut layers = Vec::new();
                for part in inner {
                    match part.as_rule() {
                        Rule::params => {
                            params_span = Some(self.span(&part));
                            params = parts(part).map(|p| self.param(p)).collect();
                        }
                        Rule::layer => layers.push(self.layer(part)),
                        other => unreachable!("model part {other:?}"),
                    }
                }
                Item::Model(ModelItem {
                    name,
                    params,
                    params_span,
                    layers,
                    span,
                })
            }
            Rule::training | Rule::experiment => {
                let block = inner.next().expect("block");
                let fields = parts(block).map(|f| self.field(f)).collect();
                let item = BlockItem { name, fields, span };
                if rule == Rule::training {
                    Item::Training(item)
                } else {
                    Item::Experiment(item)
                }
            }
            other => unreachable!("item rule {other:?}"),
        }
    }

    fn ident(&self, pair: Pair<Rule>) -> Ident {
        Ident {
            text: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn param(&mut self, pair: Pair<Rule>) -> Param {
        let mut inner = parts(pair);
        let name = self.ident(inner.next().expect("param name"));
        let ty = self.ident(inner.next().expect("param type"));
        let default = inner.next().map(|v| self.value(v));
        Param { name, ty, default }
    }

    fn field(&mut self, pair: Pair<Rule>) -> Field {
        let mut inner = parts(pair);
        let key = self.ident(inner.next().expect("field key"));
        let value = self.value(inner.next().expect("field value"));
        Field { key, value }
    }

    /// A `layer`: a call, or a `repeat` block and its layers.
    fn layer(&mut self, pair: Pair<Rule>) -> LayerNode {
        let inner = parts(pair)
            .next()
            .expect("a layer holds a call or a repeat");
        if inner.as_rule() == Rule::call {
            return LayerNode::Call(self.call(inner));
        }
        let span = self.span(&inner);
        let mut pieces = parts(inner);
        let keyword = pieces.next().expect("the repeat keyword");
        let callee = Ident {
            text: keyword.as_str().to_string(),
            span: self.span(&keyword),
        };
        let args = self.args(pieces.next().expect("repeat's arguments"));
        let body = pieces.map(|layer| self.layer(layer)).collect();
        LayerNode::Repeat {
            times: Call { callee, args, span },
            body,
        }
    }

    fn call(&mut self, pair: Pair<Rule>) -> Call {
        let span = self.span(&pair);
        let mut inner = parts(pair);
        let callee = self.ident(inner.next().expect("callee"));
        let args = self.args(inner.next().expect("args"));
        Call { callee, args, span }
    }

    fn args(&mut self, pair: Pair<Rule>) -> Vec<Arg> {
        parts(pair)
            .map(|arg| {
                let mut parts: Vec<_> = parts(arg).collect();
                let value = self.value(parts.pop().expect("arg value"));
                let name = parts.pop().map(|name| self.ident(name));
                Arg { name, value }
            })
            .collect()
    }

    fn value(&mut self, pair: Pair<Rule>) -> Value {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::call => ValueKind::Call(self.call(pair)),
            Rule::list => ValueKind::List(parts(pair).map(|v| self.value(v)).collect()),
            Rule::map => ValueKind::Map(
                parts(pair)
                    .map(|entry| {
                        let mut inner = parts(entry);
                        Entry {
                            key: self.ident(inner.next().expect("entry key")),
                            value: self.value(inner.next().expect("entry value")),
                        }
                    })
                    .collect(),
            ),
            Rule::number => self.number(pair.as_str(), span),
            Rule::string => ValueKind::Str(unescape(
                parts(pair).next().map_or("", |chars| chars.as_str()),
            )),
            Rule::boolean => ValueKind::Bool(pair.as_str() == "true"),
            Rule::reference => ValueKind::Name(pair.as_str().to_string()),
            other => unreachable!("value rule {other:?}"),
        };
        Value { kind, span }
    }

    fn number(&mut self, text: &str, span: Span) -> ValueKind {
        let digits = text.replace('_', "");
        let is_float = digits.contains(['.', 'e', 'E']);
        if is_float {
            match digits.parse::<f64>() {
                Ok(x) if x.is_finite() => return ValueKind::Float(x),
                _ => self.bad_numbers.push((span, "too large for a float")),
            }
        } else {
            match digits.parse::<i64>() {
                Ok(n) => return ValueKind::Int(n),
                Err(_) => self.bad_numbers.push((span, "too large for an integer")),
            }
        }
        ValueKind::Float(0.0)
    }
}

/// The children of a pair that carry content: punctuation and keywords are dropped.
fn parts(pair: Pair<Rule>) -> impl Iterator<Item = Pair<Rule>> {
    pair.into_inner().filter(|p| {
        !matches!(
            p.as_rule(),
            Rule::equals
                | Rule::colon
                | Rule::comma
                | Rule::open_paren
                | Rule::close_paren
                | Rule::open_brace
                | Rule::close_brace
                | Rule::open_bracket
                | Rule::close_bracket
                | Rule::kw_dataset
                | Rule::kw_model
                | Rule::kw_train
                | Rule::kw_experiment
        )
    })
}

fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}
