//! Stage 5: what a user reads — model summaries, learning curves (SVG), where each model
//! starts to overfit, `report.json` and a self-contained `index.html`.

pub mod analysis;
pub mod docs;
pub mod document;
pub mod html;
pub mod more_data;
pub mod plot;
pub mod summary;
