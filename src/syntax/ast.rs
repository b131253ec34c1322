//! The syntax tree: what was written, with a span on everything, and no meaning yet.

use crate::source::Span;

/// A parsed file: the items that parsed, in order. Items that failed to parse are absent
/// and reported as diagnostics beside the tree.
#[derive(Debug, Clone, Default)]
pub struct File {
    /// Top-level items in source order.
    pub items: Vec<Item>,
    /// The keyword and name of each item that failed to parse, where they could be read.
    pub broken: Vec<(&'static str, Ident)>,
}

/// A top-level item.
#[derive(Debug, Clone)]
pub enum Item {
    /// `dataset NAME = source(...)`
    Dataset(DatasetItem),
    /// `model NAME(params) { layers }`
    Model(ModelItem),
    /// `train NAME { fields }`
    Training(BlockItem),
    /// `experiment NAME { fields }`
    Experiment(BlockItem),
}

impl Item {
    /// The item's declared name.
    pub fn name(&self) -> &Ident {
        match self {
            Item::Dataset(d) => &d.name,
            Item::Model(m) => &m.name,
            Item::Training(b) | Item::Experiment(b) => &b.name,
        }
    }

    /// The whole item, from its keyword to its last bracket.
    pub fn span(&self) -> Span {
        match self {
            Item::Dataset(d) => d.span,
            Item::Model(m) => m.span,
            Item::Training(b) | Item::Experiment(b) => b.span,
        }
    }
}

/// A name as written, with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    /// The text.
    pub text: String,
    /// Where.
    pub span: Span,
}

/// `dataset NAME = source(...)`
#[derive(Debug, Clone)]
pub struct DatasetItem {
    /// The dataset's name.
    pub name: Ident,
    /// The source call, e.g. `imdb(num_words = 10000)`.
    pub source: Call,
    /// The whole item.
    pub span: Span,
}

/// `model NAME(params) { layers }`
#[derive(Debug, Clone)]
pub struct ModelItem {
    /// The model's (or template's) name.
    pub name: Ident,
    /// Template parameters; empty for a plain model.
    pub params: Vec<Param>,
    /// The parenthesised parameter list, where one is written (`()` included).
    pub params_span: Option<Span>,
    /// Layers in order.
    pub layers: Vec<LayerNode>,
    /// The whole item.
    pub span: Span,
}

/// One entry of a model's body.
#[derive(Debug, Clone)]
pub enum LayerNode {
    /// A layer call, `dense(16, relu)`.
    Call(Call),
    /// `repeat(n) { layers }`: the layers, `n` times in a row. `times` holds the
    /// `repeat` keyword as its callee and the count as its argument.
    Repeat {
        /// `repeat(n)`.
        times: Call,
        /// The layers repeated.
        body: Vec<LayerNode>,
    },
}

impl LayerNode {
    /// The span of the whole layer, a `repeat` block's body included.
    pub fn span(&self) -> Span {
        match self {
            LayerNode::Call(call) => call.span,
            LayerNode::Repeat { times, .. } => times.span,
        }
    }
}

/// A template parameter `name: type = default`.
#[derive(Debug, Clone)]
pub struct Param {
    /// Parameter name.
    pub name: Ident,
    /// Declared type, e.g. `int`.
    pub ty: Ident,
    /// Default value, if any.
    pub default: Option<Value>,
}

impl Param {
    /// The span of the whole parameter, default included.
    pub fn span(&self) -> Span {
        match &self.default {
            Some(value) => self.name.span.to(value.span),
            None => self.name.span.to(self.ty.span),
        }
    }
}

/// `train NAME { ... }` or `experiment NAME { ... }`.
#[derive(Debug, Clone)]
pub struct BlockItem {
    /// The block's name.
    pub name: Ident,
    /// `key = value` settings in order.
    pub fields: Vec<Field>,
    /// The whole item.
    pub span: Span,
}

/// `key = value`
#[derive(Debug, Clone)]
pub struct Field {
    /// The key.
    pub key: Ident,
    /// The value.
    pub value: Value,
}

