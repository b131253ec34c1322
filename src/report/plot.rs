//! Learning curves and multi-hot rows as SVG documents, drawn with the `svg` crate.
//!
//! The output is deterministic, so it can be pinned in tests: coordinates have two
//! decimals, attributes are sorted (the `svg` crate writes them so), elements come in a fixed
//! order, and there are no timestamps or generated ids. Only curves are `<path>` elements
//! (two per model, training then validation); frames, grid lines and legend samples are
//! `<rect>` and `<line>`.

use svg::node::element::{Circle, Element, Line, Path, Rectangle, Title};
use svg::node::{Node, Value};
use svg::Document;

/// The document's width in pixels.
pub const WIDTH: f64 = 720.0;
/// The document's height in pixels.
pub const HEIGHT: f64 = 440.0;

/// The Okabe–Ito palette, safe for colour-blind readers, in the order models get it
/// (yellow last: it is faint on white).
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000", "#F0E442",
];

/// The dash pattern of validation curves.
const DASH: &str = "6 4";
const TEXT: &str = "#222222";
const GRID: &str = "#E5E5E5";
/// The width of a character of an 11-pixel label, roughly, for placing labels apart.
pub const LABEL_CHAR_WIDTH: f64 = 6.2;

/// One model's learning curves.
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    /// The model's name, shown in the legend.
    pub name: &'a str,
    /// The model's place in [`PALETTE`] (modulo its length): one colour per model across a
    /// report's plots.
    pub colour: usize,
    /// How strongly it is drawn, in (0, 1]: the members of a `train_size` sweep share
    /// their model's colour, lighter the fewer examples they trained on.
    pub shade: f64,
    /// The metric on the training data, one value per epoch from epoch 1.
    pub train: &'a [f64],
    /// The metric on the validation data, one value per epoch from epoch 1.
    pub validation: &'a [f64],
    /// The epoch after which the model overfits (see `report::analysis`), marked on the
    /// validation curve.
    pub overfit_epoch: Option<usize>,
}

