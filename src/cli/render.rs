//! Renders diagnostics: miette's graphical report for people, JSON for editors and CI.
//! This is the only place that turns [`Diagnostic`] values into text.

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Source;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan};
use serde::Serialize;
use std::fmt;

/// How a person's terminal should show diagnostics.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// ANSI colours.
    pub color: bool,
    /// Wrap at this many columns.
    pub width: usize,
}

impl Style {
    /// Plain text at a fixed width: for files, pipes and snapshot tests.
    pub fn plain(width: usize) -> Self {
        Style {
            color: false,
            width,
        }
    }

    /// Colour only on a terminal and only without `NO_COLOR`; the terminal's width.
    pub fn for_stderr() -> Self {
        use std::io::IsTerminal;
        let terminal = std::io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(100);
        Style {
            color: terminal && !no_color,
            width,
        }
    }
}

/// Lines of context miette shows before and after each label.
const CONTEXT_LINES: usize = 1;
/// A line longer than this (in bytes) is shown cut to a window around its labels.
const LONG_LINE: usize = 160;
/// Bytes kept on each side of the labels of a cut line.
const MARGIN: usize = 60;
/// The most bytes of one cut line that are kept, however wide its labels.
const MAX_KEPT: usize = 2 * LONG_LINE;
/// Marks where a cut line continues.
const CUT: &str = "…";

/// Where every line of a file starts, computed once per file.
struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { text, starts }
    }

    /// The 0-based line of a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// The line's text, without its newline.
    fn line(&self, line: usize) -> (usize, usize) {
        let start = self.starts[line];
        let end = self
            .starts
            .get(line + 1)
            .map_or(self.text.len(), |next| next - 1);
        (start, end)
    }
}

/// One line of a [`Window`].
#[derive(Debug)]
struct WindowLine {
    /// 0-based line number in the file.
    number: usize,
    /// Where the line starts in the window (at its cut mark, if any).
    start: usize,
    /// Where its kept text starts and ends in the window.
    kept: (usize, usize),
    /// Where the kept text starts and ends in the file.
    source: (usize, usize),
    /// Where the line starts in the file.
    source_line: usize,
    /// Where the next line starts in the window.
    next: usize,
}

/// The part of a file one diagnostic shows: the lines of its labels with their context,
/// long lines cut around the labels, each line keeping its number. miette reads only
/// this, so a diagnostic costs what its context costs, not what the file does.
#[derive(Debug)]
struct Window {
    name: String,
    text: String,
    lines: Vec<WindowLine>,
}

impl Window {
    fn new(name: &str, lines: &Lines, diagnostic: &Diagnostic) -> Self {
        let last = lines.starts.len() - 1;
        let mut wanted: std::collections::BTreeSet<usize> = Default::default();
        for label in &diagnostic.labels {
            let first = lines.line_of(label.span.start);
            let end = lines.line_of(label.span.end);
            wanted.extend(first.saturating_sub(CONTEXT_LINES)..=(end + CONTEXT_LINES).min(last));
        }
        let mut window = Window {
            name: name.to_string(),
            text: String::new(),
            lines: Vec::new(),
        };
        for number in wanted {
            let (line_start, line_end) = lines.line(number);
            // The labelled bytes of this line, for cutting it.
            let marks = diagnostic
                .labels
                .iter()
                .flat_map(|l| [l.span.start, l.span.end])
                .filter(|&p| p >= line_start && p <= line_end);
            let (from, to) = if line_end - line_start <= LONG_LINE {
                (line_start, line_end)
            } else {
                let first = marks.clone().min().unwrap_or(line_start);
                let from = first.saturating_sub(MARGIN).max(line_start);
                let to = (marks.max().unwrap_or(first) + MARGIN)
                    .min(from + MAX_KEPT)
                    .min(line_end);
                (
                    floor_boundary(lines.text, from),
                    floor_boundary(lines.text, to),
                )
            };
            let start = window.text.len();
            if from > line_start {
                window.text.push_str(CUT);
            }
            let kept_start = window.text.len();
            window.text.push_str(&lines.text[from..to]);
            let kept_end = window.text.len();
            if to < line_end {
                window.text.push_str(CUT);
            }
            if line_end < lines.text.len() {
                window.text.push('\n');
            }
            window.lines.push(WindowLine {
                number,
                start,
                kept: (kept_start, kept_end),
                source: (from, to),
                source_line: line_start,
                next: window.text.len(),
            });
        }
        window
    }

    /// Where a file offset on line `number` is in the window (clamped to the kept text).
    fn offset(&self, lines: &Lines, position: usize) -> usize {
        let number = lines.line_of(position);
        let index = self.lines.partition_point(|l| l.number < number);
        let line = &self.lines[index];
        let (from, to) = line.source;
        line.kept.0 + position.clamp(from, to) - from
    }

    /// The window line holding a window offset.
    fn index_of(&self, offset: usize) -> usize {
        self.lines
            .partition_point(|l| l.next <= offset)
            .min(self.lines.len() - 1)
    }
}

