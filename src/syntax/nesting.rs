//! Brackets outside strings and comments: how deep they nest, and which are still open.

/// The deepest nesting the parser accepts. Real specs nest three or four levels; the
/// limit keeps the recursive-descent parser far from the end of its stack.
pub const MAX_DEPTH: usize = 64;

/// The offset and character of every bracket in `text`, skipping strings and comments.
fn brackets(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut chars = text.char_indices();
    std::iter::from_fn(move || {
        while let Some((at, c)) = chars.next() {
            match c {
                '#' => {
                    chars.by_ref().find(|&(_, c)| c == '\n');
                }
                '"' => {
                    while let Some((_, c)) = chars.next() {
                        match c {
                            '\\' => {
                                chars.next();
                            }
                            '"' | '\n' => break,
                            _ => {}
                        }
                    }
                }
                '(' | '[' | '{' | ')' | ']' | '}' => return Some((at, c)),
                _ => {}
            }
        }
        None
    })
}

/// The offset of the first bracket that opens a level deeper than [`MAX_DEPTH`].
pub fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (at, c) in brackets(text) {
        if matches!(c, '(' | '[' | '{') {
            depth += 1;
            if depth > MAX_DEPTH {
                return Some(at);
            }
        } else {
            depth = depth.saturating_sub(1);
        }
    }
    None
}

/// The brackets still open at the end of `text`, outermost first.
pub fn open_at_end(text: &str) -> Vec<char> {
    let mut stack = Vec::new();
    for (_, c) in brackets(text) {
        if matches!(c, '(' | '[' | '{') {
            stack.push(c);
        } else {
            stack.pop();
        }
    }
    stack
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        assert_eq!(open_at_end("a { \"}\" # }\n ( "), vec!['{', '(']);
    }

    #[test]
    fn depth_beyond_the_limit_is_found_at_its_bracket() {
        let text = "[".repeat(MAX_DEPTH + 1);
        assert_eq!(too_deep(&text), Some(MAX_DEPTH));
        assert_eq!(too_deep(&"[".repeat(MAX_DEPTH)), None);
    }
}