impl Field {
    /// The span of the whole setting.
    pub fn span(&self) -> Span {
        self.key.span.to(self.value.span)
    }
}

/// A value with its span.
#[derive(Debug, Clone)]
pub struct Value {
    /// What kind of value.
    pub kind: ValueKind,
    /// Where.
    pub span: Span,
}

/// The kinds of value the grammar knows.
#[derive(Debug, Clone)]
pub enum ValueKind {
    /// A number written without `.` or exponent.
    Int(i64),
    /// A number with `.` or exponent.
    Float(f64),
    /// A string literal, escapes resolved.
    Str(String),
    /// `true` or `false`.
    Bool(bool),
    /// A bare name: a keyword such as `relu`, or a reference to a definition or parameter.
    Name(String),
    /// `name(args)`
    Call(Call),
    /// `[a, b]`
    List(Vec<Value>),
    /// `{ key: value }`
    Map(Vec<Entry>),
}

/// `name(args)`
#[derive(Debug, Clone)]
pub struct Call {
    /// The called name.
    pub callee: Ident,
    /// Arguments in order.
    pub args: Vec<Arg>,
    /// The whole call.
    pub span: Span,
}

/// One argument: positional (`16`) or named (`units = 16`).
#[derive(Debug, Clone)]
pub struct Arg {
    /// The name, for a named argument.
    pub name: Option<Ident>,
    /// The value.
    pub value: Value,
}

impl Arg {
    /// The span of the whole argument, name included.
    pub fn span(&self) -> Span {
        match &self.name {
            Some(name) => name.span.to(self.value.span),
            None => self.value.span,
        }
    }
}

/// `key: value` in a map.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The key.
    pub key: Ident,
    /// The value.
    pub value: Value,
}

impl Entry {
    /// The span of the whole entry.
    pub fn span(&self) -> Span {
        self.key.span.to(self.value.span)
    }
}

// ---- moving a tree -----------------------------------------------------------------------
// An item parsed once is reused where its text reappears after an edit (`syntax::Reuse`):
// its spans move by the distance its text moved.

impl Item {
    /// Moves every span of the item `by` bytes to the right.
    pub fn shift(&mut self, by: usize) {
        match self {
            Item::Dataset(d) => {
                d.name.shift(by);
                d.source.shift(by);
                d.span = d.span.shifted(by);
            }
            Item::Model(m) => {
                m.name.shift(by);
                for param in &mut m.params {
                    param.name.shift(by);
                    param.ty.shift(by);
                    if let Some(default) = &mut param.default {
                        default.shift(by);
                    }
                }
                m.params_span = m.params_span.map(|s| s.shifted(by));
                m.layers.iter_mut().for_each(|layer| layer.shift(by));
                m.span = m.span.shifted(by);
            }
            Item::Training(b) | Item::Experiment(b) => {
                b.name.shift(by);
                for field in &mut b.fields {
                    field.key.shift(by);
                    field.value.shift(by);
                }
                b.span = b.span.shifted(by);
            }
        }
    }
}

impl Ident {
    fn shift(&mut self, by: usize) {
        self.span = self.span.shifted(by);
    }
}

impl LayerNode {
    fn shift(&mut self, by: usize) {
        match self {
            LayerNode::Call(call) => call.shift(by),
            LayerNode::Repeat { times, body } => {
                times.shift(by);
                body.iter_mut().for_each(|layer| layer.shift(by));
            }
        }
    }
}

impl Call {
    fn shift(&mut self, by: usize) {
        self.callee.shift(by);
        for arg in &mut self.args {
            if let Some(name) = &mut arg.name {
                name.shift(by);
            }
            arg.value.shift(by);
        }
        self.span = self.span.shifted(by);
    }
}

impl Value {
    fn shift(&mut self, by: usize) {
        match &mut self.kind {
            ValueKind::Call(call) => call.shift(by),
            ValueKind::List(items) => items.iter_mut().for_each(|v| v.shift(by)),
            ValueKind::Map(entries) => {
                for entry in entries {
                    entry.key.shift(by);
                    entry.value.shift(by);
                }
            }
            _ => {}
        }
        self.span = self.span.shifted(by);
    }
}
