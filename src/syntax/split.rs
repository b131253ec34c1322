//! Cuts a file into top-level items before parsing, so that parsing recovers per item.
//!
//! PEG parsers stop at the first failure. Rather than teach the grammar to skip junk
//! (which would swallow the error of the item it skipped), the file is cut at every line
//! that starts a top-level item: a line whose first word is `dataset`, `model`, `train`
//! or `experiment` followed by a name. Inside a block a key such as `train = tutorial` is
//! followed by `=`, not a name, so it never starts a new item. A missing `}` therefore
//! breaks only its own item.

use super::ast::Ident;
use crate::source::Span;

/// The keywords that open a top-level item.
pub const ITEM_KEYWORDS: [&str; 4] = ["dataset", "model", "train", "experiment"];

/// Byte ranges of the pieces of `text`, each starting where an item starts (the first
/// piece holds anything before the first item). Together they cover the text.
pub fn split_items(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut starts = vec![0];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start().len();
        if offset > 0 && starts_item(&line[indent..]) {
            starts.push(offset + indent);
        }
        offset += line.len();
    }
    let mut ranges: Vec<_> = starts.windows(2).map(|pair| pair[0]..pair[1]).collect();
    ranges.push(*starts.last().unwrap_or(&0)..text.len());
    ranges
}

/// The keyword and name that open the piece at `range`, for an item that failed to
/// parse: later stages know the name exists and do not report every use of it.
pub fn head(text: &str, range: std::ops::Range<usize>) -> Option<(&'static str, Ident)> {
    let piece = &text[range.clone()];
    let trimmed = piece.trim_start();
    let keyword = ITEM_KEYWORDS
        .iter()
        .find(|k| starts_item(trimmed) && trimmed.starts_with(*k))?;
    let after = &trimmed[keyword.len()..];
    let name_start = range.start
        + (piece.len() - trimmed.len())
        + keyword.len()
        + (after.len() - after.trim_start().len());
    let name: String = text[name_start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    Some((
        keyword,
        Ident {
            span: Span::new(name_start, name_start + name.len()),
            text: name,
        },
    ))
}

fn starts_item(line: &str) -> bool {
    ITEM_KEYWORDS.iter().any(|keyword| {
        line.strip_prefix(keyword).is_some_and(|rest| {
            let name = rest.trim_start_matches([' ', '\t']);
            name.len() < rest.len()
                && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str) -> Vec<&str> {
        split_items(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn cuts_before_each_item_keyword_followed_by_a_name() {
        let text =
            "# c\ndataset d = imdb()\nmodel m {\n  dense(1)\n}\n  train t {\n train = x\n}\n";
        assert_eq!(
            pieces(text),
            vec![
                "# c\n",
                "dataset d = imdb()\n",
                "model m {\n  dense(1)\n}\n  ",
                "train t {\n train = x\n}\n"
            ]
        );
    }

    #[test]
    fn a_key_named_like_a_keyword_does_not_start_an_item() {
        assert_eq!(pieces("experiment e {\n train = t\n model= x\n}").len(), 1);
    }

    #[test]
    fn empty_text_is_one_empty_piece() {
        assert_eq!(pieces(""), vec![""]);
    }
}
