//! `report::plot`: learning curves and a multi-hot row as SVG, pinned with insta and checked
//! for their structure.

use ofit::ir::Metric;
use ofit::report::analysis::analyse;
use ofit::report::plot::{by_training_size, learning_curves, multi_hot_row, Series, SizeSeries};

const SMALL: ([f64; 6], [f64; 6]) = (
    [0.62, 0.48, 0.4, 0.35, 0.31, 0.28],
    [0.58, 0.5, 0.46, 0.44, 0.43, 0.425],
);
const MEDIUM: ([f64; 6], [f64; 6]) = (
    [0.55, 0.38, 0.29, 0.22, 0.17, 0.13],
    [0.5, 0.42, 0.41, 0.44, 0.49, 0.55],
);
const LARGE: ([f64; 6], [f64; 6]) = (
    [0.45, 0.25, 0.14, 0.08, 0.05, 0.03],
    [0.44, 0.43, 0.48, 0.56, 0.66, 0.78],
);

/// Three models; the overfit epochs come from the analysis.
fn three_models() -> String {
    let series: Vec<Series> = [("small", &SMALL), ("medium", &MEDIUM), ("large", &LARGE)]
        .into_iter()
        .enumerate()
        .map(|(colour, (name, (train, validation)))| Series {
            name,
            colour,
            shade: 1.0,
            train,
            validation,
            overfit_epoch: analyse(Metric::BinaryCrossentropy, train, validation)
                .unwrap()
                .overfit_epoch,
        })
        .collect();
    learning_curves("Three models", "binary_crossentropy", &series)
}

/// The opening tags of every `<name` element.
fn tags<'a>(svg: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name} ");
    svg.match_indices(&open)
        .map(|(i, _)| &svg[i..i + svg[i..].find('>').unwrap()])
        .collect()
}

#[test]
fn learning_curves_of_three_models() {
    insta::assert_snapshot!(three_models());
}