impl miette::SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let start = span.offset();
        let end = start + span.len();
        if end > self.text.len() {
            return Err(miette::MietteError::OutOfBounds);
        }
        let mut first = self.index_of(start);
        let mut last = self.index_of(end.saturating_sub(1).max(start));
        let consecutive = |a: &WindowLine, b: &WindowLine| a.number + 1 == b.number;
        if self.lines[first..=last]
            .windows(2)
            .any(|pair| !consecutive(&pair[0], &pair[1]))
        {
            // Lines that are not next to each other in the file are not one snippet.
            return Err(miette::MietteError::OutOfBounds);
        }
        for _ in 0..before {
            match first.checked_sub(1) {
                Some(p) if consecutive(&self.lines[p], &self.lines[first]) => first = p,
                _ => break,
            }
        }
        for _ in 0..after {
            match self.lines.get(last + 1) {
                Some(next) if consecutive(&self.lines[last], next) => last += 1,
                _ => break,
            }
        }
        let line = &self.lines[first];
        let contents = if before == 0 && after == 0 {
            // The label itself, with its column in the file, for the header.
            let (from, _) = line.source;
            let column = from - line.source_line + start.saturating_sub(line.kept.0);
            miette::MietteSpanContents::new_named(
                self.name.clone(),
                &self.text.as_bytes()[start..end],
                *span,
                line.number,
                column,
                last - first + 1,
            )
        } else {
            let (from, to) = (line.start, self.lines[last].next);
            miette::MietteSpanContents::new_named(
                self.name.clone(),
                &self.text.as_bytes()[from..to],
                (from, to - from).into(),
                line.number,
                0,
                last - first + 1,
            )
        };
        Ok(Box::new(contents))
    }
}

/// The largest char boundary at or before `at`.
fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// One diagnostic with the window of its source, in the shape miette renders.
struct Rendered<'a> {
    diagnostic: &'a Diagnostic,
    window: Window,
    /// The labels' spans, in the window.
    spans: Vec<(usize, usize)>,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.window)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(
            self.diagnostic
                .labels
                .iter()
                .zip(&self.spans)
                .map(|(label, &(start, end))| {
                    let span = (start, end - start);
                    if label.primary {
                        LabeledSpan::new_primary_with_span(Some(label.message.clone()), span)
                    } else {
                        LabeledSpan::new_with_span(Some(label.message.clone()), span)
                    }
                }),
        ))
    }
}

/// The graphical report of every diagnostic of one file, followed by a count. Each
/// diagnostic is rendered from a window of the file around its labels, so the cost is
/// linear in the number of diagnostics and in the size of their context.
pub fn human(source: &Source, diagnostics: &[Diagnostic], style: Style) -> String {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_context_lines(CONTEXT_LINES);
    let lines = Lines::new(source.text());
    let mut out = String::new();
    for diagnostic in diagnostics {
        let window = Window::new(source.name(), &lines, diagnostic);
        let spans = diagnostic
            .labels
            .iter()
            .map(|l| {
                let start = window.offset(&lines, l.span.start);
                (start, window.offset(&lines, l.span.end).max(start))
            })
            .collect();
        let rendered = Rendered {
            diagnostic,
            window,
            spans,
        };
        // Writing into a String cannot fail.
        let _ = handler.render_report(&mut out, &rendered);
        out.push('\n');
    }
    out
}

/// "2 errors and 1 warning", or `None` when there are none.
pub fn tally(errors: usize, warnings: usize) -> Option<String> {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => None,
        (e, 0) => Some(plural(e, "error")),
        (0, w) => Some(plural(w, "warning")),
        (e, w) => Some(format!(
            "{} and {}",
            plural(e, "error"),
            plural(w, "warning")
        )),
    }
}

/// A label in the JSON output: byte offset and length, and 1-based line and column (in
/// characters) of both ends.
#[derive(Debug, Serialize)]
pub struct JsonLabel {
    /// Text of the label.
    pub message: String,
    /// Whether this is the mistake itself.
    pub primary: bool,
    /// Byte offset of the start.
    pub offset: usize,
    /// Length in bytes.
    pub length: usize,
    /// Line of the start.
    pub line: usize,
    /// Column of the start.
    pub column: usize,
    /// Line of the end.
    pub end_line: usize,
    /// Column of the end (exclusive).
    pub end_column: usize,
}

/// A diagnostic in the JSON output.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    /// The file.
    pub file: String,
    /// Stable code such as `E0200`.
    pub code: String,
    /// `error` or `warning`.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// The text that fixes it in place of the first label's span (a did-you-mean's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// Where.
    pub labels: Vec<JsonLabel>,
}

/// The JSON form of one file's diagnostics.
pub fn json(source: &Source, diagnostics: &[Diagnostic]) -> Vec<JsonDiagnostic> {
    diagnostics
        .iter()
        .map(|d| JsonDiagnostic {
            file: source.name().to_string(),
            code: d.code.to_string(),
            severity: d.severity,
            message: d.message.clone(),
            help: d.help.clone(),
            fix: d.fix.clone(),
            labels: d
                .labels
                .iter()
                .map(|label| {
                    let start = source.line_column(label.span.start);
                    let end = source.line_column(label.span.end);
                    JsonLabel {
                        message: label.message.clone(),
                        primary: label.primary,
                        offset: label.span.start,
                        length: label.span.len(),
                        line: start.line,
                        column: start.column,
                        end_line: end.line,
                        end_column: end.column,
                    }
                })
                .collect(),
        })
        .collect()
}

/// The diagnostics as GitHub Actions workflow commands (`::error file=…,line=…::message`), which
/// GitHub shows as annotations on the lines of a pull request. Columns count characters.
pub fn github(source: &Source, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let start = source.line_column(d.span().start);
        let end = source.line_column(d.span().end);
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message = format!("{message}\nhelp: {help}");
        }
        out.push_str(&format!(
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            github_property(source.name()),
            start.line,
            start.column,
            end.line,
            end.column,
            github_property(&format!("ofit {}", d.code)),
            github_data(&message),
        ));
    }
    out
}

/// A workflow command's message, escaped as GitHub's runner unescapes it.
fn github_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value (`file=`, `title=`), escaped.
fn github_property(text: &str) -> String {
    github_data(text).replace(':', "%3A").replace(',', "%2C")
}
