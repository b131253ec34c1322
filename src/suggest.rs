//! "Did you mean …?" for misspelt names, from edit distance, plus the names other tools
//! use for the same thing (`learning_rate` is ofit's `lr`).

use crate::diagnostic::Help;
/// Names other tools use, and ofit's name for each.
const ALIASES: &[(&str, &str)] = &[
    ("learning_rate", "lr"),
    ("bias", "use_bias"),
    ("integer", "int"),
    ("number", "float"),
    ("boolean", "bool"),
    ("str", "string"),
    ("batch", "batch_size"),
    ("batchsize", "batch_size"),
    ("n_epochs", "epochs"),
    ("num_epochs", "epochs"),
    ("optimiser", "optimizer"),
    ("dataset", "data"),
    ("validation_data", "validation_split"),
    ("max_features", "num_words"),
    ("vocab_size", "num_words"),
    ("crossentropy", "binary_crossentropy"),
    ("bce", "binary_crossentropy"),
    ("acc", "accuracy"),
    ("binary_accuracy", "accuracy"),
    ("categorical_accuracy", "accuracy"),
    ("sparse_categorical_accuracy", "accuracy"),
    (
        "sparse_categorical_crossentropy",
        "categorical_crossentropy",
    ),
    ("mean_squared_error", "mse"),
    ("mean_absolute_error", "mae"),
    ("root_mean_squared_error", "rmse"),
    ("huber_loss", "huber"),
    ("silu", "swish"),
    ("input_layer", "input"),
    ("batchnorm", "batch_norm"),
    ("batch_normalization", "batch_norm"),
    ("fc", "dense"),
    ("sequential", "model"),
    ("training", "train"),
    ("restore_best_weights", "restore_best"),
    // Keras's class names of the sequence layers (matched without case and underscores).
    ("Embedding", "embedding"),
    ("GlobalAveragePooling1D", "global_average_pooling"),
    ("GlobalAvgPool1D", "global_average_pooling"),
    ("GlobalMaxPooling1D", "global_max_pooling"),
    ("GlobalMaxPool1D", "global_max_pooling"),
    ("Flatten", "flatten"),
    ("Conv1D", "conv1d"),
    ("Convolution1D", "conv1d"),
    ("MaxPooling1D", "max_pooling1d"),
    ("MaxPool1D", "max_pooling1d"),
    ("LSTM", "lstm"),
    ("GRU", "gru"),
    ("output_dim", "dim"),
    ("maxlen", "length"),
    ("pad_sequences", "sequence"),
];

/// The candidate that `name` is another tool's word for (`learning_rate` is `lr`,
/// Keras's `mean_squared_error` is `mse`), matched without regard to case and
/// underscores, so that Keras's class names (`MeanSquaredError`) match too.
pub fn alias<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let plain = |s: &str| -> String {
        s.chars()
            .filter(|c| *c != '_')
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let name = plain(name);
    let (_, ours) = ALIASES.iter().find(|(theirs, _)| plain(theirs) == name)?;
    candidates.into_iter().find(|c| c == ours)
}

/// The candidate closest to `name`, if one is close enough to be a likely typo, or the
/// candidate that `name` is another tool's word for.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    if let Some(found) = alias(name, candidates.iter().copied()) {
        return Some(found);
    }
    let lower = name.to_ascii_lowercase();
    candidates
        .iter()
        .filter(|c| **c != name)
        .map(|c| (strsim::damerau_levenshtein(&lower, c), *c))
        .filter(|(distance, c)| {
            let longest = lower.chars().count().max(c.chars().count());
            // One edit in a short word, about a third of a longer one.
            *distance <= (longest / 3).max(1)
        })
        .min_by_key(|(distance, c)| (*distance, *c))
        .map(|(_, c)| c)
}

/// "did you mean `x`?", or the valid names when there are few, or where to find them.
/// With the name it suggests as the diagnostic's fix.
pub fn help<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Help {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let fix = |text: String, name: &str| Help {
        text,
        fix: Some(name.to_string()),
    };
    if let Some(ours) = alias(name, candidates.iter().copied()) {
        return fix(format!("ofit spells it `{ours}`"), ours);
    }
    if let Some(best) = did_you_mean(name, candidates.iter().copied()) {
        return fix(format!("did you mean `{best}`?"), best);
    }
    Help::from(match candidates.len() {
        0 => "nothing of that kind is defined yet".to_string(),
        1..=12 => format!("expected {}", quoted_list(&candidates, "or")),
        _ => "grammar/GRAMMAR.md lists the names this place accepts".to_string(),
    })
}

/// `a`, `b` or `c` (with `conjunction` "or" or "and"), each in backticks.
pub fn quoted_list(items: &[&str], conjunction: &str) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    let quoted: Vec<&str> = quoted.iter().map(String::as_str).collect();
    join(&quoted, conjunction)
}

/// `a, b or c` (with `conjunction` "or" or "and").
pub fn join(items: &[&str], conjunction: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} {conjunction} {last}", init.join(", ")),
    }
}

/// 1234567 → "1,234,567": counts and sizes in messages and tables.
pub fn thousands(n: impl std::fmt::Display) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_joined_with_a_conjunction() {
        assert_eq!(join(&["a", "b", "c"], "or"), "a, b or c");
        assert_eq!(join(&["a"], "and"), "a");
        assert_eq!(quoted_list(&["a", "b"], "and"), "`a` and `b`");
    }

    #[test]
    fn one_typo_in_a_short_word_is_found() {
        assert_eq!(did_you_mean("rlu", ["relu", "tanh"]), Some("relu"));
        assert_eq!(
            did_you_mean("sigmiod", ["relu", "sigmoid"]),
            Some("sigmoid")
        );
    }

    #[test]
    fn distant_words_are_not_suggested() {
        assert_eq!(did_you_mean("xyz", ["relu", "tanh"]), None);
    }

    #[test]
    fn other_tools_names_map_to_ours() {
        assert_eq!(did_you_mean("learning_rate", ["lr", "beta_1"]), Some("lr"));
    }

    #[test]
    fn keras_class_names_are_aliases_too() {
        assert_eq!(alias("MeanSquaredError", ["mse", "accuracy"]), Some("mse"));
        let mse = help("mean_squared_error", ["mse"]);
        assert_eq!(
            (mse.text.as_str(), mse.fix.as_deref()),
            ("ofit spells it `mse`", Some("mse"))
        );
        let swish = help("silu", ["relu", "swish"]);
        assert_eq!(swish.text, "ofit spells it `swish`");
        assert_eq!(swish.fix.as_deref(), Some("swish"));
    }

    #[test]
    fn case_mistakes_are_typos() {
        assert_eq!(did_you_mean("Relu", ["relu", "tanh"]), Some("relu"));
    }

    #[test]
    fn few_candidates_are_listed_when_none_is_close() {
        let none_close = help("xyz", ["a", "b"]);
        assert_eq!(none_close.text, "expected `a` or `b`");
        assert_eq!(none_close.fix, None, "a list of names is no fix");
    }
}