#[test]
fn every_model_has_a_solid_training_and_a_dashed_validation_curve() {
    let svg = three_models();
    let paths = tags(&svg, "path");
    assert_eq!(paths.len(), 2 * 3);
    for path in &paths {
        let dashed = path.contains("stroke-dasharray");
        assert_eq!(dashed, path.contains(r#"class="validation""#), "{path}");
    }
    assert_eq!(
        paths
            .iter()
            .filter(|p| p.contains("stroke-dasharray"))
            .count(),
        3
    );
    // One colour per model, Okabe–Ito, shared by both of its curves.
    for (i, colour) in ["#0072B2", "#D55E00", "#009E73"].iter().enumerate() {
        assert!(paths[2 * i].contains(colour) && paths[2 * i + 1].contains(colour));
    }
}

#[test]
fn the_legend_names_every_model_and_explains_the_dashes() {
    let svg = three_models();
    for name in ["small", "medium", "large", "training", "validation"] {
        assert!(svg.contains(&format!(">{name}</text>")), "{name}");
    }
    assert!(svg.contains(">Three models</text>"));
    assert!(svg.contains(">binary_crossentropy</text>"));
    assert!(svg.contains(">epoch</text>"));
}

#[test]
fn overfit_epochs_are_marked_on_the_models_that_overfit() {
    let svg = three_models();
    assert_eq!(tags(&svg, "circle").len(), 2);
    assert!(svg.contains("medium: overfits after epoch 3"));
    assert!(svg.contains(">overfits after 3</text>"));
    assert!(svg.contains("large: overfits after epoch 2"));
    assert!(svg.contains(">overfits after 2</text>"));
    assert!(!svg.contains("small: overfits"));
}

#[test]
fn the_output_is_deterministic() {
    assert_eq!(three_models(), three_models());
}

#[test]
fn y_ticks_are_nice_numbers() {
    let svg = three_models();
    // Values span 0.03..0.78 (padded by 5 %): ticks every 0.2, with one decimal.
    for tick in ["0.0", "0.2", "0.4", "0.6", "0.8"] {
        assert!(svg.contains(&format!(">{tick}</text>")), "{tick}");
    }
    assert!(!svg.contains(">0.1</text>") && !svg.contains(">1.0</text>"));
    // Epochs 1..6: every epoch.
    for epoch in 1..=6 {
        assert!(svg.contains(&format!(">{epoch}</text>")), "{epoch}");
    }
}

#[test]
fn edge_cases_give_finite_coordinates() {
    // One epoch: a dot; all-equal values: a non-empty y range.
    let one = learning_curves(
        "one",
        "loss",
        &[Series {
            name: "m",
            colour: 0,
            shade: 1.0,
            train: &[0.5],
            validation: &[0.5],
            overfit_epoch: None,
        }],
    );
    assert_eq!(tags(&one, "path").len(), 2);
    assert!(one.contains(" h0\""));
    assert!(one.contains(">0.50</text>"));
    // Non-finite values are skipped and break the curve.
    let gaps = learning_curves(
        "gaps",
        "loss",
        &[Series {
            name: "m",
            colour: 0,
            shade: 1.0,
            train: &[0.5, f64::NAN, 0.3, 0.2],
            validation: &[f64::INFINITY, f64::NAN, f64::NEG_INFINITY, f64::NAN],
            overfit_epoch: Some(2),
        }],
    );
    let paths = tags(&gaps, "path");
    assert_eq!(paths.len(), 1, "a curve with no finite value is not drawn");
    assert_eq!(paths[0].matches('M').count(), 2);
    assert!(!gaps.contains("<circle"));
    // No model at all.
    let empty = learning_curves("empty", "loss", &[]);
    assert!(!empty.contains("<path"));
    // Exploding values: no overflow, labels in scientific notation.
    let huge = learning_curves(
        "huge",
        "loss",
        &[Series {
            name: "m",
            colour: 0,
            shade: 1.0,
            train: &[1e30, 2e30],
            validation: &[-f64::MAX, f64::MAX],
            overfit_epoch: None,
        }],
    );
    assert!(huge.contains(">1.0e308</text>"), "{huge}");
    for svg in [one, gaps, empty, huge] {
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>\n"));
    }
}

#[test]
fn a_multi_hot_row_against_word_index() {
    // 97 twice, and 150 beyond the width: drawn once, and not at all.
    let svg = multi_hot_row("Review 0, multi-hot", &[1, 4, 14, 22, 97, 97, 150], 100);
    let paths = tags(&svg, "path");
    assert_eq!(paths.len(), 1);
    assert_eq!(paths[0].matches(" V").count(), 5);
    assert!(svg.contains(">word index</text>"));
    insta::assert_snapshot!(svg);
}

#[test]
fn a_figure_against_training_examples_on_a_log_axis() {
    // Doublings are equally wide; a missing figure breaks the line and leaves no dot.
    let baseline = [
        (1250, Some(0.41)),
        (2500, Some(0.36)),
        (5000, None),
        (10_000, Some(0.29)),
    ];
    let bigger = [
        (1250, Some(0.52)),
        (2500, Some(0.44)),
        (5000, Some(0.37)),
        (10_000, Some(0.33)),
    ];
    let series = [
        SizeSeries {
            name: "baseline",
            colour: 0,
            points: &baseline,
        },
        SizeSeries {
            name: "bigger",
            colour: 2,
            points: &bigger,
        },
    ];
    let svg = by_training_size(
        "More data",
        "lowest validation loss",
        "no dot: no figure",
        &series,
    );
    let dots = tags(&svg, "circle");
    assert_eq!(dots.len(), 7);
    let x = |tag: &str| -> f64 {
        let at = tag.find("cx=\"").unwrap() + 4;
        tag[at..].split('"').next().unwrap().parse().unwrap()
    };
    let xs: Vec<f64> = dots[3..].iter().map(|t| x(t)).collect();
    let widths: Vec<f64> = xs.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        widths.iter().all(|w| (w - widths[0]).abs() < 0.02),
        "{xs:?}"
    );
    // The baseline's line is two pieces: 1,250–2,500 and the dot at 10,000.
    let paths = tags(&svg, "path");
    assert_eq!(paths[0].matches('M').count(), 2, "{}", paths[0]);
    for tick in [
        "1,250",
        "2,500",
        "5,000",
        "10,000",
        "training examples (log scale)",
    ] {
        assert!(svg.contains(&format!(">{tick}</text>")), "{tick}");
    }
    insta::assert_snapshot!(svg);
}

/// The legend of a plot: each model's name with the colour of the dashed sample line
/// before it.
fn legend(svg: &str) -> Vec<(String, String)> {
    let mut colour = None;
    let mut out = Vec::new();
    for element in svg.split('<') {
        if let Some(rest) = element.strip_prefix("line stroke=\"") {
            colour = rest
                .contains("stroke-dasharray")
                .then(|| rest.split('"').next().unwrap_or_default().to_string());
        } else if let Some(rest) = element.strip_prefix("text ") {
            let name = rest.split('>').nth(1).unwrap_or_default();
            let model = |c: &String| ofit::report::plot::PALETTE.contains(&c.as_str());
            if let Some(c) = colour.take().filter(model) {
                out.push((name.to_string(), c));
            }
        }
    }
    out
}

#[test]
fn a_model_keeps_its_colour_in_every_experiment() {
    let built =
        ofit::report::document::build_report(&crate::support::root().join("docs/tutorial-run"))
            .unwrap();
    let mut seen: Vec<(String, String)> = Vec::new();
    for (file, svg) in &built.plots {
        let legend = legend(svg);
        assert!(legend.len() >= 2, "{file}: {legend:?}");
        for (name, colour) in legend {
            match seen.iter().find(|(n, _)| *n == name) {
                Some((_, first)) => assert_eq!(*first, colour, "{name} in {file}"),
                None => {
                    assert!(
                        !seen.iter().any(|(_, c)| *c == colour),
                        "{name} in {file} takes another model's colour {colour}"
                    );
                    seen.push((name, colour));
                }
            }
        }
    }
    let names: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["baseline", "smaller", "bigger", "l2", "dropout"]);
}

