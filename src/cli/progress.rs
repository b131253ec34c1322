//! Training progress: a bar on a terminal, Keras-style lines elsewhere.

use super::output::say;
use crate::train::Progress;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::LazyLock;

/// Set by Ctrl-C; training stops after the current batch, keeping the last checkpoint.
pub static STOP: AtomicBool = AtomicBool::new(false);

/// The bars of the models training at the same time (one per lane), drawn together.
static BARS: LazyLock<MultiProgress> = LazyLock::new(MultiProgress::new);

/// Prints a line to standard error above the bars being drawn, if any.
pub fn line(text: &str) {
    BARS.suspend(|| say!("{text}"));
}

/// Progress for model `name`: an indicatif bar when standard error is a terminal, plain
/// epoch lines otherwise (logs, CI).
pub fn for_model(name: &str) -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() {
        Box::new(Bar {
            name: name.to_string(),
            bar: None,
            batches: 0,
        })
    } else {
        Box::new(Lines {
            name: name.to_string(),
        })
    }
}

struct Bar {
    name: String,
    bar: Option<ProgressBar>,
    batches: usize,
}

impl Progress for Bar {
    fn start(&mut self, epochs: usize, batches: usize, done: usize) {
        let bar = BARS.add(ProgressBar::new((epochs * batches) as u64));
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>12} {bar:30} epoch {msg} [{elapsed_precise} < {eta_precise}]",
            )
            .expect("valid template"),
        );
        bar.set_prefix(self.name.clone());
        bar.set_position((done * batches) as u64);
        self.batches = batches;
        self.bar = Some(bar);
    }

    fn batch(&mut self, epoch: usize, batch: usize, loss: f64) -> bool {
        if let Some(bar) = &self.bar {
            bar.set_position(((epoch - 1) * self.batches + batch) as u64);
            bar.set_message(format!(
                "{epoch}, batch {batch}/{}, loss {loss:.4}",
                self.batches
            ));
        }
        !STOP.load(Ordering::Relaxed)
    }

    fn epoch(&mut self, line: &str) {
        self::line(&format!("{}: {line}", self.name));
    }

    fn note(&mut self, text: &str) {
        self::line(&format!("note: {}: {text}", self.name));
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
            BARS.remove(&bar);
        }
    }
}

struct Lines {
    name: String,
}

impl Progress for Lines {
    fn start(&mut self, epochs: usize, batches: usize, done: usize) {
        if done > 0 {
            say!(
                "{}: resuming after epoch {done} of {epochs} ({batches} batches per epoch)",
                self.name
            );
        } else {
            say!(
                "{}: training {epochs} epochs of {batches} batches",
                self.name
            );
        }
    }

    fn batch(&mut self, _epoch: usize, _batch: usize, _loss: f64) -> bool {
        !STOP.load(Ordering::Relaxed)
    }

    fn epoch(&mut self, line: &str) {
        say!("{}: {line}", self.name);
    }

    fn note(&mut self, text: &str) {
        say!("note: {}: {text}", self.name);
    }

    fn finish(&mut self) {}
}
