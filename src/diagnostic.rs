//! Diagnostics as data: a stable code, a severity, a message, labelled spans and help.
//!
//! The library only builds these values; rendering them (miette's graphical report, JSON)
//! happens at the edge, in `cli::render`.

use crate::source::Span;
use serde::Serialize;
use std::fmt;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The spec can still be used; `--deny-warnings` turns these into failures.
    Warning,
    /// The spec cannot be used.
    Error,
}

/// A labelled span. The primary label marks the mistake; secondary labels the context,
/// such as the other half of a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to say there.
    pub message: String,
    /// Whether this is the place of the mistake itself.
    pub primary: bool,
}

/// One error or warning about a spec.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Diagnostic {
    /// Stable identifier, documented in `DIAGNOSTICS.md`.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// One sentence saying what is wrong.
    pub message: String,
    /// The primary label first, then any secondary ones.
    pub labels: Vec<Label>,
    /// How to fix it, including "did you mean" suggestions.
    pub help: Option<String>,
    /// The text that fixes the mistake when it replaces the primary label's span: the name
    /// a "did you mean" suggests. An editor offers it as a quick fix.
    pub fix: Option<String>,
}

/// A help text, and the replacement of the primary span it suggests, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Help {
    /// What to say.
    pub text: String,
    /// What to put in place of the mistake.
    pub fix: Option<String>,
}

impl From<String> for Help {
    fn from(text: String) -> Self {
        Help { text, fix: None }
    }
}

impl From<&str> for Help {
    fn from(text: &str) -> Self {
        Help::from(text.to_string())
    }
}

impl std::fmt::Display for Help {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl Diagnostic {
    /// An error of the given code whose primary label is at `span`.
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, span, message)
    }

    /// A warning of the given code whose primary label is at `span`.
    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, span, message)
    }

    fn new(severity: Severity, code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            labels: vec![Label {
                span,
                message: code.label().to_string(),
                primary: true,
            }],
            help: None,
            fix: None,
        }
    }

    /// Replaces the primary label's text.
    pub fn with_label(mut self, message: impl Into<String>) -> Self {
        self.labels[0].message = message.into();
        self
    }

    /// Adds a secondary label.
    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    /// Sets the help text, and the fix it suggests.
    pub fn with_help(mut self, help: impl Into<Help>) -> Self {
        let help = help.into();
        self.help = Some(help.text);
        self.fix = help.fix;
        self
    }

    /// The span of the primary label.
    pub fn span(&self) -> Span {
        self.labels[0].span
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

macro_rules! codes {
    ($($variant:ident = $code:literal, $label:literal;)*) => {
        /// The stable code of every diagnostic ofit can emit. `E…` are errors, `W…` warnings.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(#[doc = $label] $variant,)*
        }

        impl Code {
            /// Every code, in order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as written in diagnostics, e.g. `E0200`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// A default text for the primary label.
            pub fn label(self) -> &'static str {
                match self { $(Code::$variant => $label,)* }
            }
        }
    };
}

codes! {
    // Syntax.
    Syntax = "E0100", "unexpected here";
    BadNumber = "E0101", "not a valid number";
    // Names.
    UnknownName = "E0200", "not defined";
    Duplicate = "E0201", "defined again here";
    UnknownParameter = "E0202", "unknown parameter";
    DuplicateArgument = "E0203", "given again here";
    MissingArgument = "E0204", "missing a required argument";
    TooManyArguments = "E0205", "one argument too many";
    PositionalAfterNamed = "E0206", "positional argument after a named one";
    WrongKind = "E0207", "not the right kind of thing";
    NotSupported = "E0208", "not supported yet";
    // Types and ranges.
    TypeMismatch = "E0300", "wrong type";
    OutOfRange = "E0301", "out of range";
    MisplacedSweep = "E0302", "a list is not allowed here";
    Conflict = "E0303", "conflicts with another setting";
    TooManyModels = "E0304", "too many models";
    // Models and shapes.
    OutputMismatch = "E0400", "does not fit the loss";
    InputMismatch = "E0401", "does not fit the dataset";
    EmptyModel = "E0402", "model has no dense layer";
    MisplacedLayer = "E0403", "layer not allowed here";
    TooManyParams = "E0404", "too many parameters";
    ShapeMismatch = "E0405", "does not take this shape";
    WindowTooLong = "E0406", "window longer than the sequence";
    MaskNotSupported = "E0407", "cannot take the mask";
    // Training and experiments.
    MetricNotComputed = "E0500", "metric not computed";
    MetricDoesNotFit = "E0501", "cannot be computed for this output";
    // Data files (the data stage's lint, `data::lint`).
    DataFileUnreadable = "E0600", "cannot be read";
    NoLabelColumn = "E0601", "no such column";
    BadDataHeader = "E0602", "unusable data file";
    // Warnings.
    Unused = "W0100", "never used";
    IdenticalModels = "W0101", "same model as another";
    IdenticalSweep = "W0102", "sweep repeats a model";
    NoEffect = "W0103", "has no effect";
    NameReused = "W0104", "names a different model";
    AccuracyOfLogits = "W0105", "thresholds logits at 0.5";
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Diagnostics collected by a stage, in the order found.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
    /// The same diagnostics, to find repeats in constant time.
    seen: std::collections::HashSet<Diagnostic>,
}

impl Diagnostics {
    /// Records one diagnostic; an exact repeat (same code, message and spans) is dropped,
    /// since a template body checked once per instance would otherwise repeat itself.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        if self.seen.insert(diagnostic.clone()) {
            self.list.push(diagnostic);
        }
    }

    /// Whether any error was recorded.
    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }

    /// How many errors were recorded.
    pub fn errors(&self) -> usize {
        self.list.iter().filter(|d| d.is_error()).count()
    }

    /// All diagnostics, sorted by position so that reports read top to bottom.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.list.sort_by_key(|d| d.span());
        self.list
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<I: IntoIterator<Item = Diagnostic>>(&mut self, iter: I) {
        for d in iter {
            self.push(d);
        }
    }
}