/// The boxes `[left, right, top, bottom]` of a plot's "overfits after" labels, as the
/// placement sizes them (11-pixel text).
fn overfit_label_boxes(svg: &str) -> Vec<[f64; 4]> {
    let attribute = |element: &str, name: &str| -> String {
        let start = element.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        element[start..].split('"').next().unwrap().to_string()
    };
    svg.split("<text")
        .skip(1)
        .filter_map(|element| {
            let content = element.split('>').nth(1)?.split('<').next()?;
            content.starts_with("overfits after").then(|| {
                let width = ofit::report::plot::LABEL_CHAR_WIDTH * content.len() as f64;
                let x: f64 = attribute(element, "x").parse().unwrap();
                let y: f64 = attribute(element, "y").parse().unwrap();
                let left = if attribute(element, "text-anchor") == "end" {
                    x - width
                } else {
                    x
                };
                [left, left + width, y - 10.0, y + 3.0]
            })
        })
        .collect()
}

fn assert_apart(boxes: &[[f64; 4]], what: &str) {
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[..i] {
            let apart = a[1] <= b[0] || b[1] <= a[0] || a[3] <= b[2] || b[3] <= a[2];
            assert!(apart, "{what}: labels {a:?} and {b:?} overlap");
        }
    }
}

#[test]
fn overfit_labels_never_overlap_even_at_one_epoch_and_value() {
    // A sweep of four models that all overfit after epoch 2 at the same value.
    let (train, validation) = ([0.5, 0.3, 0.2, 0.1], [0.45, 0.35, 0.5, 0.7]);
    let names = ["w8", "w16", "w32", "w64"];
    let series: Vec<Series> = names
        .iter()
        .enumerate()
        .map(|(colour, name)| Series {
            name,
            colour,
            shade: 1.0,
            train: &train,
            validation: &validation,
            overfit_epoch: Some(2),
        })
        .collect();
    let svg = learning_curves("sweep", "loss", &series);
    let boxes = overfit_label_boxes(&svg);
    assert_eq!(boxes.len(), 4);
    assert_apart(&boxes, "the sweep");
    // And the tutorial's plots, from its committed run.
    let built =
        ofit::report::document::build_report(&crate::support::root().join("docs/tutorial-run"))
            .unwrap();
    for (file, svg) in &built.plots {
        let boxes = overfit_label_boxes(svg);
        assert!(!boxes.is_empty(), "{file}");
        assert_apart(&boxes, file);
    }
}

#[test]
fn curves_over_more_than_two_decades_are_drawn_on_a_log_scale() {
    // A training loss falling from 1 to 0.0001; validation bottoming out at 0.01.
    let train = [1.0, 0.1, 0.01, 0.001, 0.0001];
    let validation = [1.0, 0.1, 0.01, 0.05, 0.2];
    let svg = learning_curves(
        "falling",
        "loss",
        &[Series {
            name: "m",
            colour: 0,
            shade: 1.0,
            train: &train,
            validation: &validation,
            overfit_epoch: Some(3),
        }],
    );
    assert!(svg.contains(">loss (log scale)</text>"), "{svg}");
    // A tick at each power of ten, equally spaced, and the curve passes through them.
    let tick_y = |tick: &str| -> f64 {
        let at = svg
            .find(&format!(">{tick}</text>"))
            .unwrap_or_else(|| panic!("{tick}"));
        let element = &svg[svg[..at].rfind("<text").unwrap()..at];
        let y = element
            .split(" y=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        y.parse::<f64>().unwrap() - 4.0
    };
    let ys: Vec<f64> = ["1", "0.1", "0.01", "0.001", "0.0001"]
        .iter()
        .map(|t| tick_y(t))
        .collect();
    for pair in ys.windows(3) {
        assert!(
            ((pair[1] - pair[0]) - (pair[2] - pair[1])).abs() < 0.02,
            "{ys:?}"
        );
    }
    let training = svg.split("class=\"training\" d=\"").nth(1).unwrap();
    let points: Vec<f64> = training
        .split('"')
        .next()
        .unwrap()
        .split(['M', 'L'])
        .filter(|p| !p.trim().is_empty())
        .map(|p| p.trim().split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    for (point, tick) in points.iter().zip(&ys) {
        assert!((point - tick).abs() < 0.02, "{points:?} against {ys:?}");
    }
    // Two decades or less stay linear.
    let linear = learning_curves(
        "flat",
        "loss",
        &[Series {
            name: "m",
            colour: 0,
            shade: 1.0,
            train: &[1.0, 0.5, 0.02],
            validation: &[1.0, 0.6, 0.4],
            overfit_epoch: None,
        }],
    );
    assert!(!linear.contains("log scale"));
}