/// Learning curves of several models on one metric: x is the epoch (from 1), y the metric.
/// Each model has its colour; its training curve is solid, its validation curve dashed, with
/// a circle and "overfits after e" at its overfit epoch. Non-finite values are skipped (the
/// curve breaks there).
pub fn learning_curves(title: &str, metric: &str, series: &[Series]) -> String {
    let epochs = series
        .iter()
        .map(|s| s.train.len().max(s.validation.len()))
        .max()
        .unwrap_or(0)
        .max(1);
    let x = if epochs == 1 {
        (0.5, 1.5)
    } else {
        (1.0, epochs as f64)
    };
    let values: Vec<f64> = series
        .iter()
        .flat_map(|s| s.train.iter().chain(s.validation))
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    // Curves that span more than two decades (all above zero) are drawn on a log scale, so
    // that the late epochs of a falling loss do not lie flat on the axis.
    let (lo, hi) = values.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &v| {
        (lo.min(v), hi.max(v))
    });
    let log_y = lo > 0.0 && hi / lo > 100.0;
    let y = if log_y {
        padded_range(values.iter().map(|v| v.log10()))
    } else {
        padded_range(values.iter().copied())
    };
    let frame = Frame {
        left: 70.0,
        top: 44.0,
        right: WIDTH - 170.0,
        bottom: HEIGHT - 56.0,
        x,
        y,
        log_y,
    };
    let x_step = nice_step(x, 6.0).max(1.0);
    let y_step = nice_step(y, 5.0);
    let y_title = if log_y {
        format!("{metric} (log scale)")
    } else {
        metric.to_string()
    };
    let mut doc = frame.axes(title, "epoch", &y_title, &steps(x, x_step), y_step);

    for s in series {
        let colour = PALETTE[s.colour % PALETTE.len()];
        for (class, values) in [("training", s.train), ("validation", s.validation)] {
            let points = values.iter().enumerate().map(|(e, &v)| {
                let (px, py) = frame.point((e + 1) as f64, v);
                v.is_finite().then_some((px, py))
            });
            let Some(d) = path_data(points) else { continue };
            let mut path = curve(class, d, colour, format!("{}, {class}", s.name));
            if class == "validation" {
                path = path.set("stroke-dasharray", DASH);
            }
            if s.shade < 1.0 {
                path = path.set("stroke-opacity", fmt(s.shade));
            }
            doc = doc.add(path);
        }
    }

    // Overfit markers, then their labels, each placed where it overlaps no earlier label:
    // above its marker, else higher up, else below (with a leader line when moved).
    let mut markers = Vec::new();
    for s in series {
        let colour = PALETTE[s.colour % PALETTE.len()];
        let Some(e) = s.overfit_epoch else { continue };
        let Some(&v) = e.checked_sub(1).and_then(|i| s.validation.get(i)) else {
            continue;
        };
        if !v.is_finite() {
            continue;
        }
        let (px, py) = frame.point(e as f64, v);
        let mut marker = Circle::new()
            .set("class", "overfit")
            .set("cx", fmt(px))
            .set("cy", fmt(py))
            .set("fill", colour)
            .set("r", 4)
            .set("stroke", "#FFFFFF")
            .set("stroke-width", 1.5)
            .add(Title::new(format!("{}: overfits after epoch {e}", s.name)));
        if s.shade < 1.0 {
            marker = marker.set("fill-opacity", fmt(s.shade));
        }
        doc = doc.add(marker);
        markers.push((px, py, e, colour));
    }
    let mut placed: Vec<[f64; 4]> = Vec::new();
    for (px, py, e, colour) in markers {
        let content = format!("overfits after {e}");
        let width = LABEL_CHAR_WIDTH * content.len() as f64;
        let (anchor, x0) = if px + 7.0 + width > frame.right {
            ("end", px - 7.0 - width)
        } else {
            ("start", px + 7.0)
        };
        let fits = |y: f64| {
            let b = [x0, x0 + width, y - 10.0, y + 3.0];
            b[2] >= frame.top
                && b[3] <= frame.bottom
                && placed
                    .iter()
                    .all(|p| b[1] <= p[0] || p[1] <= b[0] || b[3] <= p[2] || p[3] <= b[2])
        };
        let above = (0..12).map(|k| py - 8.0 - 14.0 * k as f64);
        let below = (0..12).map(|k| py + 18.0 + 14.0 * k as f64);
        let y = above.chain(below).find(|&y| fits(y)).unwrap_or(py - 8.0);
        placed.push([x0, x0 + width, y - 10.0, y + 3.0]);
        let tx = if anchor == "end" { x0 + width } else { x0 };
        if y != py - 8.0 {
            let ly = if y < py { y + 3.0 } else { y - 10.0 };
            doc = doc.add(
                Line::new()
                    .set("stroke", colour)
                    .set("x1", fmt(px))
                    .set("x2", fmt(tx))
                    .set("y1", fmt(py))
                    .set("y2", fmt(ly)),
            );
        }
        doc = doc.add(
            text(content)
                .set("fill", colour)
                .set("font-size", 11)
                .set("paint-order", "stroke")
                .set("stroke", "#FFFFFF")
                .set("stroke-width", 3)
                .set("text-anchor", anchor)
                .set("x", fmt(tx))
                .set("y", fmt(y)),
        );
    }

    // The legend: a row per model (its solid and dashed samples), then what they mean.
    let lx = frame.right + 16.0;
    let mut ly = frame.top + 10.0;
    for s in series {
        let colour = PALETTE[s.colour % PALETTE.len()];
        let shaded = |line: Line| match s.shade < 1.0 {
            true => line.set("stroke-opacity", fmt(s.shade)),
            false => line,
        };
        doc = doc
            .add(shaded(sample(lx, lx + 22.0, ly, colour, false)))
            .add(shaded(sample(lx + 28.0, lx + 50.0, ly, colour, true)))
            .add(label(lx + 58.0, ly + 4.0, "start", s.name));
        ly += 20.0;
    }
    ly += 8.0;
    for (dashed, meaning) in [(false, "training"), (true, "validation")] {
        doc = doc.add(sample(lx, lx + 50.0, ly, TEXT, dashed)).add(label(
            lx + 58.0,
            ly + 4.0,
            "start",
            meaning,
        ));
        ly += 20.0;
    }
    doc.to_string() + "\n"
}

/// One model's figures at each training-set size.
#[derive(Debug, Clone, Copy)]
pub struct SizeSeries<'a> {
    /// The model's name, shown in the legend.
    pub name: &'a str,
    /// The model's place in [`PALETTE`] (modulo its length).
    pub colour: usize,
    /// Each training-set size with the model's figure there, `None` where it has none.
    pub points: &'a [(usize, Option<f64>)],
}

