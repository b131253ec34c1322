//! One open spec: its text, what the checker made of it, and the mapping between byte
//! offsets and LSP positions, whose characters are UTF-16 code units.

use crate::check::Checked;
use crate::source::{Source, Span};
use crate::syntax::ast::File;
use lsp_types::{Position, Range};

/// An open spec, checked as of its latest text.
pub struct Document {
    /// The text, named by its path.
    pub source: Source,
    /// The syntax tree of the items that parsed.
    pub file: File,
    /// The checker's result: program, diagnostics, references.
    pub checked: Checked,
}

impl Document {
    /// Parses and checks `text`, taking the items `reuse` holds unchanged from the text
    /// before.
    pub fn new(name: &str, text: String, reuse: &mut crate::syntax::Reuse) -> Self {
        let source = Source::new(name, text);
        let (file, checked) = crate::analyze(&source, reuse);
        Document {
            source,
            file,
            checked,
        }
    }

    /// The text.
    pub fn text(&self) -> &str {
        self.source.text()
    }

    /// The LSP position of byte `offset`.
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text().len());
        let (line, start) = self.source.line_of(offset);
        let character = self.text()[start..offset].encode_utf16().count();
        Position::new(line as u32, character as u32)
    }

    /// The LSP range of `span`.
    pub fn range(&self, span: Span) -> Range {
        Range::new(self.position(span.start), self.position(span.end))
    }

    /// The byte offset of an LSP position; one past a line's end is its end, and a line
    /// past the last is the end of the text.
    pub fn offset(&self, position: Position) -> usize {
        let Some(start) = self.source.line_start(position.line as usize) else {
            return self.text().len();
        };
        let line = &self.text()[start..];
        let line = &line[..line.find('\n').unwrap_or(line.len())];
        let mut units = 0;
        for (at, c) in line.char_indices() {
            if units >= position.character as usize {
                return start + at;
            }
            units += c.len_utf16();
        }
        start + line.len()
    }

    /// The text of `span`.
    pub fn slice(&self, span: Span) -> &str {
        &self.text()[span.start..span.end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_are_utf16_code_units() {
        // `é` is one UTF-16 unit in two bytes, `😀` two units in four bytes.
        let doc = Document::new(
            "t.ofit",
            "# é😀\ndense".to_string(),
            &mut Default::default(),
        );
        let d = doc.text().find('d').unwrap();
        assert_eq!(doc.position(d), Position::new(1, 0));
        let end_of_comment = doc.text().find('\n').unwrap();
        assert_eq!(doc.position(end_of_comment), Position::new(0, 5));
        assert_eq!(doc.offset(Position::new(0, 5)), end_of_comment);
        assert_eq!(doc.offset(Position::new(0, 3)), "# é".len());
        assert_eq!(doc.offset(Position::new(0, 99)), end_of_comment);
        assert_eq!(doc.offset(Position::new(7, 0)), doc.text().len());
    }
}
