//! Keras's text → words rule (`text_to_word_sequence` with the Tokenizer's defaults),
//! which `imdb.load_data`'s word index was built with.

/// The characters Keras replaces by a space before splitting: punctuation (not `'`),
/// tab and newline.
pub const FILTERS: &str = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n";

/// Whether an ASCII byte is in [`FILTERS`], by table.
const IS_FILTER: [bool; 128] = {
    let mut table = [false; 128];
    let filters = FILTERS.as_bytes();
    let mut i = 0;
    while i < filters.len() {
        table[filters[i] as usize] = true;
        i += 1;
    }
    table
};

/// `text` lower-cased with every filter character replaced by a space.
pub fn normalize(text: &str) -> String {
    text.to_lowercase()
        .replace(|c: char| c.is_ascii() && IS_FILTER[c as usize], " ")
}

/// The words of a normalized text: split on spaces, empty pieces dropped. Other
/// whitespace (`\r`, no-break space) stays inside a word, as in Keras.
pub fn split(normalized: &str) -> impl Iterator<Item = &str> {
    normalized.split(' ').filter(|w| !w.is_empty())
}

/// The words of `text`, as Keras splits them.
pub fn words(text: &str) -> Vec<String> {
    split(&normalize(text)).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_break_tags_leave_the_word_br() {
        assert_eq!(
            words("Great.<br /><br />Really"),
            ["great", "br", "br", "really"]
        );
    }

    #[test]
    fn apostrophes_stay_and_runs_of_punctuation_vanish() {
        assert_eq!(
            words("Don't!!! ...it's \"fine\"?!"),
            ["don't", "it's", "fine"]
        );
    }

    #[test]
    fn tabs_and_newlines_split_but_carriage_returns_do_not() {
        assert_eq!(words("a\tb\nc\rd"), ["a", "b", "c\rd"]);
    }

    #[test]
    fn unicode_is_lower_cased_and_kept() {
        assert_eq!(
            words("Ça SUFFIT — Überraschung"),
            ["ça", "suffit", "—", "überraschung"]
        );
    }

    #[test]
    fn empty_and_punctuation_only_text_has_no_words() {
        assert!(words("").is_empty());
        assert!(words("?!... --").is_empty());
    }
}