/// A figure of several models against the number of training examples, on a log scale
/// (each doubling the same width), ticked at the sizes trained: a line with a dot at each
/// size per model; a missing or non-finite figure breaks the line. `gap` says in the
/// legend what a missing dot means.
pub fn by_training_size(title: &str, y_title: &str, gap: &str, series: &[SizeSeries]) -> String {
    let mut sizes: Vec<usize> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|(n, _)| *n))
        .filter(|&n| n > 0)
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    let log = |n: usize| (n as f64).log2();
    let x = match (sizes.first(), sizes.last()) {
        (Some(&a), Some(&b)) if a < b => {
            let pad = 0.05 * (log(b) - log(a));
            (log(a) - pad, log(b) + pad)
        }
        (Some(&a), _) => (log(a) - 0.5, log(a) + 0.5),
        _ => (0.0, 1.0),
    };
    let y = padded_range(
        series
            .iter()
            .flat_map(|s| s.points.iter().filter_map(|(_, v)| *v)),
    );
    let frame = Frame {
        left: 70.0,
        top: 44.0,
        right: WIDTH - 170.0,
        bottom: HEIGHT - 56.0,
        x,
        y,
        log_y: false,
    };
    let x_ticks: Vec<(f64, String)> = sizes
        .iter()
        .map(|&n| (log(n), crate::suggest::thousands(n as u128)))
        .collect();
    let mut doc = frame.axes(
        title,
        "training examples (log scale)",
        y_title,
        &x_ticks,
        nice_step(y, 5.0),
    );
    for s in series {
        let colour = PALETTE[s.colour % PALETTE.len()];
        let points: Vec<Option<(f64, f64)>> = s
            .points
            .iter()
            .map(|&(n, v)| {
                v.filter(|v| v.is_finite() && n > 0)
                    .map(|v| frame.point(log(n), v))
            })
            .collect();
        if let Some(d) = path_data(points.iter().copied()) {
            doc = doc.add(curve("by-size", d, colour, s.name.to_string()));
        }
        for (&(n, v), point) in s.points.iter().zip(&points) {
            let (Some((px, py)), Some(v)) = (point, v) else {
                continue;
            };
            doc = doc.add(
                Circle::new()
                    .set("cx", fmt(*px))
                    .set("cy", fmt(*py))
                    .set("fill", colour)
                    .set("r", 4)
                    .set("stroke", "#FFFFFF")
                    .set("stroke-width", 1.5)
                    .add(Title::new(format!(
                        "{}: {} at {}",
                        s.name,
                        format_figure(v),
                        crate::suggest::thousands(n as u128)
                    ))),
            );
        }
    }
    let lx = frame.right + 16.0;
    let mut ly = frame.top + 10.0;
    for s in series {
        let colour = PALETTE[s.colour % PALETTE.len()];
        doc = doc.add(sample(lx, lx + 22.0, ly, colour, false)).add(label(
            lx + 30.0,
            ly + 4.0,
            "start",
            s.name,
        ));
        ly += 20.0;
    }
    if !gap.is_empty() {
        doc = doc.add(label(lx, ly + 12.0, "start", gap).set("font-size", 11));
    }
    doc.to_string() + "\n"
}

/// A figure in a tooltip: a whole number (an epoch) as it is, any other to four decimals.
fn format_figure(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e9 {
        format!("{v}")
    } else {
        format!("{v:.4}")
    }
}

/// One multi-hot row against word index, as the tutorial's first plot: x is the word index
/// `0..width`, y the value (1 where the id is present, 0 elsewhere). Ids at or beyond `width`
/// are not drawn.
pub fn multi_hot_row(title: &str, ids: &[u32], width: usize) -> String {
    let frame = Frame {
        left: 70.0,
        top: 44.0,
        right: WIDTH - 30.0,
        bottom: HEIGHT - 56.0,
        x: (0.0, width.max(1) as f64),
        y: (-0.05, 1.05),
        log_y: false,
    };
    let x_step = nice_step(frame.x, 6.0).max(1.0);
    let mut doc = frame.axes(
        title,
        "word index",
        "multi-hot value",
        &steps(frame.x, x_step),
        1.0,
    );
    let mut ids: Vec<u32> = ids
        .iter()
        .copied()
        .filter(|&id| (id as usize) < width)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let (x0, y0) = frame.point(0.0, 0.0);
    let (x1, _) = frame.point(width.saturating_sub(1) as f64, 0.0);
    let (_, y1) = frame.point(0.0, 1.0);
    let mut d = format!("M{},{} H{}", fmt(x0), fmt(y0), fmt(x1));
    for id in &ids {
        let (px, _) = frame.point(*id as f64, 0.0);
        d += &format!(" M{},{} V{}", fmt(px), fmt(y0), fmt(y1));
    }
    doc = doc.add(
        Path::new()
            .set("d", d)
            .set("fill", "none")
            .set("stroke", PALETTE[0])
            .set("stroke-width", 1)
            .add(Title::new(format!("{} ids present of {width}", ids.len()))),
    );
    doc.to_string() + "\n"
}

