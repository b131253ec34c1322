//! Stage 4: what a user reads — model summaries now; plots and the HTML report once
//! training produces histories.

pub mod analysis;
pub mod plot;
pub mod summary;
