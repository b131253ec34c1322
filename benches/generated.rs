//! The large spec the check and editor benchmarks measure.

use std::fmt::Write;

/// A spec of about `lines` lines: repeated blocks of a dataset, a template, a training
/// block and an experiment with a sweep, as a large real spec would have them.
pub fn generated(lines: usize) -> String {
    let mut text = String::new();
    let mut block = 0;
    while text.lines().count() < lines {
        let _ = write!(
            text,
            "# block {block}
dataset data{block} = imdb(num_words = {words}, encode = multi_hot)

model mlp{block}(units: int = 16, l2: float = 0.0, rate: float = 0.0) {{
  dense(units, relu, kernel_regularizer = l2(l2))
  dropout(rate)
  dense(units, relu, kernel_regularizer = l2(l2))
  dropout(rate)
  dense(1, sigmoid)
}}

train run{block} {{
  optimizer  = adam(lr = 1e-3, beta_1 = 0.9)
  loss       = binary_crossentropy
  metrics    = [accuracy, binary_crossentropy]
  epochs     = 20
  batch_size = 512
  seed       = {block}
  early_stopping = {{ monitor: val_loss, patience: 3, restore_best: true }}
}}

experiment compare{block} {{
  data = data{block}  train = run{block}  plot = [binary_crossentropy, accuracy]
  models = {{ base: mlp{block}(16), l2: mlp{block}(16, l2 = 0.001), sweep: mlp{block}(units = [4, 64]) }}
}}

",
            words = 1000 + block
        );
        block += 1;
    }
    text
}