/// The plotting area in pixels and the data ranges it shows.
struct Frame {
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
    x: (f64, f64),
    /// The y range, in decades (log10 of the values) when `log_y`.
    y: (f64, f64),
    /// Whether y is drawn on a log scale.
    log_y: bool,
}

impl Frame {
    /// Data coordinates to pixels.
    fn point(&self, x: f64, y: f64) -> (f64, f64) {
        let y = if self.log_y { y.log10() } else { y };
        let px = self.left + fraction(x, self.x) * (self.right - self.left);
        let py = self.bottom - fraction(y, self.y) * (self.bottom - self.top);
        (px, py)
    }

    /// The y ticks (values) and their labels: multiples of `step`, or on a log scale each
    /// power of ten in range.
    fn y_ticks(&self, step: f64) -> Vec<(f64, String)> {
        if self.log_y {
            ticks(self.y, 1.0)
                .into_iter()
                .map(|k| {
                    let value = 10f64.powi(k as i32);
                    (value, format!("{value}"))
                })
                .collect()
        } else {
            ticks(self.y, step)
                .into_iter()
                .map(|v| (v, format_tick(v, step)))
                .collect()
        }
    }

    /// The document with background, title, grid, frame, ticks (`x_ticks` at their x
    /// values, with their labels) and axis titles.
    fn axes(
        &self,
        title: &str,
        x_title: &str,
        y_title: &str,
        x_ticks: &[(f64, String)],
        y_step: f64,
    ) -> Document {
        let mut doc = Document::new()
            .set("font-family", "Helvetica, Arial, sans-serif")
            .set("font-size", 12)
            .set("height", HEIGHT)
            .set("viewBox", format!("0 0 {WIDTH} {HEIGHT}"))
            .set("width", WIDTH)
            .add(
                Rectangle::new()
                    .set("fill", "#FFFFFF")
                    .set("height", HEIGHT)
                    .set("width", WIDTH),
            )
            .add(
                text(title)
                    .set("fill", TEXT)
                    .set("font-size", 16)
                    .set("font-weight", "bold")
                    .set("x", fmt(self.left))
                    .set("y", 26),
            );
        for (value, tick) in self.y_ticks(y_step) {
            let (_, py) = self.point(self.x.0, value);
            doc = doc.add(rule(self.left, py, self.right, py)).add(label(
                self.left - 6.0,
                py + 4.0,
                "end",
                &tick,
            ));
        }
        for (value, tick) in x_ticks {
            let (px, _) = self.point(*value, self.y.0);
            doc = doc.add(rule(px, self.top, px, self.bottom)).add(label(
                px,
                self.bottom + 16.0,
                "middle",
                tick,
            ));
        }
        let middle_x = (self.left + self.right) / 2.0;
        let middle_y = (self.top + self.bottom) / 2.0;
        doc.add(
            Rectangle::new()
                .set("fill", "none")
                .set("height", fmt(self.bottom - self.top))
                .set("stroke", TEXT)
                .set("width", fmt(self.right - self.left))
                .set("x", fmt(self.left))
                .set("y", fmt(self.top)),
        )
        .add(label(middle_x, self.bottom + 38.0, "middle", x_title))
        .add(
            label(18.0, middle_y, "middle", y_title)
                .set("transform", format!("rotate(-90 18 {})", fmt(middle_y))),
        )
    }
}

/// A coordinate with two decimals (and no negative zero).
fn fmt(v: f64) -> String {
    format!("{:.2}", v + 0.0)
}

/// `M x,y L x,y …` through the points, starting a new piece after each gap (`None`); a
/// piece of one point gets a zero-length segment (`h0`), which round caps show as a dot.
/// `None` when there is no point.
fn path_data(points: impl Iterator<Item = Option<(f64, f64)>>) -> Option<String> {
    let mut pieces: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for point in points {
        match point {
            Some(p) => pieces.last_mut().expect("one piece at least").push(p),
            None if !pieces.last().expect("one piece at least").is_empty() => {
                pieces.push(Vec::new())
            }
            None => {}
        }
    }
    let pieces: Vec<String> = pieces
        .iter()
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let mut d = String::new();
            for (i, (x, y)) in piece.iter().enumerate() {
                let command = if i == 0 { "M" } else { " L" };
                d += &format!("{command}{},{}", fmt(*x), fmt(*y));
            }
            if piece.len() == 1 {
                d += " h0";
            }
            d
        })
        .collect();
    (!pieces.is_empty()).then(|| pieces.join(" "))
}

