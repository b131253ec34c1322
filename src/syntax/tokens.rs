//! The file as a flat list of tokens, comments included: what the formatter needs to keep
//! the comments the grammar skips, and what an editor needs to find the word under the
//! cursor. It never fails: a character no token starts with is a one-character `Other`.

use crate::source::Span;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A name or keyword: `[A-Za-z_][A-Za-z0-9_]*`.
    Name,
    /// A number literal, sign included when it sticks to the digits.
    Number,
    /// A string literal, to its closing quote or the end of its line.
    Str,
    /// `#` to the end of the line.
    Comment,
    /// One of `= : , ( ) { } [ ]`.
    Punct,
    /// Any other character.
    Other,
}

/// One token and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: Kind,
    /// Where.
    pub span: Span,
}

/// Every token of `text` in order; whitespace is all that is left out.
pub fn tokens(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        let c = bytes[at];
        let kind = match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                at += 1;
                continue;
            }
            b'#' => {
                at = line_end(bytes, at);
                Kind::Comment
            }
            b'"' => {
                at += 1;
                while at < bytes.len() && bytes[at] != b'"' && bytes[at] != b'\n' {
                    at += if bytes[at] == b'\\' && at + 1 < bytes.len() && bytes[at + 1] != b'\n' {
                        2
                    } else {
                        1
                    };
                }
                if at < bytes.len() && bytes[at] == b'"' {
                    at += 1;
                }
                Kind::Str
            }
            b'-' if bytes.get(at + 1).is_some_and(u8::is_ascii_digit) => {
                at = number_end(bytes, at + 1);
                Kind::Number
            }
            b'0'..=b'9' => {
                at = number_end(bytes, at);
                Kind::Number
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                at = word_end(bytes, at);
                Kind::Name
            }
            b'=' | b':' | b',' | b'(' | b')' | b'{' | b'}' | b'[' | b']' => {
                at += 1;
                Kind::Punct
            }
            _ => {
                at += text[at..].chars().next().map_or(1, char::len_utf8);
                Kind::Other
            }
        };
        found.push(Token {
            kind,
            span: Span::new(start, at),
        });
    }
    found
}

/// The spans of the comments of `text`, in order.
pub fn comments(text: &str) -> Vec<Span> {
    tokens(text)
        .into_iter()
        .filter(|t| t.kind == Kind::Comment)
        .map(|t| t.span)
        .collect()
}

fn line_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |n| from + n)
}

fn word_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
        .map_or(bytes.len(), |n| from + n)
}

/// The end of a number that starts with a digit at `from`: digits and `_`, a fraction, an
/// exponent. What follows a malformed one is left to the parser to refuse.
fn number_end(bytes: &[u8], from: usize) -> usize {
    let digits = |at: usize| {
        bytes[at..]
            .iter()
            .position(|&b| !(b.is_ascii_digit() || b == b'_'))
            .map_or(bytes.len(), |n| at + n)
    };
    let mut at = digits(from);
    if bytes.get(at) == Some(&b'.') && bytes.get(at + 1).is_some_and(u8::is_ascii_digit) {
        at = digits(at + 1);
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(at + 1), Some(b'+' | b'-')));
        if bytes.get(at + 1 + sign).is_some_and(u8::is_ascii_digit) {
            at = digits(at + 1 + sign);
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, &str)> {
        tokens(text)
            .into_iter()
            .map(|t| (t.kind, &text[t.span.start..t.span.end]))
            .collect()
    }

    #[test]
    fn a_hash_inside_a_string_does_not_start_a_comment() {
        assert_eq!(
            kinds(r#"x = "a # \" b" # note"#),
            [
                (Kind::Name, "x"),
                (Kind::Punct, "="),
                (Kind::Str, r#""a # \" b""#),
                (Kind::Comment, "# note"),
            ]
        );
    }

    #[test]
    fn numbers_keep_their_sign_fraction_and_exponent() {
        assert_eq!(
            kinds("-1e-3 10_000 0.5 é"),
            [
                (Kind::Number, "-1e-3"),
                (Kind::Number, "10_000"),
                (Kind::Number, "0.5"),
                (Kind::Other, "é"),
            ]
        );
    }

    #[test]
    fn an_unterminated_string_ends_at_its_line() {
        assert_eq!(kinds("\"abc\nd"), [(Kind::Str, "\"abc"), (Kind::Name, "d")]);
    }
}
