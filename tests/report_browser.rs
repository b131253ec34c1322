//! The HTML report in a real browser: headless Chromium renders `index.html` of a small run
//! and takes a screenshot, and the screenshot must show the plots — pixels in each model's
//! colour. `.ci/run` installs Chromium from the distribution's packages when it is missing;
//! without it this test fails and says so (it never skips).

use crate::support;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The browser: `$OFIT_CHROMIUM`, else Debian's `/usr/bin/chromium`.
fn chromium() -> PathBuf {
    std::env::var_os("OFIT_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// Renders `page` in headless Chromium into a PNG screenshot and returns its RGBA pixels.
fn screenshot(page: &Path, shot: &Path, profile: &Path) -> (u32, u32, Vec<u8>) {
    let browser = chromium();
    assert!(
        browser.exists(),
        "Chromium is needed at {} (`apt-get install chromium`, or set OFIT_CHROMIUM); .ci/run installs it",
        browser.display()
    );
    let status = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1200,2400",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium starts");
    assert!(
        status.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(shot).expect("screenshot written"),
    ));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut pixels).expect("pixels");
    let channels = info.color_type.samples();
    let rgba: Vec<u8> = pixels[..info.buffer_size()]
        .chunks(channels)
        .flat_map(|p| [p[0], p[1], p[2], if channels == 4 { p[3] } else { 255 }])
        .collect();
    (info.width, info.height, rgba)
}

/// Pixels within a small distance of `rgb`.
fn count(rgba: &[u8], rgb: [u8; 3]) -> usize {
    rgba.chunks(4)
        .filter(|p| (0..3).all(|i| (p[i] as i32 - rgb[i] as i32).abs() <= 24))
        .count()
}

#[test]
fn the_report_shows_its_plots_in_a_real_browser() {
    let out = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_ofit"))
        .args(["run", "tests/fixtures/train/small.ofit", "--out"])
        .arg(out.path())
        .current_dir(support::root())
        .output()
        .expect("ofit runs");
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let profile = tempfile::tempdir().unwrap();
    let shot = out.path().join("screenshot.png");
    let (width, height, rgba) = screenshot(&out.path().join("index.html"), &shot, profile.path());
    assert_eq!((width, height), (1200, 2400));
    // The first two models' colours (Okabe–Ito blue and vermilion) draw their curves.
    let blue = count(&rgba, [0x00, 0x72, 0xB2]);
    let vermilion = count(&rgba, [0xD5, 0x5E, 0x00]);
    assert!(
        blue > 500 && vermilion > 500,
        "curves not drawn: {blue} blue and {vermilion} vermilion pixels"
    );
    // And the page is mostly white paper, not an error page.
    let white = count(&rgba, [0xFF, 0xFF, 0xFF]);
    assert!(white > rgba.len() / 4 / 2, "{white} white pixels");
}