/// The range of the finite values, padded by 5 % of its width on each side; a single value
/// `v` gets `v ± max(0.1 × |v|, 0.1)`, no value `0..1`. Always finite and non-empty.
fn padded_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    let (lo, hi) = if span == 0.0 {
        let half = (0.1 * lo.abs()).max(0.1);
        (lo - half, hi + half)
    } else if span.is_finite() {
        (lo - 0.05 * span, hi + 0.05 * span)
    } else {
        (lo, hi)
    };
    // Near ±f64::MAX, padding stops at the largest finite values.
    (lo.max(f64::MIN), hi.min(f64::MAX))
}

/// Where `v` lies in `range`, 0 at its start and 1 at its end; computed on halves so that
/// no difference of finite values overflows.
fn fraction(v: f64, range: (f64, f64)) -> f64 {
    (v / 2.0 - range.0 / 2.0) / (range.1 / 2.0 - range.0 / 2.0)
}

/// A 1-2-5 step giving about `target` ticks over `range`.
fn nice_step(range: (f64, f64), target: f64) -> f64 {
    let raw = (range.1 / 2.0 - range.0 / 2.0) / target * 2.0;
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let norm = raw / magnitude;
    let factor = if norm >= 50f64.sqrt() {
        10.0
    } else if norm >= 10f64.sqrt() {
        5.0
    } else if norm >= 2f64.sqrt() {
        2.0
    } else {
        1.0
    };
    factor * magnitude
}

/// The ticks at the multiples of `step` inside `range`, labelled.
fn steps(range: (f64, f64), step: f64) -> Vec<(f64, String)> {
    ticks(range, step)
        .into_iter()
        .map(|v| (v, format_tick(v, step)))
        .collect()
}

/// The multiples of `step` inside `range` (at most 50).
fn ticks(range: (f64, f64), step: f64) -> Vec<f64> {
    let first = (range.0 / step - 1e-9).ceil();
    let last = (range.1 / step + 1e-9).floor();
    if !(first.is_finite() && last.is_finite()) {
        return Vec::new();
    }
    let count = (last - first + 1.0).clamp(0.0, 50.0) as usize;
    (0..count).map(|i| (first + i as f64) * step).collect()
}

/// A tick label with the decimals its step needs (no negative zero); in scientific notation
/// from a step of 100,000 up.
fn format_tick(value: f64, step: f64) -> String {
    let text = if step >= 1e5 {
        format!("{value:.1e}")
    } else if step >= 1.0 {
        format!("{value:.0}")
    } else {
        let digits = (-step.log10() - 1e-9).ceil() as usize;
        format!("{value:.digits$}")
    };
    if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
        text[1..].to_string()
    } else {
        text
    }
}

/// A curve through the path data `d`, of `class`, with `title` as its tooltip.
fn curve(class: &str, d: String, colour: &str, title: String) -> Path {
    Path::new()
        .set("class", class)
        .set("d", d)
        .set("fill", "none")
        .set("stroke", colour)
        .set("stroke-linecap", "round")
        .set("stroke-linejoin", "round")
        .set("stroke-width", 2)
        .add(Title::new(title))
}

/// A light grid line.
fn rule(x1: f64, y1: f64, x2: f64, y2: f64) -> Line {
    Line::new()
        .set("stroke", GRID)
        .set("x1", fmt(x1))
        .set("x2", fmt(x2))
        .set("y1", fmt(y1))
        .set("y2", fmt(y2))
}

/// A legend's line sample, solid or dashed.
fn sample(x1: f64, x2: f64, y: f64, colour: &str, dashed: bool) -> Line {
    let line = Line::new()
        .set("stroke", colour)
        .set("stroke-width", 2)
        .set("x1", fmt(x1))
        .set("x2", fmt(x2))
        .set("y1", fmt(y))
        .set("y2", fmt(y));
    if dashed {
        line.set("stroke-dasharray", DASH)
    } else {
        line
    }
}

/// A text label.
fn label(x: f64, y: f64, anchor: &str, content: &str) -> Element {
    text(content)
        .set("fill", TEXT)
        .set("text-anchor", anchor)
        .set("x", fmt(x))
        .set("y", fmt(y))
}

/// A `<text>` element with its content on the same line (`svg`'s own `Text` puts the
/// content on lines of its own).
fn text(content: impl Into<String>) -> Element {
    let mut element = Element::new("text");
    element.append(svg::node::Text::new(content));
    element
}

/// `set` for a bare [`Element`], as the `svg` crate's typed elements have it.
trait Set {
    fn set(self, name: &str, value: impl Into<Value>) -> Self;
}

impl Set for Element {
    fn set(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.assign(name, value);
        self
    }
}
